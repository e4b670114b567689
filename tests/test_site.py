"""The site writer on small corpora written here: layers, exports, escaping for spreadsheets."""

from __future__ import annotations

import csv
import io

from geomap.pipeline import gather
from geomap.site import write_site

SAME = "---\ntitle: Fighting near Hawija\noutlet: Desk\npublished: 2017-10-0{n}\n---\n{body}\n"


def build(tmp_path, resources, articles: dict[str, str]):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    write_site(gather([folder], resources), out, protect=[folder])
    return out


def test_two_stories_with_one_label_keep_two_layers(tmp_path, resources):
    out = build(tmp_path, resources, {
        "a.md": SAME.format(n=1, body="Clashes broke out in Hawija on Monday."),
        "b.md": SAME.format(n=2, body="Militants surrendered in Raqqa on Tuesday, officials said."),
    })
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '"Desk: Fighting near Hawija"' in html and '"Desk: Fighting near Hawija (b)"' in html


def test_csv_cells_from_articles_cannot_be_formulas(tmp_path, resources):
    out = build(tmp_path, resources, {
        "evil.md": SAME.format(n=1, body='=HYPERLINK("http://x") militants fled Hawija on Monday.'),
    })
    rows = list(csv.DictReader(io.StringIO((out / "data" / "claims.csv").read_text(encoding="utf-8"))))
    assert rows and rows[0]["notes"].startswith("'=HYPERLINK")
    assert rows[0]["location"] == "Hawija" and rows[0]["event_type"] == "flight"

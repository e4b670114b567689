"""The site writer on small corpora written here: layers, exports (claims.csv, clusters.json), escaping for spreadsheets."""

from __future__ import annotations

import csv
import io
import json

from geomap.pipeline import gather
from geomap.site import CSV_COLUMNS, write_site

ARTICLE = "---\ntitle: {title}\noutlet: {outlet}\npublished: {published}\n---\n{body}\n"
ACLED = ("event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1", "location",
         "latitude", "longitude", "geo_precision", "source", "source_url", "notes", "fatalities")
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


def test_claims_csv_has_acled_columns_actors_and_fatalities(tmp_path, resources):
    body = ("Six civilians including a child were killed in Mosul on Saturday when Islamic State militants "
            "shelled Iraqi forces.")
    out = build(tmp_path, resources, {"a.md": ARTICLE.format(title="Mosul", outlet="Desk", published="2017-10-31",
                                                                body=body)})
    rows = list(csv.DictReader(io.StringIO((out / "data" / "claims.csv").read_text(encoding="utf-8"))))
    assert tuple(CSV_COLUMNS[:len(ACLED)]) == ACLED and {"article_id", "start", "end"} <= set(CSV_COLUMNS)
    (row,) = rows
    assert (row["event_date"], row["time_precision"], row["event_type"]) == ("2017-10-28", "day", "shelling")
    assert (row["actor1"], row["actor2"]) == ("Civilians", "ISIS")
    assert (row["location"], row["country"], row["admin1"], row["fatalities"]) == ("Mosul", "IQ", "Ninawa", "6")
    assert row["notes"] == body and row["source"] == "Desk" and row["article_id"] == "a"
    assert body[int(row["start"]):int(row["end"])] == body


def test_clusters_json_puts_outlets_side_by_side(tmp_path, resources):
    a = "Dozens of militants surrendered to Iraqi forces in Hawija on Thursday, officers said."
    b = "More than one thousand militants surrendered to Kurdish Peshmerga in Hawija on Thursday."
    copy = a + " The story was shared widely."
    out = build(tmp_path, resources, {
        "a.md": ARTICLE.format(title="Hawija", outlet="Desk A", published="2017-10-06", body=a),
        "b.md": ARTICLE.format(title="Hawija", outlet="Desk B", published="2017-10-06", body=b),
        "c.md": ARTICLE.format(title="Hawija", outlet="Desk C", published="2017-10-07", body=copy),
    })
    articles = [json.loads(line) for line in (out / "data" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [a["duplicate_of"] for a in articles] == [None, None, "a.md"]
    (cluster,) = json.loads((out / "data" / "clusters.json").read_text(encoding="utf-8"))
    assert (cluster["id"], cluster["place"], cluster["event"]) == ("hawija-surrender-1", "hawija", "surrender")
    assert cluster["outlets"] == ["Desk A", "Desk B"]  # the copy in Desk C is the same voice as Desk A
    assert cluster["disagreements"] == ["quantities", "actors"]
    assert [(m["outlet"], m["date"], m["quantities"][0]["value"], m["text"]) for m in cluster["members"]] == [
        ("Desk A", "2017-10-05", 12, a), ("Desk B", "2017-10-05", 1000, b)]

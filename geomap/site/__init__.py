"""Render the gathered corpus as a static site: map, article pages, data exports.

Everything is written into a temporary folder that replaces the output folder only when complete.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from html import escape
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from geomap.export import article_record, claim_record, cluster_record, json_line, place_record
from geomap.model import Claim, Extraction
from geomap.pipeline import Corpus
from geomap.site.assets import copy_assets
from geomap.site.mapview import build_map
from geomap.site.output import atomic_folder
from geomap.site.views import article_segments, place_views

log = logging.getLogger(__name__)

CSV_COLUMNS = ("event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1",
               "location", "latitude", "longitude", "geo_precision", "source", "source_url", "notes", "fatalities",
               "article_id", "start", "end")


def web_url(url: str | None) -> str | None:
    """An article's URL if it is http(s); a ``javascript:`` or ``data:`` URL from an article is not a link."""
    if url and re.match(r"https?://", url.strip(), re.I):
        return url.strip()
    return None


def _env() -> Environment:
    env = Environment(loader=PackageLoader("geomap.site", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.filters["web_url"] = web_url
    return env


def write_site(corpus: Corpus, out: Path, protect: list[Path]) -> dict:
    """Write the site; returns figures for the closing summary line."""
    env = _env()
    views = place_views(corpus)
    originals = [x for x in corpus.extractions if x.article.id not in corpus.duplicates]
    storied = {s.article.id for v in views for s in v.stories}
    layers = []
    labels: set[str] = set()
    for x in originals:
        if x.article.id not in storied:
            continue
        label = f"{x.article.outlet or 'Unknown outlet'}: {x.article.title or x.article.id}"
        if label in labels:  # folium keys layers by label: two stories must not share one
            label += f" ({x.article.id})"
        labels.add(label)
        # Leaflet's layer box shows labels as HTML: escaped here, once.
        layers.append((x.article.id, escape(label)))
    popup = env.get_template("popup.html")
    popups = {v.place.id: popup.render(view=v) for v in views}
    site = {"articles": len(corpus.extractions),
            "gazetteer": Path(corpus.gazetteer.path).name if corpus.gazetteer and corpus.gazetteer.path else "no gazetteer"}
    names = {m.place.id: m.place.name for x in corpus.extractions for m in x.mentions if m.place}

    with atomic_folder(out, protect) as root:
        copy_assets(root)
        build_map(views, layers, popups).save(str(root / "index.html"))
        (root / "articles").mkdir()
        page = env.get_template("article.html")
        for x in corpus.extractions:
            html = page.render(x=x, paragraphs=article_segments(x), names=names, root="../", site=site,
                               duplicate_of=corpus.original(x.article.id),
                               places_of=lambda c: ", ".join(names.get(p, p) for p in c.places))
            (root / "articles" / f"{x.article.id}.html").write_text(html, encoding="utf-8")
        (root / "articles" / "index.html").write_text(
            env.get_template("articles.html").render(extractions=corpus.extractions, duplicates=corpus.duplicates,
                                                     root="../", site=site), encoding="utf-8")
        data = root / "data"
        data.mkdir()
        (data / "articles.jsonl").write_text(
            "".join(json_line(article_record(x, corpus.duplicates.get(x.article.id))) for x in corpus.extractions),
            encoding="utf-8")
        (data / "claims.geojson").write_text(json_line(claims_geojson(corpus)), encoding="utf-8")
        (data / "claims.csv").write_text(claims_csv(corpus), encoding="utf-8")
        by_id = {x.article.id: x for x in corpus.extractions}
        (data / "clusters.json").write_text(json_line([cluster_record(c, by_id) for c in corpus.clusters]), encoding="utf-8")
    return {"claims": sum(v.claim_count for v in views), "places": len(views)}


def _claim_rows(corpus: Corpus) -> list[tuple[Extraction, int, Claim, object]]:
    rows = []
    for x in corpus.extractions:
        if x.article.id in corpus.duplicates:
            continue
        places = x.places
        for n, claim in enumerate(x.claims):
            for pid in claim.places:
                rows.append((x, n, claim, places[pid]))
    return rows


def claims_geojson(corpus: Corpus) -> dict:
    features = []
    for x, n, claim, place in _claim_rows(corpus):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
            # The same fields as the JSON Lines contract, one place per feature.
            "properties": {
                **claim_record(claim, x.article.text), **place_record(place),
                "article": x.article.id, "claim": n, "outlet": x.article.outlet, "published": x.article.published,
            },
        })
    return {"type": "FeatureCollection", "features": features}


def _cell(value: object) -> object:
    """Text from articles opens in spreadsheets: a leading =, +, - or @ must not become a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def claims_csv(corpus: Corpus) -> str:
    """ACLED-like rows, one per claim and place."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for x, n, claim, place in _claim_rows(corpus):
        killed = [q.value for q in claim.quantities if q.kind == "killed" and q.value is not None]
        w.writerow(_cell(v) for v in [
            f"{x.article.id}-{n}-{place.id}", claim.date or "", claim.time_precision or "", claim.event,
            claim.actors[0] if claim.actors else "", claim.actors[1] if len(claim.actors) > 1 else "",
            place.country or "", place.region or "", place.name, place.lat, place.lon, place.precision,
            x.article.outlet or "", x.article.url or "", x.article.text[claim.start:claim.end],
            int(max(killed)) if killed else "", x.article.id, claim.start, claim.end,
        ])
    return buf.getvalue()

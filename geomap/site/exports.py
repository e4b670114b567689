"""The site's data exports in site/data/: claims and places as GeoJSON, ACLED-like claims and unresolved names as CSV."""

from __future__ import annotations

import csv
import io

from geomap.export import claim_record, place_record
from geomap.model import Claim, Extraction, Place
from geomap.pipeline import Corpus
from geomap.site.views import PlaceView, RegionView

CSV_COLUMNS = ("event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1",
               "location", "latitude", "longitude", "geo_precision", "source", "source_url", "notes", "fatalities",
               "article_id", "start", "end")
UNRESOLVED_COLUMNS = ("article_id", "start", "end", "text", "note")


def _claim_rows(corpus: Corpus) -> list[tuple[Extraction, int, Claim, Place]]:
    rows = []
    for x in corpus.extractions:
        if x.article.id in corpus.duplicates:
            continue
        places = x.places
        for n, claim in enumerate(x.claims):
            for pid in claim.places:
                rows.append((x, n, claim, places[pid]))
    return rows


def geometry(place: Place) -> dict:
    """GeoJSON of a place as the gazetteer draws it: a curated river or area is a line or polygon, not a dot."""
    if place.geometry == "line":
        return {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in place.coords]}
    if place.geometry == "polygon":
        return {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in place.coords]]}
    return {"type": "Point", "coordinates": [place.lon, place.lat]}


def claims_geojson(corpus: Corpus) -> dict:
    features = []
    for x, n, claim, place in _claim_rows(corpus):
        features.append({
            "type": "Feature",
            "geometry": geometry(place),
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


def _csv(columns: tuple[str, ...], rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(_cell(v) for v in row)
    return buf.getvalue()


def claims_csv(corpus: Corpus) -> str:
    """ACLED-like rows, one per claim and place."""
    return _csv(CSV_COLUMNS, _acled_rows(corpus))


def _acled_rows(corpus: Corpus):
    for x, n, claim, place in _claim_rows(corpus):
        killed = [q.value for q in claim.quantities if q.kind == "killed" and q.value is not None]
        yield [
            f"{x.article.id}-{n}-{place.id}", claim.date or "", claim.time_precision or "", claim.event,
            claim.actors[0] if claim.actors else "", claim.actors[1] if len(claim.actors) > 1 else "",
            place.country or "", place.region or "", place.name, place.lat, place.lon, place.precision,
            x.article.outlet or "", x.article.url or "", x.article.text[claim.start:claim.end],
            int(max(killed)) if killed else "", x.article.id, claim.start, claim.end,
        ]


def unresolved_csv(corpus: Corpus) -> str:
    """Names found in the text but not placed on the map (not a place here, or no gazetteer match), and why."""
    return _csv(UNRESOLVED_COLUMNS, ([x.article.id, m.start, m.end, m.text, m.reason]
                                     for x in corpus.extractions for m in x.mentions if m.place is None))


def places_geojson(views: list[PlaceView], region_of: dict[str, RegionView]) -> dict:
    """Every place with claims, drawn as its geometry, with its region, outlets and claim count."""
    features = []
    for v in views:
        p = v.place
        region = region_of.get(p.id)
        features.append({"type": "Feature", "geometry": geometry(p), "properties": {
            **place_record(p), "region_page": region.id if region else None, "claims": v.claim_count,
            "outlets": v.outlets, "page": f"places/{p.id}.html"}})
    return {"type": "FeatureCollection", "features": features}

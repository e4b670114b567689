"""The site's data exports in site/data/: claims and places as GeoJSON, ACLED-like claims and unresolved names as CSV.

The exports of claims and names are written an article at a time (see ``incremental.Parted``): each function here
renders one article's part of a file, so a rebuild renders only the parts of the articles that changed, and no
export is ever held whole in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from geomap.export import claim_record, json_text, place_record
from geomap.model import Claim, Extraction, Place
from geomap.site.incremental import Parted
from geomap.site.views import PlaceView, RegionView

CSV_COLUMNS = ("event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1",
               "location", "latitude", "longitude", "geo_precision", "source", "source_url", "notes", "fatalities",
               "article_id", "start", "end")
UNRESOLVED_COLUMNS = ("article_id", "start", "end", "text", "note")


def _claim_rows(x: Extraction) -> Iterator[tuple[int, Claim, Place]]:
    """An article's claims, one row per claim and place."""
    places = x.places
    for n, claim in enumerate(x.claims):
        for pid in claim.places:
            yield n, claim, places[pid]


def geometry(place: Place) -> dict:
    """GeoJSON of a place as the gazetteer draws it: a curated river or area is a line or polygon, not a dot."""
    if place.geometry == "line":
        return {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in place.coords]}
    if place.geometry == "polygon":
        return {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in place.coords]]}
    return {"type": "Point", "coordinates": [place.lon, place.lat]}


# A FeatureCollection as ``json_line`` writes it, around its features joined by ",": written a part at a time.
FEATURES = Parted(head='{"features":[', sep=",", tail='],"type":"FeatureCollection"}\n')


def claim_features(x: Extraction) -> str:
    """An article's features of ``data/claims.geojson`` (one per claim and place), joined by ","."""
    return ",".join(json_text({
        "type": "Feature",
        "geometry": geometry(place),
        # The same fields as the JSON Lines contract, one place per feature.
        "properties": {
            **claim_record(claim, x.article.text), **place_record(place),
            "article": x.article.id, "claim": n, "outlet": x.article.outlet, "published": x.article.published,
        },
    }) for n, claim, place in _claim_rows(x))


def _cell(value: object) -> object:
    """Text from articles opens in spreadsheets: a leading =, +, - or @ (or a tab or line break, which some
    spreadsheets skip before one) must not become a formula. Line breaks become "\\n", which the writer quotes;
    it would leave a lone "\\r" bare, and readers end the row there."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\n") else value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow(_cell(v) for v in row)
    return buf.getvalue()


def claim_rows(x: Extraction) -> str:
    """An article's rows of ``data/claims.csv``: ACLED-like, one per claim and place (``CSV_COLUMNS``)."""
    return csv_text(_acled_row(x, n, claim, place) for n, claim, place in _claim_rows(x))


def _acled_row(x: Extraction, n: int, claim: Claim, place: Place) -> list:
    killed = [q.value for q in claim.quantities if q.kind == "killed" and q.value is not None]
    return [
        f"{x.article.id}-{n}-{place.id}", claim.date or "", claim.time_precision or "", claim.event,
        claim.actors[0] if claim.actors else "", claim.actors[1] if len(claim.actors) > 1 else "",
        place.country or "", place.region or "", place.name, place.lat, place.lon, place.precision,
        x.article.outlet or "", x.article.url or "", x.article.text[claim.start:claim.end],
        int(max(killed)) if killed else "", x.article.id, claim.start, claim.end,
    ]


def unresolved_rows(x: Extraction) -> str:
    """An article's rows of ``data/unresolved.csv``: names found in the text but not placed on the map (not a place
    here, or no gazetteer match), and why (``UNRESOLVED_COLUMNS``)."""
    return csv_text([x.article.id, m.start, m.end, m.text, m.reason] for m in x.mentions if m.place is None)


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

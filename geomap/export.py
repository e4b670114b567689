"""Plain data views of the results: the JSON Lines contract, GeoJSON and CSV rows."""

from __future__ import annotations

import json

from geomap.clusters import ClaimCluster
from geomap.model import Claim, Extraction, Mention, Place


def json_text(obj: object) -> str:
    """Compact JSON with sorted keys: the same bytes in site/data and on stdout."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def json_line(obj: object) -> str:
    return json_text(obj) + "\n"


def place_record(place: Place) -> dict:
    return {"place": place.id, "name": place.name, "lat": place.lat, "lon": place.lon, "country": place.country,
            "region": place.region, "kind": place.kind, "precision": place.precision, "source": place.source}


def mention_record(m: Mention) -> dict:
    base = {"start": m.start, "end": m.end, "text": m.text}
    if m.place is None:
        empty = dict.fromkeys(("place", "name", "lat", "lon", "country", "region", "kind", "precision", "source"))
        refers = None
        if m.refers is not None:
            r = m.refers
            refers = {"place": r.id, "name": r.name, "lat": r.lat, "lon": r.lon, "country": r.country}
        return {**base, **empty, "confidence": 0.0, "note": m.reason, "refers": refers}
    return {**base, **place_record(m.place), "confidence": m.confidence}


def claim_record(c: Claim, text: str) -> dict:
    return {
        "start": c.start, "end": c.end, "text": text[c.start:c.end], "event": c.event, "places": list(c.places),
        "roles": list(c.roles), "actors": list(c.actors),
        "quantities": [{"text": q.text, "value": q.value, "kind": q.kind} for q in c.quantities],
        "date": c.date, "time_precision": c.time_precision, "attribution": c.attribution, "hedged": c.hedged,
    }


def article_record(x: Extraction, duplicate_of: str | None) -> dict:
    """One line of ``geomap extract --json``; the field meanings are a public contract."""
    a = x.article
    focus = None
    if x.focus is not None:
        f = x.focus
        focus = {"place": f.id, "lat": f.lat, "lon": f.lon, "region": f.region, "country": f.country}
    return {
        "id": a.id, "path": a.path, "title": a.title, "outlet": a.outlet, "author": a.author,
        "published": a.published, "url": a.url, "duplicate_of": duplicate_of,
        "mentions": [mention_record(m) for m in x.mentions],
        "claims": [claim_record(c, a.text) for c in x.claims],
        "focus": focus,
    }


def cluster_record(cluster: ClaimCluster, extractions: dict[str, Extraction]) -> dict:
    """One cluster of ``site/data/clusters.json``: each member carries its claim, outlet and date to compare side by side.

    ``extractions`` maps article id -> extraction.
    """
    members = []
    for ref in cluster.members:
        x = extractions[ref.article]
        members.append({**claim_record(x.claims[ref.index], x.article.text), "article": ref.article, "claim": ref.index,
                        "place": ref.place, "outlet": x.article.outlet, "published": x.article.published})
    return {"id": cluster.id, "place": cluster.place, "event": cluster.event, "outlets": list(cluster.outlets),
            "disagreements": list(cluster.disagreements), "members": members}

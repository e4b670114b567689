"""Turn candidates into mentions: the curated gazetteer first, then offline GeoNames, chosen by context."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

from geopy.geocoders.base import Geocoder

from geomap.geo import haversine_km
from geomap.model import Mention, Place
from geomap.recognize import Candidate
from geomap.regions import region_index

REGION_HINTS = {"province", "governorate", "district", "region"}
TOWN_HINTS = {"city", "town", "village", "neighbourhood", "neighborhood", "camp", "base", "airbase"}


def with_region(place: Place) -> Place:
    """Fill in admin-1 region (as Natural Earth spells it) and country by point-in-polygon."""
    if place.kind == "continent":
        return place
    found = region_index().locate(place.lat, place.lon, tolerance_deg=0.05)
    if found is None:
        return place
    if place.kind in ("country",) or place.geometry != "point" and place.kind in ("river", "border", "area"):
        return replace(place, country=place.country or found.country)
    return replace(place, region=place.region or found.name, country=place.country or found.country)


def _places(geocoder: Geocoder, query: str) -> list[Place]:
    found = geocoder.geocode(query, exactly_one=False) or []
    return [loc.raw["place"] for loc in found]


def resolve(candidates: list[Candidate], curated: Geocoder, fallback: Geocoder | None) -> list[Mention]:
    """Mentions in text order; names that are not place claims keep ``place=None`` and a reason."""
    mentions: list[Mention | None] = [None] * len(candidates)
    context: list[Place] = []
    # Pass 1: unambiguous curated names, which also tell us where the article is.
    ambiguous: list[tuple[int, list[Place]]] = []
    for i, c in enumerate(candidates):
        if c.nonplace:
            mentions[i] = Mention(c.start, c.end, c.text, None, 0.0, c.nonplace)
        elif c.curated:
            places = _places(curated, c.key)
            if len(places) == 1:
                place = with_region(places[0])
                context.append(place)
                mentions[i] = Mention(c.start, c.end, c.text, place, 0.95, "gazetteer")
            elif places:
                ambiguous.append((i, places))
    countries = Counter(p.country for p in context if p.country)
    # Curated names shared by places in several countries: the article's countries decide.
    for i, places in ambiguous:
        c = candidates[i]
        place, score = _choose(c, places, countries, context, require_support=False)
        mentions[i] = Mention(c.start, c.end, c.text, with_region(place), min(0.9, score + 0.3), "gazetteer")
    # Pass 2: the fallback, scored against that context; then once more, with what pass 2 itself found
    # ("London" in an article that also names Ontario and Canada is London, Ontario).
    pending = [i for i in range(len(candidates)) if mentions[i] is None]
    found = {i: _places(fallback, candidates[i].key or candidates[i].text) if fallback else [] for i in pending}
    picks: dict[int, tuple[Place | None, float]] = {}
    for _round in range(2):
        extra = Counter(p.country for p, _ in picks.values() if p is not None and p.country)
        for i in pending:
            c = candidates[i]
            own = picks.get(i, (None, 0.0))[0]
            ctx = countries + extra - Counter([own.country] if own is not None and own.country else [])
            # A name from the GeoNames list was already judged a name where it stands; a pattern-found one needs support.
            picks[i] = _choose(c, found[i], ctx, context, require_support=not c.key)
    for i in pending:
        c = candidates[i]
        place, score = picks[i]
        if place is None:
            mentions[i] = Mention(c.start, c.end, c.text, None, 0.0, "unresolved")
        else:
            mentions[i] = Mention(c.start, c.end, c.text, with_region(place), score, "geonames")
    _revisit_curated(candidates, mentions, fallback)
    return [m for m in mentions if m is not None]


def _revisit_curated(candidates: list[Candidate], mentions: list[Mention | None], fallback: Geocoder | None) -> None:
    """A curated name the rest of the article contradicts yields to a namesake where the article is.

    "London" is curated as the British capital, but an article whose other places are all in Canada
    means London, Ontario.
    """
    if fallback is None:
        return
    for i, c in enumerate(candidates):
        m = mentions[i]
        if not c.curated or m is None or m.place is None or m.place.kind in ("country", "region"):
            continue
        others = Counter(o.place.country for j, o in enumerate(mentions)
                         if j != i and o is not None and o.place is not None and o.place.country
                         and candidates[j].key != c.key)
        if not others or others[m.place.country]:
            continue
        namesakes = [p for p in _places(fallback, c.key) if p.country and p.country != m.place.country
                     and others[p.country] and p.kind == "town"]
        if namesakes:
            place, score = _choose(c, namesakes, others, [], require_support=False)
            if place is not None:
                mentions[i] = Mention(c.start, c.end, c.text, with_region(place), score, "geonames")


def _choose(c: Candidate, places: list[Place], countries: Counter, context: list[Place],
            require_support: bool = True) -> tuple[Place | None, float]:
    best: tuple[float, Place] | None = None
    for p in places[:50]:
        score = 0.0
        if p.kind in ("country", "continent"):
            score += 3
        elif p.kind == "region":
            score += 1
        if p.country and p.country in countries:
            score += 2 + min(countries[p.country], 3) * 0.3
        if c.kind_hint in REGION_HINTS:
            score += 2 if p.kind == "region" else -1
        elif c.kind_hint in TOWN_HINTS:
            score += 1 if p.kind == "town" else -1
        score += math.log10(p.population + 1) * 0.4
        if context and p.kind not in ("country", "region"):
            nearest = min(haversine_km((p.lat, p.lon), (q.lat, q.lon)) for q in context)
            score += 1.5 if nearest < 150 else 0.5 if nearest < 500 else 0
        if best is None or score > best[0]:
            best = (score, p)
    if best is None:
        return None, 0.0
    score, place = best
    # A bare capitalised word after "in"/"from" needs support: a kind word, known country, or size.
    if require_support and score < 2.5 and not c.kind_hint:
        return None, 0.0
    return place, round(min(0.9, 0.3 + score / 10), 2)

"""Small places an article can name only because it is already there.

A village of 2,000 people is too small to look for in every text ("Bentley Park", "Mareeba" would be
words or surnames anywhere else), but once an article's surer names put it in Queensland, a capitalised
name that GeoNames holds in Queensland is that village. This stage runs after ``resolve``.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from geopy.geocoders.base import Geocoder

from geomap.model import Mention, Place
from geomap.recognize import NOT_NAMES, _world_name
from geomap.resolve import BROAD, Context, _places, with_region

# Up to three capitalised words: "Mareeba", "Bentley Park", "Mount Sheridan". The first capital's "\b" is
# written as a lookbehind after it, so that the scan skips to capitals (a pattern that starts with "\b" is
# tried at every position): \b[A-Z][a-z]+(?:['’-][A-Za-z]+)?(?:[ \t]+[A-Z][a-z]+(?:['’-][A-Za-z]+)?){0,2}\b
_WORD = r"[a-z]+(?:['’-][A-Za-z]+)?"
_CAPITALISED = re.compile(r"[A-Z](?<!\w[A-Z])" + _WORD + r"(?:[ \t]+[A-Z]" + _WORD + r"){0,2}\b")
LOCAL_CONFIDENCE = 0.5


def local_names(text: str, mentions: list[Mention], fallback: Geocoder | None) -> list[Mention]:
    """``mentions`` plus small places in the admin-1 regions the article's places already lie in."""
    if fallback is None:
        return mentions
    home = set(Context.of([m.place for m in mentions if m.place is not None and m.place.kind not in BROAD]).regions)
    if not home:
        return mentions
    starts, ends = [m.start for m in mentions], [m.end for m in mentions]  # in text order, disjoint
    added: list[Mention] = []
    places: dict[str, Place | None] = {}  # by name: most recur
    for match in _CAPITALISED.finditer(text):
        start, end = match.span()
        i = bisect_right(ends, start)  # the first mention that ends after this name starts
        if i < len(starts) and starts[i] < end:
            continue
        name = match.group()
        if name not in places:
            places[name] = None if name.split(None, 1)[0].lower() in NOT_NAMES else _local(name, home, fallback)
        place = places[name]
        if place is not None and _world_name(text, start, end, 0, located=True):
            added.append(Mention(start, end, name, with_region(place), LOCAL_CONFIDENCE,
                                 "geonames (a small place in the article's region)"))
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions


def _local(name: str, home: set[tuple[str | None, str | None]], fallback: Geocoder) -> Place | None:
    here = [p for p in _places(fallback, name) if p.kind == "town" and (p.country, p.region) in home]
    return max(here, key=lambda p: (p.population, p.id)) if here else None

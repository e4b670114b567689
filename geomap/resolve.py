"""Turn candidates into mentions: the curated gazetteer first, then offline GeoNames, chosen by context.

The context of an article is what its surer names say about where it is: the countries and admin-1
regions they lie in, and their points. "Paris" in an article that names Texas is Paris, Texas; "Edmonton,
south of Cairns" is the Queensland one; "London, Ontario" says its region right after the name.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from geopy.geocoders.base import Geocoder

from geomap.geo import KM_PER_DEGREE, haversine_km
from geomap.geocoders.base import OfflineGeocoder
from geomap.model import Mention, Place
from geomap.recognize import Candidate
from geomap.regions import region_index
from geomap.textnorm import ARTICLES, fold

REGION_HINTS = {"province", "governorate", "district", "region", "state"}
TOWN_HINTS = {"city", "town", "village", "neighbourhood", "neighborhood", "camp", "base", "airbase"}
BROAD = ("country", "region", "continent")
NAMESAKE_POPULATION = 100_000  # a namesake this big may take a curated name on the country evidence alone
NEAR_KM = 150
MAX_ROUNDS = 4
# Non-place uses that still name a place; a person's name ("Abu Mosul") names none.
NO_REFERENCE = ("part of a person's name",)


@lru_cache(maxsize=65536)
def with_region(place: Place) -> Place:
    """Fill in admin-1 region (as Natural Earth spells it) and country by point-in-polygon.

    Remembered: a corpus names the same places again and again (and its cached readings then share them).
    """
    if place.kind == "continent":
        return place
    found = region_index().locate(place.lat, place.lon, tolerance_deg=0.05)
    if found is None:
        return place
    if place.kind in ("country",) or place.geometry != "point" and place.kind in ("river", "border", "area"):
        return replace(place, country=place.country or found.country)
    return replace(place, region=place.region or found.name, country=place.country or found.country)


def _places(geocoder: Geocoder | None, query: str) -> Sequence[Place]:
    """A geocoder's places for a name, best first (an offline one's remembered answer itself: do not change it)."""
    if geocoder is None:
        return ()
    if isinstance(geocoder, OfflineGeocoder):
        return geocoder.places(query)
    found = geocoder.geocode(query, exactly_one=False) or []
    return [loc.raw["place"] for loc in found]


def _fallback_places(fallback: Geocoder | None, query: str) -> Sequence[Place]:
    """The fallback's places for a name, and for the name without its Arabic article: GeoNames spells the
    village near Hawija "Ar Riyāḑ" and files "Al Riyadh" under the Saudi capital alone."""
    places = _places(fallback, query)
    first, _, rest = fold(query).partition(" ")
    if first in ARTICLES and rest:
        seen = {p.id for p in places}
        places = [*places, *(p for p in _places(fallback, rest) if p.id not in seen)]
    return places


@dataclass
class Context:
    """Where an article is, as far as its surer names tell: countries, admin-1 regions, points.

    The votes are plain dicts that hold no zero count: the resolver copies them for every name in every round
    (``without``), and a dict copies faster than a ``Counter``.
    """

    countries: dict[str, int] = field(default_factory=dict)
    regions: dict[tuple[str | None, str], int] = field(default_factory=dict)  # (country, region name)
    points: list[Place] = field(default_factory=list)

    @classmethod
    def of(cls, places: list[Place]) -> Context:
        """Each distinct place votes once, however often the article names it."""
        countries: dict[str, int] = {}
        regions: dict[tuple[str | None, str], int] = {}
        points = []
        for p in {p.id: p for p in places}.values():
            if p.country:
                countries[p.country] = countries.get(p.country, 0) + 1
            if p.region:
                # A region named as such says more than the region a town happens to lie in.
                regions[(p.country, p.region)] = regions.get((p.country, p.region), 0) + (2 if p.kind == "region" else 1)
            if p.kind not in BROAD:
                points.append(p)
        return cls(countries, regions, points)

    def nearest_km(self, place: Place, reach: float) -> float:
        """How far a place is from the nearest of the article's located places, if that is under ``reach`` km;
        else a distance of ``reach`` or more (infinite with none).

        Callers only ask whether a place is that near, and most of a name's candidates lie far from every
        point: a point more than ``reach`` km north or south of the place is not measured (the distance along
        the meridian alone is less than the great circle's; the band is a little wider for rounding).
        """
        lat, lon = place.lat, place.lon
        band = reach / KM_PER_DEGREE + 0.01
        nearest = math.inf
        for q in self.points:  # a loop, not min() of a generator: a context holds a few points
            if abs(q.lat - lat) < band and (km := _km(lat, lon, q.lat, q.lon)) < nearest:
                nearest = km
        return nearest

    def without(self, place: Place | None) -> Context:
        """This context less one place's own contribution (a name must not vote for itself).

        Asked for every name in every round: the one or two votes ``of`` gave the place are taken off a copy
        (what the context of the other places gives, without building it).
        """
        if place is None:
            return self
        countries = _less(self.countries, place.country, 1) if place.country else self.countries
        regions = _less(self.regions, (place.country, place.region), 2 if place.kind == "region" else 1) \
            if place.region else self.regions
        return Context(countries, regions, [p for p in self.points if p.id != place.id])


def _less(counts: dict, key: object, n: int) -> dict:
    """``counts`` with ``n`` taken off ``key``, dropped at zero; ``counts`` itself when it lacks the key (a context
    is only read once made)."""
    if key not in counts:
        return counts
    out = counts.copy()
    if out[key] > n:
        out[key] -= n
    else:
        del out[key]
    return out


@lru_cache(maxsize=65536)
def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``haversine_km``, remembered: an article weighs its names against the same places round after round,
    and a corpus names the same places again and again (keyed by the numbers: a ``Place`` hashes slowly)."""
    return haversine_km((lat1, lon1), (lat2, lon2))


def resolve(candidates: list[Candidate], curated: Geocoder, fallback: Geocoder | None, text: str = "") -> list[Mention]:
    """Mentions in text order; names that are not place claims keep ``place=None``, a reason and what they name.

    ``text`` is the article the candidates index; without it, names are chosen without reading the
    punctuation between them.
    """
    mentions: list[Mention | None] = [None] * len(candidates)
    sure: list[Place] = []
    # Pass 1: unambiguous curated names, which also tell us where the article is.
    ambiguous: list[tuple[int, Sequence[Place]]] = []
    looked_up: dict[str, tuple[Sequence[Place], Place | None]] = {}  # by name, with the one place: most names recur
    for i, c in enumerate(candidates):
        if c.nonplace or not c.curated:
            continue
        if c.key not in looked_up:
            places = _places(curated, c.key)
            looked_up[c.key] = places, with_region(places[0]) if len(places) == 1 else None
        places, place = looked_up[c.key]
        if place is not None:
            sure.append(place)
            mentions[i] = Mention(c.start, c.end, c.text, place, 0.95, "gazetteer")
        elif places:
            ambiguous.append((i, places))
    sure = list({p.id: p for p in sure}.values())  # what ``Context.of`` keeps, once rather than every round
    context = Context.of(sure)
    # Curated names shared by places in several countries: the article's countries decide.
    for i, places in ambiguous:
        c = candidates[i]
        place, score = _choose(c, places, context, require_support=False)
        mentions[i] = Mention(c.start, c.end, c.text, with_region(place), min(0.9, score + 0.3), "gazetteer")
    # Pass 2: the fallback, scored against that context; then again with what pass 2 itself found, until
    # nothing changes ("London" in an article that also names Ontario and Canada is London, Ontario). Non-place uses are
    # resolved too, for what they name ("Russian" -> Russia), and lend their countries to the context.
    pending = [i for i in range(len(candidates)) if mentions[i] is None and candidates[i].nonplace not in NO_REFERENCE]
    # One sense per name per article: every "Edmonton" in a story is the same Edmonton, and it votes once.
    groups: dict[tuple[str, bool, str | None], list[int]] = {}
    for i in pending:
        c = candidates[i]
        groups.setdefault((c.key or c.text, c.curated, c.kind_hint), []).append(i)
    found = {}
    for (query, is_curated, _hint), members in groups.items():
        # A non-place use of a curated name ("Moscow said", "Syrian" -> syria): the gazetteer's places come first.
        first = (_places(curated, query) if is_curated or candidates[members[0]].nonplace else [])
        found[members[0]] = first or _fallback_places(fallback, query)
    appositions = _appositions(candidates, text) if text else {}
    # What each group is chosen by, the same in every round: its first member, the candidate it is weighed
    # as, whether it needs support (a name from the GeoNames list was already judged a name where it stands;
    # a pattern-found one needs support) and the names written right after its members.
    choices = [(members[0], next((candidates[i] for i in members if candidates[i].key), candidates[members[0]]),
                all(not candidates[i].key and not candidates[i].nonplace for i in members),
                [appositions[i] for i in members if i in appositions]) for members in groups.values()]
    picks: dict[int, tuple[Place | None, float]] = {}  # by the group's first member
    for _round in range(MAX_ROUNDS):  # until the picks agree with the context they make
        made_of = [p for p, _ in picks.values()]
        everything = Context.of(sure + [p for p in made_of if p is not None])
        for first, c, support, saids in choices:
            ctx = everything.without(picks.get(first, (None, 0.0))[0])
            after = None
            for said in saids:
                after = mentions[said].place if mentions[said] is not None else picks.get(said, (None, 0.0))[0]
                if after is not None:
                    break
            picks[first] = _choose(c, found[first], ctx, require_support=support, said=after)
        # The very places the context was made of: every name would be weighed as in this round again, with
        # the same answer, so that round (where a comparison of the picks would stop) is not run.
        if len(made_of) == len(picks) and all(p is q for p, (q, _) in zip(made_of, picks.values(), strict=False)):
            break
    for members in groups.values():
        place, score = picks[members[0]]
        named = with_region(place) if place is not None else None
        for i in members:
            c = candidates[i]
            if c.nonplace:
                mentions[i] = Mention(c.start, c.end, c.text, None, 0.0, c.nonplace, named)
            elif named is None:
                mentions[i] = Mention(c.start, c.end, c.text, None, 0.0, "unresolved")
            else:
                mentions[i] = Mention(c.start, c.end, c.text, named, score, "geonames")
    for i, c in enumerate(candidates):
        if mentions[i] is None:  # a person's name ("Abu Mosul"), which names no place
            mentions[i] = Mention(c.start, c.end, c.text, None, 0.0, c.nonplace)
    _revisit_curated(candidates, mentions, fallback)
    return [m for m in mentions if m is not None]


_APPOSITION = re.compile(r",[ \t]{1,3}")


def _appositions(candidates: list[Candidate], text: str) -> dict[int, int]:
    """Name -> the region or country written right after it: "Paris, Texas", "Glasgow, Ky.", "Aleppo, Syria"."""
    out = {}
    for i in range(len(candidates) - 1):
        a, b = candidates[i], candidates[i + 1]
        if not b.nonplace and _APPOSITION.fullmatch(text, a.end, b.start):
            out[i] = i + 1
    return out


def _revisit_curated(candidates: list[Candidate], mentions: list[Mention | None], fallback: Geocoder | None) -> None:
    """A curated name the rest of the article contradicts yields to a namesake where the article is.

    "London" is curated as the British capital, but an article whose other places are all in Canada
    means London, Ontario.
    """
    if fallback is None:
        return
    by_name: dict[str, dict[str, int]] = {}  # each name's mentions' countries
    everywhere: dict[str, int] = {}
    for c, o in zip(candidates, mentions, strict=True):
        if o is not None and o.place is not None and o.place.country:
            own, country = by_name.setdefault(c.key, {}), o.place.country
            own[country] = own.get(country, 0) + 1
            everywhere[country] = everywhere.get(country, 0) + 1
    others_of: dict[str, dict[str, int]] = {}  # the countries of the article's other names, by name: most names recur
    located: tuple[Context, Counter] | None = None  # made when first needed, and again after a change
    for i, c in enumerate(candidates):
        m = mentions[i]
        if not c.curated or m is None or m.place is None or m.place.kind in ("country", "region"):
            continue
        if c.key not in others_of:
            own = by_name.get(c.key, {})
            others_of[c.key] = {cc: n - own.get(cc, 0) for cc, n in everywhere.items() if n > own.get(cc, 0)}
        others = others_of[c.key]
        if not others or m.place.country in others:
            continue
        # Only a namesake big enough to be meant by the bare name, or one the article places itself (its
        # region named, or near another of its places): "Paris" in a story set in Russia is still Paris.
        # (The other mentions' context: the whole one, less this place unless another mention names it too.)
        towns = [p for p in _places(fallback, c.key) if p.country and p.country != m.place.country
                 and p.country in others and p.kind == "town"]
        if not towns:
            continue
        if located is None:
            located = _located(mentions)
        whole, times = located
        context = whole if times[m.place.id] > 1 else whole.without(m.place)
        namesakes = [p for p in towns if p.population >= NAMESAKE_POPULATION or (p.country, p.region) in context.regions
                     or context.nearest_km(p, NEAR_KM) < NEAR_KM]
        if namesakes:
            place, score = _choose(c, namesakes, Context(countries=others), require_support=False)
            if place is not None:
                mentions[i] = Mention(c.start, c.end, c.text, with_region(place), score, "geonames")
                located = None


def _located(mentions: list[Mention | None]) -> tuple[Context, Counter]:
    """The context of all the mentions' places, and how many mentions name each place (by id)."""
    places = [o.place for o in mentions if o is not None and o.place]
    return Context.of(places), Counter(p.id for p in places)


def _choose(c: Candidate, places: list[Place], ctx: Context, require_support: bool = True,
            said: Place | None = None) -> tuple[Place | None, float]:
    """The best-supported place for a name; ``said`` is a region or country written right after it."""
    best: tuple[float, Place] | None = None
    countries, regions, hint = ctx.countries, ctx.regions, c.kind_hint  # read once: asked for every place
    for p in places[:50]:
        kind, country, region = p.kind, p.country, p.region
        score = 0.0
        if kind in ("country", "continent"):
            score += 3
        elif kind == "region":
            score += 1
        if country and country in countries:
            score += 2 + min(countries[country], 3) * 0.3
        if region and kind != "region" and (country, region) in regions:
            score += 1 + min(regions[(country, region)], 4) * 0.25
        if said is not None and p is not said:
            if said.kind == "region" and region == said.name and country == said.country:
                score += 4
            elif said.kind == "country" and country == said.country:
                score += 2
        if hint in REGION_HINTS:
            score += 2 if kind == "region" else -1
        elif hint in TOWN_HINTS:
            score += 1 if kind == "town" else -1
        elif hint == "country":
            score += 3 if kind == "country" else -3
        score += math.log10(p.population + 1) * 0.6
        if kind not in BROAD:
            nearest = ctx.nearest_km(p, 500)
            score += 1.5 if nearest < NEAR_KM else 0.5 if nearest < 500 else 0
        if best is None or score > best[0]:
            best = (score, p)
    if best is None:
        return None, 0.0
    score, place = best
    # A bare capitalised word after "in"/"from" needs support: a kind word, known country, or size.
    if require_support and score < 2.5 and not c.kind_hint:
        return None, 0.0
    return place, round(min(0.9, 0.3 + score / 10), 2)

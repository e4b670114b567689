"""Claim clusters: what several articles say about one event at one place, and where they disagree.

A cluster groups claims from different articles that are about the same place (or a place inside the
other's region, area or along its line), of the same event type, with compatible dates. Each membership
is one place of one claim (``ClaimRef``), and a claim joins a cluster at most once.

Rules (the numbers are module constants, documented where they are defined):

* Only places in the ``site`` role cluster: where a flight started or ended is not where it happened.
  Statements (and ``other``) do not cluster: who said something where is not an event there.
* Countries contain nothing here: "in Iraq" is too coarse to say two claims are about one event;
  a country only clusters with claims about that same country.
* Grouping is complete-linkage: a claim joins the first cluster (in member order) whose every member it is
  compatible with, so two towns of one governorate are never chained together through a claim about the
  governorate, and an undated claim cannot bridge two dates a month apart.
* Syndicated copies (the keys of ``duplicates``) are left out entirely: the original's claims stand for the
  story, so a copy never adds a second voice, outlet or number. Find copies through ``Corpus.duplicates``.
* A voice is an article: disagreements are looked for between claims of different articles, never within one.
  Only clusters with claims from at least two articles are kept: a claim no other article makes is not a cluster.
  ``outlets`` names the articles' outlets (an article without a known outlet is listed by its id).
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import combinations

from geomap.cache import collector_paused
from geomap.geo import line, point, polygon
from geomap.model import Claim, Extraction, Place

# A day-precision date may be off by this much between outlets (time zones, "yesterday" in a late edition).
DAY_SLACK = 1
# A week-precision date ("last week") stands for the days around it.
WEEK_SLACK = 6
# Counts of one kind disagree when the larger is more than this many times the smaller:
# "dozens" (12) vs "hundreds" (100) disagree; 112 vs "at least 150" do not.
QUANTITY_RATIO = 2.0
# Quantity kinds compared across outlets; "other" (percentages, "three fronts") says nothing comparable.
COMPARED_KINDS = ("killed", "wounded", "surrendered", "fighters", "civilians", "strikes")
# Saying something at a place is not an event there: two statements "in Moscow" are not one event.
UNCLUSTERED_EVENTS = ("statement", "other")
# A place within about this distance of a curated line (river, border) is along it (degrees x 111 km, loose in longitude).
LINE_KM = 10.0
_KM_PER_DEGREE = 111.0


@dataclass(frozen=True)
class ClaimRef:
    article: str  # article id
    index: int  # index into that article's Extraction.claims
    place: str  # the place id of that claim this membership is about


@dataclass(frozen=True)
class ClaimCluster:
    id: str  # stable, deterministic: f"{place}-{event}-{n}"
    place: str  # place id the cluster is about: the most specific, then the most common
    event: str
    members: tuple[ClaimRef, ...]  # ordered by (date, undated last; outlet; article; index)
    outlets: tuple[str, ...]  # distinct outlets, sorted
    disagreements: tuple[str, ...]  # subset of ("quantities", "actors", "dates"), in that order; empty when they agree


@dataclass(frozen=True)
class _Node:
    """One site place of one claim, with what the comparisons need."""

    ref: ClaimRef
    claim: Claim
    place: Place
    outlet: str  # the article's outlet, or its id when the outlet is unknown
    window: tuple[date, date] | None
    spot: int  # the place's number in ``_Places``: comparisons look places up instead of redoing geometry
    days: tuple[int, int] | None  # ``window`` as day ordinals, cheaper to compare

    @property
    def order(self) -> tuple:
        return (self.claim.date is None, self.claim.date or "", self.outlet, self.ref.article, self.ref.index,
                self.ref.place)


def date_window(when: str | None, precision: str | None) -> tuple[date, date] | None:
    """The days a claim's date stands for, by its time precision; None when undated (compatible with any)."""
    if not when:
        return None
    d = date.fromisoformat(when)
    if precision == "month":
        first = d.replace(day=1)
        return first, d.replace(day=calendar.monthrange(d.year, d.month)[1])
    slack = timedelta(days=WEEK_SLACK if precision == "week" else DAY_SLACK)
    return d - slack, d + slack


def dates_compatible(a: tuple[date, date] | tuple[int, int] | None, b: tuple[date, date] | tuple[int, int] | None) -> bool:
    """Whether two windows (dates, or day ordinals) share a day; an undated claim is compatible with any."""
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


@lru_cache(maxsize=4096)
def _shape(place: Place):
    if place.geometry == "polygon" and len(place.coords) >= 3:
        return polygon(place.coords)
    if place.geometry == "line" and len(place.coords) >= 2:
        return line(place.coords)
    return None


def contains(outer: Place, inner: Place) -> bool:
    """Whether ``inner`` lies inside ``outer``: its admin-1 region, its curated area, or along its line."""
    if outer.id == inner.id:
        return True
    if outer.kind == "region" and outer.region and inner.region == outer.region and inner.kind != "country":
        return True
    shape = _shape(outer)
    if shape is None:
        return False
    p = point(inner.lat, inner.lon)
    if outer.geometry == "polygon":
        return shape.covers(p)
    return shape.distance(p) * _KM_PER_DEGREE <= LINE_KM


def same_place(a: Place, b: Place) -> bool:
    return contains(a, b) or contains(b, a)


# Index cells are this many degrees of longitude and latitude; an area or line looks for the places in the cells
# its bounding box touches (or among every place, when that is more than _MAX_CELLS cells).
_CELL_DEGREES = 1.0
_MAX_CELLS = 400


def _cell(lon: float, lat: float) -> tuple[str, int, int]:
    return "cell", math.floor(lon / _CELL_DEGREES), math.floor(lat / _CELL_DEGREES)


def _filed(place: Place) -> list[tuple]:
    """Keys a place is filed under, so that every place it can be the same place as finds it (see ``_sought``)."""
    keys: list[tuple] = [("id", place.id), ("all",), _cell(place.lon, place.lat)]
    if place.region and place.kind != "country":
        keys.append(("in", place.region))  # found by a claim about its region
        if place.kind == "region":
            keys.append(("region", place.region))  # found by a claim about a place inside it
    if _shape(place) is not None:
        keys.append(("shape",))  # found by every place: it may cover any of them
    return keys


def _sought(place: Place) -> list[tuple]:
    """Keys to look under: only places filed there can be, contain or lie inside ``place`` (``same_place``)."""
    keys: list[tuple] = [("id", place.id), ("shape",)]
    if place.region and place.kind != "country":
        keys.append(("region", place.region))
        if place.kind == "region":
            keys.append(("in", place.region))
    shape = _shape(place)
    if shape is not None:
        # What an area covers, or a line passes within LINE_KM of, lies in its bounding box widened by that much.
        margin = (LINE_KM / _KM_PER_DEGREE if place.geometry == "line" else 0.0) + 1e-9
        x0, y0, x1, y1 = shape.bounds
        (_, i0, j0), (_, i1, j1) = _cell(x0 - margin, y0 - margin), _cell(x1 + margin, y1 + margin)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > _MAX_CELLS:
            keys.append(("all",))
        else:
            keys += [("cell", i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
    return keys


class _Places:
    """The corpus' distinct places, numbered, and for each the places it is the same place as.

    ``same_place`` is geometry for areas and lines; asking it once per pair of distinct places that can match
    (found through ``_filed``/``_sought`` keys), not once per pair of claims, keeps clustering linear in the claims.
    """

    def __init__(self) -> None:
        self.all: list[Place] = []
        self.near: list[frozenset[int]] = []  # by number: the numbers of the places it is the same place as
        self._numbers: dict[Place, int] = {}
        self._seen: dict[int, tuple[Place, int]] = {}  # by object id, keeping the object alive so the id stays its own

    def number(self, place: Place) -> int:
        seen = self._seen.get(id(place))
        if seen is not None:
            return seen[1]
        n = self._numbers.setdefault(place, len(self.all))
        if n == len(self.all):
            self.all.append(place)
        self._seen[id(place)] = (place, n)
        return n

    def link(self) -> None:
        """Fill ``near``, once every place is numbered."""
        filed: dict[tuple, list[int]] = {}
        for n, place in enumerate(self.all):
            for key in _filed(place):
                filed.setdefault(key, []).append(n)
        self.near = []
        for place in self.all:
            found = {m for key in _sought(place) for m in filed.get(key, ())}
            self.near.append(frozenset(m for m in found if same_place(place, self.all[m])))


@dataclass
class _Group:
    """A cluster being built: what a newcomer must fit, kept so that fitting costs no pass over the members."""

    nodes: list[_Node]
    places: dict[str, int]  # the members' distinct place ids, with the number of the first place of each
    claims: set[tuple[str, int]]  # (article, index): a claim joins once
    days: tuple[int, int] | None  # the days (ordinals) every dated member's window shares

    @classmethod
    def of(cls, node: _Node) -> _Group:
        return cls([node], {node.place.id: node.spot}, {(node.ref.article, node.ref.index)}, node.days)

    def fits(self, node: _Node, near: frozenset[int]) -> bool:
        """Complete linkage: compatible with every member (same event is the caller's index); ``near`` is
        the numbers of the places that are the same place as the node's."""
        return (node.ref.article, node.ref.index) not in self.claims and dates_compatible(self.days, node.days) \
            and near.issuperset(self.places.values())

    def add(self, node: _Node) -> None:
        self.nodes.append(node)
        self.places.setdefault(node.place.id, node.spot)
        self.claims.add((node.ref.article, node.ref.index))
        if node.days is not None:
            # Intervals that pairwise overlap share one interval (Helly), so one window stands for them all.
            w = self.days
            self.days = node.days if w is None else (max(w[0], node.days[0]), min(w[1], node.days[1]))


# Groups are filed by date in buckets this many days wide: a day-precision window (3 days) touches one or two,
# and a bucket holds few groups whose window has closed.
_BUCKET_DAYS = 8


def _buckets(days: tuple[int, int]) -> range:
    return range(days[0] // _BUCKET_DAYS, days[1] // _BUCKET_DAYS + 1)


class _Index:
    """The groups a newcomer could fit, without trying groups it cannot.

    A group fits only if its first member does (later members only narrow what fits), so groups are filed
    under their first member's event, place and date buckets; a newcomer looks under the places that are the same
    place as its own and the buckets its window touches, plus undated groups; an undated newcomer in every bucket.
    """

    def __init__(self, places: _Places) -> None:
        self.near = places.near
        self.slots: dict[tuple[str, int], dict[object, list[int]]] = {}

    def add(self, n: int, node: _Node) -> None:
        slot = self.slots.setdefault((node.claim.event, node.spot), {})
        for b in ("every", *([None] if node.days is None else _buckets(node.days))):
            slot.setdefault(b, []).append(n)

    def first_fit(self, node: _Node, groups: list[_Group]) -> int | None:
        """The earliest group the node fits: each list is in creation order, so each is read up to its first fit."""
        best: int | None = None
        near, event = self.near[node.spot], node.claim.event
        seek = ("every",) if node.days is None else (None, *_buckets(node.days))
        for spot in near:
            slot = self.slots.get((event, spot))
            if slot is None:
                continue
            for b in seek:
                for g in slot.get(b, ()):
                    if best is not None and g >= best:
                        break
                    if groups[g].fits(node, near):
                        best = g
                        break
        return best


def counts_disagree(a: float, b: float) -> bool:
    lo, hi = sorted((a, b))
    return hi > QUANTITY_RATIO * lo if lo > 0 else hi > 0


def _cross_article_extremes(values: dict[str, list[float]]) -> tuple[float, float] | None:
    """The smallest and largest count that two different articles give, as far apart as they get."""
    lows = sorted((min(v), a) for a, v in values.items())
    highs = sorted(((max(v), a) for a, v in values.items()), reverse=True)
    if len(lows) < 2:
        return None
    (lo, lo_art), (hi, hi_art) = lows[0], highs[0]
    if lo_art != hi_art:
        return lo, hi
    # The same article holds both extremes: the next best on either side comes from another article.
    return max((lows[0][0], highs[1][0]), (lows[1][0], highs[0][0]), key=lambda p: (counts_disagree(*p), p[1] - p[0]))


def _not_nested(sets: Iterable[frozenset[str]]) -> bool:
    distinct = {s for s in sets if s}
    return any(not (a <= b or b <= a) for a, b in combinations(sorted(distinct, key=sorted), 2))


def disagreements(nodes: list[_Node]) -> tuple[str, ...]:
    """What different articles in one cluster disagree on; claims of one article are never compared.

    Per article: its counts of each kind, its actors, its day-precision dates. Linear in the members,
    so a cluster of thousands of claims costs no pass over their pairs.
    """
    found = []
    counts: dict[str, dict[str, list[float]]] = {}
    actors: dict[str, set[str]] = {}
    days: dict[str, set[str]] = {}
    for n in nodes:
        art = n.ref.article
        for q in n.claim.quantities:
            if q.kind in COMPARED_KINDS and q.value is not None:
                counts.setdefault(q.kind, {}).setdefault(art, []).append(q.value)
        actors.setdefault(art, set()).update(n.claim.actors)
        if n.claim.date and n.claim.time_precision == "day":
            days.setdefault(art, set()).add(n.claim.date)
    if any((pair := _cross_article_extremes(by_art)) and counts_disagree(*pair) for by_art in counts.values()):
        found.append("quantities")
    # One article naming more parties than another adds detail; naming others instead contradicts it.
    if _not_nested(frozenset(a) for a in actors.values()):
        found.append("actors")
    day_sets = {frozenset(d) for d in days.values()}
    if any(not a & b for a, b in combinations(sorted(day_sets, key=sorted), 2)):
        found.append("dates")
    return tuple(found)


def _nodes(extractions: Iterable[Extraction], duplicates: Mapping[str, str], numbers: _Places) -> list[_Node]:
    nodes = []
    for x in extractions:
        a = x.article
        if a.id in duplicates:
            continue
        places = x.places
        for index, claim in enumerate(x.claims):
            if claim.event in UNCLUSTERED_EVENTS:
                continue
            for k, pid in enumerate(claim.places):
                if (claim.roles[k] if k < len(claim.roles) else "site") != "site" or pid not in places:
                    continue
                window = date_window(claim.date, claim.time_precision)
                nodes.append(_Node(ClaimRef(a.id, index, pid), claim, places[pid], a.outlet or a.id, window,
                                   numbers.number(places[pid]),
                                   window and (window[0].toordinal(), window[1].toordinal())))
    return sorted(nodes, key=lambda n: n.order)


def _main_place(nodes: list[_Node]) -> str:
    counts = Counter(n.place.id for n in nodes)
    best = min(nodes, key=lambda n: (n.place.precision, -counts[n.place.id], n.place.id))
    return best.place.id


def cluster_claims(extractions: Iterable[Extraction], duplicates: Mapping[str, str]) -> tuple[ClaimCluster, ...]:
    """Group the corpus' claims across articles; ``duplicates`` maps a syndicated copy's id to its original."""
    # Clustering makes no reference cycles, and a full collection would walk every extraction of the corpus
    # (about a second at 10,000 articles) several times over, finding nothing.
    with collector_paused():
        return _cluster(extractions, duplicates)


def _cluster(extractions: Iterable[Extraction], duplicates: Mapping[str, str]) -> tuple[ClaimCluster, ...]:
    places = _Places()
    nodes = _nodes(extractions, duplicates, places)
    places.link()
    groups: list[_Group] = []
    index = _Index(places)
    for node in nodes:
        home = index.first_fit(node, groups)
        if home is None:
            index.add(len(groups), node)
            groups.append(_Group.of(node))
        else:
            groups[home].add(node)
    out = []
    numbers: Counter[tuple[str, str]] = Counter()
    for group in (g.nodes for g in groups):
        if len({n.ref.article for n in group}) < 2:
            continue
        place, event = _main_place(group), group[0].claim.event
        numbers[place, event] += 1
        out.append(ClaimCluster(
            id=f"{place}-{event}-{numbers[place, event]}", place=place, event=event,
            members=tuple(n.ref for n in group), outlets=tuple(sorted({n.outlet for n in group})),
            disagreements=disagreements(group),
        ))
    return tuple(out)

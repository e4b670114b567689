"""Claim clusters: what several articles say about one event at one place, and where they disagree.

A cluster groups claims from different articles that are about the same place (or a place inside the
other's region, area or along its line), of the same event type, with compatible dates. Each membership
is one place of one claim (``ClaimRef``), and a claim joins a cluster at most once.

Rules (the numbers are module constants, documented where they are defined):

* Only places in the ``site`` role cluster: where a flight started or ended is not where it happened.
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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import combinations

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
# A place within this distance of a curated line (river, border) is along it.
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


def dates_compatible(a: tuple[date, date] | None, b: tuple[date, date] | None) -> bool:
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


def _compatible(a: _Node, b: _Node) -> bool:
    return (a.ref.article, a.ref.index) != (b.ref.article, b.ref.index) and a.claim.event == b.claim.event \
        and dates_compatible(a.window, b.window) and same_place(a.place, b.place)


def counts_disagree(a: float, b: float) -> bool:
    lo, hi = sorted((a, b))
    return hi > QUANTITY_RATIO * lo if lo > 0 else hi > 0


def disagreements(nodes: list[_Node]) -> tuple[str, ...]:
    """What different voices in one cluster disagree on; claims of one article are never compared."""
    found: set[str] = set()
    by_article: dict[str, list[_Node]] = {}
    for n in nodes:
        by_article.setdefault(n.ref.article, []).append(n)
    for (_, xs), (_, ys) in combinations(sorted(by_article.items()), 2):
        counts = [(qa.value, qb.value) for a in xs for b in ys for qa in a.claim.quantities for qb in b.claim.quantities
                  if qa.kind == qb.kind and qa.kind in COMPARED_KINDS and qa.value is not None and qb.value is not None]
        if any(counts_disagree(va, vb) for va, vb in counts):
            found.add("quantities")
        # One outlet naming more parties than another adds detail; naming others instead contradicts it.
        actors_x = {a for n in xs for a in n.claim.actors}
        actors_y = {a for n in ys for a in n.claim.actors}
        if actors_x and actors_y and not (actors_x <= actors_y or actors_y <= actors_x):
            found.add("actors")
        days_x = {n.claim.date for n in xs if n.claim.date and n.claim.time_precision == "day"}
        days_y = {n.claim.date for n in ys if n.claim.date and n.claim.time_precision == "day"}
        if days_x and days_y and not days_x & days_y:
            found.add("dates")
    return tuple(k for k in ("quantities", "actors", "dates") if k in found)


def _nodes(extractions: Iterable[Extraction], duplicates: Mapping[str, str]) -> list[_Node]:
    nodes = []
    for x in extractions:
        a = x.article
        if a.id in duplicates:
            continue
        places = x.places
        for index, claim in enumerate(x.claims):
            for k, pid in enumerate(claim.places):
                if (claim.roles[k] if k < len(claim.roles) else "site") != "site" or pid not in places:
                    continue
                nodes.append(_Node(ClaimRef(a.id, index, pid), claim, places[pid], a.outlet or a.id,
                                   date_window(claim.date, claim.time_precision)))
    return sorted(nodes, key=lambda n: n.order)


def _main_place(nodes: list[_Node]) -> str:
    counts = Counter(n.place.id for n in nodes)
    best = min(nodes, key=lambda n: (n.place.precision, -counts[n.place.id], n.place.id))
    return best.place.id


def cluster_claims(extractions: Iterable[Extraction], duplicates: Mapping[str, str]) -> tuple[ClaimCluster, ...]:
    """Group the corpus' claims across articles; ``duplicates`` maps a syndicated copy's id to its original."""
    groups: list[list[_Node]] = []
    for node in _nodes(extractions, duplicates):
        home = next((g for g in groups if all(_compatible(node, m) for m in g)), None)
        if home is None:
            groups.append([node])
        else:
            home.append(node)
    out = []
    numbers: Counter[tuple[str, str]] = Counter()
    for group in groups:
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

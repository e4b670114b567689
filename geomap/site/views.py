"""What the pages show, derived from the gathered corpus: places and their claims story by story, regions, comparisons."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

import shapely

from geomap.cache import collector_paused, digest
from geomap.clusters import ClaimCluster, contains
from geomap.model import Article, Claim, Extraction, Mention, Place
from geomap.pipeline import Corpus
from geomap.regions import region_index

EVENT_COLOURS = {
    "capture": "#1f77b4", "offensive": "#9467bd", "fighting": "#d62728", "airstrike": "#ff7f0e",
    "shelling": "#e377c2", "explosion": "#8c564b", "chemical": "#bcbd22", "shooting": "#7f0000",
    "execution": "#3b0000", "killing": "#000000", "surrender": "#2ca02c", "flight": "#17becf",
    "siege": "#7f7f7f", "evacuation": "#aec7e8", "presence": "#c49c94", "negotiation": "#98df8a",
    "statement": "#c5b0d5", "other": "#dddddd",
}


UNKNOWN_OUTLET = "Unknown outlet"
# Places that are not inside one admin-1 region: they are listed under their country, not a region.
NOT_IN_A_REGION = ("country", "region", "river", "border")


def outlet_of(article: Article) -> str:
    return article.outlet or UNKNOWN_OUTLET


def claim_date(article: Article, claim: Claim) -> str | None:
    """The date a claim is placed at on the timeline: its own, else its article's publication date."""
    return claim.date or article.published


@dataclass(frozen=True)
class Segment:
    text: str
    mark: bool = False
    place: str | None = None


@dataclass(frozen=True)
class ClaimView:
    article: Article
    claim: Claim
    number: int  # the claim's position in its article, for anchors
    mentions: tuple[Mention, ...] = field(repr=False, compare=False)  # the article's
    place: str | None = None  # the place whose mentions the sentence marks; None: every located one

    @cached_property
    def segments(self) -> tuple[Segment, ...]:
        """The sentence, with the place's mentions marked: made when a page shows it, not for every claim of a
        corpus whose pages are mostly unchanged since the last build."""
        return sentence_segments(self.article.text, self.mentions, self.claim, self.place)


@dataclass(frozen=True)
class StoryView:
    """One article's claims about one place; syndicated copies are listed, not counted."""

    article: Article
    copies: tuple[Article, ...]
    claims: tuple[ClaimView, ...]


@dataclass(frozen=True)
class PlaceView:
    """A place and every story's claims about it; stories are ordered by outlet, so ``claims`` has one order
    that the popup, the map data and the place page share."""

    place: Place
    stories: tuple[StoryView, ...]

    @property
    def claim_count(self) -> int:
        return sum(len(s.claims) for s in self.stories)

    @property
    def claims(self) -> Iterator[ClaimView]:
        for s in self.stories:
            yield from s.claims

    @property
    def by_outlet(self) -> list[tuple[str, list[StoryView]]]:
        groups: dict[str, list[StoryView]] = {}
        for s in self.stories:
            groups.setdefault(outlet_of(s.article), []).append(s)
        return list(groups.items())

    @property
    def outlets(self) -> list[str]:
        return [o for o, _ in self.by_outlet]


def first_claims(view: PlaceView, limit: int) -> PlaceView:
    """The view with only its first ``limit`` claims (in their one order), for a popup that lists no more."""
    if view.claim_count <= limit:
        return view
    stories, left = [], limit
    for s in view.stories:
        if left <= 0:
            break
        stories.append(StoryView(s.article, s.copies, s.claims[:left]))
        left -= len(stories[-1].claims)
    return PlaceView(view.place, tuple(stories))


def sentence_segments(text: str, mentions: tuple[Mention, ...], claim: Claim, place_id: str | None) \
        -> tuple[Segment, ...]:
    marks = [m for m in mentions if m.place and claim.start <= m.start and m.end <= claim.end
             and (place_id is None or m.place.id == place_id)]
    out, pos = [], claim.start
    for m in marks:
        out.append(Segment(text[pos:m.start]))
        out.append(Segment(text[m.start:m.end], True, m.place.id))
        pos = m.end
    out.append(Segment(text[pos:claim.end]))
    return tuple(s for s in out if s.text)


def article_segments(x: Extraction) -> list[list[Segment]]:
    """The article as paragraphs of segments, every resolved mention marked."""
    text = x.article.text
    paragraphs: list[list[Segment]] = [[]]
    pos = 0

    def add(chunk: str, mark: bool = False, place: str | None = None) -> None:
        parts = chunk.split("\n\n") if not mark else [chunk]
        for i, part in enumerate(parts):
            if i:
                paragraphs.append([])
            if part:
                paragraphs[-1].append(Segment(part, mark, place))

    for m in x.mentions:
        if m.place is None:
            continue
        add(text[pos:m.start])
        add(text[m.start:m.end], True, m.place.id)
        pos = m.end
    add(text[pos:])
    return [p for p in paragraphs if any(s.text.strip() for s in p)]


def place_views(corpus: Corpus) -> list[PlaceView]:
    """Every place some story makes a claim about, in a stable order."""
    with collector_paused():  # a view per claim and place: 336k at 10,000 articles
        return _place_views(corpus)


def _place_views(corpus: Corpus) -> list[PlaceView]:
    copies: dict[str, list[Article]] = {}
    for x in corpus.extractions:
        original = corpus.original(x.article.id)
        if original:
            copies.setdefault(original.id, []).append(x.article)
    places: dict[str, Place] = {}
    stories: dict[str, list[StoryView]] = {}
    for x in corpus.extractions:
        if x.article.id in corpus.duplicates:
            continue
        per_place: dict[str, list[ClaimView]] = {}
        located = x.places
        for n, claim in enumerate(x.claims):
            for pid in claim.places:
                places.setdefault(pid, located[pid])
                per_place.setdefault(pid, []).append(ClaimView(x.article, claim, n, x.mentions, pid))
        for pid, claims in per_place.items():
            stories.setdefault(pid, []).append(StoryView(x.article, tuple(copies.get(x.article.id, ())), tuple(claims)))

    def order(s: StoryView) -> tuple:
        return outlet_of(s.article), s.article.published or "", s.article.id

    return [PlaceView(places[pid], tuple(sorted(stories[pid], key=order))) for pid in sorted(places)]


@dataclass(frozen=True)
class RegionView:
    """An admin-1 region (Natural Earth) or a curated area, river or border, with the places grouped in it."""

    id: str  # file name of its page: "ne-" + ISO 3166-2 code, or the curated place's id
    name: str
    country: str | None
    kind: str  # "admin-1" or the curated place's kind
    places: tuple[PlaceView, ...]
    geometry: dict | None = None  # GeoJSON of an admin-1 region, for the choropleth

    @property
    def claim_count(self) -> int:
        return sum(v.claim_count for v in self.places)


def _region_id(name: str, country: str | None, code: str | None) -> str:
    return "ne-" + (re.sub(r"[^a-z0-9]+", "-", (code or f"{country or 'xx'}-{name}").lower()).strip("-") or "region")


def admin1_views(views: list[PlaceView]) -> list[RegionView]:
    """Places grouped by the admin-1 region resolve gave them (Natural Earth spelling) and their country."""
    index = region_index()
    groups: dict[tuple[str, str | None], list[PlaceView]] = {}
    for v in views:
        p = v.place
        if p.region and p.kind not in NOT_IN_A_REGION and p.geometry == "point":
            groups.setdefault((p.region, p.country), []).append(v)
    out = []
    for (name, country), members in groups.items():
        found = index.find(name, country)
        code = index.regions[found].code if found is not None else None
        geometry = shapely.geometry.mapping(index.geoms[found]) if found is not None else None
        out.append(RegionView(_region_id(name, country, code), name, country, "admin-1", tuple(members), geometry))
    return sorted(out, key=lambda r: r.id)


def curated_views(views: list[PlaceView], corpus: Corpus) -> list[RegionView]:
    """Curated areas, rivers and borders from the gazetteer, each with the places inside it (or along its line,
    the rule claim clusters use) or declared ``within`` it, when any of them carries a claim."""
    if corpus.gazetteer is None:
        return []
    entries = corpus.gazetteer.entries
    out = []
    for entry in entries.values():
        area = entry.place
        if area.geometry not in ("line", "polygon") or area.kind == "country":
            continue
        members = [v for v in views if contains(area, v.place) or _within(entries, v.place.id, area.id)]
        if members:
            out.append(RegionView(area.id, area.name, area.country, area.kind,
                                  tuple(sorted(members, key=lambda v: v.place.id))))
    return sorted(out, key=lambda r: r.id)


def _within(entries: dict, place_id: str, area_id: str) -> bool:
    seen = set()
    entry = entries.get(place_id)
    while entry is not None and entry.within and entry.within not in seen:
        if entry.within == area_id:
            return True
        seen.add(entry.within)
        entry = entries.get(entry.within)
    return False


@dataclass(frozen=True)
class Comparison:
    """Claims side by side: a cluster (one event told by several articles, with what they disagree on), or the
    claims about a place that no other article makes, by event type."""

    event: str
    claims: tuple[ClaimView, ...]
    disagreements: tuple[str, ...] = ()  # among "quantities", "actors", "dates" (geomap.clusters)
    cluster: str | None = None  # the cluster id, as in data/clusters.json
    rows: tuple[int, int] | None = None  # the part of ``claims`` one page of a long place lists (None: all)

    @property
    def listed(self) -> tuple[ClaimView, ...]:
        return self.claims if self.rows is None else self.claims[self.rows[0]:self.rows[1]]

    @property
    def continued(self) -> bool:
        """Whether an earlier page lists the first claims of this group."""
        return bool(self.rows and self.rows[0])

    @property
    def outlets(self) -> list[str]:
        return sorted({outlet_of(cv.article) for cv in self.claims})

    @property
    def articles(self) -> int:
        return len({cv.article.id for cv in self.claims})


def clusters_by_place(clusters: tuple[ClaimCluster, ...]) -> dict[str, list[ClaimCluster]]:
    """Place id -> the clusters about it or holding a claim about it, in corpus order: found once, not per page."""
    out: dict[str, list[ClaimCluster]] = {}
    for cluster in clusters:
        for pid in dict.fromkeys((cluster.place, *(ref.place for ref in cluster.members))):
            out.setdefault(pid, []).append(cluster)
    return out


def view_key(view: PlaceView, articles: dict[str, str]) -> str:
    """What a place's claims look like on any page, as a digest: the place and the digests of the stories'
    articles and copies (``articles``: article id -> digest of its extraction)."""
    return digest(repr(view.place), *(articles[a.id] for s in view.stories for a in (s.article, *s.copies)))


def claim_view(x: Extraction, index: int, place_id: str) -> ClaimView:
    return ClaimView(x.article, x.claims[index], index, x.mentions, place_id)


def comparisons(view: PlaceView, clusters: Iterable[ClaimCluster], extractions: dict[str, Extraction]) \
        -> list[Comparison]:
    """The clusters that hold a claim about this place, then its claims no other article makes, by event.

    ``clusters`` may be all of them or only this place's (``clusters_by_place``): others are passed over.
    """
    held, alone = _grouped(view, clusters)
    out = [Comparison(c.event, tuple(claim_view(extractions[r.article], r.index, r.place) for r in c.members),
                      c.disagreements, c.id) for c in held]
    return out + [Comparison(event, tuple(alone[event])) for event in sorted(alone)]


def comparison_rows(view: PlaceView, clusters: Iterable[ClaimCluster]) -> int:
    """How many claims ``comparisons`` lists, without making them: what says how many pages a place needs."""
    held, alone = _grouped(view, clusters)
    return sum(len(c.members) for c in held) + sum(map(len, alone.values()))


def _grouped(view: PlaceView, clusters: Iterable[ClaimCluster]) -> tuple[list[ClaimCluster], dict[str, list[ClaimView]]]:
    """The clusters that hold a claim about the place, and its other claims by event."""
    held, clustered = [], set()
    for cluster in clusters:
        if cluster.place != view.place.id and all(ref.place != view.place.id for ref in cluster.members):
            continue
        held.append(cluster)
        clustered.update((r.article, r.index) for r in cluster.members if r.place == view.place.id)
    alone: dict[str, list[ClaimView]] = {}
    for cv in view.claims:
        if (cv.article.id, cv.number) not in clustered:
            alone.setdefault(cv.claim.event, []).append(cv)
    return held, alone


def place_page(place_id: str, page: int) -> str:
    """The path in the site of a place's page ``page`` (from 1): the first keeps the place's one address."""
    return f"places/{place_id}.html" if page == 1 else f"places/{place_id}/{page}.html"


def page_of(groups: list[Comparison], page: int, per_page: int) -> list[Comparison]:
    """The groups, or parts of groups, that page ``page`` (from 1) lists when every page but the last lists
    ``per_page`` claims; a group that does not fit goes on on the next page."""
    first, out, at = (page - 1) * per_page, [], 0
    for g in groups:
        start, end = max(first, at), min(first + per_page, at + len(g.claims))
        if start < end:
            out.append(g if (start, end) == (at, at + len(g.claims)) else replace(g, rows=(start - at, end - at)))
        at += len(g.claims)
    return out

"""The small frozen records every stage passes along. Offsets index ``Article.text``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    id: str
    path: str
    text: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None


@dataclass(frozen=True)
class Place:
    """A resolved location, from the gazetteer or a geocoder."""

    id: str
    name: str
    lat: float
    lon: float
    kind: str
    country: str | None
    source: str  # "gazetteer" | "geonames" | "online"
    region: str | None = None
    geometry: str = "point"  # "point" | "line" | "polygon"
    coords: tuple[tuple[float, float], ...] = ()  # (lat, lon) vertices for lines and polygons
    population: int = 0
    geonames: int | None = None

    @property
    def precision(self) -> int:
        """ACLED geo-precision: 1 a named town or site, 3 a region, country or natural feature."""
        if self.kind in ("country", "region", "river", "border", "area"):
            return 3
        if self.kind == "district":
            return 2
        return 1


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    place: Place | None
    confidence: float = 0.0
    reason: str = ""  # why it was kept as a non-place, or how it was resolved
    # The place a non-place use still names ("Russian" -> Russia, "Moscow said" -> Moscow, "Kentucky State
    # Police" -> Kentucky): no marker, no claim, but the reference is kept for search and evaluation.
    refers: Place | None = None


@dataclass(frozen=True)
class Quantity:
    text: str
    value: float | None
    kind: str


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    event: str
    places: tuple[str, ...]
    actors: tuple[str, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    date: str | None = None
    attribution: str | None = None
    hedged: bool = False
    mentions: tuple[int, ...] = field(default=())  # indexes into the article's mentions
    roles: tuple[str, ...] = ()  # per place: "site", "origin" or "destination"
    time_precision: str | None = None  # "day", "week" or "month", as ACLED's time_precision


@dataclass(frozen=True)
class Extraction:
    """Everything the per-article stage derives from one article."""

    article: Article
    mentions: tuple[Mention, ...]
    claims: tuple[Claim, ...]
    focus: Place | None

    @property
    def places(self) -> dict[str, Place]:
        """Place id -> place, for the ids that claims carry."""
        return located(self.mentions)


def located(mentions: tuple[Mention, ...] | list[Mention]) -> dict[str, Place]:
    return {m.place.id: m.place for m in mentions if m.place}

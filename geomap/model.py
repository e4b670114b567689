"""The small frozen records every stage passes along. Offsets index ``Article.text``."""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass, field, fields
from operator import attrgetter


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
    # ``digest()`` as the per-article stage took it, kept with the reading in the article cache: a rebuild then need
    # not take it again for every article. Not an init field, so ``replace`` makes a copy without it.
    known_digest: str | None = field(default=None, init=False, compare=False, repr=False)

    @classmethod
    def read(cls, article: Article, reading: Reading) -> Extraction:
        """The extraction of ``article`` from what the per-article stage yielded for it."""
        mentions, claims, focus, known = reading
        x = cls(article, mentions, claims, focus)
        object.__setattr__(x, "known_digest", known)
        return x

    def reading(self) -> Reading:
        """What the per-article stage adds to the article, with its digest: sent between processes and cached."""
        return self.mentions, self.claims, self.focus, self.digest()

    @property
    def places(self) -> dict[str, Place]:
        """Place id -> place, for the ids that claims carry."""
        return located(self.mentions)

    def digest(self) -> str:
        """A digest of every value the extraction holds (article, mentions, claims, focus): what its pages show."""
        if self.known_digest is None:
            # marshal version 2 writes no back-references, so equal values always give equal bytes.
            object.__setattr__(self, "known_digest", hashlib.sha256(marshal.dumps(extraction_values(self), 2)).hexdigest())
        return self.known_digest


Reading = tuple[tuple[Mention, ...], tuple[Claim, ...], Place | None, str]  # an Extraction without its article


def located(mentions: tuple[Mention, ...] | list[Mention]) -> dict[str, Place]:
    return {m.place.id: m.place for m in mentions if m.place}


def _getter(cls: type) -> attrgetter:
    return attrgetter(*(f.name for f in fields(cls)))


_ARTICLE_VALUES, _PLACE_VALUES = _getter(Article), _getter(Place)
_MENTION_VALUES, _CLAIM_VALUES, _QUANTITY_VALUES = _getter(Mention), _getter(Claim), _getter(Quantity)
_PLACE_FIELDS = tuple(n for n, f in enumerate(fields(Mention)) if f.name in ("place", "refers"))
_QUANTITIES = next(n for n, f in enumerate(fields(Claim)) if f.name == "quantities")


def extraction_values(x: Extraction) -> tuple:
    """Every value the extraction holds, as nested tuples of plain values: ``marshal`` writes them in C, several
    times faster than ``repr``. Fields are read as tuples (no dataclass ``__repr__``) and each place is written once,
    then referred to by number. It depends only on values (never on which equal objects happen to be shared), so a
    fresh and a cached reading give the same digest. Taken for every article, so written out flat: no call per
    place, claims without quantities as read."""
    numbers: dict[tuple, int] = {}  # values -> number, by value
    by_id: dict[int, int] = {}  # id -> number: a reading's few places each recur in many mentions
    rows = []
    for m in x.mentions:
        row = list(_MENTION_VALUES(m))
        for i in _PLACE_FIELDS:
            if (p := row[i]) is not None:
                if (n := by_id.get(id(p))) is None:
                    n = by_id[id(p)] = numbers.setdefault(_PLACE_VALUES(p), len(numbers))
                row[i] = n
        rows.append(tuple(row))
    claims = []
    for c in x.claims:
        values = _CLAIM_VALUES(c)
        if values[_QUANTITIES]:
            row = list(values)
            row[_QUANTITIES] = tuple(map(_QUANTITY_VALUES, row[_QUANTITIES]))
            values = tuple(row)
        claims.append(values)
    focus = None
    if x.focus is not None and (focus := by_id.get(id(x.focus))) is None:
        focus = numbers.setdefault(_PLACE_VALUES(x.focus), len(numbers))
    return _ARTICLE_VALUES(x.article), tuple(numbers), tuple(rows), tuple(claims), focus

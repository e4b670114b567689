"""What the pages show, derived from the gathered corpus: places with their claims, story by story."""

from __future__ import annotations

from dataclasses import dataclass

from geomap.model import Article, Claim, Extraction, Place
from geomap.pipeline import Corpus

EVENT_COLOURS = {
    "capture": "#1f77b4", "offensive": "#9467bd", "fighting": "#d62728", "airstrike": "#ff7f0e",
    "shelling": "#e377c2", "explosion": "#8c564b", "chemical": "#bcbd22", "shooting": "#7f0000",
    "execution": "#3b0000", "killing": "#000000", "surrender": "#2ca02c", "flight": "#17becf",
    "siege": "#7f7f7f", "evacuation": "#aec7e8", "presence": "#c49c94", "negotiation": "#98df8a",
    "statement": "#c5b0d5", "other": "#dddddd",
}


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
    segments: tuple[Segment, ...]  # the sentence, with the place's mentions marked


@dataclass(frozen=True)
class StoryView:
    """One article's claims about one place; syndicated copies are listed, not counted."""

    article: Article
    copies: tuple[Article, ...]
    claims: tuple[ClaimView, ...]


@dataclass(frozen=True)
class PlaceView:
    place: Place
    stories: tuple[StoryView, ...]

    @property
    def claim_count(self) -> int:
        return sum(len(s.claims) for s in self.stories)

    @property
    def main_event(self) -> str:
        counts: dict[str, int] = {}
        for s in self.stories:
            for c in s.claims:
                counts[c.claim.event] = counts.get(c.claim.event, 0) + 1
        return max(sorted(counts), key=lambda e: counts[e]) if counts else "other"


def sentence_segments(x: Extraction, claim: Claim, place_id: str | None) -> tuple[Segment, ...]:
    text = x.article.text
    marks = [m for m in x.mentions if m.place and claim.start <= m.start and m.end <= claim.end
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
                per_place.setdefault(pid, []).append(ClaimView(x.article, claim, n, sentence_segments(x, claim, pid)))
        for pid, claims in per_place.items():
            stories.setdefault(pid, []).append(StoryView(x.article, tuple(copies.get(x.article.id, ())), tuple(claims)))
    return [PlaceView(places[pid], tuple(stories[pid])) for pid in sorted(places)]

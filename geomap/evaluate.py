"""Measure recognition and resolution against gold-annotated corpora (TR-News/LGL and GeoVirus XML).

Reading a corpus gives ``GoldArticle`` records whose toponym spans index ``GoldArticle.text`` exactly
(0-based, end exclusive). ``score`` is a pure function of the gold and the predicted mentions, so it can be
checked with hand-made mentions; ``run`` reads the articles with the pipeline and times it.

Scoring:

* a prediction is a mention that names a place: a place claim (``place``) or a non-place use that still names
  one (``refers``: "Russian" -> Russia, "Moscow said" -> Moscow), as the gold corpora annotate both; a
  non-place use that names nothing (part of a person's name) is not a prediction;
* a prediction is a true positive when it overlaps a gold toponym span not yet matched by another prediction
  (each gold toponym is matched at most once; the prediction takes the unmatched gold span it overlaps most);
* precision = true positives / predictions, recall = true positives / gold toponyms (all of them, with or
  without coordinates), F1 their harmonic mean;
* Acc@161 = gold toponyms with coordinates that were matched and resolved within 161 km of the gold point,
  divided by all gold toponyms with coordinates (toponyms without coordinates are left out of it);
* mean and median error in km are over the matched gold toponyms with coordinates.
"""

from __future__ import annotations

import logging
import statistics
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

from geomap.errors import InputError
from geomap.geo import haversine_km
from geomap.model import Article, Mention, Place

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024  # a gold corpus larger than this is refused, not parsed
ANCHOR_WINDOW = 20  # characters around the stated start searched for the phrase when the offsets are off
ACC_KM = 161.0
PROGRESS_EVERY = 25


@dataclass(frozen=True)
class GoldToponym:
    start: int  # 0-based into GoldArticle.text, after re-anchoring
    end: int
    phrase: str
    lat: float | None  # None when the gold has no resolution for it
    lon: float | None
    shift: int = 0  # how far re-anchoring moved the span from the stated (0-based) start
    anchored: bool = True  # False when the phrase was not found near the stated offset (span kept as stated)

    @property
    def has_coords(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class GoldArticle:
    id: str
    text: str
    toponyms: tuple[GoldToponym, ...]
    published: str | None = None
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Scores:
    articles: int
    gold: int  # gold toponyms
    gold_with_coords: int
    predicted: int  # mentions with a place
    true_positives: int
    resolved: int  # matched gold toponyms with coordinates (the error statistics are over these)
    within_161: int
    precision: float
    recall: float
    f1: float
    acc_161: float
    mean_km: float | None
    median_km: float | None


@dataclass(frozen=True)
class CorpusResult:
    path: str
    schema: str
    scores: Scores
    seconds: float

    @property
    def articles_per_second(self) -> float:
        return self.scores.articles / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return {"corpus": self.path, "schema": self.schema, **asdict(self.scores),
                "seconds": round(self.seconds, 3), "articles_per_second": round(self.articles_per_second, 2)}


# --- reading gold corpora ----------------------------------------------------


def _anchor(text: str, phrase: str, start: int, end: int) -> tuple[int, int, int, bool]:
    """(start, end, shift, found): the stated span if it holds ``phrase``, else the nearest copy within the window."""
    if text[start:end] == phrase:
        return start, end, 0, True
    if phrase:
        lo = max(0, start - ANCHOR_WINDOW)
        hi = min(len(text), start + ANCHOR_WINDOW + len(phrase))
        best: int | None = None
        i = text.find(phrase, lo, hi)
        while i != -1:
            if best is None or abs(i - start) < abs(best - start):
                best = i
            i = text.find(phrase, i + 1, hi)
        if best is not None:
            return best, best + len(phrase), best - start, True
    return start, end, 0, False


def _child_text(el: ET.Element, tag: str) -> str | None:
    child = el.find(tag)
    return child.text if child is not None and child.text is not None else None


def _stripped(el: ET.Element, tag: str) -> str | None:
    value = _child_text(el, tag)
    value = value.strip() if value is not None else None
    return value or None


def _number(value: str | None, kind: type, where: str, tag: str) -> int | float:
    try:
        return kind((value or "").strip())
    except ValueError:
        raise InputError(f"{where}: <{tag}> expected a number, got {value!r}") from None


def _coords(el: ET.Element | None, where: str) -> tuple[float | None, float | None]:
    if el is None:
        return None, None
    lat, lon = _stripped(el, "lat"), _stripped(el, "lon")
    if lat is None or lon is None:
        return None, None
    return _number(lat, float, where, "lat"), _number(lon, float, where, "lon")


def _published(raw: str | None) -> str | None:
    if raw and len(raw) >= 10 and raw[4] == "-" and raw[7] == "-" and raw[:4].isdigit():
        return raw[:10]
    return None


def detect_schema(root: ET.Element) -> str | None:
    """``"lgl"`` (TR-News/LGL: toponyms), ``"geovirus"`` (locations), or None when neither is recognisable."""
    if root.tag != "articles":
        return None
    articles = root.findall("article")
    if any(a.find("toponyms") is not None for a in articles):
        return "lgl"
    if any(a.find("locations") is not None for a in articles):
        return "geovirus"
    return None


def read_corpus(path: Path | str) -> tuple[str, list[GoldArticle]]:
    """Read a gold corpus file; returns (schema, articles). Raises ``InputError`` naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give a gold corpus XML file (TR-News/LGL or GeoVirus)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read: {err.strerror}") from None
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a gold corpus XML file")
    if size > MAX_BYTES:
        raise InputError(f"{path}: {size:,} bytes is over the {MAX_BYTES:,}-byte limit for a gold corpus")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise InputError(f"{path}: not well-formed XML ({err})") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read: {err.strerror}") from None
    schema = detect_schema(root)
    if schema is None:
        raise InputError(f"{path}: not a gold corpus: expected <articles><article> with <toponyms> (TR-News/LGL) "
                         f"or <locations> (GeoVirus), got <{root.tag}>")
    articles = [_article(el, n, path, schema) for n, el in enumerate(root.findall("article"), 1)]
    moved = sum(1 for a in articles for t in a.toponyms if t.shift)
    lost = sum(1 for a in articles for t in a.toponyms if not t.anchored)
    if moved:
        log.info("%s: %d gold span(s) re-anchored to their phrase", path, moved)
    if lost:
        log.warning("%s: %d gold span(s) do not hold their phrase, even within %d characters; kept as stated",
                    path, lost, ANCHOR_WINDOW)
    return schema, articles


def _article(el: ET.Element, n: int, path: Path, schema: str) -> GoldArticle:
    aid = (el.get("docid") or "").strip() or str(n)
    where = f"{path}: article {aid}"
    text = _child_text(el, "text") or ""
    toponyms = []
    if schema == "lgl":
        for k, t in enumerate(el.findall("toponyms/toponym"), 1):
            here = f"{where}, toponym {k}"
            phrase = _child_text(t, "phrase") or ""
            start = _number(_child_text(t, "start"), int, here, "start")
            end = _number(_child_text(t, "end"), int, here, "end")
            lat, lon = _coords(t.find("gaztag"), here)
            toponyms.append(_toponym(text, phrase, start, end, lat, lon))
        return GoldArticle(aid, text, tuple(toponyms), _published(_stripped(el, "dltime")),
                           _stripped(el, "title"), _stripped(el, "url"))
    for k, t in enumerate(el.findall("locations/location"), 1):
        here = f"{where}, location {k}"
        phrase = _child_text(t, "name") or ""
        start = _number(_child_text(t, "start"), int, here, "start") - 1  # GeoVirus offsets are 1-based
        end = _number(_child_text(t, "end"), int, here, "end") - 1
        lat, lon = _coords(t, here)
        toponyms.append(_toponym(text, phrase, start, end, lat, lon))
    return GoldArticle(aid, text, tuple(toponyms), None, None, _stripped(el, "source"))


def _toponym(text: str, phrase: str, start: int, end: int, lat: float | None, lon: float | None) -> GoldToponym:
    s, e, shift, found = _anchor(text, phrase, start, end)
    if not found and phrase.strip() != phrase:
        s, e, shift, found = _anchor(text, phrase.strip(), start, end)
    return GoldToponym(s, e, phrase, lat, lon, shift, found)


# --- scoring -------------------------------------------------------------------


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def named(m: Mention, literal: bool = False) -> Place | None:
    """The place a mention names, as a place claim or (unless ``literal``) in a non-place use."""
    return m.place if m.place is not None or literal else m.refers


def score(gold: list[GoldArticle], predicted: list[list[Mention]], literal: bool = False) -> Scores:
    """Recognition P/R/F1 and Acc@161 of ``predicted`` (mentions per article, in the order of ``gold``).

    ``literal`` counts place claims only, for gold corpora that leave demonyms and metonymy unannotated
    (GeoVirus); TR-News annotates them.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold articles but {len(predicted)} lists of predicted mentions")
    n_gold = n_coords = n_pred = tp = within = 0
    errors: list[float] = []
    for article, mentions in zip(gold, predicted, strict=True):
        n_gold += len(article.toponyms)
        n_coords += sum(1 for t in article.toponyms if t.has_coords)
        matched = [False] * len(article.toponyms)
        for m in sorted((m for m in mentions if named(m, literal) is not None), key=lambda m: (m.start, m.end)):
            n_pred += 1
            place = named(m, literal)
            best, best_overlap = None, 0
            for i, t in enumerate(article.toponyms):
                overlap = min(m.end, t.end) - max(m.start, t.start)
                if not matched[i] and overlap > 0 and overlap > best_overlap:
                    best, best_overlap = i, overlap
            if best is None:
                continue
            matched[best] = True
            tp += 1
            t = article.toponyms[best]
            if t.has_coords:
                km = haversine_km((t.lat, t.lon), (place.lat, place.lon))
                errors.append(km)
                within += km <= ACC_KM
    precision, recall = _ratio(tp, n_pred), _ratio(tp, n_gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        articles=len(gold), gold=n_gold, gold_with_coords=n_coords, predicted=n_pred, true_positives=tp,
        resolved=len(errors), within_161=within, precision=precision, recall=recall, f1=f1,
        acc_161=_ratio(within, n_coords), mean_km=statistics.fmean(errors) if errors else None,
        median_km=statistics.median(errors) if errors else None,
    )


# --- running -------------------------------------------------------------------


def to_article(g: GoldArticle, corpus: Path | str) -> Article:
    return Article(id=g.id, path=f"{corpus}#{g.id}", text=g.text, title=g.title, published=g.published, url=g.url)


def run(path: Path | str, gold: list[GoldArticle], schema: str, res, literal: bool = False) -> CorpusResult:
    """Read every gold article with the pipeline and score it; ``res`` is a loaded ``pipeline.Resources``."""
    from geomap.pipeline import extract

    started = time.perf_counter()
    predicted: list[list[Mention]] = []
    for n, g in enumerate(gold, 1):
        predicted.append(list(extract(to_article(g, path), res).mentions))
        if n % PROGRESS_EVERY == 0 or n == len(gold):
            log.info("%s: %d/%d articles (%.1fs)", path, n, len(gold), time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return CorpusResult(str(path), schema, score(gold, predicted, literal), seconds)


COLUMNS = ("corpus", "articles", "gold", "P", "R", "F1", "Acc@161", "mean km", "median km", "seconds", "art/s")


def table(results: list[CorpusResult]) -> list[str]:
    """Aligned lines: a header, then one row per corpus."""
    def km(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f}"

    rows = [COLUMNS] + [
        (Path(r.path).name, str(r.scores.articles), str(r.scores.gold), f"{r.scores.precision:.3f}",
         f"{r.scores.recall:.3f}", f"{r.scores.f1:.3f}", f"{r.scores.acc_161:.3f}", km(r.scores.mean_km),
         km(r.scores.median_km), f"{r.seconds:.1f}", f"{r.articles_per_second:.1f}")
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    def line(row: tuple[str, ...]) -> str:
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    return [line(row) for row in rows]

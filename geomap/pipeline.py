"""The pipeline, top to bottom: gather everything, then write.

ingest -> recognize -> resolve -> claims per article; syndication across articles; then the site.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from geomap import gazetteer as gazetteer_mod
from geomap.claims import extract_claims
from geomap.clusters import ClaimCluster, cluster_claims
from geomap.errors import InputError
from geomap.geocoders import GazetteerGeocoder, OfflineGeoNames
from geomap.geocoders.geonames import WorldNames
from geomap.ingest import SkippedFile, find_articles, read_article
from geomap.local import local_names
from geomap.model import Article, Claim, Extraction, Mention, Place, located
from geomap.online import OnlineLookup
from geomap.recognize import recognize
from geomap.resolve import resolve
from geomap.syndication import find_duplicates

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What every article is read against; loaded once per process."""

    gazetteer: gazetteer_mod.Gazetteer
    curated: GazetteerGeocoder
    fallback: OfflineGeoNames | None
    world: WorldNames = field(default_factory=WorldNames)  # GeoNames names looked for in every text
    online: OnlineLookup | None = None  # only with --online

    @classmethod
    def load(cls, gazetteer_path: Path, offline_fallback: bool = True) -> Resources:
        gaz = gazetteer_mod.load(gazetteer_path)
        fallback = OfflineGeoNames() if offline_fallback else None
        return cls(gaz, GazetteerGeocoder(gaz), fallback, fallback.matchable() if fallback else WorldNames())

    def with_online(self, online: OnlineLookup | None) -> Resources:
        """These resources with the online step (``--online``), or as they are."""
        return self if online is None else replace(self, online=online)


FOCUS_WEIGHT = {"country": 0.15, "region": 0.4, "area": 0.4, "river": 0.4, "border": 0.4, "district": 0.7}


def focus_of(claims: list[Claim], mentions: list[Mention]) -> Place | None:
    """Where the article's main event happened: the place its leading claims keep returning to.

    Each claim weighs less the later it comes; countries and regions weigh less than towns and sites,
    so "in Iraq" does not outrank "Hawija". With no claim, the most named place.
    """
    places = located(mentions)
    score: dict[str, float] = {}
    first: dict[str, int] = {}
    for rank, claim in enumerate(c for c in claims if c.event != "statement"):
        for pid in claim.places:
            weight = FOCUS_WEIGHT.get(places[pid].kind, 1.0)
            score[pid] = score.get(pid, 0.0) + weight / (1 + 0.3 * rank)
            first.setdefault(pid, rank)
    if score:
        return places[max(score, key=lambda pid: (score[pid], -first[pid]))]
    counts = Counter(m.place.id for m in mentions if m.place)
    return places[counts.most_common(1)[0][0]] if counts else None


def extract(article: Article, res: Resources) -> Extraction:
    """The per-article stage: a pure function of the article and the resources."""
    candidates = recognize(article.text, res.gazetteer, res.world)
    mentions = local_names(article.text, resolve(candidates, res.curated, res.fallback, article.text), res.fallback)
    if res.online is not None:
        mentions = res.online.resolve(mentions)
    claims = extract_claims(article, mentions)
    return Extraction(article, tuple(mentions), tuple(claims), focus_of(claims, mentions))


@dataclass
class Corpus:
    """Everything gathered before anything is written."""

    extractions: list[Extraction]
    duplicates: dict[str, str]  # article id -> file name of the earlier copy
    skipped: list[str] = field(default_factory=list)
    gazetteer: gazetteer_mod.Gazetteer | None = None
    inputs: list[str] = field(default_factory=list)
    clusters: tuple[ClaimCluster, ...] = ()  # claims several articles make about one event; copies left out

    def original(self, article_id: str) -> Article | None:
        """The earlier copy of a syndicated article, or None for an original."""
        name = self.duplicates.get(article_id)
        return next((x.article for x in self.extractions if Path(x.article.path).name == name), None) if name else None


def gather(inputs: list[str | Path], res: Resources, strict: bool = False) -> Corpus:
    files = find_articles(inputs)
    articles: list[Article] = []
    skipped: list[str] = []
    started = time.perf_counter()
    for n, path in enumerate(files, 1):
        try:
            articles.append(read_article(path))
        except SkippedFile as err:
            log.warning("skipped: %s", err)
            skipped.append(str(err))
        if n % 1000 == 0 or n == len(files):
            log.info("read %d/%d files (%.1fs)", n, len(files), time.perf_counter() - started)
    if strict and skipped:
        raise InputError(f"{len(skipped)} file(s) skipped and --strict is set; fix or remove them")
    if not articles:
        raise InputError("no readable articles among " + ", ".join(str(p) for p in inputs)
                         + "; the warnings above say why each file was skipped")
    ids: dict[str, list[str]] = {}
    for a in articles:
        ids.setdefault(a.id, []).append(a.path)
    clashes = [f"{' and '.join(paths)} (id {i!r})" for i, paths in sorted(ids.items()) if len(paths) > 1]
    if clashes:
        raise InputError(f"{'; '.join(clashes)}: files that get the same article id (ids come from file "
                         "names, folders and suffix left out); rename all but one of each")
    started = time.perf_counter()
    extractions = []
    for n, article in enumerate(articles, 1):
        extractions.append(extract(article, res))
        if n % 100 == 0 or n == len(articles):
            log.info("extracted %d/%d articles (%.1fs)", n, len(articles), time.perf_counter() - started)
    if res.online is not None:
        res.online.report()
    duplicates = find_duplicates(articles)
    clusters = cluster_claims(extractions, duplicates)
    log.info("%d claim cluster(s) across articles, %d with disagreements", len(clusters),
             sum(1 for c in clusters if c.disagreements))
    return Corpus(extractions, duplicates, skipped, res.gazetteer, [str(p) for p in inputs], clusters)

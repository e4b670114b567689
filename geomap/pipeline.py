"""The pipeline, top to bottom: gather everything, then write.

ingest -> recognize -> resolve -> claims per article; syndication across articles; then the site.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from geomap import cache, parallel
from geomap import gazetteer as gazetteer_mod
from geomap.claims import extract_claims
from geomap.clusters import ClaimCluster, cluster_claims
from geomap.errors import InputError
from geomap.geocoders import GazetteerGeocoder, OfflineGeoNames
from geomap.geocoders.geonames import WorldNames
from geomap.ingest import MAX_BYTES, SkippedFile, find_articles, read_article
from geomap.local import local_names
from geomap.model import Article, Claim, Extraction, Mention, Place, Reading, located
from geomap.online import OnlineLookup
from geomap.recognize import common_words, recognize
from geomap.regions import region_index
from geomap.resolve import resolve
from geomap.syndication import copies

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What every article is read against; loaded once per process (prepared forms are cached on disk)."""

    gazetteer: gazetteer_mod.Gazetteer
    curated: GazetteerGeocoder
    fallback: OfflineGeoNames | None
    world: WorldNames = field(default_factory=WorldNames)  # GeoNames names looked for in every text
    online: OnlineLookup | None = None  # only with --online

    @classmethod
    def load(cls, gazetteer_path: Path, offline_fallback: bool = True) -> Resources:
        return cls.with_gazetteer(cache.load_gazetteer(gazetteer_path, gazetteer_mod.load), offline_fallback)

    @classmethod
    def with_gazetteer(cls, gaz: gazetteer_mod.Gazetteer, offline_fallback: bool = True) -> Resources:
        fallback = OfflineGeoNames() if offline_fallback else None
        res = cls(gaz, GazetteerGeocoder(gaz), fallback, fallback.matchable() if fallback else WorldNames())
        # Prepared here, once, rather than inside the first article (and then shared by forked workers).
        region_index()
        recognize("", gaz, res.world)
        return res

    @property
    def context(self) -> str:
        """What every article's reading depends on besides its text and the gazetteer names it contains."""
        return cache.digest(cache.code_version(), "geonames" if self.fallback else "no-geonames")

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


def _reading(article: Article, res: Resources) -> Reading:
    """What ``extract`` adds to an article, and its digest: sent between processes and cached without the article."""
    return extract(article, res).reading()


_REMOTE: dict[tuple[int, bool], Resources] = {}


def _read_remote(batch: list[Article], shared: tuple[gazetteer_mod.Gazetteer, bool]) -> list[Reading]:
    """Runs on a cluster worker: resources are prepared once per worker process and gazetteer sent."""
    gaz, offline_fallback = shared
    key = (id(gaz), offline_fallback)
    if key not in _REMOTE:
        _REMOTE.clear()
        _REMOTE[key] = Resources.with_gazetteer(gaz, offline_fallback)
    return [_reading(a, _REMOTE[key]) for a in batch]


@dataclass(frozen=True)
class Engine:
    """How the per-article stage is run; any engine gives the same output."""

    jobs: int = 1  # local worker processes
    cache_dir: Path | None = None  # None: no article cache
    scheduler: str | None = None  # a Dask scheduler address: tcp://HOST:PORT


def _read_fresh(todo: list[Article], res: Resources, engine: Engine) -> list[Reading]:
    """The readings of articles the cache does not hold, by the engine asked for."""
    progress = parallel.Progress(len(todo))
    if not todo:
        return []
    if engine.scheduler:
        return parallel.map_dask(engine.scheduler, _read_remote, todo, (res.gazetteer, res.fallback is not None),
                                 progress)
    # Loaded here, where there are articles to read, before workers fork: else the first article of each worker
    # loads them (0.3 s), and a build that finds every article in the cache does not need them.
    common_words()
    extract_claims(Article("", "", ""), [])  # the claim lexicons and their scans
    return parallel.map_processes(partial(_reading, res=res), todo, engine.jobs, progress)


def extract_all(articles: list[Article], res: Resources, engine: Engine = Engine()) -> list[Extraction]:
    """``extract`` over every article, taking what the article cache already holds."""
    store = cache.ArticleCache(engine.cache_dir) if engine.cache_dir else None
    try:
        keys = cache.article_keys(articles, res.gazetteer, res.context, store) if store else []
        known = store.get_many(keys) if store else {}
        todo = [a for n, a in enumerate(articles) if not store or keys[n] not in known]
        if store:
            log.info("%d of %d articles unchanged since the last build (cache %s)", len(articles) - len(todo),
                     len(articles), store.path)
        with cache.collector_paused():  # readings are many small objects in no cycle: unpickled several times faster
            fresh = _read_fresh(todo, res, engine)
        if store:
            done = {id(a): r for a, r in zip(todo, fresh, strict=True)}
            store.put_many((k, done[id(a)]) for k, a in zip(keys, articles, strict=True) if id(a) in done)
            known.update((k, done[id(a)]) for k, a in zip(keys, articles, strict=True) if id(a) in done)
            readings = [known[k] for k in keys]
        else:
            readings = fresh
    finally:
        if store:
            store.close()
    return [Extraction.read(a, r) for a, r in zip(articles, readings, strict=True)]


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


@dataclass(frozen=True)
class Found:
    """The article files of a build, read: where the per-article stage starts, and what says a site is current."""

    inputs: tuple[str, ...]
    articles: tuple[Article, ...]
    skipped: tuple[str, ...]  # why files were left out
    fingerprint: str  # every file's path and bytes


def read_all(files: list[Path], engine: Engine = Engine()) -> tuple[list[Article], list[str], str]:
    """The articles in ``files``, the reasons files were skipped, and a fingerprint of all the files' bytes.

    Unchanged files come from the cache.
    """
    store = cache.ArticleCache(engine.cache_dir) if engine.cache_dir else None
    keys: dict[Path, str] = {}
    for path in files:
        try:
            if path.stat().st_size <= MAX_BYTES:
                keys[path] = cache.digest("file", cache.code_version(), str(path), path.read_bytes())
        except OSError:
            pass  # read_article says what is wrong with it
    known = store.get_many(keys.values()) if store else {}
    articles: list[Article] = []
    skipped: list[str] = []
    fresh: list[tuple[str, Article]] = []
    started = time.perf_counter()
    try:
        for n, path in enumerate(files, 1):
            if n % 1000 == 0 or n == len(files):
                log.info("read %d/%d files (%.1fs)", n, len(files), time.perf_counter() - started)
            if keys.get(path) in known:
                articles.append(known[keys[path]])
                continue
            try:
                articles.append(read_article(path))
            except SkippedFile as err:
                log.warning("skipped: %s", err)
                skipped.append(str(err))
                continue
            if path in keys:
                fresh.append((keys[path], articles[-1]))
        if store:
            store.put_many(fresh)
    finally:
        if store:
            store.close()
    return articles, skipped, cache.digest(*(keys.get(p, str(p)) for p in files), *skipped)


def find(inputs: list[str | Path], strict: bool = False, engine: Engine = Engine()) -> Found:
    """Every article file under ``inputs``, read (or taken from the cache), with ids checked for clashes."""
    articles, skipped, fingerprint = read_all(find_articles(inputs), engine)
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
    return Found(tuple(str(p) for p in inputs), tuple(articles), tuple(skipped), fingerprint)


def gather(inputs: list[str | Path], res: Resources, strict: bool = False, engine: Engine = Engine()) -> Corpus:
    engine = online_engine(res.online, engine)
    return assemble(find(inputs, strict, engine), res, engine)


def online_engine(online: OnlineLookup | None, engine: Engine) -> Engine:
    """The engine to use: with ``--online`` that is this process, article after article, uncached."""
    if online is not None and (engine.cache_dir or engine.scheduler or engine.jobs > 1):
        # Online answers are capped per run and shared between articles: read them in order, here, uncached.
        log.info("--online: articles are read in this process, one after another, and not cached")
        return Engine()
    return engine


def site_key(found: Found, gazetteer: Path, online: bool = False) -> str | None:
    """What a site built from ``found`` depends on, known before any article is read; None if that cannot be known.

    Online answers can change from one run to the next.
    """
    if online:
        return None
    try:
        raw = Path(gazetteer).read_bytes()
    except OSError:
        raw = b""  # loading it says what is wrong
    return cache.digest("site", cache.package_version(), *found.inputs, found.fingerprint, Path(gazetteer).name, raw)


def assemble(found: Found, res: Resources, engine: Engine = Engine()) -> Corpus:
    """The per-article stage over what ``find`` read, then what looks across articles."""
    articles = list(found.articles)
    extractions = extract_all(articles, res, engine)
    if res.online is not None:
        res.online.report()
    duplicates = copies(articles, engine.jobs, engine.cache_dir)
    clusters = cluster_claims(extractions, duplicates)
    log.info("%d claim cluster(s) across articles, %d with disagreements", len(clusters),
             sum(1 for c in clusters if c.disagreements))
    return Corpus(extractions, duplicates, list(found.skipped), res.gazetteer, list(found.inputs), clusters)

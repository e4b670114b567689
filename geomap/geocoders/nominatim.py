"""The optional online source: OpenStreetMap's Nominatim through geopy, rate-limited, retried and cached on disk.

Nominatim's usage policy (https://operations.osmfoundation.org/policies/nominatim/) asks for at most one
request per second, an application-specific User-Agent, and cached results; its data is © OpenStreetMap
contributors under the ODbL. Every answer, "nothing found" included, is kept in a SQLite file, so a second
build over the same articles sends no request at all. Failures are not cached: a later build asks again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from geopy.adapters import URLLibAdapter
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geomap import __version__
from geomap.geo import validate_location
from geomap.geocoders.base import to_location
from geomap.model import Place
from geomap.textnorm import fold, name_keys

log = logging.getLogger(__name__)

DEFAULT_URL = "https://nominatim.openstreetmap.org"
USER_AGENT = f"geomap/{__version__} (news-article map builder; python-geopy)"
ATTRIBUTION = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright"
MIN_DELAY = 1.0  # seconds between requests: the public service's usage policy
MAX_RETRIES = 2
BACKOFF = 2.0  # seconds before the first retry; doubled for each further one
MAX_WAIT = 120.0  # a Retry-After longer than this is not waited for: the name fails now
RESULTS = 5  # answers asked per name; the online stage picks among them


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _clock() -> float:
    return time.monotonic()


def retryable(err: Exception) -> bool:
    """Transient failures (timeouts, 429, 5xx, DNS, malformed answers) are worth another try; a refused query is not."""
    if isinstance(err, GeocoderRateLimited):
        return True
    refused = (GeocoderQueryError, GeocoderAuthenticationFailure, GeocoderInsufficientPrivileges, GeocoderQuotaExceeded)
    return isinstance(err, GeocoderServiceError) and not isinstance(err, refused)


class BackoffRateLimiter(RateLimiter):
    """geopy's ``RateLimiter`` (one request per ``min_delay_seconds``), retrying transient errors with backoff.

    geopy's own retry waits a fixed time and ignores ``Retry-After``; here each retry waits twice as long as
    the one before, and at least what a 429 asks for. Time goes through ``sleep``/``clock`` so tests never wait.
    """

    def __init__(self, func: Callable, *, min_delay_seconds: float = MIN_DELAY, max_retries: int = MAX_RETRIES,
                 backoff_seconds: float = BACKOFF, max_wait_seconds: float = MAX_WAIT,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None) -> None:
        super().__init__(func, min_delay_seconds=min_delay_seconds, max_retries=max_retries,
                         error_wait_seconds=max(backoff_seconds, min_delay_seconds), swallow_exceptions=False)
        self.max_wait_seconds = max_wait_seconds
        self._sleep_fn = sleep or _sleep
        self._clock_fn = clock or _clock

    def _sleep(self, seconds: float) -> None:
        self._sleep_fn(seconds)

    def _clock(self) -> float:
        return self._clock_fn()

    def wait_after(self, err: Exception, attempt: int) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None when retrying is pointless."""
        if not retryable(err) or attempt >= self.max_retries:
            return None
        wait = self.error_wait_seconds * 2 ** attempt
        retry_after = getattr(err, "retry_after", None)
        if retry_after:
            if retry_after > self.max_wait_seconds:
                return None
            wait = max(wait, float(retry_after))
        return min(wait, self.max_wait_seconds)

    def __call__(self, *args, **kwargs):
        attempt = 0
        while True:
            self._acquire_request_slot()
            try:
                return self.func(*args, **kwargs)
            except GeocoderServiceError as err:
                wait = self.wait_after(err, attempt)
                if wait is None:
                    raise
                log.info("online geocoder: %s; retry %d/%d in %.0fs", describe(err), attempt + 1, self.max_retries, wait)
                self._sleep(wait)
                attempt += 1


def describe(err: Exception) -> str:
    """A failure as a user reads it: what went wrong, without geopy's class names."""
    if isinstance(err, GeocoderRateLimited):
        after = f", asked to wait {err.retry_after:.0f}s" if err.retry_after else ""
        return f"rate limited (HTTP 429{after})"
    words = {"GeocoderTimedOut": "timed out", "GeocoderParseError": "malformed answer",
             "GeocoderInsufficientPrivileges": "HTTP 403 forbidden"}
    said = words.get(type(err).__name__)
    if said:
        return said
    detail = (str(err).splitlines() or [""])[0][:80]  # answers can carry a whole HTML page
    said = "unavailable" if isinstance(err, GeocoderUnavailable) else "service error"
    return f"{said}: {detail}" if detail else said


class AnswerCache:
    """Answers kept on disk (SQLite): key -> the list of raw Nominatim results, ``[]`` for "nothing found".

    A connection per call: nothing stays open between builds, and at one request a second it costs nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.memory: dict[str, str] | None = None  # used only when the file cannot be
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._run("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, results TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as err:
            log.warning("online geocoder: cannot use the cache %s (%s); answers will not be kept for the next build",
                        path, err)
            self.memory = {}

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        with closing(sqlite3.connect(self.path)) as db, db:
            return db.execute(sql, args).fetchall()

    def get(self, key: str) -> list[dict] | None:
        if self.memory is not None:
            found = self.memory.get(key)
        else:
            rows = self._run("SELECT results FROM answers WHERE key = ?", (key,))
            found = rows[0][0] if rows else None
        return json.loads(found) if found is not None else None

    def put(self, key: str, results: list[dict]) -> None:
        text = json.dumps(results, ensure_ascii=False, sort_keys=True)
        if self.memory is not None:
            self.memory[key] = text
            return
        try:
            self._run("INSERT OR REPLACE INTO answers VALUES (?, ?)", (key, text))
        except sqlite3.Error as err:
            log.warning("online geocoder: could not write to the cache %s (%s)", self.path, err)


class _Adapter(URLLibAdapter):
    """geopy's stdlib adapter, saying ``GeocoderUnavailable`` for a refused connection or an unknown host.

    (It says a bare ``GeocoderServiceError`` there; geopy's requests adapter says Unavailable. The requests
    adapter is not used because it retries on its own, unseen by the rate limiter.)
    """

    def get_json(self, url: str, *, timeout: float, headers: dict) -> object:
        try:
            return super().get_json(url, timeout=timeout, headers=headers)
        except GeocoderServiceError as err:
            cause = err.__context__
            if type(err) is GeocoderServiceError and isinstance(cause, URLError) and not isinstance(cause, HTTPError) \
                    and isinstance(cause.reason, OSError):
                raise GeocoderUnavailable(f"cannot reach the server ({cause.reason.strerror or cause.reason})") from cause
            raise


class _Nominatim(Nominatim):
    """geopy's ``Nominatim``, asking for ``format=jsonv2`` (with ``addresstype``) rather than plain ``json``."""

    def _construct_url(self, base_api: str, params: dict) -> str:
        return super()._construct_url(base_api, {**params, "format": "jsonv2"})


class CachedNominatim(Geocoder):
    """Nominatim as a geomap source: geopy's ``Nominatim`` behind a ``BackoffRateLimiter`` and an ``AnswerCache``.

    ``geocode`` returns ``Location``s whose ``raw["place"]`` is a ``Place`` (source ``"online"``), like the
    offline sources, and raises ``geopy.exc`` errors once retries are spent.
    """

    def __init__(self, url: str = DEFAULT_URL, *, cache_path: Path, timeout: float = 10.0,
                 min_delay_seconds: float = MIN_DELAY, max_retries: int = MAX_RETRIES,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"expected an http(s) URL such as {DEFAULT_URL}, got {url!r}")
        self.url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        self.nominatim = _Nominatim(domain=parts.netloc + parts.path.rstrip("/"), scheme=parts.scheme,
                                    user_agent=USER_AGENT, timeout=timeout, adapter_factory=_Adapter,
                                    proxies={} if loopback else None)  # a local server is never reached via a proxy
        self.search = BackoffRateLimiter(self.nominatim.geocode, min_delay_seconds=min_delay_seconds,
                                         max_retries=max_retries, sleep=sleep, clock=clock)
        self.cache = AnswerCache(cache_path)
        self.requests = 0  # names actually sent to the service (retries not counted)

    def key(self, query: str) -> str:
        params = {"addressdetails": 1, "format": "jsonv2", "limit": RESULTS, "namedetails": 1}
        return json.dumps([self.url, fold(query), params], ensure_ascii=False, sort_keys=True)

    def cached(self, query: str) -> bool:
        return self.cache.get(self.key(query)) is not None

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: object = None) -> Location | list | None:
        key = self.key(query)
        results = self.cache.get(key)
        if results is None:
            self.requests += 1
            found = self.search(" ".join(query.split()), exactly_one=False, limit=RESULTS, addressdetails=True,
                                namedetails=True) or []
            results = [loc.raw for loc in found]
            self.cache.put(key, results)
        places = [p for p in (place_from_raw(r, query) for r in results) if p is not None]
        locations = [to_location(p) for p in places]
        if not locations:
            return None
        return locations[0] if exactly_one else locations


# Nominatim's addresstype/type -> a gazetteer kind. Shops, roads, buildings and the like are not news places.
_KINDS = {
    "country": "country", "state": "region", "province": "region", "region": "region", "state_district": "region",
    "county": "district", "district": "district", "municipality": "district",
    "city": "city", "town": "town", "village": "village", "hamlet": "village", "isolated_dwelling": "village",
    "farm": "village", "suburb": "neighbourhood", "neighbourhood": "neighbourhood", "quarter": "neighbourhood",
    "city_district": "neighbourhood", "borough": "neighbourhood", "city_block": "neighbourhood",
    "river": "river", "stream": "river", "canal": "river", "military": "base", "aerodrome": "site",
    "border_control": "crossing", "locality": "area", "island": "area", "valley": "area", "desert": "area",
    "plateau": "area", "peak": "site", "mountain_range": "area",
}
_CLASSES = {"place", "boundary", "natural", "waterway", "landuse", "military", "aeroway", "barrier"}


def kind_of(raw: dict) -> str | None:
    """The gazetteer kind of a Nominatim answer, or None for things that are not places in the news sense."""
    category = raw.get("category") or raw.get("class")  # jsonv2 says category, json says class
    if category not in _CLASSES:
        return None
    for key in (raw.get("addresstype"), raw.get("type")):
        if key in _KINDS:
            return _KINDS[key]
    return "district" if category == "boundary" and raw.get("type") == "administrative" else None


def _names(raw: dict) -> set[str]:
    names = {raw.get("name") or "", (raw.get("display_name") or "").split(",")[0]}
    for value in (raw.get("namedetails") or {}).values():
        names.update(str(value).split(";"))
    return {k for n in names if n for k in name_keys(n)}


def place_from_raw(raw: dict, query: str) -> Place | None:
    """A ``Place`` from one Nominatim result, if it is a place and answers to the name asked for.

    The name check keeps a fuzzy match ("French" -> "French Island") off the map.
    """
    kind = kind_of(raw)
    if kind is None or not name_keys(query) & _names(raw):
        return None
    try:
        lat, lon = validate_location(float(raw["lat"]), float(raw["lon"]))
        osm = f"osm-{str(raw['osm_type'])[:1].lower()}{int(raw['osm_id'])}"
    except (KeyError, TypeError, ValueError) as err:
        log.debug("online geocoder: skipped a malformed result %r (%s)", raw, err)
        return None
    country = str((raw.get("address") or {}).get("country_code") or "").upper() or None
    name = raw.get("name") or (raw.get("display_name") or query).split(",")[0]
    return Place(id=osm, name=name, lat=round(lat, 5), lon=round(lon, 5), kind=kind, country=country, source="online")

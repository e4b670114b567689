"""The optional online step, after ``resolve``: names no offline source could place, asked of Nominatim.

Only mentions left ``unresolved`` are asked (never names judged non-places, nor actors' names), each name
once per build, at most ``limit`` names sent to the service. When the service keeps failing the step stops
asking; the build goes on with what the offline sources gave, and one warning at the end lists what was not
resolved online.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace

from geopy.exc import GeocoderQueryError, GeocoderServiceError, GeocoderUnavailable

from geomap.geocoders.nominatim import CachedNominatim, describe, retryable
from geomap.lexicon import actors
from geomap.model import Mention, Place
from geomap.resolve import with_region
from geomap.textnorm import fold

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 200
MAX_FAILURES = 3  # names in a row that fail before the step stops asking for the rest of the build (1 if unreachable)
SHOWN = 50  # names listed in the closing warning


@dataclass
class OnlineLookup:
    """The online step's state over one build: what was asked, what failed, when to stop."""

    geocoder: CachedNominatim
    limit: int = DEFAULT_LIMIT
    max_failures: int = MAX_FAILURES
    answers: dict[str, list[Place]] = field(default_factory=dict)  # folded name -> places (empty: none found)
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)  # folded name -> (name, why)
    stopped: str | None = None  # why the step stopped asking
    streak: int = 0

    def resolve(self, mentions: list[Mention]) -> list[Mention]:
        """The article's mentions with unresolved ones placed where the online source knows them."""
        countries = Counter(m.place.country for m in mentions if m.place is not None and m.place.country)
        out = []
        for m in mentions:
            places = self.lookup(m.text) if m.place is None and m.reason == "unresolved" and worth_asking(m.text) else []
            if places:
                place, confidence = choose(places, countries)
                m = replace(m, place=with_region(place), confidence=confidence, reason="online")
            out.append(m)
        return out

    def lookup(self, name: str) -> list[Place]:
        key = fold(name)
        if key in self.answers or key in self.failed:
            return self.answers.get(key, [])
        if not self.geocoder.cached(name):
            if self.stopped:
                self.failed[key] = (name, f"not asked: {self.stopped}")
                return []
            if self.geocoder.requests >= self.limit:
                self.failed[key] = (name, f"not asked: over --online-limit {self.limit}")
                return []
        sent = self.geocoder.requests
        try:
            found = self.geocoder.geocode(name, exactly_one=False) or []
        except GeocoderServiceError as err:
            self.failed[key] = (name, describe(err))
            self.streak += 1
            if not retryable(err) and not isinstance(err, GeocoderQueryError):  # 401/403/402: it will not answer
                self.stopped = f"the server refused geomap ({describe(err)})"
            elif isinstance(err, GeocoderUnavailable):  # no route, no such host: retries were spent already
                self.stopped = "the server cannot be reached"
            elif self.streak >= self.max_failures:
                self.stopped = f"the service failed for {self.streak} name(s) in a row"
            if self.stopped:
                log.info("online geocoder: stopped asking: %s", self.stopped)
            return []
        self.streak = 0
        self.answers[key] = [loc.raw["place"] for loc in found]
        if self.geocoder.requests > sent and self.geocoder.requests % 20 == 0:
            log.info("online geocoder: %d name(s) sent so far (1 per second)", self.geocoder.requests)
        return self.answers[key]

    def report(self) -> None:
        """One closing line: counts, and a warning naming what the online source could not resolve."""
        found = sum(1 for places in self.answers.values() if places)
        log.info("online geocoder: %d name(s) looked up, %d sent to %s, %d placed, %d not known there",
                 len(self.answers) + len(self.failed), self.geocoder.requests, self.geocoder.url, found,
                 len(self.answers) - found)
        if not self.failed:
            return
        items = sorted(self.failed.values(), key=lambda item: fold(item[0]))
        shown = "; ".join(f"{name} ({why})" for name, why in items[:SHOWN])
        more = f"; and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
        log.warning("online geocoder: %d name(s) not resolved online, left as the offline sources had them: %s%s. "
                    "Build again later (answers already received are cached in %s), or add the places to the "
                    "gazetteer (`geomap gazetteer suggest SITE` writes stubs)",
                    len(items), shown, more, self.geocoder.cache.path)


def worth_asking(name: str) -> bool:
    """Not an actor's name from the actors lexicon ("Peshmerga", "Hashd"): a map may have a place so called."""
    return not any(pattern.fullmatch(name) for _, pattern in actors().entries)


def choose(places: list[Place], countries: Counter) -> tuple[Place, float]:
    """Nominatim ranks by importance; a place in a country the article already names comes first."""
    for place in places:
        if place.country and countries[place.country]:
            return place, 0.6
    return places[0], 0.45

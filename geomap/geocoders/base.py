"""What every offline source shares: a geopy ``Geocoder`` that answers from memory."""

from __future__ import annotations

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geomap.model import Place
from geomap.textnorm import fold

ANSWERS_KEPT = 50_000  # distinct queries remembered per geocoder; bounds memory on any corpus size


class OfflineGeocoder(Geocoder):
    """A geopy geocoder whose answers come from an in-memory index, never the network.

    Answers are remembered per folded query: a corpus names the same places again and again, and
    building geopy ``Location`` objects is most of the cost of an answer. ``places`` answers with the places
    themselves, for the resolver, which asks for each name of every article.
    """

    def _places(self, folded: str) -> list[Place]:
        raise NotImplementedError

    def places(self, query: str) -> tuple[Place, ...]:
        """The places ``geocode`` answers a query with, in its order, without geopy's ``Location``s."""
        return self._answer(fold(query))

    def _answer(self, folded: str) -> tuple[Place, ...]:
        found = self.__dict__.setdefault("_found", {})
        places = found.get(folded)
        if places is None:
            if len(found) >= ANSWERS_KEPT:
                found.clear()
            places = found[folded] = tuple(self._places(folded))
        return places

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: object = None) -> Location | list | None:
        folded = fold(query)
        answers = self.__dict__.setdefault("_answers", {})
        locations = answers.get(folded)
        if locations is None:
            if len(answers) >= ANSWERS_KEPT:
                answers.clear()
            locations = answers[folded] = tuple(to_location(p) for p in self._answer(folded))
        if not locations:
            return None
        return locations[0] if exactly_one else list(locations)


def to_location(place: Place) -> Location:
    return Location(place.name, (place.lat, place.lon), {"place": place})

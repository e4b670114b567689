"""What every offline source shares: a geopy ``Geocoder`` that answers from memory."""

from __future__ import annotations

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geomap.model import Place
from geomap.textnorm import fold


class OfflineGeocoder(Geocoder):
    """A geopy geocoder whose answers come from an in-memory index, never the network."""

    def _places(self, folded: str) -> list[Place]:
        raise NotImplementedError

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: object = None) -> Location | list | None:
        places = self._places(fold(query))
        locations = [to_location(p) for p in places]
        if not locations:
            return None
        return locations[0] if exactly_one else locations


def to_location(place: Place) -> Location:
    return Location(place.name, (place.lat, place.lon), {"place": place})

"""The curated gazetteer as a geopy geocoder: the first source asked."""

from __future__ import annotations

from geomap.gazetteer import Gazetteer
from geomap.geocoders.base import OfflineGeocoder
from geomap.model import Place


class GazetteerGeocoder(OfflineGeocoder):
    def __init__(self, gazetteer: Gazetteer) -> None:
        super().__init__()
        self.gazetteer = gazetteer

    def _places(self, folded: str) -> list[Place]:
        return self.gazetteer.lookup(folded)

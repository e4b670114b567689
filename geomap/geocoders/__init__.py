"""Geocoder sources, one class per source, each behind geopy's ``Geocoder`` interface.

The resolver asks them in order: the curated gazetteer first, then offline GeoNames; with ``--online``,
``geomap.online`` then asks ``nominatim.CachedNominatim`` for what is still unresolved.
A ``Location``'s ``raw["place"]`` carries the ``geomap.model.Place`` it stands for.
"""

from geomap.geocoders.gazetteer import GazetteerGeocoder
from geomap.geocoders.geonames import OfflineGeoNames

__all__ = ["GazetteerGeocoder", "OfflineGeoNames"]

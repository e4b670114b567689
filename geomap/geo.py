"""The one place where (lat, lon) meets shapely's (x=lon, y=lat)."""

from __future__ import annotations

import math

from shapely.geometry import LineString, Point, Polygon


def validate_location(lat: object, lon: object) -> tuple[float, float]:
    """Check a (lat, lon) pair; the message says how to fix it, nothing is normalised silently."""
    if isinstance(lat, bool) or isinstance(lon, bool) or not isinstance(lat, (int, float)) \
            or not isinstance(lon, (int, float)):
        raise ValueError(f"expected two numbers [lat, lon], got [{lat!r}, {lon!r}]")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"expected finite numbers [lat, lon], got [{lat!r}, {lon!r}]")
    if not -90 <= lat <= 90:
        hint = "; it looks like [lon, lat]: the order is [lat, lon]" if -90 <= lon <= 90 else ""
        raise ValueError(f"latitude must be in the [-90; 90] range, got {lat}{hint}")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude must be in the [-180; 180] range, got {lon}")
    return float(lat), float(lon)


def point(lat: float, lon: float) -> Point:
    return Point(lon, lat)


def line(coords: tuple[tuple[float, float], ...]) -> LineString:
    return LineString([(lon, lat) for lat, lon in coords])


def polygon(coords: tuple[tuple[float, float], ...]) -> Polygon:
    return Polygon([(lon, lat) for lat, lon in coords])


EARTH_RADIUS_KM = 6371.0088  # mean radius
# Of latitude: two places whose latitudes differ by d degrees are at least d * KM_PER_DEGREE apart.
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))

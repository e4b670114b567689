"""Admin-1 regions and countries by point-in-polygon over the Natural Earth data the package ships."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from shapely import STRtree
from shapely.geometry import shape

from geomap.geo import point


@dataclass(frozen=True)
class Region:
    name: str  # as Natural Earth spells it (``name``)
    name_en: str | None
    code: str | None  # ISO 3166-2, e.g. IQ-NI
    country: str | None  # ISO-2
    geonames_code: str | None = None  # GeoNames admin-1 code, e.g. IQ.15: how GeoNames towns name their region
    abbrev: str | None = None  # newswire abbreviation ("Ky.", "B.C."), only where the press writes one


def _load(name: str) -> list[dict]:
    with resources.files("geomap.data").joinpath(name).open("rb") as fh:
        return json.loads(gzip.decompress(fh.read()))["features"]


def _regions(data: bytes) -> tuple[list[Region], list]:
    """Regions and their outlines from the gzipped GeoJSON (cached pickled: shapely reads WKB much faster)."""
    feats = json.loads(gzip.decompress(data))["features"]
    regions = [Region(p["name"], p.get("name_en"), p.get("iso_3166_2"), p.get("iso_a2"), p.get("gn_a1_code"),
                      p.get("abbrev"))
               for p in (f["properties"] for f in feats)]
    return regions, [shape(f["geometry"]) for f in feats]


LOCATIONS_KEPT = 100_000  # points remembered; bounds memory on any corpus size


class RegionIndex:
    """Point-in-polygon over 4,600 admin-1 polygons through an STRtree."""

    def __init__(self) -> None:
        from geomap.cache import cache_dir, digest, pickled

        data = resources.files("geomap.data").joinpath("admin1.geojson.gz").read_bytes()
        path = cache_dir() / f"admin1-{digest(data, Path(__file__).read_bytes())[:16]}.pickle"
        self.regions, self.geoms = pickled(path, lambda: _regions(data), "the admin-1 regions")
        self.tree = STRtree(self.geoms)
        self._located: dict[tuple[float, float, float], Region | None] = {}
        self._by_name: dict[tuple[str, str | None], int] = {}
        for i, r in enumerate(self.regions):
            self._by_name.setdefault((r.name, r.country), i)

    def find(self, name: str, country: str | None) -> int | None:
        """The index of the region a place's ``region`` names (Natural Earth spelling), in its country."""
        return self._by_name.get((name, country))

    def locate(self, lat: float, lon: float, tolerance_deg: float = 0.0) -> Region | None:
        """The admin-1 region at a point; with a tolerance, the nearest one within it (coasts, borders).

        Answers are remembered: a corpus puts the same places on the map again and again.
        """
        key = (lat, lon, tolerance_deg)
        if key not in self._located:
            if len(self._located) >= LOCATIONS_KEPT:
                self._located.clear()
            self._located[key] = self._locate(lat, lon, tolerance_deg)
        return self._located[key]

    def _locate(self, lat: float, lon: float, tolerance_deg: float) -> Region | None:
        p = point(lat, lon)
        hits = self.tree.query(p, predicate="intersects")
        if len(hits):
            return self.regions[int(min(hits))]
        if tolerance_deg:
            near = self.tree.query_nearest(p, max_distance=tolerance_deg)
            if len(near):
                return self.regions[int(min(near))]
        return None


@lru_cache(maxsize=1)
def region_index() -> RegionIndex:
    return RegionIndex()


@lru_cache(maxsize=1)
def country_info() -> dict[str, dict]:
    """ISO-2 -> conventional centre point, demonym and other names (``geomap/data/country_info.json``)."""
    return json.loads(resources.files("geomap.data").joinpath("country_info.json").read_text(encoding="utf-8"))


def countries_geojson() -> dict:
    """Simplified country outlines for the offline base layer."""
    return {"type": "FeatureCollection", "features": _load("countries.geojson.gz")}

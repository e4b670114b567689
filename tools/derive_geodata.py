"""Derive the compact Natural Earth files that ship inside the package.

Run from the repo root with ``../shared`` beside it::

    pip install countryinfo==1.0.1     # country centre points and demonyms (MIT)
    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz   # US counties (Census Bureau, public domain)
    python tools/derive_geodata.py ../shared/data/geo package

Natural Earth is public domain; the derived files keep only what geomap
reads (names, ISO codes, AP-style abbreviations) and simplified geometry, so
the package works without ``../shared``. See ``geomap/data/SOURCES.md``.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parent.parent / "geomap" / "data"
ADMIN1_KEYS = ("name", "name_en", "name_alt", "iso_3166_2", "iso_a2", "adm0_a3", "type_en", "gn_a1_code")
# Newswire abbreviations of states and provinces ("Glasgow, Ky.", "Kelowna, B.C."): only the dotted forms of
# the countries whose press writes them, so "Kent" or "Ohio" are never read as abbreviations.
ABBREV_COUNTRIES = ("US", "CA", "AU")


def _round(obj: object, digits: int) -> object:
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_round(x, digits) for x in obj]
    return obj


def _feature(geom: dict, props: dict, tolerance: float, digits: int) -> dict | None:
    g = shape(geom)
    if not g.is_valid:
        g = g.buffer(0)
    g = g.simplify(tolerance, preserve_topology=True)
    if g.is_empty:
        return None
    m = mapping(g)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": m["type"], "coordinates": _round(m["coordinates"], digits)},
    }


def _write(name: str, features: list[dict]) -> None:
    data = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    path = OUT / name
    # mtime=0 keeps the gzip bytes reproducible.
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as fh:
        fh.write(data.encode("utf-8"))
    print(f"{path}: {len(features)} features, {path.stat().st_size:,} bytes")


def _abbrev(p: dict) -> str | None:
    abbrev = (p.get("abbrev") or "").strip()
    return abbrev if p.get("iso_a2") in ABBREV_COUNTRIES and abbrev.endswith(".") else None


def country_info() -> None:
    """Country centre points (the conventional ones gazetteers and atlases use) and demonyms.

    From the ``countryinfo`` package's data (MIT; points and demonyms after the CIA World Factbook, public
    domain). A country's marker belongs at the point readers know as its centre, not at a polygon centroid.
    """
    import countryinfo

    rows = {}
    for f in sorted((Path(countryinfo.__file__).parent / "data").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        iso = (d.get("ISO") or {}).get("alpha2")
        if not iso or not d.get("latlng") or iso in rows:
            continue
        lat, lon = d["latlng"][:2]
        iso3 = d["ISO"].get("alpha3")
        # Other English names, and initials that are not ISO codes ("DRC", "UAE"; not "COD", "ARE").
        names = sorted({a for a in d.get("altSpellings", ()) if a.isascii() and a[:1].isupper()
                        and (len(a) > 3 or len(a) == 3 and a.isupper() and a != iso3)})
        rows[iso] = {"name": d["name"], "lat": float(lat), "lon": float(lon),
                     "demonym": d.get("demonym") or None, "names": names}
    path = OUT / "country_info.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"{path}: {len(rows)} countries")


def _topojson_polygons(topology: dict, geometry: dict) -> list[list[list[tuple[float, float]]]]:
    """A TopoJSON (Multi)Polygon as lists of rings of (lon, lat): arcs are delta-encoded and quantized."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]

    def arc(i: int) -> list[tuple[float, float]]:
        x = y = 0
        points = []
        for dx, dy in topology["arcs"][i if i >= 0 else ~i]:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        return points if i >= 0 else points[::-1]

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indexes:
            out.extend(arc(i)[1 if out else 0:])
        return out

    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return [[ring(r) for r in polygon] for polygon in polygons]


def us_counties(package: Path) -> None:
    """US counties (parishes in Louisiana) with a centre point and their state, from the ``us-atlas`` npm package.

    ``npm pack us-atlas@3.0.1``: the Census Bureau's 2017 cartographic boundaries (public domain) as TopoJSON
    (ISC). Independent cities (Virginia's 51500+ codes) are towns in GeoNames already and are left out.
    """
    from shapely.geometry import MultiPolygon, Polygon

    from geomap.geocoders.geonames import central_point

    topology = json.loads((package / "counties-10m.json").read_text(encoding="utf-8"))
    states = {g["id"]: g["properties"]["name"] for g in topology["objects"]["states"]["geometries"]}
    rows = []
    for g in topology["objects"]["counties"]["geometries"]:
        fips, name = g["id"], g["properties"]["name"]
        if g.get("type") not in ("Polygon", "MultiPolygon") or fips[:2] == "51" and int(fips[2:]) >= 500:
            continue
        # Simplification can collapse a tiny island to fewer than four points: such rings are dropped.
        polygons = [[r for r in p if len(r) >= 4] for p in _topojson_polygons(topology, g)]
        shape_ = MultiPolygon([Polygon(p[0], p[1:]) for p in polygons if p])
        centre = central_point(shape_)
        suffix = "Parish" if fips[:2] == "22" else "County"
        rows.append([f"{name} {suffix}", states[fips[:2]], round(centre.y, 4), round(centre.x, 4), fips])
    rows.sort(key=lambda r: r[4])
    path = OUT / "us_counties.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n", encoding="utf-8")
    print(f"{path}: {len(rows)} counties")


def main(src: Path) -> None:
    with gzip.open(src / "ne_10m_admin_1_states_provinces.geojson.gz", "rt", encoding="utf-8") as fh:
        admin1 = json.load(fh)
    feats = []
    for f in admin1["features"]:
        p = f["properties"]
        # Iraq and Syria keep near-full detail: the product's home ground.
        home = p.get("adm0_a3") in ("IRQ", "SYR")
        props = {k: (p.get(k) or None) for k in ADMIN1_KEYS}
        props["abbrev"] = _abbrev(p)
        feat = _feature(f["geometry"], props, 0.002 if home else 0.02, 4 if home else 3)
        if feat:
            feats.append(feat)
    feats.sort(key=lambda f: (f["properties"]["adm0_a3"] or "", f["properties"]["iso_3166_2"] or "",
                              f["properties"]["name"] or ""))
    _write("admin1.geojson.gz", feats)

    countries = json.loads((src / "ne_50m_admin_0_countries.geojson").read_text(encoding="utf-8"))
    feats = []
    for f in countries["features"]:
        p = f["properties"]
        props = {"name": p["NAME"], "iso_a2": p["ISO_A2"] if p["ISO_A2"] != "-99" else None,
                 "adm0_a3": p["ADM0_A3"]}
        feat = _feature(f["geometry"], props, 0.02, 3)
        if feat:
            feats.append(feat)
    feats.sort(key=lambda f: f["properties"]["adm0_a3"])
    _write("countries.geojson.gz", feats)
    country_info()
    if len(sys.argv) > 2:
        us_counties(Path(sys.argv[2]))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/geo"))

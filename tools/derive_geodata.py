"""Derive the compact Natural Earth files that ship inside the package.

Run from the repo root with ``../shared`` beside it::

    python tools/derive_geodata.py ../shared/data/geo

Natural Earth is public domain; the derived files keep only what geomap
reads (names, ISO codes) and simplified geometry, so the package works
without ``../shared``. See ``geomap/data/SOURCES.md``.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parent.parent / "geomap" / "data"
ADMIN1_KEYS = ("name", "name_en", "name_alt", "iso_3166_2", "iso_a2", "adm0_a3", "type_en")


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


def main(src: Path) -> None:
    with gzip.open(src / "ne_10m_admin_1_states_provinces.reduced.geojson.gz", "rt", encoding="utf-8") as fh:
        admin1 = json.load(fh)
    feats = []
    for f in admin1["features"]:
        p = f["properties"]
        # Iraq and Syria keep near-full detail: the product's home ground.
        home = p.get("adm0_a3") in ("IRQ", "SYR")
        props = {k: (p.get(k) or None) for k in ADMIN1_KEYS}
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


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/geo"))

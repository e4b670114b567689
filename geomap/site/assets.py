"""Leaflet and friends, copied from registry packages (XStatic) so the site works from file:// offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster

# (package, files copied, folder in site/assets)
BUNDLES = (
    (leaflet, ("leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png", "images/marker-icon.png",
               "images/marker-icon-2x.png", "images/marker-shadow.png"), "leaflet"),
    (markercluster, ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"), "markercluster"),
)
JS = (("leaflet", "assets/leaflet/leaflet.js"), ("markercluster", "assets/markercluster/leaflet.markercluster.js"))
CSS = (("leaflet_css", "assets/leaflet/leaflet.css"), ("markercluster_css", "assets/markercluster/MarkerCluster.css"),
       ("markercluster_default_css", "assets/markercluster/MarkerCluster.Default.css"),
       ("geomap_css", "assets/geomap.css"))


def asset_files() -> list[tuple[str, Path]]:
    """(path in the site, source file) of every asset."""
    out = [(f"assets/{folder}/{name}", Path(pkg.BASE_DIR) / name) for pkg, files, folder in BUNDLES for name in files]
    return [*out, ("assets/geomap.css", Path(__file__).parent / "templates" / "geomap.css")]


def copy_assets(root: Path) -> None:
    for name, source in asset_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

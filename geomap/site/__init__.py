"""Render the gathered corpus as a static site: map, place, region and article pages, indexes, data exports.

Everything is gathered into views first, then written into a temporary folder that replaces the output folder
only when complete.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from geomap import __version__
from geomap.export import article_record, cluster_record, json_line
from geomap.pipeline import Corpus
from geomap.site import mapdata
from geomap.site.assets import copy_assets
from geomap.site.exports import CSV_COLUMNS, claims_csv, claims_geojson, places_geojson, unresolved_csv
from geomap.site.mapview import build_map
from geomap.site.output import atomic_folder
from geomap.site.views import admin1_views, article_segments, comparisons, curated_views, place_views

log = logging.getLogger(__name__)
__all__ = ["CSV_COLUMNS", "write_site"]  # the claims.csv header is part of this package's interface


def web_url(url: str | None) -> str | None:
    """An article's URL if it is http(s); a ``javascript:`` or ``data:`` URL from an article is not a link."""
    if url and re.match(r"https?://", url.strip(), re.I):
        return url.strip()
    return None


def _env() -> Environment:
    env = Environment(loader=PackageLoader("geomap.site", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.filters["web_url"] = web_url
    env.filters["basename"] = lambda path: Path(path).name
    return env


def site_facts(corpus: Corpus) -> dict:
    """What the footer and About page say the site was built from; no clock, so builds stay byte-identical."""
    gaz = corpus.gazetteer
    path = Path(gaz.path) if gaz and gaz.path else None
    dates = [d for x in corpus.extractions for d in (x.article.published, *(c.date for c in x.claims)) if d]
    online = {m.place.id for x in corpus.extractions for m in x.mentions if m.place and m.place.source == "online"}
    return {"articles": len(corpus.extractions), "version": __version__,
            "gazetteer": path.name if path else "no gazetteer",
            "gazetteer_sha256": hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None,
            "gazetteer_places": len(gaz) if gaz else 0,
            "as_of": max(dates) if dates else None,
            "online": len(online)}  # places from Nominatim: their ODbL credit is due


def write_site(corpus: Corpus, out: Path, protect: list[Path], key: str | None = None) -> dict:
    """Write the site; returns figures for the closing summary line. ``key``: see ``pipeline.site_key``."""
    env = _env()
    views = place_views(corpus)
    admin1 = admin1_views(views)
    curated = curated_views(views, corpus)
    region_of = {v.place.id: r for r in admin1 for v in r.places}
    areas_of: dict[str, list] = {}
    for area in curated:
        for v in area.places:
            if v.place.id != area.id:
                areas_of.setdefault(v.place.id, []).append(area)
    data = mapdata.map_data(views)
    legend = mapdata.legend(views, admin1)
    popup = env.get_template("popup.html")
    popups = {v.place.id: popup.render(view=v, region=region_of.get(v.place.id), first=p["claims"][0])
              for v, p in zip(views, data["places"], strict=True)}
    panel = env.get_template("panel.html").render(legend=legend, bucket_range=mapdata.bucket_range)
    site = site_facts(corpus)
    names = {m.place.id: m.place.name for x in corpus.extractions for m in x.mentions if m.place}
    by_id = {x.article.id: x for x in corpus.extractions}
    paged = {v.place.id for v in views}  # places with a page: those some claim is about
    originals = {x.article.id: o for x in corpus.extractions if (o := corpus.original(x.article.id))}

    def page(template: str, path: Path, root: str, **context) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(template).render(root=root, site=site, **context), encoding="utf-8")

    with atomic_folder(out, protect, key) as root:
        copy_assets(root)
        build_map(data, popups, panel, mapdata.regions_geojson(admin1), online=bool(site["online"])).save(
            str(root / "index.html"))
        for x in corpus.extractions:
            page("article.html", root / "articles" / f"{x.article.id}.html", "../", x=x, paragraphs=article_segments(x),
                 names=names, duplicate_of=originals.get(x.article.id), paged=paged)
        page("articles.html", root / "articles" / "index.html", "../", extractions=corpus.extractions,
             originals=originals)
        for v in views:
            page("place.html", root / "places" / f"{v.place.id}.html", "../", view=v, region=region_of.get(v.place.id),
                 groups=comparisons(v, corpus.clusters, by_id), areas=areas_of.get(v.place.id, []))
        page("places.html", root / "places" / "index.html", "../", views=views, region_of=region_of)
        for r in admin1 + curated:
            page("region.html", root / "regions" / f"{r.id}.html", "../", region=r)
        page("regions.html", root / "regions" / "index.html", "../", admin1=admin1, curated=curated)
        page("about.html", root / "about.html", "", extractions=corpus.extractions)
        data_dir = root / "data"
        data_dir.mkdir()
        (data_dir / "articles.jsonl").write_text(
            "".join(json_line(article_record(x, corpus.duplicates.get(x.article.id))) for x in corpus.extractions),
            encoding="utf-8")
        (data_dir / "claims.geojson").write_text(json_line(claims_geojson(corpus)), encoding="utf-8")
        (data_dir / "places.geojson").write_text(json_line(places_geojson(views, region_of)), encoding="utf-8")
        (data_dir / "claims.csv").write_text(claims_csv(corpus), encoding="utf-8")
        (data_dir / "unresolved.csv").write_text(unresolved_csv(corpus), encoding="utf-8")
        (data_dir / "clusters.json").write_text(json_line([cluster_record(c, by_id) for c in corpus.clusters]),
                                                encoding="utf-8")
    return {"claims": len(data["claims"]), "places": len(views)}

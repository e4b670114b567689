"""Render the gathered corpus as a static site: map, place, region and article pages, indexes, data exports.

Everything is gathered into views first, then written into a temporary folder that replaces the output folder
only when complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from geomap import __version__
from geomap.cache import collector_paused, digest, package_version
from geomap.export import article_record, cluster_record, json_line, json_text
from geomap.pipeline import Corpus
from geomap.site import mapdata
from geomap.site.assets import asset_files
from geomap.site.exports import (
    CSV_COLUMNS,
    FEATURES,
    UNRESOLVED_COLUMNS,
    claim_features,
    claim_rows,
    csv_text,
    places_geojson,
    unresolved_rows,
)
from geomap.site.incremental import Parted, Previous, SiteFiles
from geomap.site.mapview import build_map, popup_script
from geomap.site.output import atomic_folder, check_output
from geomap.site.views import (
    PlaceView,
    RegionView,
    admin1_views,
    article_segments,
    clusters_by_place,
    comparison_rows,
    comparisons,
    curated_views,
    first_claims,
    page_of,
    place_page,
    place_views,
    view_key,
)

log = logging.getLogger(__name__)
__all__ = ["CSV_COLUMNS", "write_site"]  # the claims.csv header is part of this package's interface
REGION_CLAIMS = 20  # claims quoted per place on a region page; the place page and the data exports have them all
POPUP_CLAIMS = 50  # claims listed in a map popup; the filters count them all
PLACE_CLAIMS = 500  # claims a place page lists; a place with more has more pages


def web_url(url: str | None) -> str | None:
    """An article's URL if it is http(s); a ``javascript:`` or ``data:`` URL from an article is not a link."""
    if url and re.match(r"https?://", url.strip(), re.I):
        return url.strip()
    return None


def _env() -> Environment:
    env = Environment(loader=PackageLoader("geomap.site", "templates"), autoescape=select_autoescape(["html"]),
                      auto_reload=False, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
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


def article_digests(corpus: Corpus) -> dict[str, str]:
    """Article id -> a digest of its extraction (article, mentions, claims, focus): what its pages show of it."""
    return {x.article.id: x.digest() for x in corpus.extractions}


def corpus_key(corpus: Corpus, facts: str, articles: dict[str, str]) -> str:
    """The key of the whole site: equal keys, equal sites (so an unchanged one is left as it is)."""
    gaz = corpus.gazetteer
    entries = repr(list(gaz.entries.values())) if gaz is not None else ""
    return digest(facts, entries, json.dumps(corpus.duplicates, sort_keys=True), repr(corpus.clusters),
                  *(f"{i}\t{d}" for i, d in articles.items()))


def claim_counts(corpus: Corpus) -> dict:
    """Claims (one per claim and place) and places on the map, as the map data counts them."""
    places: set[str] = set()
    claims = 0
    for x in corpus.extractions:
        if x.article.id not in corpus.duplicates:
            for claim in x.claims:
                places.update(claim.places)
                claims += len(claim.places)
    return {"claims": claims, "places": len(places)}


def write_site(corpus: Corpus, out: Path, protect: list[Path], key: str | None = None, force: bool = False,
               jobs: int = 1) -> dict:
    """Write the site; returns figures for the closing summary line. ``key``: see ``pipeline.site_key``;
    ``jobs``: processes rendering the pages (where processes fork; the data exports are written here).

    Files whose inputs are unchanged since the site in ``out`` was built are linked from it rather than rendered,
    and a site built from the same inputs by the same code is left as it is; ``force`` renders everything.
    """
    started = time.perf_counter()
    check_output(out, protect)
    site = site_facts(corpus)  # shown on About and the indexes only: a page keyed on what it shows must not show them
    code = package_version()
    articles = article_digests(corpus)
    whole = corpus_key(corpus, digest(code, json.dumps(site, sort_keys=True)), articles)
    previous = None if force else Previous.read(out)
    if previous is not None and previous.key == key and previous.up_to_date(whole):
        log.info("%s: site is up to date (%d files checked in %.1fs); --force renders it again", out,
                 len(previous.files), time.perf_counter() - started)
        return {**claim_counts(corpus), "rendered": 0, "reused": len(previous.files)}

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
    clusters_of = clusters_by_place(corpus.clusters)
    # What a cluster shows: itself and its members' articles; taken once, for its place pages and its export part.
    cluster_keys = {c.id: digest(repr(c), *(articles[r.article] for r in c.members)) for c in corpus.clusters}
    names = {m.place.id: m.place.name for x in corpus.extractions for m in x.mentions if m.place}
    by_id = {x.article.id: x for x in corpus.extractions}
    paged = {v.place.id for v in views}  # places with a page: those some claim is about
    originals = {x.article.id: o for x in corpus.extractions if (o := corpus.original(x.article.id))}
    shown = {v.place.id: view_key(v, articles) for v in views}

    def page(files: SiteFiles, name: str, key: tuple[str, ...] | None, template: str,
             context: Callable[[], dict]) -> None:
        """An HTML page; ``key``: what it shows (None: the whole corpus); ``context`` is made only if it is rendered.

        Only a page of the whole corpus is given the site's facts: a page that showed them would change with every
        article added, and a rebuild would render every page again.
        """
        root = "../" * name.count("/")
        files.write(name, digest(whole, name) if key is None else digest(code, name, *key),
                    lambda: env.get_template(template).render(root=root, site=site if key is None else None,
                                                              **context()))

    def data(files: SiteFiles, name: str, render: Callable[[], str]) -> None:
        files.write(name, digest(whole, name), render)

    with collector_paused():  # a row per outlet, event and date of each place's claims (240k at 10,000 articles)
        map_rows, rows_of = mapdata.map_data(views)

    def map_page() -> str:
        with collector_paused():
            panel = env.get_template("panel.html").render(legend=mapdata.legend(views, admin1),
                                                          bucket_range=mapdata.bucket_range)
            m = build_map(map_rows, panel, mapdata.regions_geojson(admin1), online=bool(site["online"]))
            return m.get_root().render()

    def popup(v: PlaceView, region: RegionView | None) -> str:
        html = env.get_template("popup.html").render(view=first_claims(v, POPUP_CLAIMS), total=v.claim_count,
                                                     region=region, rows=rows_of[v.place.id])
        return popup_script(v.place.id, html)

    files = None
    with atomic_folder(out, protect, key, manifest=lambda: files.manifest(whole)) as root:
        files = SiteFiles(root, previous, jobs)
        for name, source in asset_files():
            files.write(name, digest(code, name), source.read_bytes)
        data(files, "index.html", map_page)
        for x in corpus.extractions:
            pids = sorted({m.place.id for m in x.mentions if m.place} | {p for c in x.claims for p in c.places})
            original = originals.get(x.article.id)
            key = (articles[x.article.id], articles[original.id] if original else "",
                   *(f"{pid}\t{names.get(pid, pid)}\t{pid in paged}" for pid in pids))
            page(files, f"articles/{x.article.id}.html", key, "article.html", lambda x=x, original=original: dict(
                x=x, paragraphs=article_segments(x), names=names, duplicate_of=original, paged=paged))
        page(files, "articles/index.html", None, "articles.html",
             lambda: dict(extractions=corpus.extractions, originals=originals))
        for v in views:  # a place's claims side by side, PLACE_CLAIMS a page
            pid, held = v.place.id, clusters_of.get(v.place.id, ())
            region = region_of.get(pid)
            areas = areas_of.get(pid, [])
            pages = max(1, -(-comparison_rows(v, held) // PLACE_CLAIMS))
            key = (shown[pid], repr((region.id, region.name) if region else None), repr([(a.id, a.name) for a in areas]),
                   str(pages), *(cluster_keys[c.id] for c in held))
            groups = cache(partial(comparisons, v, held, by_id))  # once for all of a place's pages rendered here
            for n in range(1, pages + 1):
                page(files, place_page(pid, n), key, "place.html", lambda v=v, region=region, areas=areas, groups=groups,
                     n=n, pages=pages: dict(view=v, region=region, areas=areas, groups=page_of(groups(), n, PLACE_CLAIMS),
                                            page=n, pages=pages, place_page=place_page))
        page(files, "places/index.html", None, "places.html", lambda: dict(views=views, region_of=region_of))
        for v in views:  # a popup is loaded when first opened: the map page stays small
            name, region = f"popups/{v.place.id}.js", region_of.get(v.place.id)
            files.write(name, digest(code, name, shown[v.place.id], repr((region.id, region.name) if region else None),
                                     repr(rows_of[v.place.id][:POPUP_CLAIMS])), lambda v=v, region=region: popup(v, region))
        for r in admin1 + curated:
            key = (repr((r.id, r.name, r.country, r.kind)), *(shown[v.place.id] for v in r.places))
            page(files, f"regions/{r.id}.html", key, "region.html", lambda r=r: dict(region=r, limit=REGION_CLAIMS))
        page(files, "regions/index.html", None, "regions.html", lambda: dict(admin1=admin1, curated=curated))
        page(files, "about.html", None, "about.html", lambda: dict(extractions=corpus.extractions))
        part_keys = {x.article.id: digest(code, articles[x.article.id], corpus.duplicates.get(x.article.id, ""))
                     for x in corpus.extractions}
        originals_only = [x for x in corpus.extractions if x.article.id not in corpus.duplicates]

        def parted(name: str, how: Parted, parts: Iterable[tuple[str, Callable[[], str]]]) -> None:
            files.write_parts(name, digest(whole, name), how, ((digest(name, k), render) for k, render in parts))

        parted("data/articles.jsonl", Parted(), ((part_keys[x.article.id], lambda x=x: json_line(
            article_record(x, corpus.duplicates.get(x.article.id)))) for x in corpus.extractions))
        parted("data/claims.geojson", FEATURES,
               ((part_keys[x.article.id], lambda x=x: claim_features(x)) for x in originals_only))
        data(files, "data/places.geojson", lambda: json_line(places_geojson(views, region_of)))
        parted("data/claims.csv", Parted(head=csv_text([CSV_COLUMNS])),
               ((part_keys[x.article.id], lambda x=x: claim_rows(x)) for x in originals_only))
        parted("data/unresolved.csv", Parted(head=csv_text([UNRESOLVED_COLUMNS])),
               ((part_keys[x.article.id], lambda x=x: unresolved_rows(x)) for x in corpus.extractions))
        parted("data/clusters.json", Parted(head="[", sep=",", tail="]\n"),
               ((digest(code, cluster_keys[c.id]),
                 lambda c=c: json_text(cluster_record(c, by_id))) for c in corpus.clusters))
        files.finish()
    rendered = len(files.files) - files.reused
    log.info("%s: %d files rendered, %d unchanged since the last build, in %.1fs", out, rendered, files.reused,
             time.perf_counter() - started)
    return {**claim_counts(corpus), "rendered": rendered, "reused": files.reused}

"""``make bench`` (site part): build time, size and first render in Chromium for generated corpora.

Articles are generated in a temporary folder from curated gazetteer names and event trigger words, sized to
give about 1,000 and 10,000 claims. The baseline, run on the same claims in the same run, is what a first
prototype would write: one folium CircleMarker with its popup per claim over the same country outlines, no
clustering, no filters.
Figures are medians of a few runs; first render is measured in headless Chromium with the network blocked.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import folium
from bench import median_seconds  # tools/ is on the path when a tool runs as a script

from geomap.pipeline import Resources, gather
from geomap.regions import countries_geojson
from geomap.site import write_site
from geomap.site.assets import copy_assets
from geomap.site.mapview import SiteMap

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SENTENCES = (  # one claim each: an event trigger word and a place name
    "Militants surrendered in {place} on {day}, officials said.",
    "Government forces captured {place} after {n} days of fighting.",
    "Warplanes carried out {n} airstrikes on {place}.",
    "Clashes broke out in {place} on {day}.",
    "Hundreds of families fled {place} overnight.",
    "Artillery shelled the outskirts of {place}, killing {n} civilians.",
    "Troops besieged {place} for a week.",
    "A car bomb exploded in {place}, residents said.",
    "The army launched an offensive towards {place}.",
    "Talks on a ceasefire in {place} resumed.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OUTLETS = ("Northern Desk", "Valley Wire", "Frontline Daily", "Border Monitor", "Evening Dispatch", "Euphrates Post")
PER_ARTICLE = 10
RUNS = 3


def write_corpus(folder: Path, res: Resources, claims: int, seed: int = 5) -> int:
    """Articles of ten one-claim sentences about towns of the curated gazetteer; returns the article count."""
    rng = random.Random(seed)
    towns = sorted(e.place.name for e in res.gazetteer.entries.values()
                   if e.place.kind in ("city", "town", "village") and e.place.name.isascii())
    count = max(1, claims // PER_ARTICLE)
    folder.mkdir(parents=True)
    for n in range(count):
        body = " ".join(rng.choice(SENTENCES).format(place=rng.choice(towns), day=rng.choice(DAYS), n=rng.randint(2, 90))
                        for _ in range(PER_ARTICLE))
        day = 1 + n * 364 // count
        published = time.strftime("%Y-%m-%d", time.gmtime(1483228800 + day * 86400))  # through 2017
        (folder / f"a{n:05d}.md").write_text(f"---\ntitle: Report {n}\noutlet: {OUTLETS[n % len(OUTLETS)]}\n"
                                             f"published: {published}\n---\n{body}\n", encoding="utf-8")
    return count


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def baseline_site(site: Path, out: Path) -> None:
    """One folium CircleMarker with a popup per claim, as a first prototype would: the figure to beat."""
    out.mkdir()
    copy_assets(out)
    m = SiteMap(location=[34.5, 41.0], zoom_start=6, tiles=None)
    folium.GeoJson(countries_geojson(), interactive=False).add_to(m)  # the same offline base layer
    for f in json.loads((site / "data" / "claims.geojson").read_text(encoding="utf-8"))["features"]:
        p = f["properties"]
        folium.CircleMarker([p["lat"], p["lon"]], radius=6, popup=folium.Popup(p["text"])).add_to(m)
    m.save(str(out / "index.html"))


def first_render_ms(browser, index: Path, ready: str | None, runs: int = RUNS) -> float:
    """Navigation start to two animation frames after the map's data is drawn (median of ``runs``)."""
    times = []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.route("http*://**", lambda route: route.abort())
        page.goto(index.as_uri(), wait_until="load")
        if ready:
            page.locator(ready).first.wait_for(state="attached")
        times.append(page.evaluate(
            "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now()))))"))
        page.close()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[1000, 10000], help="corpus sizes, in claims")
    args = parser.parse_args()
    logging.getLogger("geomap").setLevel(logging.WARNING)
    res = Resources.load(ROOT / "gazetteer.yaml")
    browser = None
    if Path(CHROMIUM).exists():
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    else:
        print(f"Chromium not found at {CHROMIUM}: first-render times skipped (sudo apt-get install chromium)")
    print(f"{'claims':>7} {'articles':>8} {'extract s':>9} {'site s':>7} {'MB':>6} {'render ms':>9} | "
          f"{'baseline s':>10} {'MB':>6} {'render ms':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for target in args.claims:
            folder = Path(tmp) / f"articles-{target}"
            articles = write_corpus(folder, res, target)
            t = time.perf_counter()
            corpus = gather([folder], res)
            extract_s = time.perf_counter() - t
            site = Path(tmp) / f"site-{target}"
            site_s = median_seconds(lambda c=corpus, s=site, f=folder: write_site(c, s, protect=[f], force=True))
            claims = sum(1 for _ in (site / "data" / "claims.csv").open(encoding="utf-8")) - 1
            base = Path(tmp) / f"baseline-{target}"
            base_s = median_seconds(lambda base=base, site=site: (shutil.rmtree(base, ignore_errors=True),
                                                                  baseline_site(site, base)), runs=1)
            ours_ms = first_render_ms(browser, site / "index.html", "html[data-geomap-ready]") if browser else float("nan")
            base_ms = first_render_ms(browser, base / "index.html", "path.leaflet-interactive") if browser else float("nan")
            print(f"{claims:>7} {articles:>8} {extract_s:>9.1f} {site_s:>7.2f} {size_mb(site):>6.1f} {ours_ms:>9.0f} | "
                  f"{base_s:>10.2f} {size_mb(base):>6.1f} {base_ms:>9.0f}")
    if browser:
        browser.close()
        playwright.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

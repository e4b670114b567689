"""The built site in a real browser: Debian's Chromium driven by Playwright, network blocked, from file://.

Expected figures come from the site's own exports (claims.geojson, places.geojson), so the map is checked
against the data it was built from. Screenshots go to the pytest tmp folder and, with GEOMAP_SCREENSHOTS=dir,
there too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from geomap.pipeline import Resources, gather
from geomap.site import write_site
from geomap.site.mapdata import choropleth_classes, fill_colour

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds_site(tmp_path_factory, resources, seeds) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    write_site(gather([seeds], resources), out, protect=[seeds])
    return out


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Save a screenshot under the pytest tmp folder and, when GEOMAP_SCREENSHOTS is set, in that folder."""
    folder = tmp_path_factory.mktemp("screenshots")
    extra = os.environ.get("GEOMAP_SCREENSHOTS")

    def shoot(page, name: str) -> Path:
        path = folder / name
        page.wait_for_function("document.getAnimations().length === 0")  # popups fade in
        page.screenshot(path=str(path))
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(extra) / name)
        return path

    return shoot


def exports(site: Path) -> tuple[list[dict], list[dict]]:
    claims = json.loads((site / "data" / "claims.geojson").read_text(encoding="utf-8"))["features"]
    places = json.loads((site / "data" / "places.geojson").read_text(encoding="utf-8"))["features"]
    return [f["properties"] for f in claims], places


def open_page(browser, url: str, width: int = 1200):
    page = browser.new_page(viewport={"width": width, "height": 800})
    log = {"console": [], "failed": [], "external": []}
    page.on("console", lambda m: log["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["console"].append(str(e)))
    page.on("requestfailed", lambda r: log["failed"].append(r.url))

    def block(route):  # no network: anything not on disk is refused and recorded
        log["external"].append(route.request.url)
        route.abort()

    page.route("http://**", block)
    page.route("https://**", block)
    page.goto(url)
    page.wait_for_load_state("load")
    return page, log


def open_map(browser, site: Path, width: int = 1200):
    page, log = open_page(browser, (site / "index.html").as_uri(), width)
    page.locator("html[data-geomap-ready]").wait_for(state="attached")
    return page, log


def follow(page, link, path: str) -> None:
    """Click a link and wait until the page at ``path`` has loaded (a click does not wait for its navigation)."""
    link.click()
    page.wait_for_url("**" + path, wait_until="load")


def status(page) -> str:
    return page.locator(".geomap-status").inner_text()


def places_on_map(page) -> list[str]:
    """Ids of the places the marker clusters hold (clustered or not), plus drawn lines and areas."""
    return sorted(page.evaluate("""() => geomap.clusters.getLayers().concat(geomap.shapes.getLayers())
                                         .map(layer => layer.options.placeId)"""))


def search(page, text: str) -> None:
    page.locator("#geomap-search").fill(text)
    page.locator("#geomap-search").press("Enter")


def popup(page, place: str):
    """The open popup of a place (a closing one may linger a moment during its fade-out)."""
    found = page.locator(".leaflet-popup-content").filter(has=page.locator("h3", has_text=place))
    found.wait_for()
    return found


def test_map_opens_offline_with_every_place_and_claim(browser, seeds_site, shots):
    claims, places = exports(seeds_site)
    page, log = open_map(browser, seeds_site)
    assert status(page) == f"{len(claims)} claims at {len(places)} places shown"
    assert places_on_map(page) == sorted(f["properties"]["place"] for f in places)
    # clustered when zoomed out: fewer things drawn than places, and the cluster numbers count claims
    drawn = page.locator("path.geomap-marker").count() + page.locator(".marker-cluster").count()
    assert 0 < drawn < len(places)
    assert page.locator(".marker-cluster span").count() > 0
    # a curated line (the Euphrates, the Syria-Iraq border) is drawn as a line, not a dot
    lines = [f for f in places if f["geometry"]["type"] == "LineString"]
    assert lines and page.locator("path.geomap-shape").count() == len(
        [f for f in places if f["geometry"]["type"] != "Point"])
    shots(page, "map.png")
    assert log == {"console": [], "failed": [], "external": []}
    page.close()


def test_outlet_toggle_changes_the_visible_markers(browser, seeds_site):
    claims, places = exports(seeds_site)
    outlet = "Global Research"
    keep = sorted(f["properties"]["place"] for f in places if set(f["properties"]["outlets"]) - {outlet})
    hidden_claims = sum(1 for c in claims if c["outlet"] == outlet)
    assert hidden_claims and len(keep) < len(places)
    page, log = open_map(browser, seeds_site)
    box = page.get_by_role("checkbox", name=outlet)
    box.uncheck()
    assert places_on_map(page) == keep
    assert status(page) == f"{len(claims) - hidden_claims} claims at {len(keep)} places shown"
    box.check()
    assert len(places_on_map(page)) == len(places)
    assert log["console"] == []
    page.close()


def test_event_toggle_hides_that_event(browser, seeds_site):
    claims, _ = exports(seeds_site)
    page, _ = open_map(browser, seeds_site)
    page.locator("input[data-event]").nth(0).uncheck()
    event = page.locator("fieldset.events label").nth(0).inner_text().split(" (")[0].strip()
    assert status(page).startswith(f"{sum(1 for c in claims if c['event'] != event)} claims")
    page.close()


def test_date_filter_hides_claims_outside_the_range(browser, seeds_site):
    claims, _ = exports(seeds_site)
    start = "2017-10-01"
    kept = [c for c in claims if (c["date"] or c["published"] or "") >= start]
    assert 0 < len(kept) < len(claims)
    early = {c["place"] for c in claims if (c["date"] or c["published"] or start) < start}
    assert "yarmouk-camp" in early  # a 2015 claim in the seeds
    page, _ = open_map(browser, seeds_site)
    page.locator("input[name=from]").fill(start)
    page.locator("input[name=from]").dispatch_event("change")
    assert status(page).startswith(f"{len(kept)} claims at {len({c['place'] for c in kept})} places")
    assert "yarmouk-camp" not in places_on_map(page)
    # a popup lists only the claims inside the range: Hawija's undated claims are hidden
    search(page, "Hawija")
    shown = popup(page, "Hawija").locator("li[data-claim]:not([hidden])").count()
    assert shown == sum(1 for c in kept if c["place"] == "hawija")
    total = sum(1 for c in claims if c["place"] == "hawija")
    assert shown < total
    assert popup(page, "Hawija").locator(".count").inner_text() == f"{shown} of {total} claims shown"
    page.close()


def test_timeline_bar_picks_its_month(browser, seeds_site):
    claims, _ = exports(seeds_site)
    page, _ = open_map(browser, seeds_site)
    bar = page.locator(".timeline .bar").last
    month = bar.get_attribute("title").split(":")[0]
    bar.click()
    in_month = [c for c in claims if (c["date"] or c["published"] or "").startswith(month)]
    assert in_month and status(page).startswith(f"{len(in_month)} claims")
    assert page.locator("input[name=from]").input_value() == f"{month}-01"
    bar.click()  # again: every claim
    assert status(page).startswith(f"{len(claims)} claims")
    assert page.locator("input[name=from]").input_value() == ""
    page.close()


def test_search_centres_the_map_on_hawija_and_opens_its_popup(browser, seeds_site, shots):
    _, places = exports(seeds_site)
    lon, lat = next(f["geometry"]["coordinates"] for f in places if f["properties"]["place"] == "hawija")
    page, log = open_map(browser, seeds_site)
    search(page, "hawija")
    assert popup(page, "Hawija").locator("h3").inner_text() == "Hawija"
    centre = page.evaluate("() => geomap.map.getCenter()")
    span = page.evaluate("() => { const b = geomap.map.getBounds(); return b.getNorth() - b.getSouth(); }")
    assert abs(centre["lat"] - lat) < span / 4 and abs(centre["lng"] - lon) < span / 4
    assert page.evaluate("() => geomap.map.getZoom()") >= 9
    shots(page, "popup.png")
    search(page, "Atlantis")
    assert page.locator(".geomap-found").inner_text() == "No place named “Atlantis” on this map"
    assert log["console"] == []
    page.close()


LOADED_POPUPS = "() => Array.from(document.scripts, s => s.getAttribute('src')).filter(s => s && s.startsWith('popups/'))"


def test_a_popup_loads_its_own_script_when_it_first_opens(browser, seeds_site, tmp_path):
    claims, _ = exports(seeds_site)
    page, log = open_map(browser, seeds_site)
    assert page.evaluate(LOADED_POPUPS) == []  # the map page holds no popup
    search(page, "Hawija")
    items = popup(page, "Hawija").locator("li[data-claim]")
    assert items.count() == sum(1 for c in claims if c["place"] == "hawija")
    search(page, "Palmyra")
    popup(page, "Palmyra")
    search(page, "Hawija")  # opened again: from memory, not loaded twice
    popup(page, "Hawija")
    assert page.evaluate(LOADED_POPUPS) == ["popups/hawija.js", "popups/palmyra.js"]
    assert log == {"console": [], "failed": [], "external": []}
    page.close()

    broken = tmp_path / "site"  # a popup file gone missing: the popup says so, and what to do
    shutil.copytree(seeds_site, broken)
    (broken / "popups" / "hawija.js").unlink()
    page, log = open_map(browser, broken)
    search(page, "Hawija")
    missing = page.locator(".leaflet-popup-content .geomap-missing")
    missing.wait_for()
    assert "could not be loaded: " in missing.inner_text() and "popups/hawija.js is missing. Build the site again." \
        in missing.inner_text()
    page.close()


def test_popup_links_to_a_place_page_with_both_outlets_numbers(browser, seeds_site, shots):
    claims, _ = exports(seeds_site)
    numbers = {}
    for c in claims:
        if c["place"] == "hawija":
            numbers.setdefault(c["outlet"] or "Unknown outlet", []).extend(q["text"] for q in c["quantities"])
    assert len(numbers) == 2 and all(numbers.values())
    page, log = open_map(browser, seeds_site)
    search(page, "Hawija")
    follow(page, popup(page, "Hawija").get_by_role("link", name="all claims side by side"), "/places/hawija.html")
    rows = page.locator("table.claims-table tbody tr")
    cells = [(rows.nth(i).locator("td.outlet").inner_text(), rows.nth(i).locator("td.numbers").inner_text())
             for i in range(rows.count())]
    for outlet, texts in numbers.items():
        for text in texts:
            assert any(o == outlet and text in n for o, n in cells), (outlet, text, cells)
    assert "Outlets disagree on quantities" in page.locator(".disagree").first.inner_text()
    shots(page, "place.png")
    assert log["console"] == [] and log["external"] == []
    page.close()


def test_region_layer_colours_regions_and_links_their_pages(browser, seeds_site):
    _, places = exports(seeds_site)
    regions: dict[str, int] = {}  # region page -> claims, from the exports
    for f in places:
        if f["properties"]["region_page"]:
            regions[f["properties"]["region_page"]] = regions.get(f["properties"]["region_page"], 0) + \
                f["properties"]["claims"]
    page, log = open_map(browser, seeds_site)
    assert page.locator(".leaflet-geomap-regions-pane path").count() == 0  # off until ticked
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Regions: claims per admin-1 region").check()
    shapes = page.locator(".leaflet-geomap-regions-pane path")
    assert shapes.count() == len(regions)
    fills = shapes.evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
    assert sorted(fills) == sorted(fill_colour(n) for n in regions.values())
    assert page.locator("fieldset.regions .class").count() == len(choropleth_classes(max(regions.values())))
    shapes.first.dispatch_event("click")  # the region itself, not a marker drawn over it
    link = page.locator(".leaflet-popup-content a")
    assert link.get_attribute("href").removeprefix("regions/").removesuffix(".html") in regions
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Regions: claims per admin-1 region").uncheck()
    assert shapes.count() == 0
    assert log["console"] == []
    page.close()


def test_article_page_highlights_mentions(browser, seeds_site):
    page, log = open_page(browser, (seeds_site / "articles" / "000-45ba41644a78524a.html").as_uri())
    names = page.locator("a.mention").all_inner_texts()
    assert "Al-Hawija" in names and "al-Mayadin" in names
    assert page.locator("h1").inner_text().startswith("ISIS Jihadists Surrendering")
    follow(page, page.locator("a.mention", has_text="Al-Hawija").first, "/places/hawija.html")
    assert page.locator("h1").inner_text() == "Hawija"
    assert log["console"] == [] and log["failed"] == []
    page.close()


def test_keyboard_reaches_search_filters_and_links(browser, seeds_site):
    page, _ = open_map(browser, seeds_site)
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => { const e = document.activeElement;
            return e.id || e.getAttribute('data-outlet') !== null && 'outlet' || e.getAttribute('data-event') !== null
            && 'event' || e.name || e.getAttribute('href') || e.tagName; }"""))
    for wanted in ("geomap-search", "outlet", "event", "from", "to", "places/index.html", "about.html"):
        assert wanted in reached, (wanted, reached)
    page.close()


def test_map_readable_at_phone_width(browser, seeds_site, shots):
    page, log = open_map(browser, seeds_site, width=375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".geomap-panel details").get_attribute("open") is None  # folded away, map first
    assert page.locator("path.geomap-marker, .marker-cluster").count() > 0
    page.locator(".geomap-panel summary").click()
    assert page.locator("#geomap-search").is_visible()
    shots(page, "phone.png")
    place, _ = open_page(browser, (seeds_site / "places" / "hawija.html").as_uri(), width=375)
    assert place.evaluate("document.documentElement.scrollWidth") <= 375
    place.close()
    assert log["console"] == []
    page.close()


HOSTILE = """---
title: "<script>window.__pwned = 1</script> Hawija \\"quoted\\" 'name'"
outlet: "<img src=x onerror=\\"window.__pwned=2\\">Evil Outlet"
author: "</script><script>window.__pwned=3</script>"
published: 2017-10-05
url: "javascript:window.__pwned=6"
---
# Headline

Militants surrendered in Hawija <img src=x onerror="window.__pwned=4"> on Thursday, officials said.
Clashes were reported near Hawija </script><script>window.__pwned=5</script> and "quoted" 'names'.
Fighters attacked Qasrabad on Friday, killing 5 civilians.
"""
# A curated place whose name and region carry quotes and markup.
HOSTILE_GAZETTEER = """places:
  - id: hawija
    name: Hawija
    kind: town
    country: IQ
    point: [35.3264, 43.7750]
  - id: evil-town
    name: "Qasr \\"Evil\\" 'Town' <img src=x onerror=\\"window.__pwned=7\\">"
    aliases: [Qasrabad]
    kind: town
    country: IQ
    point: [35.5, 43.5]
    region: "</script><script>window.__pwned=8</script>"
"""
TITLE = "<script>window.__pwned = 1</script>"
PLACE = "Qasr \"Evil\" 'Town' <img src=x onerror=\"window.__pwned=7\">"
OUTLET = "<img src=x onerror=\"window.__pwned=2\">Evil Outlet"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    articles = folder / "articles"
    articles.mkdir()
    (articles / "evil.md").write_text(HOSTILE, encoding="utf-8")
    (folder / "gazetteer.yaml").write_text(HOSTILE_GAZETTEER, encoding="utf-8")
    out = folder / "site"
    write_site(gather([articles], Resources.load(folder / "gazetteer.yaml")), out, protect=[articles])
    return out


@pytest.mark.parametrize(("page_path", "shown"), [
    ("index.html", (TITLE, OUTLET, PLACE)), ("articles/evil.html", (TITLE,)), ("articles/index.html", (TITLE, OUTLET)),
    ("places/evil-town.html", (PLACE, OUTLET, TITLE)), ("places/hawija.html", (OUTLET, TITLE)),
    ("places/index.html", (PLACE,)), ("regions/index.html", ("</script><script>window.__pwned=8</script>",)),
    ("about.html", (OUTLET,)),
])
def test_hostile_article_renders_as_text(browser, hostile_site, page_path, shown):
    page, log = open_page(browser, (hostile_site / page_path).as_uri())
    if page_path == "index.html":
        search(page, "Qasr")
        popup(page, "Evil")
        text = page.locator("body").inner_text()  # the popup closes when the next one opens
        search(page, "Hawija")
        popup(page, "Hawija")
        page.locator(".leaflet-control-layers").hover()
        text += page.locator("body").inner_text()
    else:
        text = page.locator("body").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for s in shown:
        assert s in text
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert log["console"] == [] and log["external"] == []
    page.close()


def test_hostile_region_page_renders_as_text(browser, hostile_site):
    pages = [p for p in (hostile_site / "regions").glob("*.html") if p.name != "index.html"]
    assert pages
    for path in pages:
        page, log = open_page(browser, path.as_uri())
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("img[src=x]").count() == 0 and log["console"] == []
        page.close()


def test_a_paged_place_page_goes_to_its_next_page_and_back(browser, resources, tmp_path, monkeypatch):
    import geomap.site as site_module

    monkeypatch.setattr(site_module, "PLACE_CLAIMS", 2)
    folder = tmp_path / "articles"
    folder.mkdir()
    bodies = ("Militants surrendered in Hawija on Monday.", "Warplanes carried out 12 airstrikes on Hawija.",
              "A car bomb exploded in Hawija, residents said.", "Hundreds of families fled Hawija overnight.")
    for n, body in enumerate(bodies, 1):  # four claims, two a page
        (folder / f"{n}.md").write_text(f"---\ntitle: Report {n}\noutlet: Desk {n}\npublished: 2017-10-0{n}\n---\n{body}\n",
                                        encoding="utf-8")
    site = tmp_path / "site"
    write_site(gather([folder], resources), site, protect=[folder])
    page, log = open_page(browser, (site / "places" / "hawija.html").as_uri())
    first = page.locator("td.outlet").all_inner_texts()
    follow(page, page.get_by_role("link", name="next").first, "/places/hawija/2.html")
    assert page.locator("strong[aria-current=page]").first.inner_text() == "2"
    second = page.locator("td.outlet").all_inner_texts()
    assert len(first) == len(second) == 2
    follow(page, page.get_by_role("link", name="previous").first, "/places/hawija.html")
    assert page.locator("td.outlet").all_inner_texts() == first
    follow(page, page.get_by_role("link", name="Map").first, "/index.html")
    assert log == {"console": [], "failed": [], "external": []}
    page.close()

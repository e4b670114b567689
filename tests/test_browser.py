"""The built site in a real browser: Debian's Chromium driven by Playwright, network blocked, from file://."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geomap.pipeline import gather
from geomap.site import write_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds_site(tmp_path_factory, resources, seeds) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    write_site(gather([seeds], resources), out, protect=[seeds])
    return out


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


def test_map_opens_offline_with_markers_and_popups(browser, seeds_site, tmp_path):
    records = [json.loads(line) for line in (seeds_site / "data" / "articles.jsonl").read_text().splitlines()]
    originals = [r for r in records if not r["duplicate_of"]]
    # one marker per (story, place it makes a claim about): the syndicated copy adds none
    expected = sum(len({p for c in r["claims"] for p in c["places"]}) for r in originals)
    assert expected > 0

    page, log = open_page(browser, (seeds_site / "index.html").as_uri())
    markers = page.locator("path.geomap-marker")
    assert markers.count() == expected
    assert log == {"console": [], "failed": [], "external": []}

    hawija = [r for r in originals if any("hawija" in c["places"] for c in r["claims"])]
    marker = page.locator("path.geomap-marker").nth(0)
    marker.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    titles = {r["title"] for r in originals}
    assert any(t in popup.inner_text() for t in titles)
    page.screenshot(path=str(tmp_path / "map-popup.png"))
    assert hawija, "the seeds make claims about Hawija"
    page.close()


def test_article_page_highlights_mentions(browser, seeds_site):
    page, log = open_page(browser, (seeds_site / "articles" / "000-45ba41644a78524a.html").as_uri())
    names = page.locator("a.mention").all_inner_texts()
    assert "Al-Hawija" in names and "al-Mayadin" in names
    assert page.locator("h1").inner_text().startswith("ISIS Jihadists Surrendering")
    assert log["console"] == [] and log["failed"] == []
    page.close()


def test_map_readable_at_phone_width(browser, seeds_site, tmp_path):
    page, log = open_page(browser, (seeds_site / "index.html").as_uri(), width=390)
    assert page.locator("path.geomap-marker").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "phone.png"))
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
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, resources) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    articles = folder / "articles"
    articles.mkdir()
    (articles / "evil.md").write_text(HOSTILE, encoding="utf-8")
    out = folder / "site"
    write_site(gather([articles], resources), out, protect=[articles])
    return out


@pytest.mark.parametrize("page_path", ["index.html", "articles/evil.html", "articles/index.html"])
def test_hostile_article_renders_as_text(browser, hostile_site, page_path):
    page, log = open_page(browser, (hostile_site / page_path).as_uri())
    if page_path == "index.html":
        page.locator("path.geomap-marker").first.click(force=True)
        page.locator(".leaflet-popup-content").wait_for()
        page.locator(".leaflet-control-layers").hover()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.locator("body").inner_text()
    assert "<script>window.__pwned = 1</script>" in text
    assert 'onerror="window.__pwned=' in text
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert log["console"] == []
    page.close()

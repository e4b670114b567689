"""Hostile articles and a hostile gazetteer, built with the public ``write_site`` and opened in a real browser.

Every ``.html`` page the build writes is checked, whatever pages the site has: no injected script ran
(``window.__pwned`` stays undefined, also after every map popup was opened), no element came from the hostile
markup, and the hostile strings are shown as text. Markup that *runs* is what each string carries: an
``<img onerror>`` fires when it is parsed anywhere (page, popup, layer box), a ``</script>`` ends a script
block early if JSON in a page is not escaped for HTML, a ``javascript:`` URL runs when followed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geomap.pipeline import Resources, gather
from geomap.site import write_site

pytestmark = pytest.mark.browser

# Each string must reach the reader as exactly this text.
PLACE_NAME = 'Hawija<img src=x onerror="window.__pwned=11">'
REGION = "</script><script>window.__pwned=13</script>Kirkuk"
TITLE = "<script>window.__pwned=1</script> Hawija \"quoted\" 'single' & ampersand"
# "{{ }}" and "{% %}" would run (or break the build) if any step compiled page data as a Jinja template.
OUTLET = '<img src=x onerror="window.__pwned=2">Evil Outlet {{ 6*7 }}'
AUTHOR = "</script><script>window.__pwned=3</script>"
COPY_OUTLET = "<svg onload=window.__pwned=4>Copy Desk"
HTML_TITLE = "Page </title><script>window.__pwned=5</script>"
BODY = "<b onmouseover=window.__pwned=6>bold</b> {% raw %}"
VISIBLE = [PLACE_NAME, REGION, TITLE, OUTLET, AUTHOR, COPY_OUTLET, HTML_TITLE, BODY]

GAZETTEER = f"""\
version: 1
places:
  - id: hawija
    name: '{PLACE_NAME}'
    aliases: [Hawija, "Huwija</script><script>window.__pwned=12</script>"]
    kind: town
    country: IQ
    region: "{REGION}"
    point: [35.32, 43.77]
  - id: kirkuk
    name: Kirkuk
    kind: city
    country: IQ
    point: [35.47, 44.39]
"""


def yaml_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


STORY = (f"Militants surrendered in Hawija on Thursday, officials said, {BODY}.\n\n"
         "Clashes were reported near Kirkuk </script><script>window.__pwned=7</script> on Friday, a spokesman said.\n")
ARTICLES = {
    "evil.md": f"---\ntitle: {yaml_quoted(TITLE)}\noutlet: {yaml_quoted(OUTLET)}\nauthor: {yaml_quoted(AUTHOR)}\n"
               "published: 2017-10-05\nurl: 'javascript:window.__pwned=8'\n---\n" + STORY,
    "copy.md": f"---\ntitle: Copy\noutlet: {yaml_quoted(COPY_OUTLET)}\npublished: 2017-10-06\n"
               "url: 'https://example.org/\"><script>window.__pwned=9</script>'\n---\n" + STORY,
    "page.html": ("<html><head><title>x</title><script>window.__pwned=10</script></head><body><article>"
                  "<h1>Page &lt;/title&gt;&lt;script&gt;window.__pwned=5&lt;/script&gt;</h1>"
                  "<p onclick=\"window.__pwned=14\">Air strikes hit Hawija on Monday, &lt;b onmouseover=window.__pwned=6"
                  "&gt;bold&lt;/b&gt; activists said.</p><iframe src=\"javascript:window.__pwned=15\"></iframe>"
                  "</article></body></html>"),
}
INJECTED = ("img[src=x]", "iframe", "[onerror]", "[onload]", "[onmouseover]", "[onclick]", "a[href^='javascript:' i]")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    gaz = base / "gazetteer.yaml"
    gaz.write_text(GAZETTEER, encoding="utf-8")
    folder = base / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = base / "site"
    write_site(gather([folder], Resources.load(gaz)), out, protect=[folder])
    return out


def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


OPEN_EVERY_POPUP = """async () => {  // each popup's own script is loaded when it first opens: wait for it
    const texts = [];
    const maps = Object.values(window).filter(v => window.L && v instanceof L.Map);
    for (const map of maps) {
        const layers = [];
        map.eachLayer(layer => { if (layer.getPopup && layer.getPopup()) { layers.push(layer); } });
        for (const layer of layers) {
            layer.openPopup();
            for (let i = 0; i < 400 && document.querySelector('.leaflet-popup-content .geomap-loading'); i++) {
                await new Promise(resolve => setTimeout(resolve, 25));
            }
            const box = document.querySelector('.leaflet-popup-content');
            texts.push(box ? box.innerText : '');
        }
    }
    return texts;
}"""


def visit(browser, url: str) -> tuple[str, list[str]]:
    """The page's visible text, with every popup's text, and the errors it logged; network blocked."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("http://**", lambda route: route.abort())
    page.route("https://**", lambda route: route.abort())
    page.goto(url)
    page.wait_for_load_state("load")
    popups = page.evaluate(OPEN_EVERY_POPUP)
    assert not [t for t in popups if "Loading the claims" in t or "could not be loaded" in t], url
    if page.locator(".leaflet-control-layers").count():
        page.locator(".leaflet-control-layers").first.hover()
    text = page.locator("body").inner_text() + "\n" + "\n".join(popups)
    page.evaluate("""() => document.querySelectorAll('*').forEach(e => {  // point at everything, click nothing
        e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    })""")
    assert page.evaluate("typeof window.__pwned") == "undefined", url
    for selector in INJECTED:
        assert page.locator(selector).count() == 0, (url, selector)
    page.close()
    return text, errors


def test_the_hostile_corpus_reaches_the_pages(site):
    assert {"index.html", "articles/index.html", "articles/evil.html", "articles/copy.html",
            "articles/page.html"} <= set(pages(site))
    records = [json.loads(line) for line in (site / "data" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in records}
    assert {m["name"] for m in by_id["evil"]["mentions"]} == {PLACE_NAME, "Kirkuk"}
    assert by_id["copy"]["duplicate_of"] == "evil.md" and by_id["evil"]["claims"]
    assert (by_id["page"]["title"], by_id["evil"]["author"]) == (HTML_TITLE, AUTHOR)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Evil Outlet {{ 6*7 }}" in index and "Evil Outlet 42" not in index


@pytest.mark.parametrize("markup", ["<img src=x", "<script>window.__pwned", "<svg onload", "<b onmouseover", "<iframe"])
def test_no_page_carries_hostile_markup_verbatim(site, markup):
    """Without a browser too: in HTML it is &lt;-escaped, in JavaScript \\u003c-escaped, never raw."""
    for name in pages(site):
        html = (site / name).read_text(encoding="utf-8")
        assert markup not in html, name


def test_no_script_runs_on_any_page_and_hostile_text_shows_as_text(browser, site):
    shown: dict[str, str] = {}
    for name in pages(site):
        text, errors = visit(browser, (site / name).as_uri())
        assert errors == [], (name, errors)
        if "__pwned" in (site / name).read_text(encoding="utf-8"):  # the page carries hostile data ...
            assert any(s in text for s in VISIBLE), name  # ... and shows it as text
        shown[name] = text
    everything = "\n".join(shown.values())
    missing = [s for s in VISIBLE if s not in everything]
    assert missing == []
    evil = shown["articles/evil.html"]
    for s in (TITLE, OUTLET, AUTHOR, BODY, PLACE_NAME):
        assert s in evil


def test_the_map_popup_shows_the_hostile_place_and_region_as_text(browser, site):
    text, _ = visit(browser, (site / "index.html").as_uri())
    assert PLACE_NAME in text and REGION in text and OUTLET in text


def test_a_hash_in_the_url_cannot_inject(browser, site):
    """``index.html#<place id>`` opens a popup; a hostile hash is only ever compared, never inserted."""
    text, errors = visit(browser, (site / "index.html").as_uri() + "#%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E")
    assert errors == [] and text

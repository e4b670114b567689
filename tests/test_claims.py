"""Claims from sentences written for these tests: event types, quantities, dates, attribution, hedging."""

from __future__ import annotations

import pytest

from geomap import lexicon
from geomap.claims import attribution, claim_date, extract_claims, quantities
from geomap.model import Article, Mention, Place
from geomap.pipeline import gather


@pytest.mark.parametrize("text, value, kind", [
    ("at least 112 civilians were killed", 112, "killed"),
    ("more than one thousand militants surrendered", 1000, "surrendered"),
    ("dozens of fighters", 12, "fighters"),
    ("hundreds of families fled", 100, "civilians"),
    ("Up to 400 militants remain", 400, "fighters"),
    ("four to five fighters surrendering a week", 4, "surrendered"),
    ("six civilians including a child were killed", 6, "killed"),
    ("Up to 150 strikes are carried out per day", 150, "strikes"),
    ("nearly 90 percent of the city", 90, "other"),
])
def test_quantities(text, value, kind):
    event = "surrender" if "surrender" in text else "other"
    found = quantities(text, event)
    assert [(q.value, q.kind) for q in found] == [(value, kind)]


def test_counts_in_letters_that_match_ascii_ones_are_read():
    """A case-insensitive match of "dozens" or "seven" may hold a long s (ſ) or a Kelvin sign: read as the word it
    matched, not looked up as written (which stopped the build with a KeyError)."""
    found = quantities("Dozenſ of fighters and ſeven civilians were killed", "other")
    assert [(q.text, q.value, q.kind) for q in found] == [("Dozenſ", 12, "killed"), ("ſeven", 7, "killed")]


@pytest.mark.parametrize("sentence, expected", [
    ("Fighting began on ſept 3 in Mosul.", ("2017-09-03", "day")),
    ("Fighting began on 3 ſeptember 2016 in Mosul.", ("2016-09-03", "day")),
    ("Fighting began on ſunday in Mosul.", ("2017-10-29", "day")),
    ("Fighting began laſt week in Mosul.", ("2017-10-24", "week")),
])
def test_dates_in_letters_that_match_ascii_ones_are_read(sentence, expected):
    assert claim_date(sentence, "2017-10-31") == expected


@pytest.mark.parametrize("text", ["a 9-month-long standoff", "in just 11 days", "on 26 October 2017", "in 2014"])
def test_durations_and_dates_are_not_counts(text):
    assert quantities(text, "other") == []


@pytest.mark.parametrize("sentence, published, expected", [
    ("The offensive began on 26 October 2017.", "2017-10-28", ("2017-10-26", "day")),
    ("Troops entered the town on Saturday.", "2017-10-31", ("2017-10-28", "day")),  # a Tuesday
    ("Troops entered the town on Tuesday.", "2017-10-31", ("2017-10-31", "day")),  # same day
    ("The town fell yesterday.", "2017-10-31", ("2017-10-30", "day")),
    ("Last week, militants surrendered.", "2017-10-31", ("2017-10-24", "week")),
    ("The siege began on October 17.", "2017-10-31", ("2017-10-17", "day")),
    ("It was taken last month.", "2017-10-31", ("2017-09-01", "month")),
    ("Nothing dated here.", "2017-10-31", (None, None)),
    ("Troops entered the town on Saturday.", None, (None, None)),
])
def test_claim_dates(sentence, published, expected):
    assert claim_date(sentence, published) == expected


@pytest.mark.parametrize("sentence, who", [
    ("Militants fled, according to the Syrian Observatory for Human Rights.", "the Syrian Observatory for Human Rights"),
    ("Col. Ryan Dillon told Reuters that fighters surrendered.", "Col. Ryan Dillon"),
    ("The town was retaken, a coalition spokesman said.", "a coalition spokesman"),
])
def test_attribution(sentence, who):
    assert attribution(sentence) == who


def place(pid: str, kind: str = "town", country: str = "IQ") -> Place:
    return Place(pid, pid.title(), 35.0, 43.0, kind, country, "gazetteer", region="R")


def claims_for(sentence: str, names: list[tuple[str, str]], published: str = "2017-10-28"):
    """Claims of one sentence whose place mentions are given as (name, place id)."""
    mentions = []
    for name, pid in names:
        start = sentence.index(name)
        kind = "country" if pid in ("iraq", "syria") else "town"
        mentions.append(Mention(start, start + len(name), name, place(pid, kind), 0.9))
    article = Article("t", "t.txt", sentence, published=published)
    return extract_claims(article, sorted(mentions, key=lambda m: m.start))


EVENT_CASES = [
    ("Iraqi forces recaptured Tal Afar in just 11 days.", [("Tal Afar", "tal-afar")], "capture"),
    ("Warplanes carried out air strikes on Hajin overnight.", [("Hajin", "hajin")], "airstrike"),
    ("Artillery shelled the outskirts of Hama.", [("Hama", "hama")], "shelling"),
    ("A car bomb exploded in Baghdad, killing six.", [("Baghdad", "baghdad")], "explosion"),
    ("Dozens of militants surrendered in Hawija.", [("Hawija", "hawija")], "surrender"),
    ("Families fled Raqqa towards Tabqa.", [("Raqqa", "raqqa"), ("Tabqa", "tabqa")], "flight"),
    ("Government troops besieged Douma for months.", [("Douma", "douma")], "siege"),
    ("Civilians were evacuated from Madaya.", [("Madaya", "madaya")], "evacuation"),
    ("The army launched an offensive on Rawa.", [("Rawa", "rawa")], "offensive"),
    ("Fierce clashes broke out in Manbij.", [("Manbij", "manbij")], "fighting"),
    ("Talks on a ceasefire were held in Astana.", [("Astana", "astana")], "negotiation"),
    ("A sniper shot two men in Daraa.", [("Daraa", "daraa")], "shooting"),
    ("Militants executed 20 men in Palmyra.", [("Palmyra", "palmyra")], "execution"),
    ("A chemical attack hit Khan Shaykhun.", [("Khan Shaykhun", "khan-shaykhun")], "chemical"),
    ("Up to 400 militants remain in Raqqa.", [("Raqqa", "raqqa")], "presence"),
    ("Five people were killed in Kirkuk.", [("Kirkuk", "kirkuk")], "killing"),
    ("ISIS members are surrendering in dozens in their stronghold in Hawija.", [("Hawija", "hawija")], "surrender"),
    ("Hundreds surrendered in the liberated town of Hawija.", [("Hawija", "hawija")], "surrender"),
    ("The ministry announced that Mosul was calm.", [("Mosul", "mosul")], "statement"),
]


@pytest.mark.parametrize("sentence, names, event", EVENT_CASES)
def test_event_types(sentence, names, event):
    claims = claims_for(sentence, names)
    assert len(claims) == 1
    assert claims[0].event == event
    assert set(claims[0].places) == {pid for _, pid in names}


def test_flight_roles_and_country_context():
    claims = claims_for("Militants fled from Iraq's Hawija towards Kirkuk.",
                        [("Iraq", "iraq"), ("Hawija", "hawija"), ("Kirkuk", "kirkuk")])
    (claim,) = claims
    assert claim.places == ("hawija", "kirkuk")  # the country is context, not the site
    assert claim.roles == ("origin", "destination")


def test_hedged_and_actors():
    (claim,) = claims_for("ISIS fighters reportedly fled Mosul as the Iraqi army advanced.", [("Mosul", "mosul")])
    assert claim.hedged is True
    assert claim.actors == ("ISIS", "Iraqi security forces")


def test_sentence_without_event_makes_no_claim():
    assert claims_for("Mosul is a large city.", [("Mosul", "mosul")]) == []


def test_actors_in_order_of_first_mention():
    (claim,) = claims_for("Iraqi army troops and Islamic State fighters clashed in Hawija before the Iraqi army "
                          "advanced.", [("Hawija", "hawija")])
    assert claim.actors == ("Iraqi security forces", "ISIS")


def test_day_before_month_name():
    assert claim_date("The town fell on 5 May.", "2017-05-20") == ("2017-05-05", "day")


def test_a_first_sentence_is_a_claim_even_when_it_gave_the_title():
    text = "Iraqi forces captured Hawija on Thursday.\nClashes went on."
    article = Article("c", "c.txt", text, title="Iraqi forces captured Hawija on Thursday.")
    claims = extract_claims(article, [Mention(21, 27, "Hawija", place("hawija"), 0.9)])
    assert [c.event for c in claims] == ["capture"]


def test_a_headline_above_the_text_is_not_counted_again():
    text = "Iraqi forces capture Hawija\n\nIraqi forces captured Hawija on Thursday."
    article = Article("c", "c.txt", text, title="Iraqi forces capture Hawija")
    mentions = [Mention(m, m + 6, "Hawija", place("hawija"), 0.9) for m in (21, 50)]
    assert [c.start for c in extract_claims(article, mentions)] == [29]


@pytest.mark.parametrize("sentence", ["The army attacked Rawa, located on the banks of the Euphrates.",
                                      "The army attacked Rawa, situated along the Euphrates."])
def test_a_landmark_only_says_where_the_site_is(sentence):
    (claim,) = claims_for(sentence, [("Rawa", "rawa"), ("Euphrates", "euphrates")])
    assert (claim.event, claim.places) == ("offensive", ("rawa",))


@pytest.mark.parametrize("sentence, event", [
    ("Militants remain in a district of Raqqa surrounded by the SDF.", "presence"),  # reduced relative: describes
    ("Militants remain in Raqqa, which was surrounded by the SDF.", "siege"),  # a clause of its own: claims
    ("Raqqa is surrounded by the SDF.", "siege"),
    ("The SDF surrounded Raqqa by night.", "siege"),
])
def test_a_participle_with_its_agent_describes_a_place(sentence, event):
    (claim,) = claims_for(sentence, [("Raqqa", "raqqa")])
    assert claim.event == event


def test_every_event_type_of_the_lexicon_is_covered_by_a_sentence():
    """'other' has no trigger word: a sentence without one makes no claim (tested above)."""
    assert {label for label, _ in lexicon.events().entries} == {case[2] for case in EVENT_CASES}


# --- the seed corpus: the "Done means" ---------------------------------------


@pytest.fixture(scope="module")
def seed_corpus(resources, seeds):
    return gather([seeds], resources)


def seed_claim(corpus, article: str, fragment: str):
    """The one claim of an article (by id prefix) whose sentence holds ``fragment``."""
    x = next(x for x in corpus.extractions if x.article.id.startswith(article))
    found = [c for c in x.claims if fragment in x.article.text[c.start:c.end]]
    assert len(found) == 1, f"{len(found)} claims of {x.article.id} hold {fragment!r}"
    return found[0]


def site_of(claim) -> list[str]:
    return [p for p, r in zip(claim.places, claim.roles, strict=True) if r == "site"]


def test_seed_hawija_surrenders_with_their_numbers(seed_corpus):
    dozens = seed_claim(seed_corpus, "000", "surrendering in dozens")
    thousand = seed_claim(seed_corpus, "002", "more than one thousand")
    for claim, value in ((dozens, 12), (thousand, 1000)):
        assert claim.event == "surrender" and "hawija" in site_of(claim)
        assert [(q.value, q.kind) for q in claim.quantities] == [(value, "surrendered")]
    assert thousand.date is None  # "Last week", but the article gives no publication date to count back from


def test_seed_tal_afar_captured_in_just_11_days(seed_corpus):
    claim = seed_claim(seed_corpus, "000", "in just 11 days")
    assert (claim.event, site_of(claim), claim.quantities) == ("capture", ["tal-afar"], ())


def test_seed_al_mayadin_bombed_by_the_syrian_air_force(seed_corpus):
    claim = seed_claim(seed_corpus, "000", "al-Mayadin")
    assert (claim.event, site_of(claim)) == ("airstrike", ["al-mayadin"])
    assert claim.actors[0] == "Syrian government forces"
    assert [label for label, _ in lexicon.actors().all("Syrian AF")] == ["Syrian government forces"]


def test_seed_flight_from_deir_ezzor_towards_abu_kamal(seed_corpus):
    claim = seed_claim(seed_corpus, "000", "Abu Kamal")
    assert claim.event == "flight"
    assert list(zip(claim.places, claim.roles, strict=True)) == [("deir-ez-zor", "origin"), ("abu-kamal", "destination")]


def test_seed_offensive_on_al_qaim_and_rawa_dated(seed_corpus):
    claim = seed_claim(seed_corpus, "000", "Rawa")
    assert (claim.event, claim.places, claim.date, claim.time_precision) == (
        "offensive", ("al-qaim", "rawa"), "2017-10-26", "day")
    assert claim.actors == ("Iraqi government", "Iraqi security forces")


@pytest.mark.parametrize("fragment, event, quantity", [
    ("nearly 90 percent", "capture", ("nearly 90 percent", 90, "other")),
    ("Up to 400 militants", "presence", ("Up to 400", 400, "fighters")),  # "remain in a part of Raqqa surrounded by"
    ("four to five", "surrender", ("four to five", 4, "surrendered")),
])
def test_seed_raqqa(seed_corpus, fragment, event, quantity):
    claim = seed_claim(seed_corpus, "002", fragment)
    assert (claim.event, site_of(claim)) == (event, ["raqqa"])
    assert [(q.text, q.value, q.kind) for q in claim.quantities] == [quantity]


def test_seed_palmyra_taken_by_the_syrian_army(seed_corpus):
    claim = seed_claim(seed_corpus, "003", "Palmyra")
    assert (claim.event, site_of(claim), claim.actors[0]) == ("capture", ["palmyra"], "Syrian government forces")


def test_seed_lausanne_talks_are_a_negotiation(seed_corpus):
    claim = seed_claim(seed_corpus, "004", "Lausanne")
    assert claim.event == "negotiation" and "lausanne" in site_of(claim)

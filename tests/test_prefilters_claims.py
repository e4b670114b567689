"""The fast paths of claim extraction give what the plain forms they replace give.

Sentence ends are found by a pattern whose alternatives each start with a literal, tried only where one
of those characters is (found by ``str.find``), as are sources by their first
characters, and counts by one that starts with the character before them; a lone place is kept without the tests
that compare places, one event type without ranking; the digits of ASCII text are found by a byte table, and the
publication date is read once per article; cue windows are sliced once (one gathered scan of a sentence serving both
lexicons and the cues: test_prefilters). Each is checked against the plain form on random texts.
"""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st
from test_prefilters import SETTINGS, outcome, sentences_

from geomap import claims, lexicon, sentences
from geomap.lexicon import case_fold
from geomap.model import Mention, Place

# End marks, closers, line breaks, spaces and words: where sentence ends are, and where they are not.
end_texts = st.lists(st.sampled_from([".", "!", "?", "…", "\"", "'", "”", "’", ")", "]", "*", "_", "\n", "\n\n", " ",
                                      "\t", "\u00a0", "word", "x", "Mr", "U.S", "(", "-"]), max_size=24).map("".join)


@SETTINGS
@given(end_texts)
def test_sentence_ends_found_by_their_first_character_are_the_plain_search(text):
    assert [m.span() for m in sentences._END_GUARDED.finditer(text)] == [m.span() for m in sentences._END.finditer(text)]


@SETTINGS
@given(st.one_of(end_texts, sentences_))
def test_sentence_ends_tried_where_their_first_characters_are_the_search(text):
    """``end_marks`` tries the pattern at each of its first characters, past the last match: ``finditer``'s matches."""
    assert [m.regs for m in sentences.end_marks(text)] == [m.regs for m in sentences._END_GUARDED.finditer(text)], text


GUARDED_FOLDED = [*((p, words) for _, p, words in claims._ROLES), (claims._CONTEXT_ONLY_FOLDED, claims._CONTEXT_WORDS),
                  (claims._LANDMARK_FOLDED, claims._LANDMARK_WORDS)]


@SETTINGS
@given(sentences_, st.integers(0, 40))
def test_a_window_sliced_once_is_searched_as_the_plain_slice(text, reach):
    """``search_in`` scans and searches one slice: the match of the pattern in ``folded[start:end]``, or None."""
    folded = case_fold(text)
    for end in range(len(text) + 1):
        for pattern, words in GUARDED_FOLDED:
            found = claims.search_in(pattern, words, folded, max(0, end - reach), end)
            plain = pattern.search(folded[max(0, end - reach):end])
            assert (found and found.regs) == (plain and plain.regs), (text, end, pattern.pattern)


@SETTINGS
@given(sentences_, st.integers(0, 30))
def test_counts_found_with_the_character_before_them_are_the_plain_search(text, start):
    """``counts`` gives the matches of ``_QTY`` (case-insensitive, with its lookbehind), also in texts that start
    mid-word: the same spans for the count and each group."""
    groups = list(claims._QTY.groupindex)
    for a in {0, min(start, len(text))}:
        plain = [(m.span(), *map(m.span, groups)) for m in claims._QTY.finditer(text[a:])]
        assert [(m.span("qty"), *map(m.span, groups)) for m in claims.counts(case_fold(text[a:]))] == plain, text


@SETTINGS
@given(st.lists(st.text("abc", min_size=1, max_size=4), min_size=1, max_size=6), st.text("abcd", max_size=6))
def test_a_prefix_tree_starts_where_one_of_its_words_does(words, text):
    assert (re.match(claims.prefix_tree(words), text) is not None) == text.startswith(tuple(words))


def plain_claim_places(text: str, s: int, mentions: list[tuple[int, Mention]]) -> list[tuple[int, Mention]]:
    """The reference: ``claim_places`` testing a lone place for landmarks and containers too."""
    folded = case_fold(text)
    kept = [(i, m) for i, m in mentions
            if not claims._CONTEXT_ONLY_FOLDED.search(folded[max(s, m.start - 20):m.start])
            and not claims._actor_like(text, s, m, folded)]
    landmarks = [(i, m) for i, m in kept if claims._LANDMARK_FOLDED.search(folded[max(s, m.start - 20):m.start])]
    if len(landmarks) < len(kept):
        kept = [k for k in kept if k not in landmarks]
    precise = [m.place for _, m in kept if m.place and m.place.precision < 3]
    out = [(i, m) for i, m in kept
           if not (m.place.kind == "country" and any(q.country == m.place.country for q in precise))
           and not (m.place.kind == "region" and any(q.region and q.region == m.place.region for q in precise))]
    return [(i, m) for n, (i, m) in enumerate(out) if m.place.id not in {m.place.id for _, m in out[:n]}]


places_ = st.builds(Place, st.sampled_from(["p", "q", "r"]), st.sampled_from(["Baghdad", "Hawija", "Iraq"]), st.just(0.0),
                    st.just(0.0), st.sampled_from(["country", "region", "town", "district", "river"]),
                    st.sampled_from(["IQ", "SY", None]), st.just("gazetteer"), st.sampled_from(["Kirkuk", "Anbar", None]))
PLACE_TEXTS = ["west of ", "border with ", "in ", "between ", "Iraq's ", "Hawija", ", ", " "]


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PLACE_TEXTS), places_), min_size=1, max_size=3))
def test_a_lone_place_is_kept_as_the_plain_tests_would(parts):
    text, mentions = "", []
    for i, (before, place) in enumerate(parts):
        text += before
        mentions.append((i, Mention(len(text), len(text) + len(place.name), place.name, place)))
        text += place.name + " "
    assert claims.claim_places(text, 0, mentions) == plain_claim_places(text, 0, mentions)


@SETTINGS
@given(st.one_of(sentences_, st.text("0189a ٣²\u0660")))
def test_digits_found_by_the_byte_table_are_those_of_the_regex(text):
    assert claims.has_digit(text) == (claims._DIGIT.search(text) is not None)


@SETTINGS
@given(sentences_, st.integers(0, 80))
def test_one_event_type_is_chosen_as_the_ranking_would(text, anchor):
    """``choose_event`` skips ranking when every match has the same type: the type the ranking picks."""
    found = lexicon.events().all(text)
    if found:
        plain = min(found, key=lambda f: (claims.TIERS.get(f[0], 0) + claims.describes(f[1]), abs(f[1].start() - anchor)))
        assert claims.choose_event(found, anchor) == plain[0]


@SETTINGS
@given(sentences_, st.one_of(st.dates().map(str), st.sampled_from(["", "2017-02-30", "Monday", "2017-10-31"]), st.none()))
def test_a_publication_read_once_dates_claims_as_its_text(text, published):
    """``claim_date`` with ``publication(published)`` answers, or fails, as with the text of the date."""
    assert outcome(claims.claim_date, text, claims.publication(published)) == outcome(claims.claim_date, text, published)


SOURCE_WORDS = ["The", "the", "a", "an", "A", "local", "military", "security", "senior", "Iraqi", "US", "U.S.", "of",
                "officials", "spokesman", "said", "told", "says", "added", "Army", "McCain", "al-Senior"]
source_texts = st.lists(st.tuples(st.one_of(st.sampled_from(SOURCE_WORDS),
                                            st.text(string.ascii_letters + ".'’-_", max_size=4)),
                                  st.sampled_from([" ", ", ", "", "  ", "\n"])), max_size=12).map(
    lambda parts: "".join(p + sep for p, sep in parts))


@SETTINGS
@given(st.one_of(sentences_, source_texts))
def test_a_source_by_its_first_character_matches_as_the_plain_pattern(text):
    quick, plain = claims._SOURCE_SAID_BY_FIRST, claims._SOURCE_SAID
    assert [m.regs for m in quick.finditer(text)] == [m.regs for m in plain.finditer(text)], text


def test_a_source_starting_with_each_letter_matches_as_the_plain_pattern():
    quick, plain = claims._SOURCE_SAID_BY_FIRST, claims._SOURCE_SAID
    for c in string.ascii_letters:
        for text in (f"{c} said", f"{c}ab said", f"{c}ocal said", f"x {c}ilitary Army said", f"{c}he Army said"):
            assert [m.regs for m in quick.finditer(text)] == [m.regs for m in plain.finditer(text)], text

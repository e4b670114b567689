"""The fast paths of recognition give what the plain forms they replace give.

The name matcher compares a hit with the folded text only for names with characters other than letters and
digits; curated and GeoNames names share one automaton that leaves out the GeoNames entries of curated names.
Each is checked against the plain form on random texts made of the names, their neighbours and punctuation.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from geomap import recognize, textnorm
from geomap.geocoders.geonames import WorldNames

SETTINGS = settings(max_examples=1000, deadline=None)
# Names of letters and digits, names with other characters, and names whose spaced forms are the same.
NAMES = ["al bab", "bab", "ana", "u.s.", "u s", "us", "washington, d.c.", "d.c.", "homs (hims)", "(hims)", "a-b", "ab",
         "zurich", "züri", "é", "x\u0301", "12", "jordan", "jordanian", "syria", "syrian"]
texts = st.lists(st.one_of(st.sampled_from(NAMES), st.text(" .,()-_é\u0301\u2014\udc80xabns", max_size=4)),
                 max_size=12).map("".join)


def checked_hits(matcher: recognize.WordMatcher, folded: str) -> list[tuple[int, int, str, object]]:
    """The plain form of ``WordMatcher.hits``: every entry compared with the folded text."""
    out = []
    for end, entries in matcher.automaton.iter(recognize._spaced(folded)) if len(matcher.automaton) else ():
        for _, _, name, value in entries:
            start = end - len(name) - 1
            if folded.startswith(name, start):
                out.append((start, end - 1, name, value))
    return out


@SETTINGS
@given(texts)
def test_only_names_with_other_characters_are_compared_with_the_text(text):
    matcher = recognize.word_matcher((name, name.upper()) for name in NAMES)
    assert matcher.hits(text, recognize._spaced(text)) == checked_hits(matcher, text)


class Names:
    """What the matcher reads of a gazetteer: its folded names."""

    def __init__(self, names: list[str]) -> None:
        self.names = dict.fromkeys(names, ["x"])


def two_scans(folded: str, gazetteer: Names, world: WorldNames) -> tuple[list, list]:
    """The plain form: GeoNames names and demonyms less the curated names, and the curated names, each matched
    with an automaton of its own (each list in the order its automaton reports)."""
    demonyms = ((word, (country, "demonym")) for word, country in world.demonyms.items())
    others = recognize.word_matcher(itertools.chain(demonyms, ((key, (key, "world")) for key in world)))
    curated = recognize.word_matcher((key, (key, "curated")) for key in gazetteer.names)
    spaced = recognize._spaced(folded)
    return ([(s, e, v) for s, e, name, v in others.hits(folded, spaced) if name not in gazetteer.names],
            [(s, e, v) for s, e, _, v in curated.hits(folded, spaced)])


@SETTINGS
@given(texts, st.lists(st.sampled_from(NAMES), unique=True), st.lists(st.sampled_from(NAMES), unique=True),
       st.lists(st.sampled_from(NAMES), unique=True))
def test_one_automaton_finds_what_two_did(text, curated, towns, demonyms):
    gazetteer = Names(curated)
    world = WorldNames(dict.fromkeys(towns, 1000), {d: "syria" for d in demonyms})
    hits = [(s, e, v) for s, e, _, v in recognize._build_names_matcher(gazetteer, world).hits(text, recognize._spaced(text))]
    assert ([h for h in hits if h[2][1] != "curated"], [h for h in hits if h[2][1] == "curated"]) \
        == two_scans(text, gazetteer, world)


# The regexes that ``textnorm`` once ran, as written then.
POSSESSIVE = re.compile("[" + re.escape("".join(sorted(textnorm._APOSTROPHES))) + r"](?=[sS](?![^\W_]))")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
NON_ASCII_NON_ALNUM = re.compile(r"[^\x00-\x7f\w]")
folding_texts = st.lists(st.one_of(st.sampled_from([*textnorm._APOSTROPHES, "s", "S", "s_", "'s", "’s ", "sé", "s1", "ß",
                                                    "\u0301", "\udc80", "ı", "İ", "x", " ", "\n", "-", "é"]),
                                   st.text(max_size=3)), max_size=16).map("".join)


@SETTINGS
@given(folding_texts)
def test_possessives_and_characters_beyond_ascii_are_found_as_the_regexes_found_them(text):
    assert textnorm._mark_possessives(text) == POSSESSIVE.sub(" ", text)
    assert textnorm.non_ascii(text) == set(NON_ASCII.findall(text))


@SETTINGS
@given(folding_texts)
def test_characters_that_fold_to_nothing_are_found_as_a_character_class_found_them(text):
    chars = textnorm.non_ascii(text)
    textnorm._learn(chars)
    gone = textnorm._ASCII_GONE.decode("ascii") + "".join(sorted(c for c in chars if not textnorm._FOLD[ord(c)]))
    assert textnorm._gone(text, chars) == [m.start() for m in re.finditer("[" + re.escape(gone) + "]", text)]


long_name_texts = st.lists(st.sampled_from(["Deir", "ez-Zor", "al-Anbar", "Anbar's", "x", "Idlib", " ", "  ", "\n", ", ",
                                            ". ", "(", "é", "\u0301", "\udc80", "_", "'", "-", " province", "Province",
                                            " district", " governorate", "xxxxxxxxxxxxxxxxxxxx", "                    "]),
                           max_size=40).map("".join)


@SETTINGS
@given(long_name_texts, st.integers(0, 200), st.integers(0, 200))
@example("(" + "x" * 127 + "(" + "x" * 64, 0, 193)  # the last "(" just before the first window
def test_the_last_character_outside_names_is_found_from_the_end_as_from_the_start(text, pos, end):
    plain = recognize._LAST_NOT_IN_NAME.search(text, pos, end)
    assert recognize._last_not_in_name(text, pos, end) == (plain.start() if plain else -1)


def plain_classify(c: recognize.Candidate, text: str) -> recognize.Candidate:
    """``_classify`` as it was, every pattern tried for every name."""
    if c.nonplace:
        return c
    after = text[c.end:c.end + 80]
    back = recognize._backwards(text, c.start)
    reason = None
    if recognize.ADJECTIVE_SUFFIX.match(after):
        reason = "adjective (e.g. US-led)"
    elif recognize._PERSON_PREFIX_BACK.match(back):
        reason = "part of a person's name"
    elif after[:1] == " " and recognize._heads_organisation(text, c.end):
        reason = "organisation name"
    elif recognize._LOWER_NEXT.match(after) and after.split(None, 1)[0].lower().strip(",.;:") in recognize.SPEECH_VERBS \
            and not recognize._LOCATIVE_BEFORE_BACK.match(back):
        reason = "metonymy (the government speaking)"
    elif recognize._OFFICIAL_BACK.match(back):
        reason = "metonymy (official X)"
    kind = c.kind_hint
    if kind is None:
        m = recognize._KIND_AFTER.match(after)
        if m:
            kind = m.group(1).lower()
    if reason is None and recognize._ABBREVIATION.fullmatch(c.text) and textnorm.fold(c.text) == c.key \
            and (recognize._POSSESSIVE.match(after) or not recognize._LOCATIVE_BEFORE_BACK.match(back)):
        reason = "abbreviation used as an adjective (e.g. US officials)"
    if reason or kind != c.kind_hint:
        return recognize.Candidate(c.start, c.end, c.text, c.key, c.curated, kind, reason)
    return c


SPACES = [" ", "  ", "\t", "\n", "\u00a0", "\x1c", "\u2028", "\u3000"]
around = st.lists(st.sampled_from([*SPACES, "-led", "‐backed", "–based", "-", "said", "Said", "says", "in", "the", "at",
                                   "visited", "Abu", "Mr.", "official", "province", "Town", "'s", "’", ",", ".", "x",
                                   "Media", "Center", "é", "_"]), max_size=8).map("".join)


@SETTINGS
@given(around, st.sampled_from(["US", "U.S.", "UK", "U.S.A.", "USAF", "Syria", "É", "A.B.C.D."]), around,
       st.sampled_from([None, "town"]), st.booleans())
def test_classifying_tries_each_pattern_only_where_its_first_character_is(before, name, after, hint, folded_key):
    text = before + name + after
    c = recognize.Candidate(len(before), len(before) + len(name), name, textnorm.fold(name) if folded_key else "x",
                            False, hint)
    assert recognize._classify(c, text) == plain_classify(c, text)


def plain_abbreviations(text: str, world: WorldNames) -> list[tuple[int, int]]:
    """``abbreviations`` with the dotted pattern searched for at every position, as it was."""
    comma, dotted, _ = recognize._abbreviation_patterns(world)
    after_name = recognize._scan(comma, text, lambda i: i > 0 and text[i - 1] in recognize._ASCII_LETTERS)
    taken = [(m.start(), m.end()) for m in after_name]

    def free(i: int) -> bool:
        return text[i].isupper() and not (i and (text[i - 1].isalnum() or text[i - 1] in "_.")) \
            and not (i > 1 and text[i - 1] == " " and text[i - 2].isdecimal()) \
            and not any(s <= i < e for s, e in taken)

    return [m.regs for m in sorted(after_name + recognize._scan(dotted, text, free), key=lambda m: m.start())]


ABBREVIATIONS = {"B.C.": "british columbia", "N.S.W.": "new south wales", "W.Va.": "west virginia", "Ky.": "kentucky",
                 "Calif.": "california", "D.C.": "district of columbia", "BC.C.": "x", "S.A.": "south australia",
                 "S.W.": "x"}
abbreviation_texts = st.lists(st.sampled_from([*ABBREVIATIONS, "Glasgow", ", ", ",", " ", "500 ", "1", ".", "x", "X",
                                               "W", "B", "C.", "é", "_", "\n", "A.B.C."]), max_size=14).map("".join)


# (With no abbreviation of two dots or more, both read every text as an empty "dotted" abbreviation at its end,
# and fail on it: a world with one-dot abbreviations alone is not made.)
@SETTINGS
@given(abbreviation_texts, st.sets(st.sampled_from(sorted(ABBREVIATIONS)), min_size=1)
       .filter(lambda names: any(a.count(".") >= 2 for a in names)))
def test_dotted_abbreviations_tried_where_dots_stand_are_the_plain_search(text, names):
    world = WorldNames({}, {}, {a: ABBREVIATIONS[a] for a in names})
    assert [m.regs for m in recognize.abbreviations(text, world)] == plain_abbreviations(text, world)


@SETTINGS
@given(abbreviation_texts, st.sets(st.sampled_from([a for a in sorted(ABBREVIATIONS) if a.count(".") >= 2]), min_size=1),
       st.sets(st.integers(0, 60)))
def test_a_scan_tried_where_its_matches_can_start_is_the_search(text, names, unfit):
    _, dotted, offsets = recognize._abbreviation_patterns(WorldNames({}, {}, dict.fromkeys(names, "x")))
    starts = sorted({d - k for d in textnorm.find_all(text, ".") for k in offsets if d >= k})
    assert [m.regs for m in recognize._scan(dotted, text, lambda i: i not in unfit, starts)] \
        == [m.regs for m in recognize._scan(dotted, text, lambda i: i not in unfit)]


@SETTINGS
@given(st.text(max_size=20) | folding_texts)
def test_spacing_replaces_characters_beyond_ascii_as_a_character_class_did(text):
    out = text.encode("utf-8", "surrogatepass").translate(recognize._SPACE_NON_ALNUM).decode("utf-8", "surrogatepass")
    assert recognize._spaced(text) == " " + NON_ASCII_NON_ALNUM.sub(" ", out) + " "


@SETTINGS
@given(st.text(" \tab\n", max_size=30))
def test_doubled_spaces_are_cut_as_the_regex_collapsed_runs_of_spaces(text):
    assert textnorm._cut(text, textnorm._doubled_spaces(text)) == textnorm._SPACE_RUN.sub(" ", text)

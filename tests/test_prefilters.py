"""The fast paths of claim extraction skip a regex only where it cannot match: same results as running it.

``Lexicon.all`` tries a label's pattern only where one of its anchor words starts; one scan of a sentence finds
those and the cue words of dates, attribution, hedging and place roles, which, like sentence ends, each test for
a word or character every match needs before searching. Case-insensitive patterns run without re.I on
``case_fold`` text. Each is checked against the plain search on random sentences made of lexicon terms, cue
words and random characters, in random case, with the characters a case-insensitive regex matches to ASCII
letters ("İ", "ı", "ſ", Kelvin "K").
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from geomap import claims, dates, lexicon, local, recognize, sentences
from geomap.lexicon import case_fold, load_lexicon
from geomap.model import Mention, Place

TERMS = [t for name, section in (("events.yaml", "events"), ("actors.yaml", "actors"))
         for terms in lexicon.read_terms(lexicon.packaged(name), section).values() for t in terms]
CUES = ["according to", "said", "told reporters", "Officials said", "reportedly", "it seems", "may", "thought to",
        "on Monday", "last week", "earlier this month", "yesterday", "12 Oct", "Sept. 3", "26 October 2017",
        "2017-10-28", "Fri 07 Apr 2017", "1999", "Mr.", "U.S.", "Gen.", ".", ". ", "\n", "\n\n", ", ", "(", ")",
        "The army", "a spokesman", "rumoured", "rumored", "estimated", "estimate", "allegedly", "seemed", "claims", ".\n",
        "a few", "dozens", "a dozen", "scores", "twenty-one", "a hundred", "٣"]
LOOKALIKES = {"i": "İı", "s": "ſ", "k": "K"}
GUARDED = [(claims._HEDGES, claims._HEDGE_WORDS), (claims._RELATIVE, claims._RELATIVE_WORDS),
           (claims._DAY_MONTH, claims._MONTH_NAMES), *claims._ATTRIBUTION, (claims._ORIGIN, claims._ORIGIN_WORDS),
           (claims._DESTINATION, claims._DESTINATION_WORDS), (claims._CONTEXT_ONLY, claims._CONTEXT_WORDS),
           (claims._LANDMARK, claims._LANDMARK_WORDS)]
# Each case-insensitive pattern and the one run in its place on case_fold text (counts: test_prefilters_claims).
FOLDED = [(claims._DAY_MONTH, claims._DAY_MONTH_FOLDED),
          (claims._RELATIVE, claims._RELATIVE_FOLDED), (claims._HEDGES, claims._HEDGES_FOLDED),
          (claims._CONTEXT_ONLY, claims._CONTEXT_ONLY_FOLDED), (claims._LANDMARK, claims._LANDMARK_FOLDED),
          (claims._LOCATIVE_CHAIN, claims._LOCATIVE_CHAIN_FOLDED),
          *((p, f) for (p, _), (f, _, on_folded) in zip(claims._ATTRIBUTION, claims._ATTRIBUTION_RUN, strict=True)
             if on_folded),
          *((p, f) for p, (_, f, _) in zip((claims._ORIGIN, claims._DESTINATION), claims._ROLES, strict=True))]
# The words written in the guarded patterns themselves, so that a word missing from a guard list shows.
PATTERN_WORDS = sorted({w for pattern in [claims._QTY, *(p for p, _ in GUARDED)]
                        for w in re.findall(r"[a-z]{2,}", pattern.pattern)})


@st.composite
def variant(draw: st.DrawFn, piece: str) -> str:
    """``piece`` as written, or with each letter in random case, some swapped for one that matches it under re.I."""
    if draw(st.booleans()):
        return piece
    out = []
    for c in piece:
        choices = [c, c.upper(), c.lower(), *LOOKALIKES.get(c.lower(), "")]
        out.append(draw(st.sampled_from(choices)))
    return "".join(out)


pieces = st.one_of(st.sampled_from(TERMS + CUES + PATTERN_WORDS).flatmap(variant), st.text(max_size=6))
sentences_ = st.lists(st.tuples(pieces, st.sampled_from([" ", "-", "", "  ", "\t"])), max_size=14).map(
    lambda parts: "".join(p + sep for p, sep in parts))
SETTINGS = settings(max_examples=1000, deadline=None)


def plain_all(lex: lexicon.Lexicon, text: str) -> list[tuple[str, tuple[int, int]]]:
    """The reference: every label's regex over the whole text."""
    return [(label, m.span()) for label, pattern in lex.entries for m in pattern.finditer(text)]


def spans(found: list[tuple[str, re.Match]]) -> list[tuple[str, tuple[int, int]]]:
    return [(label, m.span()) for label, m in found]


@SETTINGS
@given(sentences_)
def test_lexicon_all_equals_running_every_label(text):
    for lex in (lexicon.events(), lexicon.actors()):
        assert spans(lex.all(text)) == plain_all(lex, text)


@SETTINGS
@given(sentences_)
def test_prefilters_never_skip_a_match(text):
    check_prefilters(text)


@SETTINGS
@given(sentences_, st.integers(0, 30))
def test_folded_patterns_match_as_the_case_insensitive_ones(text, start):
    """Same matches with the same group spans, also in windows that start mid-word."""
    folded = case_fold(text)
    for pattern, quick in FOLDED:
        assert pattern.flags & re.I and not quick.flags & re.I
        for a in {0, min(start, len(text))}:
            assert ([m.regs for m in pattern.finditer(text[a:])]
                    == [m.regs for m in quick.finditer(folded[a:])]), (text, pattern.pattern)


@SETTINGS
@given(sentences_)
def test_case_fold_is_the_per_character_fold(text):
    expected = "".join(next((a for a in string.ascii_lowercase if re.fullmatch(a, c, re.I)), c) for c in text)
    assert case_fold(text) == expected


def plain_split(text: str) -> list[tuple[int, int]]:
    """The reference: ``sentences.split`` testing every end mark for an abbreviation."""
    spans, start = [], 0
    for m in sentences._END.finditer(text):
        end = m.end()
        if sentences._ABBREV.search(text[max(start, end - 6):end].rstrip("\"'”’)]")):
            continue
        if m.group().strip() and text[end:end + 3].lstrip()[:1].islower():
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    stripped = [(s + len(text[s:e]) - len(text[s:e].lstrip()), e - len(text[s:e]) + len(text[s:e].rstrip()))
                for s, e in spans]
    return [(s, e) for s, e in stripped if e > s]


@SETTINGS
@given(st.lists(sentences_, max_size=4).map("".join))
def test_split_equals_testing_every_end_mark(text):
    assert sentences.split(text) == plain_split(text)


# Where each guarded pattern matches with a single cue word, so that a word missing from a guard list shows.
FRAMES = ["Pentagon {} Pentagon", ", a spokesman {}.", "{} the Army", "on {} 12", "12 {}", "Mr{}\nnext", "it {} to"]


def test_prefilters_on_each_cue_word_alone():
    for word in [*PATTERN_WORDS, *CUES]:
        for frame in FRAMES:
            check_prefilters(frame.format(word))


def check_prefilters(text: str) -> None:
    folded = case_fold(text)
    assert len(folded) == len(text)
    for pattern, words in GUARDED:
        if pattern.search(text):
            assert claims.could_match(folded, words), (text, pattern.pattern)
    if claims._DAY_MONTH.search(text):
        assert claims._DIGIT.search(text)
    if claims._QTY.search(text):
        assert claims.may_count(text), text
    if any(p.search(text) for p in dates._PATTERNS):
        assert dates._YEAR.search(text)
    if dates._PATTERNS[0].search(text):
        assert "-" in text
    if any(p.search(text) for p in dates._PATTERNS[1:]):
        assert dates._MONTH_START.search(text), text
    for end in range(len(text) + 1):
        tail = text[max(0, end - 6):end]
        assert sentences.abbreviation_ends(tail) == bool(sentences._ABBREV.search(tail)), (text, tail)


def test_labels_without_anchors_always_run(tmp_path):
    """A term the anchors cannot model (non-ASCII, or only a star) makes its label run on every sentence."""
    path = tmp_path / "events.yaml"
    path.write_text("version: 1\nevents:\n  attack: [hücum*]\n  anything: ['*']\n  raid: [raid*, Strike]\n",
                    encoding="utf-8")
    lex = load_lexicon(path, "events")
    assert lex.anchors == (None, None, frozenset({"raid", "strike"}))
    assert [(label, m.group()) for label, m in lex.all("STRIKE and strike")][3:] == [("raid", "STRIKE"), ("raid", "strike")]
    text = "HÜCUMLAR and a RAIDS strike"
    assert spans(lex.all(text)) == plain_all(lex, text)
    assert [label for label, _ in lex.all(text)][:1] == ["attack"]
    assert "raid" in [label for label, _ in lex.all(text)]
    assert {label for label, _ in lex.all("calm")} == {"anything"}


def test_a_start_inside_a_longer_one_is_tried_after_it(tmp_path):
    """"b" is found ending before "a.b.c" does, but starts after it: the match at 0 wins, as in ``finditer``."""
    path = tmp_path / "events.yaml"
    path.write_text("version: 1\nevents:\n  dots: [a.b.c, b]\n", encoding="utf-8")
    lex = load_lexicon(path, "events")
    for text in ("a.b.c", "x a.b.c b"):
        assert spans(lex.all(text)) == plain_all(lex, text)
    assert spans(lex.all("a.b.c")) == [("dots", (0, 5))]


def test_packaged_lexicons_take_the_anchored_path():
    """Every packaged label has anchors, so the equality tests above exercise the matches at anchor starts."""
    for lex in (lexicon.events(), lexicon.actors()):
        assert len(lex.anchors) == len(lex.entries) and all(a is not None for a in lex.anchors)


def test_capitalised_terms_match_only_in_capitals_on_the_folded_path():
    found = lexicon.actors().all("Isis and ISIS, is and IS")
    assert [(label, m.group()) for label, m in found] == [("ISIS", "ISIS"), ("ISIS", "IS")]


def test_case_fold_maps_regex_case_equivalents_to_ascii():
    assert case_fold("İdlib ıs ſaid \u212aill") == "idlib is said kill"
    assert case_fold("Ünal") == "Ünal"  # no ASCII letter matches "Ü"; kept as it is
    assert case_fold("A\udc80İ") == "a\udc80i"  # a lone surrogate passes through


# Names of letters, digits and spaces, and names with other characters, which the matcher handles apart.
MATCHER_NAMES = ["al bab", "bab", "ana", "u.s.", "u s", "washington, d.c.", "d.c.", "homs (hims)", "(hims)", "a-b", "ab",
                 "zurich", "züri", "é", "x\u0301", "12"]
matcher_texts = st.lists(st.one_of(st.sampled_from(MATCHER_NAMES), st.text(" .,()-_é\u0301\u2014\udc80xabns", max_size=4)),
                         max_size=12).map("".join)


def plain_word_hits(names: list[str], text: str) -> set[tuple[int, int, str]]:
    """The reference: every occurrence of every name with no letter or digit (``isalnum``) right before or after."""
    out = set()
    for name in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not (start and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum()):
                out.add((start, end, name))
            start = text.find(name, start + 1)
    return out


@SETTINGS
@given(matcher_texts)
def test_word_matcher_finds_each_name_standing_as_whole_words(text):
    matcher = recognize.word_matcher((name, name.upper()) for name in MATCHER_NAMES)
    found = matcher.hits(text, recognize._spaced(text))
    assert all(value == name.upper() and text[start:end] == name for start, end, name, value in found)
    assert len(found) == len(set(found))
    assert {(start, end, name) for start, end, name, _ in found} == plain_word_hits(MATCHER_NAMES, text)


def test_word_matcher_keeps_the_last_value_of_a_name_and_finds_no_empty_name():
    matcher = recognize.word_matcher([("ana", 1), ("", 2), ("ana", 3)])
    assert matcher.hits("ana  banana ana", recognize._spaced("ana  banana ana")) == [(0, 3, "ana", 3),
                                                                                   (12, 15, "ana", 3)]
    assert recognize.word_matcher([]).hits("ana", recognize._spaced("ana")) == []


name_texts = st.lists(st.sampled_from(["Deir", "ez-Zor", "al-Anbar", "Anbar's", "x", "Idlib", " ", "  ", "\n", ", ", ". ",
                                       "(", "(Idlib ", ".Deir ", "province", "Province", "governorate", "district",
                                       "districts", "of", "-", "_", "'", "é", "\u0301", "\u00a0", "\udc80", "town",
                                       "xtown", "city of", "region  of\n", *recognize.LOCATIVE_CUES, "In", "INTO",
                                       "towardsx"]),
                      max_size=16).map("".join)
# The "in / near / from X" pattern as it was written before its words were listed.
_CUES_WRITTEN = re.compile(r"\b(?:in|near|from|towards?|outside|around|into|across|at|reached|entered|captured|"
                           r"seized|took|recaptured|liberated|besieged|surrounded|shelled|attacked|bombed)\s+"
                           r"(?P<name>" + recognize._NAME + ")")


@SETTINGS
@given(name_texts)
@example("Idlib province_ and Deir ez-Zor province, into the district")  # a word "_" follows; one no name precedes
def test_locative_patterns_tried_where_their_words_stand_are_the_plain_scan(text):
    """Each locative pattern is tried only where one of its words stands: the same matches as its scan."""
    for (_, pattern, how), spans in zip(recognize.LOCATIVE, recognize._word_spans(text), strict=True):
        assert [m.regs for m in how(spans, pattern, text)] == [m.regs for m in pattern.finditer(text)], text
    assert [m.regs for m in recognize.LOCATIVE[2][1].finditer(text)] == [m.regs for m in _CUES_WRITTEN.finditer(text)]


# Each pattern read on the reversed text before a name, and the forward search it stands for.
MIRRORED = [(recognize._PREV_WORD_BACK, re.compile(r"([A-Za-z][\w'’.-]*)[ \t]+$")),
            (recognize._LOCATIVE_CUE_BACK, re.compile(r"\b(?:in|at|near|from|to|outside|via|(?:north|south|east|west)"
                                                      r"(?:-?(?:east|west))?\s+of)\s+$", re.I)),
            (recognize._CUE_BACK, re.compile(r"\b(?:in|at|near|from|to|towards?|outside|around|into|across|of|via)\s+"
                                             r"(?:the\s+)?$", re.I)),
            (recognize._MID_SENTENCE_BACK, re.compile(r"(?:\b[a-z][\w'’-]*|[0-9,;:])[ \t]*\n?[ \t]*$")),
            (recognize._PERSON_PREFIX_BACK, re.compile(r"(?:\b(?:" + "|".join(recognize.PERSON_WORDS) + r")\.?\s+)$")),
            (recognize._OFFICIAL_BACK, re.compile(r"\bofficial\s+$")),
            (recognize._LOCATIVE_BEFORE_BACK, re.compile(r"\b(?:in|to|from|into|across|inside|within|throughout|at|"
                                                         r"visit(?:ed)?)\s+(?:the\s+)?$", re.I))]
_ACRONYM_BEFORE = re.compile(r"\b[A-Z]{3,5}[ \t]+$")
MIRROR_WORDS = sorted({w for _, forward in MIRRORED  # the words in them, not escapes
                        for w in re.findall(r"[a-z]{2,}", re.sub(r"\\.", " ", forward.pattern))})
before_texts = st.lists(st.tuples(st.one_of(st.sampled_from([*MIRROR_WORDS, *recognize.PERSON_WORDS, "the", "The", "x",
                                                                "X", "WKYT", "CBC", "ABCDEF", "Mr.", "7", ",", ";", ".",
                                                                "-", "'", "’", "'s", "_", "é", "\u0301"]).flatmap(variant),
                                           st.text(max_size=2)),
                                 st.sampled_from([" ", "", "  ", "\n", "\t", " \n", "\x1c", "\x85", "\u2009", "\u00a0"])),
                       max_size=12).map(lambda parts: "".join(p + sep for p, sep in parts))


@SETTINGS
@given(before_texts)
def test_patterns_read_backwards_match_as_the_forward_searches(text):
    """What precedes a name is matched reversed: the same answer (and word) as searching the window forwards."""
    for start in range(len(text) + 1):
        before = text[max(0, start - recognize.BEFORE):start]
        assert recognize._backwards(text, start) == before[::-1]
        for back, forward in MIRRORED:
            found, mirrored = forward.search(before), back.match(before[::-1])
            assert (found is None) == (mirrored is None), (before, forward.pattern)
            if found and found.groups():
                assert found.group(1) == mirrored.group(1)[::-1], (before, forward.pattern)
        expected = _ACRONYM_BEFORE.search(text, max(0, start - recognize.ACRONYM_REACH), start) is not None
        assert recognize._after_call_letters(text, start) == expected, (text, start)
        word = before.rstrip("\n")  # (a final newline, which "$" would match before, never ends a name)
        assert recognize._without_possessive(word) == re.sub(r"['’]s?$", "", word)


capitalised_texts = st.lists(st.sampled_from(["Mount", "Sheridan", "Bentley", "Park", "O'Neill", "Dar-es", "x", "A", "AB",
                                              "_", "9", "é", "É", "\u0301", "'", "’", "-", " ", "  ", "\t", "\n", "."]),
                             max_size=12).map("".join)


@SETTINGS
@given(capitalised_texts)
def test_capitalised_names_start_at_a_boundary_as_with_a_leading_word_boundary(text):
    """local._CAPITALISED checks its first "\\b" after the capital: the same matches as the pattern written with it."""
    word = r"[a-z]+(?:['’-][A-Za-z]+)?"
    plain = re.compile(r"\b[A-Z]" + word + r"(?:[ \t]+[A-Z]" + word + r"){0,2}\b")
    assert [m.span() for m in local._CAPITALISED.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def plain_leftmost_longest(cands: list[recognize.Candidate]) -> list[recognize.Candidate]:
    """The reference: ``_leftmost_longest`` testing every GeoNames name before each curated one for containing it."""
    from bisect import bisect_right

    def pick(group, taken):
        out, spans = [], sorted((t.start, t.end) for t in taken)
        ends = [e for _, e in spans]
        for c in sorted(group, key=lambda c: (c.start, -(c.end - c.start))):
            i = bisect_right(ends, c.start)
            if not (i < len(spans) and spans[i][0] < c.end or (out and c.start < out[-1].end)):
                out.append(c)
        return out

    world = sorted((c for c in cands if not c.curated and c.key), key=lambda c: c.start)
    curated = pick([c for c in cands if c.curated and not any(
        w.start <= c.start and c.end <= w.end and w.end - w.start > c.end - c.start for w in world)], [])
    named = curated + pick(world, curated)
    hints = {(c.start, c.end): c.kind_hint for c in cands if not c.key and c.kind_hint}
    named = [recognize.Candidate(c.start, c.end, c.text, c.key, c.curated, hints[(c.start, c.end)])
             if not c.kind_hint and (c.start, c.end) in hints else c for c in named]
    return sorted(named + pick([c for c in cands if not c.key], named), key=lambda c: c.start)


candidates_ = st.lists(st.builds(lambda start, length, curated, key, hint, nonplace: recognize.Candidate(
    start, start + length, "x" * length, key, curated and bool(key), hint, nonplace),
    st.integers(0, 30), st.integers(1, 8), st.booleans(), st.sampled_from(["", "k"]),
    st.sampled_from([None, "town"]), st.sampled_from([None, "demonym"])), max_size=12)


@SETTINGS
@given(candidates_)
def test_leftmost_longest_looks_for_a_name_around_a_curated_one_only_where_one_reaches(cands):
    assert recognize._leftmost_longest(cands) == plain_leftmost_longest(cands)


organisation_texts = st.lists(st.sampled_from(["Media", "Center", "Council", "council", "Syria", "on", "x", "X", "É", "é",
                                               "_", "'", "’", ".", "-", "9", "(", " ", "  ", "\t", "\n"]),
                              max_size=10).map(lambda parts: " " + "".join(parts))


@SETTINGS
@given(organisation_texts)
def test_organisation_heads_are_read_as_the_words_after_a_name(after):
    """_heads_organisation's test of the first character answers as reading the first four words does."""
    plain = False
    for w in re.findall(r"[\w'’.-]+", after[:60])[:4]:
        if not w[:1].isupper():
            break
        if w.lower().strip(".") in recognize.ORG_HEADS:
            plain = True
            break
    assert recognize._heads_organisation("Aleppo" + after, len("Aleppo")) == plain, after


def outcome(fn: Callable[..., object], *args: object) -> object:
    """What ``fn(*args)`` returns, or the type of what it raises: the fast and plain paths must fail alike too."""
    try:
        return fn(*args)
    except Exception as e:
        return type(e)


@SETTINGS
@given(sentences_, st.integers(0, 60), st.integers(0, 60))
def test_one_scan_finds_each_cue_and_each_lexicon_label(text, start, end):
    """One ``lexicon_scan`` of a sentence sets a cue's bit where ``could_match`` finds its words, and gives each
    lexicon the anchors it would scan for itself: the claims found with it are those found without."""
    sentence = text[start:end]
    folded = case_fold(sentence)
    events, actors = lexicon.events(), lexicon.actors()
    actors_shift = claims._LEXICON_SHIFT + events.width
    hits = lexicon.scan(claims.lexicon_scan(events, actors), folded)
    # As extract_claims reads the scan: gathered once, for the cues and both lexicons' starts.
    bits, starts = lexicon.gather(hits, events.start_mask << claims._LEXICON_SHIFT | actors.start_mask << actors_shift)
    cues = claims.sentence_cues(folded, bits)
    assert cues & (1 << claims._LEXICON_SHIFT) - 1 == claims.sentence_cues(folded)
    assert bool(cues & claims._HAS_DIGIT) == bool(claims._DIGIT.search(sentence))
    for words in claims._CUE_SCANS:
        assert bool(cues & words) == claims.could_match(folded, words)
    for lex, shift in ((events, claims._LEXICON_SHIFT), (actors, actors_shift)):
        assert spans(lex.matches(sentence, bits, starts, shift)) == spans(lex.all(sentence)) == plain_all(lex, sentence)
    for fn, *args in [(claims.quantities, sentence, "surrender"), (claims.quantities, sentence, "other"),
                      (claims.claim_date, sentence, "2017-10-31"), (claims.attribution, sentence),
                      (claims.hedged, sentence)]:  # with the cues, and testing every pattern (cues -1)
        assert outcome(fn, *args, folded, cues) == outcome(fn, *args, None, -1)
    for at in range(start, min(end, len(text)) + 1):  # a place in the sentence: its cue windows are inside
        assert claims.role(text, at, start, case_fold(text), cues) == claims.role(text, at, start)


@SETTINGS
@given(st.lists(sentences_, max_size=4).map("".join), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 8),
                                                                          st.booleans()), max_size=12))
def test_mentions_by_sentence_are_those_inside_each(text, bounds):
    """One bisect per mention finds the mentions inside each sentence, as testing every sentence would."""
    place = Place("p", "P", 0.0, 0.0, "town", "IQ", "gazetteer")
    mentions = [Mention(a, a + n, text[a:a + n], place if located else None) for a, n, located in bounds]
    spans_ = sentences.split(text)
    expected = {n: [(i, m) for i, m in enumerate(mentions) if m.place and s <= m.start and m.end <= e]
                for n, (s, e) in enumerate(spans_)}
    assert claims.by_sentence(spans_, mentions) == {n: found for n, found in expected.items() if found}

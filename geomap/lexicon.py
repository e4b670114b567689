"""Load the editable event and actor lexicons into compiled matchers."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick

from geomap.errors import ConfigError
from geomap.gazetteer import parse_yaml

# A hit of a ``bit_automaton`` scan: the index of a word's last character, the word's bits and its length.
Hit = tuple[int, tuple[int, int]]


@dataclass(frozen=True)
class Lexicon:
    """Ordered (label, pattern) pairs; the first label whose pattern matches wins.

    ``anchors`` (one entry per label, from ``anchors_of``): words one of which every match of the label contains;
    ``starts`` (from ``starts_of``): words one of which starts every match. One scan of a sentence for all of them
    (``anchor_bits``) says which labels can match (rarer words: a label's longest) and where (its first words).
    """

    entries: tuple[tuple[str, re.Pattern], ...]
    anchors: tuple[frozenset[str] | None, ...] = field(default=(), compare=False)
    starts: tuple[frozenset[str] | None, ...] = field(default=(), compare=False)

    def all(self, text: str, folded: str | None = None) -> list[tuple[str, re.Match]]:
        """Every match of every label, label by label in lexicon order, each label's in text order.

        A label whose anchors ``folded`` (``case_fold(text)``) holds tries its pattern only where one of its
        starts is, from left to right, each past its last match, as ``finditer`` would: the same matches, and no
        search through the text. A caller that scans for these words with others in one pass reads the hits
        with ``matches``.
        """
        automaton = self._automaton
        hits = scan(automaton, folded or case_fold(text)) if automaton is not None else []
        return self.matches(text, *gather(hits, self.start_mask))

    def matches(self, text: str, found: int, starts: list[tuple[int, int]], shift: int = 0
                ) -> list[tuple[str, re.Match]]:
        """``all`` from a ``gather`` of the hits: lexicons scanned in one pass read the hits once between them.

        ``starts`` may hold the starts of other lexicons too; only this one's bits (``start_mask << shift``) count.
        """
        out = []
        for n in bits_of(found >> shift & self._every | self._always):
            label, pattern = self.entries[n]
            if self._always >> n & 1:  # no anchors: the plain scan
                out += [(label, m) for m in pattern.finditer(text)]
                continue
            # textnorm.matches_at over this label's starts, written out: filtering them for it first costs the
            # claims stage 5% more instructions (callgrind).
            bit, pos = 1 << (n + len(self.entries) + shift), 0
            for start, bits in starts:
                if bits & bit and start >= pos and (m := pattern.match(text, start)) is not None:
                    out.append((label, m))
                    pos = m.end()
        return out

    @cached_property
    def start_mask(self) -> int:
        """The bits of ``anchor_bits`` that mark a start: what ``gather`` keeps positions for."""
        return self._every << len(self.entries)

    @cached_property
    def anchor_bits(self) -> dict[str, int]:
        """Word -> bit n for each label n it is an anchor of, bit n + len(entries) for each it is a start of.

        Empty when no anchors were given.
        """
        index: dict[str, int] = {}
        if len(self.anchors) == len(self.starts) == len(self.entries):
            for bit, words in enumerate((*self.anchors, *self.starts)):
                for w in words or ():
                    index[w] = index.get(w, 0) | 1 << bit
        return index

    @property
    def width(self) -> int:
        """How many bits ``anchor_bits`` uses: a scan for other words too puts theirs above."""
        return 2 * len(self.entries)

    @cached_property
    def _every(self) -> int:
        return (1 << len(self.entries)) - 1

    @cached_property
    def _always(self) -> int:
        """The labels no scan rules out: those without anchors, or all of them when no anchors were given."""
        if not self.anchor_bits:
            return self._every
        return sum(1 << n for n, words in enumerate(zip(self.anchors, self.starts, strict=True)) if None in words)

    @cached_property
    def _automaton(self) -> ahocorasick.Automaton | None:
        return bit_automaton(self.anchor_bits)


def bit_automaton(words: dict[str, int]) -> ahocorasick.Automaton | None:
    """An Aho-Corasick scan for ``words``, each carrying its bits (and length), for ``scan``; None for no words."""
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for w, bits in words.items():
        automaton.add_word(w, (bits, len(w)))
    automaton.make_automaton()
    return automaton


def scan(automaton: ahocorasick.Automaton, folded: str) -> list[Hit]:
    """Every occurrence in ``folded`` of a word of ``automaton`` (``bit_automaton``), overlapping ones too.

    One pass answers for many word sets at once, each a bit: pyahocorasick costs per character scanned.
    """
    return list(automaton.iter(folded))


def gather(hits: list[Hit], start_bits: int) -> tuple[int, list[tuple[int, int]]]:
    """The bits of all ``hits`` together, and (start, bits) of each hit holding one of ``start_bits``, by start.

    By position: a word inside a longer one ends first but starts later.
    """
    found, starts = 0, []
    for end, (bits, size) in hits:
        found |= bits
        if bits & start_bits:
            starts.append((end - size + 1, bits))
    starts.sort()
    return found, starts


def bits_of(bits: int) -> list[int]:
    """The indexes of the set bits of ``bits``, lowest first."""
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


# ASCII capitals -> small letters, as a byte table: ``bytes.translate`` is one table lookup per character, many
# times faster than ``str.translate``; in UTF-8 no byte of a non-ASCII character is ASCII, so it leaves them alone.
_ASCII_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
# Non-ASCII character -> the ASCII letter it matches under re.IGNORECASE ("K" -> "k", "İ" -> "i"), filled as seen.
_CASE: dict[str, str] = {}
_SEEN: set[str] = set(map(chr, range(128)))
_LETTERS = [(a, re.compile(re.escape(a), re.I)) for a in string.ascii_lowercase]
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=8)  # a sentence is folded for each lexicon and pattern that looks at it
def case_fold(text: str) -> str:
    """``text`` with every character that a regex with re.I matches to an ASCII letter made that letter.

    Same length as ``text``; an ASCII anchor occurs in the result wherever a case-insensitive pattern
    made of its characters could match in ``text``.
    """
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_LOWER).decode("ascii")
    chars = set(_NON_ASCII.findall(text))  # the byte table does the ASCII ones; fewer to collect than set(text)
    for c in chars - _SEEN:
        letter = next((a for a, p in _LETTERS if p.fullmatch(c)), None)
        if letter is not None:
            _CASE[c] = letter
        _SEEN.add(c)
    # surrogatepass: a text may hold lone surrogates (undecodable bytes kept by ingest), which UTF-8 refuses.
    out = text.encode("utf-8", "surrogatepass").translate(_ASCII_LOWER).decode("utf-8", "surrogatepass")
    for c in chars:  # not chars & _CASE, which would iterate a dict other threads may be filling
        if (letter := _CASE.get(c)) is not None:
            out = out.replace(c, letter)
    return out


def anchors_of(terms: list[str]) -> frozenset[str] | None:
    """For each term, its longest word, case-folded: any match of ``compile_terms(terms)`` contains one."""
    return _words_of(terms, lambda words: max(words, key=len))


def starts_of(terms: list[str]) -> frozenset[str] | None:
    """For each term, its first word, case-folded: every match of ``compile_terms(terms)`` starts with one.

    A term's first word is literal in its pattern, and ``case_fold`` makes each character the ASCII letter it
    matches under re.I: in ``case_fold`` text, the word is where the match starts.
    """
    return _words_of(terms, lambda words: words[0])


def _words_of(terms: list[str], pick: Callable[[list[str]], str]) -> frozenset[str] | None:
    """The word ``pick`` takes of each term, case-folded.

    None (always run the label) when a term is not plain ASCII, whose case rules this does not model, or has
    no word ("*").
    """
    out = set()
    for t in terms:
        word = pick(t.rstrip("*").split(" "))
        if not word or not t.isascii():
            return None
        out.add(case_fold(word))
    return frozenset(out)


def _term(term: str) -> str:
    star = term.endswith("*")
    words = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
    return words + (r"[\w-]*" if star else "") + r"(?![\w-])"


def compile_terms(terms: list[str]) -> re.Pattern:
    """One regex for a list of terms; CAPITALISED terms (acronyms) match only in capitals."""
    exact = sorted((t for t in terms if t.isupper()), key=len, reverse=True)
    loose = sorted((t for t in terms if not t.isupper()), key=len, reverse=True)
    parts = [r"(?-i:" + _term(t) + ")" for t in exact] + [_term(t) for t in loose]
    # A look at the next character first: most positions start no term, and then no alternative is tried.
    firsts = {t[0] for t in terms}
    guard = "(?=[" + "".join(sorted(firsts)) + "])" if firsts and all(c.isalnum() for c in firsts) else ""
    return re.compile(guard + r"(?<![\w-])(?:" + "|".join(parts) + ")", re.I)


def read_terms(path: Path, section: str) -> dict[str, list[str]]:
    """Label -> terms as written in a lexicon file, validated."""
    data = parse_yaml(path.read_text(encoding="utf-8"), path)
    if not isinstance(data, dict) or not isinstance(data.get(section), dict):
        raise ConfigError(path, getattr(data, "line", 1), f"expected a mapping with '{section}:' of label -> list of terms")
    table = data[section]
    out = {}
    for label, terms in table.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ConfigError(path, table.key_lines.get(label), f"{label}: expected a list of words or phrases")
        out[str(label)] = [t.strip() for t in terms]
    return out


def load_lexicon(path: Path, section: str) -> Lexicon:
    table = read_terms(path, section)
    return Lexicon(tuple((label, compile_terms(terms)) for label, terms in table.items()),
                   tuple(anchors_of(terms) for terms in table.values()),
                   tuple(starts_of(terms) for terms in table.values()))


def packaged(name: str) -> Path:
    return Path(str(resources.files("geomap.lexicons").joinpath(name)))


@lru_cache(maxsize=4)
def events(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("events.yaml"), "events")


@lru_cache(maxsize=4)
def actors(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("actors.yaml"), "actors")

"""Load the editable event and actor lexicons into compiled matchers."""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick

from geomap.errors import ConfigError
from geomap.gazetteer import parse_yaml


@dataclass(frozen=True)
class Lexicon:
    """Ordered (label, pattern) pairs; the first label whose pattern matches wins.

    ``anchors`` (one entry per label, from ``anchors_of``) lets ``all`` skip labels that cannot match:
    a sentence is scanned once for every label's anchors (``anchor_bits``), and only the labels found run their
    regex.
    ``folded`` (one entry per label, from ``compile_folded``) finds in ``case_fold`` text, several times faster,
    every place where the label's pattern could match; None where a label has terms it cannot model.
    """

    entries: tuple[tuple[str, re.Pattern], ...]
    anchors: tuple[frozenset[str] | None, ...] = field(default=(), compare=False)
    folded: tuple[re.Pattern | None, ...] = field(default=(), compare=False)

    def all(self, text: str, folded: str | None = None, labels: int | None = None) -> list[tuple[str, re.Match]]:
        """Every match of every label, label by label in lexicon order, each label's in text order.

        ``folded``: ``case_fold(text)``, if the caller has it. ``labels``: the bits (``anchor_bits``) of the
        anchors ``folded`` holds, if the caller scanned for them with others in one pass; other bits are ignored.
        A label with a folded pattern tries its own pattern only where that one matches, from left to right as
        ``finditer`` would: the same matches.
        """
        folded = folded or case_fold(text)
        if labels is None:
            labels = scan_bits(self._automaton, folded) if self._automaton is not None else 0
        quick = self.folded if len(self.folded) == len(self.entries) else (None,) * len(self.entries)
        out = []
        for n in bits_of(labels & self._every | self._always):
            label, pattern = self.entries[n]
            if quick[n] is None:
                out += [(label, m) for m in pattern.finditer(text)]
                continue
            pos = 0
            while (f := quick[n].search(folded, pos)) is not None:
                m = pattern.match(text, f.start())
                if m is None:  # a CAPITALISED term in other case
                    pos = f.start() + 1
                else:
                    out.append((label, m))
                    pos = m.end()
        return out

    @cached_property
    def anchor_bits(self) -> dict[str, int]:
        """Anchor -> the labels it is an anchor of, bit n for label n; empty when no anchors were given."""
        index: dict[str, int] = {}
        if len(self.anchors) == len(self.entries):
            for n, anchors in enumerate(self.anchors):
                for a in anchors or ():
                    index[a] = index.get(a, 0) | 1 << n
        return index

    @cached_property
    def _every(self) -> int:
        return (1 << len(self.entries)) - 1

    @cached_property
    def _always(self) -> int:
        """The labels no scan rules out: those without anchors, or all of them when no anchors were given."""
        if len(self.anchors) != len(self.entries):
            return self._every
        return sum(1 << n for n, a in enumerate(self.anchors) if a is None)

    @cached_property
    def _automaton(self) -> ahocorasick.Automaton | None:
        return bit_automaton(self.anchor_bits)


def bit_automaton(words: dict[str, int]) -> ahocorasick.Automaton | None:
    """An Aho-Corasick scan for ``words``, each carrying its bits, for ``scan_bits``; None for no words."""
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for w, bits in words.items():
        automaton.add_word(w, bits)
    automaton.make_automaton()
    return automaton


def scan_bits(automaton: ahocorasick.Automaton, folded: str, start: int = 0, end: int = sys.maxsize) -> int:
    """The bits of every word of ``automaton`` (``bit_automaton``) in ``folded[start:end]``, ORed.

    One pass answers for many word sets at once, each a bit; the bounds spare a slice.
    """
    bits = 0
    for _, b in automaton.iter(folded, start, min(end, len(folded))):
        bits |= b
    return bits


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
    """For each term, its longest word, case-folded: any match of ``compile_terms(terms)`` contains one.

    None (always run the label) when a term is not plain ASCII, whose case rules this does not model.
    """
    out = set()
    for t in terms:
        words = t.rstrip("*").split(" ")
        anchor = max(words, key=len)
        if not anchor or not t.isascii():
            return None
        out.add(case_fold(anchor))
    return frozenset(out)


def _term(term: str) -> str:
    star = term.endswith("*")
    words = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
    return words + (r"[\w-]*" if star else "") + r"(?![\w-])"


def compile_folded(terms: list[str]) -> re.Pattern | None:
    """A pattern without re.I that matches ``case_fold`` text wherever ``compile_terms(terms)`` matches the text
    (CAPITALISED terms in any case); faster, since without re.I the regex engine skips alternatives by their
    first letter.

    None when a term is not plain ASCII, whose case rules ``case_fold`` does not model, or may match nothing.
    """
    if not terms or not all(t.isascii() and t.rstrip("*") for t in terms):
        return None
    loose = sorted((case_fold(t) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(_term(t) for t in loose) + ")")


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
                   tuple(compile_folded(terms) for terms in table.values()))


def packaged(name: str) -> Path:
    return Path(str(resources.files("geomap.lexicons").joinpath(name)))


@lru_cache(maxsize=4)
def events(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("events.yaml"), "events")


@lru_cache(maxsize=4)
def actors(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("actors.yaml"), "actors")

"""Load the editable event and actor lexicons into compiled matchers."""

from __future__ import annotations

import re
import string
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
    a sentence is scanned once for every label's anchors, and only the labels found run their regex.
    """

    entries: tuple[tuple[str, re.Pattern], ...]
    anchors: tuple[frozenset[str] | None, ...] = field(default=(), compare=False)

    def all(self, text: str) -> list[tuple[str, re.Match]]:
        """Every match of every label, label by label in lexicon order, each label's in text order."""
        return [(label, m) for n in self._candidates(text) for label, pattern in [self.entries[n]]
                for m in pattern.finditer(text)]

    def _candidates(self, text: str) -> list[int]:
        """The labels (by index) whose anchors ``text`` contains, and those without anchors."""
        if len(self.anchors) != len(self.entries):
            return list(range(len(self.entries)))
        found = set(self._always)
        if self._automaton is not None:
            for _, labels in self._automaton.iter(case_fold(text)):
                found.update(labels)
        return sorted(found)

    @cached_property
    def _always(self) -> tuple[int, ...]:
        return tuple(n for n, a in enumerate(self.anchors) if a is None)

    @cached_property
    def _automaton(self) -> ahocorasick.Automaton | None:
        index: dict[str, set[int]] = {}
        for n, anchors in enumerate(self.anchors):
            for a in anchors or ():
                index.setdefault(a, set()).add(n)
        if not index:
            return None
        automaton = ahocorasick.Automaton()
        for a, labels in index.items():
            automaton.add_word(a, tuple(sorted(labels)))
        automaton.make_automaton()
        return automaton


# Text character -> the ASCII letter it matches under re.IGNORECASE ("K" -> "K" -> "k", "İ" -> "i"), filled as seen.
_CASE: dict[int, str] = {ord(c): c.lower() for c in string.ascii_uppercase}
_SEEN: set[str] = set(map(chr, range(128)))
_LETTERS = [(a, re.compile(re.escape(a), re.I)) for a in string.ascii_lowercase]


@lru_cache(maxsize=8)  # a sentence is folded for each lexicon and pattern that looks at it
def case_fold(text: str) -> str:
    """``text`` with every character that a regex with re.I matches to an ASCII letter made that letter.

    Same length as ``text``; an ASCII anchor occurs in the result wherever a case-insensitive pattern
    made of its characters could match in ``text``.
    """
    if not text.isascii():
        for c in set(text) - _SEEN:
            letter = next((a for a, p in _LETTERS if p.fullmatch(c)), None)
            if letter is not None:
                _CASE[ord(c)] = letter
            _SEEN.add(c)
    return text.translate(_CASE)


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
                   tuple(anchors_of(terms) for terms in table.values()))


def packaged(name: str) -> Path:
    return Path(str(resources.files("geomap.lexicons").joinpath(name)))


@lru_cache(maxsize=4)
def events(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("events.yaml"), "events")


@lru_cache(maxsize=4)
def actors(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("actors.yaml"), "actors")

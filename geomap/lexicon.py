"""Load the editable event and actor lexicons into compiled matchers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from geomap.errors import ConfigError
from geomap.gazetteer import parse_yaml


@dataclass(frozen=True)
class Lexicon:
    """Ordered (label, pattern) pairs; the first label whose pattern matches wins."""

    entries: tuple[tuple[str, re.Pattern], ...]

    def all(self, text: str) -> list[tuple[str, re.Match]]:
        return [(label, m) for label, pattern in self.entries for m in pattern.finditer(text)]


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
    return Lexicon(tuple((label, compile_terms(terms)) for label, terms in read_terms(path, section).items()))


def packaged(name: str) -> Path:
    return Path(str(resources.files("geomap.lexicons").joinpath(name)))


@lru_cache(maxsize=4)
def events(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("events.yaml"), "events")


@lru_cache(maxsize=4)
def actors(path: Path | None = None) -> Lexicon:
    return load_lexicon(path or packaged("actors.yaml"), "actors")

"""Fold text for name matching while keeping a map back to the original offsets."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

_APOSTROPHES = set("'’‘`ʿʾ′´ʼ")
_SPACES = set("-‐‑‒–—_/\u00a0\t\r\n\f\v ")
# Arabic definite articles as transliterated in English news (al-, el-, and sun-letter forms).
ARTICLES = ("al", "el", "ad", "ar", "as", "at", "az", "an", "ash", "adh", "ath", "ul")


@lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    if c in _APOSTROPHES:
        return ""
    if c in _SPACES:
        return " "
    base = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
    return base.casefold() if base else c.casefold()


def fold(text: str) -> str:
    """Case, diacritics, apostrophes and hyphens folded; whitespace collapsed."""
    return _fold_name(text) if len(text) <= NAME_LENGTH else _fold(text)


NAME_LENGTH = 64  # names and other short strings are folded again and again: their folds are remembered


@lru_cache(maxsize=65536)
def _fold_name(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    marked = _register(text)
    if marked is None:
        return _fold_with_map_chars(text)[0].strip()
    return _SPACE_RUN.sub(" ", marked.translate(_FOLD)).strip()


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of the original one.

    A possessive "'s" becomes a word boundary, so "Iraq's" still ends the name "Iraq".
    Every article goes through here, so the common case (each character folds to at most one) runs as
    ``str.translate``, ``str.find`` and array operations; a text with an expanding character ("ß" -> "ss") takes the
    per-character path, which defines the result.
    """
    marked = _register(text)
    if marked is None:
        return _fold_with_map_chars(text)
    flat = marked.translate(_FOLD)
    doubled = _doubled_spaces(flat)
    if len(flat) == len(marked):  # most texts: nothing folded away, a few spaces doubled (paragraph breaks)
        return _SPACE_RUN.sub(" ", flat) if doubled else flat, _without(len(flat), doubled)
    index = np.flatnonzero(np.frombuffer(marked.translate(_KEPT).encode("latin-1"), dtype=np.uint8))
    if doubled:
        flat = _SPACE_RUN.sub(" ", flat)
        index = np.delete(index, doubled)
    return flat, index.tolist()


def _doubled_spaces(flat: str) -> list[int]:
    """Where a space follows a space: the few places a paragraph break or a dash left two (``str.find`` is a fast scan)."""
    out = []
    i = flat.find("  ")
    while i >= 0:
        out.append(i + 1)
        i = flat.find("  ", i + 1)
    return out


def _without(n: int, dropped: list[int]) -> list[int]:
    """``range(n)`` less the ``dropped`` indexes (sorted), built a run at a time."""
    out: list[int] = []
    start = 0
    for d in dropped:
        out += range(start, d)
        start = d + 1
    out += range(start, n)
    return out


def _register(text: str) -> str | None:
    """The text with possessive apostrophes made spaces, its characters in the tables; None if one expands."""
    marked = _POSSESSIVE.sub(" ", text)
    # Every ASCII character is in the tables from the start; finding the others costs a tenth of ``set(marked)``.
    chars = set(_NON_ASCII.findall(marked)) if not marked.isascii() else set()
    _learn(chars)
    return marked if chars.isdisjoint(_EXPANDING) else None


def _learn(chars: set[str]) -> None:
    """Put each new character's fold in the tables."""
    for c in chars - _SEEN:
        folded = _fold_char(c)
        _FOLD[ord(c)] = folded
        _KEPT[ord(c)] = "\x01" if folded else "\x00"
        if len(folded) > 1:
            _EXPANDING.add(c)
        _SEEN.add(c)  # last, so that another thread never sees a character half-registered


_POSSESSIVE = re.compile("[" + re.escape("".join(sorted(_APOSTROPHES))) + r"](?=[sS](?![^\W_]))")
_SPACE_RUN = re.compile("  +")
# Code point -> folded text, and -> "\x01" if it leaves a character ("\x00" if it folds away); filled as seen.
_FOLD: dict[int, str] = {}
_KEPT: dict[int, str] = {}
_EXPANDING: set[str] = set()
_SEEN: set[str] = set()
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_with_map_chars(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    index: list[int] = []
    n = len(text)
    for i, c in enumerate(text):
        if c in _APOSTROPHES and i + 1 < n and text[i + 1] in "sS" and (i + 2 >= n or not text[i + 2].isalnum()):
            folded = " "
        else:
            folded = _fold_char(c)
        for ch in folded:
            if ch == " " and out and out[-1] == " ":
                continue
            out.append(ch)
            index.append(i)
    return "".join(out), index


def name_keys(name: str) -> set[str]:
    """The folded forms a place name is matched by: with and without a leading Arabic article.

    The article is dropped only where what remains is long enough to be a name rather than a word;
    a short bare form ("Tanf") is matched only if the gazetteer lists it as an alias.
    """
    key = fold(name)
    if not key:
        return set()
    keys = {key}
    first, _, rest = key.partition(" ")
    if first in ARTICLES and rest:
        keys.add("al " + rest)
        # "Al-Bab" is not found as a bare "Bab", nor "Al-Tall" as "Tall": short remainders are words.
        if len(rest) >= 5 or " " in rest:
            keys.add(rest)
    return keys


_learn(set(map(chr, range(128))))

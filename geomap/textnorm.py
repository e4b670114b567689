"""Fold text for name matching while keeping a map back to the original offsets."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

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
    return fold_with_map(text)[0].strip()


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of the original one.

    A possessive "'s" becomes a word boundary, so "Iraq's" still ends the name "Iraq".
    """
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

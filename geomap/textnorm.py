"""Fold text for name matching while keeping a map back to the original offsets."""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
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
    return _fold_name(text) if len(text) <= NAME_LENGTH else _fold(text)


NAME_LENGTH = 64  # names and other short strings are folded again and again: their folds are remembered


@lru_cache(maxsize=65536)
def _fold_name(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    registered = _register(text)
    if registered is None:
        return _fold_with_map_chars(text)[0].strip()
    return _SPACE_RUN.sub(" ", _translate(*registered)).strip()


def fold_with_map(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, for each folded character, the index of the original one.

    A possessive "'s" becomes a word boundary, so "Iraq's" still ends the name "Iraq".
    Every article goes through here, so the common case (each character folds to at most one) runs as a byte
    table, ``str.replace`` of the few non-ASCII characters and ``str.find``, and the offsets as an array copied a
    run at a time; a text with an expanding character ("ß" -> "ss") takes the per-character path, which defines
    the result.
    """
    registered = _register(text)
    if registered is None:
        return _fold_with_map_chars(text)
    marked, chars = registered
    flat = _translate(marked, chars)
    index = _identity(len(marked))
    if len(flat) != len(marked):
        index = _without(index, _gone(marked, chars))
    doubled = _doubled_spaces(flat)  # most texts: a few, where a paragraph break or a dash left two spaces
    return _cut(flat, doubled), _without(index, doubled)


def _translate(marked: str, chars: set[str]) -> str:
    """``marked.translate(_FOLD)``: ASCII through a byte table (a table lookup per byte, many times faster than
    ``str.translate``; UTF-8 bytes of other characters are not ASCII and pass), then the few others (``chars``)
    replaced, unless one folds to a character that folds again and the order of replacing would matter."""
    if not chars.isdisjoint(_UNSTABLE):
        return marked.translate(_FOLD)
    out = marked.encode("utf-8", "surrogatepass").translate(_ASCII_FOLD, _ASCII_GONE).decode("utf-8", "surrogatepass")
    for c in chars:
        out = out.replace(c, _FOLD[ord(c)])
    return out


def _gone(marked: str, chars: set[str]) -> list[int]:
    """Where ``marked`` holds a character that folds to nothing (an apostrophe, a lone combining mark), in order:
    ``str.find`` for each, a fast scan where a regex character class tests every character."""
    return sorted(find_all(marked, itertools.chain(_ASCII_GONE.decode("ascii"), (c for c in chars if not _FOLD[ord(c)]))))


def find_all(text: str, chars: Iterable[str]) -> list[int]:
    """Where ``text`` holds each of ``chars``, character by character (``str.find``: a fast scan)."""
    out = []
    for c in chars:
        i = text.find(c)
        while i >= 0:
            out.append(i)
            i = text.find(c, i + 1)
    return out


def matches_at(pattern: re.Pattern, text: str, starts: Iterable[int]) -> list[re.Match]:
    """``list(pattern.finditer(text))`` for a pattern whose every match starts at one of ``starts`` (in order): tried
    there alone, each past the last match, it finds what the search finds, which tries every position between."""
    out: list[re.Match] = []
    pos = 0
    for start in starts:
        if start >= pos and (m := pattern.match(text, start)) is not None:
            out.append(m)
            pos = m.end()
    return out


def _doubled_spaces(flat: str) -> list[int]:
    """Where a space follows a space (``str.find`` is a fast scan)."""
    out = []
    i = flat.find("  ")
    while i >= 0:
        out.append(i + 1)
        i = flat.find("  ", i + 1)
    return out


def _cut(text: str, dropped: list[int], by: str = "") -> str:
    """``text`` with the characters at the ``dropped`` positions (sorted) replaced by ``by``: at the doubled spaces,
    ``_SPACE_RUN.sub(" ", text)`` without a regex scan of the whole text."""
    if not dropped:
        return text
    return by.join(text[i + 1:j] for i, j in zip([-1, *dropped], [*dropped, len(text)], strict=True))


def _identity(n: int) -> array:
    """0, 1, ..., n - 1, sliced from an array made once: a list of offsets would make an int object per character
    of every article, where an array slice is one copy. The array kept is at most IDENTITY_KEPT long: a rare
    longer text (articles may reach 20 MB) gets one of its own, which would otherwise stay in every worker."""
    global _IDENTITY
    if n > IDENTITY_KEPT:
        return array("q", range(n))
    if len(_IDENTITY) < n:
        _IDENTITY = array("q", range(min(max(n, 2 * len(_IDENTITY)), IDENTITY_KEPT)))
    return _IDENTITY[:n]


IDENTITY_KEPT = 1 << 20  # characters: 8 MB of offsets at most
_IDENTITY = array("q")


def _without(items: array, dropped: list[int]) -> array:
    """``items`` less those at the ``dropped`` positions (sorted), taken a run at a time."""
    out = array("q")
    start = 0
    for d in dropped:
        out += items[start:d]
        start = d + 1
    out += items[start:]
    return out


def _register(text: str) -> tuple[str, set[str]] | None:
    """The text with possessive apostrophes made spaces, and its non-ASCII characters, now in the tables; None if
    one expands."""
    marked = _mark_possessives(text)
    chars = non_ascii(marked)
    _learn(chars)
    return (marked, chars) if chars.isdisjoint(_EXPANDING) else None


def _mark_possessives(text: str) -> str:
    """``text`` with each apostrophe before an "s" or "S" that ends a word made a space: the apostrophes found with
    ``str.find``, where a regex (an apostrophe, then ``(?=[sS](?![^\\W_]))``) tests every character."""
    n = len(text)
    cut = sorted(i for i in find_all(text, _APOSTROPHES if not text.isascii() else _ASCII_APOSTROPHES)
                 if i + 1 < n and text[i + 1] in "sS" and not (i + 2 < n and text[i + 2].isalnum()))
    return _cut(text, cut, " ")


def non_ascii(text: str) -> set[str]:
    """The characters of ``text`` beyond ASCII: its UTF-8 bytes less the ASCII ones (a byte table drops those many
    times faster than a regex or ``set(text)`` goes through every character), decoded."""
    if text.isascii():
        return set()
    return set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))


def _learn(chars: set[str]) -> None:
    """Put each new character's fold in the tables."""
    for c in chars - _SEEN:
        folded = _fold_char(c)
        _FOLD[ord(c)] = folded
        if len(folded) > 1:
            _EXPANDING.add(c)
        if any(not x.isascii() and _fold_char(x) != x for x in folded):
            _UNSTABLE.add(c)
        _SEEN.add(c)  # last, so that another thread never sees a character half-registered


_ASCII_APOSTROPHES = sorted(c for c in _APOSTROPHES if c.isascii())
_ASCII_BYTES = bytes(range(128))
_SPACE_RUN = re.compile("  +")
# Code point -> folded text, filled as seen; characters that expand, and that fold to one that folds again.
_FOLD: dict[int, str] = {}
_EXPANDING: set[str] = set()
_UNSTABLE: set[str] = set()
_SEEN: set[str] = set()
_learn(set(map(chr, range(128))))  # none expands or folds to a non-ASCII character
# The ASCII part of _FOLD as a byte table, and the ASCII characters that fold away.
_ASCII_FOLD = bytes(ord(_FOLD[b]) if len(_FOLD[b]) == 1 else b for b in range(128)) + bytes(range(128, 256))
_ASCII_GONE = bytes(b for b in range(128) if not _FOLD[b])


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

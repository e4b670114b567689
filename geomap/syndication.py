"""Recognise syndicated copies: the same story under several outlets is one story on the map."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from geomap.model import Article
from geomap.textnorm import fold

SHINGLE = 5
THRESHOLD = 0.5  # share of the smaller article's shingles found in the other


def shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", fold(text))
    return {zlib.crc32(" ".join(words[i:i + SHINGLE]).encode()) for i in range(max(0, len(words) - SHINGLE + 1))}


def _order(a: Article) -> tuple:
    return (a.published or "9999", a.path)


def find_duplicates(articles: list[Article]) -> dict[str, str]:
    """Article id -> file name of the earlier copy, for every later copy of a story.

    Containment over word 5-grams ignores boilerplate that only one copy carries.
    """
    sets = {a.id: shingles(a.text) for a in articles}
    result: dict[str, str] = {}
    ordered = sorted(articles, key=_order)
    for i, later in enumerate(ordered):
        for earlier in ordered[:i]:
            if earlier.id in result:
                continue
            a, b = sets[later.id], sets[earlier.id]
            small = min(len(a), len(b))
            if small and len(a & b) / small >= THRESHOLD:
                result[later.id] = Path(earlier.path).name
                break
    return result

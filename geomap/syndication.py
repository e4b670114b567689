"""Recognise syndicated copies: the same story under several outlets is one story on the map."""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from itertools import chain
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


def _prefix(ranked: list[int]) -> list[int]:
    """The rarest shingles of which a copy must share at least one (prefix filtering).

    Sharing ``k = THRESHOLD * n`` of ``n`` shingles means sharing one of the first ``n - k + 1`` in any fixed
    order; rarest first keeps boilerplate that every article carries out of the prefixes. ``k`` is rounded
    down generously, so the prefix can only be longer than needed, never shorter.
    """
    need = max(1, math.floor(THRESHOLD * len(ranked)) - 1)
    return ranked[:len(ranked) - need + 1]


def find_duplicates(articles: list[Article]) -> dict[str, str]:
    """Article id -> file name of the earlier copy, for every later copy of a story.

    Containment over word 5-grams ignores boilerplate that only one copy carries. Candidates come from two
    inverted indexes (every earlier article's prefix, probed with all of this one's shingles; all of every
    earlier article's shingles, probed with this one's prefix), so 10,000 articles that share boilerplate
    do not cost 50 million set intersections; each candidate is then checked exactly.
    """
    ordered = sorted(articles, key=_order)
    sets = [shingles(a.text) for a in ordered]
    df = Counter(chain.from_iterable(sets))
    ranked = [sorted(s, key=lambda h: (df[h], h)) for s in sets]
    prefix_index: dict[int, list[int]] = {}
    full_index: dict[int, list[int]] = {}
    result: dict[str, str] = {}
    for i, later in enumerate(ordered):
        prefix = _prefix(ranked[i])
        candidates = {j for h in ranked[i] for j in prefix_index.get(h, ())}
        candidates.update(j for h in prefix for j in full_index.get(h, ()))
        for j in sorted(candidates):  # the earliest copy that is not itself a copy
            earlier = ordered[j]
            small = min(len(sets[i]), len(sets[j]))
            if earlier.id not in result and len(sets[i] & sets[j]) / small >= THRESHOLD:
                result[later.id] = Path(earlier.path).name
                break
        for h in prefix:
            prefix_index.setdefault(h, []).append(i)
        for h in ranked[i]:
            full_index.setdefault(h, []).append(i)
    return result

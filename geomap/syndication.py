"""Recognise syndicated copies: the same story under several outlets is one story on the map.

A later article is a copy when at least THRESHOLD of the smaller article's word 5-gram shingles are also in
the earlier one; it points at the earliest such original that is not itself a copy. Finding those pairs is an
all-pairs set-similarity join, and template-heavy corpora (wire copy, press releases, generated text) make
most articles share hundreds of shingles with hundreds of others, so the join filters before it compares:

* prefix filter: the pair must share one of the smaller article's rarest ``n - need + 1`` shingles;
* count filter: shared prefix shingles + the smaller's shingles outside its prefix that the other can hold
  must reach ``need``; the most common shingles are compared exactly as bit sets, the rest are counted as
  possible;
* only the pairs left are intersected.

All of it runs over numpy arrays (posting lists sorted once), so it costs a few array passes over the
shingle postings, not a Python step per pair. Each article's shingles (its ``signature``) are computed in
worker processes and kept in the article cache, and so are the similar pairs: a rebuild compares only its new and
changed articles with the others (``pairs_with``), and one with nothing new compares nothing.
"""

from __future__ import annotations

import logging
import re
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from geomap import cache, parallel
from geomap.model import Article
from geomap.textnorm import fold

log = logging.getLogger(__name__)
SHINGLE = 5
THRESHOLD = 0.5  # share of the smaller article's shingles found in the other
COMMON = 256  # the most frequent shingles, compared exactly as bit sets in the count filter (a multiple of 64)
BUDGET = 1 << 21  # prefix hits generated at once, and BINS pair counters: they bound memory, not the answer
BINS = 1 << 22


def shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", fold(text))
    return {zlib.crc32(" ".join(words[i:i + SHINGLE]).encode()) for i in range(max(0, len(words) - SHINGLE + 1))}


def signature(text: str) -> bytes:
    """The text's shingles as sorted little-endian uint32: all the join needs of an article, and small to cache."""
    return np.array(sorted(shingles(text)), dtype="<u4").tobytes()


def signature_keys(articles: Sequence[Article]) -> list[str]:
    """Each article's key in the article cache for its ``signature``: its text alone (and the code), so a file
    that is renamed or re-dated keeps its entry."""
    version = cache.code_version()
    return [cache.digest("shingles", version, a.text) for a in articles]


def signatures(articles: Sequence[Article], jobs: int = 1, cache_dir: Path | None = None,
               keys: list[str] | None = None) -> list[bytes]:
    """Every article's ``signature``, from the article cache where it holds them, else computed in ``jobs`` processes.

    ``keys``: ``signature_keys(articles)``, if the caller has them.
    """
    store = cache.ArticleCache(cache_dir) if cache_dir else None
    try:
        keys = keys or signature_keys(articles)
        known = store.get_many(keys) if store else {}
        todo = {k: a.text for k, a in zip(keys, articles, strict=True) if k not in known}
        if todo:
            fresh = parallel.map_processes(signature, list(todo.values()), jobs,
                                           parallel.Progress(len(todo), "shingle sets"))
            known.update(zip(todo, fresh, strict=True))
            if store:
                store.put_many(zip(todo, fresh, strict=True))
    finally:
        if store:
            store.close()
    return [known[k] for k in keys]


def _order(a: Article) -> tuple:
    return (a.published or "9999", a.path)


def _need(n: np.ndarray) -> np.ndarray:
    """The fewest shared shingles that make a copy of an article with ``n`` shingles: least k with k / n >= THRESHOLD.

    Compared as ``shared / n >= THRESHOLD`` in floating point, as the definition reads, so rounding cannot
    put the filters and the final test on different sides of the line.
    """
    k = np.ceil(THRESHOLD * n).astype(np.int64)
    k = np.where((k - 1) / n >= THRESHOLD, k - 1, k)
    return np.where(k / n < THRESHOLD, k + 1, k)


def _similar_pairs(sigs: list[np.ndarray]) -> list[tuple[int, int]]:
    """Every (i, j), i < j, whose shingle sets share at least THRESHOLD of the smaller one's: the exact join."""
    sizes = np.array([len(s) for s in sigs], dtype=np.int64)
    members = np.flatnonzero(sizes)  # an article without shingles is nobody's copy
    members = members[np.argsort(sizes[members], kind="stable")]  # smallest first
    count = len(members)
    if count < 2:
        return []
    n = sizes[members]
    need = _need(n)
    offsets = np.concatenate(([0], np.cumsum(n)))
    owner = np.repeat(np.arange(count, dtype=np.int32), n)

    # Posting lists: entries grouped by shingle, owners ascending (smaller articles first) inside a group.
    flat = np.concatenate([sigs[m] for m in members])
    post = np.argsort(flat, kind="stable")
    value = flat[post]
    del flat
    first = np.empty(len(value), dtype=bool)
    first[0], first[1:] = True, value[1:] != value[:-1]
    del value
    starts = np.flatnonzero(first)
    del first
    df = np.diff(np.append(starts, len(post)))
    group = np.repeat(np.arange(len(df), dtype=np.int32), df)
    rank = np.empty(len(df), dtype=np.int32)  # rarest first: one fixed order for every article
    rank[np.argsort(df, kind="stable")] = np.arange(len(df), dtype=np.int32)
    entry_rank = np.empty(len(post), dtype=np.int32)
    entry_rank[post] = rank[group]
    entry_at = np.empty(len(post), dtype=np.int32)  # where each entry sits in the posting lists
    entry_at[post] = np.arange(len(post), dtype=np.int32)
    later = np.empty(len(post), dtype=np.int32)  # entries of larger articles after it in its posting list
    later[post] = (starts + df).astype(np.int32)[group] - np.arange(1, len(post) + 1, dtype=np.int32)
    posted_owner = owner[post]
    del post, group, rank, starts

    # Prefix: each article's rarest n - need + 1 shingles; a copy shares one of them (else at most need - 1).
    prefix_len = n - need + 1
    in_prefix = np.ones(len(owner), dtype=bool)
    for a in np.flatnonzero(prefix_len < n).tolist():
        ranks = entry_rank[offsets[a]:offsets[a + 1]]
        cut = np.partition(ranks, prefix_len[a] - 1)[prefix_len[a] - 1]
        in_prefix[offsets[a]:offsets[a + 1]] = ranks <= cut
    # Count filter past the prefix: common shingles compared as bit sets, the others counted as if shared.
    common = entry_rank >= len(df) - COMMON
    column = entry_rank[common] - (len(df) - COMMON)
    has = np.zeros((count, COMMON), dtype=bool)
    has[owner[common], column] = True
    rest = np.zeros((count, COMMON), dtype=bool)
    past = ~in_prefix[common]
    rest[owner[common][past], column[past]] = True
    has, rest = (np.packbits(b, axis=1, bitorder="little").view(np.uint64) for b in (has, rest))
    uncommon_rest = np.bincount(owner[~common & ~in_prefix], minlength=count)
    del entry_rank, common, column, past

    # Candidates: for each prefix entry, the larger articles after it in its posting list, counted per pair.
    probes = np.flatnonzero(in_prefix & (later > 0))
    probe_owner, probe_at, probe_later = owner[probes], entry_at[probes], later[probes]
    del in_prefix, later, entry_at, owner
    per_owner = np.bincount(probe_owner, weights=probe_later, minlength=count).cumsum()
    rows = max(1, BINS // count)
    survivors: list[tuple[np.ndarray, np.ndarray]] = []
    a0, hits, pairs = 0, 0, 0
    while a0 < count:
        done = per_owner[a0 - 1] if a0 else 0
        a1 = min(a0 + rows, max(a0 + 1, int(np.searchsorted(per_owner, done + BUDGET, side="right"))))
        lo, hi = np.searchsorted(probe_owner, [a0, a1])
        take = probe_later[lo:hi]
        total = int(take.sum())
        if total:
            row = np.repeat((probe_owner[lo:hi] - a0).astype(np.int64), take)
            at = np.repeat(probe_at[lo:hi] + 1 - (np.cumsum(take) - take), take) + np.arange(total)
            shared = np.bincount(row * count + posted_owner[at], minlength=(a1 - a0) * count)
            del row, at
            key = np.flatnonzero(shared)
            shared = shared[key]
            small, big = key // count + a0, key % count
            bound = shared + uncommon_rest[small] + np.bitwise_count(rest[small] & has[big]).sum(axis=1)
            keep = bound >= need[small]
            survivors.append((small[keep], big[keep]))
            hits, pairs = hits + total, pairs + len(key)
        a0 = a1
    out = []
    checked = 0
    for small, big in survivors:
        for s, b in zip(small.tolist(), big.tolist(), strict=True):
            checked += 1
            i, j = int(members[s]), int(members[b])
            shared = len(np.intersect1d(sigs[i], sigs[j], assume_unique=True))
            if shared / n[s] >= THRESHOLD:
                out.append((min(i, j), max(i, j)))
    log.debug("syndication join: %d prefix hits, %d candidate pairs, %d compared, %d similar", hits, pairs, checked,
              len(out))
    return out


def pairs_with(new: Sequence[int], sigs: Sequence[np.ndarray]) -> set[tuple[int, int]]:
    """Every similar pair (i, j), i < j, of which ``new`` holds one: each of those compared with every article.

    What the join finds among those pairs, without its filters: a rebuild after a few articles changed asks this
    instead of joining the whole corpus again. The corpus is read in slices, so memory stays that of one slice.
    """
    sizes = np.array([len(s) for s in sigs], dtype=np.int64)
    new = [a for a in dict.fromkeys(new) if sizes[a]]  # an article without shingles is nobody's copy
    if not new:
        return set()
    wanted = np.unique(np.concatenate([sigs[a] for a in new]))
    values, owners = [], []
    for lo in range(0, len(sigs), 4096):  # the entries of any article that are some new article's shingles
        flat = np.concatenate([*sigs[lo:lo + 4096], np.empty(0, dtype="<u4")])
        owner = np.repeat(np.arange(lo, lo + len(sizes[lo:lo + 4096]), dtype=np.int32), sizes[lo:lo + 4096])
        at = np.minimum(np.searchsorted(wanted, flat), len(wanted) - 1)
        hit = wanted[at] == flat
        values.append(flat[hit])
        owners.append(owner[hit])
    value, owner = np.concatenate(values), np.concatenate(owners)
    out: set[tuple[int, int]] = set()
    for a in new:
        shared = np.bincount(owner[np.isin(value, sigs[a])], minlength=len(sigs))
        similar = (sizes > 0) & (shared / np.maximum(np.minimum(sizes, sizes[a]), 1) >= THRESHOLD)
        similar[a] = False
        out.update((min(a, b), max(a, b)) for b in np.flatnonzero(similar).tolist())
    return out


def all_pairs(sigs: Sequence[np.ndarray]) -> set[tuple[int, int]]:
    """Every similar pair (i, j), i < j, of articles in the order of ``sigs``: the whole join."""
    return set(_similar_pairs(list(sigs)))


def originals(articles: Sequence[Article], pairs: Iterable[tuple[int, int]]) -> dict[str, str]:
    """Article id -> file name of the earlier copy, for every later copy among the similar ``pairs`` (by index):
    the earliest such original that is not itself a copy."""
    order = sorted(range(len(articles)), key=lambda k: _order(articles[k]))
    position = {k: p for p, k in enumerate(order)}
    earlier: dict[int, list[int]] = {}
    for i, j in pairs:
        p, q = sorted((position[i], position[j]))
        earlier.setdefault(q, []).append(p)
    result: dict[str, str] = {}
    for q in sorted(earlier):
        original = next((p for p in sorted(earlier[q]) if articles[order[p]].id not in result), None)
        if original is not None:
            result[articles[order[q]].id] = Path(articles[order[original]].path).name
    return result


def find_duplicates(articles: list[Article], sigs: Sequence[bytes] | None = None) -> dict[str, str]:
    """Article id -> file name of the earlier copy, for every later copy of a story.

    ``sigs`` are the articles' ``signatures`` in the same order (computed here when not given). Containment
    over word 5-grams ignores boilerplate that only one copy carries.
    """
    started = time.perf_counter()
    if sigs is None:
        sigs = [signature(a.text) for a in articles]
    result = originals(articles, all_pairs([np.frombuffer(s, dtype="<u4") for s in sigs]))
    _report(result, len(articles), started)
    return result


def _report(result: dict[str, str], articles: int, started: float, how: str = "") -> None:
    log.info("%d syndicated cop%s among %d articles%s (%.1fs)", len(result), "y" if len(result) == 1 else "ies",
             articles, how, time.perf_counter() - started)


# A rebuild compares its new and changed articles with every article, unless they are more than this share of
# the corpus: then the whole join, which filters before it compares, costs less.
INCREMENTAL_SHARE = 0.05


def copies(articles: list[Article], jobs: int = 1, cache_dir: Path | None = None) -> dict[str, str]:
    """``find_duplicates`` for a build, with the similar pairs kept in the article cache.

    The cache holds the last build's articles (id and shingle key) and which of them are similar: facts about
    pairs, whatever else changed. A rebuild reuses the pairs of articles it still has and compares only its new or
    changed articles with the rest; when none is new it loads no signature at all. The originals are then picked
    again from the pairs, so re-dating or renaming an article needs no comparison.
    """
    if not cache_dir:
        return find_duplicates(articles, signatures(articles, jobs))
    started = time.perf_counter()
    keys = signature_keys(articles)
    members = [f"{a.id}\t{k}" for a, k in zip(articles, keys, strict=True)]
    at = {m: n for n, m in enumerate(members)}
    state_key = cache.digest("similar pairs", cache.code_version())
    store = cache.ArticleCache(cache_dir)
    try:
        previous = store.get_many([state_key]).get(state_key)
    finally:
        store.close()
    known = set(previous[0]) if previous else set()
    new = [n for n, m in enumerate(members) if m not in known]
    if not new:
        pairs = {(at[a], at[b]) for a, b in previous[1] if a in at and b in at}
        how = ", none new since the last build"
    else:
        sigs = [np.frombuffer(s, dtype="<u4") for s in signatures(articles, jobs, cache_dir, keys)]
        if previous is None or len(new) > INCREMENTAL_SHARE * len(articles):
            pairs, how = all_pairs(sigs), ""
        else:
            pairs = {(at[a], at[b]) for a, b in previous[1] if a in at and b in at} | pairs_with(new, sigs)
            how = f", {len(new)} new or changed compared with the rest"
    if previous is None or new or len(known) != len(members):
        store = cache.ArticleCache(cache_dir)
        try:
            store.put_many([(state_key, (members, sorted((members[i], members[j]) for i, j in pairs)))])
        finally:
            store.close()
    result = originals(articles, pairs)
    _report(result, len(articles), started, how)
    return result

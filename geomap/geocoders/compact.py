"""Fast-loading forms of the GeoNames index: columns and one sorted hash table instead of a million objects.

A plain pickle of 240,000 row tuples and 490,000 name lists takes seconds to load, every run. Packed as a
few numpy arrays and long strings it loads in a few milliseconds; a row or a name's row list is only
made when asked for. ``pack`` checks that every row and name reads back exactly as given, and keeps
whatever does not pack as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

_INT64 = (-(2**63), 2**63 - 1)


class Strings(Sequence):
    """Many strings as one string and offsets into it."""

    def __init__(self, items: Sequence[str]) -> None:
        self.blob = "".join(items)
        self.ends = np.cumsum([len(s) for s in items], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self.blob[int(self.ends[i - 1]) if i else 0:int(self.ends[i])]


def _column(values: list) -> Sequence:
    kinds = {type(v) for v in values}
    if kinds == {int} and _INT64[0] <= min(values) and max(values) <= _INT64[1]:
        return np.array(values, dtype=np.int64)
    if kinds == {float}:
        return np.array(values, dtype=np.float64)
    if kinds == {str}:
        return Strings(values)
    return values


def _value(column: Sequence, i: int) -> object:
    v = column[i]
    return v.item() if isinstance(v, np.generic) else v  # numpy scalars back to int / float


class Rows(Sequence):
    """Row tuples stored column by column."""

    def __init__(self, rows: list[tuple]) -> None:
        self.size = len(rows)
        self.columns = [_column(list(col)) for col in zip(*rows, strict=True)] if rows else []

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> tuple:  # type: ignore[override]
        if not 0 <= i < self.size:
            raise IndexError(i)
        return tuple(_value(c, i) for c in self.columns)


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") >> 1


class Keys(Mapping):
    """Folded name -> row numbers, as a sorted table of 63-bit name hashes (names kept to rule out collisions)."""

    def __init__(self, keys: dict[str, list[int]]) -> None:
        names = sorted(keys, key=lambda k: (_hash(k), k))
        self.hashes = np.array([_hash(k) for k in names], dtype=np.int64)
        self.names = Strings(names)
        self.ends = np.cumsum([len(keys[k]) for k in names], dtype=np.int64)
        self.rows = np.array([i for k in names for i in keys[k]], dtype=np.int64)

    def _find(self, key: str) -> int:
        h = _hash(key)
        i = int(np.searchsorted(self.hashes, h))
        while i < len(self.hashes) and self.hashes[i] == h:
            if self.names[i] == key:
                return i
            i += 1
        return -1

    def __getitem__(self, key: str) -> list[int]:
        i = self._find(key) if isinstance(key, str) else -1
        if i < 0:
            raise KeyError(key)
        return self.rows[int(self.ends[i - 1]) if i else 0:int(self.ends[i])].tolist()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def pack(rows: list[tuple], keys: dict[str, list[int]]) -> tuple[Sequence[tuple], Mapping[str, list[int]]]:
    """The index in its fast-loading form, each part only if it reads back exactly the same."""
    packed_rows = Rows(rows)
    if any(packed_rows[i] != row or list(map(type, packed_rows[i])) != list(map(type, row))
           for i, row in enumerate(rows)):
        packed_rows = rows  # type: ignore[assignment]
    packed_keys = Keys(keys)
    if len(packed_keys) != len(keys) or any(packed_keys.get(k) != list(v) for k, v in keys.items()):
        packed_keys = keys  # type: ignore[assignment]
    return packed_rows, packed_keys

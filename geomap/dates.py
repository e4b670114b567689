"""Explicit date expressions in news text, found with their offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from geomap.lexicon import case_fold

MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for m in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_PATTERNS = [
    # 2017-10-28
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?![\d:])"),
    # Sunday, October 29, 2017 / October 28, 2017 / Oct. 28 2017
    re.compile(_WEEKDAY + _MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    # Fri 07 Apr 2017 / 26 October 2017
    re.compile(_WEEKDAY + r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b",
               re.I),
]
# Every pattern above needs a year; most sentences have none, and this one scan rules all three out.
_YEAR = re.compile(r"(?:19|20)\d\d")
# Many that name a year ("in 2014") name no day of it: the ISO form (the first) needs a dash, the others a month,
# every spelling of which starts with one of these.
_MONTH_START = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", re.I)


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    value: date


def find_dates(text: str) -> list[DateMatch]:
    """Every full (day, month, year) date in ``text``, in text order, overlaps removed."""
    found: list[DateMatch] = []
    if not _YEAR.search(text):
        return found
    patterns = _PATTERNS[:1] if "-" in text else []
    if _MONTH_START.search(text):
        patterns += _PATTERNS[1:]
    for pattern in patterns:
        for m in pattern.finditer(text):
            g = m.groupdict()
            # case_fold: the name as the case-insensitive pattern read it ("ſept", with a long s, is "sept").
            month = int(g["mnum"]) if g.get("mnum") else MONTHS[case_fold(g["month"])]
            try:
                value = date(int(g["year"]), month, int(g["day"]))
            except ValueError:
                continue
            found.append(DateMatch(m.start(), m.end(), value))
    found.sort(key=lambda d: (d.start, -d.end))
    result: list[DateMatch] = []
    for d in found:
        if not result or d.start >= result[-1].end:
            result.append(d)
    return result

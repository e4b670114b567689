"""Sentence spans with offsets into the article text."""

from __future__ import annotations

import re

from geomap.textnorm import find_all, matches_at

# Abbreviations that end in a period without ending a sentence.
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Col|Gen|Lt|Maj|Capt|Sgt|St|Jr|Sr|No|vs|etc|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|"
                     r"Sept|Oct|Nov|Dec|U\.S|U\.N|U\.K|[A-Z])\.)$")
_CLOSERS = r"[\"'”’)\]*_]*(?=\s)"  # what may close a sentence after its end marks
_BREAKS = r"\n\s*\n|\n(?=[^\n]{0,80}\n)"
_END = re.compile(r"[.!?…]+" + _CLOSERS + "|" + _BREAKS)
# The same, each alternative starting with a literal: the regex engine then scans for their first characters in C
# and enters no alternative at the many positions that hold none (a lookahead guard is tried at each position).
_END_GUARDED = re.compile("|".join(re.escape(c) + "[.!?…]*" + _CLOSERS for c in ".!?…") + "|" + _BREAKS)
_END_FIRST = ".!?…\n"  # the characters that _END_GUARDED's alternatives start with


def end_marks(text: str) -> list[re.Match]:
    """The matches of ``_END_GUARDED.finditer(text)``, the pattern tried only where a character it starts with is.

    ``str.find`` goes to the next such character in C several times faster than the regex engine's search, which tests
    each character of the text against the set of first characters; trying them in order, each past the last match,
    finds the leftmost match as the search does.
    """
    return matches_at(_END_GUARDED, text, sorted(find_all(text, _END_FIRST)))


def abbreviation_ends(tail: str) -> bool:
    """Whether ``tail`` ends with an abbreviation's period; most do not end with a period at all (``$``: or ".\\n")."""
    return tail.endswith((".", ".\n")) and bool(_ABBREV.search(tail))


def split(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; paragraph breaks always end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in end_marks(text):
        end, mark = m.end(), m.group()
        # Only a mark with a period (or a period before a line end) can close an abbreviation, and most sentences end
        # with a bare period after a word of five letters or more, longer than any abbreviation: no test needed.
        if (("." in mark or text[end - 2:end] == ".\n")
                and not (mark == "." and end - 6 >= start and text[end - 6:end - 1].isalpha())
                and abbreviation_ends(text[max(start, end - 6):end].rstrip("\"'”’)]"))):
            continue
        if mark.strip() and text[end:end + 3].lstrip()[:1].islower():
            continue  # "… as the council tries": not a sentence end
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out

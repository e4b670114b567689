"""Folding for name matching: the fast path gives exactly what the per-character definition gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from geomap import textnorm
from geomap.textnorm import _fold_with_map_chars, fold, fold_with_map

# Characters that fold away, expand, become spaces, combine or sit at the edges of the possessive rule.
TRICKY = st.sampled_from(list("aAsSzZ09'’‘`ʿʾ´ -—_/\t\n.,éÉßﬁİ\u0301\u2009\u00a0") + ["\x00", "\ud800"])


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=TRICKY, max_size=40) | st.text(max_size=40))
def test_fold_with_map_matches_the_per_character_definition(text):
    folded, index = fold_with_map(text)
    assert (folded, list(index)) == _fold_with_map_chars(text)
    assert fold(text) == _fold_with_map_chars(text)[0].strip()


def test_offsets_point_back_into_the_text():
    text = "Iraq’s army   entered Ḥalab — and al-Bāb."
    folded, index = fold_with_map(text)
    assert folded == "iraq s army entered halab and al bab."
    assert [text[index[folded.index(w)]:index[folded.index(w) + len(w) - 1] + 1] for w in ("halab", "al bab")] == [
        "Ḥalab", "al-Bāb"]


def test_an_expanding_character_keeps_every_offset():
    folded, index = fold_with_map("Straße 5")
    assert folded == "strasse 5" and list(index) == [0, 1, 2, 3, 4, 4, 5, 6, 7]


def test_offsets_of_a_text_longer_than_the_kept_array_are_its_own(monkeypatch):
    monkeypatch.setattr(textnorm, "IDENTITY_KEPT", 16)
    monkeypatch.setattr(textnorm, "_IDENTITY", textnorm.array("q"))
    text = "Mosul, Iraq\u00a0and Raqqa, Syria"  # longer than 16, with a character folded to a space
    folded, index = fold_with_map(text)
    assert (folded, list(index)) == _fold_with_map_chars(text)
    assert len(textnorm._IDENTITY) == 0  # nothing kept for it
    assert list(fold_with_map("Hawija")[1]) == list(range(6)) and len(textnorm._IDENTITY) <= 16

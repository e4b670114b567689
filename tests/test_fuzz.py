"""Property-based: random unicode and random bytes through recognition, resolution and claim extraction.

Whatever the text, no stage raises and every offset indexes the text: ``text[start:end]`` is the mention, claims
lie within the text. Random characters alone rarely form a place name, so one strategy splices names, event
words and characters that change length when folded (``İ``, ``ß``, ``ﬁ``, combining marks) into random text.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.dates import find_dates
from geomap.ingest import SkippedFile, decode
from geomap.model import Article
from geomap.pipeline import extract
from geomap.recognize import recognize

PIECES = ["Hawija", "al-Hawija", "Mosul", "Raqqa", "Deir ez-Zor", "Syria", "Iraq", "Damascus said", "US-led",
          "the town of ", " province", "in ", "near ", "militants surrendered", "air strikes killed 12 civilians",
          "officials said", "reportedly", "on Monday", "26 October 2017", ". ", "\n\n", "\r\n", "İstanbul", "ß",
          "ﬁ", "e\u0301", "’s", "Al-", "Abu ", "Inside Syria Media Center", "’", "\u200b", "\ufeff", "🙂", "ǅ"]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.function_scoped_fixture])
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map("".join),
    st.binary(max_size=300).map(lambda b: _decoded(b)),
)


def _decoded(data: bytes) -> str:
    """Bytes as ingestion decodes them (binary-looking input is refused there, so it is read as latin-1 here)."""
    try:
        return decode(data, Path("fuzz.txt"))
    except SkippedFile:
        return data.decode("latin-1")


def assert_indexes(text: str, start: int, end: int, part: str | None = None) -> None:
    assert 0 <= start <= end <= len(text)
    if part is not None:
        assert text[start:end] == part


@SETTINGS
@given(text=texts)
def test_recognition_offsets_index_the_text(resources, text):
    for c in recognize(text, resources.gazetteer, resources.world):
        assert_indexes(text, c.start, c.end, c.text)
        assert c.start < c.end


@SETTINGS
@given(text=texts, published=st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())))
def test_extraction_never_raises_and_offsets_index_the_text(resources, text, published):
    x = extract(Article(id="fuzz", path="fuzz.txt", text=text, published=published), resources)
    for m in x.mentions:
        assert_indexes(text, m.start, m.end, m.text)
    located = x.places
    for c in x.claims:
        assert_indexes(text, c.start, c.end)
        assert set(c.places) <= set(located)
        assert all(0 <= i < len(x.mentions) for i in c.mentions)
    assert x.focus is None or x.focus.id in located


@SETTINGS
@given(text=texts)
def test_dates_offsets_index_the_text(text):
    for d in find_dates(text):
        assert_indexes(text, d.start, d.end)
        assert d.start < d.end

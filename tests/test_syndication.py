"""Syndicated copies: the indexed search finds exactly what comparing every pair would find."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from geomap.model import Article
from geomap.syndication import THRESHOLD, _order, find_duplicates, shingles

WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta"]


def every_pair(articles: list[Article]) -> dict[str, str]:
    """The definition: the earliest earlier original whose shingles contain enough of the smaller article's."""
    sets = {a.id: shingles(a.text) for a in articles}
    result: dict[str, str] = {}
    ordered = sorted(articles, key=_order)
    for i, later in enumerate(ordered):
        for earlier in ordered[:i]:
            a, b = sets[later.id], sets[earlier.id]
            small = min(len(a), len(b))
            if earlier.id not in result and small and len(a & b) / small >= THRESHOLD:
                result[later.id] = Path(earlier.path).name
                break
    return result


stories = st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(bases=st.lists(stories, min_size=1, max_size=4), picks=st.lists(
    st.tuples(st.integers(0, 3), st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), st.integers(0, 200),
              st.sampled_from([None, "2017-10-01", "2017-10-02"])), min_size=1, max_size=10))
def test_indexed_search_equals_comparing_every_pair(bases, picks):
    articles = []
    for n, (base, extra, cut, published) in enumerate(picks):
        text = (bases[base % len(bases)] + " " + extra)[:cut]  # copies, copies with additions, cut copies
        articles.append(Article(id=f"a{n}", path=f"folder/a{n}.txt", text=text, published=published))
    assert find_duplicates(articles) == every_pair(articles)


def test_boilerplate_shared_by_every_article_does_not_make_copies():
    boiler = "share this story on social media and subscribe to our newsletter today "
    story = "report {n} from town {n} on day {n} of the war in region {n} near river {n}"
    articles = [Article(id=f"a{n}", path=f"a{n}.txt", text=boiler + story.format(n=n)) for n in range(300)]
    copy = Article(id="copy", path="copy.txt", text=articles[7].text)
    assert every_pair([*articles, copy]) == {"copy": "a7.txt"}
    assert find_duplicates([*articles, copy]) == {"copy": "a7.txt"}

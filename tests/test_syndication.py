"""Syndicated copies: the indexed search finds exactly what comparing every pair would find."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap import syndication
from geomap.model import Article
from geomap.syndication import THRESHOLD, _order, copies, find_duplicates, shingles, signature, signatures

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


def tiny_batches(mp: pytest.MonkeyPatch) -> None:
    """Batches and bit sets small enough that a few articles span many of each (the join must not notice)."""
    mp.setattr(syndication, "BUDGET", 40)
    mp.setattr(syndication, "BINS", 900)
    mp.setattr(syndication, "COMMON", 64)


@settings(max_examples=300, deadline=None)
@given(bases=st.lists(stories, min_size=1, max_size=4), picks=st.lists(
    st.tuples(st.integers(0, 3), st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), st.integers(0, 200),
              st.sampled_from([None, "2017-10-01", "2017-10-02"])), min_size=1, max_size=10))
def test_indexed_search_equals_comparing_every_pair(bases, picks):
    articles = []
    for n, (base, extra, cut, published) in enumerate(picks):
        text = (bases[base % len(bases)] + " " + extra)[:cut]  # copies, copies with additions, cut copies
        articles.append(Article(id=f"a{n}", path=f"folder/a{n}.txt", text=text, published=published))
    expected = every_pair(articles)
    assert find_duplicates(articles) == expected
    with pytest.MonkeyPatch.context() as mp:
        tiny_batches(mp)
        assert find_duplicates(articles) == expected


def test_boilerplate_shared_by_every_article_does_not_make_copies():
    boiler = "share this story on social media and subscribe to our newsletter today "
    story = "report {n} from town {n} on day {n} of the war in region {n} near river {n}"
    articles = [Article(id=f"a{n}", path=f"a{n}.txt", text=boiler + story.format(n=n)) for n in range(300)]
    copy = Article(id="copy", path="copy.txt", text=articles[7].text)
    assert every_pair([*articles, copy]) == {"copy": "a7.txt"}
    assert find_duplicates([*articles, copy]) == {"copy": "a7.txt"}


SENTENCES = ("a car bomb exploded in {p} on {d} may killing {n} civilians",
             "residents who fled {p} described heavy shelling of the old market",
             "at least {n} people were killed in an air strike near {p} according to the observatory",
             "the statement issued on {d} may could not be independently verified",
             "fighters remain holed up in the town of {p} a spokesman told reporters",
             "analysts say the fight could last until the end of the year or longer")
PLACES = ("hawija", "mosul", "raqqa", "tal afar", "kirkuk", "al bab")


def template_corpus(count: int, seed: int) -> list[Article]:
    """Articles made of a few template sentences, as wire copy and generated text are, with copies among them.

    Every article shares most of its shingles with hundreds of others, and copies come whole, cut, padded,
    or re-dated, so many pairs land near the threshold on both sides.
    """
    rng = random.Random(seed)
    articles: list[Article] = []
    for k in range(count):
        published = rng.choice([None, "2017-10-01", "2017-10-02", "2017-10-03"])
        if articles and rng.random() < 0.2:
            text = rng.choice(articles).text
            words = text.split()
            how = rng.randrange(3)
            if how == 1:
                text = " ".join(words[:rng.randint(0, len(words))])
            elif how == 2:
                text += " " + " ".join(rng.choice(SENTENCES).format(p=rng.choice(PLACES), d=1, n=2)
                                       for _ in range(rng.randint(1, 12)))
        else:
            text = " ".join(rng.choice(SENTENCES).format(p=rng.choice(PLACES), d=rng.randint(1, 9), n=rng.randint(1, 9))
                            for _ in range(rng.randint(1, 25)))
        articles.append(Article(id=f"t{k}", path=f"corpus/t{k}.txt", text=text, published=published))
    return articles


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_template_heavy_corpus_finds_exactly_what_comparing_every_pair_finds(seed):
    articles = template_corpus(400, seed)
    expected = every_pair(articles)
    assert len(expected) > 40  # copies, and articles that happen to be made of the same sentences
    assert find_duplicates(articles) == expected
    with pytest.MonkeyPatch.context() as mp:
        tiny_batches(mp)
        assert find_duplicates(articles) == expected


def test_signatures_are_computed_in_workers_and_then_read_from_the_article_cache(tmp_path, monkeypatch):
    articles = template_corpus(60, 4)
    expected = [signature(a.text) for a in articles]
    assert signatures(articles, jobs=2, cache_dir=tmp_path) == expected
    assert (tmp_path / "extractions.sqlite").is_file()

    def not_again(text: str) -> bytes:
        raise AssertionError("computed again although cached")

    monkeypatch.setattr(syndication, "signature", not_again)
    assert signatures(articles, jobs=1, cache_dir=tmp_path) == expected
    assert find_duplicates(articles, expected) == every_pair(articles)


def test_signature_is_the_sorted_shingle_set():
    text = "Mortar rounds hit a school in Hawija and a clinic in Mosul on Monday, officials said."
    assert np.frombuffer(signature(text), dtype="<u4").tolist() == sorted(shingles(text))


def test_a_rebuild_compares_only_its_new_and_changed_articles(tmp_path, monkeypatch):
    articles = template_corpus(120, 5)
    assert copies(articles, jobs=1, cache_dir=tmp_path) == every_pair(articles)
    joins, compared = [], []
    monkeypatch.setattr(syndication, "all_pairs", lambda sigs: joins.append(len(sigs)) or syndication._similar_pairs(sigs))
    compare = syndication.pairs_with
    monkeypatch.setattr(syndication, "pairs_with", lambda new, sigs: compared.append(list(new)) or compare(new, sigs))

    # Nothing new: no signature is even loaded. Re-dated: the originals are picked again from the same pairs.
    with monkeypatch.context() as mp:
        mp.setattr(syndication, "signatures", lambda *a, **k: pytest.fail("signatures loaded with nothing new"))
        assert copies(articles, jobs=1, cache_dir=tmp_path) == every_pair(articles)
        copy = next(iter(every_pair(articles)))  # dated before its original, it becomes the original
        redated = [Article(a.id, a.path, a.text, published="2000-01-01") if a.id == copy else a for a in articles]
        assert every_pair(redated) != every_pair(articles)
        assert copies(redated, jobs=1, cache_dir=tmp_path) == every_pair(redated)
    assert joins == [] and compared == []

    # One article rewritten as a copy of another, one new copy, one article gone.
    edited = list(articles[1:])
    edited[10] = Article(edited[10].id, edited[10].path, edited[40].text + " with a new last line", "2017-10-09")
    edited.append(Article("late", "corpus/late.txt", edited[3].text, "2017-10-09"))
    assert copies(edited, jobs=1, cache_dir=tmp_path) == every_pair(edited)
    assert joins == [] and compared == [[10, len(edited) - 1]]
    assert copies(articles, jobs=1) == every_pair(articles) and joins == [len(articles)]  # no cache: the whole join


@pytest.mark.parametrize("seed", [6, 7])
def test_rebuild_after_rebuild_finds_what_comparing_every_pair_finds(tmp_path, monkeypatch, seed):
    monkeypatch.setattr(syndication, "INCREMENTAL_SHARE", 1.0)  # never the whole join after the first build
    rng = random.Random(seed)
    pool = template_corpus(300, seed)
    articles = pool[:60]
    for step in range(12):
        assert copies(articles, jobs=1, cache_dir=tmp_path) == every_pair(articles), step
        articles = [a for a in articles if rng.random() > 0.05]  # some go
        for n in rng.sample(range(len(articles)), 3):  # some are edited: cut, or made a copy of another
            a, other = articles[n], rng.choice(articles)
            text = other.text if rng.random() < 0.5 else " ".join(a.text.split()[:rng.randint(0, 40)])
            articles[n] = Article(a.id, a.path, text, rng.choice([None, "2017-10-01", "2017-10-05"]))
        articles += pool[60 + 5 * step:65 + 5 * step]  # some come

"""The synthetic corpus: deterministic, about 800 words an article, as dense as news, and truth that names what
the text names."""

from __future__ import annotations

import json
import re

from geomap.ingest import find_articles, read_article
from geomap.pipeline import extract
from geomap.synth import TRUTH, density, write_corpus
from geomap.textnorm import fold, name_keys


def test_same_seed_same_bytes_and_truth_matches_the_text(resources, tmp_path):
    first = write_corpus(8, tmp_path / "a", resources.gazetteer, seed=5)
    write_corpus(8, tmp_path / "b", resources.gazetteer, seed=5)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir()) and TRUTH in files
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    truth = [json.loads(line) for line in (tmp_path / "a" / TRUTH).read_text(encoding="utf-8").splitlines()]
    assert [t["id"] for t in truth] == [t.id for t in first]
    (tmp_path / "a" / TRUTH).unlink()
    articles = {a.id: a for a in (read_article(p) for p in find_articles([tmp_path / "a"]))}
    for t in first:
        article = articles[t.id]
        assert 650 <= t.words <= 1000 and t.places
        text = fold(article.text)
        for pid in t.places:  # every true place is named in the text by one of its gazetteer names
            entry = resources.gazetteer.entries[pid]
            assert any(re.search(r"(?<!\w)" + re.escape(k) + r"(?!\w)", text)
                       for n in (entry.place.name, *entry.aliases) for k in name_keys(n))
    # geomap reads the article as the truth says, for most places (a measure, not a threshold on speed).
    found = sum(len(set(t.places) & {m.place.id for m in extract(articles[t.id], resources).mentions if m.place})
                for t in first)
    assert found >= 0.8 * sum(len(t.places) for t in first)


def test_as_dense_as_news(resources, tmp_path):
    """Sentences, located places and claims per 800 words in the range the seed and gold corpora span, give or
    take 10% (36.5-42.6 sentences, 21.6-28.2 located place mentions, 4.5-10.5 claims; ``make bench`` prints
    both): the per-article stage's cost follows them, so a denser corpus would understate its speed on news, a
    sparser one overstate it."""
    write_corpus(12, tmp_path, resources.gazetteer, seed=3)
    (tmp_path / TRUTH).unlink()
    read = [extract(read_article(p), resources) for p in find_articles([tmp_path])]
    per_800 = density(read)
    sentences, places, claims = per_800["sentences_800"], per_800["places_800"], per_800["claims_800"]
    assert 33 <= sentences <= 46 and 19 <= places <= 31 and 4 <= claims <= 12, (sentences, places, claims)

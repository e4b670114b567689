"""The article cache: a cached build is byte-identical to an uncached one, and a rebuild rereads only what changed."""

from __future__ import annotations

import gc
import logging
import re
import shutil
from pathlib import Path

import pytest
from conftest import synthetic_corpus, tree

from geomap.cache import KEPT_PER_KIND, ArticleCache, article_key, article_keys, collector_paused, pickled
from geomap.cli import main
from geomap.pipeline import Engine, Resources, extract, find, gather

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
GAZETTEER = ROOT / "gazetteer.yaml"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, resources) -> Path:
    return synthetic_corpus(tmp_path_factory.mktemp("corpus"), resources, 6, seed=7)


def unchanged(caplog) -> tuple[int, int]:
    found = [re.search(r"(\d+) of (\d+) articles unchanged", r.getMessage()) for r in caplog.records]
    last = [m for m in found if m][-1]
    return int(last.group(1)), int(last.group(2))


def test_cached_builds_are_byte_identical_to_an_uncached_one(runner, corpus, tmp_path):
    cache = tmp_path / "cache"
    common = [str(corpus), "--gazetteer", str(GAZETTEER), "--jobs", "1"]
    for out, extra in (("plain", ["--no-cache"]), ("cold", ["--cache", str(cache)]), ("warm", ["--cache", str(cache)])):
        result = runner.invoke(main, ["build", *common, "--out", str(tmp_path / out), *extra])
        assert result.exit_code == 0, result.output
    n = len(list(corpus.iterdir()))
    assert f"{n} of {n} articles unchanged" in result.output  # the warm build read nothing again
    assert tree(tmp_path / "plain") == tree(tmp_path / "cold") == tree(tmp_path / "warm")
    assert (cache / ArticleCache.FILE).is_file()


def test_cache_round_trips_every_dataclass_exactly(resources, corpus, tmp_path):
    engine = Engine(jobs=1, cache_dir=tmp_path)
    cold = gather([corpus], resources, engine=engine).extractions
    warm = gather([corpus], resources, engine=engine).extractions
    fresh = [extract(x.article, resources) for x in cold]
    assert warm == cold == fresh
    assert [repr(x) for x in warm] == [repr(x) for x in fresh]
    # Each reading's digest is kept with it, and is the one its values give.
    assert all(x.known_digest for x in warm) and all(x.known_digest is None for x in fresh)
    assert [x.known_digest for x in warm] == [x.digest() for x in fresh]


def test_touching_one_article_rereads_only_it(resources, corpus, tmp_path, caplog):
    folder = tmp_path / "articles"
    shutil.copytree(corpus, folder)
    engine = Engine(jobs=1, cache_dir=tmp_path / "cache")
    caplog.set_level(logging.INFO, logger="geomap")
    gather([folder], resources, engine=engine)
    n = len(list(folder.iterdir()))
    assert unchanged(caplog) == (0, n)
    touched = sorted(folder.glob("synth-*.md"))[2]
    touched.write_text(touched.read_text(encoding="utf-8") + "\nMore fighting was reported in Kirkuk.\n", encoding="utf-8")
    rebuilt = gather([folder], resources, engine=engine).extractions
    assert unchanged(caplog) == (n - 1, n)
    x = next(x for x in rebuilt if x.article.path == str(touched))
    assert x == extract(x.article, resources) and "Kirkuk" in {m.text for m in x.mentions}


def test_article_keys_are_each_articles_own_key(resources, corpus, tmp_path):
    """``article_keys`` makes each name's entries and each article's text once: the keys are ``article_key``'s."""
    articles = list(find([corpus]).articles)
    store = ArticleCache(tmp_path)
    try:
        for _ in range(2):  # the names each article contains found, then taken from the store
            keys = article_keys(articles, resources.gazetteer, resources.context, store)
            assert keys == [article_key(a, resources.gazetteer, resources.context) for a in articles]
    finally:
        store.close()
    assert len(set(keys)) == len(articles)


def test_the_collector_is_paused_only_meanwhile():
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()


TWO_PLACES = """\
version: 1
places:
  - id: hawija
    name: Hawija
    kind: town
    country: IQ
    point: [35.32, 43.77]
  - id: raqqa
    name: Raqqa
    kind: city
    country: SY
    point: [35.95, 39.01]
"""


def two_places(tmp_path: Path) -> tuple[Path, Path]:
    """A two-place gazetteer and an article folder naming one place per article."""
    gaz = tmp_path / "gazetteer.yaml"
    gaz.write_text(TWO_PLACES, encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "hawija.txt").write_text("Iraqi forces entered Hawija on Thursday, officials said.\n", encoding="utf-8")
    (folder / "raqqa.txt").write_text("Air strikes hit Raqqa on Wednesday, activists said.\n", encoding="utf-8")
    return gaz, folder


def test_editing_a_gazetteer_entry_rereads_only_articles_that_name_it(tmp_path, caplog):
    gaz, folder = two_places(tmp_path)
    engine = Engine(jobs=1, cache_dir=tmp_path / "cache")
    caplog.set_level(logging.INFO, logger="geomap")
    gather([folder], Resources.load(gaz), engine=engine)
    gaz.write_text(TWO_PLACES.replace("[35.95, 39.01]", "[35.9, 39.0]"), encoding="utf-8")
    res = Resources.load(gaz)
    rebuilt = {x.article.id: x for x in gather([folder], res, engine=engine).extractions}
    assert unchanged(caplog) == (1, 2)
    raqqa = next(m.place for m in rebuilt["raqqa"].mentions if m.place)
    assert (raqqa.lat, raqqa.lon) == (35.9, 39.0)
    # An entry's position in the file (its line) is not part of what an article depends on.
    assert article_key(rebuilt["hawija"].article, res.gazetteer, res.context) == article_key(
        rebuilt["hawija"].article, Resources.load(gaz).gazetteer, res.context)


@pytest.mark.parametrize("args, code, message", [
    (["--cache", "{tmp}/c", "--no-cache"], 2, "--cache and --no-cache contradict each other"),
    (["--cache", "{tmp}/file"], 2, "is a file"),
    (["--jobs", "0"], 2, "0 is not in the range x>=1"),
])
def test_engine_option_errors(runner, corpus, tmp_path, args, code, message):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(main, ["build", str(corpus), "--gazetteer", str(GAZETTEER), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split())


def test_a_site_built_from_the_same_inputs_is_left_as_it_is(runner, tmp_path):
    """No article, gazetteer or geomap file changed: nothing is read or written. Any change builds it again,
    to the same bytes as a build from scratch."""
    gaz, folder = two_places(tmp_path)
    out = tmp_path / "site"
    args = ["build", str(folder), "--gazetteer", str(gaz), "--jobs", "1"]

    def build(*extra: str, to: Path = out, cache: str = "cache") -> str:
        result = runner.invoke(main, [*args, "--out", str(to), "--cache", str(tmp_path / cache), *extra])
        assert result.exit_code == 0, result.output
        return result.output

    def stamps() -> dict[str, int]:
        return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")}

    assert "up to date" not in build()
    before = stamps()
    assert "is up to date" in build()
    assert stamps() == before  # not one file written

    changes = [
        lambda: (folder / "raqqa.txt").write_text("Air strikes hit Raqqa on Friday.\n", encoding="utf-8"),
        lambda: gaz.write_text(TWO_PLACES.replace("[35.95, 39.01]", "[35.9, 39.0]"), encoding="utf-8"),
        lambda: (folder / "hawija.txt").rename(folder / "hawija2.txt"),
        lambda: next(out.glob("places/*.html")).unlink(),  # the site itself lost a file
        lambda: (out / "stray.html").write_text("not geomap's", encoding="utf-8"),
        lambda: (out / "index.html").write_text("edited", encoding="utf-8"),
    ]
    for n, change in enumerate(changes):
        change()
        assert "up to date" not in build()
        assert "is up to date" in build()
        if n < 3:  # the inputs changed
            build(to=tmp_path / f"fresh{n}", cache=f"empty{n}")
            assert tree(out) == tree(tmp_path / f"fresh{n}")
    assert "up to date" not in build("--force")


def test_prepared_files_keep_the_last_used_of_each_kind(tmp_path):
    """Each gazetteer edit keys a new name matcher (28 MB): the folder keeps the few last used of a kind, not all."""
    import os

    built: list[str] = []

    def prepare(kind: str, n: int) -> str:
        return pickled(tmp_path / f"{kind}-{n}.pickle", lambda: built.append(f"{kind}-{n}") or f"{kind} {n}", kind)

    for n in range(KEPT_PER_KIND):
        assert prepare("matcher", n) == f"matcher {n}"
        os.utime(tmp_path / f"matcher-{n}.pickle", ns=(n * 10**9, n * 10**9))  # in use order, a second apart
    assert prepare("gazetteer", 0) == "gazetteer 0"
    assert prepare("matcher", 0) == "matcher 0"  # loaded, not built again: now the last used
    assert built.count("matcher-0") == 1
    assert prepare("matcher", KEPT_PER_KIND) == f"matcher {KEPT_PER_KIND}"  # one more: the least recently used goes
    left = sorted(p.name for p in tmp_path.glob("*.pickle"))
    assert left == sorted(["gazetteer-0.pickle", "matcher-0.pickle",
                           *(f"matcher-{n}.pickle" for n in range(2, KEPT_PER_KIND + 1))])
    assert prepare("matcher", 1) == "matcher 1" and built.count("matcher-1") == 2  # removed, so prepared again

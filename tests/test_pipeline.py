"""Gathering a corpus when the folder is hostile: files that vanish, link loops, id clashes, 10,000 files."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from geomap import parallel, pipeline
from geomap.errors import InputError
from geomap.ingest import find_articles
from geomap.pipeline import gather

STORY = "Report {n}\n\nMilitants surrendered in Hawija on Monday, officials said.\n"


@pytest.fixture
def geomap_log(caplog):
    """Records from the geomap logger, whose propagation the CLI may have turned off."""
    logger = logging.getLogger("geomap")
    logger.propagate = False  # recorded once, by caplog's handler; conftest restores the logger afterwards
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="geomap"):
            yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def articles(folder: Path, names: list[str]) -> Path:
    for n, name in enumerate(names):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STORY.format(n=n), encoding="utf-8")
    return folder


def test_a_file_that_disappears_between_listing_and_reading_is_skipped(tmp_path, resources, monkeypatch, geomap_log):
    folder = articles(tmp_path, ["a.txt", "b.txt", "c.txt"])

    def list_then_lose_one(paths):
        found = find_articles(paths)
        (folder / "b.txt").unlink()  # gone after it was listed, before it is read
        return found

    monkeypatch.setattr(pipeline, "find_articles", list_then_lose_one)
    corpus = gather([folder], resources)
    assert [x.article.id for x in corpus.extractions] == ["a", "c"]
    expected = (f"{folder / 'b.txt'}: no longer exists (moved or deleted while geomap was running, or a broken "
                "symbolic link); run the build again")
    assert corpus.skipped == [expected]
    assert f"skipped: {expected}" in geomap_log.text

    monkeypatch.setattr(pipeline, "find_articles", lambda paths: [folder / "a.txt", folder / "b.txt"])
    with pytest.raises(InputError, match=r"1 file\(s\) skipped and --strict is set"):
        gather([folder], resources, strict=True)


def test_link_loops_in_the_folder_are_skipped_and_the_rest_is_read(tmp_path, resources, geomap_log):
    folder = articles(tmp_path, ["a.txt", "sub/b.txt"])
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)
    corpus = gather([folder], resources)
    assert [x.article.id for x in corpus.extractions] == ["a", "b"]
    assert corpus.skipped == [f"{folder / 'loop.txt'}: symbolic link loop (it points back to itself); "
                              "fix or remove the link"]


def test_every_id_clash_is_named_at_once(tmp_path, resources):
    folder = articles(tmp_path, ["one/index.html", "two/index.html", "Story.md", "story.txt", "fine.txt"])
    with pytest.raises(InputError) as info:
        gather([folder], resources)
    assert str(info.value) == (
        f"{folder / 'one' / 'index.html'} and {folder / 'two' / 'index.html'} (id 'index-article'); "
        f"{folder / 'Story.md'} and {folder / 'story.txt'} (id 'story'): files that get the same article id "
        "(ids come from file names, folders and suffix left out); rename all but one of each")


@pytest.mark.parametrize(("seconds", "lines"), [(0.0, 10), (3600.0, 1)])
def test_progress_says_at_most_a_line_every_few_seconds_and_always_the_last(geomap_log, monkeypatch, seconds, lines):
    monkeypatch.setattr(parallel, "PROGRESS_SECONDS", seconds)
    progress = parallel.Progress(1000, "pages", "rendered")
    for _ in range(1000):
        progress.advance()
    said = [r.getMessage() for r in geomap_log.records]
    assert len(said) == lines and said[-1].startswith("rendered 1000/1000 pages (")


def test_ten_thousand_files_are_read_with_progress(tmp_path, resources, geomap_log, monkeypatch):
    monkeypatch.setattr(parallel, "PROGRESS_SECONDS", 0.0)  # a line every PROGRESS_EVERY articles, however fast
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(10_000):
        (folder / f"note-{n:05d}.txt").write_text(f"Note {n}\n\nQuiet day {n} in Hawija.\n", encoding="utf-8")
    corpus = gather([folder], resources)
    assert len(corpus.extractions) == 10_000 and corpus.skipped == [] and corpus.duplicates == {}
    assert corpus.extractions[-1].article.id == "note-09999"
    assert all(x.mentions and x.mentions[0].text == "Hawija" for x in corpus.extractions)
    progress = [r.getMessage() for r in geomap_log.records if r.levelno == logging.INFO]
    read = [re.sub(r" \(.*", "", m) for m in progress if m.startswith("read ")]
    assert read == [f"read {n * 1000}/10000 files" for n in range(1, 11)]
    extracted = [m for m in progress if re.match(r"extracted \d+/\d+ articles", m)]
    assert len(extracted) == 100 and extracted[-1].startswith("extracted 10000/10000 articles")
    assert sum(m.startswith("extracted 10000/10000 shingle sets") for m in progress) == 1

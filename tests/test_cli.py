"""The ``geomap`` command line: help, exit codes, messages, and a site that is only ever replaced whole."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import snapshot

from geomap.cli import main
from geomap.ingest import read_article
from geomap.pipeline import Resources
from geomap.site.output import MANIFEST

GAZETTEER = Path(__file__).resolve().parent.parent / "gazetteer.yaml"  # as in conftest.py

TINY_GAZETTEER = """\
version: 1
places:
  - id: hawija
    name: Hawija
    aliases: [al-Hawija]
    kind: town
    country: IQ
    region: Kirkuk
    point: [35.32, 43.77]
  - id: kirkuk
    name: Kirkuk
    kind: city
    country: IQ
    region: Kirkuk
    point: [35.47, 44.39]
  - id: mosul
    name: Mosul
    kind: city
    country: IQ
    region: Nineveh
    point: [36.34, 43.13]
  - id: raqqa
    name: Raqqa
    kind: city
    country: SY
    point: [35.95, 39.01]
"""

ARTICLES = {
    "hawija.md": """---
title: "Iraqi forces capture Hawija"
outlet: Northern Desk
author: Dilan Rashid
published: 2017-10-06
url: https://example.org/hawija
---
Iraqi forces captured the town of al-Hawija, west of Kirkuk, on Thursday, officials said.

More than 1,000 militants surrendered to Kurdish forces near Kirkuk, a spokesman said.
""",
    "raqqa.txt": """Coalition strikes hit Raqqa
By Omar Saleh, Euphrates Daily — October 12, 2017

Coalition aircraft carried out air strikes on Raqqa on Wednesday, killing at least 12 civilians, activists said.

Iraqi troops in Mosul were clearing the Old City, a general said.
""",
    "monitor.html": """<!DOCTYPE html><html><head><title>Monitor</title><meta name="author" content="Nour Khalil">
<script>var tags = ["Baghdad"];</script></head><body><nav>Mosul | Raqqa</nav>
<article><h1>Dozens surrender near Hawija</h1>
<p>Dozens of militants surrendered to Iraqi forces near Hawija on Friday, officers said.</p></article>
</body></html>
""",
}
IDS = {"hawija", "raqqa", "monitor"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))


@pytest.fixture(scope="module", autouse=True)
def loaded_resources():
    """Loading resources costs about a second (world names, matching automaton); the CLI does it once per process.

    Within this module each gazetteer *content* is loaded once and reused by later CLI runs; a changed or broken
    file is always loaded afresh, so every error path still runs for real. Yields the memo so a test can clear it.
    """
    original = Resources.load.__func__
    memo: dict = {}

    def load(cls, gazetteer_path, offline_fallback=True):
        try:
            key = (str(gazetteer_path), Path(gazetteer_path).read_bytes(), offline_fallback)
        except OSError:
            return original(cls, gazetteer_path, offline_fallback)
        if key not in memo:
            memo[key] = original(cls, gazetteer_path, offline_fallback)
        return memo[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Resources, "load", classmethod(load))
        yield memo


def write_articles(folder: Path, articles: dict[str, str | bytes] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in articles.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def build(runner: CliRunner, articles: list[Path], out: Path, gazetteer: Path, *extra: str):
    return runner.invoke(main, ["-q", "build", *map(str, articles), "--out", str(out), "--gazetteer", str(gazetteer),
                                *extra])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """A tiny article folder, a tiny gazetteer, and one good site built from them."""
    base = tmp_path_factory.mktemp("cli")
    gaz = base / "gazetteer.yaml"
    gaz.write_text(TINY_GAZETTEER, encoding="utf-8")
    articles = write_articles(base / "articles")
    site = base / "built" / "site"
    logger = logging.getLogger("geomap")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    result = build(CliRunner(), [articles], site, gaz)
    logger.handlers[:], logger.level, logger.propagate = saved
    assert result.exit_code == 0, result.output
    return {"gazetteer": gaz, "articles": articles, "site": site}


@pytest.fixture
def old_site(corpus, tmp_path) -> tuple[Path, dict]:
    """A copy of the good site in this test's folder, and its snapshot."""
    site = tmp_path / "site"
    shutil.copytree(corpus["site"], site)
    return site, snapshot(site)


def assert_untouched(site: Path, before: dict) -> None:
    assert snapshot(site) == before
    leftovers = [p.name for p in site.parent.iterdir() if p.name.startswith(f".{site.name}.")]
    assert leftovers == []  # no temporary build folder left beside it


# --- help and usage ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, purpose", [
    ([], "turn a folder of news articles into a map site"),
    (["build"], "Build the map site from ARTICLES"),
    (["extract"], "places with offsets, claims, focus"),
    (["gazetteer"], "Work with the curated gazetteer"),
    (["gazetteer", "check"], "Validate a gazetteer file"),
])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(runner, args, purpose, flag):
    result = runner.invoke(main, [*args, flag])
    assert result.exit_code == 0, result.output
    assert purpose in " ".join(result.output.split())
    assert "Usage: " in result.output


def test_help_lists_commands_and_build_options(runner):
    top = runner.invoke(main, ["--help"]).output
    for command in ("build", "extract", "gazetteer"):
        assert command in top
    options = runner.invoke(main, ["build", "--help"]).output
    for option in ("--out", "--gazetteer", "--strict"):
        assert option in options


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("geomap, version ")


@pytest.mark.parametrize("args, fragment", [
    (["--bogus"], "No such option"),
    (["build", "--bogus", "x"], "No such option"),
    (["extract", "--frobnicate", "x"], "No such option"),
    (["build"], "Missing argument"),
    (["extract"], "Missing argument"),
    (["nonsense"], "No such command"),
    (["gazetteer", "nonsense"], "No such command"),
])
def test_usage_errors_exit_2(runner, args, fragment):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert fragment in result.output


# --- failing builds leave the previous site as it was --------------------------------------------------------------


def _missing(tmp_path, corpus):
    return [tmp_path / "no-such-folder"], corpus["gazetteer"], (), ["no-such-folder", "no such file or folder"]


def _empty(tmp_path, corpus):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.pdf").write_bytes(b"%PDF-1.4")
    return [tmp_path / "empty"], corpus["gazetteer"], (), ["empty", "no articles found"]


def _binary_only(tmp_path, corpus):
    folder = write_articles(tmp_path / "binary", {"photo.txt": PNG})
    return [folder], corpus["gazetteer"], (), ["no readable articles", "photo.txt"]


def _strict(tmp_path, corpus):
    folder = write_articles(tmp_path / "mixed", {"good.md": ARTICLES["hawija.md"], "photo.txt": PNG})
    return [folder], corpus["gazetteer"], ("--strict",), ["1 file(s) skipped", "--strict", "photo.txt"]


def _bad_gazetteer(tmp_path, corpus):
    gaz = tmp_path / "broken.yaml"
    gaz.write_text(TINY_GAZETTEER.replace("kind: city", "kind: metropolis", 1), encoding="utf-8")
    return [corpus["articles"]], gaz, (), [f"{gaz}:12: kind: expected one of"]


def _missing_gazetteer(tmp_path, corpus):
    return [corpus["articles"]], tmp_path / "nope.yaml", (), ["nope.yaml", "gazetteer not found"]


def _bad_front_matter(tmp_path, corpus):
    folder = write_articles(tmp_path / "fm", {"a.md": "---\ntitle: T\nauthor: x: y\n---\nBody about Mosul.\n"})
    return [folder], corpus["gazetteer"], (), [f"{folder / 'a.md'}:3: front matter is not valid YAML"]


def _id_clash(tmp_path, corpus):
    folder = write_articles(tmp_path / "clash", {"story.md": ARTICLES["hawija.md"], "story.txt": ARTICLES["raqqa.txt"]})
    return [folder], corpus["gazetteer"], (), ["(id 'story'): files that get the same article id", "story.md", "story.txt"]


@pytest.mark.parametrize("case", [_missing, _empty, _binary_only, _strict, _bad_gazetteer, _missing_gazetteer,
                                  _bad_front_matter, _id_clash], ids=lambda f: f.__name__.strip("_"))
def test_failed_build_exits_1_and_keeps_the_old_site(runner, corpus, old_site, tmp_path, case):
    site, before = old_site
    articles, gaz, extra, fragments = case(tmp_path, corpus)
    result = build(runner, articles, site, gaz, *extra)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # a message, not a traceback
    for fragment in fragments:
        assert fragment in result.output
    assert_untouched(site, before)


def test_without_strict_a_binary_file_is_skipped_with_a_warning(runner, corpus, tmp_path):
    folder = write_articles(tmp_path / "mixed", {"good.md": ARTICLES["hawija.md"], "photo.txt": PNG})
    result = runner.invoke(main, ["build", str(folder), "--out", str(tmp_path / "site"),
                                  "--gazetteer", str(corpus["gazetteer"])])
    assert result.exit_code == 0, result.output
    assert "warning: skipped:" in result.stderr and "photo.txt" in result.stderr
    assert (tmp_path / "site" / "articles" / "good.html").is_file()
    assert not (tmp_path / "site" / "articles" / "photo.html").exists()


# --- refused output folders ------------------------------------------------------------------------------------------


def test_output_that_is_a_file(runner, corpus, tmp_path):
    out = tmp_path / "site"
    out.write_bytes(b"not a folder")
    result = build(runner, [corpus["articles"]], out, corpus["gazetteer"])
    assert result.exit_code == 1
    assert f"{out}: is a file, not a folder" in result.output
    assert out.read_bytes() == b"not a folder"


def test_output_equal_to_the_article_folder(runner, corpus, tmp_path):
    articles = write_articles(tmp_path / "articles")
    before = snapshot(articles)
    result = build(runner, [articles], articles, corpus["gazetteer"])
    assert result.exit_code == 1
    assert "is or contains the article input" in result.output and str(articles) in result.output
    assert snapshot(articles) == before


def test_output_containing_the_article_folder(runner, corpus, tmp_path):
    articles = write_articles(tmp_path / "work" / "articles")
    (tmp_path / "work" / MANIFEST).write_text("{}")  # even a folder that looks like geomap's own
    before = snapshot(tmp_path / "work")
    result = build(runner, [articles], tmp_path / "work", corpus["gazetteer"])
    assert result.exit_code == 1
    assert "is or contains the article input" in result.output
    assert snapshot(tmp_path / "work") == before


def test_output_inside_the_article_folder_is_refused(runner, corpus, tmp_path):
    articles = write_articles(tmp_path / "articles")
    before = snapshot(articles)
    result = build(runner, [articles], articles / "site", corpus["gazetteer"])
    assert result.exit_code == 1
    assert f"{articles / 'site'}: lies inside the article folder {articles}" in result.output
    assert snapshot(articles) == before


def test_output_root_is_refused(runner, corpus):
    before = sorted(os.listdir("/"))
    result = build(runner, [corpus["articles"]], Path("/"), corpus["gazetteer"])
    assert result.exit_code == 1
    assert "/: refusing to replace /" in result.output
    assert sorted(os.listdir("/")) == before


def test_output_current_folder_is_refused(runner, corpus, tmp_path, monkeypatch):
    (tmp_path / "keep.txt").write_text("precious")
    monkeypatch.chdir(tmp_path)
    result = build(runner, [corpus["articles"]], Path("."), corpus["gazetteer"])
    assert result.exit_code == 1
    assert "refusing to replace" in result.output
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_output_project_folder_is_refused(runner, corpus, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\n")
    (project / MANIFEST).write_text("{}")
    before = snapshot(project)
    result = build(runner, [corpus["articles"]], project, corpus["gazetteer"])
    assert result.exit_code == 1
    assert "looks like a project folder" in result.output
    assert snapshot(project) == before


def test_output_the_repository_root_is_refused(runner, corpus, tmp_path, monkeypatch):
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(tmp_path)  # so that it is refused as a project folder, not as the current folder
    before = sorted(os.listdir(root))
    result = build(runner, [corpus["articles"]], root, corpus["gazetteer"])
    assert result.exit_code == 1
    assert f"{root}: looks like a project folder; choose a dedicated folder such as --out site" in result.output
    assert sorted(os.listdir(root)) == before
    assert not [name for name in os.listdir(root.parent) if name.startswith(f".{root.name}.")]


def test_existing_folder_without_manifest_is_refused(runner, corpus, tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.md").write_text("my notes")
    (out / "sub").mkdir()
    (out / "sub" / "index.html").write_text("<p>mine</p>")
    before = snapshot(out)
    result = build(runner, [corpus["articles"]], out, corpus["gazetteer"])
    assert result.exit_code == 1
    assert f"{out}: exists and was not written by geomap (no {MANIFEST})" in result.output
    assert_untouched(out, before)


def test_empty_existing_folder_is_used(runner, corpus, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    result = build(runner, [corpus["articles"]], out, corpus["gazetteer"])
    assert result.exit_code == 0, result.output
    assert (out / MANIFEST).is_file()


def test_rebuild_replaces_a_geomap_site_whole(runner, corpus, old_site):
    site, before = old_site
    (site / "stale.html").write_text("from an older build")
    result = build(runner, [corpus["articles"]], site, corpus["gazetteer"])
    assert result.exit_code == 0, result.output
    assert not (site / "stale.html").exists()
    assert snapshot(site) == before
    assert [p.name for p in site.parent.iterdir()] == ["site"]  # no .site.tmp-/.site.old- folders left


# --- a successful build ----------------------------------------------------------------------------------------------


def test_build_writes_the_site(corpus):
    site = corpus["site"]
    assert (site / "index.html").read_bytes().startswith(b"<!DOCTYPE html>")
    assert {p.stem for p in (site / "articles").glob("*.html")} == IDS | {"index"}
    for article_id in IDS:
        page = (site / "articles" / f"{article_id}.html").read_text(encoding="utf-8")
        assert "<html" in page
    assert "Iraqi forces capture Hawija" in (site / "articles" / "hawija.html").read_text(encoding="utf-8")

    records = [json.loads(line) for line in (site / "data" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in records} == IDS and len(records) == 3

    geojson = json.loads((site / "data" / "claims.geojson").read_text(encoding="utf-8"))
    assert geojson["type"] == "FeatureCollection" and geojson["features"]
    for feature in geojson["features"]:
        assert feature["properties"]["article"] in IDS
        lon, lat = feature["geometry"]["coordinates"]
        assert 30 < lat < 40 and 35 < lon < 45  # [lon, lat] order, somewhere in Iraq/Syria
    assert {f["properties"]["place"] for f in geojson["features"]} >= {"hawija", "raqqa"}

    manifest = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["generator"] == "geomap"
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(manifest["files"]) == files
    import hashlib
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest


def test_two_builds_are_byte_identical(runner, corpus, tmp_path, loaded_resources):
    loaded_resources.clear()  # the second build loads its own resources, as a second process would
    other = tmp_path / "elsewhere" / "site2"
    result = build(runner, [corpus["articles"]], other, corpus["gazetteer"])
    assert result.exit_code == 0, result.output
    first, second = snapshot(corpus["site"]), snapshot(other)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


# --- extract --------------------------------------------------------------------------------------------------------

CONTRACT = ("id", "path", "title", "outlet", "author", "published", "duplicate_of", "mentions", "claims", "focus")


def extract_json(runner: CliRunner, articles: Path, gazetteer: Path) -> list[dict]:
    result = runner.invoke(main, ["extract", "--json", str(articles), "--gazetteer", str(gazetteer)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("{") for line in lines)  # nothing but JSON on stdout
    return [json.loads(line) for line in lines]


def test_extract_json_contract_and_offsets(runner, corpus):
    records = extract_json(runner, corpus["articles"], corpus["gazetteer"])
    assert sorted(r["id"] for r in records) == sorted(IDS)
    for record in records:
        assert set(CONTRACT) <= set(record)
        text = read_article(Path(record["path"])).text
        for m in record["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
        for c in record["claims"]:
            assert text[c["start"]:c["end"]] == c["text"]
            assert c["places"]
    by_id = {r["id"]: r for r in records}
    hawija = by_id["hawija"]
    assert (hawija["title"], hawija["outlet"], hawija["author"], hawija["published"], hawija["duplicate_of"]) == (
        "Iraqi forces capture Hawija", "Northern Desk", "Dilan Rashid", "2017-10-06", None)
    assert {m["place"] for m in hawija["mentions"]} >= {"hawija", "kirkuk"}
    assert hawija["focus"]["place"] == "hawija"
    assert "Baghdad" not in {m["text"] for m in by_id["monitor"]["mentions"]}  # script text is not read


def test_extract_plain_text(runner, corpus):
    result = runner.invoke(main, ["extract", str(corpus["articles"]), "--gazetteer", str(corpus["gazetteer"])])
    assert result.exit_code == 0, result.output
    assert "hawija: Iraqi forces capture Hawija" in result.stdout
    assert "monitor: Dozens surrender near Hawija" in result.stdout


def test_extract_missing_folder(runner, corpus, tmp_path):
    result = runner.invoke(main, ["extract", "--json", str(tmp_path / "gone"), "--gazetteer", str(corpus["gazetteer"])])
    assert result.exit_code == 1
    assert "gone: no such file or folder" in result.output
    assert result.stdout == ""


def test_extract_seeds_duplicates(runner, seeds, corpus):
    gazetteer = GAZETTEER if GAZETTEER.is_file() else corpus["gazetteer"]
    by_id = {r["id"]: r for r in extract_json(runner, seeds, gazetteer)}
    assert by_id["001-c0c47bbaa33e1972"]["duplicate_of"] == "000_45ba41644a78524a.txt"
    assert by_id["000-45ba41644a78524a"]["duplicate_of"] is None
    for record in by_id.values():
        text = read_article(Path(record["path"])).text
        assert all(text[m["start"]:m["end"]] == m["text"] for m in record["mentions"])

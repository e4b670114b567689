"""Incremental site output: a rebuild links unchanged files from the previous site, renders the rest, and gives the
same bytes as a build from scratch; an unchanged site is left as it is; an edited output file is not trusted."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import GAZETTEER, synthetic_corpus, tree

import geomap.site as site_module
from geomap import parallel
from geomap.cli import main
from geomap.pipeline import Resources, gather
from geomap.site import write_site
from geomap.site.incremental import Parted, Previous, SiteFiles
from geomap.site.output import MANIFEST


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def corpus_folder(tmp_path_factory, resources) -> Path:
    """12 synthetic articles and the examples."""
    return synthetic_corpus(tmp_path_factory.mktemp("incremental") / "articles", resources, 12, seed=7)


@pytest.fixture
def copy(corpus_folder, tmp_path) -> dict:
    """A private copy of the articles and of the real gazetteer, to change, and a site built from them."""
    articles = tmp_path / "articles"
    shutil.copytree(corpus_folder, articles)
    gazetteer = tmp_path / "gazetteer.yaml"
    shutil.copy(GAZETTEER, gazetteer)
    site = tmp_path / "site"
    stats = write_site(gather([articles], Resources.load(gazetteer)), site, protect=[articles])
    assert stats["reused"] == 0 and stats["rendered"] == len(tree(site)) - 1  # all but the manifest
    return {"articles": articles, "gazetteer": gazetteer, "site": site, "stats": stats}


def rebuild_and_compare(copy: dict, tmp_path: Path) -> dict:
    """Rebuild the copy's site incrementally and a fresh one from scratch; they must be byte-identical."""
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))
    stats = write_site(corpus, copy["site"], protect=[copy["articles"]])
    fresh = tmp_path / "fresh"
    write_site(corpus, fresh, protect=[copy["articles"]])
    assert tree(copy["site"]) == tree(fresh)
    return stats


def test_touching_one_article_renders_only_what_shows_it_and_equals_a_full_build(copy, tmp_path):
    total = copy["stats"]["rendered"]
    before = inodes(copy["site"])
    article = copy["articles"] / "synth-000003.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nClashes broke out in Hawija on Monday.\n",
                       encoding="utf-8")
    stats = rebuild_and_compare(copy, tmp_path)
    assert stats["rendered"] + stats["reused"] == total
    assert 0 < stats["rendered"] < total // 2
    after = inodes(copy["site"])
    rendered = {name for name in after if after[name] != before.get(name)}
    assert "articles/synth-000003.html" in rendered and "places/hawija.html" in rendered
    assert "articles/synth-000004.html" not in rendered  # an untouched article's page is the same file, linked
    assert "popups/hawija.js" in rendered and [n for n in after if n.startswith("popups/") and n not in rendered]
    assert {"index.html", "data/claims.csv", "articles/index.html"} <= rendered  # pages of the whole corpus
    assert len(rendered) == stats["rendered"] + 1  # and the manifest


def test_touching_one_article_renders_only_its_parts_of_the_data_exports(copy, tmp_path, monkeypatch):
    rendered: list[str] = []
    for name in ("claim_features", "claim_rows", "unresolved_rows"):
        real = getattr(site_module, name)
        monkeypatch.setattr(site_module, name, lambda x, real=real: rendered.append(x.article.id) or real(x))
    article = copy["articles"] / "synth-000003.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nClashes broke out in Hawija on Monday.\n",
                       encoding="utf-8")
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))
    write_site(corpus, copy["site"], protect=[copy["articles"]])
    assert len(corpus.extractions) > 12 and rendered == ["synth-000003"] * 3  # the others' bytes are copied
    rendered.clear()
    write_site(corpus, tmp_path / "fresh", protect=[copy["articles"]])  # equal to rendering every part
    assert len(rendered) == 3 * len(corpus.extractions) - 2 * len(corpus.duplicates)
    assert tree(copy["site"]) == tree(tmp_path / "fresh")


def parted_file(root: Path, previous: Previous | None, parts: dict[str, str], how: Parted) -> list[str]:
    """Write ``parts`` (key -> text) as one parted file in ``root``; the keys whose text was rendered."""
    rendered: list[str] = []
    files = SiteFiles(root, previous)
    files.write_parts("data/x.txt", "file key " + "".join(parts.values()), how,
                      ((key, lambda key=key: rendered.append(key) or parts[key]) for key in parts))
    (root / MANIFEST).write_text(json.dumps(files.manifest("site")), encoding="utf-8")
    return rendered


@pytest.mark.parametrize("how", [Parted(), Parted(head="[", sep=",", tail="]\n"), Parted(head="é;", sep="||")])
def test_a_parted_file_copies_unchanged_parts_and_renders_the_others(tmp_path, how):
    first = {"a": "1", "b": "", "c": "ü3", "d": "4444", "e": ""}
    assert parted_file(tmp_path / "one", None, first, how) == list(first)
    expected = how.head + how.sep.join(t for t in first.values() if t) + how.tail
    assert (tmp_path / "one" / "data" / "x.txt").read_text(encoding="utf-8") == expected
    second = {"e": "", "x": "new", "c": "ü3", "b2": "now text", "a": "1"}  # reordered, new and changed (b2) parts
    rendered = parted_file(tmp_path / "two", Previous.read(tmp_path / "one"), second, how)
    assert rendered == ["x", "b2"]
    expected = how.head + how.sep.join(t for t in second.values() if t) + how.tail
    assert (tmp_path / "two" / "data" / "x.txt").read_text(encoding="utf-8") == expected


def test_a_parted_file_that_is_not_as_the_manifest_says_is_rendered_whole(tmp_path):
    parts, how = {"a": "alpha", "b": "beta"}, Parted(sep="\n")
    parted_file(tmp_path / "one", None, parts, how)
    target = tmp_path / "one" / "data" / "x.txt"
    target.write_text("alphA\nbeta", encoding="utf-8")  # same size, edited
    assert parted_file(tmp_path / "two", Previous.read(tmp_path / "one"), {**parts, "c": "new"}, how) == ["a", "b", "c"]
    assert (tmp_path / "two" / "data" / "x.txt").read_text(encoding="utf-8") == "alpha\nbeta\nnew"
    manifest = tmp_path / "two" / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["parts"]["data/x.txt"]["parts"][0] = data["parts"]["data/x.txt"]["parts"][0].replace(" 5", " 4")
    manifest.write_text(json.dumps(data), encoding="utf-8")  # its parts no longer add up to its size
    assert parted_file(tmp_path / "three", Previous.read(tmp_path / "two"), parts, how) == ["a", "b"]
    assert (tmp_path / "three" / "data" / "x.txt").read_text(encoding="utf-8") == "alpha\nbeta"


def test_a_failed_incremental_build_leaves_the_previous_site_as_it_was(copy, monkeypatch):
    before, numbers = tree(copy["site"]), inodes(copy["site"])
    article = copy["articles"] / "synth-000003.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nClashes broke out in Hawija on Monday.\n",
                       encoding="utf-8")
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure while rendering a place page")

    monkeypatch.setattr(site_module, "comparisons", broken)  # after the unchanged article pages were linked
    with pytest.raises(RuntimeError, match="injected failure"):
        write_site(corpus, copy["site"], protect=[copy["articles"]])
    assert tree(copy["site"]) == before and inodes(copy["site"]) == numbers
    assert sorted(p.name for p in copy["site"].parent.iterdir()) == ["articles", "gazetteer.yaml", "site"]


def test_editing_one_gazetteer_entry_equals_a_full_build(copy, tmp_path):
    text = copy["gazetteer"].read_text(encoding="utf-8")
    assert (copy["site"] / "places" / "hawija.html").is_file()
    assert text.count("point: [35.32592, 43.77267]") == 1  # Hawija
    copy["gazetteer"].write_text(text.replace("point: [35.32592, 43.77267]", "point: [35.4, 43.77267]"),
                                 encoding="utf-8")
    stats = rebuild_and_compare(copy, tmp_path)
    assert stats["reused"] > 0  # pages of articles that do not name Hawija are kept
    page = (copy["site"] / "places" / "hawija.html").read_text(encoding="utf-8")
    assert "35.4000" in page


def test_an_edited_or_missing_output_file_is_rendered_again(copy, tmp_path):
    page = copy["site"] / "places" / "hawija.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"Hawija", b"Tampered", 1))
    (copy["site"] / "articles" / "synth-000005.html").unlink()
    stats = rebuild_and_compare(copy, tmp_path)
    assert stats["rendered"] == 2
    assert page.read_bytes() == original


def test_an_unchanged_site_is_left_as_it_is_and_force_renders_it_again(copy, caplog):
    site = copy["site"]
    before, files = inodes(site), tree(site)
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))
    caplog.set_level("INFO", logger="geomap")
    stats = write_site(corpus, site, protect=[copy["articles"]])
    assert stats == {**copy["stats"], "rendered": 0, "reused": copy["stats"]["rendered"]}
    assert inodes(site) == before and tree(site) == files
    assert f"{site}: site is up to date" in caplog.text
    stats = write_site(corpus, site, protect=[copy["articles"]], force=True)
    assert stats == copy["stats"]
    assert not set(inodes(site).values()) & set(before.values())  # every file written anew
    assert tree(site) == files


def test_a_file_added_to_an_unchanged_site_is_removed_by_the_rebuild(copy):
    before = tree(copy["site"])
    (copy["site"] / "places" / "notes.html").write_text("mine", encoding="utf-8")
    stats = write_site(gather([copy["articles"]], Resources.load(copy["gazetteer"])), copy["site"],
                       protect=[copy["articles"]])
    assert stats["rendered"] == 0 and stats["reused"] == copy["stats"]["rendered"]
    assert tree(copy["site"]) == before


def test_a_manifest_from_another_version_renders_everything(copy):
    before = tree(copy["site"])
    manifest = copy["site"] / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["site_key"] = "0" * 64
    data["keys"] = {name: "0" * 64 for name in data["keys"]}
    manifest.write_text(json.dumps(data), encoding="utf-8")
    stats = write_site(gather([copy["articles"]], Resources.load(copy["gazetteer"])), copy["site"],
                       protect=[copy["articles"]])
    assert stats == copy["stats"]
    assert tree(copy["site"]) == before


def test_cli_says_the_site_is_up_to_date_and_force_rebuilds(runner, copy):
    args = ["build", str(copy["articles"]), "--out", str(copy["site"]), "--gazetteer", str(copy["gazetteer"]),
            "--no-cache", "--jobs", "1"]
    result = runner.invoke(main, args)  # every page as before; the manifest now also holds what the CLI read
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == 0  # what the build froze out of the collector's sight is unfrozen when it ends
    assert f"{copy['site']}: 0 files rendered, {copy['stats']['rendered']} unchanged since the last build" in result.output
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"{copy['site']}: site is up to date (" in result.output
    result = runner.invoke(main, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert "site is up to date" not in result.output
    assert re.search(rf"{re.escape(str(copy['site']))}: (\d+) files rendered, 0 unchanged since the last build",
                     result.output)


def test_adding_an_article_renders_only_the_pages_of_the_whole_corpus_and_what_it_shows(copy, tmp_path):
    """The site's facts (articles, gazetteer, newest date) change with every article added: only the pages of the
    whole corpus show them, so the other pages are not rendered again."""
    before = inodes(copy["site"])
    (copy["articles"] / "added.md").write_text(  # newer than every other article: "data as of" moves
        "---\ntitle: Added\noutlet: New Desk\npublished: 2031-05-04\n---\nClashes broke out in Hawija on Monday.\n",
        encoding="utf-8")
    stats = rebuild_and_compare(copy, tmp_path)
    after = inodes(copy["site"])
    rendered = {name for name in after if after[name] != before.get(name)}
    assert len(rendered) == stats["rendered"] + 1  # and the manifest
    assert {"articles/added.html", "places/hawija.html", "popups/hawija.js", "index.html", "about.html",
            "articles/index.html"} <= rendered
    untouched = [n for n in after if n.startswith(("articles/synth-", "places/", "popups/")) and n not in rendered]
    assert "articles/synth-000004.html" in untouched and any(n.startswith("places/") for n in untouched)
    about = (copy["site"] / "about.html").read_text(encoding="utf-8")
    assert 'Data as of <time datetime="2031-05-04">' in about and "data as of 2031-05-04" in about
    page = (copy["site"] / "articles" / "added.html").read_text(encoding="utf-8")
    assert "<footer>Built by geomap. Data:" in page  # no facts a later article would change


def test_pages_rendered_side_by_side_equal_those_of_one_process(copy, tmp_path):
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))
    write_site(corpus, tmp_path / "two", protect=[copy["articles"]], jobs=2)
    assert tree(tmp_path / "two") == tree(copy["site"])
    article = copy["articles"] / "synth-000003.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nClashes broke out in Hawija on Monday.\n",
                       encoding="utf-8")
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))
    stats = write_site(corpus, tmp_path / "two", protect=[copy["articles"]], jobs=2)
    write_site(corpus, tmp_path / "fresh", protect=[copy["articles"]])
    assert 0 < stats["rendered"] < stats["reused"] and tree(tmp_path / "two") == tree(tmp_path / "fresh")


@pytest.mark.skipif(not parallel.forks(), reason="pages are rendered side by side only where processes fork")
def test_side_by_side_pages_are_rendered_by_worker_processes_when_finished(tmp_path):
    files = SiteFiles(tmp_path, None, jobs=2)
    for n in range(6):
        files.write(f"p{n}.html", f"key {n}", lambda n=n: f"{n} {os.getpid()}")
    assert not list(tmp_path.iterdir())  # put off until finish
    with pytest.raises(RuntimeError, match="finish"):
        files.manifest("site")
    files.finish()
    pages = {p.name: p.read_text(encoding="utf-8").split() for p in tmp_path.iterdir()}
    assert sorted(pages) == [f"p{n}.html" for n in range(6)] and all(pages[f"p{n}.html"][0] == str(n) for n in range(6))
    assert str(os.getpid()) not in {pid for _, pid in pages.values()}
    manifest = files.manifest("site")
    for name in pages:
        data = (tmp_path / name).read_bytes()
        assert manifest["files"][name] == hashlib.sha256(data).hexdigest() and manifest["sizes"][name] == len(data)


@pytest.mark.parametrize(("memory", "jobs", "allowed"), [
    ((8 << 30, 40 << 30), 4, 4), ((8 << 30, 24 << 30), 4, 2), ((8 << 30, 20 << 30), 4, 1), (None, 4, 4),
    ((8 << 30, 1 << 30), 1, 1)])
def test_forked_workers_are_as_many_as_the_memory_allows_a_copy_each(monkeypatch, caplog, memory, jobs, allowed):
    monkeypatch.setattr(parallel, "_memory", lambda: memory)
    assert parallel.fork_budget(jobs, "40 pages rendered") == allowed
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    if allowed < jobs:
        assert said == [f"40 pages rendered by {allowed} process{'es' if allowed > 1 else ''}, not {jobs}: each forked "
                        f"worker may come to copy this process's 8.6 GB, and {memory[1] / 1e9:.1f} GB is available "
                        "(more free memory lets them run side by side)"]
    else:
        assert said == []


@pytest.mark.skipif(not parallel.forks(), reason="pages are rendered side by side only where processes fork")
def test_pages_are_rendered_here_when_a_forked_copy_would_not_fit(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "_memory", lambda: (10 << 30, 15 << 30))
    files = SiteFiles(tmp_path, None, jobs=2)
    for n in range(6):
        files.write(f"p{n}.html", f"key {n}", lambda n=n: f"{n} {os.getpid()}")
    files.finish()
    assert {p.read_text(encoding="utf-8").split()[1] for p in tmp_path.iterdir()} == {str(os.getpid())}


def test_a_page_failing_in_a_worker_leaves_the_previous_site_as_it_was(copy, monkeypatch):
    before, numbers = tree(copy["site"]), inodes(copy["site"])
    corpus = gather([copy["articles"]], Resources.load(copy["gazetteer"]))

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure while rendering a place page")

    monkeypatch.setattr(site_module, "comparisons", broken)  # inherited by the forked workers
    with pytest.raises(RuntimeError, match="injected failure"):
        write_site(corpus, copy["site"], protect=[copy["articles"]], force=True, jobs=2)
    assert tree(copy["site"]) == before and inodes(copy["site"]) == numbers
    assert sorted(p.name for p in copy["site"].parent.iterdir()) == ["articles", "gazetteer.yaml", "site"]

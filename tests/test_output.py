"""Atomic output: a build that is interrupted (SIGINT, SIGTERM, SIGKILL, an error mid-write) keeps the old site.

The interrupted builds are real ``geomap build`` processes. To stop them at a known point while they write, the
child runs the CLI with one seam wrapped: after the map and two article pages are in the temporary folder, the
wrapped ``article_segments`` announces the temporary folder in a file and waits (or raises) there. No timing.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import snapshot

from geomap.cli import main
from geomap.errors import OutputError
from geomap.pipeline import Resources, gather
from geomap.site import write_site
from geomap.site.incremental import SiteFiles
from geomap.site.output import MANIFEST, atomic_folder, recover_interrupted

GAZETTEER = """\
version: 1
places:
  - {id: hawija, name: Hawija, kind: town, country: IQ, point: [35.32, 43.77]}
  - {id: kirkuk, name: Kirkuk, kind: city, country: IQ, point: [35.47, 44.39]}
  - {id: mosul, name: Mosul, kind: city, country: IQ, point: [36.34, 43.13]}
"""
TOWNS = ("Hawija", "Kirkuk", "Mosul")

CHILD = r"""
import sys, time
from pathlib import Path
import geomap.site as site
from geomap.cli import main

ready, mode = Path(sys.argv[1]), sys.argv[2]
original, calls = site.article_segments, []

def paused(x):
    calls.append(x)
    if len(calls) == 3:  # index.html, assets and two article pages are written by now
        tmp = next(p for p in ready.parent.glob(".site.tmp-*"))
        ready.write_text(str(tmp))
        if mode == "raise":
            raise RuntimeError("injected failure while writing")
        while True:
            time.sleep(0.05)
    return original(x)

site.article_segments = paused
sys.argv = ["geomap", "build", *sys.argv[3:]]
main()
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict:
    """A corpus of 40 articles, its gazetteer, and a site built from the first 20 (the 'previous' site)."""
    base = tmp_path_factory.mktemp("atomic")
    gaz = base / "gazetteer.yaml"
    gaz.write_text(GAZETTEER, encoding="utf-8")
    articles = base / "articles"
    articles.mkdir()
    for n in range(40):
        town = TOWNS[n % 3]
        (articles / f"story-{n:02d}.md").write_text(
            f"---\ntitle: Report {n} from {town}\noutlet: Desk {n}\npublished: 2017-10-{n % 28 + 1:02d}\n---\n"
            f"Militants surrendered in {town} on Monday, officials said. Clashes were reported near {town}.\n",
            encoding="utf-8")
    res = Resources.load(gaz)
    first = base / "first"
    first.mkdir()
    for path in sorted(articles.iterdir())[:20]:
        shutil.copy(path, first / path.name)
    good = base / "good" / "site"
    write_site(gather([first], res), good, protect=[first])
    return {"gazetteer": gaz, "articles": articles, "good": good, "resources": res}


@pytest.fixture
def old_site(workspace, tmp_path) -> tuple[Path, dict]:
    site = tmp_path / "site"
    shutil.copytree(workspace["good"], site)
    return site, snapshot(site)


def start_build(workspace: dict, site: Path, mode: str, *extra: str) -> tuple[subprocess.Popen, Path]:
    ready = site.parent / "ready"
    args = [sys.executable, "-c", CHILD, str(ready), mode, str(workspace["articles"]), "--out", str(site),
            "--gazetteer", str(workspace["gazetteer"]), *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), ready


def wait_until_mid_write(proc: subprocess.Popen, ready: Path) -> Path:
    """The temporary folder, once the child says it is half written (a generous deadline only against hangs)."""
    deadline = time.monotonic() + 300
    while not ready.exists() or not ready.read_text():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before it was half written: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the build never reached the pause point")
        time.sleep(0.05)
    return Path(ready.read_text())


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("how, exit_code, message", [
    ("SIGINT", 1, "Aborted!"),
    ("SIGTERM", 128 + signal.SIGTERM, ""),
    ("raise", 1, "RuntimeError: injected failure while writing"),
])
def test_interrupted_build_keeps_the_old_site_and_cleans_up(workspace, old_site, how, exit_code, message, jobs):
    """With two jobs the pages are rendered by forked workers, and the pause (or the failure) is in one of them."""
    site, before = old_site
    proc, ready = start_build(workspace, site, "raise" if how == "raise" else "pause", "--jobs", jobs)
    tmp = wait_until_mid_write(proc, ready)
    if how != "raise":
        if jobs == "1":
            assert (tmp / "index.html").is_file() and len(list((tmp / "articles").glob("*.html"))) == 2  # mid-write
        else:
            assert (tmp / "assets").is_dir()  # mid-write; which pages the workers have written by now varies
        proc.send_signal(getattr(signal, how))
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == exit_code, stderr
    assert message in stderr
    if how != "raise":
        assert "Traceback" not in stderr  # stopping the workers leaves the pool's own thread nothing to fail on
    assert snapshot(site) == before  # byte-identical previous site
    assert not tmp.exists()
    assert sorted(p.name for p in site.parent.iterdir()) == ["ready", "site"]  # no stray temporary folders


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_killed_build_keeps_the_old_site_and_the_next_build_cleans_up(workspace, old_site, caplog, jobs):
    """With two jobs a worker is paused mid-page: it must end with the build (else the pipes stay open)."""
    site, before = old_site
    proc, ready = start_build(workspace, site, "pause", "--jobs", jobs)
    tmp = wait_until_mid_write(proc, ready)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(site) == before
    assert tmp.is_dir() and (tmp / "assets").is_dir()  # SIGKILL cannot be caught: the half-built folder stays

    write_site(gather([workspace["articles"]], workspace["resources"]), site, protect=[workspace["articles"]])
    assert not tmp.exists()  # ... and the next build removes it
    assert sorted(p.name for p in site.parent.iterdir()) == ["ready", "site"]
    assert len(list((site / "articles").glob("story-*.html"))) == 40
    assert f"removed {tmp.name}, left by an interrupted build (process {proc.pid})" in caplog.text


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_live_builds_and_other_folders_are_not_touched(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / MANIFEST).write_text("{}")
    gone, live = dead_pid(), os.getppid()
    names = [f".site.tmp-{gone}-abc", f".site.old-{gone}-def", f".site.tmp-{live}-ghi", f".other.tmp-{gone}-jkl",
             f".site.tmp-{gone}-file", "notes"]
    for name in names[:-2]:
        (tmp_path / name).mkdir()
    (tmp_path / names[-2]).write_text("a file, not a build folder")
    (tmp_path / "notes").mkdir()
    removed = recover_interrupted(site)
    assert sorted(p.name for p in removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", *names[2:]])


def test_a_build_killed_between_its_two_renames_gets_the_previous_site_back(workspace, tmp_path):
    """The window between 'site -> .site.old-' and '.site.tmp- -> site': the next build restores the old site."""
    site = tmp_path / "site"
    stranded = tmp_path / f".site.old-{dead_pid()}-xyz"
    shutil.copytree(workspace["good"], stranded)
    before = snapshot(stranded)
    restored = recover_interrupted(site)
    assert restored == [stranded]
    assert snapshot(site) == before and not stranded.exists()


def test_an_error_during_the_swap_puts_the_previous_site_back(workspace, old_site, monkeypatch):
    site, before = old_site
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(src).name.startswith(".site.tmp-"):
            raise KeyboardInterrupt  # Ctrl-C after the old site was moved aside, before the new one moved in
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt), atomic_folder(site, protect=[]) as root:
        (root / "index.html").write_text("new")
    assert snapshot(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]


def test_unsafe_output_is_refused_before_any_temporary_folder(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file")
    with pytest.raises(OutputError, match="is a file, not a folder"), atomic_folder(out, protect=[]):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_full_disk_fails_with_a_message_and_keeps_the_old_site(workspace, old_site, monkeypatch):
    site, before = old_site

    def disk_full(files: SiteFiles, name: str, key: str, render) -> None:
        (files.root / "partial.html").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SiteFiles, "write", disk_full)
    monkeypatch.setattr(Resources, "load", classmethod(lambda cls, *a, **k: workspace["resources"]))
    result = CliRunner().invoke(main, ["build", str(workspace["articles"]), "--out", str(site),
                                       "--gazetteer", str(workspace["gazetteer"])])
    assert result.exit_code == 1
    assert (f"{site}: cannot write the site (No space left on device); the previous site is unchanged; "
            "check free space and permissions") in result.output
    assert "Traceback" not in result.output
    assert snapshot(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]

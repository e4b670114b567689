"""Shared fixtures: the repo's real gazetteer, the shared seed corpus, the CLI runner."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap.pipeline import Resources

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "gazetteer.yaml"
EXAMPLES = ROOT / "examples" / "articles"
# ../shared beside the repo; from a git worktree (../wt/<name>) the nearest ancestor that has it.
SEEDS = next((p / "shared" / "corpus" / "seeds" for p in ROOT.parents if (p / "shared" / "corpus" / "seeds").is_dir()),
             ROOT.parent / "shared" / "corpus" / "seeds")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, by relative path: what a byte-identical build must reproduce."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (as None), by relative path: what an untouched folder keeps."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


def synthetic_corpus(folder: Path, resources: Resources, n: int, seed: int) -> Path:
    """N synthetic articles (no truth file) and the example articles, in one folder."""
    from geomap.synth import TRUTH, write_corpus

    write_corpus(n, folder, resources.gazetteer, seed=seed)
    (folder / TRUTH).unlink()
    for p in EXAMPLES.iterdir():
        shutil.copy(p, folder / p.name)
    return folder


@pytest.fixture(scope="session")
def resources() -> Resources:
    return Resources.load(GAZETTEER)


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS} (it lives in ../shared beside the repo)")
    return SEEDS


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser); skipped when missing, except under CI."""
    if not Path(CHROMIUM).exists():
        message = "Chromium not found: install it with `sudo apt-get install chromium` to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _restore_geomap_logger():
    """The CLI points the geomap logger at the runner's (then closed) stderr; put it back afterwards."""
    logger = logging.getLogger("geomap")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved

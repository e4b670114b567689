"""Shared fixtures: the repo's real gazetteer, the shared seed corpus, the CLI runner."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap.pipeline import Resources

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "gazetteer.yaml"
EXAMPLES = ROOT / "examples" / "articles"
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"


@pytest.fixture(scope="session")
def resources() -> Resources:
    return Resources.load(GAZETTEER)


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS} (it lives in ../shared beside the repo)")
    return SEEDS


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

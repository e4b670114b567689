"""Engines for the per-article stage: worker processes and a Dask cluster give the output of one process."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import synthetic_corpus, tree

from geomap import parallel, pipeline
from geomap.cli import main
from geomap.pipeline import Engine, extract_all, gather

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "gazetteer.yaml"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, resources) -> Path:
    return synthetic_corpus(tmp_path_factory.mktemp("corpus"), resources, 12, seed=3)


def test_worker_processes_give_the_same_extractions(resources, corpus):
    articles = gather([corpus], resources, engine=Engine(jobs=1)).extractions
    one = [x for x in articles]
    two = extract_all([x.article for x in articles], resources, Engine(jobs=2))
    assert two == one and [repr(x) for x in two] == [repr(x) for x in one]


def test_extract_json_is_the_same_with_any_jobs(runner, corpus):
    outputs = []
    for jobs in ("1", "2", "3"):
        result = runner.invoke(main, ["extract", "--json", str(corpus), "--gazetteer", str(GAZETTEER), "--no-cache",
                                      "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].count("\n") == len(list(corpus.iterdir()))


def test_dask_cluster_build_equals_the_local_build(runner, corpus, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    common = ["build", str(corpus), "--gazetteer", str(GAZETTEER), "--no-cache"]
    local = runner.invoke(main, [*common, "--out", str(tmp_path / "local"), "--jobs", "1"])
    assert local.exit_code == 0, local.output
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = runner.invoke(main, [*common, "--out", str(tmp_path / "cluster"), "--scheduler", cluster.scheduler_address])
        assert remote.exit_code == 0, remote.output
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            # The articles were read on the workers (which prepared their own resources), not in this process.
            assert any(client.run(lambda: bool(__import__("geomap.pipeline").pipeline._REMOTE)).values())
    assert not pipeline._REMOTE
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")


def test_unreachable_scheduler_says_so(runner, corpus, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", "1s")
    result = runner.invoke(main, ["build", str(corpus), "--gazetteer", str(GAZETTEER), "--no-cache", "--out",
                                  str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert not (tmp_path / "o").exists()


def test_scheduler_address_is_checked(runner, corpus, tmp_path):
    result = runner.invoke(main, ["build", str(corpus), "--out", str(tmp_path / "o"), "--scheduler", "localhost:8786"])
    assert result.exit_code == 2
    assert "expected an address such as tcp://10.0.0.5:8786, got 'localhost:8786'" in " ".join(result.output.split())

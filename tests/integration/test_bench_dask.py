"""The Dask path of `losscert bench`: a local cluster of 2 worker processes gives the same
records (verdicts, planted judgement, certificate checks) as the process pool."""

import json
from pathlib import Path

import pytest

from losscert.bench.instances import bench_instances
from losscert.bench.runner import RunOptions, run_instances
from losscert.cli import main

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.solver

KEYS = ("family", "instance", "verdict", "verdicts", "status", "wrong", "certificates_valid")


def test_local_cluster_matches_the_process_pool(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    instances = bench_instances("tiny")
    options = RunOptions(limit=60, baselines=False)
    with ProcessPoolExecutor(max_workers=2) as pool:
        expected = run_instances(instances, pool, options)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=str(tmp_path),
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_instances(instances, client.get_executor(), options)
        address = cluster.scheduler_address
        out = tmp_path / "cli"
        flags = ["--tier", "tiny", "--dask", address, "--no-baselines", "--no-plots"]
        code = main(["bench", *flags, "--out", str(out)])
    assert code == 0
    through_cli = json.loads((out / "results.json").read_text())["records"]
    assert [r["verdict"] for r in through_cli] == [r["verdict"] for r in expected]
    assert [{k: r[k] for k in KEYS} for r in got] == [{k: r[k] for k in KEYS} for r in expected]
    assert not any(r["wrong"] for r in got) and all(r["certificates_valid"] for r in got)
    assert {r["status"] for r in got} == {"done"}


def test_an_unreachable_scheduler_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["bench", "--tier", "tiny", "--dask", "tcp://127.0.0.1:9", "--out", str(tmp_path)])
    assert code == 2
    assert "--dask: cannot reach the scheduler 'tcp://127.0.0.1:9'" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()

"""Acceptance (issue 13): a ReLU classifier trained with PyTorch's Adam in float32 and
BCEWithLogitsLoss, imported with from_torch and certified with one `losscert certify` command:
the nearby local minimum PROVED (a box claim), spurious PROVED where a lower point exists."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from losscert.bench.training import train_torch_classifier
from losscert.checker import check_certificate

torch = pytest.importorskip("torch")


@pytest.mark.slow
@pytest.mark.parametrize("width", [1, 4])
def test_a_trained_logistic_classifier_is_certified(tmp_path: Path, width: int) -> None:
    from losscert.io.problem_file import write_problem

    write_problem(
        train_torch_classifier(width, seed=1), tmp_path / "classifier.json", name="classifier"
    )
    command = ["certify", str(tmp_path / "classifier.json"), "--json", "--out", str(tmp_path)]
    command += ["--verdict-of", "nearby"]
    out = subprocess.run(
        [sys.executable, "-m", "losscert", *command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    record = json.loads(out.stdout)
    assert record["risk"]["exact"] is None and record["risk"]["lower"] is not None
    nearby = record["nearby"]
    assert nearby["status"] == "proved" and nearby["spurious"] == "proved"
    assert float(nearby["box_radius_decimal"]) < 1e-6
    assert out.returncode == 0 and record["verdict"] == "proved"  # --verdict-of nearby
    written = [Path(p) for p in record["written"]]
    assert any(p.name.endswith("local_min_in_box.cert.json") for p in written)
    for path in written:
        assert check_certificate(path).valid

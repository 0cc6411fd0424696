"""Acceptance (issue 13): a ReLU classifier trained with PyTorch's Adam in float32 and
BCEWithLogitsLoss, imported with from_torch and certified with one `losscert certify` command:
the nearby local minimum PROVED (a box claim), spurious PROVED where a lower point exists."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from losscert.bench.training import classes_1d
from losscert.checker import check_certificate

torch = pytest.importorskip("torch")


def _train(seed: int, width: int) -> object:
    from losscert.io.torch_import import from_torch

    torch.manual_seed(seed)
    inputs, labels = classes_1d(seed=seed)
    x = torch.tensor([[float(v) for v in row] for row in inputs], dtype=torch.float32)
    y = torch.tensor([[(float(row[0]) + 1) / 2] for row in labels])  # 0 / 1 targets
    model = torch.nn.Sequential(
        torch.nn.Linear(1, width), torch.nn.ReLU(), torch.nn.Linear(width, 1)
    )
    loss = torch.nn.BCEWithLogitsLoss()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for rate in (0.01, 0.001, 0.0001):
        for group in optimiser.param_groups:
            group["lr"] = rate
        for _ in range(2000):
            optimiser.zero_grad()
            loss(model(x), y).backward()
            optimiser.step()
    return from_torch(model, (x, y), loss=loss)


@pytest.mark.slow
@pytest.mark.parametrize("width", [1, 4])
def test_a_trained_logistic_classifier_is_certified(tmp_path: Path, width: int) -> None:
    from losscert.io.problem_file import write_problem

    write_problem(_train(seed=1, width=width), tmp_path / "classifier.json", name="classifier")
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


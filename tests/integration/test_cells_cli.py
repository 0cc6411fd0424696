"""``losscert cells``: counts, the streamed pattern list (text and JSON), workers, bad input."""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from losscert.cli import main

ROOT = Path(__file__).resolve().parents[2]
COLLAPSE = ROOT / "examples" / "relu_linear_collapse.json"  # relu, x = 0..3, width 2
DEEP = ROOT / "examples" / "leaky_relu_deep_huber.json"

MONOTONE_RELU_4 = [  # z = w x + b on x = 0, 1, 2, 3: the sign pattern is monotone, 8 of them
    [0, 0, 0, 0],
    [0, 0, 0, 1],
    [0, 0, 1, 1],
    [0, 1, 1, 1],
    [1, 0, 0, 0],
    [1, 1, 0, 0],
    [1, 1, 1, 0],
    [1, 1, 1, 1],
]


def _problem(tmp_path: Path, inputs: list[list[str]], activation: Any, width: int = 1) -> Path:
    d_x = len(inputs[0])
    doc = {
        "format": "losscert-problem",
        "version": 1,
        "activation": activation,
        "loss": "squared",
        "network": {
            "layers": [
                {"W": [["0"] * d_x for _ in range(width)], "b": ["0"] * width},
                {"W": [["0"] * width], "b": ["0"]},
            ]
        },
        "data": {"inputs": inputs, "labels": ["0"] * len(inputs)},
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_counts_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cells", str(COLLAPSE)]) == 0
    out = capsys.readouterr().out
    assert "realisable neuron patterns m: 8" in out
    assert "cells m^2: 64 (up to neuron permutation: 36)" in out
    assert "general-position count: 8" in out
    assert "data in general position: yes" in out


def test_listing_as_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cells", str(COLLAPSE), "--neuron-patterns", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [p["pattern"] for p in doc["neuron_patterns"]] == MONOTONE_RELU_4
    for entry in doc["neuron_patterns"]:
        w, b = (F(v) for v in entry["witness"])
        assert all(
            (w * x + b > 0) == bool(k) for x, k in zip(range(4), entry["pattern"], strict=True)
        )
    assert doc["counts"]["neuron_patterns"] == 8 and doc["counts"]["cells"] == 64


def test_listing_as_text_and_with_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cells", str(COLLAPSE), "--neuron-patterns"]) == 0
    one = capsys.readouterr().out
    assert one.count("pattern ") == 8 and "pattern 0 0 1 1  witness " in one
    assert main(["cells", str(COLLAPSE), "--neuron-patterns", "--workers", "2"]) == 0
    assert capsys.readouterr().out == one


def test_count_only_and_degenerate_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # x = 0, 1, 2 with breakpoints 0, 1, 2: two triple points, 34 - 2 = 32 patterns
    custom = {"breakpoints": ["0", "1", "2"], "slopes": ["0", "1", "2", "3"], "anchor": ["0", "0"]}
    path = _problem(tmp_path, [["0"], ["1"], ["2"]], custom, width=2)
    assert main(["cells", str(path), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)["counts"]
    assert counts["neuron_patterns"] == 32 and counts["general_position_patterns"] == 34
    assert counts["general_position"] is False
    assert counts["cells"] == 32**2 and counts["cells_up_to_permutation"] == 32 * 33 // 2
    assert main(["cells", str(path), "--count"]) == 0
    out = capsys.readouterr().out
    assert "m: 32" in out and "general position:" not in out


def test_more_than_one_hidden_layer_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cells", str(DEEP)]) == 2
    err = capsys.readouterr().err
    assert "one hidden layer" in err and "has 2" in err


def test_bad_workers_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cells", str(COLLAPSE), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["cells", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["cells", str(COLLAPSE), "--count", "--neuron-patterns"])

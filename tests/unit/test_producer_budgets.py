"""Producers bounded (issue 15): work that grows as the product of the widths is estimated
first and skipped with a budget reason; the estimate is an upper bound (oracle: the polynomials
themselves, built on small networks)."""

from __future__ import annotations

import json
import random
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker import check_document
from losscert.checker.limits import MAX_WIDTH
from losscert.cli import main
from losscert.encodings.arrangement import neuron_regions
from losscert.encodings.cell_counts import MAX_NEURON_PATTERNS, general_position_count
from losscert.encodings.cells import locate_cell
from losscert.encodings.polynomial import MAX_POLYNOMIAL_TERMS, cell_polynomials, polynomial_terms
from losscert.errors import InputError
from losscert.info import summarize
from losscert.io import read_problem
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.global_min import certify_global_min
from losscert.verifier.smt_route import SmtOptions


def _deep(depth: int, width: int, *, tie: bool = False) -> Problem:
    """All weights positive: every ReLU is active on inputs 1..4, nothing cancels."""
    widths = [1] + [width] * (depth - 1) + [1]
    weights = [[[F(1, 2)] * widths[j - 1] for _ in range(widths[j])] for j in range(1, len(widths))]
    biases = [[F(1)] * widths[j] for j in range(1, len(widths))]
    if tie:
        biases[0][0] = F(-1)  # z_{1,0}(x = 2) = 1/2 * 2 - 1 = 0: on the breakpoint
    net = Network.from_rationals(weights, biases, relu())
    data = Dataset.from_rows([[1], [2], [3], [4]], [[0], [1], [2], [0]])
    return Problem(net, make_loss("squared"), data)


def test_info_skips_the_multilinearity_check_of_a_deep_network() -> None:
    summary = summarize(_deep(14, 3))
    assert summary["multilinear"]["checked"] is False
    assert summary["multilinear"]["reason"].startswith("budget")
    assert str(MAX_POLYNOMIAL_TERMS) in summary["multilinear"]["reason"]


def test_info_still_checks_a_small_network() -> None:
    summary = summarize(_deep(3, 3))
    assert summary["multilinear"] == {
        "checked": True,
        "scope": "the point's cell",
        "holds": True,
        "degree_per_layer": [1, 1, 1],
    }


def test_certify_on_a_deep_network_with_a_tie_ends() -> None:
    problem = _deep(14, 3, tie=True)
    assert locate_cell(problem).on_boundary
    messages: list[str] = []
    verdict = certify_local_min(problem, SmtOptions(timeout=2, progress=messages.append))
    assert any("skipped (budget)" in m for m in messages)
    if verdict.status is not Status.UNKNOWN:  # decided by another rung: a checked certificate
        assert check_document(verdict.certificate).valid


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.integers(0, 2**31),
    st.sampled_from(["relu", "hardtanh"]),
)
def test_the_estimate_bounds_the_polynomials(hidden: list[int], seed: int, kind: str) -> None:
    rng = random.Random(seed)
    widths = [2, *hidden, 1]

    def value() -> F:
        return F(rng.randint(-3, 3), rng.randint(1, 2))

    weights = [
        [[value() for _ in range(widths[j - 1])] for _ in range(widths[j])]
        for j in range(1, len(widths))
    ]
    biases = [[value() for _ in range(widths[j])] for j in range(1, len(widths))]
    act = relu() if kind == "relu" else hardtanh()
    net = Network.from_rationals(weights, biases, act)
    data = Dataset.from_rows([[value(), value()] for _ in range(3)], [[value()] for _ in range(3)])
    problem = Problem(net, make_loss("squared"), data)
    cell = locate_cell(problem)
    if cell.on_boundary:
        return
    pattern = cell.pattern()
    polys = cell_polynomials(widths, act, data, pattern)
    actual = sum(len(p.terms()) for sample in polys.outputs for p in sample)
    actual += sum(
        len(p.terms()) for layer in polys.pre_activations for neuron in layer for p in neuron
    )
    assert actual <= polynomial_terms(widths, act, data, pattern)
    squared = sum(
        len(((p - y[0]) ** 2).terms())
        for sample, y in zip(polys.outputs, data.label_rows(), strict=True)
        for p in sample
    )
    assert squared <= polynomial_terms(widths, act, data, pattern, squared_outputs=True)


def _forty_in_r4(tmp_path: Path) -> Path:
    rng = random.Random(3)
    document = {
        "format": "losscert-problem",
        "version": 1,
        "activation": "relu",
        "loss": "squared",
        "network": {
            "layers": [
                {
                    "W": [[str(rng.randint(-3, 3)) for _ in range(4)] for _ in range(2)],
                    "b": ["1/7", "-2/7"],
                },
                {"W": [["1", "-1"]], "b": ["0"]},
            ]
        },
        "data": {
            "inputs": [
                [f"{rng.randint(-9, 9)}/{rng.randint(1, 5)}" for _ in range(4)] for _ in range(40)
            ],
            "labels": [[str(rng.randint(-3, 3))] for _ in range(40)],
        },
    }
    path = tmp_path / "forty.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_cells_refuses_an_enumeration_beyond_its_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cells", str(_forty_in_r4(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "184342" in err and str(MAX_NEURON_PATTERNS) in err and "Traceback" not in err


def test_global_ends_in_unknown_budget(tmp_path: Path) -> None:
    result = certify_global_min(read_problem(_forty_in_r4(tmp_path)))
    assert result.verdict.status is Status.UNKNOWN and result.verdict.reason == "budget"
    assert str(MAX_NEURON_PATTERNS) in (result.verdict.detail or "")


def test_the_general_position_count_bounds_the_enumeration() -> None:
    # the refusal rests on this: data in special position realise fewer patterns
    rng = random.Random(5)
    for _ in range(6):
        n, d = rng.randint(2, 6), rng.randint(1, 2)
        inputs = [[F(rng.randint(-2, 2)) for _ in range(d)] for _ in range(n)]
        found = len(neuron_regions(inputs, [F(0)]).regions)
        assert found <= general_position_count(n, d, [F(0)])


@pytest.mark.parametrize("widths", ["1,1000000,1", "1,10001,1", "1,1000,1000,1"])
def test_audit_theorem1_refuses_widths_beyond_the_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], widths: str
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("x,y\n2,3\n2,-2\n2,-2\n", encoding="utf-8")
    assert main(["audit", "theorem1", "--data", str(data), "--widths", widths]) == 2
    err = capsys.readouterr().err
    assert "beyond the limit" in err and "section 7" in err and "Traceback" not in err


def test_a_problem_file_beyond_the_checker_limits_is_refused(tmp_path: Path) -> None:
    width = MAX_WIDTH + 1
    document = {
        "format": "losscert-problem",
        "version": 1,
        "activation": "relu",
        "loss": "squared",
        "network": {
            "layers": [
                {"W": [["1"]] * width, "b": ["0"] * width},
                {"W": [["1"] * width], "b": ["0"]},
            ]
        },
        "data": {"inputs": [["1"]], "labels": [["1"]]},
    }
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError, match="section 7"):
        read_problem(path)

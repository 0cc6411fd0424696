"""not_cell_global_min (certificate 1.1): a lower point in the closed cell (lower_point_in_cell),
or a lower point inside the open cell (a lower_point with the cell's pattern)."""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path

from losscert import checker
from losscert.encodings.cells import locate_cell
from losscert.io.problem_file import read_problem
from losscert.model.problem import Problem
from losscert.verifier.cell_refutation import refute_inside_cell
from losscert.verifier.global_min import certify_cell_global_min, certify_global_min
from losscert.verifier.verdict import Status

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _raised_bias() -> Problem:
    problem = read_problem(EXAMPLES / "one_hidden_relu.json")
    theta = problem.network.parameter_vector()
    theta[-1] += Fraction(1, 10)  # the output bias: same cell, higher risk
    return problem.with_network(problem.network.with_parameters(theta))


def test_a_point_above_its_cell_minimum_is_refuted_with_a_lower_point_in_the_cell() -> None:
    problem = _raised_bias()
    verdict = certify_cell_global_min(problem)
    assert verdict.status is Status.REFUTED and verdict.claim == "cell_global_min"
    document = verdict.certificate
    assert document is not None and document["claim"] == {"kind": "not_cell_global_min"}
    assert document["minor"] == 1
    assert checker.check_document(document).valid
    assert verdict.stats["cell_minimum_bound"] == Fraction(7, 15)  # the example's own risk
    assert verdict.stats["witness_risk"] < problem.risk()


def test_the_open_cell_route_alone_gives_a_valid_refutation() -> None:
    problem = _raised_bias()
    verdict = refute_inside_cell(problem, locate_cell(problem), stats={})
    assert verdict is not None and verdict.status is Status.REFUTED
    document = verdict.certificate
    assert [s["kind"] for s in document["evidence"]] == ["cell", "risk", "lower_point"]
    assert checker.check_document(document).valid
    assert verdict.stats["witness_risk"] < problem.risk()


def test_the_cell_minimum_itself_is_still_proved() -> None:
    problem = read_problem(EXAMPLES / "one_hidden_relu.json")
    assert certify_cell_global_min(problem).status is Status.PROVED


def test_a_lower_point_outside_the_cell_does_not_refute_the_cell_minimum() -> None:
    problem = _raised_bias()
    refuted = refute_inside_cell(problem, locate_cell(problem), stats={})
    assert refuted is not None
    document = copy.deepcopy(refuted.certificate)
    witness = certify_global_min(problem).witness  # risk 23/60, in another cell
    assert witness is not None
    lower = document["evidence"][2]
    lower["point"] = [str(v) for v in witness.parameter_vector()]
    lower["risk"] = "23/60"
    result = checker.check_document(document)
    assert result.status == "invalid" and "same pattern" in result.message


def test_the_claim_needs_minor_version_1() -> None:
    document = {**certify_cell_global_min(_raised_bias()).certificate, "minor": 0}
    result = checker.check_document(document)
    assert result.status == "invalid" and "from version 1.1 on" in result.message

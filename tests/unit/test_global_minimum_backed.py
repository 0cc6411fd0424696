"""Issue 14: a global minimum that `losscert global` reports is backed by a `global_min`
certificate at the network attaining it, which the checker accepts."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from losscert import checker
from losscert.checker.problem import read_problem as checker_problem
from losscert.checker.problem import risk as checker_risk
from losscert.io.problem_file import read_problem
from losscert.verifier.global_min import certify_global_min
from losscert.verifier.verdict import Status

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _risk_of_certificate_point(document: dict) -> Fraction:
    problem = checker_problem(document["problem"], Path("."))
    return checker_risk(problem, problem.point)


def test_the_subsets_routes_minimum_has_a_certificate_at_its_witness() -> None:
    problem = read_problem(EXAMPLES / "one_hidden_relu.json")
    result = certify_global_min(problem)
    assert result.minimum == Fraction(23, 60)  # hand-checked in the README's example
    assert result.verdict.status is Status.REFUTED  # the file's point (7/15) is above it
    document = result.minimum_certificate
    assert document is not None and document["claim"] == {"kind": "global_min"}
    assert checker.check_document(document).valid
    assert _risk_of_certificate_point(document) == result.minimum
    assert result.witness is not None
    assert document["problem"]["point"] == [str(v) for v in result.witness.parameter_vector()]


def test_at_the_minimiser_the_points_own_certificate_backs_the_minimum() -> None:
    first = certify_global_min(read_problem(EXAMPLES / "one_hidden_relu.json"))
    assert first.witness is not None
    problem = read_problem(EXAMPLES / "one_hidden_relu.json").with_network(first.witness)
    result = certify_global_min(problem)
    assert result.verdict.status is Status.PROVED and result.minimum == Fraction(23, 60)
    assert result.minimum_certificate is result.verdict.certificate
    assert checker.check_document(result.minimum_certificate).valid


def test_a_certificate_for_a_value_below_the_minimum_is_rejected() -> None:
    result = certify_global_min(read_problem(EXAMPLES / "one_hidden_relu.json"))
    document = result.minimum_certificate
    assert document is not None
    risk_step = next(s for s in document["evidence"] if s["kind"] == "risk")
    risk_step["value"] = "1/3"  # below 23/60: the risk step no longer matches the point
    assert checker.check_document(document).status == "invalid"

"""Spuriousness decided from certified global information (issue 14)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from losscert import checker
from losscert.io.problem_file import make_loss, read_problem
from losscert.model.activation import linear
from losscert.model.dataset import Dataset
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.candidate import certify_local_min, certify_spurious
from losscert.verifier.spurious import spurious_from_global
from losscert.verifier.verdict import Status, Verdict

from ..support.tie_instances import tied_minimiser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
F = Fraction


def test_the_one_hidden_example_is_spurious_by_the_certified_global_minimum() -> None:
    problem = read_problem(EXAMPLES / "one_hidden_relu.json")
    assert problem.risk() == F(7, 15)
    local = certify_local_min(problem)
    assert local.status is Status.PROVED
    verdict = certify_spurious(problem, local)
    assert verdict.status is Status.PROVED
    assert verdict.stats["witness_risk"] == F(23, 60)  # the global minimum, attained
    assert verdict.certificate is not None and checker.check_document(verdict.certificate).valid
    ids = [s["id"] for s in verdict.certificate["evidence"]]
    assert len(ids) == len(set(ids))


def test_a_one_hidden_global_minimiser_is_certified_not_spurious() -> None:
    problem = tied_minimiser(1, 13)
    verdict = certify_spurious(problem, certify_local_min(problem))
    assert verdict.status is Status.REFUTED and verdict.claim == "spurious_local_min"
    assert verdict.certificate is not None
    assert verdict.certificate["claim"]["kind"] == "global_min"
    assert checker.check_document(verdict.certificate).valid


def _linear_fit(slope: Fraction, intercept: Fraction) -> Problem:
    # y = 2x + 1 + noise; the least-squares line through (0,1), (1,2), (2,6), (3,7) is 2.2x + 0.7
    data = Dataset.from_rows([[0], [1], [2], [3]], [[1], [2], [6], [7]])
    net = Network.from_rationals([[[1]], [[slope]]], [[0], [intercept]], linear())
    return Problem(net, make_loss("squared"), data)


def test_a_linear_network_at_the_least_squares_fit_is_not_spurious() -> None:
    problem = _linear_fit(F(11, 5), F(7, 10))
    local = certify_local_min(problem)
    assert local.status is Status.PROVED
    verdict = certify_spurious(problem, local)
    assert verdict.status is Status.REFUTED
    assert verdict.certificate is not None
    assert [s["kind"] for s in verdict.certificate["evidence"]] == ["affine_regression_optimal"]
    assert checker.check_document(verdict.certificate).valid


def test_a_point_off_the_fit_gets_no_global_certificate() -> None:
    problem = _linear_fit(F(2), F(1))  # not the fit: R(theta*) > R_lin*, nothing is certified
    local = Verdict(Status.UNKNOWN, "local_min", reason="unsupported")
    assert spurious_from_global(problem, local) is None


def test_an_unproved_local_minimum_is_not_judged() -> None:
    problem = tied_minimiser(1, 5)
    verdict = certify_spurious(problem, Verdict(Status.UNKNOWN, "local_min", reason="timeout"))
    assert verdict.status is Status.UNKNOWN and verdict.reason == "unsupported"

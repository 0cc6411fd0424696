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


def test_the_minimum_certificate_needs_every_subset_covered() -> None:
    """Without one subset's bound step the cover argument fails: the checker refuses it (the
    relaxation's own bound lies below 23/60, so it covers nothing at that level)."""
    result = certify_global_min(read_problem(EXAMPLES / "one_hidden_relu.json"))
    document = result.minimum_certificate
    assert document is not None
    bounds = [s for s in document["evidence"] if s["kind"] == "convex_lower_bound"]
    assert min(Fraction(s["bound"]) for s in bounds) < Fraction(23, 60)  # the relaxation's
    lowest_subset = min(bounds[1:], key=lambda s: Fraction(s["bound"]))
    assert Fraction(lowest_subset["bound"]) == Fraction(23, 60)
    document["evidence"].remove(lowest_subset)
    result_without = checker.check_document(document)
    assert result_without.status == "invalid" and "global_min" in result_without.message


def test_the_deadline_keeps_a_lower_network_found_before_it(monkeypatch) -> None:
    """Stopping the exact route at its deadline keeps what was certified (as Ctrl-C does): the
    relaxation's bound and the refutation by the lowest network found so far."""
    from types import SimpleNamespace

    from losscert.verifier import global_min

    calls = []

    def clock() -> float:  # past the deadline from the 251st subset on
        calls.append(1)
        return 0.0 if len(calls) <= 250 else 2.0

    monkeypatch.setattr(global_min, "time", SimpleNamespace(perf_counter=clock))
    problem = read_problem(EXAMPLES / "one_hidden_relu.json")
    result = certify_global_min(problem, deadline=1.0)
    assert result.route == "subsets" and result.programs == 1 + 250 and result.minimum is None
    assert result.verdict.status is Status.REFUTED  # was UNKNOWN (timeout), the network dropped
    assert result.verdict.certificate["claim"] == {"kind": "not_global_min"}
    assert result.witness is not None
    assert problem.with_network(result.witness).risk() < problem.risk()


def test_the_deadline_before_any_program_is_unknown_timeout(monkeypatch) -> None:
    from types import SimpleNamespace

    from losscert.verifier import global_min

    monkeypatch.setattr(global_min, "time", SimpleNamespace(perf_counter=lambda: 2.0))
    result = certify_global_min(read_problem(EXAMPLES / "one_hidden_relu.json"), deadline=1.0)
    assert result.verdict.status is Status.UNKNOWN and result.verdict.reason == "timeout"
    assert "after 0 of 276 programs" in result.verdict.detail and result.witness is None

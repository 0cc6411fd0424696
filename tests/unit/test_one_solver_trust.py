"""The one-solver trust level (issue 14): only when asked for, and labelled (certificate 3.22)."""

from __future__ import annotations

import copy

import pytest

from losscert import checker
from losscert.backends.smt import SmtAnswer
from losscert.errors import InputError
from losscert.verifier import smt_route
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions
from losscert.verifier.verdict import Status

from ..integration.test_smt_rung import _flat_minimum

ONE = {
    "z3": SmtAnswer("z3", "1", "unsat", "", 0.0),
    "cvc5": SmtAnswer("cvc5", "1", "unknown", "timeout", 9.0),
}


def _run(monkeypatch: pytest.MonkeyPatch, answers: dict, trust: str):
    monkeypatch.setattr(smt_route, "solve_with_all", lambda text, timeout: answers)
    return certify_local_min(_flat_minimum((1, 2)), SmtOptions(convex=False, trust=trust))


def test_one_unsat_is_not_a_proof_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = _run(monkeypatch, ONE, "two-solvers")
    assert verdict.status is Status.UNKNOWN


def test_one_unsat_proves_at_the_asked_for_trust_level_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verdict = _run(monkeypatch, ONE, "one-solver")
    assert verdict.status is Status.PROVED and verdict.stats["trust"] == "one-solver"
    assert "z3 alone" in verdict.stats["method"]
    document = verdict.certificate
    assert document["minor"] == 1
    result = checker.check_document(document)
    assert result.valid and "ONE SOLVER" in result.trust_gaps[0]
    step = next(s for s in document["evidence"] if s["kind"] == "smt_one_solver_no_lower_point")
    # `check --solvers` re-runs its query on both solvers
    assert [(sid, t) for sid, _, t in result.gap_queries] == [(step["id"], step["smtlib"])]
    mutated = copy.deepcopy(document)
    next(s for s in mutated["evidence"] if s["id"] == step["id"])["solvers"][1]["answer"] = "sat"
    assert "answered sat" in checker.check_document(mutated).message
    for s in next(s for s in mutated["evidence"] if s["id"] == step["id"])["solvers"]:
        s["answer"] = "unknown"
    assert "no solver answered unsat" in checker.check_document(mutated).message
    assert "from version 1.1 on" in checker.check_document({**document, "minor": 0}).message


def test_a_sat_answer_is_never_outvoted(monkeypatch: pytest.MonkeyPatch) -> None:
    mixed = {**ONE, "cvc5": SmtAnswer("cvc5", "1", "sat", "", 0.0)}
    verdict = _run(monkeypatch, mixed, "one-solver")
    assert verdict.status is not Status.PROVED


def test_an_unknown_trust_level_is_an_input_error() -> None:
    with pytest.raises(InputError, match="trust level"):
        SmtOptions(trust="three-solvers")

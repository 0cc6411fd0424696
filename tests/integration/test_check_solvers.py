"""`losscert check --solvers`: delegated SMT steps re-run on z3 and cvc5 through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from losscert.backends.base import SmtAnswer
from losscert.backends.smt import (
    open_gaps,
    rerun_delegated_answers,
    rerun_delegated_steps,
    rerun_gap_queries,
    statuses,
)
from losscert.checker import CheckResult, check_certificate
from losscert.cli import main
from losscert.encodings.cells import locate_cell
from losscert.io import read_problem
from losscert.verifier import smt_route
from losscert.verifier.smt_route import SmtOptions

from ..conftest import EXAMPLES

SPURIOUS = EXAMPLES / "certificates" / "relu_spurious_local_min.cert.json"

# No real (a, b) with a^2 + b^2 < 2ab, i.e. (a - b)^2 < 0: genuinely unsat, nonlinear
UNSAT = """(set-logic QF_NRA)
(declare-const a Real)
(declare-const b Real)
(assert (< (+ (* a a) (* b b)) (* 2.0 a b)))
(check-sat)
(exit)
"""
# a^2 + b^2 < 2ab + 1 holds at a = b: sat, yet the certificate below claims unsat
SAT = UNSAT.replace("(* 2.0 a b)", "(+ (* 2.0 a b) 1.0)")


def _certificate(tmp_path: Path, smtlib: str) -> Path:
    document = json.loads(SPURIOUS.read_text(encoding="utf-8"))
    document["evidence"].append(
        {
            "id": "smt",
            "kind": "delegated_smt",
            "statement": "a^2 + b^2 < 2ab has no real solution",
            "smtlib": smtlib,
            "solvers": [
                {"name": "z3", "version": "5.4.1", "answer": "unsat"},
                {"name": "cvc5", "version": "1.4.2", "answer": "unsat"},
            ],
        }
    )
    path = tmp_path / "with_smt.cert.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


@pytest.mark.solver
def test_solvers_confirm_an_unsat_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _certificate(tmp_path, UNSAT)
    assert main(["check", "--solvers", "--timeout", "10", "--json", str(path)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["status"] == "valid"
    assert entry["solver_reruns"] == {"smt": {"z3": "unsat", "cvc5": "unsat"}}
    assert main(["check", "--solvers", "--timeout", "10", str(path)]) == 0
    assert "re-run of step smt: z3 unsat, cvc5 unsat\n" in capsys.readouterr().out


@pytest.mark.solver
def test_solvers_expose_a_sat_step_claimed_unsat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _certificate(tmp_path, SAT)
    # without solvers the step is only a trust gap: the checker cannot tell
    assert main(["check", str(path)]) == 0
    assert "trust gap" in capsys.readouterr().out
    assert main(["check", "--solvers", "--timeout", "10", str(path)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "smt: refuted (z3 sat, cvc5 sat)" in out
    assert "re-run of step smt: z3 sat, cvc5 sat  (not confirmed: unsat is needed)" in out


@pytest.mark.solver
def test_rerun_reports_every_delegated_step_with_reasons(tmp_path: Path) -> None:
    path = _certificate(tmp_path, UNSAT)
    document = json.loads(path.read_text(encoding="utf-8"))
    second = dict(document["evidence"][-1], id="smt2", smtlib=SAT)
    document["evidence"].append(second)
    path.write_text(json.dumps(document), encoding="utf-8")
    assert rerun_delegated_steps(path, timeout=10) == {
        "smt": {"z3": "unsat", "cvc5": "unsat"},
        "smt2": {"z3": "sat", "cvc5": "sat"},
    }
    answers = rerun_delegated_answers(path, timeout=10)
    assert all(a.version and a.reason for step in answers.values() for a in step.values())


def test_rerun_of_a_certificate_without_delegated_steps_is_empty() -> None:
    assert rerun_delegated_steps(SPURIOUS, timeout=1) == {}


def _forged_boundary_certificate(tmp_path: Path) -> Path:
    """The two canonical boundary queries of examples/hardtanh_boundary.json (a point certify
    refutes) with "unsat" written in for both solvers: the checker alone cannot tell."""
    problem = read_problem(EXAMPLES / "hardtanh_boundary.json")
    fake = {n: SmtAnswer(n, "1", "unsat", "", 0.0) for n in ("z3", "cvc5")}
    original = smt_route.solve_with_all
    smt_route.solve_with_all = lambda text, timeout: fake  # type: ignore[assignment]
    try:
        verdict = smt_route.smt_boundary_local_min(problem, locate_cell(problem), SmtOptions())
    finally:
        smt_route.solve_with_all = original  # type: ignore[assignment]
    path = tmp_path / "forged_boundary.json"
    path.write_text(json.dumps(verdict.certificate), encoding="utf-8")
    return path


def test_every_boundary_query_is_a_gap_query(tmp_path: Path) -> None:
    result = check_certificate(_forged_boundary_certificate(tmp_path))
    assert result.valid and len(result.trust_gaps) == 1
    labels = [label for _, label, _ in result.gap_queries]
    assert labels == ["smt.queries[0] (sides [0])", "smt.queries[1] (sides [1])"]
    assert all(text.startswith("(set-logic QF_NRA)") for _, _, text in result.gap_queries)


@pytest.mark.solver
def test_solvers_rerun_boundary_queries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _forged_boundary_certificate(tmp_path)
    assert main(["check", str(path)]) == 0  # only a trust gap without the solvers
    capsys.readouterr()
    assert main(["check", "--solvers", "--timeout", "20", "--json", str(path)]) == 1
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["status"] == "invalid"
    assert entry["solver_reruns"]["smt.queries[0] (sides [0])"]["z3"] == "sat"
    assert any("refuted" in line for line in entry["open_gaps"])


def test_a_gap_without_a_query_is_never_closed() -> None:
    result = CheckResult("valid", "local_min", "", ("g: trust me",), 1, (("g", "g", ""),))
    reruns = statuses(rerun_gap_queries(result, timeout=1))
    assert set(reruns) == {"g"} and all(s == "error" for s in reruns["g"].values())
    assert open_gaps(reruns) == ["g: not closed (z3 error, cvc5 error)"]

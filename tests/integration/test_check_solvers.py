"""`losscert check --solvers`: delegated SMT steps re-run on z3 and cvc5 through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from losscert.backends.smt import rerun_delegated_answers, rerun_delegated_steps
from losscert.cli import main

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
    assert "INVALID" in out and "did not confirm unsat" in out and "'sat'" in out


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


@pytest.mark.solver
def test_every_query_of_a_boundary_step_is_re_run(tmp_path: Path) -> None:
    document = json.loads(SPURIOUS.read_text(encoding="utf-8"))
    queries = [
        {"sides": [0], "smtlib": UNSAT, "solvers": []},
        {"sides": [1], "smtlib": SAT, "solvers": []},
    ]
    document["evidence"].append(
        {"id": "edge", "kind": "smt_adjacent_no_lower_point", "queries": queries}
    )
    path = tmp_path / "boundary.cert.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert rerun_delegated_steps(path, timeout=10) == {
        "edge.queries[0]": {"z3": "unsat", "cvc5": "unsat"},
        "edge.queries[1]": {"z3": "sat", "cvc5": "sat"},
    }

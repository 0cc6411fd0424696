"""SMT adapters: one table of small scripts with known answers, run on every adapter.

Also the parts around the solvers: the script shape check, the hard wall-clock limit, a missing
solver module, an exception inside a solver and a worker that dies without a reply.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any, ClassVar

import pytest

from losscert.backends.base import (
    STATUSES,
    SmtAnswer,
    SolverAdapter,
    _read_reply,
    run_isolated,
    script_logic,
)
from losscert.backends.smt import ADAPTERS
from losscert.backends.z3_adapter import Z3Adapter
from losscert.errors import InputError

X = "(declare-const x Real)"
XY = "(declare-const x Real)(declare-const y Real)"
# x^3 + y^3 = z^3 over positive integers: unsat (Fermat), which no solver proves: it always times out
FERMAT_3 = """(set-logic QF_NIA)
(declare-const x Int) (declare-const y Int) (declare-const z Int)
(assert (and (> x 0) (> y 0) (> z 0)))
(assert (= (+ (* x x x) (* y y y)) (* z z z)))
(check-sat)
"""

# (id, script, solver timeout in seconds, the only acceptable status)
TABLE: list[tuple[str, str, float, str]] = [
    (
        "lra_sat",
        f"(set-logic QF_LRA){XY}(assert (= (+ x y) 1.0))(assert (= (- x y) 3.0))(check-sat)",
        10,
        "sat",
    ),
    (
        "lra_unsat",
        f"(set-logic QF_LRA){X}(assert (> x 1.0))(assert (< x 0.0))(check-sat)",
        10,
        "unsat",
    ),
    (
        "nra_square_negative",
        f"(set-logic QF_NRA){X}(assert (< (* x x) 0.0))(check-sat)",
        10,
        "unsat",
    ),
    (
        "nra_let_unsat",  # (x - y)^2 < 0 written with let, as producers should write it
        f"(set-logic QF_NRA){XY}(assert (let ((d (- x y))) (< (* d d) 0.0)))(check-sat)(exit)",
        10,
        "unsat",
    ),
    (
        "nra_irrational_sat",  # the only models are irrational: x = sqrt(2)
        f"(set-logic QF_NRA){X}(assert (= (* x x) 2.0))(assert (> x 0.0))(check-sat)(get-model)",
        10,
        "sat",
    ),
    (
        "nra_two_var_sat",
        f"(set-logic QF_NRA){XY}(assert (> (* x y) 1.0))(assert (< (+ x y) 0.0))(check-sat)",
        10,
        "sat",
    ),
    ("undeclared_symbol", f"(set-logic QF_NRA){X}(assert (< y 0.0))(check-sat)", 10, "error"),
    ("unbalanced", f"(set-logic QF_NRA){X}(assert (< x 0.0)(check-sat)", 10, "error"),
    ("two_check_sats", f"{X}(check-sat)(assert (< x 0.0))(check-sat)", 10, "error"),
    ("fermat_tiny_timeout", FERMAT_3, 0.05, "unknown"),
]


@pytest.mark.solver
@pytest.mark.parametrize("adapter_cls", list(ADAPTERS.values()), ids=list(ADAPTERS))
@pytest.mark.parametrize(
    ("text", "timeout", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_conformance_table(
    adapter_cls: type[SolverAdapter], text: str, timeout: float, expected: str
) -> None:
    answer = adapter_cls().solve_smtlib(text, timeout)
    assert answer.status == expected, answer
    assert answer.solver == adapter_cls.name and answer.version and answer.reason
    assert 0 <= answer.seconds < timeout + 2


@pytest.mark.solver
def test_hard_limit_kills_a_solver_that_runs_past_it() -> None:
    # the solver is told 30 s but the process gets 0.5 s: only the kill can end this run
    start = time.perf_counter()
    answer = run_isolated(Z3Adapter(), FERMAT_3, 30.0, "QF_NIA", wall=0.5)
    assert answer.status == "unknown" and "killed" in answer.reason, answer
    assert time.perf_counter() - start < 3


class _Missing(Z3Adapter):
    module: ClassVar[str] = "losscert_no_such_solver"
    distribution: ClassVar[str] = "losscert-no-such-solver"


class _Raising(Z3Adapter):
    def _solve(self, solver_module: Any, built: Any, deadline: float) -> Any:
        raise RuntimeError("segment tree exhausted")


def test_missing_module_is_unavailable_not_a_crash() -> None:
    answer = _Missing().solve_smtlib(TABLE[0][1], 1.0)
    assert answer.status == "unavailable" and "pip install losscert-no-such-solver" in answer.reason


@pytest.mark.solver
def test_exception_inside_the_solver_is_error_with_the_message() -> None:
    reply = _Raising().solve_here(TABLE[2][1], 1.0, "QF_NRA")
    assert reply["status"] == "error" and "segment tree exhausted" in reply["reason"]


def test_a_worker_dying_without_reply_is_error() -> None:
    died = subprocess.CompletedProcess(["python"], -11, stdout="", stderr="Segmentation fault")
    answer = _read_reply(Z3Adapter(), died, 0.1)
    assert answer.status == "error" and "-11" in answer.reason and "Segmentation" in answer.reason


def test_a_bad_status_in_the_reply_is_error() -> None:
    odd = subprocess.CompletedProcess(["python"], 0, stdout='{"status": "proved", "reason": ""}\n')
    assert _read_reply(Z3Adapter(), odd, 0.1).status == "error"


def test_status_map_defaults_to_unknown() -> None:
    for cls in ADAPTERS.values():
        assert cls().status_of("unsat\n") == "unsat"
        assert cls().status_of("timeout") == cls().status_of("") == "unknown"
        assert set(cls.status_map.values()) <= STATUSES and cls.capabilities >= {"NRA", "LRA"}


def test_answer_refuses_an_unknown_status() -> None:
    with pytest.raises(ValueError, match="'proved'"):
        SmtAnswer("z3", "1", "proved", "", 0.0)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(InputError, match="positive number of seconds"):
        Z3Adapter().solve_smtlib(TABLE[0][1], timeout)


@pytest.mark.parametrize(
    ("text", "logic"),
    [
        ("(set-logic QF_NRA)(declare-const x Real)(check-sat)(get-model)(exit)", "QF_NRA"),
        (
            '; a comment with (check-sat) in it\n(set-info :source "a ) in a string")(check-sat)',
            None,
        ),
        ("(declare-const |odd ) name| Real)(check-sat)(exit)(push 1)(check-sat)", None),
        ("(set-option :x (set-logic A))(set-logic B)(check-sat)", "B"),
    ],
)
def test_script_shape_accepts(text: str, logic: str | None) -> None:
    assert script_logic(text) == logic


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(assert true)", "exactly one (check-sat), found 0"),
        ("(push 1)(assert true)(check-sat)", "push"),
        ("(check-sat-assuming (a))", "check-sat-assuming"),
        ("(check-sat)(assert false)", "after (check-sat)"),
        ("(check-sat))", "unbalanced ')'"),
        ("check-sat", "outside a command"),
        ('(set-info :source "open)(check-sat)', "unterminated"),
        ("((check-sat))", "a list"),
        ("((x) check-sat)", "a list"),
    ],
)
def test_script_shape_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        script_logic(text)

"""Refuting a local minimum: a direction along which the risk goes down at its lowest order.

The expansion of R(theta* + t d) for small t > 0 is computed exactly (the checker's own routine,
which the certificate is checked with), and only a negative lowest-order coefficient refutes.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from losscert.checker import calculus
from losscert.checker.problem import Problem as CheckerProblem
from losscert.checker.problem import read_problem as checker_problem
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, problem_section, rationals
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min"


def checker_view(problem: Problem) -> CheckerProblem:
    """The problem as the checker reads it (built once by callers that try many directions)."""
    return checker_problem(problem_section(problem), Path("."), minor=1)


def descent_verdict(
    problem: Problem, direction: list[Fraction], why: str, view: CheckerProblem | None = None
) -> Verdict | None:
    """REFUTED with a descent_direction certificate, or None when R does not go down along d."""
    poly = calculus.risk_on_line(view or checker_view(problem), direction)
    order = next((k for k in range(1, len(poly)) if poly[k] != 0), None)
    if order is None or poly[order] >= 0:
        return None
    step = {
        "id": "descent",
        "kind": "descent_direction",
        "direction": rationals(direction),
        "order": order,
        "coefficient": rational_string(poly[order]),
    }
    certificate = new_certificate(problem, "not_local_min", [step], {"method": why})
    return certified(CLAIM, Status.REFUTED, certificate, method=why)

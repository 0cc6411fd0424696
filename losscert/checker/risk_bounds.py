"""Section 3.27 of docs/certificate.md (since 1.1).

``risk_bounds`` states lower <= R(theta*) <= upper; ``lower_point_below`` a point theta' with
R(theta') <= upper' < lower (the lower end of a cited risk_bounds step), so theta* is not a global
minimum. For a rational loss the checker's enclosure is the exact risk; for the logistic and
softmax losses it is the outward-rounded interval of :mod:`.exp_losses`, and the claimed ends must
contain it: a claim tighter than the checker's own enclosure is refused (it may be true, but the
checker does not know it).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import exp_losses
from .numbers import rational, show, vector
from .problem import Problem, forward, risk
from .result import Invalid


def enclosure(problem: Problem, theta: list[Fraction], sid: str) -> tuple[Fraction, Fraction]:
    """lo <= R(theta) <= hi: exact (lo = hi) for a rational loss."""
    if problem.loss not in exp_losses.EXP_LOSSES:
        value = risk(problem, theta)
        return value, value
    exp_losses.check_work(len(problem.inputs), problem.widths[-1], sid)
    outputs = forward(problem, theta).outputs
    return exp_losses.risk_bounds(problem.loss, problem.labels, outputs)


def _claimed_within(
    problem: Problem, theta: list[Fraction], lower: Fraction | None, upper: Fraction, sid: str
) -> tuple[Fraction, Fraction]:
    lo, hi = enclosure(problem, theta, sid)
    if lower is not None and not lower <= lo:
        raise Invalid(
            "the claimed lower bound is above the checker's enclosure of the risk",
            step=sid,
            expected=f"<= {show(lo)}",
            derived=show(lower),
            difference=show(lower - lo),
        )
    if not hi <= upper:
        raise Invalid(
            "the claimed upper bound is below the checker's enclosure of the risk",
            step=sid,
            expected=f">= {show(hi)}",
            derived=show(upper),
            difference=show(hi - upper),
        )
    return lo, hi


def check_risk_bounds(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    lower = rational(step["lower"], f"{sid}.lower")
    upper = rational(step["upper"], f"{sid}.upper")
    if not lower <= upper:
        raise Invalid(
            "lower must not exceed upper", step=sid, derived=f"[{show(lower)}, {show(upper)}]"
        )
    _claimed_within(problem, problem.point, lower, upper, sid)
    return {"lower": lower, "upper": upper}


def check_lower_point_below(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    from .steps import _cited  # steps.py registers this verifier: no cycle

    base = _cited(step, done, "risk_bounds", sid)
    point = vector(step["point"], f"{sid}.point", problem.num_parameters)
    upper = rational(step["upper"], f"{sid}.upper")
    _claimed_within(problem, point, None, upper, sid)
    if not upper < base.facts["lower"]:
        raise Invalid(
            "the point is not shown lower: its risk bound must be below the cited lower bound",
            step=sid,
            expected=f"< {show(base.facts['lower'])}",
            derived=show(upper),
        )
    return {"upper": upper, "below": base.facts["lower"]}

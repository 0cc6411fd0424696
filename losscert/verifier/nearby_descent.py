"""Closed-cell minima that are not local minima, and the descent out of them (issue 13).

Training often stops near the minimum of the *closure* of its cell: a kink sits on a sample and
the cell's own polynomial would keep descending past it. When an adjacent cell descends further,
that boundary point is not a local minimum. This module

1. says so with a certificate: ``certify_local_min`` at the boundary point REFUTES ``local_min``
   with a descent direction into the adjacent cell (checked like every refutation);
2. follows the descent: a short exact step along that direction lands in the adjacent open cell,
   whose own minimum (the cell minimum, or the minimum of its closure) is tried next, at most
   :data:`HOPS` times. Every hop strictly lowers the exact risk, so the walk cannot cycle.

Nothing here is trusted: the points found are certified from scratch by the caller's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from losscert.encodings.cells import locate_cell
from losscert.model.problem import Problem
from losscert.model.rationals import to_fraction
from losscert.verifier.verdict import Status, Verdict

HOPS = 4
"""Descent hops tried after a closed-cell minimum is refuted (each lowers the exact risk)."""
STEP_EXPONENTS = range(4, 61, 4)
"""The step along a descent direction is tried as 2^-k for these k, longest first."""


@dataclass(frozen=True)
class Refuted:
    """A boundary point near the original that is not a local minimum, and the refutation."""

    problem: Problem
    verdict: Verdict
    route: str = "closed-cell minimum"


def descent_direction(verdict: Verdict) -> list[Fraction] | None:
    """The direction of a REFUTED ``local_min`` certificate's ``descent_direction`` step."""
    if verdict.status is not Status.REFUTED or verdict.certificate is None:
        return None
    for step in verdict.certificate.get("evidence", []):
        if step.get("kind") == "descent_direction" and "direction" in step:
            return [to_fraction(v) for v in step["direction"]]
    return None


def step_into_open_cell(
    problem: Problem, direction: list[Fraction], towards: Problem | None = None
) -> Problem | None:
    """theta + t d (+ t^2 (theta_o - theta) with ``towards`` = o, which sends the ties the
    direction leaves in place to the side of o's cell) for the largest t = 2^-k that lands in an
    open cell with a lower exact risk; None when none of :data:`STEP_EXPONENTS` does."""
    values = problem.network.parameter_vector()
    pull = [Fraction(0)] * len(values)
    if towards is not None:
        target = towards.network.parameter_vector()
        pull = [a - b for a, b in zip(target, values, strict=True)]
    risk = problem.risk()
    for k in STEP_EXPONENTS:
        t = Fraction(1, 2**k)
        moved = [v + t * d + t * t * u for v, d, u in zip(values, direction, pull, strict=True)]
        candidate = problem.with_network(problem.network.with_parameters(moved))
        if not locate_cell(candidate).on_boundary and candidate.risk() < risk:
            return candidate
    return None


def follow_descent(
    refuted: Refuted,
    minimum_near: Callable[[Problem], Problem | None],
    towards: Problem | None = None,
) -> Problem | None:
    """One hop: step from the refuted boundary point into the adjacent open cell along the
    certificate's descent direction (ties it leaves in place sent to the side of ``towards``,
    the point the walk started from), then ``minimum_near`` of the point reached (the caller's
    cell or closed-cell minimum); None when there is no direction, no step or no minimum, or the
    minimum is not lower than the refuted point."""
    direction = descent_direction(refuted.verdict)
    if direction is None:
        return None
    stepped = step_into_open_cell(refuted.problem, direction, towards)
    if stepped is None:
        return None
    found = minimum_near(stepped)
    if found is None or not found.risk() < refuted.problem.risk():
        return None
    return found

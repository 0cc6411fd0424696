"""A box that traps a local minimum (claims ``local_min_in_box`` and
``spurious_local_min_in_box``, docs/certificate.md 3.20, since 1.1).

Where the local minimum near a trained point is irrational (deeper networks, in general), no
rational point is critical. A rational centre close to it (a Newton iterate) and a radius rho with
mu^2 rho^2 > 4 |g|^2, where mu is a lower bound on the Hessian over the box, prove that a local
minimum lies in the box and bound its risk. The floats here only choose mu and rho; the checker
decides.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from losscert.checker import calculus
from losscert.checker.minimum_box import free_parameters
from losscert.encodings.box import box_radius
from losscert.encodings.cells import Cell, locate_cell
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.descent import checker_view
from losscert.verifier.search import find_lower_witness
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min_in_box"
MU_FRACTIONS = (Fraction(1, 2), Fraction(1, 4), Fraction(1, 16))
"""mu is tried as these fractions of the smallest eigenvalue (a float estimate) of the Hessian."""
RADIUS_FACTOR = Fraction(3)
"""rho = 3 |g| / mu: the trap needs rho > 2 |g| / mu; a margin absorbs the rounding of |g|."""
MIN_RADIUS = Fraction(1, 2**60)


def _pattern(cell: Cell) -> list[list[list[int]]]:
    return [[[int(k or 0) for k in neuron] for neuron in layer] for layer in cell.pieces]


def certify_minimum_in_box(problem: Problem, cell: Cell | None = None) -> Verdict:
    """PROVED local_min_in_box about the box around ``problem``'s point, or UNKNOWN."""
    cell = cell or locate_cell(problem)
    room = None if cell.on_boundary else box_radius(problem, cell)
    if room is None:
        return _unknown("the centre is on a cell boundary")
    view = checker_view(problem)
    pattern = _pattern(cell)
    free = free_parameters(view, pattern, MIN_RADIUS)
    try:
        jet = calculus.risk_jet(view, 2)
    except Exception as exc:  # a residual on a loss kink: no Hessian at the centre
        return _unknown(f"R is not twice differentiable at the centre ({exc})")
    smallest = _smallest_eigenvalue(jet, free)
    if smallest is None or smallest <= 0:
        return _unknown("the Hessian in the free coordinates is not positive definite")
    norm = float(np.sqrt(sum(float(jet.grad.get(a, 0)) ** 2 for a in free)))
    last = "no radius fits inside the cell"
    for share in MU_FRACTIONS:
        mu = Fraction(smallest) * share
        if mu <= 0:
            continue
        rho = max(_round_up(RADIUS_FACTOR * Fraction(norm) / mu), MIN_RADIUS)
        if rho > room:
            last = f"the trapping radius {float(rho):.3g} exceeds the room in the cell {float(room):.3g}"
            continue
        verdict = _box_verdict(problem, cell, rho, mu, room)
        if verdict.status is Status.PROVED:
            return verdict
        last = verdict.detail
    return _unknown(last)


def _box_verdict(
    problem: Problem, cell: Cell, rho: Fraction, mu: Fraction, room: Fraction
) -> Verdict:
    steps = box_steps(cell, rho, mu, room)
    risk = problem.risk()
    norm_squared = _gradient_squared(problem, cell, rho)
    lower = _round_down(risk - norm_squared / (2 * mu))  # the claim may state less
    certificate = new_certificate(problem, CLAIM, steps, {"method": "box"})
    certificate["claim"] = claim_fields(CLAIM, rho, lower, risk)
    return certified(
        CLAIM, Status.PROVED, certificate, method="box", radius=rho, lower=lower, upper=risk
    )


def box_steps(cell: Cell, rho: Fraction, mu: Fraction, room: Fraction) -> list[dict[str, Any]]:
    return [
        {
            "id": "cell",
            "kind": "cell",
            "pattern": _pattern(cell),
            "margin": None if cell.margin is None else rational_string(cell.margin),
        },
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(room)},
        {
            "id": "trap",
            "kind": "minimum_in_box",
            "uses": ["cell", "box"],
            "radius": rational_string(rho),
            "mu": rational_string(mu),
        },
    ]


def claim_fields(kind: str, rho: Fraction, lower: Fraction, upper: Fraction) -> dict[str, str]:
    return {
        "kind": kind,
        "radius": rational_string(rho),
        "lower": rational_string(lower),
        "upper": rational_string(upper),
    }


def certify_spurious_in_box(problem: Problem, local: Verdict, *, seed: int = 0) -> Verdict:
    """Given a PROVED local_min_in_box, a point whose exact risk is below its lower bound."""
    claim = "spurious_local_min_in_box"
    if local.status is not Status.PROVED or local.certificate is None:
        return Verdict(Status.UNKNOWN, claim, reason="unsupported", detail="no proved box")
    lower = local.stats["lower"]
    witness = find_lower_witness(problem, seed=seed)
    if witness is None or not witness.risk < lower:
        return Verdict(
            Status.UNKNOWN,
            claim,
            reason="budget",
            detail="no point of risk below the box's lower bound found by the search",
        )
    evidence = [
        *local.certificate["evidence"],
        {"id": "risk", "kind": "risk", "value": rational_string(problem.risk())},
        {
            "id": "lower",
            "kind": "lower_point",
            "uses": ["risk"],
            "point": rationals(witness.parameters),
            "risk": rational_string(witness.risk),
        },
    ]
    certificate = new_certificate(problem, claim, evidence, {"method": "box", "witness": "search"})
    certificate["claim"] = {**local.certificate["claim"], "kind": claim}
    return certified(claim, Status.PROVED, certificate, witness_risk=witness.risk, **local.stats)


def _gradient_squared(problem: Problem, cell: Cell, rho: Fraction) -> Fraction:
    view = checker_view(problem)
    free = free_parameters(view, _pattern(cell), rho)
    jet = calculus.risk_jet(view, 1)
    return sum((jet.grad.get(a, Fraction(0)) ** 2 for a in free), Fraction(0))


def _smallest_eigenvalue(jet: calculus.Jet, free: list[int]) -> float | None:
    if not free:
        return None
    position = {a: k for k, a in enumerate(free)}
    h = np.zeros((len(free), len(free)))
    for (a, b), v in jet.hess.items():
        if a in position and b in position:
            h[position[a], position[b]] = h[position[b], position[a]] = float(v)
    if not np.all(np.isfinite(h)):
        return None
    return float(np.linalg.eigvalsh(h)[0])


def _round_up(value: Fraction) -> Fraction:
    """A short rational >= value (a power of two times a small integer)."""
    if value <= 0:
        return MIN_RADIUS
    exponent = value.numerator.bit_length() - value.denominator.bit_length() - 8
    scale = Fraction(2) ** exponent
    return -(-value // scale) * scale


def _unknown(detail: str) -> Verdict:
    return Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)


def _round_down(value: Fraction) -> Fraction:
    """value rounded down to a multiple of 2^-128 (a claimed lower bound may be lower)."""
    scale = 1 << 128
    return Fraction(value.numerator * scale // value.denominator, scale)

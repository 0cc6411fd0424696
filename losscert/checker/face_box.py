"""Section 3.29 of docs/certificate.md (since 1.1): ``minimum_in_box_on_face``.

A trained ReLU network often ends with a sample exactly on a neuron's kink: its local minimum is
on a cell boundary, where R is not differentiable, and the box of 3.20 does not apply. One hidden
layer: each tie t (neuron r, sample i, breakpoint p) is the affine equation
w_r . x_i + b_r = p, so the *face* F = {every tie holds} is parametrised by the other coordinates,
b_r = p - w_r . x_i. On F every tied pre-activation is constant (= p), so R restricted to F is
smooth. The step proves:

1. (the trap of 3.20, on the face) a minimum theta_m of R over the face box B_F (free face
   coordinates +- rho) lies inside B_F, with risk in [lower, upper];
2. (one-sided slopes) for every choice s of sides of the ties and every tie t, over the full box
   B' (free face coordinates +- rho, each tied b_r +- rho (1 + |x_i|_1)), the interval partial
   derivative of R_s (the risk with the ties sent to the sides s) in b_r is >= 0 when t is sent
   above p and <= 0 when sent below.

Then every theta near theta_m (on the slice) has R(theta) >= R(theta_F) >= R(theta_m), theta_F
its projection onto F along the tied biases: a local minimum of R.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Any

from . import exp_losses, limits
from .intervals import ZERO
from .minimum_box import (
    MAX_FREE_PARAMETERS,
    MAX_PARAMETERS,
    box_jet,
    free_parameters,
    interval_trap,
)
from .numbers import rational, show
from .problem import Problem
from .result import Invalid

MAX_TIES = 6


def _check_ties(problem: Problem, ties: list[tuple[int, int, int, int]], sid: str) -> None:
    if problem.depth != 2:
        raise Invalid("this step needs exactly one hidden layer (the ties are affine)", step=sid)
    if not 1 <= len(ties) <= MAX_TIES:
        raise Invalid(f"{len(ties)} ties: this step takes 1 to {MAX_TIES}", step=sid)
    if len({r for _, r, _, _ in ties}) != len(ties):
        raise Invalid("a neuron has two ties: this step takes one per neuron", step=sid)


def eliminated(
    problem: Problem, ties: list[tuple[int, int, int, int]], free: list[int]
) -> dict[int, tuple[int, Fraction, Fraction, dict[int, Fraction]]] | None:
    """Per tie (neuron r, sample i, breakpoint p): the coordinate e solved from
    z = sum_a kappa_a theta_a = p (kappa = x_i for W_1[r], 1 for b_1[r]): b_1[r] if it is free,
    else the first free W_1[r][c] with x_ic != 0. Returns r -> (e, kappa_e, p / kappa_e,
    {a: -kappa_a / kappa_e, a != e}), or None when no incoming coordinate can be solved for."""
    w, b = problem.layers(list(range(problem.num_parameters)))[0]
    out = {}
    for _, r, i, k in ties:
        kappa = {**dict(zip(w[r], problem.inputs[i], strict=True)), b[r]: Fraction(1)}
        options = [b[r], *w[r]]
        e = next((a for a in options if a in free and kappa[a] != 0), None)
        if e is None:
            return None
        p = problem.activation.breakpoints[k]
        rest = {a: -v / kappa[e] for a, v in kappa.items() if a != e}
        out[r] = (e, kappa[e], p / kappa[e], rest)
    return out


def solved_spread(
    solved: dict[int, tuple[int, Fraction, Fraction, dict[int, Fraction]]], rho: Fraction
) -> dict[int, Fraction]:
    """Each solved coordinate's radius rho_e = rho (1 + sum_{a != e} |kappa_a| / |kappa_e|) when
    the face coordinates move by at most rho."""
    return {
        e: rho * (1 + sum((abs(c) for c in rest.values()), Fraction(0)))
        for e, _, _, rest in solved.values()
    }


def _sides(pattern: Any, ties: list[tuple[int, int, int, int]], choice: tuple[int, ...]) -> Any:
    filled = [[list(neuron) for neuron in layer] for layer in pattern]
    for (j, r, i, b), side in zip(ties, choice, strict=True):
        filled[j][r][i] = b + side
    return filled


def check_minimum_on_face(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    from .steps import _cited, radius_at_most  # steps.py registers this verifier: no cycle

    box = _cited(step, done, "box_near_boundary", sid)
    ties = box.facts["ties"]
    _check_ties(problem, ties, sid)
    rho = rational(step["radius"], f"{sid}.radius")
    mu = rational(step["mu"], f"{sid}.mu")
    if not mu > 0 or not rho > 0:
        raise Invalid("mu and radius must be positive", step=sid)
    if problem.num_parameters > MAX_PARAMETERS:
        raise Invalid(f"more than {MAX_PARAMETERS} parameters", step=sid)
    limits.check_jet(problem, sid, hessian=False)
    choices = list(product((0, 1), repeat=len(ties)))
    frees = [free_parameters(problem, _sides(box.facts["pattern"], ties, c), rho) for c in choices]
    if any(f != frees[0] for f in frees):
        raise Invalid("the free coordinates differ between the sides of the ties", step=sid)
    free = frees[0]
    solved = eliminated(problem, ties, free)
    if solved is None:
        raise Invalid("a tied neuron has no free incoming coordinate to solve for", step=sid)
    spread = solved_spread(solved, rho)
    full = max(spread.values())
    radius_at_most(full, box, sid)  # B' inside the cited box
    face = [a for a in free if a not in spread]
    if not face or len(free) > MAX_FREE_PARAMETERS:
        raise Invalid(f"{len(face)} free face coordinates: 1 to {MAX_FREE_PARAMETERS}", step=sid)
    if problem.loss in exp_losses.EXP_LOSSES:
        exp_losses.check_box_work(len(problem.inputs), problem.widths[-1], len(free), sid)
    on_face = _sides(box.facts["pattern"], ties, tuple(0 for _ in ties))
    dependent = {e: (constant, rest) for e, _, constant, rest in solved.values()}
    lower, upper = interval_trap(problem, on_face, face, rho, mu, sid, dependent)
    for choice in choices:
        _check_slopes(problem, box.facts["pattern"], ties, choice, solved, free, rho, spread, sid)
    return {"radius": full, "lower": lower, "upper": upper}


def _check_slopes(
    problem: Problem,
    pattern: Any,
    ties: list[tuple[int, int, int, int]],
    choice: tuple[int, ...],
    solved: dict[int, tuple[int, Fraction, Fraction, dict[int, Fraction]]],
    free: list[int],
    rho: Fraction,
    spread: dict[int, Fraction],
    sid: str,
) -> None:
    """Over B', sign(kappa_e) dR_s/d theta_e >= 0 for ties sent above the breakpoint (z grows
    with sign(kappa_e) theta_e), <= 0 for ties sent below."""
    try:
        jet = box_jet(problem, _sides(pattern, ties, choice), free, rho, radii=spread)
    except Invalid as exc:
        raise Invalid(
            f"R is not differentiable on the sides {list(choice)}: {exc}", step=sid
        ) from None
    for (_, r, i, _), side in zip(ties, choice, strict=True):
        index, kappa, _, _ = solved[r]
        slope = jet.grad.get(index, ZERO)
        if kappa < 0:
            slope = -slope
        if (side == 1 and slope.lo < 0) or (side == 0 and slope.hi > 0):
            raise Invalid(
                f"the tie of neuron {r} on sample {i}, sent {'above' if side else 'below'} the "
                f"breakpoint (sides {list(choice)}): the slope of R along it is not shown "
                f"{'>= 0' if side else '<= 0'} on the box",
                step=sid,
                derived=f"[{show(slope.lo)}, {show(slope.hi)}]",
            )

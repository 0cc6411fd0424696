"""Section 3.32 of docs/certificate.md (since 1.1): ``escape_ray``, and the claim
``no_local_min_in_box`` (section 4).

With the logistic or softmax loss the loss of a sample falls strictly as its right logit rises
against the others, and never reaches its infimum. One hidden layer: a direction (D, d) of the
output layer (W_2, b_2) moves the outputs of sample i by t (D a_i + d), a_i the hidden layer's
activations. If, at every theta of the box |theta - theta*|_inf <= rho, that move never raises a
sample's loss and strictly lowers one, the risk falls along the ray from every such theta, so none
of them is a local minimum. The checker encloses a_i over the box exactly (interval ends of each
neuron's pre-activation and the activation's extremes there) and the sign of each relevant
combination of D a_i + d.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import exp_losses
from .intervals import _down, _up
from .numbers import matrix, rational, show
from .problem import Problem
from .result import Invalid

RAY_CLAIM_FIELDS = frozenset({"radius"})
MAX_RAY_WORK = 20_000_000
"""n d_Y^2 (d_1 + 1) for escape_ray (section 7): every sample, pair of outputs and neuron."""


def _activation_range(problem: Problem, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """min and max of h over [lo, hi]: h is piecewise linear, so at the ends or a breakpoint."""
    act = problem.activation
    values = []
    for z in (lo, hi, *(p for p in act.breakpoints if lo < p < hi)):
        k = sum(1 for p in act.breakpoints if p < z)  # the piece of z (either one at a breakpoint)
        values.append(act.slopes[k] * z + act.intercepts[k])
    return min(values), max(values)


def hidden_ranges(problem: Problem, rho: Fraction) -> list[list[tuple[Fraction, Fraction]]]:
    """ranges[i][r]: an interval holding h(z_r(x_i; theta)) for every theta within rho of the
    point (row r of W_1 and b_1[r] move by at most rho: z moves by at most rho (1 + |x_i|_1)),
    every end rounded outward to a multiple of 2^-128 (an enclosure: it can only refuse more)."""
    (w1, b1), _ = problem.layers(problem.point)
    out = []
    for x in problem.inputs:
        spread = _up(rho * (1 + sum((_up(abs(v)) for v in x), Fraction(0))))
        row = []
        for weights, bias in zip(w1, b1, strict=True):
            products = [w * v for w, v in zip(weights, x, strict=True)]
            low = _down(bias) + sum((_down(p) for p in products), Fraction(0))
            high = _up(bias) + sum((_up(p) for p in products), Fraction(0))
            a_lo, a_hi = _activation_range(problem, low - spread, high + spread)
            row.append((_down(a_lo), _up(a_hi)))
        out.append(row)
    return out


def _enclose(coefficients: list[Fraction], ranges: list[tuple[Fraction, Fraction]]) -> Any:
    """[lo, hi] holding sum_r c_r a_r + c_last over a_r in ranges[r] (c_last: the bias entry),
    every term rounded outward to a multiple of 2^-128: the sums keep short denominators
    (review 6: exact sums of d_1 terms with distinct 4,000-digit denominators took minutes)."""
    lo, hi = _down(coefficients[-1]), _up(coefficients[-1])
    for c, (a_lo, a_hi) in zip(coefficients[:-1], ranges, strict=True):
        lo += _down(min(c * a_lo, c * a_hi))
        hi += _up(max(c * a_lo, c * a_hi))
    return lo, hi


def ray_margins(
    problem: Problem, direction: list[list[Fraction]], rho: Fraction
) -> tuple[tuple[int, int, Fraction] | None, tuple[int, int] | None]:
    """(the first sample and output whose loss can rise somewhere in the box, with the offending
    bound, or None; the first sample and output whose loss falls strictly everywhere, or None).
    The ray works at rho when the first is None and the second is not."""
    ranges = hidden_ranges(problem, rho)
    strict = None
    for i, (y, hidden) in enumerate(zip(problem.labels, ranges, strict=True)):
        for k, row in enumerate(direction):
            if problem.loss == "logistic":  # y_k delta_k >= 0: f_k moves towards the label
                lo, _ = _enclose([y[k] * c for c in row], hidden)
                least = lo
            else:  # softmax, class c: delta_k - delta_c <= 0 for every other output k
                c = y.index(Fraction(1))
                if k == c:
                    continue
                _, hi = _enclose([a - b for a, b in zip(row, direction[c], strict=True)], hidden)
                least = -hi
            if least < 0:
                return (i, k, least), strict
            if least > 0 and strict is None:
                strict = (i, k)
    return None, strict


def check_escape_ray(problem: Problem, step: dict[str, Any], done: Any, sid: str) -> dict[str, Any]:
    if problem.loss not in exp_losses.EXP_LOSSES:
        raise Invalid(
            f"escape_ray needs the logistic or softmax_cross_entropy loss, not {problem.loss} "
            "(a rational loss can grow along the ray)",
            step=sid,
        )
    if problem.depth != 2:
        raise Invalid(
            f"escape_ray needs one hidden layer; the network has {problem.depth - 1}", step=sid
        )
    d_1, d_y = problem.widths[1], problem.widths[2]
    work = len(problem.inputs) * d_y * d_y * (d_1 + 1)
    if work > MAX_RAY_WORK:
        raise Invalid(
            f"escape_ray: n d_Y^2 (d_1 + 1) = {work} is beyond the limit of {MAX_RAY_WORK} "
            "(section 7)",
            step=sid,
        )
    direction = matrix(step["direction"], f"{sid}.direction", d_y, d_1 + 1)
    rho = rational(step["radius"], f"{sid}.radius")
    if not rho > 0:
        raise Invalid("the radius must be positive", step=sid, derived=show(rho))
    rises, strict = ray_margins(problem, direction, rho)
    if rises is not None:
        i, k, least = rises
        raise Invalid(
            f"sample {i}, output {k}: somewhere in the box the move D a_i + d pushes this "
            "output the way that raises the sample's loss",
            step=sid,
            expected=">= 0 (the least helpful change over the box)",
            derived=show(least),
        )
    if strict is None:
        raise Invalid(
            "no sample's loss falls strictly along the ray everywhere in the box", step=sid
        )
    return {"radius": rho, "gaining": strict[0]}


def no_local_min_in_box(steps: Any, fields: dict[str, Any]) -> str | None:
    """An escape_ray step whose radius is >= the claimed radius."""
    radius = rational(fields.get("radius"), "claim.radius")
    if not radius > 0:
        raise Invalid("claim.radius: must be positive", derived=show(radius))
    if any(s.kind == "escape_ray" and s.facts["radius"] >= radius for s in steps.values()):
        return None
    return "an escape_ray step with radius >= the claimed radius"

"""An escape ray from a separation of the hidden features (logistic / softmax, one hidden layer).

When no single output weight gives a ray (:mod:`exp_rays`), an affine function g(a) = u . a + v
of the hidden activations may still separate one class k from the others: g >= 0 on the samples
of class k, g <= 0 on the rest, not zero on all. Raising logit k by t g(a_i) (row k of the
output layer moves by t (u, v)) then lowers every loss or leaves it, for every t > 0, and the
risk falls to its infimum only at infinity. For the logistic loss, output k and the samples of
label 1 play the part of the class.

Floats only search: an LP (HiGHS, through :mod:`losscert.backends`) finds (u, v) maximising the
capped margins at the point; it is rounded to a short dyadic vector and the checker's own test
(:func:`losscert.checker.escape_ray.ray_margins`) decides at the point and over the box, whose
radius is then found by doubling and bisection.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.checker.escape_ray import ray_margins
from losscert.model.problem import Problem
from losscert.verifier.descent import checker_view

ROUND_BITS = 24
"""The separating (u, v) is rounded to multiples of 2^-ROUND_BITS of its largest entry."""
BISECTIONS = 24
SMALLEST = Fraction(1, 2**60)
"""Below this radius a separation is not reported (the statement would be about nothing)."""


BUDGET_SECONDS = 10.0
"""No class's LP starts after this (each LP has its own 5 s limit)."""


def _lp_direction(features: np.ndarray, wants: list[int]) -> np.ndarray | None:
    """max sum_i s_i, s_i in [0, 1], want_i (u . a~_i) >= s_i, u in [-1, 1]^(d + 1) (float)."""
    from losscert.backends.highs_adapter import HighsAdapter, LinearProgram

    n, d = features.shape
    extended = np.c_[features, np.ones(n)]
    rows = [
        [*((c, -want * float(v)) for c, v in enumerate(row)), (d + 1 + i, 1.0)]
        for i, (row, want) in enumerate(zip(extended, wants, strict=True))
    ]
    program = LinearProgram(
        cost=[0.0] * (d + 1) + [-1.0] * n,
        rows=rows,
        row_lower=[-math.inf] * n,
        row_upper=[0.0] * n,
        col_lower=[-1.0] * (d + 1) + [0.0] * n,
        col_upper=[1.0] * (d + 1) + [1.0] * n,
    )
    answer = HighsAdapter().solve_lp(program, time_limit=5.0)
    if answer.status != "optimal" or answer.x is None or not answer.objective:
        return None
    if answer.objective > -1e-9:  # no strict margin anywhere: no separation
        return None
    return np.array(answer.x[: d + 1])


def _rounded(u: np.ndarray) -> tuple[Fraction, ...] | None:
    top = float(np.max(np.abs(u)))
    if not top > 0:
        return None
    scale = 2**ROUND_BITS
    return tuple(Fraction(round(float(v) / top * scale), scale) for v in u)


def _works(view: Any, direction: list[list[Fraction]], rho: Fraction) -> bool:
    rises, strict = ray_margins(view, direction, rho)
    return rises is None and strict is not None


def _radius(view: Any, direction: list[list[Fraction]]) -> Fraction | None:
    """The largest radius found (doubling from 2^-60, then bisection), or None when the ray does
    not work at the smallest."""
    if not _works(view, direction, SMALLEST):
        return None
    good, bad = SMALLEST, SMALLEST * 2
    while _works(view, direction, bad):
        good, bad = bad, bad * 2
        if bad > 2**20:
            return good
    for _ in range(BISECTIONS):
        middle = (good + bad) / 2
        good, bad = (middle, bad) if _works(view, direction, middle) else (good, middle)
    return good


def separation_ray(problem: Problem) -> Any:
    """The EscapeRay of a separating g for the class (or logistic output) giving the largest
    radius, or None."""
    from losscert.verifier.exp_rays import EscapeRay, _wants, along

    (w1, b1), _ = problem.network.to_numpy()
    x = np.array([[float(v) for v in row] for row in problem.data.input_rows()])
    hidden = np.vectorize(problem.network.activation.apply_float)(x @ w1.T + b1)
    wants = _wants(problem)
    view = checker_view(problem)
    d_y = len(wants[0])
    best = None
    deadline = time.perf_counter() + BUDGET_SECONDS
    for k in range(d_y):
        if time.perf_counter() > deadline:  # one LP of at most 5 s per class: bounded overall
            break
        u = _lp_direction(hidden, [want[k] for want in wants])
        row = None if u is None else _rounded(u)
        if row is None:
            continue
        zero = tuple(Fraction(0) for _ in row)
        direction = tuple(row if j == k else zero for j in range(d_y))
        radius = _radius(view, [list(r) for r in direction])
        if radius is not None and (best is None or radius > best[0]):
            best = (radius, k, direction)
    if best is None:
        return None
    radius, k, direction = best
    what = "output" if problem.loss.kind == "logistic" else "logit"
    who = "label 1" if problem.loss.kind == "logistic" else f"class {k}"
    move = f"{what} {k} rises by t g(a), g(a) = u . a + v an affine function of the hidden layer"
    because = (
        f"g >= 0 on the samples of {who} and <= 0 on the others (the hidden layer separates "
        f"them), with u, v = {[float(v) for v in direction[k]]}"
    )
    risk, slope, limit = along(problem, direction)
    return EscapeRay(direction, radius, move, because, risk, slope, limit)

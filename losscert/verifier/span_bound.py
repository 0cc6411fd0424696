"""The both-signs relaxation of a cell for absolute, hinge and Huber losses, without the block program.

When a set of blocks holds both signs of every pattern, the cones of (p, +1) and (p, -1) are
opposite and full-dimensional, so their sum is the whole space: the outputs
sum_b M_b z_b + b_2 range over the span W of the all-ones vector and every pattern's output map,
and the program over the blocks is the unconstrained regression min_{o in W} sum_i l(y_i, o_i)
(:func:`losscert.verifier.point_bound.sign_symmetric_bound` solves it for squared losses by exact
least squares). For the other convex losses its optimum is degenerate: an absolute / hinge fit
interpolates dim W samples (all of them kinks), a Huber fit splits the samples into a quadratic
and a linear part. The block program over 2 d_1 blocks then often cannot be rounded (64 blocks
and more). Here instead:

1. search (floats): the regression over a basis B of W, an LP (absolute, hinge) or a QP (Huber)
   solved by HiGHS;
2. active set: the samples the float fit puts on a kink (absolute, hinge) or in the quadratic
   part (Huber, both sides of the edge tried);
3. exact KKT on that support: absolute / hinge: B a = y on the kink samples (exact linear
   algebra, the float coefficients fill the free coordinates), then subgradients g in their
   intervals with B^T g = 0 (:mod:`losscert.verifier.kink_subgradients`); Huber: the exact
   stationarity system of the split (:func:`losscert.verifier.cell_minimum._stationary`), its
   derivatives re-evaluated exactly at the exact outputs.

Every multiplier is 0 (B^T g = 0 makes every M_p^T g vanish), and the bound
(sum_i l(y_i, o_i) - g . o) / n is attained by o, so it is the program's exact minimum. None when
the support does not give an exact solution (the callers then solve the block program).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from flint import fmpq_mat

from losscert.backends.highs_adapter import HighsAdapter, LinearProgram
from losscert.encodings.exact_linear import independent_columns, solve_with_free
from losscert.model.loss import Loss
from losscert.model.rationals import to_fmpq, to_fraction
from losscert.verifier.cell_minimum import _stationary
from losscert.verifier.kink_subgradients import kink_subgradients

TOLERANCES = (1e-9, 1e-7, 1e-5)
"""Search only: how close to a kink (or to the Huber edge) a float residual counts as on it."""
SOLVE_SECONDS = 60.0
SPAN_LOSSES = ("absolute", "hinge", "huber")


def span_minimum(
    rows: Sequence[Sequence[Fraction]], labels: Sequence[Fraction], loss: Loss
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Exact (outputs o, subgradients g) of min_{o in span(rows)} sum_i l(y_i, o_i): o in the
    span of ``rows`` (each a vector over the samples; the all-ones row among them), each g_i in
    the subdifferential of l(y_i, .) at o_i and every row orthogonal to g. None when not found."""
    if loss.kind not in SPAN_LOSSES or not rows:
        return None
    n = len(labels)
    keep = independent_columns([list(col) for col in zip(*rows, strict=True)], len(rows))
    basis = [[rows[c][i] for c in keep] for i in range(n)]  # n x k
    transposed = [list(rows[c]) for c in keep]
    a_float = _float_fit(basis, labels, loss)
    if a_float is None:
        return None
    b_float = [[float(v) for v in row] for row in basis]
    o_float = [sum(b * a for b, a in zip(row, a_float, strict=True)) for row in b_float]
    free = [Fraction(v).limit_denominator(10**9) for v in a_float]
    scale = max([1.0, *(abs(float(y)) for y in labels)])
    for tol in TOLERANCES:
        if loss.kind == "huber":
            found = _huber(basis, transposed, labels, loss, o_float, free, tol * scale)
        else:
            found = _kinks(basis, transposed, labels, loss, o_float, free, tol * scale)
        if found is not None:
            return found
    return None


def _float_fit(
    basis: list[list[Fraction]], labels: Sequence[Fraction], loss: Loss
) -> list[float] | None:
    """Search: the coefficients a of the float regression over the basis (LP or QP)."""
    n, k = len(basis), len(basis[0])
    ys = [float(y) for y in labels]
    inf = math.inf
    rows: list[list[tuple[int, float]]] = []
    lower: list[float] = []
    upper: list[float] = []
    fit = [[(c, float(v)) for c, v in enumerate(row) if v] for row in basis]
    if loss.kind == "huber":
        assert loss.delta is not None
        delta = float(loss.delta)
        # columns: a (k), p (n, quadratic), q+ (n), q- (n); (B a)_i - p_i - q+_i + q-_i = y_i
        cost = [0.0] * (k + n) + [delta] * (2 * n)
        for i in range(n):
            rows.append([*fit[i], (k + i, -1.0), (k + n + i, -1.0), (k + 2 * n + i, 1.0)])
            lower.append(ys[i])
            upper.append(ys[i])
        col_lower = [-inf] * (k + n) + [0.0] * (2 * n)
        quadratic = [(k + i, 1.0) for i in range(n)]
    else:
        # columns: a (k), t (n) >= 0; absolute: t_i >= |(B a)_i - y_i|; hinge: t_i >= 1 - y_i (B a)_i
        cost = [0.0] * k + [1.0] * n
        for i in range(n):
            if loss.kind == "absolute":
                rows.append([(k + i, 1.0), *((c, -v) for c, v in fit[i])])
                lower.append(-ys[i])
                upper.append(inf)
                rows.append([(k + i, 1.0), *fit[i]])
                lower.append(ys[i])
                upper.append(inf)
            else:
                rows.append([(k + i, 1.0), *((c, ys[i] * v) for c, v in fit[i])])
                lower.append(1.0)
                upper.append(inf)
        col_lower = [-inf] * k + [0.0] * n
        quadratic = []
    program = LinearProgram(
        cost, rows, lower, upper, col_lower, [inf] * len(cost), tuple(quadratic)
    )
    answer = HighsAdapter().solve_lp(program, SOLVE_SECONDS)
    if answer.x is None or not all(math.isfinite(v) for v in answer.x):
        return None
    return list(answer.x[:k])


def _kinks(
    basis: list[list[Fraction]],
    transposed: list[list[Fraction]],
    labels: Sequence[Fraction],
    loss: Loss,
    o_float: list[float],
    free: list[Fraction],
    tol: float,
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Absolute / hinge: interpolate the kink samples exactly, then choose their subgradients.
    (A hinge kink y_i o_i = 1 with y_i = +-1 is o_i = y_i as well.)"""
    kinks = [
        i for i, (o, y) in enumerate(zip(o_float, labels, strict=True)) if abs(o - float(y)) <= tol
    ]
    a = solve_with_free([basis[i] for i in kinks], [labels[i] for i in kinks], free)
    if a is None:
        return None
    k = len(a)
    product = fmpq_mat(len(basis), k, [to_fmpq(v) for row in basis for v in row]) * fmpq_mat(
        k, 1, [to_fmpq(v) for v in a]
    )
    outputs = [to_fraction(product[i, 0]) for i in range(len(basis))]
    boxes = [loss.coordinate_subdifferential(y, o) for y, o in zip(labels, outputs, strict=True)]
    g = kink_subgradients(transposed, boxes)
    return None if g is None else (outputs, g)


def _huber(
    basis: list[list[Fraction]],
    transposed: list[list[Fraction]],
    labels: Sequence[Fraction],
    loss: Loss,
    o_float: list[float],
    free: list[Fraction],
    tol: float,
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Huber: the exact stationary point of the split the float fit suggests (samples near the
    edge |r| = delta tried on either side)."""
    assert loss.delta is not None
    residual = [o - float(y) for o, y in zip(o_float, labels, strict=True)]
    delta = float(loss.delta)
    for edge in (tol, -tol):
        quadratic = [abs(r) <= delta + edge for r in residual]
        found = _stationary(basis, transposed, list(labels), loss, quadratic, free, residual)
        if found is not None:
            return found
    return None

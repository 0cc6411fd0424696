"""Subgradients at the kinks of absolute / hinge losses, found exactly on an identified active set.

At a point where some outputs sit on a kink of the loss (o_i = y_i for the absolute loss, margin
y_i o_i = 1 for the hinge), the subgradient g_i may be any value of an interval [lo_i, hi_i]. The
dual certificate of a cell's (or every block's) convex program with zero multipliers needs

    sum_i g_i = 0   and   M_p^T g = 0 for every pattern p,

that is ``A g = 0`` for the rows A of :func:`output_map_rows`. With the other samples' g_i fixed
by the loss's derivative, this is a box-constrained linear system in the kink samples' g_i,
which at a cell minimum of a wide cell is large and degenerate (hundreds of kink samples, 1 +
d_1 (d_X + 2) equations, most of them dependent). It is solved in two stages:

1. search (floats): HiGHS's dual simplex finds a vertex of the box-constrained system;
2. exact: the samples the float vertex puts at a bound (within a tolerance) are fixed at that
   bound, exact linear algebra solves the remaining ones (their float values fill the free
   coordinates when the system is underdetermined), and every value is checked to lie in its
   interval, with A g = 0 re-checked exactly. Several tolerances are tried.

None when no exact solution is found (the callers then solve the convex program instead): never
a wrong subgradient, and the checker verifies the step again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from losscert.backends.highs_adapter import HighsAdapter, LinearProgram
from losscert.encodings.exact_linear import solve_with_free
from losscert.model.activation import Activation

TOLERANCES = (1e-9, 1e-7, 1e-5)
"""Search only: how close to a bound a float value counts as at it (one exact attempt each)."""
SOLVE_SECONDS = 30.0


def output_map_rows(
    patterns: Sequence[Sequence[int]], xs: Sequence[Sequence[Fraction]], act: Activation
) -> list[list[Fraction]]:
    """The rows of A: the all-ones row (the output bias), then for each pattern the rows of
    M_p^T (s_{k_i} x~_i coordinate by coordinate, then t_{k_i}); all-zero rows are left out."""
    rows: list[list[Fraction]] = [[Fraction(1)] * len(xs)]
    width = len(xs[0]) if xs else 0
    for pattern in patterns:
        pieces = [act.affine_piece(k) for k in pattern]
        candidates = [
            *([s * x[j] for (s, _), x in zip(pieces, xs, strict=True)] for j in range(width)),
            [t for _, t in pieces],
        ]
        rows.extend(row for row in candidates if any(row))
    return rows


def kink_subgradients(
    rows: Sequence[Sequence[Fraction]], boxes: Sequence[tuple[Fraction, Fraction]]
) -> list[Fraction] | None:
    """Exact g with lo_i <= g_i <= hi_i (``boxes[i]``) and every row of ``rows`` orthogonal to g,
    or None when the search does not find one."""
    n = len(boxes)
    kinks = [i for i, (lo, hi) in enumerate(boxes) if lo != hi]
    if any(lo > hi for lo, hi in boxes):
        return None
    fixed = [lo for lo, _ in boxes]
    rhs = [
        -sum((row[i] * fixed[i] for i in range(n) if boxes[i][0] == boxes[i][1]), Fraction(0))
        for row in rows
    ]
    if not kinks:
        return fixed if all(v == 0 for v in rhs) else None
    matrix = [[row[i] for i in kinks] for row in rows]
    answer = HighsAdapter().solve_lp(
        LinearProgram(
            cost=[0.0] * len(kinks),
            rows=[[(c, float(v)) for c, v in enumerate(r) if v] for r in matrix],
            row_lower=[float(v) for v in rhs],
            row_upper=[float(v) for v in rhs],
            col_lower=[float(boxes[i][0]) for i in kinks],
            col_upper=[float(boxes[i][1]) for i in kinks],
        ),
        SOLVE_SECONDS,
    )
    if answer.x is None or not all(math.isfinite(v) for v in answer.x):
        return None
    for tol in TOLERANCES:
        found = _exact_on_support(matrix, rhs, [boxes[i] for i in kinks], answer.x, tol)
        if found is not None:
            g = list(fixed)
            for i, v in zip(kinks, found, strict=True):
                g[i] = v
            if all(
                sum((a * b for a, b in zip(row, g, strict=True)), Fraction(0)) == 0 for row in rows
            ):
                return g
    return None


def _exact_on_support(
    matrix: list[list[Fraction]],
    rhs: list[Fraction],
    boxes: list[tuple[Fraction, Fraction]],
    x: list[float],
    tol: float,
) -> list[Fraction] | None:
    """Fix the values the float vertex puts at a bound, solve exactly for the others, check the
    boxes; None when that support gives no exact solution inside the boxes."""
    values: list[Fraction | None] = []
    for (lo, hi), v in zip(boxes, x, strict=True):
        span = max(1.0, float(hi - lo))
        if abs(v - float(lo)) <= tol * span:
            values.append(lo)
        elif abs(v - float(hi)) <= tol * span:
            values.append(hi)
        else:
            values.append(None)
    free = [c for c, v in enumerate(values) if v is None]
    reduced_rhs = [
        r - sum((row[c] * v for c, v in enumerate(values) if v is not None and v != 0), Fraction(0))
        for row, r in zip(matrix, rhs, strict=True)
    ]
    if free:
        solved = solve_with_free(
            [[row[c] for c in free] for row in matrix],
            reduced_rhs,
            [Fraction(x[c]).limit_denominator(10**6) for c in free],
        )
        if solved is None:
            return None
        for c, value in zip(free, solved, strict=True):
            values[c] = value
    elif any(v != 0 for v in reduced_rhs):
        return None
    out = [v for v in values if v is not None]
    if len(out) != len(boxes) or any(
        not lo <= v <= hi for v, (lo, hi) in zip(out, boxes, strict=True)
    ):
        return None
    return out

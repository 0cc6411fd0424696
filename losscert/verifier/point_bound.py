"""The convex lower bound read off the point itself (KKT at the point's own outputs), no program.

One hidden layer, one output (MATH.md section 5). Take the reference outputs o = f(theta*) of the
problem's point and g_i = l'(y_i, o_i), its loss's derivative there. For a set of blocks
(pattern, sign), the dual certificate of :mod:`losscert.verifier.cell_minimum` needs
sum_i g_i = 0 and, per block, multipliers lambda_b >= 0 with G_b^T lambda_b = M_b^T g. When the
point is a minimum of the risk over those blocks' cones, these exist:

* a neuron strictly inside its block's cone with c_r != 0 makes M_b^T g = 0 (its gradient in
  (c_r w~_r, c_r) is zero), so lambda_b = 0 for that pattern with *either* sign (M_b does not
  depend on the sign): that is why the point certifies its whole cell, all 2^{d_1} sign vectors
  at once, in one step over both signs of every pattern;
* otherwise lambda_b comes from an exact phase-1 simplex on d_X + 2 equations
  (:func:`losscert.backends.exact_lp.nonnegative_solution`).

The bound is then (sum_i l(y_i, o_i) - g . o) / n, which equals R(theta*) (g . o = 0 by the same
equations). No float is involved, and no solver: this is the quick first try of
``cell_global_min`` and ``global_min``; when it does not apply (a kink of the loss at some o_i,
a block without multipliers: the point is not a minimum over those blocks) the callers fall back
to the convex program. The checker re-verifies the step as any other ``convex_lower_bound``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from losscert.backends.exact_lp import nonnegative_solution
from losscert.encodings.cell_programs import Block, augmented, block_rows
from losscert.model.activation import Activation
from losscert.model.loss import Loss
from losscert.model.problem import Problem
from losscert.model.rationals import to_fmpq, to_fraction
from losscert.verifier.cell_minimum import CONVEX_LOSSES, BlockBound


def bound_at_point(problem: Problem, blocks: Sequence[Block]) -> BlockBound | None:
    """The certified bound over ``blocks`` with the point's outputs as the reference, or None
    when the point's subgradients do not give one (never a wrong bound: every number is exact,
    and the checker verifies it again)."""
    if problem.loss.kind not in CONVEX_LOSSES or not blocks:
        return None
    outputs = [row[0] for row in problem.trace().output_rows()]
    labels = [row[0] for row in problem.data.label_rows()]
    g = _derivatives(problem.loss, labels, outputs)
    if g is None or sum(g, Fraction(0)) != 0:
        return None
    xs = augmented(problem.data.input_rows())
    act = problem.network.activation
    targets: dict[tuple[int, ...], list[Fraction]] = {}
    multipliers = []
    for block in blocks:
        if block.pattern not in targets:
            targets[block.pattern] = output_map_applied(block.pattern, xs, act, g)
        target = targets[block.pattern]
        rows = block_rows(block, xs, act) if any(target) else None
        lam = _multipliers(rows, target, act, block.pattern)
        if lam is None:
            return None
        multipliers.append(tuple(lam))
    n = len(outputs)
    risk = sum(
        (
            to_fraction(problem.loss.sample_loss([to_fmpq(y)], [to_fmpq(o)]))
            for y, o in zip(labels, outputs, strict=True)
        ),
        Fraction(0),
    )
    bound = (risk - sum((a * b for a, b in zip(g, outputs, strict=True)), Fraction(0))) / n
    return BlockBound(
        tuple(blocks), bound, tuple(outputs), tuple(g), tuple(multipliers), None, None
    )


def output_map_applied(
    pattern: Sequence[int], xs: list[list[Fraction]], act: Activation, g: Sequence[Fraction]
) -> list[Fraction]:
    """M^T g for the pattern: (sum_i g_i s_{k_i} x~_i, sum_i g_i t_{k_i}), in integers over one
    common denominator (one Fraction per entry at the end, not one per product)."""
    width = len(xs[0])
    g_den = math.lcm(*(v.denominator for v in g))
    x_den = math.lcm(*(v.denominator for x in xs for v in x))
    g_int = [v.numerator * (g_den // v.denominator) for v in g]
    x_int = [[v.numerator * (x_den // v.denominator) for v in x] for x in xs]
    by_piece: dict[int, list[int]] = {}
    for i, k in enumerate(pattern):
        by_piece.setdefault(k, []).append(i)
    total = [Fraction(0)] * (width + 1)
    for k, samples in by_piece.items():
        slope, intercept = act.affine_piece(k)
        if slope:
            for j in range(width):
                s = sum(g_int[i] * x_int[i][j] for i in samples)
                total[j] += slope * Fraction(s, g_den * x_den)
        if intercept:
            total[width] += intercept * Fraction(sum(g_int[i] for i in samples), g_den)
    return total


def _derivatives(
    loss: Loss, labels: Sequence[Fraction], outputs: Sequence[Fraction]
) -> list[Fraction] | None:
    """l'(y_i, o_i) for every sample, or None when some o_i sits on a kink of the loss (the
    subgradient there would have to be chosen: the convex program does that)."""
    out = []
    for y, o in zip(labels, outputs, strict=True):
        low, high = loss.coordinate_subdifferential(y, o)
        if low != high:
            return None
        out.append(low)
    return out


def _multipliers(
    rows: list[list[Fraction]] | None,
    target: list[Fraction],
    act: Activation,
    pattern: Sequence[int],
) -> list[Fraction] | None:
    """lambda >= 0 with sum_r lambda_r rows_r = target (exact), or None."""
    if rows is None:  # target = 0: all multipliers 0, one per cone row
        count = 1 + sum(
            (lower is not None) + (upper is not None)
            for lower, upper in (act.piece_bounds(k) for k in pattern)
        )
        return [Fraction(0)] * count
    transposed = [[row[j] for row in rows] for j in range(len(target))]
    return nonnegative_solution(transposed, target)

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
  (:func:`losscert.backends.exact_lp.nonnegative_solution`);
* where some o_i sits on a kink of the loss (absolute, hinge), g_i is chosen in its interval so
  that every pattern's M_p^T g and sum_i g_i vanish (:mod:`losscert.verifier.kink_subgradients`:
  a float vertex identifies which g_i sit at a bound, exact linear algebra solves the others).

The bound is then (sum_i l(y_i, o_i) - g . o) / n, which equals R(theta*) (g . o = 0 by the same
equations). No float is involved, and no solver: this is the quick first try of
``cell_global_min`` and ``global_min``; when it does not apply (kink subgradients not found,
a block without multipliers: the point is not a minimum over those blocks) the callers fall back
to the convex program. The checker re-verifies the step as any other ``convex_lower_bound``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from flint import fmpq, fmpq_mat

from losscert.backends.exact_lp import nonnegative_solution
from losscert.encodings.cell_programs import Block, augmented, block_rows
from losscert.model.activation import Activation
from losscert.model.loss import Loss
from losscert.model.problem import Problem
from losscert.model.rationals import to_fmpq, to_fraction
from losscert.verifier.cell_minimum import CONVEX_LOSSES, BlockBound
from losscert.verifier.kink_subgradients import kink_subgradients, output_map_rows
from losscert.verifier.span_bound import SPAN_LOSSES, span_minimum


def bound_at_point(problem: Problem, blocks: Sequence[Block]) -> BlockBound | None:
    """The certified bound over ``blocks`` with the point's outputs as the reference, or None
    when the point's subgradients do not give one (never a wrong bound: every number is exact,
    and the checker verifies it again)."""
    if problem.loss.kind not in CONVEX_LOSSES or not blocks:
        return None
    outputs = [row[0] for row in problem.trace().output_rows()]
    labels = [row[0] for row in problem.data.label_rows()]
    xs = augmented(problem.data.input_rows())
    act = problem.network.activation
    g = _derivatives(problem.loss, labels, outputs)
    if g is None:  # outputs on a kink of the loss: choose those subgradients exactly
        boxes = [
            problem.loss.coordinate_subdifferential(y, o)
            for y, o in zip(labels, outputs, strict=True)
        ]
        patterns = list(dict.fromkeys(b.pattern for b in blocks))
        g = kink_subgradients(output_map_rows(patterns, xs, act), boxes)
    if g is None or sum(g, Fraction(0)) != 0:
        return None
    targets: dict[tuple[int, ...], list[Fraction]] = {}
    multipliers = []
    scaled = _scaled(xs, g)
    for block in blocks:
        if block.pattern not in targets:
            targets[block.pattern] = output_map_applied(block.pattern, xs, act, g, scaled)
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


def sign_symmetric_bound(problem: Problem, blocks: Sequence[Block]) -> BlockBound | None:
    """The exact minimum over ``blocks`` when they hold both signs of every pattern, without the
    block program, or None: by exact least squares for squared / squared_half losses (no
    program, no rounding); for absolute / hinge / Huber by exact KKT on the active set of a
    float regression over the same span (:mod:`losscert.verifier.span_bound`).

    Why: the cones of (pattern, +1) and (pattern, -1) are opposite and full-dimensional, so
    their sum is the whole space of z = (v, c); the outputs sum_b M_b z_b + b_2 then range over
    the span W of the all-ones vector and every pattern's output map. The minimum of the risk
    over W is the orthogonal projection o of y onto W, and g = l'(o) is orthogonal to W: every
    M_p^T g = 0, so all multipliers are 0 and the bound (sum_i l(y_i, o_i) - g . o) / n is
    attained. This is the program whose float answer failed to round at 64 blocks."""
    squared = problem.loss.kind in ("squared", "squared_half")
    if not (squared or problem.loss.kind in SPAN_LOSSES) or not blocks:
        return None
    keys = {(b.pattern, b.sign) for b in blocks}
    if any((b.pattern, -b.sign) not in keys for b in blocks):
        return None
    xs = augmented(problem.data.input_rows())
    labels = [row[0] for row in problem.data.label_rows()]
    act = problem.network.activation
    n, width = len(xs), len(xs[0]) + 1
    patterns = list(dict.fromkeys(b.pattern for b in blocks))
    if not squared:  # absolute / hinge / Huber: exact KKT on the float fit's active set
        found = span_minimum(output_map_rows(patterns, xs, act), labels, problem.loss)
        if found is None:
            return None
        return _zero_multiplier_bound(problem, blocks, labels, *found)
    entries: list[list[fmpq]] = [[fmpq(1)] * n]
    for pattern in patterns:
        pieces = [act.affine_piece_fmpq(k) for k in pattern]
        for j in range(width - 1):
            entries.append([s * to_fmpq(x[j]) for (s, _), x in zip(pieces, xs, strict=True)])
        entries.append([t for _, t in pieces])
    basis = _independent(entries, n)
    columns = fmpq_mat(n, len(basis), [entries[c][i] for i in range(n) for c in basis])
    target = fmpq_mat(n, 1, [to_fmpq(y) for y in labels])
    gram = columns.transpose() * columns
    coefficients = gram.solve(columns.transpose() * target)
    fitted = columns * coefficients
    outputs = [to_fraction(fitted[i, 0]) for i in range(n)]
    scale = 2 if problem.loss.kind == "squared" else 1
    g = [scale * (o - y) for o, y in zip(outputs, labels, strict=True)]
    scaled = _scaled(xs, g)
    if sum(g, Fraction(0)) != 0 or any(
        any(output_map_applied(p, xs, act, g, scaled)) for p in patterns
    ):
        return None  # cannot happen (o is the projection); never a wrong bound either way
    return _zero_multiplier_bound(problem, blocks, labels, outputs, g)


def _zero_multiplier_bound(
    problem: Problem,
    blocks: Sequence[Block],
    labels: list[Fraction],
    outputs: list[Fraction],
    g: list[Fraction],
) -> BlockBound:
    """The bound (sum_i l(y_i, o_i) - g . o) / n with every block's multipliers 0 (the caller
    has made g orthogonal to every pattern's output map and to the all-ones vector)."""
    act = problem.network.activation
    multipliers = [_zeros(act, b.pattern) for b in blocks]
    risk = sum(
        (
            to_fraction(problem.loss.sample_loss([to_fmpq(y)], [to_fmpq(o)]))
            for y, o in zip(labels, outputs, strict=True)
        ),
        Fraction(0),
    )
    bound = (risk - sum((a * b for a, b in zip(g, outputs, strict=True)), Fraction(0))) / len(g)
    return BlockBound(
        tuple(blocks), bound, tuple(outputs), tuple(g), tuple(multipliers), None, None
    )


def _independent(entries: list[list[fmpq]], n: int) -> list[int]:
    """Indices of a maximal independent set of the columns ``entries`` (pivots, left to right)."""
    matrix = fmpq_mat(n, len(entries), [col[i] for i in range(n) for col in entries])
    reduced, rank = matrix.rref()
    pivots, column = [], 0
    for row in range(int(rank)):
        while reduced[row, column] == 0:
            column += 1
        pivots.append(column)
    return pivots


def _scaled(
    xs: list[list[Fraction]], g: Sequence[Fraction]
) -> tuple[int, list[int], int, list[list[int]]]:
    """g and the samples as integers over their common denominators (g_den, g_int, x_den, x_int)."""
    g_den = math.lcm(*(v.denominator for v in g))
    x_den = math.lcm(*(v.denominator for x in xs for v in x))
    g_int = [v.numerator * (g_den // v.denominator) for v in g]
    x_int = [[v.numerator * (x_den // v.denominator) for v in x] for x in xs]
    return g_den, g_int, x_den, x_int


def output_map_applied(
    pattern: Sequence[int],
    xs: list[list[Fraction]],
    act: Activation,
    g: Sequence[Fraction],
    scaled: tuple[int, list[int], int, list[list[int]]] | None = None,
) -> list[Fraction]:
    """M^T g for the pattern: (sum_i g_i s_{k_i} x~_i, sum_i g_i t_{k_i}), in integers over one
    common denominator (one Fraction per entry at the end, not one per product); ``scaled`` is
    ``_scaled(xs, g)`` when the caller has it."""
    width = len(xs[0])
    g_den, g_int, x_den, x_int = _scaled(xs, g) if scaled is None else scaled
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
    if rows is None:  # target = 0: all multipliers 0
        return list(_zeros(act, pattern))
    transposed = [[row[j] for row in rows] for j in range(len(target))]
    return nonnegative_solution(transposed, target)


def _zeros(act: Activation, pattern: Sequence[int]) -> tuple[Fraction, ...]:
    """Zero multipliers, one per cone row of the pattern's block (the sign row, then each
    sample's lower and upper bound rows where its piece has them)."""
    rows = [
        (lower is not None) + (upper is not None)
        for lower, upper in map(act.piece_bounds, range(act.num_pieces))
    ]
    return (Fraction(0),) * (1 + sum(rows[k] for k in pattern))

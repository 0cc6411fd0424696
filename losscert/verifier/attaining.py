"""One hidden layer: an exact network that attains a block program's optimum (issue 14).

A block program's optimum is a point (z_b)_b of the blocks' closed cones with outputs o*. A block
with c != 0 is a neuron; a block with c = 0 and v != 0 is only a *limit* of neurons
(c_r -> 0, |w_r| -> inf). For a positively homogeneous activation such a limit is itself a neuron
(``witness_network``). For a non-homogeneous one (dead zone, shifted ReLU, hard-tanh, ReLU6, ...)
it is not, but the same outputs o* are often produced by other points of the cones: the limit
neuron's offset c t_k can be absorbed by b_2 or by another neuron, or a different pattern
computes the same function on the samples (a dead zone's limit is linear on the samples, which
one neuron with every sample on one outer piece computes with c != 0).

:func:`attaining_network` searches for such a point: for a few sets S of at most d_1 blocks (the
optimum's own blocks, then each of them plus one more realisable block, then the optimum's
neurons with c != 0 plus one realisable block in place of the limits), a float LP maximises
min_b s_b c_b over z_b in the cones of S with outputs exactly o*; when that is positive, the
exact point is solved for (the LP's tight cone rows kept as equalities, else an exact simplex
with s_b c_b >= a rational margin) and re-checked exactly. Search only: the caller replays the
network's risk exactly, and the checker verifies every certificate built on it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from fractions import Fraction

from losscert.backends.exact_lp import nonnegative_solution
from losscert.backends.highs_adapter import HighsAdapter, LinearProgram
from losscert.encodings.cell_programs import Block, augmented, block_outputs, block_rows
from losscert.encodings.exact_linear import solve_with_free
from losscert.model.activation import Activation
from losscert.model.network import Network
from losscert.verifier.cell_minimum import BlockBound

MAX_SEARCH_PROGRAMS = 400
"""The most candidate block sets (one float LP each) one search tries."""
SEARCH_SECONDS = 10.0
"""HiGHS seconds per candidate LP (search only)."""
MAX_EXACT_ROWS = 400
"""The exact simplex fallback runs only on systems with at most this many rows."""
TOLERANCE = 1e-9


def limit_blocks(bound: BlockBound) -> list[Block]:
    """The blocks the optimum uses with c = 0 and v != 0: limits of neurons, not neurons."""
    if bound.parts is None:
        return []
    return [b for b, z in zip(bound.blocks, bound.parts, strict=True) if any(z) and z[-1] == 0]


def candidate_sets(
    bound: BlockBound, hidden: int, universe: Sequence[Block]
) -> list[tuple[Block, ...]]:
    """The block sets the search tries, in order, each of at most ``hidden`` blocks."""
    if bound.parts is None:
        return []
    used = [b for b, z in zip(bound.blocks, bound.parts, strict=True) if any(z)]
    neurons = [b for b, z in zip(bound.blocks, bound.parts, strict=True) if any(z) and z[-1] != 0]
    sets: list[tuple[Block, ...]] = []
    seen: set[frozenset[Block]] = set()

    def add(blocks: list[Block]) -> None:
        key = frozenset(blocks)
        if 0 < len(key) <= hidden and key not in seen:
            seen.add(key)
            sets.append(tuple(sorted(key)))

    add(used)
    extra = [b for b in universe if b not in set(used)]
    for block in extra:
        add([*used, block])
    if len(neurons) < len(used):  # replace every limit by one other block
        for block in universe:
            add([*neurons, block])
    return sets[:MAX_SEARCH_PROGRAMS]


def attaining_network(
    bound: BlockBound,
    inputs: Sequence[Sequence[Fraction]],
    act: Activation,
    hidden: int,
    universe: Sequence[Block] = (),
    deadline: float | None = None,
) -> Network | None:
    """A network of width ``hidden`` whose outputs are exactly ``bound.outputs``, each neuron in
    one block with c != 0; None when the search finds none (nothing is claimed then) or
    ``deadline`` (time.perf_counter()) passes."""
    xs = augmented(inputs)
    for blocks in candidate_sets(bound, hidden, universe):
        if deadline is not None and time.perf_counter() > deadline:
            return None
        found = realise_outputs(blocks, xs, act, list(bound.outputs))
        if found is not None:
            return _network(blocks, found, act, hidden, len(xs[0]) - 1)
    return None


def realise_outputs(
    blocks: Sequence[Block],
    xs: list[list[Fraction]],
    act: Activation,
    outputs: list[Fraction],
) -> tuple[list[list[Fraction]], Fraction] | None:
    """Exact z_b in each block's cone with s_b c_b > 0 and sum_b M_b z_b + b_2 = outputs, or None."""
    width, n = len(xs[0]) + 1, len(xs)
    rows = [block_rows(b, xs, act) for b in blocks]
    outs = [block_outputs(b, xs, act) for b in blocks]
    size = len(blocks) * width + 1  # the z's, then b_2
    margin = size  # the LP's last column: t <= s_b c_b
    lp_rows: list[list[tuple[int, float]]] = []
    lower: list[float] = []
    upper: list[float] = []
    for r, block in enumerate(blocks):
        for g in rows[r]:
            lp_rows.append([(r * width + j, float(v)) for j, v in enumerate(g) if v])
            lower.append(0.0)
            upper.append(math.inf)
        lp_rows.append([(r * width + width - 1, float(block.sign)), (margin, -1.0)])
        lower.append(0.0)
        upper.append(math.inf)
    equations = _output_equations(outs, n, width, len(blocks))
    for row, value in zip(equations, outputs, strict=True):
        lp_rows.append([(j, float(v)) for j, v in enumerate(row) if v])
        lower.append(float(value))
        upper.append(float(value))
    cost = [0.0] * (size + 1)
    cost[margin] = -1.0
    col_lower = [-math.inf] * (size + 1)
    col_upper = [math.inf] * (size + 1)
    col_upper[margin] = 1.0
    answer = HighsAdapter().solve_lp(
        LinearProgram(cost, lp_rows, lower, upper, col_lower, col_upper), SEARCH_SECONDS
    )
    if answer.x is None or not all(math.isfinite(v) for v in answer.x):
        return None
    if not answer.x[margin] > TOLERANCE:
        return None
    x = answer.x[:size]
    scale = max([1.0, *(abs(v) for v in x)])
    tight = [
        [Fraction(0)] * (r * width) + g + [Fraction(0)] * (size - (r + 1) * width)
        for r in range(len(blocks))
        for g in rows[r]
        if abs(sum(float(a) * v for a, v in zip(g, x[r * width : (r + 1) * width], strict=True)))
        <= 1e-7 * scale * (1 + sum(abs(float(a)) for a in g))
    ]
    for limit in (10**3, 10**6, None):
        free = [_rational(v, limit) for v in x]
        z = solve_with_free([*equations, *tight], [*outputs, *[Fraction(0)] * len(tight)], free)
        if z is not None and _inside(blocks, rows, z, width):
            return [z[r * width : (r + 1) * width] for r in range(len(blocks))], z[-1]
    epsilon = _rational(answer.x[margin] / 2, 10**6)
    return _exact_point(blocks, rows, equations, outputs, width, epsilon)


def _output_equations(
    outs: list[list[list[Fraction]]], n: int, width: int, count: int
) -> list[list[Fraction]]:
    """Row i: the coefficients of (z_1, ..., z_count, b_2) in output i."""
    return [
        [outs[r][i][j] for r in range(count) for j in range(width)] + [Fraction(1)]
        for i in range(n)
    ]


def _inside(
    blocks: Sequence[Block], rows: list[list[list[Fraction]]], z: list[Fraction], width: int
) -> bool:
    for r, block in enumerate(blocks):
        part = z[r * width : (r + 1) * width]
        if block.sign * part[-1] <= 0:
            return False
        if any(
            sum((a * b for a, b in zip(g, part, strict=True)), Fraction(0)) < 0 for g in rows[r]
        ):
            return False
    return True


def _exact_point(
    blocks: Sequence[Block],
    rows: list[list[list[Fraction]]],
    equations: list[list[Fraction]],
    outputs: list[Fraction],
    width: int,
    epsilon: Fraction,
) -> tuple[list[list[Fraction]], Fraction] | None:
    """The exact simplex on z = p - q (p, q >= 0), cone rows and s_b c_b >= epsilon with slacks."""
    size = len(equations[0])
    inequalities: list[tuple[list[Fraction], Fraction]] = []
    for r, block in enumerate(blocks):
        for g in rows[r]:
            inequalities.append(
                (
                    [Fraction(0)] * (r * width) + g + [Fraction(0)] * (size - (r + 1) * width),
                    Fraction(0),
                )
            )
        sign_row = [Fraction(0)] * size
        sign_row[r * width + width - 1] = Fraction(block.sign)
        inequalities.append((sign_row, epsilon))
    if len(equations) + len(inequalities) > MAX_EXACT_ROWS or epsilon <= 0:
        return None
    slacks = len(inequalities)
    matrix: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for row, value in zip(equations, outputs, strict=True):
        matrix.append([*row, *(-a for a in row), *[Fraction(0)] * slacks])
        rhs.append(value)
    for k, (row, value) in enumerate(inequalities):
        slack = [Fraction(0)] * slacks
        slack[k] = Fraction(-1)
        matrix.append([*row, *(-a for a in row), *slack])
        rhs.append(value)
    solved = nonnegative_solution(matrix, rhs)
    if solved is None:
        return None
    z = [p - q for p, q in zip(solved[:size], solved[size : 2 * size], strict=True)]
    if not _inside(blocks, rows, z, width):
        return None
    return [z[r * width : (r + 1) * width] for r in range(len(blocks))], z[-1]


def _network(
    blocks: Sequence[Block],
    found: tuple[list[list[Fraction]], Fraction],
    act: Activation,
    hidden: int,
    d_x: int,
) -> Network:
    parts, bias = found
    neurons = [([a / z[-1] for a in z[:-1]], z[-1]) for z in parts]
    neurons += [([Fraction(0)] * (d_x + 1), Fraction(0))] * (hidden - len(neurons))
    w1 = [w[:-1] for w, _ in neurons]
    b1 = [w[-1] for w, _ in neurons]
    return Network.from_rationals([w1, [[c for _, c in neurons]]], [b1, [bias]], act)


def _rational(value: float, limit: int | None) -> Fraction:
    if not math.isfinite(value):
        return Fraction(0)
    exact = Fraction(value)
    return exact if limit is None else exact.limit_denominator(limit)

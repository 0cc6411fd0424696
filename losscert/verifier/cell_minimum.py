"""Exact lower bounds on the risk over a set of blocks (cells x output-weight signs), one hidden layer.

The float program of :mod:`losscert.encodings.cell_programs` is solved by HiGHS (search only); its
answer is rounded to an exact *dual certificate*: reference outputs o, per-sample subgradients
g_i of l(y_i, .) at o_i with sum_i g_i = 0, and for every block multipliers lambda_b >= 0 with
G_b^T lambda_b = M_b^T g. For every network whose neurons lie in the blocks' cones (outputs
o' = sum_b M_b z_b + b_2),

    R(o') >= R(o) + (1/n) g . (o' - o) = R(o) - (1/n) g . o + (1/n) sum_b lambda_b . G_b z_b
          >= R(o) - (1/n) g . o  =: bound.

Rounding: the blocks the float solution uses, and the cone rows tight there, span a subspace S of
output vectors (with the all-ones vector for b_2); o is the exact optimum over S (least squares for
squared loss, interpolation of the kink samples for absolute / hinge, an exact active-set solve for
Huber), g is made orthogonal to S exactly, and each lambda_b comes from an exact simplex. When o is
also a nonnegative combination inside the used cones (found exactly), the bound is attained: it is
the minimum, and the combination is a witness network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq_mat

from losscert.backends.exact_lp import nonnegative_solution
from losscert.backends.highs_adapter import HighsAdapter, LinearProgram
from losscert.encodings.cell_programs import (
    Block,
    BlockProgram,
    augmented,
    block_outputs,
    block_program,
    block_rows,
)
from losscert.encodings.exact_linear import independent_columns, nullspace_basis, solve_with_free
from losscert.errors import UnsupportedError
from losscert.model.activation import Activation
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.rationals import rational_string, to_fmpq, to_fraction

SOLVE_SECONDS = 60.0
PROXIMAL_ATTEMPTS = ((1e-7, 1.0), (1e-5, 5.0), (1e-3, SOLVE_SECONDS))
"""Search only: (proximal weight, HiGHS seconds) tried in turn for the quadratic programs; a
stalled QP (HiGHS's active set can cycle on the cones' flat directions) gets a stronger one."""
TOLERANCES = (1e-9, 1e-7, 1e-5, 1e-11)
"""Search only: what counts as zero in the float solution; each is one rounding attempt."""
DENOMINATOR_LIMIT = 10**6
CONVEX_LOSSES = ("squared", "squared_half", "absolute", "hinge", "huber")


@dataclass(frozen=True)
class BlockBound:
    """A certified lower bound on min R over the sum of ``blocks``' cones (plus b_2).

    ``parts`` (z_b for each block, zeros for unused ones) and ``bias`` are an exact point of the
    cones whose outputs are ``outputs``; then ``bound`` is attained (it is the minimum). None when
    no such decomposition was found (the bound still holds).
    """

    blocks: tuple[Block, ...]
    bound: Fraction
    outputs: tuple[Fraction, ...]
    subgradients: tuple[Fraction, ...]
    multipliers: tuple[tuple[Fraction, ...], ...]
    parts: tuple[tuple[Fraction, ...], ...] | None
    bias: Fraction | None

    @property
    def attained(self) -> bool:
        return self.parts is not None

    @property
    def used_blocks(self) -> tuple[Block, ...]:
        if self.parts is None:
            return ()
        return tuple(b for b, z in zip(self.blocks, self.parts, strict=True) if any(z))


def minimise_over_blocks(
    blocks: Sequence[Block],
    inputs: Sequence[Sequence[Fraction]],
    labels: Sequence[Fraction],
    act: Activation,
    loss: Loss,
) -> BlockBound:
    """The certified minimum (or lower bound) of the risk over the blocks' cones.

    UnsupportedError when the loss is not convex-rational or the float answer could not be
    rounded to an exact certificate (never an uncertified number).
    """
    if loss.kind not in CONVEX_LOSSES:
        raise UnsupportedError(f"no exact convex program for the {loss.kind} loss")
    if not blocks:
        raise UnsupportedError("no blocks: the program has no neuron to place")
    xs = augmented(inputs)
    ys = [Fraction(y) for y in labels]
    rows = [block_rows(b, xs, act) for b in blocks]
    outs = [block_outputs(b, xs, act) for b in blocks]
    status = "not run"
    for proximal, seconds in PROXIMAL_ATTEMPTS:
        program = block_program(blocks, xs, ys, act, loss, proximal)
        answer = HighsAdapter().solve_lp(program.program, seconds)
        status = answer.status
        if answer.x is None or not all(math.isfinite(v) for v in answer.x):
            continue
        stalled = answer.status != "optimal" and proximal != PROXIMAL_ATTEMPTS[-1][0]
        if stalled and program.program.quadratic:
            continue  # a stalled QP's iterate rarely rounds: a stronger proximal term first
        duals = answer.row_duals or [0.0] * len(program.program.rows)
        for tol in TOLERANCES:
            found = _round(program, answer.x, duals, rows, outs, ys, loss, tol)
            if found is not None:
                return BlockBound(tuple(blocks), *found)
        if not program.program.quadratic:
            break  # an LP has no proximal term to change
    raise UnsupportedError(
        f"could not round the {loss.kind} program over {len(blocks)} blocks to an exact "
        f"certificate (last HiGHS status {status})"
    )


# --- rounding ---------------------------------------------------------------------------------


def _round(
    program: BlockProgram,
    x: list[float],
    duals: list[float],
    rows: list[list[list[Fraction]]],
    outs: list[list[list[Fraction]]],
    ys: list[Fraction],
    loss: Loss,
    tol: float,
) -> tuple[Any, ...] | None:
    width, n = program.width, program.n
    zs = [x[b * width : (b + 1) * width] for b in range(program.num_blocks)]
    scale = max([1.0, *(abs(v) for z in zs for v in z)])
    used = [b for b, z in enumerate(zs) if max(abs(v) for v in z) > tol * scale]
    faces: dict[int, list[list[Fraction]]] = {}
    for b in used:
        tight = [
            g
            for g in rows[b]
            if abs(sum(float(a) * v for a, v in zip(g, zs[b], strict=True)))
            <= tol * scale * (1 + sum(abs(float(a)) for a in g))
        ]
        faces[b] = nullspace_basis(tight, width)
    # Generators of S: the all-ones vector (b_2), then M_b N_b for each used block.
    columns: list[list[Fraction]] = [[Fraction(1)] * n]
    owners: list[tuple[int, int]] = [(-1, -1)]
    for b in used:
        for k, direction in enumerate(faces[b]):
            columns.append([_dot(m, direction) for m in outs[b]])
            owners.append((b, k))
    basis = [list(r) for r in zip(*columns, strict=True)]  # n x len(columns)
    o_float = [x[program.output_column(i)] for i in range(n)]
    coeff_float = _least_squares_float(basis, o_float)
    solved = _outputs_and_subgradients(
        basis, coeff_float, o_float, duals, program, ys, loss, tol, scale
    )
    if solved is None:
        return None
    outputs, subgradients = solved
    if sum(subgradients, Fraction(0)) != 0:
        return None
    multipliers = []
    for b in range(program.num_blocks):
        rhs = [_dot([m[j] for m in outs[b]], subgradients) for j in range(width)]
        transposed = [[g[j] for g in rows[b]] for j in range(width)]
        start = program.cone_rows[b]
        guess = [abs(d) * n for d in duals[start : start + len(rows[b])]]
        lam = _multipliers_near(transposed, rhs, guess) or nonnegative_solution(transposed, rhs)
        if lam is None:
            return None
        multipliers.append(tuple(lam))
    risk = sum((_loss(loss, y, o) for y, o in zip(ys, outputs, strict=True)), Fraction(0))
    bound = (risk - _dot(subgradients, outputs)) / n
    parts, bias = _decompose(
        basis, outputs, coeff_float, owners, faces, zs, rows, program.num_blocks, width
    )
    return (
        bound,
        tuple(outputs),
        tuple(subgradients),
        tuple(multipliers),
        parts,
        bias,
    )


def _outputs_and_subgradients(
    basis: list[list[Fraction]],
    coeff_float: list[float],
    o_float: list[float],
    duals: list[float],
    program: BlockProgram,
    ys: list[Fraction],
    loss: Loss,
    tol: float,
    scale: float,
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Exact outputs o in S and subgradients g orthogonal to S, each g_i in its subdifferential."""
    k = len(basis[0])
    transposed = [[row[j] for row in basis] for j in range(k)]
    free = [_rational(c) for c in coeff_float]
    if loss.kind in ("squared", "squared_half"):
        return _stationary(basis, transposed, ys, loss, [True] * len(ys), free)
    if loss.kind == "huber":
        assert loss.delta is not None
        residual = [o - float(y) for o, y in zip(o_float, ys, strict=True)]
        slack = tol * scale * (1 + float(loss.delta))
        for edge in (slack, -slack):  # samples near |r| = delta: quadratic, then linear
            quadratic = [abs(r) <= float(loss.delta) + edge for r in residual]
            found = _stationary(basis, transposed, ys, loss, quadratic, free, residual)
            if found is not None:
                return found
        return None
    # absolute / hinge: interpolate the kink samples exactly, then solve for their subgradients.
    kinks = [
        i
        for i, (o, y) in enumerate(zip(o_float, ys, strict=True))
        if abs(o - float(y)) <= tol * scale * (1 + abs(float(y)))
    ]
    a = solve_with_free([basis[i] for i in kinks], [ys[i] for i in kinks], free)
    if a is None:
        return None
    outputs = [_dot(row, a) for row in basis]
    boxes = [loss.coordinate_subdifferential(y, o) for y, o in zip(ys, outputs, strict=True)]
    n = len(ys)
    on_kink = [i for i, (low, high) in enumerate(boxes) if low != high]
    forced = [
        -sum((boxes[i][0] * col[i] for i in range(n) if i not in set(on_kink)), Fraction(0))
        for col in transposed
    ]
    matrix_rows = [[col[i] for i in on_kink] for col in transposed]
    for orientation in (1, -1):  # the dual's sign convention is only a starting point
        start = {
            i: _clip(_rational(orientation * duals[program.output_rows[i]] * n), *boxes[i])
            for i in on_kink
        }
        # Unknowns strictly inside their interval are solved for; those at a bound stay there.
        order = sorted(range(len(on_kink)), key=lambda j: start[on_kink[j]] in boxes[on_kink[j]])
        solved = solve_with_free(
            [[row[j] for j in order] for row in matrix_rows],
            forced,
            [start[on_kink[j]] for j in order],
        )
        if solved is None:
            continue
        values = dict(zip((on_kink[j] for j in order), solved, strict=True))
        if all(boxes[i][0] <= v <= boxes[i][1] for i, v in values.items()):
            g = [values.get(i, boxes[i][0]) for i in range(n)]
            return outputs, g
    return None


def _stationary(
    basis: list[list[Fraction]],
    transposed: list[list[Fraction]],
    ys: list[Fraction],
    loss: Loss,
    quadratic: list[bool],
    free: list[Fraction],
    residual: list[float] | None = None,
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Smooth losses: o = B a with sum_Q (o_i - y_i) B_i + sum_L delta sign_i B_i = 0, solved
    exactly for a guessed split of the samples (Q: the quadratic part), then re-checked with the
    exact derivative of the loss at the exact outputs."""
    n, k = len(ys), len(basis[0])
    delta = loss.delta if loss.delta is not None else Fraction(0)
    linear = [
        Fraction(0) if q or residual is None else delta * (1 if r > 0 else -1)
        for q, r in zip(quadratic, residual or [0.0] * n, strict=True)
    ]
    # The outputs depend only on the span of the columns: keep an independent set of them.
    keep = independent_columns(basis, k)
    reduced = fmpq_mat(n, len(keep), [to_fmpq(basis[i][c]) for i in range(n) for c in keep])
    weighted = fmpq_mat(
        n, len(keep), [to_fmpq(basis[i][c]) if quadratic[i] else 0 for i in range(n) for c in keep]
    )
    target = fmpq_mat(n, 1, [to_fmpq(ys[i] if quadratic[i] else -linear[i]) for i in range(n)])
    gram = weighted.transpose() * reduced
    rhs = reduced.transpose() * target
    a_kept = solve_with_free(
        [[to_fraction(gram[p, q]) for q in range(len(keep))] for p in range(len(keep))],
        [to_fraction(rhs[p, 0]) for p in range(len(keep))],
        [free[c] for c in keep],
    )
    if a_kept is None:
        return None
    a = [Fraction(0)] * k
    for c, v in zip(keep, a_kept, strict=True):
        a[c] = v
    outputs = [_dot(row, a) for row in basis]
    derivatives = [_derivative(loss, y, o) for y, o in zip(ys, outputs, strict=True)]
    g = [v for v in derivatives if v is not None]  # the exact derivative decides the region
    if len(g) != n or any(_dot(col, g) != 0 for col in transposed):
        return None
    return outputs, g


def _multipliers_near(
    transposed: list[list[Fraction]], rhs: list[Fraction], guess: list[float]
) -> list[Fraction] | None:
    """lambda >= 0 with transposed lambda = rhs, solved exactly on the rows the float duals use
    (the others 0); None when that support does not give one (the exact simplex then decides)."""
    scale = max([1.0, *guess])
    support = [r for r, v in enumerate(guess) if v > 1e-9 * scale]
    if not support:
        return [Fraction(0)] * len(guess) if all(v == 0 for v in rhs) else None
    solved = solve_with_free(
        [[row[r] for r in support] for row in transposed],
        rhs,
        [_rational(guess[r]) for r in support],
    )
    if solved is None or any(v < 0 for v in solved):
        return None
    lam = [Fraction(0)] * len(guess)
    for r, v in zip(support, solved, strict=True):
        lam[r] = v
    return lam


def _decompose(
    basis: list[list[Fraction]],
    outputs: list[Fraction],
    coeff_float: list[float],
    owners: list[tuple[int, int]],
    faces: dict[int, list[list[Fraction]]],
    zs: list[list[float]],
    rows: list[list[list[Fraction]]],
    num_blocks: int,
    width: int,
) -> tuple[tuple[tuple[Fraction, ...], ...] | None, Fraction | None]:
    """Exact z_b in the used faces with sum_b M_b z_b + b_2 = outputs, each inside its cone."""
    free = [_rational(c) for c in coeff_float]
    coefficients = solve_with_free(basis, outputs, free)
    if coefficients is None:
        return None, None
    parts = [[Fraction(0)] * width for _ in range(num_blocks)]
    bias = Fraction(0)
    for (b, k), c in zip(owners, coefficients, strict=True):
        if b < 0:
            bias = c
            continue
        direction = faces[b][k]
        parts[b] = [p + c * d for p, d in zip(parts[b], direction, strict=True)]
    for b in range(num_blocks):
        if any(_dot(g, parts[b]) < 0 for g in rows[b]):
            return None, None
    return tuple(tuple(z) for z in parts), bias


# --- interior points -----------------------------------------------------------------------


def interior_realisation(
    neurons: Sequence[Block],
    inputs: Sequence[Sequence[Fraction]],
    act: Activation,
    outputs: Sequence[Fraction],
) -> Network | None:
    """A network whose neuron r lies strictly inside block ``neurons[r]`` (its open region, its
    output weight of the block's sign) and whose outputs are exactly ``outputs``; None if the
    search finds none. A float LP maximises the smallest slack; its answer fixes the free
    coordinates of an exact solve, and the strict inequalities are re-checked exactly."""
    xs = augmented(inputs)
    width, n = len(xs[0]) + 1, len(xs)
    rows = [block_rows(b, xs, act) for b in neurons]
    outs = [block_outputs(b, xs, act) for b in neurons]
    columns = len(neurons) * width + 2  # z's, b_2, then the slack t
    slack = columns - 1
    lp_rows: list[list[tuple[int, float]]] = []
    lower: list[float] = []
    upper: list[float] = []
    for r, block_rows_r in enumerate(rows):
        for g in block_rows_r:
            lp_rows.append(
                [*((r * width + j, float(v)) for j, v in enumerate(g) if v), (slack, -1.0)]
            )
            lower.append(0.0)
            upper.append(math.inf)
    for i in range(n):
        entries = [
            (r * width + j, float(outs[r][i][j])) for r in range(len(neurons)) for j in range(width)
        ]
        lp_rows.append([*((c, v) for c, v in entries if v), (columns - 2, 1.0)])
        lower.append(float(outputs[i]))
        upper.append(float(outputs[i]))
    cost = [0.0] * columns
    cost[slack] = -1.0
    col_lower = [-math.inf] * columns
    col_upper = [math.inf] * columns
    col_upper[slack] = 1.0
    answer = HighsAdapter().solve_lp(
        LinearProgram(cost, lp_rows, lower, upper, col_lower, col_upper), SOLVE_SECONDS
    )
    if answer.x is None or not answer.x[slack] > 0:
        return None
    matrix = [
        [outs[r][i][j] for r in range(len(neurons)) for j in range(width)] + [Fraction(1)]
        for i in range(n)
    ]
    z = solve_with_free(matrix, list(outputs), [_rational(v) for v in answer.x[:-1]])
    if z is None:
        return None
    parts = [z[r * width : (r + 1) * width] for r in range(len(neurons))]
    if any(_dot(g, part) <= 0 for part, rs in zip(parts, rows, strict=True) for g in rs):
        return None
    w1 = [[v / part[-1] for v in part[:-2]] for part in parts]
    b1 = [part[-2] / part[-1] for part in parts]
    return Network.from_rationals([w1, [[part[-1] for part in parts]]], [b1, [z[-1]]], act)


# --- witness network ------------------------------------------------------------------------


def witness_network(bound: BlockBound, act: Activation, hidden: int, d_x: int) -> Network | None:
    """A network with ``hidden`` neurons whose outputs are ``bound.outputs``, or None.

    A used block with c != 0 is the neuron (v / c, c). With c = 0 the block adds s_k v . x~_i;
    for a positively homogeneous activation (breakpoints and intercepts all 0) that is the neuron
    (s v, s) of the same pattern; otherwise no neuron computes it and None is returned. None too
    when more than ``hidden`` blocks are used.
    """
    if bound.parts is None or bound.bias is None:
        return None
    homogeneous = all(p == 0 for p in act.breakpoints) and all(t == 0 for t in act.intercepts)
    neurons = []
    for block, z in zip(bound.blocks, bound.parts, strict=True):
        if not any(z):
            continue
        v, c = list(z[:-1]), z[-1]
        if c != 0:
            neurons.append(([a / c for a in v], c))
        elif homogeneous:
            neurons.append(([block.sign * a for a in v], Fraction(block.sign)))
        else:
            return None
    if len(neurons) > hidden:
        return None
    neurons += [([Fraction(0)] * (d_x + 1), Fraction(0))] * (hidden - len(neurons))
    w1 = [w[:-1] for w, _ in neurons]
    b1 = [w[-1] for w, _ in neurons]
    return Network.from_rationals([w1, [[c for _, c in neurons]]], [b1, [bound.bias]], act)


def block_bound_step(bound: BlockBound, step_id: str = "bound") -> dict[str, Any]:
    """The certificate step ``convex_lower_bound`` (docs/certificate.md)."""
    return {
        "id": step_id,
        "kind": "convex_lower_bound",
        "blocks": [
            {
                "pattern": list(block.pattern),
                "sign": block.sign,
                "multipliers": ["0" if not v else rational_string(v) for v in lam],
            }
            for block, lam in zip(bound.blocks, bound.multipliers, strict=True)
        ],
        "outputs": [rational_string(v) for v in bound.outputs],
        "subgradients": [rational_string(v) for v in bound.subgradients],
        "bound": rational_string(bound.bound),
    }


# --- small exact pieces --------------------------------------------------------------------


def _loss(loss: Loss, y: Fraction, o: Fraction) -> Fraction:
    return to_fraction(loss.sample_loss([to_fmpq(y)], [to_fmpq(o)]))


def _derivative(loss: Loss, y: Fraction, o: Fraction) -> Fraction | None:
    """l'(y, o), or None where l has a kink."""
    low, high = loss.coordinate_subdifferential(y, o)
    return low if low == high else None


def _least_squares_float(basis: list[list[Fraction]], target: list[float]) -> list[float]:
    matrix = np.array([[float(v) for v in row] for row in basis], dtype=float)
    solution, *_ = np.linalg.lstsq(matrix, np.array(target, dtype=float), rcond=None)
    return [float(v) for v in solution]


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((p * q for p, q in zip(a, b, strict=True)), Fraction(0))


def _rational(value: float) -> Fraction:
    return (
        Fraction(value).limit_denominator(DENOMINATOR_LIMIT)
        if math.isfinite(value)
        else Fraction(0)
    )


def _clip(value: Fraction, low: Fraction, high: Fraction) -> Fraction:
    return min(max(value, low), high)

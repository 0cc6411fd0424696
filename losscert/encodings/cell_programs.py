"""One hidden layer, scalar output: the convex programs of MATH.md section 5, as data.

A *block* is a neuron pattern pi (one piece index per sample) and a sign s of the output weight.
Its variables are z = (v, c) with v = c w~ (d_X + 1 entries, bias last) and c the output weight;
its closed cone is

    s c >= 0,  and per sample i in piece k:  s (v . x~_i - p_k c) >= 0 (k > 0),
                                             s (p_{k+1} c - v . x~_i) >= 0 (k < K),

the homogenisation of "w~ in the closed region of pi" for c of sign s. On the cone the neuron adds
s_k (v . x~_i) + t_k c to the output on sample i, linear in z. A network's outputs are a sum over
its neurons of such terms plus b_2, so min R over any union of cells is a convex program over the
sum of the blocks' cones: these functions give its rows (G z >= 0) and its output map (o = M z).
The checker (losscert/checker/convex.py) derives the same rows independently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from losscert.backends.highs_adapter import LinearProgram
from losscert.errors import InputError
from losscert.model.activation import Activation
from losscert.model.loss import Loss

PROXIMAL = 1e-7
"""Search only: (1/2) proximal |z|^2 is added to the quadratic programs (the cones' flat
directions make HiGHS's active-set QP cycle without it); exact rounding removes its bias. Callers
may retry with a larger one when HiGHS still stalls."""


@dataclass(frozen=True, order=True)
class Block:
    """A neuron pattern and the sign (+1 / -1) of its output weight."""

    pattern: tuple[int, ...]
    sign: int

    def __post_init__(self) -> None:
        if self.sign not in (1, -1):
            raise InputError(f"block: sign must be 1 or -1, got {self.sign!r}")


def augmented(inputs: Sequence[Sequence[Fraction]]) -> list[list[Fraction]]:
    """x~_i = [x_i; 1]."""
    return [[*map(Fraction, x), Fraction(1)] for x in inputs]


def block_rows(block: Block, xs: list[list[Fraction]], act: Activation) -> list[list[Fraction]]:
    """The rows g of the block's cone {z : g . z >= 0}, in the order of the module docstring."""
    size = len(xs[0]) + 1
    s = block.sign
    sign_row = [Fraction(0)] * size
    sign_row[-1] = Fraction(s)
    rows = [sign_row]
    for x, k in zip(xs, block.pattern, strict=True):
        lower, upper = act.piece_bounds(k)
        if lower is not None:
            rows.append([s * a for a in x] + [-s * lower])
        if upper is not None:
            rows.append([-s * a for a in x] + [s * upper])
    return rows


def block_outputs(block: Block, xs: list[list[Fraction]], act: Activation) -> list[list[Fraction]]:
    """Row i: the coefficients of z in the block's contribution to the output on sample i."""
    out = []
    for x, k in zip(xs, block.pattern, strict=True):
        slope, intercept = act.affine_piece(k)
        out.append([slope * a for a in x] + [intercept])
    return out


@dataclass(frozen=True)
class BlockProgram:
    """The float program over the sum of ``blocks``' cones (search only).

    Columns: z_b for each block (``width`` each), then b_2, then the outputs o_1..o_n, then the
    loss's auxiliaries. ``output_rows`` are the indices of the rows o_i - sum_b M_b z_b - b_2 = 0.
    """

    program: LinearProgram
    width: int
    num_blocks: int
    n: int
    output_rows: tuple[int, ...]
    cone_rows: tuple[int, ...] = ()  # the index of each block's first cone row

    @property
    def bias_column(self) -> int:
        return self.num_blocks * self.width

    def output_column(self, i: int) -> int:
        return self.bias_column + 1 + i


def block_program(
    blocks: Sequence[Block],
    xs: list[list[Fraction]],
    labels: Sequence[Fraction],
    act: Activation,
    loss: Loss,
    proximal: float = PROXIMAL,
) -> BlockProgram:
    """min (1/n) sum_i l(y_i, o_i) over o = sum_b M_b z_b + b_2, G_b z_b >= 0 (floats)."""
    n, width = len(xs), len(xs[0]) + 1
    inf = math.inf
    rows: list[list[tuple[int, float]]] = []
    lower: list[float] = []
    upper: list[float] = []
    outputs: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    cone_rows = []
    for b, block in enumerate(blocks):
        base = b * width
        cone_rows.append(len(rows))
        for g in block_rows(block, xs, act):
            rows.append([(base + j, float(v)) for j, v in enumerate(g) if v != 0])
            lower.append(0.0)
            upper.append(inf)
        for i, m in enumerate(block_outputs(block, xs, act)):
            outputs[i].extend((base + j, -float(v)) for j, v in enumerate(m) if v != 0)
    bias = len(blocks) * width
    first_output = bias + 1
    output_rows = []
    for i in range(n):
        output_rows.append(len(rows))
        rows.append([(first_output + i, 1.0), (bias, -1.0), *outputs[i]])
        lower.append(0.0)
        upper.append(0.0)
    columns = first_output + n
    cost = [0.0] * columns
    quadratic: list[tuple[int, float]] = []
    col_lower = [-inf] * columns
    col_upper = [inf] * columns
    ys = [float(y) for y in labels]

    def add_columns(count: int, price: float, low: float) -> int:
        nonlocal columns
        start = columns
        columns += count
        cost.extend([price] * count)
        col_lower.extend([low] * count)
        col_upper.extend([inf] * count)
        return start

    if loss.kind in ("squared", "squared_half"):
        scale = 2.0 if loss.kind == "squared" else 1.0  # l = (o - y)^2 or (o - y)^2 / 2
        for i, y in enumerate(ys):
            quadratic.append((first_output + i, scale / n))
            cost[first_output + i] = -scale * y / n
    elif loss.kind == "absolute":  # o_i - y_i = p_i - q_i
        p = add_columns(n, 1.0 / n, 0.0)
        q = add_columns(n, 1.0 / n, 0.0)
        for i, y in enumerate(ys):
            rows.append([(first_output + i, 1.0), (p + i, -1.0), (q + i, 1.0)])
            lower.append(y)
            upper.append(y)
    elif loss.kind == "hinge":  # s_i >= 1 - y_i o_i
        s = add_columns(n, 1.0 / n, 0.0)
        for i, y in enumerate(ys):
            rows.append([(first_output + i, y), (s + i, 1.0)])
            lower.append(1.0)
            upper.append(inf)
    elif loss.kind == "huber":  # o_i - y_i = a_i + p_i - q_i, cost a^2/2 + delta (p + q)
        assert loss.delta is not None
        delta = float(loss.delta)
        a = add_columns(n, 0.0, -inf)
        p = add_columns(n, delta / n, 0.0)
        q = add_columns(n, delta / n, 0.0)
        for i, y in enumerate(ys):
            quadratic.append((a + i, 1.0 / n))
            rows.append([(first_output + i, 1.0), (a + i, -1.0), (p + i, -1.0), (q + i, 1.0)])
            lower.append(y)
            upper.append(y)
    else:
        raise InputError(f"no convex block program for the {loss.kind} loss")
    if quadratic:  # a tiny proximal term: HiGHS's QP solver stalls on the flat directions
        quadratic.extend((j, proximal) for j in range(first_output))
    program = LinearProgram(cost, rows, lower, upper, col_lower, col_upper, tuple(quadratic))
    return BlockProgram(program, width, len(blocks), n, tuple(output_rows), tuple(cone_rows))

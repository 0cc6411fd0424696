"""Minima on a face of a cell, any depth (issue 13): exact least squares in the linear block.

A ReLU network trained by Adam often stops next to a cell boundary: some pre-activation tends to
0 on a sample (a kink moves onto a data point) and the nearby minimum sits on that face of the
cell, where no gradient vanishes. With the activation pattern fixed, every output is *affine* in
the first layer's parameters and all the biases taken together (the weights of layers 2..L are
the only factors that multiply), and so is every pre-activation. Holding those multiplying
weights at the trained point's values:

1. choose the *ties*: the pre-activations nearest their breakpoints (a ladder of thresholds, the
   empty set included, which covers minima flat beyond the known symmetries inside the cell);
2. minimise the squared risk over the linear block subject to "each tie on its breakpoint",
   exactly: the KKT system of an equality-constrained least-squares problem over rationals;
3. keep the solution when every other pre-activation stays strictly in its piece;
4. when a gradient is left on the face (the weights of later layers must move too), solve each
   later block W_k, b_k, ..., b_L in the same way, once, the earlier layers held.

The result is a rational point on the face whose residual is orthogonal to everything the linear
block can move; when the multiplying weights move nothing more (the predictions of the cell form
a linear space near the point, as for one input), it is a critical point of the face. Nothing here
is trusted: the caller certifies the point from scratch (the boundary rungs of certify_local_min).
Squared losses only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from losscert.encodings.cells import Cell
from losscert.encodings.exact_linear import nullspace_basis, solve_with_free
from losscert.model.problem import Problem
from losscert.model.rationals import to_fmpq, to_fraction

SQUARED = ("squared", "squared_half")
THRESHOLDS = (Fraction(1, 10), Fraction(1, 30), Fraction(1, 100), Fraction(1, 300))
"""A pre-activation within this share of its layer's largest |z| of a breakpoint is a tie."""
MAX_BLOCK = 200
"""The KKT system has one row per parameter of the linear block and per tie: kept small."""
MAX_PARAMETERS = 300
"""The exact face test runs two exact forward passes per parameter: bounded like Newton's jets."""

Entry = tuple[int, int, int]  # (layer j, 0-based; neuron r; sample i)


def linear_block(problem: Problem, layer: int = 1) -> list[int]:
    """Indices (in the parameter vector) of W_k, b_k and the biases b_{k+1}, ..., b_L for
    k = ``layer``: with the pattern and the other parameters fixed, every output and every
    pre-activation of layers >= k is affine in them jointly."""
    net = problem.network
    out, start = [], 0
    for j, (fan_in, fan_out) in enumerate(zip(net.widths, net.widths[1:], strict=False), 1):
        weights = range(start, start + fan_in * fan_out)
        biases = range(start + fan_in * fan_out, start + fan_in * fan_out + fan_out)
        out += [*weights, *biases] if j == layer else [*biases] if j > layer else []
        start += fan_in * fan_out + fan_out
    return out


def face_points(problem: Problem, cell: Cell) -> Iterator[Problem]:
    """Rational points of faces of ``cell`` (and of the cell itself) near ``problem``'s point,
    each the exact least-squares solution over the linear block with its ties on their
    breakpoints; fewest ties first. Nothing is promised: the caller certifies."""
    net = problem.network
    if problem.loss.kind not in SQUARED or net.depth < 2 or cell.on_boundary:
        return
    if net.num_parameters > MAX_PARAMETERS:
        return
    block = linear_block(problem)
    if len(block) > MAX_BLOCK:
        return
    affine = _affine_maps(problem, cell, block)
    seen: set[tuple[Entry, ...]] = set()
    found = [problem.trace().output_rows()]  # one point per function on the samples
    for ties in [(), *(_ties(problem, share) for share in reversed(THRESHOLDS))]:
        if ties in seen or len(ties) > MAX_BLOCK:  # the KKT system stays <= 2 MAX_BLOCK wide
            continue
        seen.add(ties)
        point = _solve(problem, cell, block, affine, ties)
        if point is not None:
            point = _later_blocks(point, cell, ties)
        if point is not None and (outputs := point.trace().output_rows()) not in found:
            found.append(outputs)
            yield point


def _later_blocks(point: Problem, cell: Cell, ties: tuple[Entry, ...]) -> Problem:
    """When the weights of later layers must move too (the first block alone leaves a gradient
    on the face): one exact solve over each later block W_k, b_k, ..., b_L in turn (the ties of
    earlier layers stay put: their parameters are fixed), until the point passes the float
    filter of :func:`is_face_critical`. One pass only: repeated exact solves grow the numbers."""
    for layer in range(2, point.network.depth + 1):
        if _nearly_face_critical(cell, point):
            break
        block = linear_block(point, layer)
        if len(block) > MAX_BLOCK:
            break
        point = _solve(point, cell, block, _affine_maps(point, cell, block), ties) or point
    return point


def _ties(problem: Problem, share: Fraction) -> tuple[Entry, ...]:
    """The hidden entries within ``share`` of their layer's largest |z| of a breakpoint."""
    act = problem.network.activation
    out = []
    for j, z in enumerate(problem.trace().pre_activations):
        rows = [[to_fraction(v) for v in row] for row in z.tolist()]
        scale = max((abs(v) for row in rows for v in row), default=Fraction(0))
        for r, row in enumerate(rows):
            for i, v in enumerate(row):
                d = act.distance_to_breakpoint(v)
                if d is not None and d <= share * scale:
                    out.append((j, r, i))
    return tuple(out)


def _forward(
    problem: Problem, cell: Cell, values: list[Fraction]
) -> tuple[list[list[list[Fraction]]], list[list[Fraction]]]:
    """With the cell's pattern fixed: the pre-activations z[j][r][i] and outputs f[i][k]."""
    net = problem.network.with_parameters(values)
    act = net.activation
    rows = problem.data.input_rows()
    pre: list[list[list[Fraction]]] = []
    for j in range(1, net.depth + 1):
        w, b = net.weights(j), net.biases(j)
        z = [
            [sum((a * x for a, x in zip(wr, h, strict=True)), br) for h in rows]
            for wr, br in zip(w, b, strict=True)
        ]
        if j == net.depth:
            return pre, [list(col) for col in zip(*z, strict=True)]
        pre.append(z)
        pieces = _open_pieces(cell)[j - 1]
        rows = [
            [
                act.slopes[pieces[r][i]] * z[r][i] + act.intercepts[pieces[r][i]]
                for r in range(len(z))
            ]
            for i in range(len(rows))
        ]
    raise AssertionError("unreachable: depth >= 1")


def _open_pieces(cell: Cell) -> list[list[list[int]]]:
    """The piece of every hidden entry of an open cell (the routes here start from one)."""
    out = [[[k for k in neuron if k is not None] for neuron in layer] for layer in cell.pieces]
    if any(
        len(n) != len(m)
        for a, b in zip(out, cell.pieces, strict=True)
        for n, m in zip(a, b, strict=True)
    ):
        raise ValueError("face routes start from a point inside a cell, not on its boundary")
    return out


Affine = tuple[list[list[list[Fraction]]], list[list[Fraction]], list[tuple[list, list]]]


def _affine_maps(problem: Problem, cell: Cell, block: list[int]) -> Affine:
    """The pre-activations and outputs at the point, and their (exact, constant) derivatives
    along each parameter of the linear block, the pattern fixed."""
    values = problem.network.parameter_vector()
    pre0, out0 = _forward(problem, cell, values)
    columns = []
    for a in block:
        moved = list(values)
        moved[a] += 1
        pre1, out1 = _forward(problem, cell, moved)
        d_pre = [
            [[u - v for u, v in zip(r1, r0, strict=True)] for r1, r0 in zip(l1, l0, strict=True)]
            for l1, l0 in zip(pre1, pre0, strict=True)
        ]
        d_out = [
            [u - v for u, v in zip(r1, r0, strict=True)] for r1, r0 in zip(out1, out0, strict=True)
        ]
        columns.append((d_pre, d_out))
    return pre0, out0, columns


def _solve(
    problem: Problem, cell: Cell, block: list[int], affine: Affine, ties: tuple[Entry, ...]
) -> Problem | None:
    """The exact minimiser of the squared risk over the linear block with ``ties`` on their
    breakpoints (the KKT system; coordinates it leaves free keep their values), if every other
    pre-activation stays strictly in its piece; else None."""
    act = problem.network.activation
    pre0, out0, columns = affine
    labels = problem.data.label_rows()
    size = len(block)
    residual = [
        [y - f for y, f in zip(yr, fr, strict=True)] for yr, fr in zip(labels, out0, strict=True)
    ]
    flat = [[v for row in col[1] for v in row] for col in columns]
    target = [v for row in residual for v in row]
    gram = [
        [
            sum((u * v for u, v in zip(flat[p], flat[q], strict=True)), Fraction(0))
            for q in range(size)
        ]
        for p in range(size)
    ]
    rhs = [
        sum((u * v for u, v in zip(flat[p], target, strict=True)), Fraction(0)) for p in range(size)
    ]
    constraints, levels = [], []
    for j, r, i in ties:
        z = pre0[j][r][i]
        nearest = min(act.breakpoints, key=lambda p: abs(z - p))
        constraints.append([col[0][j][r][i] for col in columns])
        levels.append(nearest - z)
    matrix = [row + [c[p] for c in constraints] for p, row in enumerate(gram)]
    matrix += [c + [Fraction(0)] * len(ties) for c in constraints]
    solved = solve_with_free(matrix, rhs + levels, [Fraction(0)] * (size + len(ties)))
    if solved is None:
        return None
    step = _shortest(solved[:size], flat, constraints)
    tied = set(ties)
    for j, layer in enumerate(pre0):
        for r, row in enumerate(layer):
            for i, z in enumerate(row):
                moved = z + sum(
                    (s * col[0][j][r][i] for s, col in zip(step, columns, strict=True)), Fraction(0)
                )
                if (j, r, i) in tied:
                    continue
                if act.distance_to_breakpoint(moved) in (None, 0) and act.breakpoints:
                    return None
                if act.piece_index(to_fmpq(moved)) != cell.pieces[j][r][i]:
                    return None
    values = problem.network.parameter_vector()
    for a, s in zip(block, step, strict=True):
        values[a] += s
    return problem.with_network(problem.network.with_parameters(values))


def _shortest(
    step: list[Fraction], flat: list[list[Fraction]], constraints: list[list[Fraction]]
) -> list[Fraction]:
    """The shortest (2-norm) step with the same outputs and ties: ``step`` minus its projection
    onto the directions that move neither (the kernel of the outputs' and ties' derivatives)."""
    size = len(step)
    rows = [[flat[a][m] for a in range(size)] for m in range(len(flat[0]) if flat else 0)]
    kernel = nullspace_basis(rows + constraints, size)
    if not kernel:
        return step
    gram = [
        [sum((u * v for u, v in zip(p, q, strict=True)), Fraction(0)) for q in kernel]
        for p in kernel
    ]
    rhs = [sum((u * v for u, v in zip(p, step, strict=True)), Fraction(0)) for p in kernel]
    weights = solve_with_free(gram, rhs, [Fraction(0)] * len(kernel))
    if weights is None:  # the Gram matrix of a basis is invertible: defensive only
        return step
    return [
        s - sum((w * k[a] for w, k in zip(weights, kernel, strict=True)), Fraction(0))
        for a, s in enumerate(step)
    ]


def is_face_critical(cell: Cell, point: Problem) -> bool:
    """Exactly: the gradient of the risk of ``cell``'s pattern at ``point`` lies in the span of
    the gradients of the tied pre-activations (a critical point of the face). Every output and
    pre-activation is affine in any one parameter, so R is quadratic and z affine along each
    coordinate: g_a = (R(+e_a) - R(-e_a)) / 2 and dz/dtheta_a = z(+e_a) - z(theta), exact."""
    if not _nearly_face_critical(cell, point):
        return False  # a float filter only: the exact test below decides
    act = point.network.activation
    values = point.network.parameter_vector()
    pre, _ = _forward(point, cell, values)
    ties = [
        (j, r, i)
        for j, layer in enumerate(pre)
        for r, row in enumerate(layer)
        for i, z in enumerate(row)
        if act.distance_to_breakpoint(z) == 0
    ]
    gradient, normals = [], []
    for a in range(len(values)):
        up, down = list(values), list(values)
        up[a] += 1
        down[a] -= 1
        pre_up, out_up = _forward(point, cell, up)
        gradient.append(
            (_squared(point, out_up) - _squared(point, _forward(point, cell, down)[1])) / 2
        )
        normals.append([pre_up[j][r][i] - pre[j][r][i] for j, r, i in ties])
    if not ties:
        return not any(gradient)
    return solve_with_free(normals, gradient, [Fraction(0)] * len(ties)) is not None


def _squared(problem: Problem, outputs: list[list[Fraction]]) -> Fraction:
    """The squared risk's sum of squared residuals (the scale does not matter for a zero test)."""
    labels = problem.data.label_rows()
    return sum(
        (
            (f - y) ** 2
            for fr, yr in zip(outputs, labels, strict=True)
            for f, y in zip(fr, yr, strict=True)
        ),
        Fraction(0),
    )


FLOAT_FILTER = 1e-9
"""The float filter passes a point whose face residual is below this share of its gradient."""


def _nearly_face_critical(cell: Cell, point: Problem) -> bool:
    """The same test in floats (central differences, exact for a quadratic up to rounding), to
    skip the exact one where it would fail anyway."""
    net = point.network
    values = np.array([float(v) for v in net.parameter_vector()])
    x, y = (np.asarray(m, dtype=float) for m in point.data.to_numpy())
    slopes = np.array([float(v) for v in net.activation.slopes])
    intercepts = np.array([float(v) for v in net.activation.intercepts])
    pieces = [np.array(layer) for layer in _open_pieces(cell)]
    act = net.activation
    tied = [
        np.array([[act.distance_to_breakpoint(v) == 0 for v in row] for row in z.tolist()])
        for z in point.trace().pre_activations
    ]

    def run(theta: np.ndarray) -> tuple[float, np.ndarray]:
        h, start, ties = x, 0, list[float]()
        for j, (fan_in, fan_out) in enumerate(itertools.pairwise(net.widths)):
            w = theta[start : start + fan_in * fan_out].reshape(fan_out, fan_in)
            b = theta[start + fan_in * fan_out : start + fan_in * fan_out + fan_out]
            start += fan_in * fan_out + fan_out
            z = h @ w.T + b
            if j == net.depth - 1:
                return float(np.sum((z - y) ** 2)), np.array(ties)
            ties += list(z.T[tied[j]])
            k = pieces[j].T
            h = slopes[k] * z + intercepts[k]
        raise AssertionError("unreachable")

    risk, base = run(values)
    gradient, normals = [], []
    for a in range(len(values)):
        up, down = values.copy(), values.copy()
        up[a] += 1
        down[a] -= 1
        (r_up, z_up), (r_down, _) = run(up), run(down)
        gradient.append((r_up - r_down) / 2)
        normals.append(z_up - base)
    g = np.array(gradient)
    if base.size:
        n = np.array(normals).reshape(len(values), -1)
        g = g - n @ np.linalg.lstsq(n, g, rcond=None)[0]
    return float(np.max(np.abs(g), initial=0.0)) <= FLOAT_FILTER * max(1.0, risk)

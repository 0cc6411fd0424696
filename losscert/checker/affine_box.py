"""Section 3.31 of docs/certificate.md (since 1.1): ``affine_minimum_in_box``.

Theorem 1's Stage 1 point is a linear collapse: every hidden neuron stays in one piece on every
sample, so on its cell the network is one affine map x -> A(theta) x + c(theta) and
R(theta) = R_lin(A(theta), c(theta)), convex in (A, c). For the logistic and softmax losses the
minimiser of R_lin is irrational, so the collapse cannot sit on it; a box can trap a point that
does. With the weights of layers 2..L fixed, the outputs are affine in the first-layer weights
and every bias (each chain monomial holds one of them), so the trap of 3.20 over free coordinates
F among those gives theta_m with J^T g(theta_m) = 0 (J: the output directions of F). When J has
full column rank and spans every vector e_k (x) x~_c (output k, input coordinate c, the intercept
last), sum_i g_ik(theta_m) x~_i = 0 for every k: (A, c)(theta_m) minimises R_lin, so every theta of
the cell has R(theta) >= R(theta_m). For softmax the columns and the vectors are first centred per
sample (sum_k g_ik = 0, so g is orthogonal to the per-sample logit shifts): the shift directions,
along which the risk is flat, then count as spanned.
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt, lcm
from typing import Any

from . import exp_losses, limits
from .minimum_box import (
    MAX_FREE_PARAMETERS,
    MAX_PARAMETERS,
    cell_box_and_parameters,
    interval_trap,
)
from .numbers import brief, integer
from .problem import Problem
from .result import Invalid
from .span import column_space

MAX_BACKWARD_WORK = 5_000_000_000
"""d_Y sum_j d_j d_(j+1) (1 + T / 64)^2 for the exact derivatives of 3.31 (section 7), T the
bits of a derivative over the layers' common denominators."""
MAX_AFFINE_WORK = 20_000_000
"""n d_Y F (F + d_Y (d_X + 1)): the exact elimination of the span check (section 7)."""


def check_affine_minimum_in_box(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    cell, rho, mu = cell_box_and_parameters(step, done, sid)
    if problem.depth < 2:
        raise Invalid("this step needs a hidden layer", step=sid)
    if problem.num_parameters > MAX_PARAMETERS:
        raise Invalid(f"more than {MAX_PARAMETERS} parameters", step=sid)
    limits.check_jet(problem, sid, hessian=False)
    pattern = cell.facts["pattern"]
    for j, layer in enumerate(pattern):
        for r, pieces in enumerate(layer):
            if any(k != pieces[0] for k in pieces):
                raise Invalid(
                    f"hidden layer {j + 1} neuron {r} changes piece between samples: this step "
                    "needs a linear collapse (every hidden neuron in one piece on every sample)",
                    step=sid,
                )
    free = _free(problem, step["free"], sid)
    n, d_y, d_in = len(problem.inputs), problem.widths[-1], problem.widths[0]
    work = n * d_y * len(free) * (len(free) + d_y * (d_in + 1))
    if work > MAX_AFFINE_WORK:
        raise Invalid(
            f"the span check needs n d_Y F (F + d_Y (d_X + 1)) = {work} operations, beyond this "
            f"checker's limit of {MAX_AFFINE_WORK}",
            step=sid,
        )
    if problem.loss in exp_losses.EXP_LOSSES:
        exp_losses.check_box_work(n, d_y, len(free), sid)
    slopes = [[problem.activation.slopes[neuron[0]] for neuron in layer] for layer in pattern]
    _check_backward_size(problem, slopes, sid)
    jacobian = _jacobian(problem, slopes, free)
    conditions = _conditions(problem)
    if problem.loss == "softmax_cross_entropy":  # modulo the logit shift: sum_k g_ik = 0
        jacobian = _centred_rows(jacobian, d_y)
        conditions = [(name, _centred(vector, d_y)) for name, vector in conditions]
    column_space(jacobian, free, conditions, [], sid)
    lower, upper = interval_trap(problem, pattern, free, rho, mu, sid)
    return {"radius": rho, "lower": lower, "upper": upper, "cell": cell.id}


def _free(problem: Problem, value: Any, sid: str) -> list[int]:
    """The listed coordinates: increasing, each a first-layer weight or a bias of any layer."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FREE_PARAMETERS:
        raise Invalid(
            f"free must list 1 to {MAX_FREE_PARAMETERS} parameter indices, got {brief(value)}",
            step=sid,
        )
    index = list(range(problem.num_parameters))
    layers = problem.layers(index)
    allowed = {a for row in layers[0][0] for a in row}
    allowed |= {a for _, b in layers for a in b}
    free = [integer(a, f"{sid}.free[{k}]", 0) for k, a in enumerate(value)]
    for k, a in enumerate(free):
        if a not in allowed:
            raise Invalid(f"free[{k}] = {a} is not a first-layer weight or a bias", step=sid)
        if k and a <= free[k - 1]:
            raise Invalid("free must be strictly increasing", step=sid)
    return free


def _check_backward_size(problem: Problem, slopes: list[list[Fraction]], sid: str) -> None:
    """Section 7: the exact back-propagation of the derivatives through layers 2..L. Over one
    common denominator D_j per layer (its weights and the slopes below it), every derivative is
    an integer of at most T = sum_j (bits of the largest integer of layer j, D_j included, plus
    bits of d_j) bits over prod_j D_j, so d_Y sum_j d_j d_(j+1) (1 + T / 64)^2 <=
    MAX_BACKWARD_WORK bounds the work; an lcm is abandoned as soon as it is too long."""
    layers = problem.layers(problem.point)
    d_y = problem.widths[-1]
    pairs = sum(a * b for a, b in zip(problem.widths[1:-1], problem.widths[2:], strict=False))
    allowed = (isqrt(MAX_BACKWARD_WORK // max(d_y * pairs, 1)) - 1) * 64
    total = 0
    for j in range(1, len(layers)):
        values = [v for row in layers[j][0] for v in row] + list(slopes[j - 1])
        scale = 1
        for v in values:
            scale = lcm(scale, v.denominator)
            if scale.bit_length() > allowed:
                break
        longest = max((abs(v.numerator) * (scale // v.denominator)).bit_length() for v in values)
        total += max(longest, scale.bit_length()) + problem.widths[j].bit_length()
        if total > allowed:
            raise Invalid(
                f"the exact derivatives through layers 2..L would carry integers of more than "
                f"{allowed} bits over their common denominators (d_Y sum d_j d_(j+1) "
                f"(1 + T / 64)^2 <= {MAX_BACKWARD_WORK}): beyond this checker's limit",
                step=sid,
            )


def _jacobian(
    problem: Problem, slopes: list[list[Fraction]], free: list[int]
) -> list[list[Fraction]]:
    """Rows (sample i, output k), one column per free coordinate: the derivative of f_k(x_i)
    on the cell, exact. delta_j[r] (the derivative of the outputs in z_{j,r}) is the same on every
    sample (one slope per neuron), so only the first layer's weights see the inputs."""
    layers = problem.layers(problem.point)
    index = problem.layers(list(range(problem.num_parameters)))
    d_y = problem.widths[-1]
    delta: list[list[list[Fraction]]] = [[]] * len(layers)  # delta[j][r]: d_Y derivatives
    delta[-1] = [[Fraction(int(k == r)) for k in range(d_y)] for r in range(d_y)]
    for j in range(len(layers) - 2, -1, -1):
        w_next = layers[j + 1][0]
        delta[j] = [
            [
                slopes[j][r]
                * sum((w_next[q][r] * delta[j + 1][q][k] for q in range(len(w_next))), Fraction(0))
                for k in range(d_y)
            ]
            for r in range(len(layers[j][1]))
        ]
    where: dict[int, tuple[int, int, int | None]] = {}  # a -> (layer, neuron, input or None)
    for j, (w, b) in enumerate(index):
        for r, a in enumerate(b):
            where[a] = (j, r, None)
        if j == 0:
            for r, indices in enumerate(w):
                for c, a in enumerate(indices):
                    where[a] = (0, r, c)
    rows: list[list[Fraction]] = []
    for x in problem.inputs:
        for k in range(d_y):
            entries: list[Fraction] = []
            for a in free:
                layer, neuron, column = where[a]
                scale = Fraction(1) if column is None else x[column]
                entries.append(delta[layer][neuron][k] * scale)
            rows.append(entries)
    return rows


def _centred(vector: list[Fraction], d_y: int) -> list[Fraction]:
    """Each sample's block of d_Y entries minus its mean: the projection that removes the
    per-sample logit shifts (1, ..., 1) (x) e_i."""
    out = []
    for i in range(0, len(vector), d_y):
        block = vector[i : i + d_y]
        mean = sum(block, Fraction(0)) / d_y
        out += [v - mean for v in block]
    return out


def _centred_rows(jacobian: list[list[Fraction]], d_y: int) -> list[list[Fraction]]:
    """J with every column centred per sample (rows are (sample, output), output fastest)."""
    columns = [_centred([row[k] for row in jacobian], d_y) for k in range(len(jacobian[0]))]
    return [[column[i] for column in columns] for i in range(len(jacobian))]


def _conditions(problem: Problem) -> list[tuple[str, list[Fraction]]]:
    """e_k (x) x~_c over (sample, output) for every output k and input coordinate c (the
    intercept last)."""
    d_y = problem.widths[-1]
    out = []
    for k in range(d_y):
        for c in range(problem.widths[0] + 1):
            vector = []
            for x in problem.inputs:
                value = x[c] if c < len(x) else Fraction(1)
                vector += [value if q == k else Fraction(0) for q in range(d_y)]
            out.append((f"output {k} input coordinate {c}", vector))
    return out

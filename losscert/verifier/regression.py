"""Step 0 of Theorem 1: the exact affine regression optimum of a loss on a dataset.

An affine predictor u = W x + b; R_lin(W, b) = (1/n) sum_i l(y_i, W x_i + b). Losses act
coordinate by coordinate, so each output coordinate k is fitted on its own (row k of [W | b]).

* squared / squared_half: the normal equations, solved exactly (a particular solution when the
  inputs are affinely dependent, which is still a minimiser);
* huber: an exact active-set iteration (which samples sit on the quadratic part), each step an
  exact linear solve; the answer is returned only when the first-order condition holds exactly;
* absolute / hinge: an LP solved in floats by HiGHS (search only), then rounded to an exact
  certificate: the samples the LP put on the kink (u_i = y_i; for hinge labels +-1 that is
  1 - y_i u_i = 0) are interpolated exactly, and exact subgradients g_i are found with
  sum_i g_i [x_i; 1] = 0, each in its subdifferential (the forced value off the kink, an exact
  solve started from the LP duals on it). That is 0 in the subdifferential of the convex R_lin:
  a global minimiser. If rounding fails, UnsupportedError; an uncertified fit is never returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from operator import mul
from typing import Any

from flint import fmpq_mat

from losscert.backends.highs_adapter import HighsAdapter, LinearProgram
from losscert.encodings.exact_linear import nullspace_basis, solve_with_free
from losscert.errors import UnsupportedError
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.rationals import rational_string, to_fmpq, to_fraction

MAX_ACTIVE_SET_ROUNDS = 100
LP_TIME_LIMIT = 60.0
"""Seconds HiGHS may spend on the LP of one output coordinate."""
KINK_TOLERANCES = (1e-9, 1e-6, 1e-12)
"""Search only: |u_i - y_i| below tol times a scale (the sample's own terms and the largest |y|)
marks sample i as on the kink in the float LP solution; each tolerance is one rounding attempt,
and the exact check decides."""
DENOMINATOR_LIMIT = 10**6
"""Floats that fill free coordinates are rounded to fractions with at most this denominator."""


@dataclass(frozen=True)
class AffineFit:
    """An exact minimiser (W, b) of R_lin, its predictions u_i, loss gradients g_i and risk.

    For absolute and hinge losses ``subgradients`` holds the certified subgradients (an element of
    the subdifferential of l(y_i, .) at u_i with sum_i g_i [x_i; 1]^T = 0), and ``gradients`` is
    the same matrix; for differentiable losses ``subgradients`` is None.
    """

    weight: list[list[Fraction]]  # d_Y x d_X
    bias: list[Fraction]  # d_Y
    predictions: list[list[Fraction]]  # n x d_Y
    gradients: list[list[Fraction]]  # n x d_Y: the gradient of l(y_i, .) at u_i
    risk: Fraction
    subgradients: list[list[Fraction]] | None = None  # n x d_Y; absolute / hinge only


def fit_affine(data: Dataset, loss: Loss) -> AffineFit:
    """The exact affine regression optimum; UnsupportedError for losses without a fitter.

    Promise: the returned (W, b) minimises R_lin exactly (its first-order condition holds in
    exact arithmetic). UnsupportedError when no certified minimiser was found (the reason says
    why); InputError for hinge labels other than -1 / 1.
    """
    inputs = [[*row, Fraction(1)] for row in data.input_rows()]
    labels = data.label_rows()
    rows = []
    subgradient_columns = []
    for k in range(data.output_dim):
        column = [y[k] for y in labels]
        if loss.kind in ("squared", "squared_half"):
            rows.append(
                _least_squares(inputs, column, [True] * len(column), [Fraction(0)] * len(column))
            )
        elif loss.kind == "huber":
            assert loss.delta is not None
            rows.append(_huber(inputs, column, loss.delta))
        elif loss.kind in ("absolute", "hinge"):
            loss.validate_labels(labels)  # hinge: -1 / 1 only
            w, g = _piecewise_linear(inputs, column, loss.kind, k)
            rows.append(w)
            subgradient_columns.append(g)
        else:
            raise UnsupportedError(f"no exact affine regression for the {loss.kind} loss yet")
    weight = [row[:-1] for row in rows]
    bias = [row[-1] for row in rows]
    predictions = _affine_values(rows, inputs)
    subgradients = (
        [list(g) for g in zip(*subgradient_columns, strict=True)] if subgradient_columns else None
    )
    gradients = (
        subgradients
        if subgradients is not None
        else [
            [_gradient(loss, y[k], u[k]) for k in range(data.output_dim)]
            for y, u in zip(labels, predictions, strict=True)
        ]
    )
    risk = (
        sum(
            (_sample_loss(loss, y, u) for y, u in zip(labels, predictions, strict=True)),
            Fraction(0),
        )
        / data.n
    )
    return AffineFit(weight, bias, predictions, gradients, risk, subgradients)


def _affine_values(
    rows: list[list[Fraction]], inputs: list[list[Fraction]]
) -> list[list[Fraction]]:
    """[[r . x for r in rows] for x in inputs], exactly: integer dot products over the common
    denominators of each row and of all inputs, one Fraction (one gcd) per value."""
    x_den = lcm(*(v.denominator for x in inputs for v in x))
    xs = [[v.numerator * (x_den // v.denominator) for v in x] for x in inputs]
    scaled = []
    for r in rows:
        r_den = lcm(*(v.denominator for v in r))
        scaled.append(([v.numerator * (r_den // v.denominator) for v in r], r_den * x_den))
    return [[Fraction(sum(map(mul, nums, x)), den) for nums, den in scaled] for x in xs]


def _gradient(loss: Loss, y: Fraction, u: Fraction) -> Fraction:
    return loss.coordinate_subdifferential(y, u)[0]  # a differentiable loss: one point


def _sample_loss(loss: Loss, y: list[Fraction], u: list[Fraction]) -> Fraction:
    return to_fraction(loss.sample_loss([to_fmpq(v) for v in y], [to_fmpq(v) for v in u]))


def _solve_any(gram: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """A solution of the consistent system gram w = rhs (free variables set to 0)."""
    solution = solve_with_free(gram, rhs, [Fraction(0)] * len(rhs))
    if solution is None:
        raise ArithmeticError("inconsistent normal equations")  # cannot happen for X^T X w = X^T y
    return solution


def _least_squares(
    inputs: list[list[Fraction]],
    targets: list[Fraction],
    quadratic: list[bool],
    linear: list[Fraction],
) -> list[Fraction]:
    """Minimise sum over quadratic samples of (w.x - y)^2 / 2 + sum over the others of linear_i w.x.

    Its first-order condition: (sum_Q x x^T) w = sum_Q y x - sum_{not Q} linear_i x.
    """
    # sums over samples as python-flint matrix products (Fraction loops cost n d^2 gcds)
    size = len(inputs[0])
    rows_q = [[to_fmpq(v) for v in x] for x, q in zip(inputs, quadratic, strict=True) if q]
    rows_l = [[to_fmpq(v) for v in x] for x, q in zip(inputs, quadratic, strict=True) if not q]
    rhs_q = _column_sum(rows_q, [y for y, q in zip(targets, quadratic, strict=True) if q], size)
    rhs_l = _column_sum(rows_l, [v for v, q in zip(linear, quadratic, strict=True) if not q], size)
    gram = [[Fraction(0)] * size for _ in range(size)]
    if rows_q:
        x_q = fmpq_mat(rows_q)
        gram = [[to_fraction(v) for v in row] for row in (x_q.transpose() * x_q).tolist()]
    rhs = [a - b for a, b in zip(rhs_q, rhs_l, strict=True)]
    return _solve_any(gram, rhs)


def _column_sum(rows: list[list[Any]], weights: list[Fraction], size: int) -> list[Fraction]:
    """sum_i weights_i rows_i, exactly."""
    if not rows:
        return [Fraction(0)] * size
    total = fmpq_mat([[to_fmpq(v) for v in weights]]) * fmpq_mat(rows)
    return [to_fraction(v) for v in total.entries()]


def _huber(
    inputs: list[list[Fraction]], targets: list[Fraction], delta: Fraction
) -> list[Fraction]:
    """Active set with exact line search: from w, the regions of the residuals (quadratic part,
    or the linear part on one side) give a convex quadratic model M with the gradient of R_lin at
    w; the step goes towards M's minimiser, or along the negative gradient when M has none (its
    normal equations read G w = c with c outside the range of G, e.g. no sample on the quadratic
    part and unbalanced linear parts). Either is a descent direction while the gradient is not
    zero, and R_lin is convex and piecewise quadratic, so the minimum on that line is found
    exactly: R_lin strictly decreases every round. Returns when the gradient is exactly zero.
    """
    w = _least_squares(inputs, targets, [True] * len(targets), [Fraction(0)] * len(targets))
    for _ in range(MAX_ACTIVE_SET_ROUNDS):
        residuals = _residuals(inputs, targets, w)
        gradient = _huber_gradient(inputs, residuals, delta)
        if all(v == 0 for v in gradient):
            return w
        regions = [0 if abs(r) <= delta else (1 if r > 0 else -1) for r in residuals]
        try:
            target = _least_squares(
                inputs, targets, [s == 0 for s in regions], [delta * s for s in regions]
            )
            direction = [t - v for t, v in zip(target, w, strict=True)]
        except ArithmeticError:  # the model is unbounded below along its null space
            direction = _null_space_descent(inputs, [s == 0 for s in regions], gradient)
        w = _huber_line_search(inputs, targets, delta, w, direction)
    raise UnsupportedError(
        f"the exact Huber active-set iteration did not settle in {MAX_ACTIVE_SET_ROUNDS} rounds; "
        "no certified minimiser"
    )


def _null_space_descent(
    inputs: list[list[Fraction]], quadratic: list[bool], gradient: list[Fraction]
) -> list[Fraction]:
    """-gradient projected onto {d : d . x_i = 0 for every quadratic sample}: the residuals on
    the quadratic part stay, the linear parts decrease until one of them reaches its kink. Not
    zero when the model's normal equations are inconsistent (the gradient leaves their range)."""
    rows = [x for x, q in zip(inputs, quadratic, strict=True) if q]
    basis = nullspace_basis(rows, len(gradient))
    gram = [[_dot(u, v) for v in basis] for u in basis]
    coefficients = _solve_any(gram, [-_dot(u, gradient) for u in basis])
    return [
        sum((c * u[a] for c, u in zip(coefficients, basis, strict=True)), Fraction(0))
        for a in range(len(gradient))
    ]


def _residuals(
    inputs: list[list[Fraction]], targets: list[Fraction], w: list[Fraction]
) -> list[Fraction]:
    return [_dot(w, x) - y for x, y in zip(inputs, targets, strict=True)]


def _huber_gradient(
    inputs: list[list[Fraction]], residuals: list[Fraction], delta: Fraction
) -> list[Fraction]:
    """sum_i psi(r_i) x_i with psi(r) = r clipped to [-delta, delta]."""
    psi = [_clip(r, -delta, delta) for r in residuals]
    return [
        sum((g * x[a] for g, x in zip(psi, inputs, strict=True)), Fraction(0))
        for a in range(len(inputs[0]))
    ]


def _huber_line_search(
    inputs: list[list[Fraction]],
    targets: list[Fraction],
    delta: Fraction,
    w: list[Fraction],
    direction: list[Fraction],
) -> list[Fraction]:
    """The exact minimiser of t -> R_lin(w + t d), t >= 0, for a descent direction d.

    phi'(t) = sum_i a_i psi(r_i + t a_i) (a_i = d . x_i) is continuous, non-decreasing and
    linear between the t where some r_i + t a_i = +-delta; it is negative at 0 and equal to
    delta sum |a_i| > 0 beyond every such t. So walk those t in order and interpolate the zero.
    """
    residuals = _residuals(inputs, targets, w)
    slopes = [_dot(direction, x) for x in inputs]

    def derivative(t: Fraction) -> Fraction:
        return sum(
            (a * _clip(r + t * a, -delta, delta) for r, a in zip(residuals, slopes, strict=True)),
            Fraction(0),
        )

    kinks = sorted(
        {
            (edge - r) / a
            for r, a in zip(residuals, slopes, strict=True)
            if a
            for edge in (delta, -delta)
        }
    )
    low, low_value = Fraction(0), derivative(Fraction(0))
    for t in (k for k in kinks if k > 0):
        value = derivative(t)
        if value >= 0:
            step = low + (t - low) * (-low_value) / (value - low_value)
            return [v + step * d for v, d in zip(w, direction, strict=True)]
        low, low_value = t, value
    raise ArithmeticError("not a descent direction of a bounded convex function")


# --- absolute and hinge: a float LP, then an exact certificate ------------------------------------


def _piecewise_linear(
    inputs: list[list[Fraction]], targets: list[Fraction], kind: str, coordinate: int
) -> tuple[list[Fraction], list[Fraction]]:
    """The exact minimiser w (over [x; 1]) of sum_i l(y_i, w . x_i) and its certified subgradients."""
    columns, target = _scales(inputs, targets, kind)
    program = _lp_program(inputs, targets, kind, columns, target)
    answer = HighsAdapter().solve_lp(program, LP_TIME_LIMIT)
    where = f"{kind} regression, output {coordinate}"
    if answer.x is None or not all(math.isfinite(v) for v in answer.x):
        raise UnsupportedError(
            f"{where}: HiGHS gave no solution to round ({answer.status}: {answer.reason})"
        )
    w_float = [v * target / c for v, c in zip(answer.x[: len(columns)], columns, strict=True)]
    duals = answer.row_duals or []
    if len(duals) != len(targets) or not all(math.isfinite(d) for d in duals):
        duals = [0.0] * len(targets)  # only a starting point: the exact solve decides
    # The LP's row duals are (minus) the subgradients, see _lp_program; a starting point only.
    start = [
        -d if kind == "absolute" else -float(y) * d for d, y in zip(duals, targets, strict=True)
    ]
    for tol in KINK_TOLERANCES:
        kinks = _float_kinks(inputs, targets, w_float, tol)
        certified = _certify(inputs, targets, kind, kinks, w_float, start)
        if certified is not None:
            return certified
    raise UnsupportedError(
        f"{where}: could not round the LP solution to an exact certificate (HiGHS status "
        f"{answer.status}, {len(targets)} samples); no certified minimiser"
    )


def _scales(
    inputs: list[list[Fraction]], targets: list[Fraction], kind: str
) -> tuple[list[float], float]:
    """Powers of two near the largest |entry| of every input column (and of the targets, for
    absolute): the LP sees entries of size ~1, since HiGHS drops matrix entries below 1e-9."""

    def power(values: list[Fraction]) -> float:
        largest = max((abs(float(v)) for v in values), default=0.0)
        return math.ldexp(1.0, math.frexp(largest)[1]) if largest > 0 else 1.0

    columns = [power([x[c] for x in inputs]) for c in range(len(inputs[0]))]
    return columns, power(targets) if kind == "absolute" else 1.0


def _lp_program(
    inputs: list[list[Fraction]],
    targets: list[Fraction],
    kind: str,
    columns: list[float],
    target: float,
) -> LinearProgram:
    """Columns w' = w * columns / target (free), then one or two nonnegative slacks per sample.

    absolute: w' . x'_i - p_i + m_i = y'_i (x' = x / columns, y' = y / target), cost
    sum (p_i + m_i); the row dual pi_i in [-1, 1] has -pi_i in the subdifferential of |u - y_i|,
    and sum_i pi_i x_i = 0 at an optimum.
    hinge (target = 1): s_i + y_i w' . x'_i >= 1, cost sum s_i; pi_i in [0, 1] and -y_i pi_i is a
    subgradient. Scaling changes neither the optimal set (up to the map w <-> w') nor the duals.
    """
    size, n = len(inputs[0]), len(targets)
    xs = [[float(v) / c for v, c in zip(x, columns, strict=True)] for x in inputs]
    ys = [float(y) / target for y in targets]
    inf = math.inf
    if kind == "absolute":
        rows = [[*enumerate(x), (size + i, -1.0), (size + n + i, 1.0)] for i, x in enumerate(xs)]
        return LinearProgram(
            [0.0] * size + [1.0] * (2 * n),
            rows,
            ys,
            ys,
            [-inf] * size + [0.0] * (2 * n),
            [inf] * (size + 2 * n),
        )
    rows = [
        [*((c, y * v) for c, v in enumerate(x)), (size + i, 1.0)]
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    return LinearProgram(
        [0.0] * size + [1.0] * n,
        rows,
        [1.0] * n,
        [inf] * n,
        [-inf] * size + [0.0] * n,
        [inf] * (size + n),
    )


def _float_kinks(
    inputs: list[list[Fraction]], targets: list[Fraction], w: list[float], tol: float
) -> list[int]:
    """Samples with u_i = y_i up to tol in the float solution, nearest first (search only).

    The tolerance is relative to the sample's own terms and to the largest |y|.
    """
    typical = max(abs(float(y)) for y in targets)
    scored = []
    for i, (x, y) in enumerate(zip(inputs, targets, strict=True)):
        terms = [float(a) * b for a, b in zip(x, w, strict=True)]
        residual = abs(sum(terms) - float(y))
        if residual <= tol * (typical + abs(float(y)) + sum(abs(t) for t in terms)):
            scored.append((residual, i))
    return [i for _, i in sorted(scored)]


def _certify(
    inputs: list[list[Fraction]],
    targets: list[Fraction],
    kind: str,
    kinks: list[int],
    w_float: list[float],
    start: list[float],
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Exact (w, g) with 0 = sum_i g_i x_i and every g_i in its subdifferential, or None."""
    w = _interpolate(inputs, targets, kinks, w_float)
    if w is None:
        return None
    residuals = [_dot(w, x) - y for x, y in zip(inputs, targets, strict=True)]
    loss = Loss(kind)
    boxes = [
        loss.coordinate_subdifferential(y, y + r) for y, r in zip(targets, residuals, strict=True)
    ]
    g = _kink_subgradients(inputs, boxes, start)
    if g is None or not _first_order_holds(inputs, boxes, g):
        return None
    return w, g


def _interpolate(
    inputs: list[list[Fraction]], targets: list[Fraction], kinks: list[int], w_float: list[float]
) -> list[Fraction] | None:
    """An exact w with w . x_i = y_i on the kinks, free coordinates from the float solution.

    If the float kinks are exactly inconsistent, the nearest linearly independent ones are kept.
    """
    free = [_rational(v) for v in w_float]
    rows = [inputs[i] for i in kinks]
    rhs = [targets[i] for i in kinks]
    solution = solve_with_free(rows, rhs, free)
    if solution is not None:
        return solution
    kept: list[int] = []
    for i in kinks:
        candidate = [*kept, i]
        if fmpq_mat([[to_fmpq(v) for v in inputs[j]] for j in candidate]).rank() == len(candidate):
            kept = candidate
    return solve_with_free([inputs[i] for i in kept], [targets[i] for i in kept], free)


def _kink_subgradients(
    inputs: list[list[Fraction]], boxes: list[tuple[Fraction, Fraction]], start: list[float]
) -> list[Fraction] | None:
    """Subgradients: forced off the kink; on it, an exact solve of sum_i g_i x_i = 0.

    Unknowns whose LP dual sits strictly inside its interval are solved for first; the others
    (at a bound, or not needed) keep their rounded, clipped dual. None if the solve has no
    solution or leaves an interval.
    """
    g = [
        low if low == high else _clip(_rational(s), low, high)
        for (low, high), s in zip(boxes, start, strict=True)
    ]
    kinks = [i for i, (low, high) in enumerate(boxes) if low != high]
    kinks.sort(key=lambda i: _at_bound(start[i], boxes[i]))
    size = len(inputs[0])
    forced = [
        -sum(
            (g[i] * inputs[i][c] for i in range(len(g)) if boxes[i][0] == boxes[i][1]), Fraction(0)
        )
        for c in range(size)
    ]
    matrix = [[inputs[i][c] for i in kinks] for c in range(size)]
    solved = solve_with_free(matrix, forced, [g[i] for i in kinks])
    if solved is None:
        return None
    for i, v in zip(kinks, solved, strict=True):
        if not boxes[i][0] <= v <= boxes[i][1]:
            return None
        g[i] = v
    return g


def _first_order_holds(
    inputs: list[list[Fraction]], boxes: list[tuple[Fraction, Fraction]], g: list[Fraction]
) -> bool:
    """The exact re-check: every g_i in its interval and sum_i g_i x_i = 0."""
    if any(not low <= v <= high for (low, high), v in zip(boxes, g, strict=True)):
        return False
    return all(
        sum((v * x[c] for v, x in zip(g, inputs, strict=True)), Fraction(0)) == 0
        for c in range(len(inputs[0]))
    )


def _dot(a: list[Fraction], b: list[Fraction]) -> Fraction:
    return sum((p * q for p, q in zip(a, b, strict=True)), Fraction(0))


def _rational(value: float) -> Fraction:
    return Fraction(value).limit_denominator(DENOMINATOR_LIMIT)


def _clip(value: Fraction, low: Fraction, high: Fraction) -> Fraction:
    return min(max(value, low), high)


def _at_bound(value: float, box: tuple[Fraction, Fraction]) -> bool:
    return min(abs(value - float(box[0])), abs(value - float(box[1]))) <= 1e-9


def regression_step(fit: AffineFit, step_id: str = "regression") -> dict[str, Any]:
    """The certificate step ``affine_regression_optimal`` for ``fit`` (with its subgradients for
    absolute / hinge losses)."""
    step: dict[str, Any] = {
        "id": step_id,
        "kind": "affine_regression_optimal",
        "W": [[rational_string(v) for v in row] for row in fit.weight],
        "b": [rational_string(v) for v in fit.bias],
    }
    if fit.subgradients is not None:
        step["subgradients"] = [[rational_string(v) for v in row] for row in fit.subgradients]
    return step

"""Step 0 of Theorem 1: the exact affine regression optimum of a loss on a dataset.

An affine predictor u = W x + b; R_lin(W, b) = (1/n) sum_i l(y_i, W x_i + b). Losses act
coordinate by coordinate, so each output coordinate k is fitted on its own (row k of [W | b]).

* squared / squared_half: the normal equations, solved exactly (a particular solution when the
  inputs are affinely dependent, which is still a minimiser);
* huber: an exact active-set iteration (which samples sit on the quadratic part), each step an
  exact linear solve; the answer is returned only when the first-order condition holds exactly.

Absolute and hinge need an LP with an exact dual and are not supported yet (UnsupportedError).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from flint import fmpq, fmpq_mat

from losscert.errors import UnsupportedError
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.rationals import to_fmpq, to_fraction

MAX_ACTIVE_SET_ROUNDS = 100


@dataclass(frozen=True)
class AffineFit:
    """An exact minimiser (W, b) of R_lin, its predictions u_i, loss gradients g_i and risk."""

    weight: list[list[Fraction]]  # d_Y x d_X
    bias: list[Fraction]  # d_Y
    predictions: list[list[Fraction]]  # n x d_Y
    gradients: list[list[Fraction]]  # n x d_Y: the gradient of l(y_i, .) at u_i
    risk: Fraction


def fit_affine(data: Dataset, loss: Loss) -> AffineFit:
    """The exact affine regression optimum; UnsupportedError for losses without a fitter."""
    inputs = [[*row, Fraction(1)] for row in data.input_rows()]
    labels = data.label_rows()
    rows = []
    for k in range(data.output_dim):
        column = [y[k] for y in labels]
        if loss.kind in ("squared", "squared_half"):
            rows.append(
                _least_squares(inputs, column, [True] * len(column), [Fraction(0)] * len(column))
            )
        elif loss.kind == "huber":
            assert loss.delta is not None
            rows.append(_huber(inputs, column, loss.delta))
        else:
            raise UnsupportedError(f"no exact affine regression for the {loss.kind} loss yet")
    weight = [row[:-1] for row in rows]
    bias = [row[-1] for row in rows]
    predictions = [
        [sum((r[c] * x[c] for c in range(len(x))), Fraction(0)) for r in rows] for x in inputs
    ]
    gradients = [
        [_gradient(loss, y[k], u[k]) for k in range(data.output_dim)]
        for y, u in zip(labels, predictions, strict=True)
    ]
    risk = (
        sum(
            (_sample_loss(loss, y, u) for y, u in zip(labels, predictions, strict=True)),
            Fraction(0),
        )
        / data.n
    )
    return AffineFit(weight, bias, predictions, gradients, risk)


def _gradient(loss: Loss, y: Fraction, u: Fraction) -> Fraction:
    r = u - y
    if loss.kind == "squared":
        return 2 * r
    if loss.kind == "squared_half":
        return r
    assert loss.kind == "huber" and loss.delta is not None
    return r if abs(r) <= loss.delta else loss.delta * (1 if r > 0 else -1)


def _sample_loss(loss: Loss, y: list[Fraction], u: list[Fraction]) -> Fraction:
    return to_fraction(loss.sample_loss([to_fmpq(v) for v in y], [to_fmpq(v) for v in u]))


def _solve_any(gram: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """A solution of the consistent system gram w = rhs (free variables set to 0)."""
    size = len(rhs)
    augmented = fmpq_mat(
        size, size + 1, [to_fmpq(v) for row, r in zip(gram, rhs, strict=True) for v in (*row, r)]
    )
    reduced, rank = augmented.rref()
    solution = [fmpq(0)] * size
    for i in range(int(rank)):
        row = [reduced[i, j] for j in range(size + 1)]
        pivot = next(j for j in range(size + 1) if row[j] != 0)
        if pivot == size:
            raise ArithmeticError(
                "inconsistent normal equations"
            )  # cannot happen for X^T X w = X^T y
        solution[pivot] = row[size]
    return [to_fraction(v) for v in solution]


def _least_squares(
    inputs: list[list[Fraction]],
    targets: list[Fraction],
    quadratic: list[bool],
    linear: list[Fraction],
) -> list[Fraction]:
    """Minimise sum over quadratic samples of (w.x - y)^2 / 2 + sum over the others of linear_i w.x.

    Its first-order condition: (sum_Q x x^T) w = sum_Q y x - sum_{not Q} linear_i x.
    """
    size = len(inputs[0])
    gram = [[Fraction(0)] * size for _ in range(size)]
    rhs = [Fraction(0)] * size
    for x, y, q, lin in zip(inputs, targets, quadratic, linear, strict=True):
        for a in range(size):
            if q:
                rhs[a] += y * x[a]
                for b in range(size):
                    gram[a][b] += x[a] * x[b]
            else:
                rhs[a] -= lin * x[a]
    return _solve_any(gram, rhs)


def _huber(
    inputs: list[list[Fraction]], targets: list[Fraction], delta: Fraction
) -> list[Fraction]:
    regions: list[int] | None = None  # 0: quadratic, +1 / -1: the linear part on that side
    w = _least_squares(inputs, targets, [True] * len(targets), [Fraction(0)] * len(targets))
    for _ in range(MAX_ACTIVE_SET_ROUNDS):
        residuals = [
            sum((a * b for a, b in zip(w, x, strict=True)), Fraction(0)) - y
            for x, y in zip(inputs, targets, strict=True)
        ]
        new = [0 if abs(r) <= delta else (1 if r > 0 else -1) for r in residuals]
        gradient = [
            sum(
                (
                    (r if s == 0 else delta * s) * x[a]
                    for r, s, x in zip(residuals, new, inputs, strict=True)
                ),
                Fraction(0),
            )
            for a in range(len(w))
        ]
        if all(v == 0 for v in gradient):
            return w
        if new == regions:
            break
        regions = new
        w = _least_squares(inputs, targets, [s == 0 for s in new], [delta * s for s in new])
    raise UnsupportedError(
        "the exact Huber active-set iteration did not settle; no certified minimiser"
    )

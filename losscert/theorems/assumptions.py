"""The assumptions of Theorem 1, each decided exactly on an instance (MATH.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.rationals import rational_string
from losscert.verifier.regression import AffineFit


@dataclass(frozen=True)
class Assumption:
    """``holds`` is True, False, or None when it could not be decided (with the reason)."""

    name: str
    holds: bool | None
    detail: str


@dataclass(frozen=True)
class AssumptionReport:
    items: tuple[Assumption, ...]

    @property
    def all_hold(self) -> bool:
        return all(a.holds is True for a in self.items)

    def failing(self) -> list[Assumption]:
        return [a for a in self.items if a.holds is not True]


def _minimiser(
    data: Dataset, loss: Loss, fit: AffineFit | None, fit_error: str | None
) -> Assumption:
    """Does the affine regression optimum exist? For logistic / softmax (no exact fitter, the
    optimum is irrational) decided exactly by separability (theorems/separability.py)."""
    name = "regression minimiser exists"
    if fit is not None:
        return Assumption(name, True, "exact minimiser found")
    if loss.kind in ("logistic", "softmax_cross_entropy"):
        from losscert.theorems.separability import affine_attainment

        result = affine_attainment(data, loss)
        return Assumption(name, result.attained, result.detail)
    return Assumption(name, False, fit_error or "no minimiser")


def _no_affine_fit(loss: Loss, fit: AffineFit | None, minimiser: Assumption) -> Assumption:
    """A1: R_lin* > 0. The cross-entropy losses are positive everywhere, so it holds as soon as
    their (irrational) minimiser exists."""
    name = "A1 no affine map fits the data"
    if fit is not None:
        return Assumption(name, fit.risk > 0, f"R_lin* = {rational_string(fit.risk)}")
    if loss.kind in ("logistic", "softmax_cross_entropy") and minimiser.holds:
        return Assumption(name, True, f"the {loss.kind} loss is positive: R_lin* > 0")
    return Assumption(name, None, "unknown without a minimiser")


def check_assumptions(
    data: Dataset,
    widths: tuple[int, ...],
    activation: Activation,
    loss: Loss,
    fit: AffineFit | None,
    fit_error: str | None,
) -> AssumptionReport:
    d_y = widths[-1]
    hidden = widths[1:-1]
    distinct = len({tuple(row) for row in data.input_rows()})
    minimiser = _minimiser(data, loss, fit, fit_error)
    items = [
        minimiser,
        _no_affine_fit(loss, fit, minimiser),
        Assumption(
            "A2 distinct inputs",
            distinct == data.n,
            f"{distinct} distinct of {data.n} inputs",
        ),
        Assumption(
            "A3 hidden layers wider than the output",
            bool(hidden) and all(w > d_y for w in hidden),
            f"hidden widths {list(hidden)}, d_Y = {d_y}" if hidden else "no hidden layer",
        ),
        Assumption(
            "A4 loss differentiable, gradient zero only at the label",
            loss.kind in ("squared", "squared_half", "huber", "logistic", "softmax_cross_entropy"),
            f"{loss.kind}: " + ("yes" if loss.is_differentiable else "not differentiable"),
        ),
        Assumption(
            "activation has a breakpoint",
            not activation.is_linear,
            "linear activation: one cell, the linear-network case"
            if activation.is_linear
            else f"{len(activation.breakpoints)} breakpoints",
        ),
    ]
    return AssumptionReport(tuple(items))

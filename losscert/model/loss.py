"""Losses and the empirical risk R = (1/n) sum_i l(y_i, f(x_i)), exactly or with rigorous bounds.

Rational losses (squared, absolute, hinge, Huber) give an exact rational risk. Logistic and softmax
cross-entropy involve exp and log: they are *not rational*, and their risk is returned as a
rigorous interval with rational endpoints, computed in python-flint's ball arithmetic and rounded
outwards, so that every decision made from it is sound.

Conventions, per sample, summed over the output coordinates k:

=========================  ======================================================================
``squared``                ``||f - y||^2``            so R = (1/n) sum ||f - y||^2
``squared_half``           ``||f - y||^2 / 2``        so R = (1/(2n)) sum ||f - y||^2
``absolute``               ``sum_k |f_k - y_k|``
``hinge``                  ``sum_k max(0, 1 - y_k f_k)``, labels in {-1, +1}
``huber`` (delta > 0)      ``sum_k r^2/2 if |r| <= delta else delta (|r| - delta/2)``, r = f_k - y_k
``logistic``               ``sum_k log(1 + exp(-y_k f_k))``, labels in {-1, +1}
``softmax_cross_entropy``  ``log sum_k exp(f_k) - f_c``, the label a one-hot vector with 1 at c
=========================  ======================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from flint import arb, ctx, fmpq, fmpq_mat

from losscert.errors import InputError, UnsupportedError
from losscert.model.rationals import RationalLike, parse_rational, to_fmpq, to_fraction

LOSS_KINDS = (
    "squared",
    "squared_half",
    "absolute",
    "hinge",
    "huber",
    "logistic",
    "softmax_cross_entropy",
)
_NON_RATIONAL = frozenset({"logistic", "softmax_cross_entropy"})
_DIFFERENTIABLE = frozenset(
    {"squared", "squared_half", "huber", "logistic", "softmax_cross_entropy"}
)
_SIGN_LABELS = frozenset({"hinge", "logistic"})


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] with exact rational endpoints (lo == hi for an exact value)."""

    lo: Fraction
    hi: Fraction

    @property
    def is_exact(self) -> bool:
        return self.lo == self.hi

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | Fraction) and self.lo <= value <= self.hi


@dataclass(frozen=True)
class Loss:
    """A per-sample loss ``l(y, f)``; construct with :func:`make_loss` or the kind's name."""

    kind: str
    delta: Fraction | None = None

    def __post_init__(self) -> None:
        if self.kind not in LOSS_KINDS:
            raise InputError(
                f"loss: unknown kind {self.kind!r}; expected one of {', '.join(LOSS_KINDS)}"
            )
        if self.kind == "huber":
            if self.delta is None or self.delta <= 0:
                raise InputError(f"loss: huber needs a positive delta, got {self.delta}")
        elif self.delta is not None:
            raise InputError(f"loss: {self.kind} takes no delta (got {self.delta})")

    @property
    def is_rational(self) -> bool:
        """True when the risk is an exact rational (no exp/log)."""
        return self.kind not in _NON_RATIONAL

    @property
    def is_differentiable(self) -> bool:
        """True when l is continuously differentiable in the prediction."""
        return self.kind in _DIFFERENTIABLE

    def describe(self) -> str:
        if self.kind == "huber":
            return f"huber(delta={self.delta})"
        if self.kind == "squared":
            return "squared: R = (1/n) sum ||f - y||^2"
        if self.kind == "squared_half":
            return "squared_half: R = (1/(2n)) sum ||f - y||^2"
        return self.kind

    def validate_labels(
        self, label_rows: Sequence[Sequence[Fraction]], where: str = "data.labels"
    ) -> None:
        """Raise InputError naming the sample when a label does not suit this loss."""
        for i, row in enumerate(label_rows):
            if self.kind in _SIGN_LABELS:
                for k, y in enumerate(row):
                    if y not in (-1, 1):
                        raise InputError(
                            f"{where}[{i}][{k}]: {self.kind} loss needs labels -1 or 1, got {y}"
                        )
            elif self.kind == "softmax_cross_entropy" and (
                sorted(row) != [0] * (len(row) - 1) + [1]
            ):
                raise InputError(
                    f"{where}[{i}]: softmax_cross_entropy needs one-hot labels, got {[str(v) for v in row]}"
                )

    def sample_loss(self, y: Sequence[fmpq], f: Sequence[fmpq]) -> fmpq:
        """Exact l(y, f) for a rational loss; UnsupportedError for logistic / softmax."""
        try:
            evaluate = _RATIONAL_SAMPLE_LOSSES[self.kind]
        except KeyError:
            raise UnsupportedError(
                f"the {self.kind} loss is not rational; use risk_bounds for a rigorous interval"
            ) from None
        return evaluate(self, y, f)

    def coordinate_subdifferential(self, y: Fraction, f: Fraction) -> tuple[Fraction, Fraction]:
        """The subdifferential [low, high] of l(y, .) at f, for one output coordinate (low = high
        where l is differentiable). UnsupportedError for logistic / softmax."""
        r = f - y
        if self.kind == "squared":
            return 2 * r, 2 * r
        if self.kind == "squared_half":
            return r, r
        if self.kind == "huber":
            assert self.delta is not None
            g = r if abs(r) <= self.delta else self.delta * (1 if r > 0 else -1)
            return g, g
        if self.kind == "absolute":
            if r == 0:
                return Fraction(-1), Fraction(1)
            sign = Fraction(1 if r > 0 else -1)
            return sign, sign
        if self.kind == "hinge":
            margin = 1 - y * f
            if margin > 0:
                return -y, -y
            if margin < 0:
                return Fraction(0), Fraction(0)
            return min(-y, Fraction(0)), max(-y, Fraction(0))
        raise UnsupportedError(f"no exact subdifferential for the {self.kind} loss")

    def sample_loss_ball(self, y: Sequence[fmpq], f: Sequence[fmpq]) -> arb:
        """l(y, f) as a python-flint ball that is guaranteed to contain the true value."""
        if self.is_rational:
            return arb(self.sample_loss(y, f))
        if self.kind == "logistic":
            return sum((_softplus(-yk * fk) for yk, fk in zip(y, f, strict=True)), arb(0))
        # softmax cross-entropy: log sum exp(f) - f_c
        label = next(k for k, yk in enumerate(y) if yk == 1)
        return sum((arb(fk).exp() for fk in f), arb(0)).log() - arb(f[label])


def make_loss(kind: str, delta: RationalLike | None = None) -> Loss:
    """A loss by name (see the module docstring for the conventions)."""
    parsed = None if delta is None else parse_rational(delta, f"loss.{kind}.delta")
    return Loss(kind, parsed)


def exact_risk(loss: Loss, labels: fmpq_mat, outputs: fmpq_mat) -> Fraction:
    """R = (1/n) sum_i l(y_i, f_i) exactly; labels and outputs are d_Y x n."""
    if not loss.is_rational:
        raise UnsupportedError(
            f"the {loss.kind} loss is not rational; use risk_bounds for a rigorous interval"
        )
    total = fmpq(0)
    for y, f in _sample_columns(labels, outputs):
        total += loss.sample_loss(y, f)
    return to_fraction(total / int(labels.ncols()))


def risk_bounds(
    loss: Loss, labels: fmpq_mat, outputs: fmpq_mat, *, precision: int = 128
) -> Interval:
    """A rigorous interval [lo, hi] with rational endpoints that contains R.

    Exact (lo == hi) for rational losses; for logistic / softmax the width shrinks like
    2^-precision.
    """
    if loss.is_rational:
        value = exact_risk(loss, labels, outputs)
        return Interval(value, value)
    with ctx.workprec(precision):
        total = arb(0)
        for y, f in _sample_columns(labels, outputs):
            total += loss.sample_loss_ball(y, f)
        ball = total / int(labels.ncols())
        if not ball.is_finite():
            raise UnsupportedError(
                f"{loss.kind} risk overflowed the ball arithmetic; outputs too large"
            )
        return Interval(_arb_endpoint(ball.lower()), _arb_endpoint(ball.upper()))


def _arb_endpoint(exact: arb) -> Fraction:
    mantissa, exponent = exact.man_exp()
    m, e = int(mantissa), int(exponent)
    return Fraction(m * 2**e) if e >= 0 else Fraction(m, 2**-e)


def _softplus(u: fmpq) -> arb:
    """log(1 + exp(u)), written to avoid overflow for large u: u + log(1 + exp(-u))."""
    if u > 0:
        return arb(u) + (1 + arb(-u).exp()).log()
    return (1 + arb(u).exp()).log()


def _sample_columns(labels: fmpq_mat, outputs: fmpq_mat) -> list[tuple[list[fmpq], list[fmpq]]]:
    if labels.nrows() != outputs.nrows() or labels.ncols() != outputs.ncols():
        raise InputError(
            f"risk: labels are {labels.nrows()} x {labels.ncols()} but outputs are "
            f"{outputs.nrows()} x {outputs.ncols()}"
        )
    return list(zip(labels.transpose().tolist(), outputs.transpose().tolist(), strict=True))


def _squared(loss: Loss, y: Sequence[fmpq], f: Sequence[fmpq]) -> fmpq:
    total = sum(((fk - yk) ** 2 for yk, fk in zip(y, f, strict=True)), fmpq(0))
    return total / 2 if loss.kind == "squared_half" else total


def _absolute(loss: Loss, y: Sequence[fmpq], f: Sequence[fmpq]) -> fmpq:
    return sum((abs(fk - yk) for yk, fk in zip(y, f, strict=True)), fmpq(0))


def _hinge(loss: Loss, y: Sequence[fmpq], f: Sequence[fmpq]) -> fmpq:
    return sum((max(fmpq(0), 1 - yk * fk) for yk, fk in zip(y, f, strict=True)), fmpq(0))


def _huber(loss: Loss, y: Sequence[fmpq], f: Sequence[fmpq]) -> fmpq:
    assert loss.delta is not None
    delta = to_fmpq(loss.delta)
    total = fmpq(0)
    for yk, fk in zip(y, f, strict=True):
        r = abs(fk - yk)
        total += r * r / 2 if r <= delta else delta * (r - delta / 2)
    return total


_RATIONAL_SAMPLE_LOSSES = {
    "squared": _squared,
    "squared_half": _squared,
    "absolute": _absolute,
    "hinge": _hinge,
    "huber": _huber,
}

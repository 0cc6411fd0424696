"""Exact, outward-rounded rational intervals and second-order interval jets (section 3.20).

An :class:`Interval` [lo, hi] holds Fractions. Every operation returns an interval containing
every value the operation can take on its arguments; after products the endpoints are rounded
*outward* to multiples of 2^-ROUND_BITS (lo down, hi up), which keeps the numbers small and only
widens the enclosure, so soundness is kept.

An :class:`IntervalJet` encloses a function's value, gradient and Hessian over a box of
parameters: arithmetic on jets is the product rule applied to enclosures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

ROUND_BITS = 128
_SCALE = 1 << ROUND_BITS


def _down(value: Fraction) -> Fraction:
    if value.denominator <= _SCALE:
        return value
    return Fraction(math.floor(value * _SCALE), _SCALE)


def _up(value: Fraction) -> Fraction:
    if value.denominator <= _SCALE:
        return value
    return Fraction(math.ceil(value * _SCALE), _SCALE)


@dataclass(frozen=True)
class Interval:
    lo: Fraction
    hi: Fraction

    @staticmethod
    def point(value: Fraction) -> Interval:
        return Interval(value, value)

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __mul__(self, other: Interval) -> Interval:
        products = [a * b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(_down(min(products)), _up(max(products)))

    def scale(self, c: Fraction) -> Interval:
        if c >= 0:
            return Interval(_down(c * self.lo), _up(c * self.hi))
        return Interval(_down(c * self.hi), _up(c * self.lo))

    def shift(self, c: Fraction) -> Interval:
        return Interval(self.lo + c, self.hi + c)

    def magnitude(self, centre: Fraction) -> Fraction:
        """max |v - centre| over the interval."""
        return max(self.hi - centre, centre - self.lo)


ZERO = Interval(Fraction(0), Fraction(0))


def _add(a: dict[Any, Interval], b: dict[Any, Interval]) -> dict[Any, Interval]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] + v if k in out else v
    return out


def _times(a: dict[Any, Interval], c: Interval) -> dict[Any, Interval]:
    return {k: v * c for k, v in a.items()}


@dataclass
class IntervalJet:
    """Enclosures of a value, its gradient (sparse) and its Hessian (upper triangle, sparse)."""

    value: Interval
    grad: dict[int, Interval] = field(default_factory=dict)
    hess: dict[tuple[int, int], Interval] = field(default_factory=dict)

    def __add__(self, other: IntervalJet) -> IntervalJet:
        return IntervalJet(
            self.value + other.value, _add(self.grad, other.grad), _add(self.hess, other.hess)
        )

    def scale(self, c: Fraction) -> IntervalJet:
        if c == 0:
            return IntervalJet(ZERO)
        return IntervalJet(
            self.value.scale(c),
            {k: v.scale(c) for k, v in self.grad.items()},
            {k: v.scale(c) for k, v in self.hess.items()},
        )

    def shift(self, c: Fraction) -> IntervalJet:
        return IntervalJet(self.value.shift(c), self.grad, self.hess)

    def __mul__(self, other: IntervalJet) -> IntervalJet:
        grad = _add(_times(self.grad, other.value), _times(other.grad, self.value))
        hess = _add(_times(self.hess, other.value), _times(other.hess, self.value))
        for i, gi in self.grad.items():
            for j, gj in other.grad.items():
                key = (i, j) if i <= j else (j, i)
                term = gi * gj
                if i == j:
                    term = term + term
                hess[key] = hess[key] + term if key in hess else term
        return IntervalJet(self.value * other.value, grad, hess)

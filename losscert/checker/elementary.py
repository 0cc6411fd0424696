"""Rigorous rational bounds for exp and log (standard library only).

The building block for losses with exp and log (logistic, softmax cross-entropy) in the checker:
every function returns rationals lo <= f(x) <= hi, with hi - lo about 2^-PRECISION relative to
the value, from truncated series whose remainders are bounded explicitly:

* exp(x): x = 2^k y with |y| <= 1/2; sum_{j <= N} y^j / j! is within 2 |y|^{N+1} / (N+1)! of
  exp(y) (the tail is dominated by a geometric series of ratio |y| / (N + 2) <= 1/2); then
  exp(x) = exp(y)^(2^k) by k exact squarings of the enclosure, rounded outward.
* log(y), y > 0: y = 2^e m with 1 <= m < 2; log m = 2 atanh(u), u = (m - 1) / (m + 1) in
  [0, 1/3); atanh(u) = sum_j u^(2j+1) / (2j+1), whose tail after N terms is at most
  u^(2N+3) / ((2N+3) (1 - u^2)); log 2 = 2 atanh(1/3) the same way.

Not yet used by a step kind (issue 13, part 3: logistic and softmax certificates build on it).
"""

from __future__ import annotations

import math
from fractions import Fraction

from .numbers import show

PRECISION = 128
MAX_ARGUMENT = 10_000
"""|x| for exp is bounded (exp(10^4) has about 4,343 digits, the checker's number limit)."""


def _round_down(value: Fraction, bits: int) -> Fraction:
    scale = 1 << bits
    return Fraction(math.floor(value * scale), scale)


def _round_up(value: Fraction, bits: int) -> Fraction:
    scale = 1 << bits
    return Fraction(math.ceil(value * scale), scale)


def exp_bounds(x: Fraction, precision: int = PRECISION) -> tuple[Fraction, Fraction]:
    """lo <= exp(x) <= hi, both rational, for |x| <= MAX_ARGUMENT (ValueError beyond)."""
    if abs(x) > MAX_ARGUMENT:
        raise ValueError(f"exp of {show(x)}: |x| must be at most {MAX_ARGUMENT}")
    if x == 0:
        return Fraction(1), Fraction(1)
    if x < 0:  # exp(x) = 1 / exp(-x): keeps the relative precision of tiny values
        lo, hi = exp_bounds(-x, precision)
        return 1 / hi, 1 / lo
    k = 0
    while abs(x) / (1 << k) > Fraction(1, 2):
        k += 1
    bits = precision + k + 8
    y = x / (1 << k)
    # exp is increasing: the series at y rounded down and up (short dyadics) encloses exp(y)
    lo = _round_down(_exp_series(_round_down(y, bits + 2), bits, -1), bits)
    hi = _round_up(_exp_series(_round_up(y, bits + 2), bits, 1), bits)
    for _ in range(k):  # x > 0 here: every value is at least 1, so rounding keeps lo > 0
        lo = _round_down(lo * lo, bits)
        hi = _round_up(hi * hi, bits)
    return lo, hi


def _exp_series(y: Fraction, bits: int, side: int) -> Fraction:
    """A lower (side -1) or upper (side 1) bound of exp(y), |y| <= 1/2 + 2^-bits: the partial
    sum plus or minus the bound 2 |y^{j+1} / (j+1)!| of its tail, once that is below 2^-bits."""
    total, term, j = Fraction(1), Fraction(1), 0
    while True:
        j += 1
        term = term * y / j
        total += term
        remainder = 2 * abs(term * y) / (j + 1)
        if remainder < Fraction(1, 1 << bits):
            return total + side * remainder


def _atanh_series(u: Fraction, bits: int) -> tuple[Fraction, Fraction]:
    """lo <= atanh(u) <= hi for 0 <= u <= 1/3."""
    if u == 0:
        return Fraction(0), Fraction(0)
    total, power, j = Fraction(0), u, 0
    square = u * u
    while True:
        total += power / (2 * j + 1)
        power *= square
        j += 1
        tail = power / ((2 * j + 1) * (1 - square))
        if tail < Fraction(1, 1 << bits):
            break
    return _round_down(total, bits), _round_up(total + tail, bits)


def log_bounds(y: Fraction, precision: int = PRECISION) -> tuple[Fraction, Fraction]:
    """lo <= log(y) <= hi, both rational, for y > 0 (ValueError otherwise)."""
    if y <= 0:
        raise ValueError(f"log of {y}: the argument must be positive")
    if y == 1:
        return Fraction(0), Fraction(0)
    e = y.numerator.bit_length() - y.denominator.bit_length()
    m = y / Fraction(2) ** e
    while m >= 2:
        m, e = m / 2, e + 1
    while m < 1:
        m, e = m * 2, e - 1
    bits = precision + max(e, -e).bit_length() + 8
    u = (m - 1) / (m + 1)  # atanh is increasing: enclose at short dyadics around u
    a_lo = _atanh_series(_round_down(u, bits + 2), bits)[0]
    a_hi = _atanh_series(min(_round_up(u, bits + 2), Fraction(1, 3)), bits)[1]
    l_lo, l_hi = _atanh_series(Fraction(1, 3), bits)
    two_lo, two_hi = (e * 2 * l_lo, e * 2 * l_hi) if e >= 0 else (e * 2 * l_hi, e * 2 * l_lo)
    return _round_down(two_lo + 2 * a_lo, bits), _round_up(two_hi + 2 * a_hi, bits)


def exp_interval(lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """An enclosure of exp over [lo, hi] (exp is increasing)."""
    return exp_bounds(lo)[0], exp_bounds(hi)[1]


def log_interval(lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """An enclosure of log over [lo, hi], lo > 0 (log is increasing)."""
    return log_bounds(lo)[0], log_bounds(hi)[1]

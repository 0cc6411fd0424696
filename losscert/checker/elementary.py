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

The series run in integers scaled by 2^(bits + 8), every term rounded in the direction of the
side it bounds (see each function). Used by the logistic and softmax losses (exp_losses.py).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

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
    """A lower (side -1) or upper (side 1) bound of exp(y), 0 <= y <= 1/2 + 2^-bits.

    In integers scaled by 2^W (W = bits + 8): t_0 = 2^W, t_j = t_{j-1} y / j rounded down (side
    -1) or up (side 1). As y >= 0, induction gives t_j <= 2^W y^j / j! (down) or >= (up). The lower
    bound is the sum of the rounded-down terms (the dropped tail is positive); the upper bound adds
    2 t_N y / (N + 1) rounded up, which bounds the tail (a geometric series of ratio <= 1/2)."""
    if y < 0:
        raise ValueError(f"_exp_series: {y} is negative")  # exp_bounds never asks: fail closed
    width = bits + 8
    num, den = y.numerator, y.denominator
    term, total, j = 1 << width, 1 << width, 0
    while True:
        j += 1
        term = (term * num) // (den * j) if side < 0 else -((-term * num) // (den * j))
        total += term
        tail = -((-2 * term * num) // (den * (j + 1)))  # 2 t_j y / (j + 1), rounded up
        if tail < (1 << (width - bits)):
            return Fraction(total + (tail if side > 0 else 0), 1 << width)


@lru_cache(maxsize=64)
def _log_two_halves(bits: int) -> tuple[Fraction, Fraction]:
    """atanh(1/3) = log(2) / 2, enclosed once per precision (it is the same in every log)."""
    return _atanh_series(Fraction(1, 3), bits)


def _atanh_series(u: Fraction, bits: int) -> tuple[Fraction, Fraction]:
    """lo <= atanh(u) <= hi for 0 <= u <= 1/3.

    In integers scaled by 2^W (W = bits + 8), for each side the powers p_j ~ 2^W u^(2j+1) and the
    terms p_j / (2j + 1) are rounded down (lo) or up (hi); as u >= 0, they stay below (above) the
    true values. lo sums the rounded-down terms (the tail is positive); hi adds the tail bound
    u^(2N+3) / ((2N+3)(1 - u^2)) from the rounded-up next power."""
    if not 0 <= u <= Fraction(1, 3):
        raise ValueError(f"_atanh_series: {u} is outside [0, 1/3]")  # fail closed
    if u == 0:
        return Fraction(0), Fraction(0)
    width = bits + 8
    num, den = u.numerator, u.denominator
    sq_num, sq_den = num * num, den * den
    lo_power, hi_power = (num << width) // den, -((-num << width) // den)
    lo = hi = 0
    j = 0
    while True:
        lo += lo_power // (2 * j + 1)
        hi += -(-hi_power // (2 * j + 1))
        lo_power = (lo_power * sq_num) // sq_den
        hi_power = -((-hi_power * sq_num) // sq_den)
        j += 1
        tail = -((-hi_power * sq_den) // ((2 * j + 1) * (sq_den - sq_num)))
        if tail < (1 << (width - bits)):
            return _round_down(Fraction(lo, 1 << width), bits), _round_up(
                Fraction(hi + tail, 1 << width), bits
            )


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
    l_lo, l_hi = _log_two_halves(bits)
    two_lo, two_hi = (e * 2 * l_lo, e * 2 * l_hi) if e >= 0 else (e * 2 * l_hi, e * 2 * l_lo)
    return _round_down(two_lo + 2 * a_lo, bits), _round_up(two_hi + 2 * a_hi, bits)


def exp_interval(lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """An enclosure of exp over [lo, hi] (exp is increasing)."""
    return exp_bounds(lo)[0], exp_bounds(hi)[1]


def log_interval(lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """An enclosure of log over [lo, hi], lo > 0 (log is increasing)."""
    return log_bounds(lo)[0], log_bounds(hi)[1]

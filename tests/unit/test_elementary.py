"""Rigorous exp and log bounds of the checker (losscert.checker.elementary) against Python's
decimal module at 90 significant digits, and against identities."""

from decimal import Decimal, localcontext
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker.elementary import exp_bounds, exp_interval, log_bounds, log_interval

TIGHT = F(1, 2**100)


def _decimal(value: F) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 120
        return Decimal(value.numerator) / Decimal(value.denominator)


def _contains(lo: F, hi: F, reference: Decimal) -> bool:
    """lo <= reference <= hi, up to the reference's own rounding (90 digits)."""
    with localcontext() as ctx:
        ctx.prec = 120
        slack = abs(reference) * Decimal(10) ** -85 + Decimal(10) ** -95
        return _decimal(lo) - slack <= reference <= _decimal(hi) + slack


rationals = st.fractions(min_value=F(-60), max_value=F(60), max_denominator=10**9)


@settings(max_examples=60, deadline=None)
@given(rationals)
def test_exp_encloses_and_is_tight(x: F) -> None:
    lo, hi = exp_bounds(x)
    with localcontext() as ctx:
        ctx.prec = 90
        reference = _decimal(x).exp()
    assert lo <= hi and _contains(lo, hi, reference)
    assert hi - lo <= TIGHT * hi


@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=F(1, 10**6), max_value=F(10**6), max_denominator=10**9))
def test_log_encloses_and_is_tight(y: F) -> None:
    lo, hi = log_bounds(y)
    with localcontext() as ctx:
        ctx.prec = 90
        reference = _decimal(y).ln()
    assert lo <= hi and _contains(lo, hi, reference)
    assert hi - lo <= TIGHT * max(F(1), abs(hi))


@pytest.mark.parametrize("x", [F(0), F(1), F(-1), F(1, 3), F(-700), F(700), F(10**4)])
def test_log_of_exp_contains_x(x: F) -> None:
    lo, hi = exp_bounds(x)
    assert log_interval(lo, hi)[0] <= x <= log_interval(lo, hi)[1]


def test_exact_points_and_refusals() -> None:
    assert exp_bounds(F(0)) == (1, 1) and log_bounds(F(1)) == (0, 0)
    lo, hi = log_bounds(F(2))
    assert lo < F("0.6931471805599453094172321214581765680755") < hi
    assert exp_interval(F(0), F(1))[0] <= 1 and exp_interval(F(0), F(1))[1] >= F(27182818, 10**7)
    assert exp_bounds(F(-800))[0] > 0  # tiny, but a positive lower bound
    with pytest.raises(ValueError, match="at most"):
        exp_bounds(F(10**4 + 1))
    with pytest.raises(ValueError, match="positive"):
        log_bounds(F(0))

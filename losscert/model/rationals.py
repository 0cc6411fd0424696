"""Exact rational numbers at the boundary of the package.

Everything that decides a verdict is a rational. Users hand us ints, ``Fraction``\\ s, python-flint
``fmpq``\\ s or strings ("3", "-2/7", "0.125", "1e-3"); floats are accepted only when the caller says
so, and are then converted *exactly* (every binary float is a dyadic rational) or rounded to a
requested denominator, never silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np
from flint import fmpq

from losscert.errors import InputError

RationalLike = int | Fraction | fmpq | str

MAX_NUMBER_CHARS = 4_000
"""The longest number text read (as in certificates: below Python's 4,300-digit limit)."""
MAX_NUMBER_DIGITS = 4_000
"""The most decimal digits of the numerator and of the denominator of a number read."""
MAX_DECIMAL_EXPONENT = 1_000
"""The largest |e| of a decimal string "...e<e>"."""

# The number grammar (README "Numbers"), ASCII only: no spaces, underscores or other digits.
#   exact:   [+-]? digits ( "/" digits )?            (certificates allow this form only)
#   decimal: [+-]? ( digits ( "." digits? )? | "." digits ) ( [eE] [+-]? digits )?
_EXACT = re.compile(r"([+-]?)([0-9]+)(?:/([0-9]+))?")
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")


def parse_rational(
    value: Any, where: str, *, allow_float: bool = False, denominator: int | None = None
) -> Fraction:
    """Return ``value`` as an exact :class:`Fraction`.

    ``where`` names the place the value came from (``"problem.json: network.layers[0].W[1][2]"``)
    and appears in the error. Floats are rejected unless ``allow_float`` is true; then they are
    converted exactly, or rounded to a multiple of ``1/denominator`` when one is given. Strings,
    ints and rationals are never rounded. NaN and infinities are always rejected.
    """
    if isinstance(value, bool):
        raise InputError(f"{where}: expected a rational number, got the boolean {value!r}")
    if isinstance(value, int):
        return _within_digit_limit(
            Fraction(value), f"an integer of {value.bit_length()} bits", where
        )
    if isinstance(value, Fraction):
        return value
    if isinstance(value, fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(
                f"{where}: got the non-finite number {value!r}; only finite rationals are accepted"
            )
        if not allow_float:
            raise InputError(
                f'{where}: got the float {value!r}; write it as a string ("{value!r}" or "p/q") '
                "or ask for float input explicitly"
            )
        return float_to_rational(value, where, denominator=denominator)
    if isinstance(value, str):
        return _parse_rational_string(value, where)
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    raise InputError(
        f'{where}: expected a rational number (int, string "p/q" or decimal string), '
        f"got {type(value).__name__} {value!r}"
    )


def _parse_rational_string(text: str, where: str) -> Fraction:
    """The number grammar above, with its limits; InputError names the place and the rule."""
    if len(text) > MAX_NUMBER_CHARS:
        raise InputError(
            f"{where}: a number of {len(text)} characters is beyond the limit of {MAX_NUMBER_CHARS}"
        )
    exact = _EXACT.fullmatch(text)
    if exact:
        sign, numerator, denominator = exact.groups()
        if denominator is not None and int(denominator) == 0:
            raise InputError(f"{where}: cannot read {text!r}: the denominator is 0")
        value = Fraction(int(sign + numerator), int(denominator or 1))
        return _within_digit_limit(value, text, where)
    decimal = _DECIMAL.fullmatch(text)
    if decimal and (decimal.group(2) or decimal.group(3)):
        sign, whole, fraction, exponent = decimal.groups()
        power = int(exponent) if exponent and len(exponent) <= 8 else 0
        if exponent and (len(exponent) > 8 or abs(power) > MAX_DECIMAL_EXPONENT):
            raise InputError(
                f"{where}: the exponent of {text[:40]!r} is beyond +-{MAX_DECIMAL_EXPONENT}; write "
                'the number as "p/q" if you really mean it'
            )
        fraction = fraction or ""
        value = Fraction(int(sign + (whole or "0") + fraction), 10 ** len(fraction))
        value *= Fraction(10) ** power
        return _within_digit_limit(value, text, where)
    if text.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}:
        raise InputError(f"{where}: {text!r} is not a finite rational number")
    raise InputError(
        f'{where}: cannot read {text[:60]!r} as a rational number: write "p/q" or a decimal '
        'such as "-0.125" or "1e-3" (ASCII digits, no spaces or underscores)'
    )


def _within_digit_limit(value: Fraction, text: str, where: str) -> Fraction:
    bound = 10**MAX_NUMBER_DIGITS
    if abs(value.numerator) >= bound or value.denominator >= bound:
        raise InputError(
            f"{where}: {text[:40]!r} has more than {MAX_NUMBER_DIGITS} digits in its numerator "
            "or denominator, beyond the limit"
        )
    return value


def float_to_rational(value: float, where: str, *, denominator: int | None = None) -> Fraction:
    """Convert a float exactly, or round it to the nearest multiple of ``1/denominator``.

    Rounding is an explicit choice of the caller; ties round to even (as ``round`` does).
    """
    if not math.isfinite(value):
        raise InputError(f"{where}: got the non-finite float {value!r}")
    exact = Fraction(value)
    if denominator is None:
        return exact
    if denominator <= 0:
        raise InputError(f"{where}: the rounding denominator must be positive, got {denominator}")
    return Fraction(round(exact * denominator), denominator)


def to_fmpq(value: Fraction | int) -> fmpq:
    """An exact python-flint rational from a Fraction or an int."""
    frac = Fraction(value)
    return fmpq(frac.numerator, frac.denominator)


def to_fraction(value: fmpq | Fraction | int) -> Fraction:
    """An exact Fraction from a python-flint rational, a Fraction or an int."""
    if isinstance(value, fmpq):
        return Fraction(int(value.p), int(value.q))
    return Fraction(value)


def rational_string(value: fmpq | Fraction | int) -> str:
    """The canonical text form of a rational: ``"p/q"`` in lowest terms, or ``"p"`` when q = 1."""
    frac = to_fraction(value)
    if frac.denominator == 1:
        return str(frac.numerator)
    return f"{frac.numerator}/{frac.denominator}"


def parse_vector(
    values: Any, where: str, allow_float: bool = False, denominator: int | None = None
) -> list[Fraction]:
    """A non-empty list of rationals (see :func:`parse_rational`); errors name the index."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise InputError(
            f"{where}: expected a list of numbers, got {type(values).__name__} {values!r}"
        )
    if len(values) == 0:
        raise InputError(f"{where}: is empty")
    return [
        parse_rational(
            _unwrap(v), f"{where}[{k}]", allow_float=allow_float, denominator=denominator
        )
        for k, v in enumerate(values)
    ]


def parse_matrix(
    rows: Any, where: str, allow_float: bool = False, denominator: int | None = None
) -> list[list[Fraction]]:
    """A non-empty rectangular list of rows of rationals; errors name the row and column."""
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence | np.ndarray):
        raise InputError(f"{where}: expected a list of rows, got {type(rows).__name__} {rows!r}")
    if len(rows) == 0:
        raise InputError(f"{where}: has no rows")
    matrix = [
        parse_vector(row, f"{where}[{r}]", allow_float, denominator) for r, row in enumerate(rows)
    ]
    width = len(matrix[0])
    for r, row in enumerate(matrix):
        if len(row) != width:
            raise InputError(f"{where}: row {r} has {len(row)} entries but row 0 has {width}")
    return matrix


def _unwrap(value: Any) -> Any:
    """numpy scalars -> Python scalars, so that parse_rational sees int/float."""
    if isinstance(value, np.generic):
        return value.item()
    return value

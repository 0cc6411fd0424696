"""Exact column-space tests for the box steps of 3.30 and 3.31: do the free coordinates' output
directions (the columns of J) stay independent, and do they span the first-order conditions?

Fraction-free (Bareiss) elimination on integers: each column is scaled once by the common
denominator of its entries (membership in a span does not change), and every entry after k
pivots is a k x k minor of the scaled matrix, so its size stays below k (b + log2 k) bits, b the
longest scaled entry. Fractions with a denominator per entry grow much faster (review 7: a 69 kB
file kept the Fraction elimination busy for a minute). Section 7 prices the work with that bound.
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt, lcm

from .result import Invalid

MAX_ELIMINATION_WORK = 50_000_000_000
"""rows x columns x F x (1 + F (b + 8) / 64)^2 (section 7): the elimination's products of
numbers of up to F (b + 8) bits, b the longest scaled entry, F the free coordinates. Measured:
9.1e9 units (200 x 60 x 30, 330-bit entries) in 3.6 s, so about 20 s at the limit."""


def column_space(
    jacobian: list[list[Fraction]],
    free: list[int],
    required: list[tuple[str, list[Fraction]]],
    optional: list[list[Fraction]],
    sid: str,
) -> list[bool]:
    """Invalid unless the columns of ``jacobian`` (one per free coordinate) are independent and
    every ``required`` vector (named) lies in their span; returns, for each ``optional`` vector,
    whether it lies in it."""
    size = len(free)
    columns = [[row[k] for row in jacobian] for k in range(size)]
    columns += [vector for _, vector in required] + list(optional)
    rows = len(jacobian)
    count = rows * len(columns) * max(size, 1)
    allowed = (isqrt(MAX_ELIMINATION_WORK // count) - 1) * 64 // max(size, 1) - 8 if count else 0
    found = [_integers(column, allowed) for column in columns]
    scaled = [column for column in found if column is not None]
    bits = max((abs(v).bit_length() for column in scaled for v in column), default=0)
    if len(scaled) < len(found) or bits > allowed:
        raise Invalid(
            f"the span check's exact elimination would multiply numbers of more than {allowed} "
            f"bits (rows x columns x F x (1 + F (b + 8) / 64)^2 <= {MAX_ELIMINATION_WORK}, "
            f"{rows} x {len(columns)} x {size}, b the longest entry after scaling each column "
            "by its common denominator): beyond this checker's limit",
            step=sid,
        )
    a = [[column[i] for column in scaled] for i in range(rows)]
    previous = 1
    for k in range(size):
        pivot = next((i for i in range(k, rows) if a[i][k]), None)
        if pivot is None:
            raise Invalid(
                f"the Jacobian column of parameter {free[k]} depends on the earlier ones: the "
                "free coordinates must have independent output directions",
                step=sid,
            )
        a[k], a[pivot] = a[pivot], a[k]
        top = a[k]
        for i in range(k + 1, rows):
            row = a[i]
            lead = row[k]
            for j in range(k + 1, len(scaled)):
                row[j] = (row[j] * top[k] - lead * top[j]) // previous
            row[k] = 0
        previous = top[k]
    rest = range(size, rows)
    for n, (name, _) in enumerate(required):
        if any(a[i][size + n] for i in rest):
            raise Invalid(
                f"the first-order condition of {name} is not implied by the free coordinates "
                "(its vector over the samples is not in the span of their output directions)",
                step=sid,
            )
    first = size + len(required)
    return [not any(a[i][first + n] for i in rest) for n in range(len(optional))]


def _integers(column: list[Fraction], allowed: int) -> list[int] | None:
    """The column times the lcm of its denominators (integers, the same span membership), or None
    as soon as that lcm or an entry is longer than ``allowed`` bits."""
    scale = 1
    for v in column:
        scale = lcm(scale, v.denominator)
        if scale.bit_length() > allowed:
            return None
    return [v.numerator * (scale // v.denominator) for v in column]

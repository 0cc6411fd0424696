"""An exact feasibility solver for small systems A x = b, x >= 0, in rationals (phase-1 simplex).

No solver module is imported: this backend is pure Python (fractions). It serves the places where a
float LP would have to be rounded and the system is small, such as the nonnegative multipliers
lambda >= 0 with G^T lambda = M^T g of a dual-cone membership (a handful of equations, a few dozen
unknowns). Bland's rule makes the simplex terminate; every answer is exact, so callers need no
tolerance. It still only *finds* numbers: the checker verifies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from losscert.errors import InputError


def nonnegative_solution(
    matrix: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction]
) -> list[Fraction] | None:
    """A vector x >= 0 with matrix x = rhs, or None when there is none (exact phase-1 simplex).

    ``matrix`` is m x N (m may be 0: then x = 0). The answer is a basic solution: at most m
    nonzero entries.
    """
    rows = len(matrix)
    if len(rhs) != rows:
        raise InputError(f"nonnegative_solution: {rows} rows but {len(rhs)} right-hand sides")
    width = len(matrix[0]) if rows else 0
    if any(len(row) != width for row in matrix):
        raise InputError("nonnegative_solution: rows of different lengths")
    if rows == 0:
        return []
    # Tableau over [x (width) | artificial (rows) | rhs], each row flipped so that rhs >= 0.
    tableau: list[list[Fraction]] = []
    for r, (row, value) in enumerate(zip(matrix, rhs, strict=True)):
        sign = -1 if value < 0 else 1
        artificial = [Fraction(0)] * rows
        artificial[r] = Fraction(1)
        tableau.append([sign * Fraction(a) for a in row] + artificial + [sign * Fraction(value)])
    basis = [width + r for r in range(rows)]
    total = width + rows
    # Phase-1 objective: minimise the sum of the artificials; reduced costs over all columns.
    cost = [-sum((t[c] for t in tableau), Fraction(0)) for c in range(total + 1)]
    for r in range(rows):
        cost[width + r] = Fraction(0)
    while True:
        entering = next((c for c in range(total) if cost[c] < 0), None)  # Bland: lowest index
        if entering is None:
            break
        leaving = _ratio_test(tableau, entering, basis)
        if leaving is None:  # unbounded direction cannot occur in phase 1 (objective >= 0)
            break
        _pivot(tableau, cost, leaving, entering)
        basis[leaving] = entering
    if -cost[total] != 0:  # the smallest sum of artificials is positive: infeasible
        return None
    x = [Fraction(0)] * width
    for r, column in enumerate(basis):
        if column < width:
            x[column] = tableau[r][total]
    return x


def _ratio_test(tableau: list[list[Fraction]], entering: int, basis: list[int]) -> int | None:
    best: tuple[Fraction, int] | None = None
    for r, row in enumerate(tableau):
        if row[entering] > 0:
            ratio = row[-1] / row[entering]
            if best is None or ratio < best[0] or (ratio == best[0] and basis[r] < basis[best[1]]):
                best = (ratio, r)
    return None if best is None else best[1]


def _pivot(
    tableau: list[list[Fraction]], cost: list[Fraction], leaving: int, entering: int
) -> None:
    pivot_row = tableau[leaving]
    factor = pivot_row[entering]
    tableau[leaving] = pivot_row = [v / factor for v in pivot_row]
    for r, row in enumerate(tableau):
        if r != leaving and row[entering] != 0:
            scale = row[entering]
            tableau[r] = [a - scale * b for a, b in zip(row, pivot_row, strict=True)]
    if cost[entering] != 0:
        scale = cost[entering]
        cost[:] = [a - scale * b for a, b in zip(cost, pivot_row, strict=True)]

"""Exact linear algebra over the rationals (python-flint's fmpq_mat): particular solutions with
chosen free coordinates, and null-space bases. Used to round float search results to exact points.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from flint import fmpq, fmpq_mat

from losscert.model.rationals import to_fmpq, to_fraction


def _reduced(matrix: Sequence[Sequence[Fraction]], width: int) -> list[tuple[int, list[fmpq]]]:
    """The nonzero rows of the reduced row echelon form, each with its pivot column."""
    if not matrix:
        return []
    reduced, rank = fmpq_mat(len(matrix), width, [to_fmpq(v) for row in matrix for v in row]).rref()
    out = []
    for i in range(int(rank)):
        row = [reduced[i, j] for j in range(width)]
        out.append((next(j for j in range(width) if row[j] != 0), row))
    return out


def solve_with_free(
    matrix: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], free: Sequence[Fraction]
) -> list[Fraction] | None:
    """A solution z of matrix z = rhs whose non-pivot coordinates are ``free``; None if none exists.

    Pivots are chosen left to right (reduced row echelon form), so callers order the unknowns
    with the ones they would rather solve for first.
    """
    size = len(free)
    pivots = _reduced([[*row, r] for row, r in zip(matrix, rhs, strict=True)], size + 1)
    if any(pivot == size for pivot, _ in pivots):
        return None
    solution = [to_fmpq(v) for v in free]
    pivot_columns = {p for p, _ in pivots}
    for pivot, row in pivots:
        solution[pivot] = row[size] - sum(
            (row[j] * solution[j] for j in range(size) if j not in pivot_columns), fmpq(0)
        )
    return [to_fraction(v) for v in solution]


def nullspace_basis(matrix: Sequence[Sequence[Fraction]], width: int) -> list[list[Fraction]]:
    """A basis of {z : matrix z = 0} (``width`` unknowns), one vector per free column."""
    pivots = _reduced(matrix, width)
    pivot_columns = {p for p, _ in pivots}
    basis = []
    for free in range(width):
        if free in pivot_columns:
            continue
        z = [Fraction(0)] * width
        z[free] = Fraction(1)
        for pivot, row in pivots:
            z[pivot] = -to_fraction(row[free])
        basis.append(z)
    return basis


def independent_columns(matrix: Sequence[Sequence[Fraction]], width: int) -> list[int]:
    """Indices of a maximal set of linearly independent columns (the pivots, left to right)."""
    return [pivot for pivot, _ in _reduced(matrix, width)]

"""The exact phase-1 simplex: hand-worked systems and an oracle over every basis."""

from fractions import Fraction
from itertools import combinations

import pytest
from flint import fmpq_mat
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.backends.exact_lp import nonnegative_solution
from losscert.encodings.exact_linear import nullspace_basis, solve_with_free
from losscert.errors import InputError
from losscert.model.rationals import to_fmpq

F = Fraction


def test_hand_worked_feasible_and_infeasible():
    # x1 + x2 = 1, x1 - x2 = 1/2  ->  x = (3/4, 1/4)
    assert nonnegative_solution([[F(1), F(1)], [F(1), F(-1)]], [F(1), F(1, 2)]) == [
        F(3, 4),
        F(1, 4),
    ]
    # x1 + x2 = -1 has no nonnegative solution
    assert nonnegative_solution([[F(1), F(1)]], [F(-1)]) is None
    # no equations: x = 0 (no unknowns to fill)
    assert nonnegative_solution([], []) == []
    # a redundant row keeps the system feasible
    assert nonnegative_solution([[F(1), F(2)], [F(2), F(4)]], [F(2), F(4)]) is not None


def test_shape_errors_name_the_problem():
    with pytest.raises(InputError, match="right-hand sides"):
        nonnegative_solution([[F(1)]], [])
    with pytest.raises(InputError, match="different lengths"):
        nonnegative_solution([[F(1)], [F(1), F(2)]], [F(0), F(0)])


def _feasible_by_bases(matrix, rhs):
    """Oracle: feasible iff some basic solution (Caratheodory) is nonnegative."""
    rows, width = len(matrix), len(matrix[0])
    for size in range(0, rows + 1):
        for support in combinations(range(width), size):
            sub = [[row[j] for j in support] for row in matrix]
            solution = solve_with_free(sub, rhs, [F(0)] * size) if size else None
            if size == 0:
                if all(v == 0 for v in rhs):
                    return True
                continue
            if solution is not None and all(v >= 0 for v in solution):
                return True
    return False


small = st.integers(-3, 3).map(F)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda m: st.integers(1, 5).flatmap(
            lambda n: st.tuples(
                st.lists(st.lists(small, min_size=n, max_size=n), min_size=m, max_size=m),
                st.lists(small, min_size=m, max_size=m),
            )
        )
    )
)
def test_agrees_with_the_basis_oracle(system):
    matrix, rhs = system
    x = nonnegative_solution(matrix, rhs)
    if x is not None:
        assert all(v >= 0 for v in x)
        assert [sum(a * b for a, b in zip(row, x, strict=True)) for row in matrix] == rhs
    assert (x is not None) == _feasible_by_bases(matrix, rhs)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda m: st.integers(1, 4).flatmap(
            lambda n: st.lists(st.lists(small, min_size=n, max_size=n), min_size=m, max_size=m)
        )
    )
)
def test_nullspace_basis_spans_the_kernel(matrix):
    width = len(matrix[0])
    basis = nullspace_basis(matrix, width)
    for z in basis:
        assert all(sum(a * b for a, b in zip(row, z, strict=True)) == 0 for row in matrix)
    # rank-nullity, with flint's rank as the oracle; the basis vectors are independent
    rank = fmpq_mat(len(matrix), width, [to_fmpq(v) for row in matrix for v in row]).rank()
    assert len(basis) == width - rank
    if basis:
        assert fmpq_mat(len(basis), width, [to_fmpq(v) for z in basis for v in z]).rank() == len(
            basis
        )

"""Strict homogeneous sign systems: exact witnesses and exact infeasibility."""

import itertools
import random
from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.encodings.sign_systems import _fourier_motzkin, rank, strict_witness


def _satisfies(vectors: list[list[int]], d: tuple[F, ...]) -> bool:
    return all(sum(F(a) * b for a, b in zip(u, d, strict=True)) > 0 for u in vectors)


def test_independent_rows_are_always_feasible() -> None:
    assert _satisfies([[1, 0], [0, 1]], strict_witness([[1, 0], [0, 1]]))  # type: ignore[arg-type]


def test_opposite_rows_are_infeasible() -> None:
    assert strict_witness([[1, 1], [-1, -1]]) is False
    assert strict_witness([[1, 0], [0, 1], [-1, -1]]) is False


def test_dependent_but_feasible() -> None:
    rows = [[1, 1], [2, 2], [1, 0]]
    witness = strict_witness(rows)
    assert witness is not False and witness is not None
    assert _satisfies(rows, witness)


def test_rank() -> None:
    assert rank([[1, 2], [2, 4]]) == 1
    assert rank([[1, 2], [2, 5]]) == 2


def _gordan_certificate(vectors: list[list[int]], bound: int = 4) -> bool:
    """A non-zero lambda >= 0 (small integers) with sum lambda_i u_i = 0 proves infeasibility."""
    dim = len(vectors[0])
    for lam in itertools.product(range(bound + 1), repeat=len(vectors)):
        if any(lam) and all(
            sum(c * u[k] for c, u in zip(lam, vectors, strict=True)) == 0 for k in range(dim)
        ):
            return True
    return False


vectors_strategy = st.integers(1, 3).flatmap(
    lambda dim: st.lists(
        st.lists(st.integers(-2, 2), min_size=dim, max_size=dim), min_size=1, max_size=4
    )
)


@settings(max_examples=300, deadline=None)
@given(vectors_strategy)
def test_fourier_motzkin_agrees_with_oracles(vectors: list[list[int]]) -> None:
    rows = [tuple(F(v) for v in u) for u in vectors]
    result = _fourier_motzkin(rows, len(rows[0]), 4000)
    if result is False:
        rng = random.Random(0)
        for _ in range(500):  # no random direction may satisfy an infeasible system
            d = tuple(F(rng.randint(-50, 50), rng.randint(1, 9)) for _ in rows[0])
            assert not _satisfies(vectors, d)
    else:
        assert result is not None
        assert _satisfies(vectors, result)
        assert not _gordan_certificate(vectors)
    if _gordan_certificate(vectors):
        assert result is False
    public = strict_witness(vectors)  # type: ignore[arg-type]
    assert (public is False) == (result is False)

"""Exact feasibility of strict homogeneous sign systems ``u_i . d > 0`` (i = 1..t).

Used to decide which sides of a breakpoint a neuron's tied pre-activations can be pushed to by
moving its own incoming weights. Two exact routes, no floats and no solver:

* when the u_i are linearly independent, every sign pattern is feasible (the witness solves
  ``U d = sigma`` in the row space of U);
* otherwise Fourier-Motzkin elimination decides the system exactly and back-substitution returns a
  witness. Elimination can blow up; past ``max_rows`` constraints the answer is ``None``
  (undecided), never a guess.

:func:`side_choices` lists every realisable choice of sides of t vectors without visiting the
2^t choices: a depth-first search that prunes each infeasible prefix with an exact Gordan vector
(a certificate the checker re-verifies, docs/certificate.md section 3.16).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import gcd
from typing import Literal

from flint import fmpq_mat

from losscert.backends.exact_lp import nonnegative_solution
from losscert.model.rationals import to_fmpq, to_fraction

Vector = tuple[Fraction, ...]


def rank(vectors: Sequence[Sequence[Fraction]]) -> int:
    """Exact rank of the matrix whose rows are ``vectors``."""
    if not vectors:
        return 0
    rows, cols = len(vectors), len(vectors[0])
    return int(fmpq_mat(rows, cols, [to_fmpq(v) for row in vectors for v in row]).rank())


def strict_witness(
    vectors: Sequence[Sequence[Fraction]], *, max_rows: int = 4000
) -> Vector | Literal[False] | None:
    """A d with ``u . d > 0`` for every u in ``vectors``, ``False`` if none exists, ``None`` if undecided.

    The returned witness is re-checked exactly before it is returned.
    """
    rows = [tuple(Fraction(v) for v in u) for u in vectors]
    if not rows:
        return ()
    dim = len(rows[0])
    if rank(rows) == len(rows):
        witness = _row_space_witness(rows)
    else:
        result = _fourier_motzkin(rows, dim, max_rows)
        if result is None or result is False:
            return result
        witness = result
    if not all(
        sum((a * b for a, b in zip(u, witness, strict=True)), Fraction(0)) > 0 for u in rows
    ):
        raise AssertionError("sign system witness failed its exact re-check")
    return witness


def _row_space_witness(rows: list[Vector]) -> Vector:
    """d = U^T (U U^T)^{-1} 1, so that U d = 1 exactly (U has full row rank)."""
    t, dim = len(rows), len(rows[0])
    u = fmpq_mat(t, dim, [to_fmpq(v) for row in rows for v in row])
    ones = fmpq_mat(t, 1, [1] * t)
    coefficients = (u * u.transpose()).solve(ones)
    d = u.transpose() * coefficients
    return tuple(to_fraction(v) for v in d.entries())


def _normalise(row: Vector) -> Vector:
    """Scale a strict homogeneous inequality to coprime integers (same solution set)."""
    scale = 1
    for value in row:
        scale = scale * value.denominator // gcd(scale, value.denominator)
    ints = [int(value * scale) for value in row]
    g = 0
    for entry in ints:
        g = gcd(g, abs(entry))
    return tuple(Fraction(entry // g) for entry in ints) if g else tuple(Fraction(0) for _ in row)


def _fourier_motzkin(rows: list[Vector], dim: int, max_rows: int) -> Vector | Literal[False] | None:
    """Eliminate variables dim-1, ..., 0; back-substitute a witness, or prove infeasibility."""
    stages: list[list[Vector]] = []
    current = sorted({_normalise(r) for r in rows})
    for k in range(dim - 1, -1, -1):
        stages.append(current)
        positive = [r for r in current if r[k] > 0]
        negative = [r for r in current if r[k] < 0]
        nxt = {r for r in current if r[k] == 0}
        for p in positive:
            for q in negative:
                combined = tuple(-q[k] * a + p[k] * b for a, b in zip(p, q, strict=True))
                nxt.add(_normalise(combined))
        if len(nxt) > max_rows:
            return None
        current = sorted(nxt)
    if any(all(v == 0 for v in r) for r in current):
        return False  # 0 > 0 was derived: infeasible
    values = [Fraction(0)] * dim
    for k, stage in zip(range(dim), reversed(stages), strict=True):
        values[k] = _pick_value(stage, k, values)
    return tuple(values)


def _pick_value(stage: list[Vector], k: int, values: list[Fraction]) -> Fraction:
    """A value of x_k strictly inside the bounds that ``stage`` puts on it, given x_0..x_{k-1}."""
    lower: Fraction | None = None
    upper: Fraction | None = None
    for r in stage:
        if r[k] == 0:
            continue
        rest = sum((r[m] * values[m] for m in range(k)), Fraction(0))
        bound = -rest / r[k]
        if r[k] > 0:
            lower = bound if lower is None else max(lower, bound)
        else:
            upper = bound if upper is None else min(upper, bound)
    if lower is None and upper is None:
        return Fraction(0)
    if lower is None:
        assert upper is not None
        return upper - 1
    if upper is None:
        return lower + 1
    return (lower + upper) / 2


@dataclass(frozen=True)
class SideChoices:
    """Every side choice of a strict homogeneous sign system, decided exactly.

    For vectors u_1..u_t, a choice sigma in {0, 1}^t (1: ``u_m . d > 0``, 0: ``u_m . d < 0``) is
    *realisable* when some d satisfies all t strict inequalities. ``realisable`` lists every
    realisable choice with an exact witness d; ``pruned`` lists prefixes (choices for u_1..u_j)
    proved infeasible by a Farkas (Gordan) vector mu >= 0, mu != 0 with
    sum_m mu_m s_m u_m = 0 (s_m = +1 / -1 for side 1 / 0). Together they are complete: every
    choice either is listed or extends a pruned prefix.
    """

    realisable: tuple[tuple[tuple[int, ...], Vector], ...]
    pruned: tuple[tuple[tuple[int, ...], tuple[Fraction, ...]], ...]


def side_choices(vectors: Sequence[Sequence[Fraction]], *, limit: int = 100_000) -> SideChoices:
    """Depth-first over the sides of u_1, u_2, ...: a prefix is extended only while its strict
    system stays feasible, so the work grows with the number of realisable choices (times t), not
    with 2^t. ``limit`` bounds the number of prefixes examined (then ``BudgetExceeded``).

    A child whose new inequality the parent's witness already satisfies needs no test; the other
    child is decided by Fourier-Motzkin (a witness) and, when infeasible, an exact Gordan vector.
    Results are cached by the vectors (the same ties are asked for by several routes)."""
    key = tuple(tuple(Fraction(v) for v in u) for u in vectors)
    return _side_choices(key, limit)


@lru_cache(maxsize=64)
def _side_choices(rows: tuple[Vector, ...], limit: int) -> SideChoices:
    realisable: list[tuple[tuple[int, ...], Vector]] = []
    pruned: list[tuple[tuple[int, ...], tuple[Fraction, ...]]] = []
    stack: list[tuple[tuple[int, ...], Vector | None]] = [((), None)]
    examined = 0
    while stack:
        prefix, witness = stack.pop()
        examined += 1
        if examined > limit:
            raise BudgetExceeded(f"more than {limit} side prefixes")
        if len(prefix) == len(rows):
            realisable.append((prefix, witness if witness is not None else ()))
            continue
        u = rows[len(prefix)]
        for side in (0, 1):
            child = (*prefix, side)
            signed_u = u if side else tuple(-v for v in u)
            if witness is not None and _dot(signed_u, witness) > 0:
                stack.append((child, witness))
                continue
            signed = [r if s else tuple(-v for v in r) for r, s in zip(rows, child, strict=False)]
            found = strict_witness(signed)
            if isinstance(found, tuple):
                stack.append((child, found))
                continue
            farkas = gordan_vector(signed)
            if farkas is None:  # feasible, but elimination gave up: no witness to carry on
                raise BudgetExceeded("a feasible sign system without an exact witness")
            pruned.append((child, farkas))
    realisable.sort()
    return SideChoices(tuple(realisable), tuple(pruned))


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


class BudgetExceeded(RuntimeError):
    """The side enumeration examined more prefixes than its limit."""


def gordan_vector(rows: Sequence[Sequence[Fraction]]) -> tuple[Fraction, ...] | None:
    """mu >= 0 with sum mu = 1 and sum_m mu_m rows_m = 0 (so ``rows_m . d > 0`` for all m has no
    solution), or None when none exists (then the strict system is feasible: Gordan's theorem).
    Exact phase-1 simplex; the answer is re-checked before it is returned."""
    if not rows:
        return None
    dim = len(rows[0])
    matrix = [[Fraction(u[c]) for u in rows] for c in range(dim)]
    matrix.append([Fraction(1)] * len(rows))
    mu = nonnegative_solution(matrix, [Fraction(0)] * dim + [Fraction(1)])
    if mu is None:
        return None
    for c in range(dim):
        if sum((m * u[c] for m, u in zip(mu, rows, strict=True)), Fraction(0)) != 0:
            raise AssertionError("a Gordan vector failed its exact re-check")
    return tuple(mu)

"""Exact decision of strict linear systems ``a_m . w > b_m`` (m = 1..M) over the rationals.

Either the open set is non-empty, and a witness w is returned, or it is empty, and a Farkas vector
is returned: mu >= 0, mu != 0, sum_m mu_m a_m = 0 and sum_m mu_m b_m >= 0 (adding up the
inequalities with weights mu would give 0 > sum mu_m b_m >= 0). Exactly one of the two exists
(Motzkin's transposition theorem), and this module always finds it: no float, no solver, no
budget, so it is the fall-back whenever a float LP's answer cannot be rounded to an exact one.

Method. Homogenise with s > 0: u_m = (a_m, -b_m), u_s = (0, ..., 0, 1); the system holds for some
w iff ``u . d > 0`` holds for some d = (w s, s) and every u (Gordan). Its alternative, a mu >= 0
with sum mu_u u = 0 and sum mu_u = 1, is a linear feasibility problem in standard form, decided by
a phase-1 simplex in Fractions with Bland's rule (which terminates). If it is feasible, mu is the
Farkas vector (and b . mu equals the weight of u_s, hence is >= 0). If not, the phase-1 duals pi
satisfy pi . (u, 1) <= 0 for every column and pi_last > 0, so d = -pi[:-1] is the witness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm

from flint import fmpz_mat

Vector = tuple[Fraction, ...]
_ZERO = Fraction(0)


@dataclass(frozen=True)
class StrictAnswer:
    """Exactly one field is set: a point satisfying every inequality, or a Farkas vector."""

    witness: Vector | None = None
    farkas: Vector | None = None


def decide_strict(
    rows: Sequence[Sequence[Fraction]],
    rhs: Sequence[Fraction],
    *,
    columns: Sequence[int] | None = None,
) -> StrictAnswer:
    """Decide ``rows[m] . w > rhs[m]`` for all m, exactly; the answer is re-checked before return.

    With ``columns`` only those inequalities are considered (a float LP's guess of the ones that
    matter); a Farkas vector found then is still of full length M (zeros elsewhere), but a witness
    of the subsystem need not satisfy the others, so callers pass ``columns`` only to look for a
    Farkas vector and ignore a witness.
    """
    if len(rows) != len(rhs):
        raise ValueError(f"decide_strict: {len(rows)} rows but {len(rhs)} right-hand sides")
    if not rows:
        raise ValueError("decide_strict: needs at least one inequality (and the dimension)")
    dim = len(rows[0])
    chosen = list(range(len(rows))) if columns is None else sorted(set(columns))
    gordan = [(*map(Fraction, rows[m]), -Fraction(rhs[m])) for m in chosen]
    gordan.append((*(Fraction(0) for _ in range(dim)), Fraction(1)))
    mu, pi = _phase_one(gordan)
    if mu is not None:
        full = [Fraction(0)] * len(rows)
        for position, m in enumerate(chosen):
            full[m] = mu[position]
        farkas = integral(full)
        if not is_farkas(rows, rhs, farkas):
            raise AssertionError("decide_strict: the Farkas vector failed its exact re-check")
        return StrictAnswer(farkas=farkas)
    assert pi is not None
    d = [-v for v in pi[: dim + 1]]
    witness = tuple(v / d[dim] for v in d[:dim])
    if columns is None and not satisfies(rows, rhs, witness):
        raise AssertionError("decide_strict: the witness failed its exact re-check")
    return StrictAnswer(witness=witness)


def farkas_on_support(
    rows: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], support: Sequence[int]
) -> Vector | None:
    """A Farkas vector using only the inequalities in ``support`` (a float LP's active duals),
    or None if there is none there. Fast path: a one-dimensional null space of those rows, in
    integers; otherwise the exact phase 1 restricted to ``support``."""
    chosen = sorted(set(support))
    if not chosen:
        return None
    dim = len(rows[0])
    scales = [lcm(*(Fraction(v).denominator for v in rows[m])) for m in chosen]
    entries = [int(rows[m][r] * s) for r in range(dim) for m, s in zip(chosen, scales, strict=True)]
    basis, nullity = fmpz_mat(dim, len(chosen), entries).nullspace()
    if nullity == 1:  # sum_c v_c (s_c a_m) = 0 exactly: weights v_c s_c on the chosen rows
        v = [int(basis[c, 0]) * s for c, s in enumerate(scales)]
        if all(e <= 0 for e in v):
            v = [-e for e in v]
        common = gcd(*v)
        bound = sum((Fraction(e) * rhs[m] for e, m in zip(v, chosen, strict=True)), Fraction(0))
        if common and min(v) >= 0 and bound >= 0:
            full = [_ZERO] * len(rows)
            for m, e in zip(chosen, v, strict=True):
                full[m] = Fraction(e // common)
            return tuple(full)
    return decide_strict(rows, rhs, columns=chosen).farkas


def satisfies(
    rows: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], w: Sequence[Fraction]
) -> bool:
    """Every ``rows[m] . w > rhs[m]``, exactly."""
    return all(
        sum((a * v for a, v in zip(row, w, strict=True)), Fraction(0)) > b
        for row, b in zip(rows, rhs, strict=True)
    )


def is_farkas(
    rows: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], mu: Sequence[Fraction]
) -> bool:
    """mu >= 0, mu != 0, sum mu_m rows[m] = 0 and sum mu_m rhs[m] >= 0, exactly."""
    if len(mu) != len(rows) or not any(mu) or min(mu) < 0:
        return False
    dim = len(rows[0])
    total = [Fraction(0)] * dim
    bound = Fraction(0)
    for row, b, weight in zip(rows, rhs, mu, strict=True):
        if weight:
            for c in range(dim):
                total[c] += weight * row[c]
            bound += weight * b
    return not any(total) and bound >= 0


def integral(vector: Sequence[Fraction]) -> Vector:
    """The positive multiple of ``vector`` with coprime integer entries (zero stays zero)."""
    scale = lcm(*(Fraction(v).denominator for v in vector if v)) if any(vector) else 1
    ints = [int(Fraction(v) * scale) if v else 0 for v in vector]
    common = gcd(*ints) if ints else 0
    if common == 0:
        return tuple(_ZERO for _ in ints)
    return tuple(Fraction(v // common) if v else _ZERO for v in ints)


def _phase_one(
    gordan: list[tuple[Fraction, ...]],
) -> tuple[list[Fraction] | None, list[Fraction] | None]:
    """Phase 1 of the simplex method on {mu >= 0 : sum_u mu_u u = 0, sum_u mu_u = 1}.

    Returns (mu, None) when feasible, else (None, pi) with the optimal phase-1 duals pi. Columns
    are the vectors of ``gordan``; rows are their coordinates plus the normalisation row.
    """
    width = len(gordan)
    rows = len(gordan[0]) + 1
    target = [Fraction(0)] * (rows - 1) + [Fraction(1)]
    tableau = [
        [*(u[r] if r < rows - 1 else Fraction(1) for u in gordan)]
        + [Fraction(int(c == r)) for c in range(rows)]
        + [target[r]]
        for r in range(rows)
    ]
    basis = [width + r for r in range(rows)]
    # reduced costs c_j - c_B B^-1 A_j (artificials cost 1), and minus the objective value last
    cost = [-sum((tableau[r][j] for r in range(rows)), Fraction(0)) for j in range(width)]
    cost += [Fraction(0)] * rows + [-sum(target, Fraction(0))]
    while True:
        entering = next((j for j in range(width + rows) if cost[j] < 0), None)
        if entering is None:
            break
        leaving = _ratio_test(tableau, basis, entering)
        _pivot(tableau, cost, leaving, entering)
        basis[leaving] = entering
    if cost[-1] == 0:  # objective 0: the artificials are all zero
        mu = [Fraction(0)] * width
        for r, var in enumerate(basis):
            if var < width:
                mu[var] = tableau[r][-1]
        return mu, None
    return None, [1 - cost[width + r] for r in range(rows)]


def _ratio_test(tableau: list[list[Fraction]], basis: list[int], entering: int) -> int:
    """Bland's rule: the smallest ratio, ties broken by the smallest basic variable index."""
    best: tuple[Fraction, int, int] | None = None
    for r, row in enumerate(tableau):
        if row[entering] > 0:
            key = (row[-1] / row[entering], basis[r], r)
            if best is None or key < best:
                best = key
    if best is None:  # phase 1 is bounded below by 0, so this cannot happen
        raise AssertionError("phase-1 simplex: unbounded direction")
    return best[2]


def _pivot(
    tableau: list[list[Fraction]], cost: list[Fraction], leaving: int, entering: int
) -> None:
    pivot_row = tableau[leaving]
    factor = pivot_row[entering]
    pivot_row[:] = [v / factor for v in pivot_row]
    for row in [*tableau, cost]:
        if row is pivot_row or not row[entering]:
            continue
        scale = row[entering]
        row[:] = [v - scale * p if p else v for v, p in zip(row, pivot_row, strict=True)]

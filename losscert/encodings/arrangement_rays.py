"""One neuron's realisable patterns by ray enumeration: no LP, integer arithmetic throughout.

Applies to a *central* arrangement (one breakpoint, at 0: relu, leaky relu) whose augmented
samples x~_i = [x_i; 1] span R^D (D = d_X + 1) and are in general position (no D - 1 of them
dependent with a further one: every line where D - 1 hyperplanes x~_i . w~ = 0 meet lies on no
other). Otherwise :func:`ray_patterns` returns None and the caller uses the prefix-tree search of
:mod:`losscert.encodings.arrangement`.

Why it is complete. A region {w~ : s_i x~_i . w~ > 0} is an open cone whose closure is pointed
(the x~_i span R^D), so the closure has an extreme ray r, and r lies on D - 1 hyperplanes with
independent normals: one of the lines of the arrangement. Near r the signs off those D - 1
hyperplanes are those of r; on them, in general position, every one of the 2^{D-1} sign choices
is realised (the normals are independent). So the patterns are exactly: for every (D - 1)-subset
T with a line r (and -r), the signs of r off T with every sign choice on T. Each is listed once.

Witnesses, exact in integers: with d_j (j in T) the direction orthogonal to r and to the other
normals of T, oriented so that x~_j . d_j > 0, and u = sum_j sigma_j d_j, the point
w~ = M r + u with M = 1 + max_i |x~_i . u| has x~_j . w~ = sigma_j x~_j . d_j on T and the sign of
x~_i . r elsewhere (|x~_i . r| >= 1 for integer data). Every witness is re-checked exactly.
Only searching (the subsets' directions and signs) runs in numpy int64, and only when a bound on
every intermediate number shows it cannot overflow; otherwise None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations

import numpy as np

INT64_SAFE = 2**62
MAX_SUBSETS = 2_000_000
"""The most (D - 1)-subsets handled at once (memory: one row of n signs per subset and sign)."""


def ray_patterns(
    inputs: Sequence[Sequence[Fraction]], breakpoints: Sequence[Fraction]
) -> list[tuple[tuple[int, ...], tuple[Fraction, ...]]] | None:
    """Every realisable pattern with an exact witness, in lexicographic order, or None when the
    data are not a central arrangement in general position (or too large for this method)."""
    if [Fraction(p) for p in breakpoints] != [0] or not inputs:
        return None
    points = [[*map(Fraction, x), Fraction(1)] for x in inputs]
    n, dim = len(points), len(points[0])
    scale = math.lcm(*(v.denominator for x in points for v in x))
    rows = [[int(v * scale) for v in x] for x in points]  # same signs as x~_i . w~
    if n < dim or math.comb(n, dim - 1) > MAX_SUBSETS:
        return None
    big = max(abs(v) for row in rows for v in row)
    minor_bound = math.factorial(dim - 1) * big ** (dim - 1)  # |x~ . r| <= dim big minor_bound
    u_bound = math.factorial(dim - 1) * max(1, big) ** (dim - 2)  # the d_j, summed
    if dim * big * max(minor_bound, u_bound) >= INT64_SAFE:
        return None
    a = np.array(rows, dtype=np.int64)
    if _exact_rank(rows) < dim:
        return None
    subsets = np.array(list(combinations(range(n), dim - 1)), dtype=np.int64)
    directions = _cross(a[subsets])  # K x D, orthogonal to the subset's rows
    keep = np.any(directions != 0, axis=1)
    subsets, directions = subsets[keep], directions[keep]
    if len(subsets) == 0:
        return None
    products = directions @ a.T  # K x n, exact (bounded above)
    if np.any(np.count_nonzero(products == 0, axis=1) != dim - 1):
        return None  # a line on more than D - 1 hyperplanes: not in general position
    found = _unique_patterns(products > 0, subsets, dim)
    patterns = sorted(found)
    generators = np.array([found[p] for p in patterns], dtype=np.int64)  # k, direction, choice
    witnesses = _witnesses(a, directions, products, subsets, generators, patterns)
    if witnesses is None:
        return None  # cannot happen by the argument above; the caller falls back
    return list(zip(patterns, witnesses, strict=True))


def _unique_patterns(
    positive: np.ndarray, subsets: np.ndarray, dim: int
) -> dict[tuple[int, ...], tuple[int, int, int]]:
    """pattern -> (subset index, direction +-1, signs on the subset as the bits of an integer)
    of its first generator (all generators stacked, packed to bits and made unique at once)."""
    count = positive.shape[0]
    rows_index = np.arange(count)[:, None]
    variants = [(direction, choice) for direction in (1, -1) for choice in range(2 ** (dim - 1))]
    stacked = []
    for direction, choice in variants:
        patterns = positive.copy() if direction == 1 else ~positive
        sigma = [bool((choice >> j) & 1) for j in range(dim - 1)]
        patterns[rows_index, subsets] = np.array(sigma, dtype=bool)
        stacked.append(patterns)
    every = np.concatenate(stacked)
    _, first = np.unique(np.packbits(every, axis=1), axis=0, return_index=True)
    keys = map(tuple, every[first].astype(np.int64).tolist())
    return {
        key: (g % count, *variants[g // count]) for key, g in zip(keys, first.tolist(), strict=True)
    }


def _witnesses(
    a: np.ndarray,
    directions: np.ndarray,
    products: np.ndarray,
    subsets: np.ndarray,
    generators: np.ndarray,
    patterns: list[tuple[int, ...]],
) -> list[tuple[Fraction, ...]] | None:
    """w~ = M (direction r) + u for every pattern, with z_i = x~_i . w~ = direction M (x~_i . r)
    + x~_i . u: off the subset |x~_i . r| >= 1 and M > |x~_i . u|, so z_i has the sign of
    direction x~_i . r; on it x~_i . r = 0 and u is built so that x~_i . u has the chosen sign.
    u = sum_j s_j d_j with d_j orthogonal to the subset's other rows (the cross product of them
    and a unit vector e_c, c chosen so that x~_j . d_j != 0). All of it in int64 (the caller
    bounded every number); the final M r + u in Python integers."""
    count, dim = len(generators), a.shape[1]
    k, direction, choice = generators[:, 0], generators[:, 1], generators[:, 2]
    members = subsets[k]  # P x (D - 1)
    rows = np.arange(count)
    u = np.zeros((count, dim), dtype=np.int64)
    eye = np.eye(dim, dtype=np.int64)
    for j in range(dim - 1):
        others = a[np.delete(members, j, axis=1)]  # P x (D - 2) x D
        best = np.zeros((count, dim), dtype=np.int64)
        best_along = np.zeros(count, dtype=np.int64)
        for c in range(dim):
            unit = np.broadcast_to(eye[c], (count, 1, dim))
            d = _cross(np.concatenate([others, unit], axis=1))
            along = np.einsum("pd,pd->p", a[members[:, j]], d)
            better = np.abs(along) > np.abs(best_along)
            best[better], best_along[better] = d[better], along[better]
        if np.any(best_along == 0):
            return None
        wanted = np.where((choice >> j) & 1, 1, -1)
        u += (np.sign(best_along) * wanted)[:, None] * best
    q = u @ a.T  # P x n: x~_i . u
    m = 1 + np.max(np.abs(q), axis=1)
    chosen = np.array(patterns, dtype=np.int64)
    on = np.zeros_like(chosen, dtype=bool)
    on[rows[:, None], members] = True
    z_sign = np.where(on, np.sign(q), direction[:, None] * np.sign(products[k]))
    if np.any(z_sign == 0) or np.any((z_sign > 0) != (chosen == 1)):
        return None
    out = []
    for p in range(count):
        mp, dp = int(m[p]), int(direction[p])
        w = [dp * mp * int(r) + int(v) for r, v in zip(directions[k[p]], u[p], strict=True)]
        g = math.gcd(*w)
        out.append(tuple(Fraction(v // g) for v in w))
    return out


def _cross(stack: np.ndarray) -> np.ndarray:
    """For each (D-1) x D integer matrix in ``stack``, the vector c with c_j = (-1)^j times the
    minor without column j: orthogonal to every row (Laplace expansion), exact in int64."""
    count, _, dim = stack.shape
    out = np.empty((count, dim), dtype=np.int64)
    for j in range(dim):
        columns = [c for c in range(dim) if c != j]
        out[:, j] = (-1) ** j * _det(stack[:, :, columns])
    return out


def _det(stack: np.ndarray) -> np.ndarray:
    """Determinants of a stack of small square integer matrices, by cofactor expansion."""
    size = stack.shape[1]
    if size == 1:
        return stack[:, 0, 0]
    total = np.zeros(stack.shape[0], dtype=np.int64)
    for j in range(size):
        rest = [c for c in range(size) if c != j]
        total += (-1) ** j * stack[:, 0, j] * _det(stack[:, 1:, rest])
    return total


def _exact_rank(rows: list[list[int]]) -> int:
    """The rank of an integer matrix, exactly (fraction-free elimination)."""
    work = [list(r) for r in rows]
    rank, dim = 0, len(work[0])
    for c in range(dim):
        pivot = next((i for i in range(rank, len(work)) if work[i][c]), None)
        if pivot is None:
            continue
        work[rank], work[pivot] = work[pivot], work[rank]
        for i in range(len(work)):
            if i != rank and work[i][c]:
                f, g = work[i][c], work[rank][c]
                work[i] = [g * x - f * y for x, y in zip(work[i], work[rank], strict=True)]
        rank += 1
    return rank

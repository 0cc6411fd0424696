"""One neuron's realisable patterns by vertex enumeration: breakpoints off 0 (hard-tanh, relu6,
shifted relu), no LP, integers throughout.

The hyperplanes are x~_i . w~ = p_k (sample i, breakpoint k) in w~-space R^D (D = d_X + 1). When
the x~_i span R^D, every region (an open polyhedron) has a pointed closure, so it has a vertex v,
the point where D hyperplanes with independent normals meet: D distinct samples T (the two
hyperplanes of one sample are parallel) with one breakpoint kappa_j each. If no other hyperplane
passes through any such v (checked exactly for every one: the data are then in general position),
the D normals at v are independent and every one of the 2^D side choices around v is a region.
So the patterns are exactly: for every D-subset T with det(x~_T) != 0 and every kappa in K^T,
the pieces of x~_i . v off T, and kappa_j or kappa_j + 1 on T. Each is listed once.

Exact in integers: with A_i = E L x~_i and P_k = E L p_k (L, E clearing the denominators of the
data and of the breakpoints; x~_i . w~ = p_k iff A_i . w~ = P_k), v = adj(A_T) P_kappa / det, and
A_i . v is compared with P_k as (A_i adj(A_T)) P_kappa against P_k det. Searching runs in numpy
int64, and only when a bound on every intermediate number shows it cannot overflow; otherwise
:func:`vertex_patterns` returns None and the caller uses the LP prefix-tree search. Witnesses:
w~ = v + eps adj(A_T) sigma / det (so A_j . w~ = P_kappa_j + eps sigma_j on T), eps below every
margin, built and re-checked with exact rationals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations, pairwise, product

import numpy as np

from losscert.encodings.arrangement_rays import ray_patterns

INT64_SAFE = 2**62
MAX_VERTICES = 200_000
"""The most (subset, breakpoint choice) vertices handled."""
MAX_CELLS = 20_000_000
"""The most entries of the S x C x K x n comparison arrays (int64: 160 MB)."""
MAX_DIMENSION = 6
"""The largest D = d_X + 1: the determinants are cofactor expansions, D! terms each (D = 9 takes
seconds per stack); larger inputs take the LP search."""


def _det(m: np.ndarray) -> np.ndarray:
    """Determinants of a stack of small integer matrices (..., k, k), exactly in int64 by
    cofactor expansion along the first row (the caller bounds every intermediate)."""
    k = m.shape[-1]
    if k == 1:
        return m[..., 0, 0]
    total = np.zeros(m.shape[:-2], dtype=np.int64)
    for c in range(k):
        minor = np.delete(np.delete(m, 0, axis=-2), c, axis=-1)
        total += (-1) ** c * m[..., 0, c] * _det(minor)
    return total


def _adjugate(m: np.ndarray) -> np.ndarray:
    """adj(m) for a stack of integer matrices: adj[j, i] = (-1)^(i + j) det(m without row i,
    column j), so m adj(m) = det(m) I."""
    k = m.shape[-1]
    adj = np.zeros(m.shape, dtype=np.int64)
    if k == 1:
        adj[..., 0, 0] = 1
        return adj
    for i in range(k):
        for j in range(k):
            minor = np.delete(np.delete(m, i, axis=-2), j, axis=-1)
            adj[..., j, i] = (-1) ** (i + j) * _det(minor)
    return adj


def vertex_patterns(
    inputs: Sequence[Sequence[Fraction]], breakpoints: Sequence[Fraction]
) -> list[tuple[tuple[int, ...], tuple[Fraction, ...]]] | None:
    """Every realisable pattern with an exact witness, in lexicographic order, or None when the
    data are not in general position with respect to the affine hyperplanes (or too large)."""
    bps = [Fraction(p) for p in breakpoints]
    if not bps or not inputs:
        return None
    points = [[*map(Fraction, x), Fraction(1)] for x in inputs]
    n, dim, top = len(points), len(points[0]), len(bps)
    vertices = math.comb(n, dim) * top**dim if n >= dim else 0
    if not 0 < vertices <= MAX_VERTICES or dim > MAX_DIMENSION:
        return None
    if vertices * top * n > MAX_CELLS:
        return None
    scale = math.lcm(*(v.denominator for x in points for v in x)) * math.lcm(
        *(p.denominator for p in bps)
    )
    rows = [[int(v * scale) for v in x] for x in points]
    levels = [int(p * scale) for p in bps]
    big = max(abs(v) for row in rows for v in row)
    level = max(abs(p) for p in levels)
    det_bound = math.factorial(dim) * big**dim
    # |A_i adj P| <= dim big (dim-1)! big^(dim-1) dim level; |P det| <= level det_bound
    if dim * det_bound * level * 2 >= INT64_SAFE or det_bound * dim >= INT64_SAFE:
        return None
    a = np.array(rows, dtype=np.int64)
    subsets = np.array(list(combinations(range(n), dim)), dtype=np.int64)
    blocks = a[subsets]  # S x D x D
    dets = _det(blocks)
    keep = dets != 0
    if not keep.any():
        return None  # the samples do not span R^D
    subsets, blocks, dets = subsets[keep], blocks[keep], dets[keep]
    signs = np.sign(dets)
    adj = _adjugate(blocks) * signs[:, None, None]  # so that det > 0 below
    dets = dets * signs
    mapped = np.einsum("nd,sde->sne", a, adj)  # S x n x D: A_i adj(A_T)
    # kappa constant: the vertex would be the centre c_k = (0, p_k), on every hyperplane of
    # breakpoint k (x~_i = [x_i; 1]); those regions come from the central arrangement below
    choices = np.array(
        [c for c in product(range(top), repeat=dim) if len(set(c)) > 1], dtype=np.int64
    ).reshape(-1, dim)  # C x D
    targets = np.array(levels, dtype=np.int64)[choices]  # C x D: P_kappa
    values = np.einsum("sne,ce->scn", mapped, targets)  # S x C x n: det (A_i . v)
    thresholds = np.array(levels, dtype=np.int64)[None, None, :, None] * dets[:, None, None, None]
    compare = values[:, :, None, :] - thresholds  # S x C x K x n
    pieces = np.sum(compare > 0, axis=2)  # the number of breakpoints below A_i . v
    on = np.sum(compare == 0, axis=2)  # hyperplanes through v, per sample
    count, n_choices = len(subsets), len(choices)
    member = np.zeros((count, n), dtype=bool)
    member[np.arange(count)[:, None], subsets] = True
    if np.any(on[member[:, None, :].repeat(n_choices, axis=1)] != 1) or np.any(
        on[~member[:, None, :].repeat(n_choices, axis=1)] != 0
    ):
        return None  # some vertex lies on more than D hyperplanes: not in general position
    found: dict[tuple[int, ...], tuple[int, int, int]] = {}
    base = pieces.reshape(count * n_choices, n)
    if n_choices == 0:
        base = np.zeros((0, n), dtype=np.int64)
    owner = np.repeat(np.arange(count), n_choices)  # row s C + c of base: subset s, choice c
    kappa = np.tile(choices, (count, 1))
    every_row = np.arange(len(owner))[:, None]
    for sigma in range(2**dim):
        variant = base.copy()
        chosen = np.array([(sigma >> j) & 1 for j in range(dim)], dtype=np.int64)
        variant[every_row, subsets[owner]] = kappa + chosen
        _, first = np.unique(variant.astype(np.int8), axis=0, return_index=True)
        for g in first.tolist():
            key = tuple(variant[g].tolist())
            if key not in found:
                found[key] = (g // n_choices, g % n_choices, sigma)
    central = ray_patterns(inputs, [Fraction(0)])
    if central is None:
        return None  # the central arrangement at the centres is not in general position
    witnesses: dict[tuple[int, ...], tuple[Fraction, ...]] = {}
    for k in range(top):
        for signs, w0 in central:  # near c_k: piece k below p_k, k + 1 above
            pattern = tuple(k + s for s in signs)
            if pattern not in witnesses and pattern not in found:
                witness = _central_witness(points, bps, k, w0, pattern)
                if witness is None:
                    return None
                witnesses[pattern] = witness
    for pattern, (s, c, sigma) in found.items():
        witness = _integer_witness(
            rows, levels, adj[s], int(dets[s]), targets[c], values[s, c], mapped[s], sigma, pattern
        )
        if witness is None:
            witness = _witness(points, bps, rows, levels, subsets[s], choices[c], sigma, pattern)
        if witness is None:
            return None  # cannot happen by the argument above; the caller falls back
        witnesses[pattern] = witness
    return sorted(witnesses.items())


def _integer_witness(
    rows: list[list[int]],
    levels: list[int],
    adj: np.ndarray,
    det: int,
    target: np.ndarray,
    values: np.ndarray,
    mapped: np.ndarray,
    sigma: int,
    pattern: tuple[int, ...],
) -> tuple[Fraction, ...] | None:
    """The witness w~ = (adj P_kappa 2^e + adj sigma) / (2^e det), eps = 2^-e chosen by floats
    from the margins det (A_i . v) - P_k det (``values``) and slopes A_i adj sigma (``mapped``),
    then every sample re-checked exactly in Python integers; None when that check fails."""
    dim = adj.shape[0]
    side = np.array([1 if (sigma >> t) & 1 else -1 for t in range(dim)], dtype=np.int64)
    slopes = np.abs(mapped @ side).astype(float)
    margins = np.min(np.abs(values[:, None] - np.array(levels)[None, :] * det), axis=1)
    margins = margins.astype(float)
    positive = margins > 0
    ratio = max(
        [1.0, *((2 * (slopes[positive] + det) / margins[positive]).tolist())],
    )
    gaps = [b - a for a, b in pairwise(levels)]
    if gaps:
        ratio = max(ratio, 2.0 / min(gaps))
    e = max(0, math.ceil(math.log2(ratio)) + 2)
    big = [int(v) for v in (adj @ target)]
    small = [int(v) for v in (adj @ side)]
    numerators = [(b << e) + t for b, t in zip(big, small, strict=True)]
    den = det << e
    thresholds = [p * den for p in levels]
    for row, k in zip(rows, pattern, strict=True):
        z = sum(a * b for a, b in zip(row, numerators, strict=True))
        if (k > 0 and not z > thresholds[k - 1]) or (k < len(levels) and not z < thresholds[k]):
            return None
    return tuple(Fraction(v, den) for v in numerators)


def _central_witness(
    points: list[list[Fraction]],
    bps: list[Fraction],
    k: int,
    w0: tuple[Fraction, ...],
    pattern: tuple[int, ...],
) -> tuple[Fraction, ...] | None:
    """c_k + eps w0 (w0 a witness of the central arrangement's pattern), eps so small that no
    sample leaves the two pieces next to p_k; None unless every sample is strictly inside."""
    gaps = [b - a for a, b in pairwise(bps)]
    reach = max(abs(sum((a * b for a, b in zip(x, w0, strict=True)), Fraction(0))) for x in points)
    eps = Fraction(1) if not gaps else min(gaps) / (2 * (reach + 1))
    w = (*(eps * v for v in w0[:-1]), bps[k] + eps * w0[-1])
    for x, piece in zip(points, pattern, strict=True):
        z = sum((a * b for a, b in zip(x, w, strict=True)), Fraction(0))
        if (piece > 0 and not z > bps[piece - 1]) or (piece < len(bps) and not z < bps[piece]):
            return None
    return w


def _witness(
    points: list[list[Fraction]],
    bps: list[Fraction],
    rows: list[list[int]],
    levels: list[int],
    subset: np.ndarray,
    kappa: np.ndarray,
    sigma: int,
    pattern: tuple[int, ...],
) -> tuple[Fraction, ...] | None:
    """w~ = v + eps u, exact: v on the subset's chosen hyperplanes, A_j . u = +-1 on the subset,
    eps below half of every margin; None unless every sample is strictly in its piece."""
    members = [int(j) for j in subset]
    dim = len(members)
    matrix = [[Fraction(rows[j][c]) for c in range(dim)] for j in members]
    inverse = _inverse(matrix)
    target = [Fraction(levels[int(k)]) for k in kappa]
    side = [Fraction(1 if (sigma >> t) & 1 else -1) for t in range(dim)]
    v = [sum((inverse[c][t] * target[t] for t in range(dim)), Fraction(0)) for c in range(dim)]
    u = [sum((inverse[c][t] * side[t] for t in range(dim)), Fraction(0)) for c in range(dim)]
    gaps = [b - a for a, b in pairwise(levels)]
    eps = Fraction(min(gaps), 2) if gaps else Fraction(1)
    for i, row in enumerate(rows):
        if i in members:
            continue
        at = sum((r * x for r, x in zip(row, v, strict=True)), Fraction(0))
        margin = min(abs(at - p) for p in levels)
        slope = abs(sum((r * x for r, x in zip(row, u, strict=True)), Fraction(0)))
        eps = min(eps, margin / (2 * (slope + 1)))
    w = tuple(x + eps * y for x, y in zip(v, u, strict=True))
    for x, k in zip(points, pattern, strict=True):
        z = sum((a * b for a, b in zip(x, w, strict=True)), Fraction(0))
        if (k > 0 and not z > bps[k - 1]) or (k < len(bps) and not z < bps[k]):
            return None
    return w


def _inverse(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """The exact inverse of a nonsingular matrix (Gauss-Jordan on Fractions; D <= 4 here)."""
    dim = len(matrix)
    work = [[*row, *(Fraction(int(i == j)) for j in range(dim))] for i, row in enumerate(matrix)]
    for c in range(dim):
        pivot = next(r for r in range(c, dim) if work[r][c] != 0)
        work[c], work[pivot] = work[pivot], work[c]
        head = work[c][c]
        work[c] = [v / head for v in work[c]]
        for r in range(dim):
            if r != c and work[r][c] != 0:
                factor = work[r][c]
                work[r] = [a - factor * b for a, b in zip(work[r], work[c], strict=True)]
    return [row[dim:] for row in work]

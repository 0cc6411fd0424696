"""Section 3.10-3.12 of docs/certificate.md: paths theta(t), t in [0, 1], through one cell.

A path is given by a common denominator q(t) and one numerator p_a(t) per parameter:
theta_a(t) = p_a(t) / q(t). Inside a cell every activation is affine, so a pre-activation of
hidden layer j is N(t) / q(t)^j with N a polynomial ("homogenised" propagation below), and an
output is N(t) / q(t)^L (up to a constant factor, below). Signs of polynomials on [0, 1] are proved with Bernstein coefficients:
if every coefficient of P in the Bernstein basis of an interval is >= 0 (> 0), then P >= 0 (> 0) on
the interval; otherwise the interval is halved (de Casteljau), up to a fixed depth.

All of it runs on integer polynomials: the path's numerators and denominator are multiplied by one
common integer (theta(t) does not change), the inputs and the activation's pieces are put over one
denominator each (scaled.py), and a pre-activation of hidden layer j is N(t) / (c_j q(t)^j) with
N an integer polynomial and c_j a positive integer. Bernstein coefficients and their halvings are
kept multiplied by one positive integer per list, which does not change a sign.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from itertools import pairwise
from math import comb, lcm
from operator import mul
from typing import Any

from .calculus import Poly
from .problem import Problem
from .scaled import ScaledActivation, common

MAX_SUBDIVISION_DEPTH = 12
IntPoly = list[int]


def evaluate(p: Poly, t: Fraction) -> Fraction:
    value = Fraction(0)
    for coefficient in reversed(p):
        value = value * t + coefficient
    return value


def power(p: IntPoly, k: int) -> IntPoly:
    out: IntPoly = [1]
    for _ in range(k):
        out = _mul(out, p)
    return out


def is_zero(p: Poly | IntPoly) -> bool:
    return all(v == 0 for v in p)


def _add(p: IntPoly, q: IntPoly) -> IntPoly:
    if len(p) < len(q):
        p, q = q, p
    return [a + b for a, b in zip(p, q, strict=False)] + p[len(q) :]


def _mul(p: IntPoly, q: IntPoly) -> IntPoly:
    out = [0] * (len(p) + len(q) - 1) if p and q else []
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] += a * b
    return out


def _scale(p: IntPoly, c: int) -> IntPoly:
    return [c * v for v in p]


def integer_path(denominator: Poly, numerators: list[Poly]) -> tuple[IntPoly, list[IntPoly]]:
    """q and p_a times the least common denominator of all their coefficients (same theta(t))."""
    scale = lcm(*(v.denominator for p in [denominator, *numerators] for v in p))
    return (
        [int(v * scale) for v in denominator],
        [[int(v * scale) for v in p] for p in numerators],
    )


@cache
def _bernstein_matrix(n: int) -> tuple[tuple[int, ...], ...]:
    """Rows j of C(j, i) M / C(n, i), M = lcm(C(n, 0), ..., C(n, n)): integers."""
    big = lcm(*(comb(n, i) for i in range(n + 1)))
    return tuple(
        tuple(comb(j, i) * (big // comb(n, i)) for i in range(j + 1)) for j in range(n + 1)
    )


def _bernstein(p: Poly | IntPoly) -> list[Any]:
    """Coefficients of p in the Bernstein basis of degree n = len(p) - 1 on [0, 1], all times
    M = lcm(C(n, 0), ..., C(n, n)) (integers when p has integer coefficients)."""
    return [sum(map(mul, row, p)) for row in _bernstein_matrix(len(p) - 1)]


def _halves(b: list[Any]) -> tuple[list[Any], list[Any]]:
    """de Casteljau at 1/2: the Bernstein coefficients on the two halves of the interval, both
    times 2^n (level k of the scheme holds sums of 2^k entries, not means)."""
    n = len(b) - 1
    left, right = [b[0] * 2**n], [b[-1] * 2**n]
    current = b
    for k in range(1, n + 1):
        current = [u + v for u, v in pairwise(current)]
        left.append(current[0] * 2 ** (n - k))
        right.append(current[-1] * 2 ** (n - k))
    return left, right[::-1]


def nonnegative_on_unit_interval(p: Poly | IntPoly, *, strict: bool = False) -> bool:
    """True when p >= 0 (p > 0 if strict) on all of [0, 1] is proved; False when not proved."""
    if not p:
        return not strict
    stack = [(_bernstein(p), 0)]
    while stack:
        b, depth = stack.pop()
        if all((v > 0) if strict else (v >= 0) for v in b):
            continue
        if b[0] < 0 or b[-1] < 0 or (strict and (b[0] == 0 or b[-1] == 0)):
            return False  # the value at an end point of this piece violates the bound
        if depth >= MAX_SUBDIVISION_DEPTH:
            return False
        left, right = _halves(b)
        stack.extend([(left, depth + 1), (right, depth + 1)])
    return True


def _padded(p: IntPoly, length: int) -> IntPoly:
    return p + [0] * (length - len(p))


def homogenised_forward(
    problem: Problem,
    denominator: IntPoly,
    numerators: list[IntPoly],
    pattern: list[list[list[int]]],
) -> tuple[list[list[list[IntPoly]]], list[int], list[list[IntPoly]], int]:
    """Integer pre-activation numerators pre[j][r][i] over c_j q^(j+1) (c_j = scales[j]), and
    integer output numerators out[i][k] over c_L q^L, with every activation replaced by the affine
    map of its piece in ``pattern``. The path's polynomials must have integer coefficients.

    The length of a polynomial (its coefficient list, trailing zeros kept) depends only on the
    layer and the neuron, never on the sample: it is len(p) + len(q) - 1 for a product and the
    longer length for a sum, whatever the values. So each neuron's length is found once, and
    sums and affine maps run on lists padded to it (the same lists as term-by-term addition)."""
    act = ScaledActivation.of(problem.activation)
    layers = problem.layers(numerators)
    data = common([v for x in problem.inputs for v in x])
    d_x = problem.widths[0]
    pre: list[list[list[IntPoly]]] = [[[] for _ in range(w)] for w in problem.widths[1:-1]]
    scales = [data.den * act.den**j for j in range(len(layers))]  # c_j of layer j's inputs
    q_powers = [power(denominator, k) for k in range(len(layers) + 1)]
    # per row, only the non-zero weight numerators (the collapse is sparse)
    sparse = [[[(c, wc) for c, wc in enumerate(wr) if any(wc)] for wr in w] for w, _ in layers]
    # z = sum (p_w / q) (A / (c q^j)) + p_b / q = (sum p_w A + p_b c q^j) / (c q^(j+1)): the
    # bias terms p_b c q^j and, per piece, the intercept terms T c q^(j+1) of h do not depend on
    # the sample
    biases = [
        [_mul(br, _scale(q_powers[j], scales[j])) for br in b] for j, (_, b) in enumerate(layers)
    ]
    plan = []  # per layer: per row (length, padded bias, sparse terms), per piece (slope, T)
    lengths = [1] * d_x  # of the layer's inputs
    for j in range(len(layers)):
        rows = []
        for row, bias in zip(sparse[j], biases[j], strict=True):
            length = max([len(bias), *(len(wc) + lengths[c] - 1 for c, wc in row)])
            rows.append((length, _padded(bias, length), row))
        intercept = _scale(q_powers[j + 1], scales[j])
        lengths = [max(length, len(intercept)) for length, _, _ in rows]
        affine = [
            [
                (s, _padded(_scale(intercept, t), length))
                for s, t in zip(act.slopes, act.intercepts, strict=True)
            ]
            for length in lengths
        ]
        # a row without weights has z = its bias on every sample: its image per piece, once
        images = [
            None if row else [_affine_image(bias, pieces, length) for pieces in shifts]
            for (_, bias, row), shifts, length in zip(rows, affine, lengths, strict=True)
        ]
        plan.append((rows, affine, lengths, images))
    outputs = []
    last = len(layers) - 1
    for i in range(len(problem.inputs)):
        a: list[IntPoly] = [[v] for v in data.nums[i * d_x : (i + 1) * d_x]]  # over c_0 q^0
        for j, (rows, affine, lengths, images) in enumerate(plan):
            z = []
            for _, bias, row in rows:
                if not row:  # shared by every sample (never changed)
                    z.append(bias)
                    continue
                acc = list(bias)
                for c, wc in row:
                    for s, coefficient in enumerate(a[c]):
                        if coefficient:
                            for t, w in enumerate(wc, s):
                                acc[t] += coefficient * w
                z.append(acc)
            if j == last:
                outputs.append(z)
                break
            # h = (S z + T c q^(j+1)) / (e c q^(j+1)) on the piece: the next c is e c
            a = []
            for r, zr in enumerate(z):
                pre[j][r].append(zr)
                k = pattern[j][r][i]
                image = images[r]
                if image is not None:
                    a.append(image[k])
                    continue
                a.append(_affine_image(zr, affine[r][k], lengths[r]))
    return pre, scales[:-1], outputs, scales[-1]


def _affine_image(z: IntPoly, piece: tuple[int, IntPoly], length: int) -> IntPoly:
    """S z + T c q^(j+1) for the piece's (S, padded T c q^(j+1)), of the given length."""
    slope, shift = piece
    if len(z) < length:
        z = _padded(z, length)
    return [slope * v + u for v, u in zip(z, shift, strict=True)]


def path_exit(
    problem: Problem,
    denominator: Poly,
    numerators: list[Poly],
    pattern: list[list[list[int]]],
    margin: Fraction,
) -> tuple[tuple[int, int, int] | None, list[list[IntPoly]], IntPoly]:
    """The first (layer j, neuron r, sample i) whose pre-activation is not proved to stay
    ``margin`` inside its piece of ``pattern`` for all t in [0, 1] (None when every one is), the
    output numerators and their common denominator polynomial: f(x_i)_k = out[i][k] / D."""
    q, nums = integer_path(denominator, numerators)
    pre, scales, outputs, out_scale = homogenised_forward(problem, q, nums, pattern)
    act = problem.activation
    # per piece: (lower + margin) and (upper - margin) as (numerator, denominator), or None
    ends = [
        tuple(None if v is None else (v.numerator, v.denominator) for v in (lo, hi))
        for lo, hi in (
            (None if lower is None else lower + margin, None if upper is None else upper - margin)
            for lower, upper in map(act.bounds, range(len(act.slopes)))
        )
    ]
    proved: dict[tuple[int, ...], bool] = {}
    for j, layer in enumerate(pre):
        q_j = power(q, j + 1)
        for r, neuron in enumerate(layer):
            if not neuron:
                continue
            length = max(len(neuron[0]), len(q_j))  # the same for every sample (see above)
            checks = [_gap_terms(low, high, q_j, scales[j], length) for low, high in ends]
            decided: set[tuple[int, int]] = set()  # (id of a numerator, piece): proved
            for i, numerator in enumerate(neuron):
                k = pattern[j][r][i]
                same = (id(numerator), k)  # a row without weights shares one numerator
                if same in decided:
                    continue
                decided.add(same)
                if len(numerator) < length:
                    numerator = _padded(numerator, length)
                for factor, shift in checks[k]:
                    # many entries share a polynomial: decide it once
                    gap = tuple([factor * v + u for v, u in zip(numerator, shift, strict=True)])
                    known = proved.get(gap)
                    if known is None:
                        known = proved[gap] = nonnegative_on_unit_interval(list(gap))
                    if not known:
                        return (j, r, i), outputs, []
    return None, outputs, _scale(power(q, problem.depth), out_scale)


def _gap_terms(
    low: tuple[int, int] | None,
    high: tuple[int, int] | None,
    q_j: IntPoly,
    scale: int,
    length: int,
) -> list[tuple[int, IntPoly]]:
    """For a piece with ends g: the gaps as (factor of N, padded polynomial), gap = factor N +
    polynomial: N g.den - g.num c q^j >= 0 at the lower end g = lower + margin, then
    g.num c q^j - g.den N >= 0 at the upper end g = upper - margin."""
    out = []
    if low is not None:
        out.append((low[1], _padded(_scale(q_j, -low[0] * scale), length)))
    if high is not None:
        out.append((-high[1], _padded(_scale(q_j, high[0] * scale), length)))
    return out


def output_residue(numerator: IntPoly, denominator: IntPoly, value: Fraction) -> IntPoly:
    """numerator * value.den - value.num * denominator: zero iff numerator / denominator = value."""
    return _add(_scale(numerator, value.denominator), _scale(denominator, -value.numerator))

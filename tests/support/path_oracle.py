"""The former loops of losscert/checker/paths.py (homogenised_forward and path_exit before
they were fused), kept as a test oracle: the checker's versions must return exactly these
polynomials and exits."""

from __future__ import annotations

from fractions import Fraction

from losscert.checker.calculus import Poly
from losscert.checker.paths import (
    IntPoly,
    _add,
    _mul,
    _scale,
    integer_path,
    nonnegative_on_unit_interval,
    power,
)
from losscert.checker.problem import Problem
from losscert.checker.scaled import ScaledActivation, common


def homogenised_forward(
    problem: Problem,
    denominator: IntPoly,
    numerators: list[IntPoly],
    pattern: list[list[list[int]]],
) -> tuple[list[list[list[IntPoly]]], list[int], list[list[IntPoly]], int]:
    """Integer pre-activation numerators pre[j][r][i] over c_j q^(j+1) (c_j = scales[j]), and
    integer output numerators out[i][k] over c_L q^L, with every activation replaced by the affine
    map of its piece in ``pattern``. The path's polynomials must have integer coefficients."""
    act = ScaledActivation.of(problem.activation)
    layers = problem.layers(numerators)
    data = common([v for x in problem.inputs for v in x])
    d_x = problem.widths[0]
    pre: list[list[list[IntPoly]]] = [[[] for _ in range(w)] for w in problem.widths[1:-1]]
    scales = [data.den * act.den**j for j in range(len(layers))]  # c_j of layer j's inputs
    q_powers = [power(denominator, k) for k in range(len(layers) + 1)]
    outputs = []
    # per row, only the non-zero weight numerators (the collapse is sparse)
    sparse = [[[(c, wc) for c, wc in enumerate(wr) if any(wc)] for wr in w] for w, _ in layers]
    # z = sum (p_w / q) (A / (c q^j)) + p_b / q = (sum p_w A + p_b c q^j) / (c q^(j+1)): the
    # bias terms p_b c q^j and, per piece, the intercept terms T c q^(j+1) of h do not depend on
    # the sample
    biases = [
        [_mul(br, _scale(q_powers[j], scales[j])) for br in b] for j, (_, b) in enumerate(layers)
    ]
    intercepts = [
        [_scale(q_powers[j + 1], scales[j] * t) for t in act.intercepts] for j in range(len(layers))
    ]
    for i in range(len(problem.inputs)):
        a: list[IntPoly] = [[v] for v in data.nums[i * d_x : (i + 1) * d_x]]  # over c_0 q^0
        for j in range(len(layers)):
            z = []
            for row, acc in zip(sparse[j], biases[j], strict=True):
                for c, wc in row:
                    acc = _add(acc, _mul(wc, a[c]))
                z.append(acc)
            if j == len(layers) - 1:
                outputs.append(z)
                break
            # h = (S z + T c q^(j+1)) / (e c q^(j+1)) on the piece: the next c is e c
            a = []
            for r, zr in enumerate(z):
                pre[j][r].append(zr)
                k = pattern[j][r][i]
                a.append(_add(_scale(zr, act.slopes[k]), intercepts[j][k]))
    return pre, scales[:-1], outputs, scales[-1]


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
            for i, numerator in enumerate(neuron):
                low, high = ends[pattern[j][r][i]]
                gaps = []
                if low is not None:  # N / (c q^j) >= g  <=>  N g.den - g.num c q^j >= 0
                    gaps.append(_add(_scale(numerator, low[1]), _scale(q_j, -low[0] * scales[j])))
                if high is not None:  # g c q^j - N >= 0 with g = upper - margin
                    gaps.append(_add(_scale(q_j, high[0] * scales[j]), _scale(numerator, -high[1])))
                for gap in map(tuple, gaps):  # many entries share a polynomial: decide it once
                    if gap not in proved:
                        proved[gap] = nonnegative_on_unit_interval(list(gap))
                    if not proved[gap]:
                        return (j, r, i), outputs, []
    return None, outputs, _scale(power(q, problem.depth), out_scale)

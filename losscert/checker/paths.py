"""Section 3.10-3.12 of docs/certificate.md: paths theta(t), t in [0, 1], through one cell.

A path is given by a common denominator q(t) and one numerator p_a(t) per parameter:
theta_a(t) = p_a(t) / q(t). Inside a cell every activation is affine, so a pre-activation of
hidden layer j is N(t) / q(t)^j with N a polynomial ("homogenised" propagation below), and an
output is N(t) / q(t)^L. Signs of polynomials on [0, 1] are proved with Bernstein coefficients:
if every coefficient of P in the Bernstein basis of an interval is >= 0 (> 0), then P >= 0 (> 0) on
the interval; otherwise the interval is halved (de Casteljau), up to a fixed depth.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from math import comb

from .calculus import Poly, p_add, p_mul, p_scale
from .problem import Problem

MAX_SUBDIVISION_DEPTH = 12


def evaluate(p: Poly, t: Fraction) -> Fraction:
    value = Fraction(0)
    for coefficient in reversed(p):
        value = value * t + coefficient
    return value


def power(p: Poly, k: int) -> Poly:
    out: Poly = [Fraction(1)]
    for _ in range(k):
        out = p_mul(out, p)
    return out


def is_zero(p: Poly) -> bool:
    return all(v == 0 for v in p)


def _bernstein(p: Poly) -> list[Fraction]:
    """Coefficients of p in the Bernstein basis of degree len(p) - 1 on [0, 1]."""
    n = len(p) - 1
    return [
        sum((Fraction(comb(j, i), comb(n, i)) * p[i] for i in range(j + 1)), Fraction(0))
        for j in range(n + 1)
    ]


def _halves(b: list[Fraction]) -> tuple[list[Fraction], list[Fraction]]:
    """de Casteljau at 1/2: the Bernstein coefficients on the two halves of the interval."""
    left, right = [b[0]], [b[-1]]
    current = b
    while len(current) > 1:
        current = [(u + v) / 2 for u, v in pairwise(current)]
        left.append(current[0])
        right.append(current[-1])
    return left, right[::-1]


def nonnegative_on_unit_interval(p: Poly, *, strict: bool = False) -> bool:
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


def homogenised_forward(
    problem: Problem, denominator: Poly, numerators: list[Poly], pattern: list[list[list[int]]]
) -> tuple[list[list[list[Poly]]], list[list[Poly]]]:
    """Pre-activation numerators pre[j][r][i] (denominator q^(j+1)) and output numerators
    out[i][k] (denominator q^L), with every activation replaced by the affine map of its piece in
    ``pattern``."""
    act = problem.activation
    layers = problem.layers(numerators)
    pre: list[list[list[Poly]]] = [[[] for _ in range(w)] for w in problem.widths[1:-1]]
    outputs = []
    q_powers = [power(denominator, k) for k in range(len(layers) + 1)]
    for i, x in enumerate(problem.inputs):
        a: list[Poly] = [[v] for v in x]  # numerators over q^0 for the input layer
        for j, (w, b) in enumerate(layers):
            # z = sum (p_w / q) (A / q^j) + p_b / q = (sum p_w A + p_b q^j) / q^(j+1)
            z = []
            for wr, br in zip(w, b, strict=True):
                acc = p_mul(br, q_powers[j])
                for wc, ac in zip(wr, a, strict=True):
                    if any(wc):  # zero numerators are common (the collapse is sparse)
                        acc = p_add(acc, p_mul(wc, ac))
                z.append(acc)
            if j == len(layers) - 1:
                outputs.append(z)
                break
            a = []
            for r, zr in enumerate(z):
                pre[j][r].append(zr)
                k = pattern[j][r][i]
                a.append(
                    p_add(p_scale(zr, act.slopes[k]), p_scale(q_powers[j + 1], act.intercepts[k]))
                )
    return pre, outputs

"""The checker's evaluation as it was before it moved to integers (test oracle only).

Plain Fractions, one operation at a time: the exact forward pass, the margin, and the interval
propagation of box_in_cell / box_near_boundary with exact endpoint products. The package's checker
(losscert/checker/scaled.py, boxes.py) must agree with the forward pass exactly and must accept no
box that this propagation rejects (tests/property/test_checker_integer_oracle.py).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from itertools import pairwise
from math import comb

from losscert.checker.problem import Activation, Problem

Interval = tuple[Fraction, Fraction]
Image = Callable[[Fraction, Fraction], Interval]
Region = Callable[[int, int, int], tuple[Fraction | None, Fraction | None, Image]]


def h(act: Activation, z: Fraction) -> Fraction:
    k = sum(1 for p in act.breakpoints if p < z)  # on a breakpoint, the left piece (continuity)
    return act.slopes[k] * z + act.intercepts[k]


def forward(
    problem: Problem, theta: list[Fraction]
) -> tuple[list[list[list[Fraction]]], list[list[Fraction]]]:
    """pre[j][r][i] and outputs[i][k], one Fraction operation at a time."""
    layers = problem.layers(theta)
    pre: list[list[list[Fraction]]] = [[[] for _ in range(w)] for w in problem.widths[1:-1]]
    outputs = []
    for x in problem.inputs:
        a = x
        for j, (w, b) in enumerate(layers):
            z = [
                sum((wr[c] * a[c] for c in range(len(a))), Fraction(0)) + b[r]
                for r, wr in enumerate(w)
            ]
            if j == len(layers) - 1:
                outputs.append(z)
                break
            for r, value in enumerate(z):
                pre[j][r].append(value)
            a = [h(problem.activation, v) for v in z]
    return pre, outputs


def pattern_and_margin(
    problem: Problem, pre: list[list[list[Fraction]]]
) -> tuple[list[list[list[int | None]]], Fraction | None]:
    act = problem.activation
    pattern = [[[act.piece(z) for z in neuron] for neuron in layer] for layer in pre]
    distances = [
        abs(z - p) for layer in pre for neuron in layer for z in neuron for p in act.breakpoints
    ]
    return pattern, (min(distances) if distances else None)


def box_fits(problem: Problem, rho: Fraction, region: Region) -> bool:
    """Exact endpoint-product interval propagation: True when every pre-activation interval lies
    strictly inside its region."""
    layers = problem.layers(problem.point)
    for i, x in enumerate(problem.inputs):
        a = [(v, v) for v in x]
        for j, (w, b) in enumerate(layers[:-1]):
            nxt = []
            for r, (wr, br) in enumerate(zip(w, b, strict=True)):
                lo, hi = br - rho, br + rho
                for wc, (alo, ahi) in zip(wr, a, strict=True):
                    products = [p * q for p in (wc - rho, wc + rho) for q in (alo, ahi)]
                    lo, hi = lo + min(products), hi + max(products)
                lower, upper, image = region(j, r, i)
                if (lower is not None and not lower < lo) or (upper is not None and not hi < upper):
                    return False
                nxt.append(image(lo, hi))
            a = nxt
    return True


def affine_image(act: Activation, k: int) -> Image:
    s, t = act.slopes[k], act.intercepts[k]
    return lambda lo, hi: (min(s * lo + t, s * hi + t), max(s * lo + t, s * hi + t))


def kink_image(act: Activation, b: int) -> Image:
    def image(lo: Fraction, hi: Fraction) -> Interval:
        p = act.breakpoints[b]
        values = (
            act.slopes[b] * lo + act.intercepts[b],
            act.slopes[b] * p + act.intercepts[b],
            act.slopes[b + 1] * hi + act.intercepts[b + 1],
        )
        return min(values), max(values)

    return image


def nonnegative_on_unit_interval(p: list[Fraction], *, strict: bool = False) -> bool:
    """Bernstein coefficients and de Casteljau halvings in Fractions, depth 12."""
    if not p:
        return not strict
    n = len(p) - 1
    first = [
        sum((Fraction(comb(j, i), comb(n, i)) * p[i] for i in range(j + 1)), Fraction(0))
        for j in range(n + 1)
    ]
    stack = [(first, 0)]
    while stack:
        b, depth = stack.pop()
        if all((v > 0) if strict else (v >= 0) for v in b):
            continue
        if b[0] < 0 or b[-1] < 0 or (strict and (b[0] == 0 or b[-1] == 0)) or depth >= 12:
            return False
        left, right, current = [b[0]], [b[-1]], b
        while len(current) > 1:
            current = [(u + v) / 2 for u, v in pairwise(current)]
            left.append(current[0])
            right.append(current[-1])
        stack.extend([(left, depth + 1), (right[::-1], depth + 1)])
    return True

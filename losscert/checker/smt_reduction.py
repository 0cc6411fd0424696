"""Section 3.11.1 of docs/certificate.md: the simplified canonical query's parameter table.

Two reductions, both derived here from the problem, the cell pattern and rho alone (never read
from a certificate), each mapping every theta of the box onto a point the simplified query still
covers, with the same risk (the spec gives the argument):

- **constant neurons**: a hidden neuron whose piece has slope 0 on every sample outputs a constant
  per sample inside the cell, so its incoming weights and bias are fixed at theta* and its piece
  constraints dropped; when those constants are all 0 its outgoing weights are fixed too;
- **rescaling** (activations with every breakpoint and intercept 0: h(a z) = a h(z) for a > 0):
  each other hidden neuron gets an *anchor*, its incoming parameter of largest |theta*_a| (first
  on ties) if that exceeds rho; rescaling the neuron by a > 0 moves the anchor back to theta*_a,
  so the anchor is a constant and the other parameters range over exact interval enclosures of
  their rescaled values.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .problem import Problem

Interval = tuple[Fraction, Fraction]
ONE: Interval = (Fraction(1), Fraction(1))


@dataclass(frozen=True)
class Reduction:
    """bounds[a] = (lo, hi) for a free parameter, None for a fixed one (its theta* value);
    constant[j][r]: hidden neuron r of layer j + 1 acts as a constant (no piece constraints)."""

    bounds: list[Interval | None]
    constant: list[list[bool]]


def _mul(x: Interval, y: Interval) -> Interval:
    products = [p * q for p in x for q in y]
    return min(products), max(products)


def _inv(x: Interval) -> Interval:
    """1 / x for an interval of one sign (never containing 0)."""
    return 1 / x[1], 1 / x[0]


def _indices(problem: Problem) -> list[tuple[list[list[int]], list[int]]]:
    """Per layer, the parameter indices of (W, b), in the order of section 1."""
    return problem.layers(list(range(problem.num_parameters)))


def reduce_parameters(problem: Problem, pattern: list[list[list[int]]], rho: Fraction) -> Reduction:
    act = problem.activation
    theta = problem.point
    layers = _indices(problem)
    constant = [[all(act.slopes[k] == 0 for k in neuron) for neuron in layer] for layer in pattern]
    silent = [  # constant 0 on every sample: the outgoing weights multiply 0
        [
            c and all(act.intercepts[k] == 0 for k in neuron)
            for c, neuron in zip(cl, layer, strict=True)
        ]
        for cl, layer in zip(constant, pattern, strict=True)
    ]
    fixed: set[int] = set()
    for j, (w, b) in enumerate(layers[:-1]):
        for r, is_constant in enumerate(constant[j]):
            if is_constant:
                fixed |= {*w[r], b[r]}
            if silent[j][r]:
                fixed |= {row[r] for row in layers[j + 1][0]}
    homogeneous = all(p == 0 for p in act.breakpoints) and all(t == 0 for t in act.intercepts)
    scale: list[list[Interval]] = []  # the interval of each hidden neuron's factor a
    for j, (w, b) in enumerate(layers[:-1]):
        previous = scale[j - 1] if j > 0 else [ONE] * len(w[0])
        factors = []
        for r in range(len(w)):
            anchor = None
            if homogeneous and not constant[j][r]:
                anchor = _anchor(problem, w[r], b[r], fixed, rho)
            if anchor is None:
                factors.append(ONE)
                continue
            fixed.add(anchor)
            # a_r = theta*_anchor a_c / (anchor's value), with a_c = 1 for a bias or an input
            column = w[r].index(anchor) if anchor in w[r] else None
            source = previous[column] if column is not None else ONE
            value = theta[anchor]
            moved = (value - rho, value + rho)
            factors.append(_mul(_mul((value, value), source), _inv(moved)))
        scale.append(factors)
    bounds: list[Interval | None] = [None] * problem.num_parameters
    for j, (w, b) in enumerate(layers):
        own = scale[j] if j < len(scale) else [ONE] * len(w)
        incoming = scale[j - 1] if j > 0 else [ONE] * len(w[0])
        for r, row in enumerate(w):
            for c, a in enumerate(row):
                if a not in fixed:
                    box = (theta[a] - rho, theta[a] + rho)
                    bounds[a] = _mul(_mul(box, own[r]), _inv(incoming[c]))
            if b[r] not in fixed:
                bounds[b[r]] = _mul((theta[b[r]] - rho, theta[b[r]] + rho), own[r])
    return Reduction(bounds, constant)


def _anchor(
    problem: Problem, weights: list[int], bias: int, fixed: set[int], rho: Fraction
) -> int | None:
    """The incoming parameter of largest |theta*| (first on ties) if that exceeds rho, else None."""
    candidates = [a for a in (*weights, bias) if a not in fixed]
    if not candidates:
        return None
    best = max(candidates, key=lambda a: (abs(problem.point[a]), -a))
    return best if abs(problem.point[best]) > rho else None

"""The representative of a moved point nearest the original under the rescaling symmetry.

For an activation with every breakpoint and intercept 0 (ReLU, leaky ReLU), h(a z) = a h(z) for
a > 0, so multiplying row r of W_j and b_j[r] by a and column r of W_{j+1} by 1 / a changes no
output, no activation pattern and no risk: a point and its rescalings are the same minimum or not
(the rescaling is a homeomorphism of parameter space that keeps R). A route that realises a
minimiser from predictions (the closed-cell minimum keeps the output weights and scales the
incoming ones) can land far from the trained point along that orbit. This moves it back: neuron
by neuron, the rational a (short, from a few candidates) that brings its parameters nearest the
original's in the max norm. Exact; the caller certifies the point it gets.
"""

from __future__ import annotations

from fractions import Fraction

from losscert.model.network import Network
from losscert.model.problem import Problem

DENOMINATOR = 2**20
"""Candidate factors are rounded to this denominator: short numbers, no loss of exactness."""


def rescale_towards(original: Problem, moved: Problem) -> Problem:
    """``moved`` with each hidden neuron rescaled (a > 0) towards ``original``'s parameters; the
    same point when the activation is not positively homogeneous or nothing gets nearer."""
    act = moved.network.activation
    if any(p != 0 for p in act.breakpoints) or any(t != 0 for t in act.intercepts):
        return moved
    target = original.network
    weights = [moved.network.weights(j) for j in range(1, moved.network.depth + 1)]
    biases = [moved.network.biases(j) for j in range(1, moved.network.depth + 1)]
    for j in range(len(weights) - 1):  # hidden layers, in order (later rows see earlier columns)
        for r in range(len(biases[j])):
            old = _neuron(target.weights(j + 1), target.biases(j + 1), target.weights(j + 2), j, r)
            new = _neuron(weights[j], biases[j], weights[j + 1], j, r)
            a = _best_factor(old, new)
            if a == 1:
                continue
            weights[j][r] = [v * a for v in weights[j][r]]
            biases[j][r] *= a
            for row in weights[j + 1]:
                row[r] /= a
    network = Network.from_rationals(weights, biases, act)
    return moved.with_network(network)


def _neuron(
    w: list[list[Fraction]], b: list[Fraction], out: list[list[Fraction]], j: int, r: int
) -> tuple[list[Fraction], list[Fraction]]:
    """(incoming row and bias, outgoing column) of neuron r."""
    return [*w[r], b[r]], [row[r] for row in out]


def _best_factor(
    old: tuple[list[Fraction], list[Fraction]], new: tuple[list[Fraction], list[Fraction]]
) -> Fraction:
    """The candidate a > 0 (1 included) with the smallest max-norm distance of the rescaled
    neuron (a * incoming, outgoing / a) to the old one."""
    (old_in, old_out), (new_in, new_out) = old, new
    candidates = {Fraction(1)}
    candidates |= {u / v for u, v in zip(old_in, new_in, strict=True) if u * v > 0}
    candidates |= {v / u for u, v in zip(old_out, new_out, strict=True) if u * v > 0}
    rounded = {c.limit_denominator(DENOMINATOR) for c in candidates}
    rounded = {c for c in rounded if c > 0}

    def gap(a: Fraction) -> Fraction:
        pairs = [(a * v, u) for u, v in zip(old_in, new_in, strict=True)]
        pairs += [(v / a, u) for u, v in zip(old_out, new_out, strict=True)]
        return max((abs(x - y) for x, y in pairs), default=Fraction(0))

    return min(sorted(rounded), key=lambda a: (gap(a), a != 1))

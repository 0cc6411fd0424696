"""Nearby minima that are flat beyond the known symmetries (issue 13): the exact least-squares
output layer.

Where the Hessian in the reduced coordinates (docs/certificate.md 3.20) is singular, Newton has
no step and the box claim no positive definite Hessian: the minimum is not isolated, and a
whole manifold of parameters gives the same predictions. Often the hidden layers at the trained
point already span the optimal predictions of the cell; then solving the *output layer* by exact
least squares (hidden layers kept) lands on a point of that manifold, which is exactly critical
when every hidden parameter's derivative of the outputs lies in the span of the features, as it
does for a neuron that is live on one sample only. The point is certified by the caller from
scratch; nothing here is trusted. Squared losses only (the normal equations are rational).
"""

from __future__ import annotations

from fractions import Fraction

from losscert.encodings.cells import Cell
from losscert.encodings.exact_linear import solve_with_free
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import to_fraction

SQUARED = ("squared", "squared_half")
MAX_FEATURES = 64
"""The normal equations have one row per last-hidden neuron (plus the bias): kept small."""


def least_squares_output_point(problem: Problem, cell: Cell) -> Problem | None:
    """The point whose output layer minimises the squared risk exactly over the features of the
    last hidden layer (hidden layers kept; a coordinate the normal equations leave free keeps
    its value; the cell does not change, the hidden layers decide it); None for other losses,
    no hidden layer, too many features, or when the point does not move."""
    net = problem.network
    if problem.loss.kind not in SQUARED or net.depth < 2 or cell.on_boundary:
        return None
    if net.widths[-2] + 1 > MAX_FEATURES:
        return None
    features = _features(problem)
    rows = [[*phi, Fraction(1)] for phi in features]
    gram = [
        [sum((a[p] * a[q] for a in rows), Fraction(0)) for q in range(len(rows[0]))]
        for p in range(len(rows[0]))
    ]
    weights, biases = [], []
    for k, row in enumerate(zip(net.weights(net.depth), net.biases(net.depth), strict=True)):
        current = [*row[0], row[1]]
        labels = [y[k] for y in problem.data.label_rows()]
        rhs = [
            sum((a[p] * y for a, y in zip(rows, labels, strict=True)), Fraction(0))
            for p in range(len(current))
        ]
        solved = solve_with_free(gram, rhs, current)
        if solved is None:  # the normal equations are always consistent: defensive only
            return None
        weights.append(solved[:-1])
        biases.append(solved[-1])
    layers_w = [net.weights(j) for j in range(1, net.depth)] + [weights]
    layers_b = [net.biases(j) for j in range(1, net.depth)] + [biases]
    moved = problem.with_network(Network.from_rationals(layers_w, layers_b, net.activation))
    return None if moved.network == net else moved


def _features(problem: Problem) -> list[list[Fraction]]:
    """The last hidden layer's activations, one row per sample."""
    net = problem.network
    z = problem.trace().pre_activations[-1]
    act = net.activation
    values = [[act(to_fraction(v)) for v in row] for row in z.tolist()]
    return [list(column) for column in zip(*values, strict=True)]

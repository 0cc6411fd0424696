"""One-hidden-layer ReLU global minimisers with many ties (issue 14).

The labels are a two-neuron ReLU teacher plus +-1/3 on duplicated inputs, so no network fits
them exactly: the least risk of any network (of any width) is the mean within-duplicate variance,
attained by the teacher. The point is the teacher plus one zero neuron (w = 0, b = 0, c = 0), whose
pre-activation is 0 = the ReLU breakpoint on every sample: n ties at a global minimum.
"""

from __future__ import annotations

from fractions import Fraction

from losscert.io.problem_file import make_loss
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.network import Network
from losscert.model.problem import Problem


def _teacher(x: list[Fraction]) -> Fraction:
    """2 relu(x_0 - 1/2) - relu(-x_0 - x_{d-1} - 1/4) (d > 1; -relu(-x_0 - 1/4) for d = 1):
    no sample lies on a kink."""
    second = -x[0] - (x[-1] if len(x) > 1 else 0) - Fraction(1, 4)
    return 2 * max(x[0] - Fraction(1, 2), Fraction(0)) - max(second, Fraction(0))


def tied_minimiser(d: int, n: int, *, extra_zero_neurons: int = 1) -> Problem:
    """n samples on a grid of ceil(n/2) distinct inputs (each but possibly the last twice)."""
    distinct = (n + 1) // 2
    points = []
    for k in range(distinct):
        first = Fraction(k - distinct // 2)
        points.append([first] if d == 1 else [first, Fraction((3 * k) % 5 - 2, 2)])
    xs, ys = [], []
    for k in range(n):
        x = points[k // 2]
        noise = Fraction(1, 3) if k % 2 == 0 else Fraction(-1, 3)
        if k == n - 1 and n % 2 == 1:
            noise = Fraction(0)
        xs.append(x)
        ys.append([_teacher(x) + noise])
    rows = [[Fraction(1)] + [Fraction(0)] * (d - 1), [Fraction(-1)] + [Fraction(0)] * (d - 2)]
    if d > 1:
        rows[1] = [Fraction(-1)] + [Fraction(0)] * (d - 2) + [Fraction(-1)]
    biases = [Fraction(-1, 2), Fraction(-1, 4)]
    out = [Fraction(2), Fraction(-1)]
    zeros = extra_zero_neurons
    weights = [rows + [[Fraction(0)] * d] * zeros, [out + [Fraction(0)] * zeros]]
    network = Network.from_rationals(weights, [biases + [Fraction(0)] * zeros, [0]], relu())
    return Problem(network, make_loss("squared"), Dataset.from_rows(xs, ys))


def deep_tied_minimiser(n: int) -> Problem:
    """The d = 1 data of :func:`tied_minimiser` with the teacher passed through a second hidden
    layer (a_2 = a_1 + 1, the output bias compensates) that also holds a zero neuron (incoming and
    outgoing weights 0, bias 0): its pre-activation is 0 on every sample, n ties in layer 2, at a
    global minimiser (widths 1, 2, 3, 1)."""
    base = tied_minimiser(1, n, extra_zero_neurons=0)
    one, zero = Fraction(1), Fraction(0)
    weights = [
        [[one], [-one]],
        [[one, zero], [zero, one], [zero, zero]],
        [[Fraction(2), -one, zero]],
    ]
    biases = [[Fraction(-1, 2), Fraction(-1, 4)], [one, one, zero], [-one]]
    network = Network.from_rationals(weights, biases, relu())
    return Problem(network, base.loss, base.data)

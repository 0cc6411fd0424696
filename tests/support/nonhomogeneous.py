"""Issue 14: one-hidden-layer instances with non-homogeneous activations (one input x = -2..2)."""

from __future__ import annotations

from fractions import Fraction

from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem

DEAD_ZONE = Activation.from_pieces([-1, 1], [1, 0, 1], (0, 0))  # z+1 | 0 on [-1, 1] | z-1
KINKED = Activation.from_pieces([0, 1], [-1, 1, 2], (0, 0))  # -z | z on [0, 1] | 2z-1
SHIFTED_RELU = Activation.from_pieces([1], [0, 1], (0, 0))  # max(z - 1, 0)
XS = [Fraction(x) for x in range(-2, 3)]
KINKED_LABELS = [2, 1, 0, 2, 4]
"""h_inf(x) = -x for x < 0, 2x for x > 0: the kinked activation's limit c h(x / c), c -> 0. By
hand no single neuron fits it (the middle piece would need zero length): with one neuron the
infimum 0 is not attained; two neurons attain it."""


def make_problem(
    act: Activation, labels: list[int], point: tuple, loss: str = "squared"
) -> Problem:
    """One hidden layer of len(point[0]) neurons; point = (w_1, b_1, c, b_2) as strings."""
    w1, b1, c, b2 = point
    net = Network.from_rationals([[[w] for w in w1], [list(c)]], [list(b1), [b2]], act)
    data = Dataset.from_rows([[x] for x in XS], [[Fraction(y)] for y in labels])
    return Problem(net, make_loss(loss), data)

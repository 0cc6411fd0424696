"""One hand-worked network per activation preset: outputs, pattern, margin and ties.

Network: z1 = [x - 1/2, 3 - x], f = a1_0 + 2 a1_1, on x = -2, 1, 4, so
z1_0 = -5/2, 1/2, 7/2 and z1_1 = 5, 2, -1 on the three samples.
"""

from fractions import Fraction as F

import pytest

from losscert.encodings.cells import Tie, locate_cell
from losscert.model import (
    Activation,
    Dataset,
    Network,
    Problem,
    abs_activation,
    hardtanh,
    leaky_relu,
    linear,
    make_loss,
    relu,
    relu6,
)


def _problem(activation: Activation) -> Problem:
    net = Network.from_rationals([[[1], [-1]], [[1, 2]]], [["-1/2", 3], [0]], activation)
    data = Dataset.from_rows([[-2], [1], [4]], [[0], [0], [0]])
    return Problem(net, make_loss("squared"), data)


CASES = {
    # name: (activation, outputs, pieces of neuron 0, pieces of neuron 1, margin, ties)
    # relu: a0 = 0, 1/2, 7/2; a1 = 5, 2, 0; nearest breakpoint distance |1/2 - 0| on sample 1
    "relu": (relu(), [10, F(9, 2), F(7, 2)], (0, 1, 1), (1, 1, 0), F(1, 2), ()),
    # leaky 1/10: a0 = -1/4, 1/2, 7/2; a1 = 5, 2, -1/10
    "leaky_relu": (
        leaky_relu(F(1, 10)),
        [F(39, 4), F(9, 2), F(33, 10)],
        (0, 1, 1),
        (1, 1, 0),
        F(1, 2),
        (),
    ),
    # hardtanh: a0 = -1, 1/2, 1; a1 = 1, 1, -1; z1_1 = -1 sits on lo: a tie, margin 0
    "hardtanh": (
        hardtanh(-1, 1),
        [1, F(5, 2), -1],
        (0, 1, 2),
        (2, 2, None),
        F(0),
        (Tie(1, 1, 2, 0),),
    ),
    # relu6: nothing above 6, so relu's outputs; distances include |5 - 6| = 1 and |7/2 - 6|
    "relu6": (relu6(), [10, F(9, 2), F(7, 2)], (0, 1, 1), (1, 1, 0), F(1, 2), ()),
    # abs: a0 = 5/2, 1/2, 7/2; a1 = 5, 2, 1
    "abs": (abs_activation(), [F(25, 2), F(9, 2), F(11, 2)], (0, 1, 1), (1, 1, 0), F(1, 2), ()),
    # linear: f = (x - 1/2) + 2 (3 - x) = 11/2 - x; one piece, no margin
    "linear": (linear(), [F(15, 2), F(9, 2), F(3, 2)], (0, 0, 0), (0, 0, 0), None, ()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_preset_network_by_hand(name: str) -> None:
    activation, outputs, n0, n1, margin, ties = CASES[name]
    problem = _problem(activation)
    assert [row[0] for row in problem.trace().output_rows()] == outputs
    cell = locate_cell(problem)
    assert cell.pieces == ((n0, n1),)
    assert cell.margin == margin
    assert cell.ties == ties
    assert problem.risk() == sum(F(v) ** 2 for v in outputs) / 3

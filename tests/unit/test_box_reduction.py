"""The free coordinates of a minimum_in_box step (docs/certificate.md 3.20), worked by hand."""

from fractions import Fraction as F

from losscert.checker.box_reduction import fixed_parameters, transmitting
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier.descent import checker_view

DATA = Dataset.from_rows([[1], [2], [3]], [[0], [1], [3]])
# parameter order: W1_0_0 0, W1_1_0 1, b1_0 2, b1_1 3, W2_0_0 4, W2_0_1 5, b2_0 6, W3_0_0 7, b3_0 8


def _reduced(b2: F) -> tuple[set[int], list[list[list[bool]]]]:
    """relu(-x - 1) is dead, relu(x + 1) linear; layer 2 is relu(5 a_0 + a_1 + b2)."""
    net = Network.from_rationals([[[-1], [1]], [[5, 1]], [[2]]], [[-1, 1], [b2], [0]], relu())
    problem = Problem(net, make_loss("squared"), DATA)
    cell = locate_cell(problem)
    pattern = [[[int(k or 0) for k in n] for n in layer] for layer in cell.pieces]
    view = checker_view(problem)
    return fixed_parameters(view, pattern, F(1, 100)), transmitting(view, pattern)


def test_every_rule_on_one_network() -> None:
    # layer 2 pre-activation x + 1 + b2 = x - 3/2: pattern [0, 1, 1]
    fixed, send = _reduced(F(-5, 2))
    assert send == [[[False] * 3, [False, True, True]], [[False, True, True]]]
    # 0, 2: the dead neuron's incoming (rule 1); 4: its outgoing weight, input 0 of layer 2 is
    # zero on every sample (rule 2); 3: the bias of the linear neuron relu(x + 1) (rule 3);
    # 1: that neuron's anchor, its only free incoming parameter (rule 4); 6: the anchor of the
    # layer-2 neuron, |b2| = 5/2 > |W2_0_1| = 1 (rule 4)
    assert fixed == {0, 1, 2, 3, 4, 6}


def test_a_dead_second_layer_makes_everything_below_it_inert() -> None:
    fixed, send = _reduced(F(-10))
    assert send == [[[False] * 3, [False] * 3], [[False] * 3]]
    # only the output bias stays free; W3 multiplies a silent neuron (rule 2)
    assert fixed == set(range(8))

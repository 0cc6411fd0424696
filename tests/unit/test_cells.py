"""Cells on hand-worked instances: interior points, boundaries, adjacent cells, constraints."""

from fractions import Fraction as F

import pytest

from losscert.encodings.cells import Tie, adjacent_cells, locate_cell
from losscert.io import read_problem
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu

from ..conftest import EXAMPLES


def test_interior_point_of_the_linear_collapse() -> None:
    problem = read_problem(EXAMPLES / "relu_linear_collapse.json")
    cell = locate_cell(problem)
    # neuron 0: z = 4/5 x + 13/10 in {13/10, 21/10, 29/10, 37/10}; neuron 1: z = 1 on every sample
    assert cell.pieces == (((1, 1, 1, 1), (1, 1, 1, 1)),)
    assert cell.margin == 1 and cell.margin_at == (1, 1, 0)
    assert not cell.on_boundary
    constraints = cell.pattern().constraints(problem.network.activation)
    assert len(constraints) == 8
    assert all(c.piece == 1 and c.lower == 0 and c.upper is None for c in constraints)


def test_boundary_point_touches_two_cells() -> None:
    problem = read_problem(EXAMPLES / "hardtanh_boundary.json")
    cell = locate_cell(problem)
    # neuron 0: z = x on x = -1/2, 0, 1, 3/2: sample 2 sits on hi = 1 (breakpoint index 1)
    # neuron 1: z = x/2 + 1/8 = -1/8, 1/8, 5/8, 7/8: all inside (-1, 1); the margin is 0 at the tie
    assert cell.ties == (Tie(layer=1, neuron=0, sample=2, breakpoint=1),)
    assert cell.margin == 0 and cell.margin_at == (1, 0, 2)
    assert cell.pieces == (((1, 1, None, 2), (1, 1, 1, 1)),)
    with pytest.raises(ValueError, match="cell boundary"):
        cell.pattern()
    adjacent = adjacent_cells(problem, cell)
    assert adjacent.count == 2 and adjacent.complete
    patterns = [p.pieces for p in adjacent.patterns()]
    assert patterns == [(((1, 1, 1, 2), (1, 1, 1, 1)),), (((1, 1, 2, 2), (1, 1, 1, 1)),)]


def _one_neuron_problem(
    inputs: list[list[int]], w: list[int], b: int, depth2: bool = False
) -> Problem:
    if depth2:
        net = Network.from_rationals([[w], [[1]], [[1]]], [[b], [0], [0]], relu())
    else:
        net = Network.from_rationals([[w], [[1]]], [[b], [0]], relu())
    return Problem(net, make_loss("squared"), Dataset.from_rows(inputs, [[0]] * len(inputs)))


def test_collinear_ties_on_layer_one_exclude_alternating_sides() -> None:
    # z = 0 x + 0 on x = 0, 1, 2: three ties on one neuron. Moving (w, b) gives z = w x + b, an
    # affine function of x, whose sign pattern on 0 < 1 < 2 changes at most once: 6 of the 8
    # side choices are realisable, (right, left, right) and (left, right, left) are not.
    problem = _one_neuron_problem([[0], [1], [2]], [0], 0)
    adjacent = adjacent_cells(problem)
    assert len(adjacent.cell.ties) == 3
    (neuron,) = adjacent.neurons
    assert set(neuron.excluded) == {(1, 0, 1), (0, 1, 0)}
    assert len(neuron.realisable) == 6 and not neuron.undecided
    assert adjacent.count == 6 and adjacent.complete


def test_independent_ties_make_every_choice_realisable() -> None:
    # two ties on inputs (0) and (1): x~ = (0, 1), (1, 1) are independent -> all 4 choices
    problem = _one_neuron_problem([[0], [1], [3]], [-1], 1)  # z = 1 - x: 1, 0, -2 -> one tie
    assert adjacent_cells(problem).count == 2
    problem = _one_neuron_problem([[0], [1]], [0], 0)
    adjacent = adjacent_cells(problem)
    assert adjacent.neurons[0].all_realisable and adjacent.count == 4


def test_deeper_ties_the_own_row_cannot_separate_are_undecided() -> None:
    # layer 1: z = -x - 1 < 0 on x = 0, 1 -> a1 = 0 on both samples; layer 2: z2 = 1 * 0 + 0 = 0,
    # a tie on both samples with identical inputs a~ = (0, 1): the own row can only move both the
    # same way, so (left, right) and (right, left) stay undecided (earlier layers might split them).
    problem = _one_neuron_problem([[0], [1]], [-1], -1, depth2=True)
    adjacent = adjacent_cells(problem)
    (neuron,) = adjacent.neurons
    assert neuron.layer == 2
    assert set(neuron.realisable) == {(0, 0), (1, 1)}
    assert set(neuron.undecided) == {(0, 1), (1, 0)}
    assert not neuron.excluded
    assert adjacent.count == 2 and not adjacent.complete


def test_linear_activation_has_no_margin() -> None:
    from losscert.model import linear

    net = Network.from_rationals([[[1]], [[1]]], [[0], [0]], linear())
    cell = locate_cell(Problem(net, make_loss("squared"), Dataset.from_rows([[1]], [[0]])))
    assert cell.margin is None and cell.margin_at is None and not cell.ties


def test_no_hidden_layer_means_an_empty_pattern() -> None:
    net = Network.from_rationals([[[1, 2]]], [[0]], relu())
    cell = locate_cell(Problem(net, make_loss("squared"), Dataset.from_rows([[1, 1]], [[0]])))
    assert cell.pieces == () and cell.margin is None
    assert cell.pattern().constraints(relu()) == []


def test_constraints_of_bounded_pieces() -> None:
    net = Network.from_rationals([[[1]], [[1]]], [["1/2"], [0]], hardtanh(-1, 1))
    problem = Problem(net, make_loss("squared"), Dataset.from_rows([[0], [2]], [[0], [0]]))
    constraints = locate_cell(problem).pattern().constraints(net.activation)
    assert [(c.sample, c.piece, c.lower, c.upper) for c in constraints] == [
        (0, 1, F(-1), F(1)),
        (1, 2, F(1), None),
    ]

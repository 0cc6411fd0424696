"""Minima flat beyond the known symmetries (issue 13): the exact least-squares output layer.
Hand-worked values throughout."""

from fractions import Fraction as F

import pytest

from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.nearby import certify_nearby, gradient_size
from losscert.verifier.nearby_flat import least_squares_output_point

DATA = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])


def _deep(c: F, b3: F, loss: str = "squared") -> Problem:
    """x -> relu(x - 5/2) (live on x = 3 only, value 1/2) -> relu(h + 1) (linear: 1, 1, 1, 3/2)
    -> c u + b3: the predictions are A on x = 3 and B elsewhere, any A and B."""
    net = Network.from_rationals([[[1]], [[1]], [[c]]], [[F(-5, 2)], [1], [b3]], relu())
    return Problem(net, make_loss(loss), DATA)


def test_the_output_layer_is_solved_exactly_onto_the_flat_minimum() -> None:
    problem = _deep(F(3) + F(1, 100), F(-2))
    assert gradient_size(problem) != 0
    moved = least_squares_output_point(problem, locate_cell(problem))
    assert moved is not None
    # A = 3 (the label at x = 3), B = (0 + 2 + 1) / 3 = 1: c + b3 = 1 and 3/2 c + b3 = 3
    assert moved.network.weights(3) == [[F(4)]] and moved.network.biases(3) == [F(-3)]
    assert moved.network.weights(1) == problem.network.weights(1)  # hidden layers kept
    assert moved.risk() == F(1, 2)  # (1^2 + 1^2 + 0^2 + 0^2) / 4
    assert gradient_size(moved) == 0  # the hidden derivatives lie in the span of the features


def test_the_route_does_not_apply_to_other_losses_or_a_fitted_point() -> None:
    problem = _deep(F(3), F(-2), "absolute")
    assert least_squares_output_point(problem, locate_cell(problem)) is None
    fitted = _deep(F(4), F(-3))
    assert least_squares_output_point(fitted, locate_cell(fitted)) is None  # does not move


@pytest.mark.solver
def test_certify_nearby_proves_the_flat_minimum() -> None:
    result = certify_nearby(_deep(F(3) + F(1, 100), F(-2)), spurious=False)
    assert result.local.status is Status.PROVED
    assert result.moved is not None and result.moved.route == "least-squares output layer"
    assert result.distance == F(1)  # b3: -2 -> -3
    assert result.risk == F(1, 2)
    assert check_document(result.local.certificate).valid

"""The constant collapse (docs/certificate.md 3.17, since 1.1): a dead ReLU layer makes the
network predict one constant; at the optimal constant the point is a local minimum."""

import copy
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.constant_collapse import constant_point
from losscert.verifier.nearby import certify_nearby

DATA = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [5]])  # mean 2, median in [1, 2]


def _dead(output_bias: F, loss: str = "squared") -> Problem:
    """Layer 1: relu(-x - 1) and relu(-2x - 1) are dead on x >= 0; layer 2 sees zeros."""
    net = Network.from_rationals(
        [[[-1], [-2]], [[3, 1]], [[F(1, 2)]]], [[-1, -1], [1], [output_bias]], relu()
    )
    return Problem(net, make_loss(loss), DATA)


def _certificate(loss: str = "squared", bias: F = F(2)) -> dict[str, Any]:
    verdict = certify_local_min(_dead(bias, loss))
    assert verdict.status is Status.PROVED, verdict.detail
    assert verdict.stats["method"] == "constant collapse"
    assert verdict.certificate is not None
    return verdict.certificate


def test_the_optimal_constant_is_a_proved_local_minimum_of_a_1_1_certificate() -> None:
    # the output is relu(0 + 1) / 2 + bias = 1/2 + bias; the mean of the labels is 2
    certificate = _certificate(bias=F(3, 2))
    assert certificate["minor"] == 1
    assert certificate["evidence"][-1]["b"] == ["2"]
    assert check_document(certificate).valid


def test_absolute_loss_needs_a_subgradient_per_sample() -> None:
    certificate = _certificate("absolute", F(3, 2))  # prediction 2: a median of 0, 2, 1, 5
    step = certificate["evidence"][-1]
    assert step["b"] == ["2"] and len(step["subgradients"]) == 4
    assert check_document(certificate).valid


def test_a_constant_that_is_not_optimal_is_not_a_minimum() -> None:
    verdict = certify_local_min(_dead(F(1)))  # predicts 3/2, the mean is 2: gradient not zero
    assert verdict.status is Status.REFUTED


def _mutated(change: Any) -> str:
    certificate = copy.deepcopy(_certificate(bias=F(3, 2)))
    change(certificate)
    result = check_document(certificate)
    assert not result.valid
    return result.message


def test_mutations_are_rejected() -> None:
    def wrong_b(c: dict[str, Any]) -> None:
        c["evidence"][-1]["b"] = ["3"]

    def not_optimal(c: dict[str, Any]) -> None:
        c["problem"]["point"][-1] = "1"  # the network then predicts 3/2 != b

    def other_labels(c: dict[str, Any]) -> None:
        c["problem"]["data"]["labels"][3] = ["9"]  # the mean moves to 3

    def declared_1_0(c: dict[str, Any]) -> None:
        del c["minor"]

    def without_box(c: dict[str, Any]) -> None:
        c["evidence"] = [s for s in c["evidence"] if s["kind"] != "box_in_cell"]

    assert "does not predict b" in _mutated(wrong_b)
    assert "does not predict b" in _mutated(not_optimal)
    assert "first-order condition fails in b[0]" in _mutated(other_labels)
    assert "from version 1.1 on" in _mutated(declared_1_0)
    assert "constant_regression_optimal" in _mutated(without_box)


def test_a_layer_that_is_not_constant_is_refused() -> None:
    certificate = copy.deepcopy(_certificate(bias=F(3, 2)))
    point = certificate["problem"]["point"]
    point[0], point[2] = "1", "-3/2"  # relu(x - 3/2) is live on x = 2, 3
    point[4] = "0"  # ... but weighted 0 in layer 2: the prediction stays 2
    certificate["evidence"][0]["pattern"][0][0] = [0, 0, 1, 1]
    certificate["evidence"][0]["margin"] = "1/2"
    certificate["evidence"][1]["radius"] = "1/100"
    result = check_document(certificate)
    assert not result.valid
    assert "no hidden layer whose every neuron keeps one slope-0 piece" in result.message


@pytest.mark.parametrize("bias", [F(1), F(-7, 3)])
def test_nearby_moves_the_output_bias_onto_the_optimal_constant(bias: F) -> None:
    problem = _dead(bias)
    moved = constant_point(problem, locate_cell(problem))
    assert moved is not None and moved.network.biases(3) == [F(3, 2)]
    result = certify_nearby(problem)
    assert result.moved is not None and result.moved.route == "constant collapse"
    assert result.local.status is Status.PROVED
    assert result.distance == abs(F(3, 2) - bias)
    assert result.risk == F(4 + 0 + 1 + 9, 4)  # the variance of the labels
    # the witness computes the affine fit y = 7/5 x - 1/10, residuals 1/10, 7/10, -17/10, 9/10
    assert result.spurious is not None and result.spurious.status is Status.PROVED
    assert result.spurious.stats["witness_risk"] == F(21, 20)


def test_saturated_hardtanh_layer_is_constant_too() -> None:
    # hardtanh(5x + 10) = 1 on x >= 0: one slope-0 piece, intercept 1, on every sample
    net = Network.from_rationals([[[5]], [[1]]], [[10], [1]], hardtanh(-1, 1))
    problem = Problem(net, make_loss("squared"), DATA)
    verdict = certify_local_min(problem)
    assert verdict.status is Status.PROVED and verdict.stats["method"] == "constant collapse"

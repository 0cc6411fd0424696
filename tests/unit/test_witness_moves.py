"""Stage-2 moves at every hidden layer (issue 14): a spare neuron of layer 2 of a depth-3 network
at a linear-collapse point gives an exactly lower point; nothing is returned at a global minimum."""

from __future__ import annotations

from fractions import Fraction

from losscert import checker
from losscert.io.problem_file import make_loss
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.candidate import _stage2_witness, certify_local_min, certify_spurious
from losscert.verifier.regression import fit_affine
from losscert.verifier.verdict import Status
from losscert.verifier.witness_moves import stage2_every_layer

F = Fraction


def _collapse_with_a_layer2_spare(labels: list[int]) -> Problem:
    """Widths (1, 2, 2, 1), every neuron active on x in [-3, 3]; layer 2's neuron 1 has zero
    incoming weights, bias 1 and zero outgoing weight (spare); layer 1 has no spare neuron; the
    output is the least-squares line (Theorem 1's Stage-1 point, one layer deeper)."""
    data = Dataset.from_rows([[F(k)] for k in (-3, -1, 0, 1, 2, 3)], [[F(v)] for v in labels])
    fit = fit_affine(data, make_loss("squared"))
    a, c = fit.weight[0][0], fit.bias[0]
    weights = [[[1], [2]], [[F(1, 2), F(1, 2)], [0, 0]], [[a / F(3, 2), 0]]]
    biases = [[10, 10], [0, 1], [c - 10 * a / F(3, 2)]]
    network = Network.from_rationals(weights, biases, relu())
    return Problem(network, make_loss("squared"), data)


def test_a_layer2_spare_neuron_gives_a_lower_point_where_the_layer1_move_cannot() -> None:
    problem = _collapse_with_a_layer2_spare([2, 0, 1, 0, 1, 3])
    assert _stage2_witness(problem) is None  # no spare neuron in layer 1
    found = stage2_every_layer(problem)
    assert found is not None and found.risk < problem.risk()
    replayed = problem.with_network(problem.network.with_parameters(found.parameters)).risk()
    assert replayed == found.risk  # exact
    local = certify_local_min(problem)
    assert local.status is Status.PROVED and local.stats["method"] == "linear collapse"
    verdict = certify_spurious(problem, local)
    assert verdict.status is Status.PROVED and "spare neuron" in verdict.stats["witness"]
    assert checker.check_document(verdict.certificate).valid


def test_affine_labels_leave_nothing_lower() -> None:
    problem = _collapse_with_a_layer2_spare([-5, -1, 1, 3, 5, 7])  # y = 2x + 1: risk 0
    assert problem.risk() == 0
    assert stage2_every_layer(problem) is None

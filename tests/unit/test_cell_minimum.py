"""Convex programs over blocks, their exact dual certificates and the cell_global_min claim,
on hand-worked instances (x = 0, 1, 2; y = 0, 2, 1)."""

import copy
import json
from fractions import Fraction

import pytest

from losscert import checker
from losscert.encodings.cell_programs import Block, augmented, block_outputs, block_rows
from losscert.model.activation import hardtanh, relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.cell_minimum import minimise_over_blocks
from losscert.verifier.global_min import certify_cell_global_min, snap_to_cell_minimum
from losscert.verifier.verdict import Status

F = Fraction
XS = [[F(0)], [F(1)], [F(2)]]
YS = [F(0), F(2), F(1)]


def _problem(w, b, c, b2, loss="squared", act=None):
    net = Network.from_rationals([[[w]], [[c]]], [[b], [b2]], act or relu())
    return Problem(net, Loss(loss), Dataset.from_rows(XS, [[y] for y in YS]))


def test_block_rows_and_outputs_by_hand():
    xs = augmented([[F(2)]])
    # relu piece 1 is (0, inf): rows  s c >= 0  and  s (v . x~ - 0 c) >= 0
    assert block_rows(Block((1,), 1), xs, relu()) == [[0, 0, 1], [2, 1, 0]]
    assert block_rows(Block((0,), -1), xs, relu()) == [[0, 0, -1], [2, 1, 0]]
    assert block_outputs(Block((1,), 1), xs, relu()) == [[2, 1, 0]]
    assert block_outputs(Block((0,), 1), xs, relu()) == [[0, 0, 0]]
    # hardtanh middle piece (-1, 1): s (v . x~ + c) >= 0 and s (c - v . x~) >= 0
    assert block_rows(Block((1,), 1), xs, hardtanh()) == [[0, 0, 1], [2, 1, 1], [-2, -1, 1]]
    # hardtanh top piece: slope 0, intercept 1: the neuron adds c
    assert block_outputs(Block((2,), 1), xs, hardtanh()) == [[0, 0, 1]]


def test_all_active_relu_block_is_linear_regression():
    """One all-active relu block plus b_2 fits any affine map: the bound is R_lin = 1/2."""
    for sign in (1, -1):
        bound = minimise_over_blocks([Block((1, 1, 1), sign)], XS, YS, relu(), Loss("squared"))
        assert bound.bound == F(1, 2)
        assert bound.attained and sum(bound.subgradients) == 0
        assert list(bound.outputs) == [F(1, 2), F(1), F(3, 2)]


def test_absolute_loss_bound_is_the_l1_fit():
    bound = minimise_over_blocks([Block((1, 1, 1), 1)], XS, YS, relu(), Loss("absolute"))
    assert bound.bound == F(1, 2)  # the line through (0, 0) and (2, 1) misses (1, 2) by 3/2


def test_inactive_block_only_fits_a_constant():
    bound = minimise_over_blocks([Block((0, 0, 0), 1)], XS, YS, relu(), Loss("squared"))
    assert bound.bound == F(2, 3)  # the variance of (0, 2, 1)


def test_cell_global_min_proved_for_the_least_squares_point():
    verdict = certify_cell_global_min(_problem(F(1), F(1), F(1, 2), F(0)))
    assert verdict.status is Status.PROVED, verdict.detail
    assert checker.check_document(verdict.certificate).valid
    assert verdict.stats["cell_minimum_bound"] == F(1, 2)


def test_cell_global_min_refuted_for_a_non_minimum_with_the_bound():
    verdict = certify_cell_global_min(_problem(F(1), F(1), F(1, 2), F(0), "absolute"))
    assert verdict.status is Status.REFUTED  # not_cell_global_min: a lower point in the cell
    assert verdict.certificate["claim"]["kind"] == "not_cell_global_min"
    assert checker.check_document(verdict.certificate).valid
    assert verdict.stats["cell_minimum_bound"] == F(1, 2) < verdict.stats["risk"] == F(2, 3)
    proved = certify_cell_global_min(_problem(F(1), F(1), F(1, 2), F(-1, 2), "absolute"))
    assert proved.status is Status.PROVED


def test_snap_moves_a_rounded_point_onto_the_exact_minimum():
    near = _problem(F(1), F(1), F(499, 1000), F(1, 1000))
    snapped = snap_to_cell_minimum(near)
    assert snapped is not None
    assert near.with_network(snapped).risk() == F(1, 2)


def test_out_of_scope_problems_are_unknown_with_reasons():
    two_layers = Network.from_rationals([[[1]], [[1]], [[1]]], [[1], [0], [0]], relu())
    problem = Problem(two_layers, Loss("squared"), Dataset.from_rows(XS, [[y] for y in YS]))
    verdict = certify_cell_global_min(problem)
    assert verdict.status is Status.UNKNOWN and "one hidden layer" in verdict.detail
    boundary = certify_cell_global_min(_problem(F(1), F(0), F(1), F(0)))  # w x + b = 0 at x = 0
    assert boundary.status is Status.UNKNOWN and "boundary" in boundary.detail


def _numbers(node, path=()):
    """Every (path, value) of a rational string or integer inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, (*path, i))
    elif isinstance(node, str | int) and not isinstance(node, bool):
        yield path, node


def _set(document, path, value):
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def test_every_one_number_change_in_the_bound_steps_is_rejected():
    verdict = certify_cell_global_min(_problem(F(1), F(1), F(1, 2), F(0)))
    certificate = verdict.certificate
    bound_positions = [
        i for i, s in enumerate(certificate["evidence"]) if s["kind"] == "convex_lower_bound"
    ]
    tried = 0
    for position in bound_positions:
        for path, value in _numbers(certificate["evidence"][position]):
            if path[-1] in ("id", "kind"):
                continue
            for replacement in _mutations(value):
                mutated = copy.deepcopy(certificate)
                _set(mutated["evidence"][position], path, replacement)
                result = checker.check_document(json.loads(json.dumps(mutated)))
                assert not result.valid, (path, value, replacement)
                tried += 1
    assert tried > 20


def _mutations(value):
    if isinstance(value, int):
        return [value + 1, -value if value else 2]
    number = F(value)
    return [str(number + 1), str(number - F(1, 3))]


@pytest.mark.parametrize("drop", ["risk", "cell"])
def test_the_claim_needs_its_risk_and_cell_steps(drop):
    verdict = certify_cell_global_min(_problem(F(1), F(1), F(1, 2), F(0)))
    mutated = copy.deepcopy(verdict.certificate)
    mutated["evidence"] = [s for s in mutated["evidence"] if s["kind"] != drop]
    assert not checker.check_document(mutated).valid

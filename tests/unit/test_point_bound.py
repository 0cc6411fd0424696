"""The KKT bound read off the point itself (losscert.verifier.point_bound), against the convex
program it replaces (the oracle), and the cell_global_min rule for any width (version 1.1)."""

import copy
from fractions import Fraction

import pytest

from losscert import checker
from losscert.encodings.cell_programs import Block, augmented, block_outputs, block_rows
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.cell_minimum import minimise_over_blocks, witness_network
from losscert.verifier.global_min import certify_cell_global_min, certify_global_min
from losscert.verifier.point_bound import bound_at_point, sign_symmetric_bound
from losscert.verifier.verdict import Status

F = Fraction
XS = [[F(0)], [F(1)], [F(2)], [F(3)]]


def _data(ys):
    return Dataset.from_rows(XS, [[y] for y in ys])


def _one_neuron(w, b, c, b2, ys, loss="squared"):
    net = Network.from_rationals([[[w]], [[c]]], [[b], [b2]], relu())
    return Problem(net, Loss(loss), _data(ys))


def test_least_squares_point_gives_its_risk_with_zero_multipliers():
    # relu(x - 1/2) is active on x = 1, 2, 3: the least-squares line through the three
    # active samples plus the constant; y = 0, 2, 1, 3.
    ys = [F(0), F(2), F(1), F(3)]
    pattern = (0, 1, 1, 1)
    blocks = [Block(pattern, 1), Block(pattern, -1)]
    oracle = minimise_over_blocks(blocks, XS, ys, relu(), Loss("squared"))
    point = witness_network(oracle, relu(), 2, 1)
    assert point is not None
    problem = Problem(point, Loss("squared"), _data(ys))
    found = bound_at_point(problem, blocks)
    assert found is not None
    assert found.bound == oracle.bound == problem.risk()
    assert all(v == 0 for lam in found.multipliers for v in lam)
    assert sum(found.subgradients) == 0


def test_a_point_that_is_not_a_minimum_gives_none():
    problem = _one_neuron(F(1), F(-1, 2), F(1), F(0), [F(0), F(2), F(1), F(3)])
    blocks = [Block((0, 1, 1, 1), 1), Block((0, 1, 1, 1), -1)]
    assert bound_at_point(problem, blocks) is None


def test_a_kink_of_the_loss_at_a_point_that_is_not_a_minimum_gives_none():
    # absolute loss with an exact fit on sample 0: the subgradient there is a choice, and no
    # choice makes the point a minimum
    problem = _one_neuron(F(1), F(-1, 2), F(1), F(0), [F(0), F(2), F(1), F(3)], "absolute")
    assert bound_at_point(problem, [Block((0, 1, 1, 1), 1)]) is None


CASES = [
    (ys, pattern, sign)
    for ys in ([F(0), F(2), F(1), F(3)], [F(3), F(0), F(2), F(-1)])
    for pattern in [(0, 1, 1, 1), (1, 1, 0, 0), (0, 0, 1, 1), (1, 0, 0, 0), (0, 0, 0, 1)]
    for sign in (1, -1)
]


@pytest.mark.parametrize(("ys", "pattern", "sign"), CASES)
def test_one_sign_blocks_match_the_program_with_exact_multipliers(ys, pattern, sign):
    """Oracle: the program's certified minimum over one block; at its minimiser the point bound
    equals it, and the multipliers (often nonzero: the minimiser sits on the cone's boundary)
    combine the cone rows into the output map applied to the subgradients, exactly."""
    block = Block(pattern, sign)
    oracle = minimise_over_blocks([block], XS, ys, relu(), Loss("squared"))
    point = witness_network(oracle, relu(), 1, 1)
    assert point is not None
    problem = Problem(point, Loss("squared"), _data(ys))
    found = bound_at_point(problem, [block])
    assert found is not None
    assert found.bound == oracle.bound
    xs = augmented(XS)
    rows = block_rows(block, xs, relu())
    outs = block_outputs(block, xs, relu())
    (lam,) = found.multipliers
    assert all(v >= 0 for v in lam)
    for j in range(len(rows[0])):
        combined = sum((v * r[j] for v, r in zip(lam, rows, strict=True)), F(0))
        target = sum((g * m[j] for g, m in zip(found.subgradients, outs, strict=True)), F(0))
        assert combined == target


def test_some_case_needs_nonzero_multipliers():
    nonzero = 0
    for ys, pattern, sign in CASES:
        block = Block(pattern, sign)
        oracle = minimise_over_blocks([block], XS, ys, relu(), Loss("squared"))
        problem = Problem(witness_network(oracle, relu(), 1, 1), Loss("squared"), _data(ys))
        found = bound_at_point(problem, [block])
        nonzero += any(v != 0 for v in found.multipliers[0])
    assert nonzero >= 5


def _wide_teacher(hidden, half=8):
    """``hidden`` relu neurons with distinct kinks inside the data range; labels are the
    teacher's outputs (risk 0), so the point minimises its cell."""
    xs = [[F(i, 2)] for i in range(-half, half + 1)]
    w1 = [[F(1 if r % 2 else -1)] for r in range(hidden)]
    b1 = [F(2 * r - hidden, 4) + F(1, 8) for r in range(hidden)]
    c = [F(r % 3 + 1) for r in range(hidden)]
    net = Network.from_rationals([w1, [c]], [b1, [F(1, 3)]], relu())
    labels = Problem(net, Loss("squared"), Dataset.from_rows(xs, [[F(0)]] * len(xs)))
    ys = [[row[0]] for row in labels.trace().output_rows()]
    return Problem(net, Loss("squared"), Dataset.from_rows(xs, ys))


def test_cell_global_min_over_sixteen_neurons_is_a_1_1_certificate():
    verdict = certify_cell_global_min(_wide_teacher(20))
    assert verdict.status is Status.PROVED, verdict.detail
    certificate = verdict.certificate
    assert certificate["minor"] == 1
    assert certificate["provenance"]["method"] == "KKT at the point"
    assert checker.check_document(certificate).valid
    small = certify_cell_global_min(_wide_teacher(3))
    assert small.status is Status.PROVED and "minor" not in small.certificate


def test_the_one_step_cover_needs_both_signs_of_every_pattern():
    """Mutation: drop one block from the step. The step alone stays valid (a bound over fewer
    blocks), but with 20 neurons nothing else covers the sign vectors that use that block."""
    certificate = certify_cell_global_min(_wide_teacher(20)).certificate
    position = next(
        i for i, s in enumerate(certificate["evidence"]) if s["kind"] == "convex_lower_bound"
    )
    for drop in (0, 7, -1):
        mutated = copy.deepcopy(certificate)
        del mutated["evidence"][position]["blocks"][drop]
        result = checker.check_document(mutated)
        assert not result.valid
        assert "both signs of every neuron's pattern" in result.message


def test_global_min_at_a_teacher_needs_no_program():
    problem = _wide_teacher(2, half=3)
    result = certify_global_min(problem)
    assert result.verdict.status is Status.PROVED
    assert result.route == "point" and result.programs == 0
    assert result.minimum == 0 == result.lower_bound
    assert checker.check_document(result.verdict.certificate).valid
    assert checker.check_document(result.bound_certificate).valid
    baseline = certify_global_min(problem, route="subsets")
    assert baseline.verdict.status is Status.PROVED and baseline.minimum == 0


SYMMETRIC = [
    ([F(0), F(2), F(1), F(3)], [(1, 1, 1, 1)], F(9, 20)),  # the least-squares line: 9/20
    ([F(0), F(2), F(1), F(3)], [(0, 0, 0, 0)], F(5, 4)),  # the constant fit: the variance
    ([F(3), F(0), F(2), F(-1)], [(0, 1, 1, 1), (1, 1, 0, 0)], None),
    ([F(3), F(0), F(2), F(-1)], [(0, 0, 1, 1), (0, 0, 0, 1), (1, 0, 0, 0)], None),
]


@pytest.mark.parametrize(("ys", "patterns", "by_hand"), SYMMETRIC)
@pytest.mark.parametrize("loss", ["squared", "squared_half"])
def test_sign_symmetric_bound_is_the_programs_minimum(ys, patterns, by_hand, loss):
    """Oracle: the convex program over the same blocks (HiGHS, rounded exactly); by hand where
    the span is a line or the constants."""
    blocks = [Block(p, s) for p in patterns for s in (1, -1)]
    problem = _one_neuron(F(0), F(1), F(0), F(0), ys, loss)
    found = sign_symmetric_bound(problem, blocks)
    oracle = minimise_over_blocks(blocks, XS, ys, relu(), Loss(loss))
    assert found is not None and found.bound == oracle.bound
    if by_hand is not None:
        assert found.bound == (by_hand if loss == "squared" else by_hand / 2)
    assert all(v == 0 for lam in found.multipliers for v in lam)


def test_sign_symmetric_bound_declines_one_sign():
    ys = [F(0), F(2), F(1), F(3)]
    problem = _one_neuron(F(0), F(1), F(0), F(0), ys)
    assert sign_symmetric_bound(problem, [Block((0, 1, 1, 1), 1)]) is None
    absolute = _one_neuron(F(0), F(1), F(0), F(0), ys, "absolute")
    assert sign_symmetric_bound(absolute, [Block((0, 1, 1, 1), -1)]) is None


@pytest.mark.parametrize("loss", ["absolute", "huber"])
def test_sign_symmetric_bound_of_other_losses_is_the_programs_minimum(loss):
    ys = [F(0), F(2), F(1), F(3)]
    made = Loss("huber", F(1, 2)) if loss == "huber" else Loss(loss)
    problem = Problem(_one_neuron(F(0), F(1), F(0), F(0), ys).network, made, _data(ys))
    both = [Block((0, 1, 1, 1), 1), Block((0, 1, 1, 1), -1)]
    oracle = minimise_over_blocks(both, XS, ys, relu(), made)
    found = sign_symmetric_bound(problem, both)
    assert found is not None
    assert found.bound == oracle.bound
    assert all(v == 0 for lam in found.multipliers for v in lam)


def test_zero_multipliers_are_read_as_rationals_only():
    """The checker's shortcut for "0" must not let other spellings or types through."""
    certificate = certify_cell_global_min(_wide_teacher(3)).certificate
    position = next(
        i for i, s in enumerate(certificate["evidence"]) if s["kind"] == "convex_lower_bound"
    )
    for replacement, valid in ((0, False), (0.0, False), ("0/1", True), ("-0", True), ("1", False)):
        mutated = copy.deepcopy(certificate)
        mutated["evidence"][position]["blocks"][0]["multipliers"][1] = replacement
        assert checker.check_document(mutated).valid is valid, replacement

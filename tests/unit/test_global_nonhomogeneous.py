"""Issue 14: global minima for non-homogeneous activations do not depend on the file's point.

The data and architecture are fixed; only the point differs. Before the attaining-network search
the dead-zone instance gave "global minimum 0, attained" for the point that fits the data and
only "lower bound 0" (lowest network found 3/26) for the two others: the relaxation's optimum sat
at c = 0 (a limit of networks, not a network) and no network with the same outputs was sought.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from losscert import checker
from losscert.checker.problem import read_problem as checker_problem
from losscert.checker.problem import risk as checker_risk
from losscert.encodings.cell_programs import Block, augmented, block_outputs, block_rows
from losscert.model.activation import Activation, hardtanh, relu6
from losscert.model.problem import Problem
from losscert.verifier.attaining import realise_outputs
from losscert.verifier.global_min import certify_global_min
from losscert.verifier.verdict import Status

from ..support.nonhomogeneous import (
    DEAD_ZONE,
    KINKED,
    KINKED_LABELS,
    SHIFTED_RELU,
    XS,
    make_problem,
)


def _problem(act: Activation, labels: list[int], point: tuple) -> Problem:
    return make_problem(act, labels, point)


# The three files: same data (y = x on x = -2..2), one dead-zone neuron, three points.
DEAD_ZONE_POINTS = {
    "fits": (["1"], ["4"], ["1"], "-3"),  # every sample on the outer piece z - 1: R = 0
    "through_zero": (["1"], ["0"], ["1"], "0"),  # R = 4/5
    "other": (["-1/2"], ["1/4"], ["2"], "1/3"),  # R = 473/180
}


def _backed_minimum(result) -> Fraction:
    """The reported minimum, after checking its certificate and the risk at its point."""
    document = result.minimum_certificate
    assert document is not None and document["claim"] == {"kind": "global_min"}
    assert checker.check_document(document).valid
    problem = checker_problem(document["problem"], Path("."))
    assert checker_risk(problem, problem.point) == result.minimum
    return result.minimum


@pytest.mark.parametrize("name", sorted(DEAD_ZONE_POINTS))
def test_dead_zone_minimum_is_the_same_for_every_point(name: str) -> None:
    problem = _problem(DEAD_ZONE, [-2, -1, 0, 1, 2], DEAD_ZONE_POINTS[name])
    result = certify_global_min(problem)
    assert result.lower_bound == 0
    assert _backed_minimum(result) == 0  # was None ("lower bound 0") for two of the points
    expected = Status.PROVED if name == "fits" else Status.REFUTED
    assert result.verdict.status is expected


@pytest.mark.parametrize(
    ("act", "labels", "minimum"),
    [
        (DEAD_ZONE, [1, 3, -2, 1, -1], Fraction(2)),
        (hardtanh(), [1, 3, -2, 1, -1], Fraction(4, 3)),
        (relu6(), [1, 3, -2, 1, -1], Fraction(4, 3)),
        (SHIFTED_RELU, [1, 3, -2, 1, -1], Fraction(171, 80)),
    ],
    ids=["dead_zone", "hardtanh", "relu6", "shifted_relu"],
)
def test_one_neuron_minimum_is_the_same_for_three_points(act, labels, minimum) -> None:
    points = [
        (["1"], ["0"], ["1"], "0"),
        (["-2"], ["1/3"], ["-1"], "1"),
        (["1/2"], ["-3"], ["3"], "-1/2"),
    ]
    minima = [_backed_minimum(certify_global_min(_problem(act, labels, p))) for p in points]
    assert minima == [minimum] * 3


def test_a_limit_neuron_of_the_dead_zone_is_a_neuron_of_the_outer_pattern() -> None:
    """y = x on the samples is the dead zone's limit c h(x / c) (c -> 0) and also, exactly, the
    neuron h(x + 4) - ... with every sample on the outer piece z - 1 (offset -1 into b_2)."""
    xs = augmented([[x] for x in XS])
    found = realise_outputs([Block((2,) * 5, 1)], xs, DEAD_ZONE, list(XS))
    assert found is not None
    (z,), bias = found
    assert z[-1] > 0  # c != 0: a neuron, not a limit
    assert all(
        sum((a * b for a, b in zip(g, z, strict=True)), Fraction(0)) >= 0
        for g in block_rows(Block((2,) * 5, 1), xs, DEAD_ZONE)
    )
    outputs = [
        sum((a * b for a, b in zip(m, z, strict=True)), bias)
        for m in block_outputs(Block((2,) * 5, 1), xs, DEAD_ZONE)
    ]
    assert outputs == XS


def test_a_limit_of_the_shifted_relu_moves_its_bias() -> None:
    """relu(x) on x = -2..2 is max(z - 1, 0) in the limit c -> 0 of c h(x / c); exactly it is
    the neuron with w~ = (1, 1), c = 1 (the same pattern)."""
    xs = augmented([[x] for x in XS])
    target = [max(x, Fraction(0)) for x in XS]
    found = realise_outputs([Block((0, 0, 0, 1, 1), 1)], xs, SHIFTED_RELU, target)
    assert found is not None and found[0][0][-1] > 0


def test_the_kinked_limit_is_no_single_neuron() -> None:
    """y = h_inf(x) = (-x for x < 0, 2x for x > 0): by hand, no neuron c h(w x + b) + b_2 with
    h's slopes (-1, 1, 2) fits it (the middle piece would need zero length), so no block
    realises it; the search must not pretend otherwise."""
    from losscert.encodings.arrangement import neuron_regions

    xs = augmented([[x] for x in XS])
    target = [Fraction(v) for v in (2, 1, 0, 2, 4)]
    regions = neuron_regions([[x] for x in XS], list(KINKED.breakpoints))
    for region in regions.regions:
        for sign in (1, -1):
            assert realise_outputs([Block(region.pattern, sign)], xs, KINKED, target) is None


@pytest.mark.parametrize("point", [(["1"], ["0"], ["1"], "0"), (["-2"], ["1/3"], ["-1"], "1")])
def test_the_kinked_infimum_is_certified_not_attained_for_every_point(point) -> None:
    result = certify_global_min(_problem(KINKED, KINKED_LABELS, point))
    assert result.minimum is None and result.lower_bound == 0 and result.infimum == 0
    document = result.infimum_certificate
    assert document is not None and checker.check_document(document).valid
    assert document["claim"] == {"kind": "infimum_not_attained", "value": "0"}
    assert document["minor"] == 1
    # the point is no global minimum: a network of lower risk (from the family, or lower still)
    assert result.verdict.status is Status.REFUTED


def test_two_kinked_neurons_attain_the_infimum() -> None:
    """With width 2 the same outputs are a network (so no infimum_not_attained is issued)."""
    point = (["1", "-1"], ["0", "1"], ["1", "1/2"], "0")
    result = certify_global_min(_problem(KINKED, KINKED_LABELS, point))
    assert _backed_minimum(result) == 0 and result.infimum is None


@pytest.mark.parametrize("point", [(["1"], ["0"], ["1"], "0"), (["1/2"], ["-3"], ["3"], "-1/2")])
def test_an_infimum_above_the_relaxations_bound_is_certified_not_attained(point) -> None:
    """One kinked neuron on labels -3, -3, -1, 3, -2: the relaxation (any width) is below the
    width-1 infimum 4/5, which one subset of blocks reaches only at c = 0; every other subset's
    bound is above 4/5 (found by a random search over labels; before: "lower bound 4/5")."""
    result = certify_global_min(_problem(KINKED, [-3, -3, -1, 3, -2], point))
    assert result.minimum is None and result.infimum == Fraction(4, 5)
    assert result.bound_certificate is not None
    assert Fraction(result.bound_certificate["claim"]["bound"]) < Fraction(4, 5)
    document = result.infimum_certificate
    assert document is not None and checker.check_document(document).valid
    bounds = [
        Fraction(s["bound"]) for s in document["evidence"] if s["kind"] == "convex_lower_bound"
    ]
    assert min(bounds) == Fraction(4, 5) and max(bounds) > Fraction(4, 5)


def test_absolute_loss_certifies_the_infimum_without_deciding_attainment() -> None:
    """infimum_not_attained needs a strictly convex loss; with the absolute loss the value 0 is
    still exact (global_infimum: the limit family and the per-subset bounds)."""
    problem = make_problem(KINKED, KINKED_LABELS, (["1"], ["0"], ["1"], "0"), loss="absolute")
    result = certify_global_min(problem)
    assert result.minimum is None and result.infimum == 0 and result.infimum_attained is None
    document = result.infimum_certificate
    assert document is not None and document["claim"]["kind"] == "global_infimum"
    assert checker.check_document(document).valid


def test_a_sparse_relaxation_at_c_zero_is_certified_without_the_subsets(monkeypatch) -> None:
    """When the relaxation's own optimum uses at most d_1 blocks, some at c = 0 (here built by
    hand: the kinked labels are fitted exactly, so g = 0 and zero multipliers certify the bound
    0 over every block), the infimum certificate comes before any per-subset program."""
    from losscert.encodings.cell_programs import Block
    from losscert.verifier import global_min
    from losscert.verifier.cell_minimum import BlockBound

    def sparse(problem, blocks):
        limit = Block((0, 0, 1, 2, 2), 1)  # v = x: pieces 0 | middle at x = 0 | 2, c = 0
        n = len(XS)
        rows = {b: 1 + sum(1 if k in (0, 2) else 2 for k in b.pattern) for b in blocks}
        return BlockBound(
            blocks=tuple(blocks),
            bound=Fraction(0),
            outputs=tuple(Fraction(y) for y in KINKED_LABELS),
            subgradients=(Fraction(0),) * n,
            multipliers=tuple((Fraction(0),) * rows[b] for b in blocks),
            parts=tuple(
                (Fraction(1), Fraction(0), Fraction(0)) if b == limit else (Fraction(0),) * 3
                for b in blocks
            ),
            bias=Fraction(0),
        )

    monkeypatch.setattr(global_min, "_global_relaxation", sparse)
    programs = []
    real = global_min._minimise
    monkeypatch.setattr(global_min, "_minimise", lambda *a: programs.append(1) or real(*a))
    result = certify_global_min(_problem(KINKED, KINKED_LABELS, (["1"], ["0"], ["1"], "0")))
    assert result.route == "relaxation" and not programs  # no per-subset program
    assert result.infimum == 0 and result.infimum_attained is False
    document = result.infimum_certificate
    assert document is not None and checker.check_document(document).valid
    kinds = [s["kind"] for s in document["evidence"]]
    assert kinds.count("convex_lower_bound") == 1
    assert result.verdict.status is Status.REFUTED  # a member of the family is below the point

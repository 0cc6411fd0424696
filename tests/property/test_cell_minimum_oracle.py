"""Oracle: the certified minimum over a cell's closure is a true lower bound, and attained.

Random one-hidden-layer problems with small rational weights; the oracle is exact evaluation of
the risk at the point itself and at random points of the same open cell (moves of every
parameter, kept when the pattern and the output-weight signs do not change).
"""

import random
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscert import checker
from losscert.encodings.cells import locate_cell
from losscert.model.activation import hardtanh, leaky_relu, relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import (
    cell_minimum,
    certify_cell_global_min,
    snap_to_cell_minimum,
)
from losscert.verifier.verdict import Status

F = Fraction
ACTIVATIONS = {"relu": relu(), "leaky_relu": leaky_relu(), "hardtanh": hardtanh()}
small = st.integers(-6, 6).map(lambda k: F(k, 3))


@st.composite
def problems(draw):
    act = ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]
    loss = draw(st.sampled_from(["squared", "absolute"]))
    n = draw(st.integers(3, 5))
    xs = [[F(i)] for i in range(n)]
    ys = [[draw(small)] for _ in range(n)]
    hidden = 2
    w1 = [[draw(small)] for _ in range(hidden)]
    b1 = [draw(small) + F(1, 7) for _ in range(hidden)]  # 1/7 keeps pre-activations off 0, +-1
    c = [draw(small.filter(lambda v: v != 0)) for _ in range(hidden)]
    net = Network.from_rationals([w1, [c]], [b1, [draw(small)]], act)
    return Problem(net, Loss(loss), Dataset.from_rows(xs, ys)), draw(st.integers(0, 10**6))


def _same_cell(problem, other):
    a, b = locate_cell(problem), locate_cell(other)
    signs = [v > 0 for v in problem.network.weights(2)[0]]
    return (
        not b.on_boundary
        and a.pieces == b.pieces
        and signs == [v > 0 for v in other.network.weights(2)[0]]
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_cell_minimum_bounds_every_point_of_the_cell(case):
    problem, seed = case
    if locate_cell(problem).on_boundary:
        return
    minimum, witness = cell_minimum(problem)
    assert problem.risk() >= minimum
    if witness is not None:
        assert problem.with_network(witness).risk() == minimum
    rng = random.Random(seed)
    theta = problem.network.parameter_vector()
    for _ in range(20):
        moved = [v + F(rng.randint(-30, 30), 100) for v in theta]
        other = problem.with_network(problem.network.with_parameters(moved))
        if _same_cell(problem, other):
            assert other.risk() >= minimum


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_snapped_points_are_certified_and_no_sample_of_their_cell_is_lower(case):
    problem, seed = case
    if locate_cell(problem).on_boundary:
        return
    snapped = snap_to_cell_minimum(problem)
    if snapped is None:
        return
    point = problem.with_network(snapped)
    verdict = certify_cell_global_min(point)
    assert verdict.status is Status.PROVED, verdict.detail
    assert checker.check_document(verdict.certificate).valid
    rng = random.Random(seed)
    theta = snapped.parameter_vector()
    for _ in range(20):
        moved = [v + F(rng.randint(-10, 10), 1000) for v in theta]
        other = point.with_network(snapped.with_parameters(moved))
        if _same_cell(point, other):
            assert other.risk() >= point.risk()

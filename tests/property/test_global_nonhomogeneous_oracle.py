"""Issue 14, property: for non-homogeneous activations the answer of `certify_global_min` does not
depend on the file's point, and it is consistent with an oracle of sampled networks.

For random labels on x = -2..2 and one neuron, two random points must give the same answer
("min X" with a checked global_min certificate whose point has risk X, "inf X" with a checked
infimum_not_attained certificate, or "lb X"); X is below the risk of each point and of 300
random networks (exact risks: a sampled network below X would refute the certified bound), and
an "inf X" is never attained by a sampled network.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscert import checker
from losscert.checker.problem import read_problem as checker_problem
from losscert.checker.problem import risk as checker_risk
from losscert.model.activation import hardtanh, relu6
from losscert.model.network import Network
from losscert.verifier.global_min import certify_global_min

from ..support.nonhomogeneous import DEAD_ZONE, KINKED, SHIFTED_RELU, make_problem

ACTIVATIONS = {
    "dead_zone": DEAD_ZONE,
    "kinked": KINKED,
    "shifted_relu": SHIFTED_RELU,
    "hardtanh": hardtanh(),
    "relu6": relu6(),
}
small = st.fractions(min_value=-3, max_value=3, max_denominator=3).map(str)
points = st.tuples(
    st.lists(small, min_size=1, max_size=1),
    st.lists(small, min_size=1, max_size=1),
    st.lists(small, min_size=1, max_size=1),
    small,
)


def _answer(result) -> tuple[str, Fraction | None]:
    if result.minimum is not None:
        document = result.minimum_certificate
        assert document is not None and checker.check_document(document).valid
        problem = checker_problem(document["problem"], Path("."))
        assert checker_risk(problem, problem.point) == result.minimum
        return "min", result.minimum
    if result.infimum is not None:
        assert checker.check_document(result.infimum_certificate).valid
        return "inf", result.infimum
    return "lb", result.lower_bound


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(ACTIVATIONS)),
    labels=st.lists(st.integers(-3, 3), min_size=5, max_size=5),
    first=points,
    second=points,
    seed=st.integers(0, 10**6),
)
def test_the_answer_does_not_depend_on_the_point(name, labels, first, second, seed) -> None:
    act = ACTIVATIONS[name]
    answers = []
    for point in (first, second):
        problem = make_problem(act, labels, point)
        result = certify_global_min(problem)
        kind, value = _answer(result)
        answers.append((kind, value))
        assert value is not None and value <= problem.risk()
    assert answers[0] == answers[1]
    kind, value = answers[0]
    problem = make_problem(act, labels, first)
    rnd = random.Random(seed)
    for _ in range(300):
        r = [Fraction(rnd.randint(-40, 40), rnd.randint(1, 8)) for _ in range(4)]
        net = Network.from_rationals([[[r[0]]], [[r[2]]]], [[r[1]], [r[3]]], act)
        sampled = problem.with_network(net).risk()
        assert sampled >= value
        if kind == "inf":
            assert sampled > value

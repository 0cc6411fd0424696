"""An independent oracle for the box_in_cell argument at Theorem 1 points: exact rational points
drawn inside the certified box keep the cell's pattern and never have a lower risk."""

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.encodings.box import box_radius
from losscert.encodings.cells import locate_cell
from losscert.model import Problem
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.theorems.instances import builtin_instances
from losscert.verifier.regression import fit_affine

NAMES = [
    "relu-depth2-dy1",
    "hardtanh-depth3-dy2",
    "abs-depth4-dy3",
    "three_pieces-depth5-dy1",
    "relu6-depth3-dy2",
]
INSTANCES = {i.name: i for i in builtin_instances()}


def _stage1(name: str) -> tuple[Problem, F]:
    instance = INSTANCES[name]
    data = instance.data()
    fit = fit_affine(data, instance.loss)
    network = collapse_network(
        instance.widths, instance.activation, fit, choose_collapse(instance.activation, fit)
    )
    problem = Problem(network, instance.loss, data)
    radius = box_radius(problem)
    assert radius is not None and radius > 0
    return problem, radius


STAGE1 = {name: _stage1(name) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_points_in_the_box_keep_the_cell_and_are_not_lower(name: str, data: st.DataObject) -> None:
    problem, radius = STAGE1[name]
    base = problem.network.parameter_vector()
    steps = data.draw(st.lists(st.integers(-16, 16), min_size=len(base), max_size=len(base)))
    moved = [v + F(k, 16) * radius for v, k in zip(base, steps, strict=True)]
    nearby = problem.with_network(problem.network.with_parameters(moved))
    assert locate_cell(nearby).pieces == locate_cell(problem).pieces
    assert nearby.risk() >= problem.risk()


@pytest.mark.parametrize("name", NAMES)
def test_box_corners_are_not_lower(name: str) -> None:
    problem, radius = STAGE1[name]
    base = problem.network.parameter_vector()
    for sign in (1, -1):
        for parity in (0, 1):
            moved = [
                v + sign * (radius if (a + parity) % 2 else -radius) for a, v in enumerate(base)
            ]
            nearby = problem.with_network(problem.network.with_parameters(moved))
            assert locate_cell(nearby).pieces == locate_cell(problem).pieces
            assert nearby.risk() >= problem.risk()

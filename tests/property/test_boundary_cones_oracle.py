"""The convex cone route (issue 14) against exact sampling: a PROVED boundary point has no lower
point among many exact perturbations of every size down to 2^-20; a REFUTED one has an exactly
lower point on its descent line. Points: one-hidden-layer ReLU networks with a zero neuron tied on
every sample, random duplicated data, random output bias shifts (minima and non-minima)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert import checker
from losscert.encodings.cells import locate_cell
from losscert.model.dataset import Dataset
from losscert.model.problem import Problem
from losscert.verifier.boundary_cones import decide_by_cones
from losscert.verifier.verdict import Status

from ..support.tie_instances import tied_minimiser

F = Fraction


def _variant(n: int, shift: int, label_seed: int, c: int = 0) -> Problem:
    base = tied_minimiser(1, n)
    rng = np.random.default_rng(label_seed)
    rows = base.data.input_rows()
    noise = label_seed % 2  # odd seeds move the labels off the teacher
    labels = [[y[0] + noise * F(int(rng.integers(-1, 2)), 3)] for y in base.data.label_rows()]
    theta = base.network.parameter_vector()
    theta[-1] += F(shift, 4)  # the output bias
    theta[-2] = F(c)  # the tied neuron's output weight (0: both signs near theta*)
    problem = Problem(
        base.network.with_parameters(theta), base.loss, Dataset.from_rows(rows, labels)
    )
    return problem


def _sampled_lower(problem: Problem, seed: int) -> bool:
    rng = np.random.default_rng(seed)
    theta = problem.network.parameter_vector()
    risk = problem.risk()
    for k in range(60):
        scale = F(1, 2 ** (1 + k % 20))
        step = [F(int(v), 8) * scale for v in rng.integers(-8, 9, len(theta))]
        moved = problem.network.with_parameters([a + b for a, b in zip(theta, step, strict=True)])
        if problem.with_network(moved).risk() < risk:
            return True
    return False


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(3, 7),
    shift=st.integers(-2, 2),
    label_seed=st.integers(0, 10**6),
    seed=st.integers(0, 10**6),
    c=st.sampled_from([0, 1, -1]),
)
def test_cone_verdicts_agree_with_exact_sampling(
    n: int, shift: int, label_seed: int, seed: int, c: int
) -> None:
    problem = _variant(n, shift, label_seed, c)
    verdict = decide_by_cones(problem, locate_cell(problem))
    if verdict is None:
        return
    assert checker.check_document(verdict.certificate).valid
    if verdict.status is Status.PROVED:
        assert not _sampled_lower(problem, seed)
    else:
        step = verdict.certificate["evidence"][0]
        direction = [F(v) for v in step["direction"]]
        theta = problem.network.parameter_vector()
        t = F(1)
        for _ in range(60):
            point = [a + t * d for a, d in zip(theta, direction, strict=True)]
            if problem.with_network(problem.network.with_parameters(point)).risk() < problem.risk():
                break
            t /= 2
        else:
            raise AssertionError("the certified descent direction never went down")

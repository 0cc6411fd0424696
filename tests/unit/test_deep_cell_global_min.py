"""certify_cell_global_min at two and more hidden layers: a zero lifted gradient at a point
inside its cell (docs/certificate.md 3.24) proves R >= R(theta*) on the whole cell."""

from __future__ import annotations

import random
from fractions import Fraction as F

from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.verifier import Status
from losscert.verifier.global_min import certify_cell_global_min

from ..support.deep_flat import deep_flat


def test_a_deep_flat_minimum_is_the_minimum_of_its_cell() -> None:
    problem = deep_flat((3, 4), 9)
    verdict = certify_cell_global_min(problem)
    assert verdict.status is Status.PROVED
    assert verdict.certificate is not None
    assert verdict.certificate["claim"]["kind"] == "cell_global_min"
    assert check_document(verdict.certificate).valid
    # an oracle: points of the same cell sampled around theta* never have a lower exact risk
    rnd = random.Random(1)
    theta, risk, cell = problem.network.parameter_vector(), problem.risk(), locate_cell(problem)
    for _ in range(40):
        step = F(1, 2 ** rnd.randint(4, 12))
        moved = [v + step * rnd.randint(-4, 4) for v in theta]
        other = problem.with_network(problem.network.with_parameters(moved))
        if locate_cell(other).pieces == cell.pieces:
            assert other.risk() >= risk


def test_a_point_with_a_nonzero_lifted_gradient_is_not_proved() -> None:
    problem = deep_flat((3, 4), 9)
    theta = problem.network.parameter_vector()
    theta[-1] += F(1, 64)  # the output bias: the residuals no longer sum to 0
    moved = problem.with_network(problem.network.with_parameters(theta))
    verdict = certify_cell_global_min(moved)
    assert verdict.status is Status.UNKNOWN
    assert "lifted gradient" in (verdict.detail or "")

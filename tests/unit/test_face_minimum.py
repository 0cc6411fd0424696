"""Minima on a face of a cell, any depth (issue 13): ties held on their breakpoints, the first
layer and the biases solved exactly. Hand-worked values throughout."""

from fractions import Fraction as F
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.face_minimum import face_points, is_face_critical, linear_block
from losscert.verifier.nearby import certify_nearby
from losscert.verifier.smt_route import SmtOptions

DATA = Dataset.from_rows([[-1], [0], [1], [2]], [[0], [0], [1], [2]])  # relu(x) fits exactly


def _trained(loss: str = "squared") -> Problem:
    """relu(relu(x + 1/100) + 1/2) - 1/2 + 1/100: the kink 1/100 left of the sample x = 0."""
    net = Network.from_rationals(
        [[[1]], [[1]], [[1]]], [[F(1, 100)], [F(1, 2)], [F(-1, 2) + F(1, 100)]], relu()
    )
    return Problem(net, make_loss(loss), DATA)


def test_the_linear_block_is_the_first_layer_and_every_bias() -> None:
    assert linear_block(_trained()) == [0, 1, 3, 5]  # w1, b1, b2, b3 (v and c multiply)
    widths = Network.from_rationals(
        [[[0]] * 4, [[0] * 4] * 4, [[0] * 4]], [[0] * 4, [0] * 4, [0]], relu()
    )
    problem = Problem(widths, make_loss("squared"), DATA)
    assert linear_block(problem) == [*range(8), 24, 25, 26, 27, 32]


def test_the_face_point_puts_the_kink_on_the_sample_and_fits_exactly() -> None:
    problem = _trained()
    cell = locate_cell(problem)
    points = list(face_points(problem, cell))
    # inside the cell the fit needs b1 = 0 (not strict): only the face "z(x = 0) = 0" is left;
    # on it w1 = 1, b2 + b3 = 0 and the shortest step splits -1/100 between b2 and b3
    assert len(points) == 1
    point = points[0]
    assert point.network.parameter_vector() == [1, 0, 1, F(99, 200), 1, F(-99, 200)]
    assert point.risk() == 0
    assert [(t.layer, t.neuron, t.sample) for t in locate_cell(point).ties] == [(1, 0, 1)]
    assert is_face_critical(cell, point)
    assert not is_face_critical(cell, problem)  # the trained point: gradient off the face


def test_other_losses_are_left_to_other_routes() -> None:
    problem = _trained("absolute")
    assert list(face_points(problem, locate_cell(problem))) == []


def _face_verdict(options: SmtOptions | None = None) -> dict[str, dict[str, Any]]:
    result = certify_nearby(_trained(), options, spurious=False)
    assert result.local.status is Status.PROVED
    assert result.moved is not None and result.moved.route == "face minimum"
    assert result.distance == F(1, 100) and result.risk == 0
    assert check_document(result.local.certificate).valid
    return {step["kind"]: step for step in result.local.certificate["evidence"]}


def test_certify_nearby_proves_the_face_minimum_without_a_solver() -> None:
    # risk 0: every loss gradient vanishes, so the lifted first-order step decides it
    assert "lifted_gradient_zero" in _face_verdict()


@pytest.mark.solver
def test_certify_nearby_proves_the_face_minimum_with_the_shrunk_smt_query() -> None:
    steps = _face_verdict(SmtOptions(lifted=False))
    smt = next(step for kind, step in steps.items() if kind.startswith("smt"))
    assert F(smt["radius"]) * 1000 == F(steps["box_near_boundary"]["radius"])  # the shrunk query


def test_a_face_point_left_open_is_reported_with_where_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from losscert.verifier import nearby
    from losscert.verifier.nearby_report import format_nearby, nearby_to_dict
    from losscert.verifier.verdict import Verdict

    def undecided(moved: nearby.MovedPoint, options: object) -> Verdict:
        return Verdict(Status.UNKNOWN, "local_min", reason="budget", detail="out of time; ")

    monkeypatch.setattr(nearby, "_certify_moved", undecided)  # the cheap rungs, then
    monkeypatch.setattr(nearby, "_smt_rung", undecided)  # the SMT rung leave it open
    result = certify_nearby(_trained(), spurious=False)
    assert result.local.status is Status.UNKNOWN and result.local.reason == "budget"
    assert result.moved is not None and result.moved.route == "face minimum"
    assert result.distance == F(1, 100) and result.risk == 0
    assert result.local.certificate is None
    text = "\n".join(format_nearby(result))
    assert "nearby critical point of a face: UNKNOWN (budget) [face minimum]" in text
    assert "at distance 0.01 (= 1/100)" in text and "not decided: out of time" in text
    as_json = nearby_to_dict(result)
    assert as_json["status"] == "unknown" and as_json["route"] == "face minimum"
    assert as_json["risk"] == "0"


def test_with_no_tie_the_point_inside_the_cell_is_the_linear_block_minimum() -> None:
    from losscert.verifier.nearby import face_moves
    from tests.unit.test_nearby_flat import _deep

    problem = _deep(F(3) + F(1, 100), F(-2))  # predictions A on x = 3, B elsewhere: any A, B
    moves = list(face_moves(problem))
    assert [m.route for m in moves] == ["linear-block minimum"]
    assert not locate_cell(moves[0].problem).on_boundary
    assert moves[0].problem.risk() == F(1, 2)  # A = 3, B = 1, as the output layer's route

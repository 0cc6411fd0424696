"""Closed-cell minima that are not local minima (issue 13): refuted with a descent certificate,
then the descent is followed into the adjacent cells until a local minimum is proved."""

from fractions import Fraction as F

import pytest

from losscert.bench.training import kinked
from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status, nearby
from losscert.verifier.nearby import certify_nearby, distance, nearby_verdicts
from losscert.verifier.nearby_descent import descent_direction, step_into_open_cell
from losscert.verifier.nearby_report import format_nearby, nearby_to_dict
from losscert.verifier.verdict import Verdict

# The point seeded Adam reaches on the kinked table (bench family ``trained``,
# kinked-1-4-1-seed0), exact: train_relu((1, 4, 1), *kinked(), seed=0, steps=4000).
TRAINED = [
    "2024467/4194304",
    "9127555/16777216",
    "-1005051/524288",
    "-5515477/8388608",
    "16197899/67108864",
    "640577/524288",
    "1790605/33554432",
    "5625189/4194304",
    "-729211/536870912",
    "11746901/8388608",
    "9065275/8388608",
    "-2581329/2097152",
    "-5072395/33554432",
]


def _trained() -> Problem:
    inputs, labels = kinked()
    zero = Network.from_rationals([[[0]] * 4, [[0] * 4]], [[0] * 4, [0]], relu())
    net = zero.with_parameters([F(v) for v in TRAINED])
    return Problem(net, make_loss("squared"), Dataset.from_rows(inputs, labels))


def test_the_closed_cell_minimum_is_refuted_and_the_descent_reaches_a_local_minimum() -> None:
    problem = _trained()
    result = certify_nearby(problem, spurious=False)
    assert result.not_minimum is not None
    refuted = result.not_minimum
    assert refuted.verdict.status is Status.REFUTED
    assert refuted.verdict.certificate["claim"] == {"kind": "not_local_min"}
    assert check_document(refuted.verdict.certificate).valid
    assert locate_cell(refuted.problem).on_boundary  # a kink on a sample
    assert result.not_minimum_distance == distance(problem, refuted.problem)
    # two hops: the first neuron's kink walks past two samples; each hop lowers the exact risk
    assert result.local.status is Status.PROVED
    assert result.moved is not None
    assert result.moved.route == "closed-cell minimum after 2 descent hop(s)"
    assert result.risk is not None and result.risk < refuted.problem.risk()
    assert check_document(result.local.certificate).valid
    assert result.distance == distance(problem, result.moved.problem)
    assert [v.certificate["claim"]["kind"] for v in nearby_verdicts(result)] == [
        "local_min",
        "not_local_min",
    ]
    text = "\n".join(format_nearby(result))
    assert "not a local minimum: the minimum of the closed cell at distance" in text
    assert "nearby local minimum: PROVED [closed-cell minimum after 2 descent hop(s)]" in text
    as_json = nearby_to_dict(result)
    assert as_json["status"] == "proved"
    assert as_json["not_minimum"]["status"] == "refuted"
    assert F(as_json["not_minimum"]["risk"]) == refuted.problem.risk()


def test_without_the_descent_the_answer_is_the_refutation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nearby, "follow_descent", lambda *args: None)
    result = certify_nearby(_trained(), spurious=False)
    assert result.local.status is Status.REFUTED  # said plainly, not UNKNOWN
    assert result.not_minimum is not None and result.local is not result.not_minimum.verdict
    assert result.moved is not None and result.moved.route == "closed-cell minimum"
    assert result.moved.problem == result.not_minimum.problem
    assert [v.certificate["claim"]["kind"] for v in nearby_verdicts(result)] == ["not_local_min"]
    text = "\n".join(format_nearby(result))
    assert "not a local minimum" in text and "nearby local minimum" not in text
    assert nearby_to_dict(result)["status"] == "refuted"


def test_descent_direction_and_the_step_into_the_adjacent_cell() -> None:
    assert descent_direction(Verdict(Status.UNKNOWN, "local_min", reason="unsupported")) is None
    # f = relu(x - 1) on x = 0, 1, 2 with labels 0, 1, 1: the kink sits on sample x = 1
    net = Network.from_rationals([[[1]], [[1]]], [[-1], [0]], relu())
    data = Dataset.from_rows([[0], [1], [2]], [[0], [1], [1]])
    problem = Problem(net, make_loss("squared"), data)
    assert locate_cell(problem).on_boundary
    # raising the bias activates sample 1: R(t) = ((1 - t)^2 + t^2 ... ) / 3 decreases at t = 0+
    stepped = step_into_open_cell(problem, [F(0), F(1), F(0), F(0)])
    assert stepped is not None and not locate_cell(stepped).on_boundary
    assert stepped.network.biases(1) == [F(-1) + F(1, 16)]  # the longest step 2^-4 that descends
    assert stepped.risk() < problem.risk()
    assert step_into_open_cell(problem, [F(0), F(-1), F(0), F(0)]) is None  # risk goes up

"""Nearby minima (issue 13): a point that is not exactly critical is moved onto an exact critical
point near it, which is then certified from scratch. Hand-worked values throughout."""

from fractions import Fraction as F

from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.nearby import certify_nearby, distance, gradient_size, newton_point
from losscert.verifier.nearby_report import format_nearby, nearby_to_dict

DATA = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
# The optimal affine fit is y = 4/5 x + 3/10 with risk (9 + 81 + 81 + 9) / 100 / 4 = 9/20.


def _collapsed(c1: F) -> Problem:
    """relu(x + 1) feeds the output with weight c1; relu(-x - 10) is dead, with outgoing weight 0 (a spare neuron)."""
    net = Network.from_rationals([[[1], [-1]], [[c1, 0]]], [[1, -10], [F(-1, 2)]], relu())
    return Problem(net, make_loss("squared"), DATA)


def test_a_collapsed_point_off_by_a_thousandth_moves_onto_the_affine_fit() -> None:
    problem = _collapsed(F(4, 5) + F(1, 1000))
    assert certify_local_min(problem).status is Status.REFUTED  # not exactly critical
    # the residuals r of the fit are orthogonal to x + 1, so R = (1.8 + 10^-6 sum (x+1)^2) / 4
    assert problem.risk() == F(9, 20) + F(3, 400000)
    result = certify_nearby(problem)
    assert result.local.status is Status.PROVED
    assert result.moved is not None and result.moved.route == "linear collapse"
    assert result.moved.problem.network.weights(2) == [[F(4, 5), 0]]  # the spare weight is kept
    assert result.moved.problem.network.biases(2) == [F(-1, 2)]
    assert result.distance == F(1, 1000)
    assert result.risk == F(9, 20)
    assert result.original_risk == F(9, 20) + F(3, 400000)
    assert result.local.stats["distance"] == F(1, 1000)
    assert result.local.stats["original_risk"] == result.original_risk
    assert check_document(result.local.certificate).valid
    assert result.local.certificate["problem"]["point"][4] == "4/5"
    assert result.spurious is not None and result.spurious.status is Status.PROVED
    assert result.spurious.stats["witness_risk"] < F(9, 20)


def test_gradient_size_is_the_exact_largest_partial_derivative() -> None:
    # dR/dc1 = (2/4) sum_i (f_i - y_i)(x_i + 1) = (1/2) 10^-3 * 30 = 3/200 (the residuals drop out)
    assert gradient_size(_collapsed(F(4, 5) + F(1, 1000))) == F(3, 200)
    assert gradient_size(_collapsed(F(4, 5))) == 0


def test_output_names_the_gradient_distance_and_risks() -> None:
    result = certify_nearby(_collapsed(F(4, 5) + F(1, 1000)))
    text = "\n".join(format_nearby(result))
    assert "max |dR/dtheta_a| = 0.015" in text
    assert "[linear collapse] at distance 0.001" in text and "= 1/1000" in text
    assert "risk 0.45 (= 9/20)" in text
    as_json = nearby_to_dict(result)
    assert as_json["distance"] == "1/1000" and as_json["risk"] == "9/20"
    assert as_json["original_risk"] == "180003/400000"
    assert as_json["spurious"] == "proved"


def _hardtanh_fit(c: F) -> Problem:
    """c hardtanh(x) + 1/2 fits (-2, -3/2), (0, 1/2), (1/2, 3/2), (2, 5/2) exactly when c = 2."""
    net = Network.from_rationals([[[1]], [[c]]], [[0], [F(1, 2)]], hardtanh(-1, 1))
    data = Dataset.from_rows(
        [[-2], [0], [F(1, 2)], [2]], [[F(-3, 2)], [F(1, 2)], [F(3, 2)], [F(5, 2)]]
    )
    return Problem(net, make_loss("squared"), data)


def test_newton_finds_the_rational_critical_point_of_a_strict_minimum() -> None:
    problem = _hardtanh_fit(F(2) + F(1, 100))
    moved = newton_point(problem, locate_cell(problem))
    assert moved is not None
    assert moved.network.parameter_vector() == [1, 0, 2, F(1, 2)]
    assert moved.risk() == 0
    assert distance(problem, moved) == F(1, 100)


def test_one_hidden_layer_cell_minimum_route() -> None:
    result = certify_nearby(_hardtanh_fit(F(2) + F(1, 100)))
    assert result.local.status is Status.PROVED
    assert result.moved is not None and result.moved.route == "cell minimum"
    assert result.risk == 0
    assert result.spurious is not None and result.spurious.status is not Status.PROVED  # R = 0


def test_no_route_gives_unknown_with_what_was_tried() -> None:
    # a point on a cell boundary has no nearby route: UNKNOWN, never a guess
    net = Network.from_rationals([[[1]], [[F(3, 2)]]], [[0], [0]], relu())
    problem = Problem(
        net, make_loss("squared"), Dataset.from_rows([[0], [1], [2]], [[0], [1], [2]])
    )
    result = certify_nearby(problem)
    assert result.local.status is Status.UNKNOWN
    assert result.moved is None and result.distance is None

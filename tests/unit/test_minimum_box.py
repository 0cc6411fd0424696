"""The box claim (docs/certificate.md 3.20, since 1.1): a box around a rational centre that traps
a local minimum, with bounds on its risk. Hand-worked instances and mutations of the certificate."""

import copy
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.checker.intervals import Interval
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss
from losscert.verifier import Status
from losscert.verifier.minimum_box import certify_minimum_in_box, certify_spurious_in_box

OFF = F(1, 10**9)


def _hardtanh_fit(c: F) -> Problem:
    """c hardtanh(x) + 1/2 fits (-2, -3/2), (0, 1/2), (1/2, 3/2), (2, 5/2) exactly at c = 2."""
    net = Network.from_rationals([[[1]], [[c]]], [[0], [F(1, 2)]], hardtanh(-1, 1))
    data = Dataset.from_rows(
        [[-2], [0], [F(1, 2)], [2]], [[F(-3, 2)], [F(1, 2)], [F(3, 2)], [F(5, 2)]]
    )
    return Problem(net, make_loss("squared"), data)


def _proved() -> Any:
    verdict = certify_minimum_in_box(_hardtanh_fit(2 + OFF))
    assert verdict.status is Status.PROVED, verdict.detail
    return verdict


def test_the_box_around_an_off_centre_point_contains_the_exact_minimum() -> None:
    verdict = _proved()
    # the exact minimum (w, b, c, d) = (1, 0, 2, 1/2), of risk 0, lies 10^-9 from the centre
    assert verdict.stats["radius"] >= OFF
    assert verdict.stats["lower"] <= 0 <= verdict.stats["upper"]
    # hardtanh(x) is -1, 0, 1/2, 1 on the samples: R = 10^-18 (1 + 0 + 1/4 + 1) / 4
    assert verdict.stats["upper"] == OFF**2 * F(9, 16)
    claim = verdict.certificate["claim"]
    assert claim["kind"] == "local_min_in_box" and verdict.certificate["minor"] == 1
    assert F(claim["lower"]) == verdict.stats["lower"]
    assert check_document(verdict.certificate).valid


def _mutated(change: Any) -> str:
    certificate = copy.deepcopy(_proved().certificate)
    change(certificate)
    result = check_document(certificate)
    assert not result.valid
    return result.message


def _trap(c: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in c["evidence"] if s["kind"] == "minimum_in_box")


def test_mutations_of_the_trap_are_rejected() -> None:
    def too_small(c: dict[str, Any]) -> None:
        rho = F(_trap(c)["radius"]) / 100
        _trap(c)["radius"] = str(rho)
        c["claim"]["radius"] = str(rho)

    def too_curved(c: dict[str, Any]) -> None:
        _trap(c)["mu"] = "1000"

    def bigger_than_the_box(c: dict[str, Any]) -> None:
        _trap(c)["radius"] = "1000"
        c["claim"]["radius"] = "1000"

    def claim_narrower(c: dict[str, Any]) -> None:
        c["claim"]["radius"] = str(F(_trap(c)["radius"]) / 2)

    def claim_lower_too_high(c: dict[str, Any]) -> None:
        c["claim"]["lower"] = c["claim"]["upper"]

    def declared_1_0(c: dict[str, Any]) -> None:
        del c["minor"]

    def flat_data(c: dict[str, Any]) -> None:
        c["problem"]["data"]["labels"] = [["0"], ["0"], ["0"], ["0"]]  # the gradient grows

    assert "does not trap a minimum" in _mutated(too_small)
    assert "is not positive" in _mutated(too_curved)
    assert "at most the box_in_cell radius" in _mutated(bigger_than_the_box)
    assert "does not conclude local_min_in_box" in _mutated(claim_narrower)
    assert "does not conclude local_min_in_box" in _mutated(claim_lower_too_high)
    assert "from version 1.1 on" in _mutated(declared_1_0)
    assert not check_document(
        {**copy.deepcopy(_proved().certificate), "claim": {"kind": "local_min_in_box"}}
    ).valid
    assert "is not positive" in _mutated(flat_data)  # zero labels: far from a minimum


def test_a_point_with_a_zero_hessian_direction_gets_no_box() -> None:
    # an output weight of 0 makes the hidden neuron's weights invisible: a flat direction
    verdict = certify_minimum_in_box(_hardtanh_fit(F(0)))
    assert verdict.status is Status.UNKNOWN


def test_spurious_needs_a_point_below_the_lower_bound() -> None:
    local = _proved()
    # R >= 0 everywhere, and the box's lower bound is <= 0: no witness can exist
    spurious = certify_spurious_in_box(_hardtanh_fit(2 + OFF), local)
    assert spurious.status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("a", "b", "product"),
    [
        ((F(-1), F(2)), (F(3), F(4)), (F(-4), F(8))),
        ((F(-2), F(-1)), (F(-3), F(5)), (F(-10), F(6))),
        ((F(1, 3), F(1, 3)), (F(1, 3), F(1, 3)), (F(1, 9), F(1, 9))),
    ],
)
def test_interval_products_by_hand(a: tuple[F, F], b: tuple[F, F], product: tuple[F, F]) -> None:
    got = Interval(*a) * Interval(*b)
    assert (got.lo, got.hi) == product


def test_outward_rounding_only_widens() -> None:
    third = Interval(F(1, 3), F(1, 3))
    tiny = Interval(F(1, 3**90), F(1, 3**90))
    got = third * tiny  # 1 / 3^91 has a denominator beyond 2^128: rounded outward
    assert got.lo <= F(1, 3**91) <= got.hi
    assert got.lo < got.hi and got.hi - got.lo <= F(2, 2**128)


def test_a_trained_deep_point_gets_a_box_and_a_spurious_witness() -> None:
    """examples/adam_relu_deep_box.json: widths 1-2-1-1, Adam in float32 on 21 samples; its
    nearby minimum is irrational, so no rational route applies and the box does."""
    from losscert.io import read_problem
    from losscert.verifier.nearby import certify_nearby
    from losscert.verifier.nearby_report import format_nearby, nearby_to_dict

    from ..conftest import EXAMPLES

    problem = read_problem(EXAMPLES / "adam_relu_deep_box.json")
    result = certify_nearby(problem)
    assert result.moved is not None and result.moved.route == "box"
    assert result.local.status is Status.PROVED
    assert result.local.claim == "local_min_in_box"
    assert result.local.stats["lower"] <= result.local.stats["upper"] < result.original_risk
    assert result.spurious is not None and result.spurious.status is Status.PROVED
    assert result.spurious.stats["witness_risk"] < result.local.stats["lower"]
    assert check_document(result.spurious.certificate).valid
    as_json = nearby_to_dict(result)
    assert as_json["route"] == "box" and F(as_json["box_radius"]) == result.local.stats["radius"]
    assert F(as_json["risk_lower"]) <= F(as_json["risk_upper"])
    assert "a local minimum lies within" in "\n".join(format_nearby(result))

"""The escape_ray step and the no_local_min_in_box claim (docs/certificate.md 3.32):
the producer's certificates are valid, hand-worked radii hold exactly, and one-field changes of
the step, the claim and the problem are rejected."""

import copy
from collections.abc import Callable
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.certificate import new_certificate
from losscert.verifier.exp_box import certify_exp_nearby
from losscert.verifier.exp_rays import certify_no_minimum_near, escape_ray
from tests.unit.test_exp_rays import three_classes, two_features


def _certificate() -> dict[str, Any]:
    verdict = certify_no_minimum_near(three_classes())
    assert verdict is not None
    assert verdict.status is Status.REFUTED, verdict.detail
    assert verdict.claim == "local_min_in_box"
    assert verdict.stats["no_minimum_radius"] == F(7, 12)
    return copy.deepcopy(verdict.certificate)


def test_the_hand_worked_certificate() -> None:
    certificate = _certificate()
    assert certificate["claim"] == {"kind": "no_local_min_in_box", "radius": "7/12"}
    (step,) = certificate["evidence"]
    assert step["direction"] == [["-1", "0", "0"], ["0", "0", "0"], ["0", "0", "0"]]
    assert step["radius"] == "7/12"
    assert certificate["minor"] == 1
    assert check_document(certificate).valid


def _set(where: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        target = c["claim"] if where == "claim" else c["evidence"][0]
        target[field] = value

    return change


def _entry(row: int, col: int, value: str) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        c["evidence"][0]["direction"][row][col] = value

    return change


def _moved(row: int, col: int) -> Callable[[dict[str, Any]], None]:
    """The -1 of W_2[0][0] moved to W_2[row][col]."""

    def change(c: dict[str, Any]) -> None:
        c["evidence"][0]["direction"][0][0] = "0"
        c["evidence"][0]["direction"][row][col] = "-1"

    return change


def _label(sample: int, row: list[str]) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        c["problem"]["data"]["labels"][sample] = row

    return change


def _point(index: int, value: str) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        c["problem"]["point"][index] = value

    return change


def _minor(c: dict[str, Any]) -> None:
    c["minor"] = 0


def _rows(count: int) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        c["evidence"][0]["direction"] = c["evidence"][0]["direction"][:count]

    return change


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    # the next radius tested, 2/3, leaves no sample strictly gaining (x = 2 reaches the kink)
    "step radius 2/3": _set("step", "radius", "2/3"),
    "step radius 0": _set("step", "radius", "0"),
    "step radius -1": _set("step", "radius", "-1"),
    "claim radius above the step's": _set("claim", "radius", "2/3"),
    "claim radius 0": _set("claim", "radius", "0"),
    # logit 1 is protected only up to 1/2 (x = -1, class 1, wakes up)
    "W_2[1][0] instead": _moved(1, 0),
    "W_2[0][1] instead (relu(-1) wakes on x = -2 within 7/12)": _moved(0, 1),
    "b_2[0] instead (hurts the class-0 sample)": _moved(0, 2),
    "sign flipped (raising logit 0 hurts x = -1, class 1)": _entry(0, 0, "1"),
    "a second entry (raising logit 2 by the bias hurts x = -2)": _entry(2, 2, "-1"),
    "all zero (nothing falls)": _entry(0, 0, "0"),
    "two rows": _rows(2),
    "an integer entry": _entry(0, 0, -1),
    "extra field": _set("step", "margin", "1"),
    "x = 2 labelled class 0": _label(3, ["1", "0", "0"]),
    "b_1[0] = 1 (x = -2, class 0, wakes within 7/12)": _point(2, "1"),
    "minor version 0": _minor,
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_one_field_mutations_are_rejected(name: str) -> None:
    certificate = _certificate()
    MUTATIONS[name](certificate)
    assert not check_document(certificate).valid, name


def test_a_smaller_claimed_radius_states_less_and_is_accepted() -> None:
    certificate = _certificate()
    certificate["claim"]["radius"] = "1/2"
    assert check_document(certificate).valid


def test_a_rational_loss_is_refused() -> None:
    # the squared loss grows along the ray: the step must not accept it
    certificate = _certificate()
    certificate["problem"]["loss"] = {"kind": "squared"}
    result = check_document(certificate)
    assert not result.valid
    assert "escape_ray" in result.message


def _separation(radius: str) -> dict[str, Any]:
    step = {
        "id": "ray",
        "kind": "escape_ray",
        "direction": [["0", "0", "0"], ["1", "0", "-5/2"]],
        "radius": radius,
    }
    certificate = new_certificate(two_features(), "no_local_min_in_box", [step], {})
    certificate["claim"]["radius"] = radius
    return certificate


def test_a_separation_by_hand() -> None:
    # a_0 = relu(x) moves by at most rho (1 + x): class 1 at x = 3 needs 3 - 4 rho - 5/2 >= 0
    # (rho <= 1/8), x = 4 gives 3/10, class 0 at x = 2 needs 2 + 3 rho - 5/2 <= 0 (rho <= 1/6)
    assert check_document(_separation("1/8")).valid
    assert not check_document(_separation("126/1000")).valid


def test_the_producer_finds_a_separation() -> None:
    problem = two_features()
    ray = escape_ray(problem)
    assert ray is not None
    assert ray.neuron is None  # not a one-weight ray
    assert "logit 1 rises" in ray.move or "logit 0 rises" in ray.move
    assert F(0) < ray.radius <= F(1, 6)
    verdict = certify_no_minimum_near(problem)
    assert verdict is not None and verdict.status is Status.REFUTED


def test_logistic_certificate_and_a_deeper_net_has_none() -> None:
    net = Network.from_rationals([[[F(1)]], [[F(0)]]], [[F(0)], [F(0)]], relu())
    data = Dataset.from_rows([[-2], [-1], [1], [2]], [[1], [-1], [1], [1]])
    verdict = certify_no_minimum_near(Problem(net, make_loss("logistic"), data))
    assert verdict is not None and verdict.status is Status.REFUTED
    assert verdict.certificate["claim"]["radius"] == "1/2"
    deep = Network.from_rationals([[[F(1)]], [[F(1)]], [[F(0)]]], [[F(0)], [F(0)], [F(0)]], relu())
    assert certify_no_minimum_near(Problem(deep, make_loss("logistic"), data)) is None


def test_certify_exp_nearby_answers_refuted_with_the_ray() -> None:
    result = certify_exp_nearby(three_classes(), spurious=False)
    assert result.local.status is Status.REFUTED
    assert result.local.certificate["claim"]["kind"] == "no_local_min_in_box"
    assert result.moved is None
    assert "no local minimum within 0.583" in result.local.stats["ray"]
    assert result.tried[-1] == "escape ray: no local minimum within 0.583: refuted"


def test_the_work_limit_is_checked_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # n d_Y^2 (d_1 + 1) = 4 * 9 * 3 = 108 for the hand instance: a limit of 107 refuses it
    from losscert.checker import escape_ray as step

    certificate = _certificate()
    monkeypatch.setattr(step, "MAX_RAY_WORK", 107)
    result = check_document(certificate)
    assert not result.valid
    assert "beyond the limit of 107" in result.message

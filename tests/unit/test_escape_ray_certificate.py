"""The escape_ray step and the no_local_min_in_box claim (docs/certificate.md 3.3X-softmax):
the producer's certificate is valid, and one-field changes of the step, the claim and the problem
are rejected."""

import copy
from collections.abc import Callable
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.exp_box import certify_exp_nearby
from losscert.verifier.exp_rays import certify_no_minimum_near
from tests.unit.test_exp_rays import three_classes


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
    assert (step["output"], step["neuron"], step["sign"], step["radius"]) == (0, 0, -1, "7/12")
    assert certificate["minor"] == 1
    assert check_document(certificate).valid


def _set(where: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        target = c["claim"] if where == "claim" else c["evidence"][0]
        target[field] = value

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


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    # the next radius tested, 2/3, leaves no sample strictly gaining (x = 2 reaches the kink)
    "step radius 2/3": _set("step", "radius", "2/3"),
    "step radius 0": _set("step", "radius", "0"),
    "step radius -1": _set("step", "radius", "-1"),
    "claim radius above the step's": _set("claim", "radius", "2/3"),
    "claim radius 0": _set("claim", "radius", "0"),
    # logit 1 is protected only up to 1/2 (x = -1, class 1, wakes up)
    "output 1": _set("step", "output", 1),
    "output 3 (no such output)": _set("step", "output", 3),
    "neuron 1 (relu(-1) wakes on x = -2 within 7/12)": _set("step", "neuron", 1),
    "neuron 2 (no such neuron)": _set("step", "neuron", 2),
    "sign 1 (raising logit 0 hurts x = -1, class 1)": _set("step", "sign", 1),
    "sign 0": _set("step", "sign", 0),
    "sign true": _set("step", "sign", True),
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

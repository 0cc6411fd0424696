"""``not_cell_global_min`` (format 1.1): a lower point in the closure of theta*'s cell, and the
checker's step ``lower_point_in_cell`` against tampering."""

from __future__ import annotations

import copy
from fractions import Fraction as F
from typing import Any

import pytest

from losscert import checker
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import certify_cell_global_min
from losscert.verifier.verdict import Status

XS = [[F(0)], [F(1)], [F(2)]]
YS = [F(0), F(2), F(1)]


def _refutation() -> dict[str, Any]:
    # relu(x + 1) is active on every sample; c = 1/2, b_2 = 0: outputs 1/2, 1, 3/2, absolute
    # loss: R = (1/2 + 1 + 1/2) / 3 = 2/3, while the closed cell reaches 1/2 (by hand in
    # tests/unit/test_cell_minimum.py)
    net = Network.from_rationals([[[F(1)]], [[F(1, 2)]]], [[F(1)], [F(0)]], relu())
    problem = Problem(net, Loss("absolute"), Dataset.from_rows(XS, [[y] for y in YS]))
    verdict = certify_cell_global_min(problem)
    assert verdict.status is Status.REFUTED, verdict.detail
    assert verdict.stats["witness_risk"] == F(1, 2)
    return verdict.certificate  # type: ignore[return-value]


def _lower(document: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in document["evidence"] if s["kind"] == "lower_point_in_cell")


def test_the_refutation_checks_and_needs_minor_1() -> None:
    document = _refutation()
    assert document["claim"] == {"kind": "not_cell_global_min"} and document["minor"] == 1
    assert checker.check_document(document).valid
    old = copy.deepcopy(document)
    del old["minor"]  # a 1.0 file may not use a 1.1 claim or step
    result = checker.check_document(old)
    assert not result.valid and "1.1" in result.message


def test_a_lower_point_outside_the_closed_cell_is_invalid() -> None:
    document = _refutation()
    step = _lower(document)
    # w = 3/2, b = -1, c = 1/2, b_2 = 0: pre-activations -1, 1/2, 2 (sample 0 leaves the cell's
    # piece 1), outputs 0, 1/4, 1: R = (0 + 7/4 + 0) / 3 = 7/12 < 2/3, lower but elsewhere
    step["point"] = ["3/2", "-1", "1/2", "0"]
    step["risk"] = "7/12"
    result = checker.check_document(document)
    assert not result.valid
    assert "sample 0" in result.message and "outside the closed piece 1" in result.message


def test_a_point_on_the_cells_boundary_is_in_its_closure() -> None:
    document = _refutation()
    step = _lower(document)
    # w = 1, b = 0: pre-activation 0 on sample 0, the breakpoint, in the closure of piece 1;
    # c = 3/4, b_2 = 0: outputs 0, 3/4, 3/2: R = (0 + 5/4 + 1/2) / 3 = 7/12 < 2/3
    step["point"] = ["1", "0", "3/4", "0"]
    step["risk"] = "7/12"
    assert checker.check_document(document).valid
    step["point"] = ["1", "-1/100", "3/4", "0"]  # just outside: -1/100 on sample 0
    step["risk"] = "7/12"  # outputs 0, 297/400, 597/400: (0 + 503/400 + 197/400) / 3
    result = checker.check_document(document)
    assert not result.valid and "outside the closed piece 1" in result.message


def test_a_wrong_risk_is_invalid() -> None:
    document = _refutation()
    _lower(document)["risk"] = "1/4"
    result = checker.check_document(document)
    assert not result.valid and "risk of the lower point differs" in result.message


@pytest.mark.parametrize("uses", [["risk"], ["cell"]])
def test_it_must_cite_one_risk_and_one_cell(uses: list[str]) -> None:
    document = _refutation()
    _lower(document)["uses"] = uses
    assert not checker.check_document(document).valid


def test_the_claim_needs_the_step() -> None:
    document = _refutation()
    document["evidence"] = [s for s in document["evidence"] if s["kind"] != "lower_point_in_cell"]
    result = checker.check_document(document)
    assert not result.valid and "lower_point_in_cell" in result.message

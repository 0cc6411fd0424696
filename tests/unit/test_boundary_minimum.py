"""Boundary minima of one hidden layer (docs/certificate.md 3.23, since 1.1): a kink on a sample,
proved a local minimum by convex bounds on every adjacent closed cell, no solver trusted."""

import copy
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.bench.training import kinked, train_relu
from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.boundary_minimum import certify_boundary_minimum, closed_cell_minimum_point
from losscert.verifier.nearby import certify_nearby


def _kink_fit() -> Problem:
    """relu(x) fits (-1, 0), (0, 0), (1, 1), (2, 2) exactly: R = 0, the kink on the sample x = 0."""
    net = Network.from_rationals([[[1]], [[1]]], [[0], [0]], relu())
    data = Dataset.from_rows([[-1], [0], [1], [2]], [[0], [0], [1], [2]])
    return Problem(net, make_loss("squared"), data)


@pytest.fixture(scope="module")
def proved() -> Any:
    verdict = certify_boundary_minimum(_kink_fit())
    assert verdict.status is Status.PROVED, verdict.detail
    return verdict


def test_an_exact_fit_with_its_kink_on_a_sample(proved: Any) -> None:
    certificate = proved.certificate
    assert certificate["minor"] == 1 and certificate["claim"]["kind"] == "local_min"
    kinds = [s["kind"] for s in certificate["evidence"]]
    assert kinds[0] == "box_near_boundary" and kinds[-1] == "convex_cover_near_boundary"
    assert kinds.count("convex_lower_bound") == 2  # the tie sent left, and right
    assert check_document(certificate).valid


def _mutated(certificate: dict[str, Any], change: Any) -> str:
    document = copy.deepcopy(certificate)
    change(document)
    result = check_document(document)
    assert not result.valid
    return result.message


def test_mutations_are_rejected(proved: Any) -> None:
    certificate = proved.certificate

    def one_side_missing(c: dict[str, Any]) -> None:
        c["evidence"] = [s for s in c["evidence"] if s["id"] != "bound1"]
        c["evidence"][-1]["uses"].remove("bound1")

    def risk_raised(c: dict[str, Any]) -> None:
        c["problem"]["data"]["labels"][1] = ["1"]  # the fit is no longer exact

    def declared_1_0(c: dict[str, Any]) -> None:
        del c["minor"]

    def without_cover(c: dict[str, Any]) -> None:
        c["evidence"].pop()

    assert "covers the blocks" in _mutated(certificate, one_side_missing)
    assert "risk" in _mutated(certificate, risk_raised)
    assert "from version 1.1 on" in _mutated(certificate, declared_1_0)
    assert "convex_cover_near_boundary" in _mutated(certificate, without_cover)


def test_interior_points_are_not_this_route() -> None:
    net = Network.from_rationals([[[1]], [[1]]], [[F(1, 2)], [0]], relu())
    problem = Problem(net, make_loss("squared"), Dataset.from_rows([[0], [1]], [[0], [1]]))
    assert certify_boundary_minimum(problem).status is Status.UNKNOWN


@pytest.mark.parametrize("seed", [1, 2])
def test_trained_points_whose_minimum_sits_on_a_boundary(seed: int) -> None:
    """Seeded float32 Adam, 1-4-1 ReLU on the kinked table (21 samples): the cell's minimum
    puts kinks on samples; the nearby result is that boundary point, proved exactly."""
    inputs, labels = kinked()
    problem = Problem(
        train_relu((1, 4, 1), inputs, labels, seed=seed),
        make_loss("squared"),
        Dataset.from_rows(inputs, labels),
    )
    moved = closed_cell_minimum_point(problem, locate_cell(problem))
    assert moved is not None and locate_cell(moved).on_boundary
    result = certify_nearby(problem)
    assert result.local.status is Status.PROVED
    assert result.moved is not None and result.moved.route == "closed-cell minimum"
    assert result.local.certificate is not None
    assert check_document(result.local.certificate).valid
    assert result.risk is not None and result.risk <= result.original_risk
    assert result.local.stats["prediction_change"] < F(1, 10)

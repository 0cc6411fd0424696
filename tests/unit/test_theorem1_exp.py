"""Theorem 1 for the logistic and softmax losses (issue 13): the affine optimum is irrational,
the Stage 1 point sits near it and the claims are box claims, proved by the affine box
(docs/certificate.md 3.31: on the collapse's cell the network is one affine map)."""

from fractions import Fraction as F

import numpy as np
import pytest

from losscert.bench.training import classes_2d
from losscert.checker import check_document
from losscert.model import Dataset, leaky_relu, make_loss, relu
from losscert.theorems.instances import overlapping_classes
from losscert.theorems.theorem1 import audit_theorem1
from losscert.theorems.theorem1_exp import affine_optimum
from losscert.verifier import Status


def _affine_risk_and_gradient(data: Dataset, weight: float, bias: float) -> tuple[float, float]:
    x = np.array([float(r[0]) for r in data.input_rows()])
    y = np.array([float(r[0]) for r in data.label_rows()])
    margin = y * (weight * x + bias)
    p = 1 / (1 + np.exp(margin))
    gradient = np.array([-(y * p * x).mean(), -(y * p).mean()])
    return float(np.log1p(np.exp(-margin)).mean()), float(np.abs(gradient).max())


def test_the_rational_map_is_at_the_float_optimum() -> None:
    data = overlapping_classes()
    fit = affine_optimum(data, make_loss("logistic"))
    assert fit is not None
    _, size = _affine_risk_and_gradient(data, float(fit.weight[0][0]), float(fit.bias[0]))
    assert size < 1e-12
    assert all(v.denominator <= 2**48 for v in (fit.weight[0][0], fit.bias[0]))


def test_separable_data_has_no_optimum() -> None:
    data = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [-1], [1], [1]])
    assert affine_optimum(data, make_loss("logistic")) is None
    audit = audit_theorem1(data, (1, 2, 1), relu(), make_loss("logistic"))
    assert audit.verdicts == {}
    assert audit.assumptions.items[0].holds is False


@pytest.mark.parametrize("activation", [relu(), leaky_relu(F(1, 10))])
def test_the_collapse_is_a_spurious_local_minimum_in_a_box(activation: object) -> None:
    data = overlapping_classes()
    audit = audit_theorem1(data, (1, 3, 1), activation, make_loss("logistic"))  # type: ignore[arg-type]
    local, spurious = audit.verdicts["local_min"], audit.verdicts["spurious_local_min"]
    assert local.status is Status.PROVED and spurious.status is Status.PROVED
    checked = check_document(local.certificate)
    assert checked.valid and checked.claim == "local_min_in_box"
    assert local.certificate["evidence"][-1]["kind"] == "affine_minimum_in_box"
    assert check_document(spurious.certificate).valid
    fit = affine_optimum(data, make_loss("logistic"))
    assert fit is not None
    risk, _ = _affine_risk_and_gradient(data, float(fit.weight[0][0]), float(fit.bias[0]))
    # the box's risk bounds enclose the affine optimum's risk (the collapse computes it)
    assert float(local.stats["lower"]) - 1e-12 <= risk <= float(local.stats["upper"]) + 1e-12
    assert spurious.stats["witness_risk"] < local.stats["lower"]


@pytest.mark.parametrize("widths", [(2, 4, 3), (2, 3, 3, 3)])
def test_softmax_collapses_are_spurious_minima_in_a_box(widths: tuple[int, ...]) -> None:
    inputs, labels = classes_2d(seed=0)  # three overlapping classes: the optimum exists
    data = Dataset.from_rows(inputs, labels)
    audit = audit_theorem1(data, widths, relu(), make_loss("softmax_cross_entropy"))
    local, spurious = audit.verdicts["local_min"], audit.verdicts["spurious_local_min"]
    assert local.status is Status.PROVED and spurious.status is Status.PROVED
    kinds = [step["kind"] for step in local.certificate["evidence"]]
    assert kinds == ["cell", "box_in_cell", "affine_minimum_in_box"]
    fit = affine_optimum(data, make_loss("softmax_cross_entropy"))
    assert fit is not None
    x = np.array([[float(v) for v in row] for row in inputs])
    logits = x @ np.array(fit.weight, dtype=float).T + np.array(fit.bias, dtype=float)
    y = np.array([[float(v) for v in row] for row in labels])
    shifted = logits - logits.max(axis=1, keepdims=True)
    risk = float(
        -(y * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))).sum(1).mean()
    )
    assert float(local.stats["lower"]) - 1e-12 <= risk <= float(local.stats["upper"]) + 1e-12

"""Theorem 1 for the logistic and softmax losses (issue 13): the affine minimiser is irrational.

On overlapping classes the affine optimum exists but no rational point is it, so Stage 1 cannot
sit exactly on it. Floats find it (Newton on the convex affine risk), a dyadic rational map near
it places the collapse, and the claim becomes a box: "a local minimum lies within rho of the
Stage 1 point, with risk in [lo, hi]" (docs/certificate.md 3.31 `affine_minimum_in_box`: on the
collapse's cell the network is one affine map, any depth and activation). A point of lower risk
from float restarts, with its risk enclosed by the checker, makes it spurious.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.problem import Problem
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.verifier.verdict import Status, Verdict

NEWTON_STEPS = 60
MAX_AFFINE_PARAMETERS = 2000
"""The float Newton for the affine optimum stops here (its Hessian is dense); the box steps take
at most 2,000 parameters anyway."""
MAX_MARGIN = 30.0
"""Beyond this |w . x + b| on some sample, Newton is following separable data to infinity."""
DYADIC_BITS = 48
"""The rational map is the float optimum rounded to multiples of 2^-48."""


@dataclass(frozen=True)
class NearAffineOptimum:
    """A rational affine map u = W x + b near the irrational minimiser of the affine risk (it
    only places the Stage 1 point; the box claim covers the rest)."""

    weight: list[list[Fraction]]
    bias: list[Fraction]
    predictions: list[list[Fraction]]


def affine_optimum(data: Dataset, loss: Loss) -> NearAffineOptimum | None:
    """Damped Newton on the affine risk: logistic (labels -1 / 1, each output column alone) or
    softmax cross-entropy (one-hot labels; the last output's row fixed at 0, the logit shift).
    None when it does not converge or its margins run off (separable data has no minimiser: the
    exact answer is theorems/separability.py's)."""
    rows = data.input_rows()
    x = np.array([[float(v) for v in row] + [1.0] for row in rows])
    y = np.array([[float(v) for v in row] for row in data.label_rows()])
    if x.shape[1] > MAX_AFFINE_PARAMETERS:
        return None
    if loss.kind == "logistic":
        columns = [_logistic(x, y[:, k]) for k in range(y.shape[1])]
        if any(c is None for c in columns):
            return None
        beta = np.array(columns)
    else:
        found = _softmax(x, y)
        if found is None:
            return None
        beta = found
    if np.max(np.abs(x @ beta.T)) > MAX_MARGIN:  # the weights run off: (near-)separable data
        return None
    scale = 1 << DYADIC_BITS
    exact = [[Fraction(round(float(v) * scale), scale) for v in row] for row in beta]
    weight = [row[:-1] for row in exact]
    bias = [row[-1] for row in exact]
    predictions = [
        [
            sum((w * v for w, v in zip(wk, row, strict=True)), bk)
            for wk, bk in zip(weight, bias, strict=True)
        ]
        for row in rows
    ]
    return NearAffineOptimum(weight, bias, predictions)


def _logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    beta = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(y * (x @ beta)))  # sigma(-margin)
        gradient = -(x.T @ (y * p)) / len(y)
        if np.max(np.abs(gradient)) < 1e-15:
            return beta
        hessian = (x.T * (p * (1 - p))) @ x / len(y)
        try:
            beta = beta - np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
    return None


def _softmax(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    n, m = x.shape
    classes = y.shape[1]
    if (classes - 1) * m > MAX_AFFINE_PARAMETERS:  # a dense Hessian of that size
        return None
    beta = np.zeros((classes, m))
    for _ in range(NEWTON_STEPS):
        logits = x @ beta.T
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        gradient = ((p - y).T @ x / n)[:-1].ravel()  # the free rows
        if np.max(np.abs(gradient)) < 1e-15:
            return beta
        size = (classes - 1) * m
        hessian = np.zeros((size, size))
        for k in range(classes - 1):
            for q in range(classes - 1):
                weight = p[:, k] * ((k == q) - p[:, q])
                hessian[k * m : (k + 1) * m, q * m : (q + 1) * m] = (x.T * weight) @ x / n
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
        beta[:-1] -= step.reshape(classes - 1, m)
    return None


def audit_exp(
    data: Dataset,
    widths: tuple[int, ...],
    activation: Activation,
    loss: Loss,
    notes: list[str],
) -> dict[str, Verdict]:
    """The verdicts ``local_min`` (claim ``local_min_in_box``) and ``spurious_local_min``
    (``spurious_local_min_in_box``) of the collapse near the affine optimum; notes say what
    failed."""
    from losscert.verifier.affine_box import certify_affine_box
    from losscert.verifier.exp_box import certify_exp_spurious
    from losscert.verifier.exp_search import lower_point_search

    fit = affine_optimum(data, loss)
    if fit is None:
        notes.append("Newton on the affine risk did not converge")
        return {}
    network = collapse_network(widths, activation, fit, choose_collapse(activation, fit))
    collapse = Problem(network, loss, data)
    local, centre = certify_affine_box(collapse)
    verdicts = {"local_min": local}
    if local.status is not Status.PROVED:
        return verdicts
    notes.append(_moved(collapse, centre, local.stats))
    witness = lower_point_search(centre, float(local.stats["lower"]))
    verdicts["spurious_local_min"] = certify_exp_spurious(centre, local, witness)
    return verdicts


def _moved(before: Problem, after: Problem, stats: dict[str, Any]) -> str:
    from losscert.verifier.nearby import distance

    shift = distance(before, after)
    where = (
        "the rational collapse" if shift == 0 else f"a point {float(shift):.3g} from the collapse"
    )
    return (
        f"the affine minimiser is irrational; the box claim is about {where} "
        "(a local minimum within "
        f"{float(stats['radius']):.3g} of it, risk in [{float(stats['lower']):.10g}, "
        f"{float(stats['upper']):.10g}])"
    )

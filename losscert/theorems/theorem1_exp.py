"""Theorem 1 for the logistic loss (issue 13): the affine minimiser is irrational.

On overlapping classes the logistic regression optimum exists but no rational point is it, so
Stage 1 cannot sit exactly on it. Floats find it (Newton on the convex affine risk), a dyadic
rational map near it places the collapse, and the claim becomes a box: "a local minimum lies
within rho of the Stage 1 point, with risk in [lo, hi]". Every neuron of the collapse has the
same pattern (the whole data on one piece), so the minimum is not isolated (the neurons trade
weight freely): the lifted box of docs/certificate.md 3.30 proves it (one hidden layer, one
output, a positively homogeneous activation). A point of lower risk from float restarts, with
its risk enclosed by the checker, makes it spurious.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.verifier.verdict import Status, Verdict

NEWTON_STEPS = 60
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


def logistic_optimum(data: Dataset) -> NearAffineOptimum | None:
    """Damped Newton on (1/n) sum log(1 + exp(-y_i (w . x_i + b))), one output; None when it
    does not converge or its margins run off (separable data has no minimiser: the exact answer
    is theorems/separability.py's)."""
    rows = data.input_rows()
    x = np.array([[float(v) for v in row] + [1.0] for row in rows])
    y = np.array([float(row[0]) for row in data.label_rows()])
    beta = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        margin = y * (x @ beta)
        p = 1.0 / (1.0 + np.exp(margin))  # sigma(-margin)
        gradient = -(x.T @ (y * p)) / len(y)
        if np.max(np.abs(gradient)) < 1e-15:
            break
        hessian = (x.T * (p * (1 - p))) @ x / len(y)
        try:
            beta = beta - np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
    else:
        return None
    if np.max(np.abs(x @ beta)) > MAX_MARGIN:  # the weights run off: (near-)separable data
        return None
    scale = 1 << DYADIC_BITS
    coefficients = [Fraction(round(float(v) * scale), scale) for v in beta]
    weight, bias = coefficients[:-1], coefficients[-1]
    predictions = [[sum((w * v for w, v in zip(weight, row, strict=True)), bias)] for row in rows]
    return NearAffineOptimum([weight], [bias], predictions)


def audit_exp(
    data: Dataset,
    widths: tuple[int, ...],
    activation: Activation,
    loss: Loss,
    notes: list[str],
) -> dict[str, Verdict]:
    """The verdicts ``local_min`` (claim ``local_min_in_box``) and ``spurious_local_min``
    (``spurious_local_min_in_box``) of the collapse near the logistic optimum; notes say what
    was not built."""
    from losscert.verifier.exp_box import certify_exp_spurious
    from losscert.verifier.exp_search import lower_point_search
    from losscert.verifier.lifted_box import applies, certify_lifted_box

    if loss.kind != "logistic" or len(widths) != 3:
        notes.append(
            "the affine minimiser exists but is irrational: the Theorem 1 construction for the "
            f"{loss.kind} loss is built for the logistic loss and one hidden layer only"
        )
        return {}
    fit = logistic_optimum(data)
    if fit is None:
        notes.append("Newton on the affine logistic risk did not converge")
        return {}
    network = collapse_network(widths, activation, fit, choose_collapse(activation, fit))
    problem = Problem(network, loss, data)
    why = applies(problem)
    if why is not None:
        notes.append(why)
        return {}
    local, centre, _ = certify_lifted_box(problem)
    verdicts = {"local_min": local}
    if local.status is not Status.PROVED:
        return verdicts
    notes.append(_moved(problem.network, centre.network, local.stats))
    witness = lower_point_search(centre, float(local.stats["lower"]))
    verdicts["spurious_local_min"] = certify_exp_spurious(centre, local, witness)
    return verdicts


def _moved(before: Network, after: Network, stats: dict[str, Any]) -> str:
    shift = max(
        abs(a - b) for a, b in zip(before.parameter_vector(), after.parameter_vector(), strict=True)
    )
    where = (
        "the rational collapse" if shift == 0 else f"a point {float(shift):.3g} from the collapse"
    )
    return (
        f"logistic loss: the affine minimiser is irrational; the box claim is about {where} "
        "(a local minimum within "
        f"{float(stats['radius']):.3g} of it, risk in [{float(stats['lower']):.10g}, "
        f"{float(stats['upper']):.10g}])"
    )

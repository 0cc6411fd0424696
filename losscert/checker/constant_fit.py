"""Section 3.17 of docs/certificate.md (since 1.1): ``constant_regression_optimal``.

The *constant collapse*: a hidden layer whose every neuron sits, on every sample, on one piece of
slope 0 (a dead ReLU layer, a saturated hard-tanh layer) outputs one vector for all samples, so
the network predicts the same value for every sample, for every theta of the cell. Then
R(theta) >= min_c (1/n) sum_i l(y_i, c), and a point whose prediction attains that minimum is a
local minimum (the argument of the linear collapse, with the affine map replaced by a constant).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .numbers import matrix, show, vector
from .problem import Problem, forward
from .result import Invalid


def constant_layer(problem: Problem, pattern: list[list[list[int]]]) -> int | None:
    """The first hidden layer (from 1) whose neurons each keep one slope-0 piece on all samples."""
    slopes = problem.activation.slopes
    for j, layer in enumerate(pattern):
        if all(len(set(neuron)) == 1 and slopes[neuron[0]] == 0 for neuron in layer):
            return j + 1
    return None


def check_constant_regression_optimal(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    from .steps import _cited, _loss_derivative  # steps.py registers this verifier: no cycle

    cell = _cited(step, done, "cell", sid)
    layer = constant_layer(problem, cell.facts["pattern"])
    if layer is None:
        raise Invalid(
            "the cell has no hidden layer whose every neuron keeps one slope-0 piece on all "
            "samples: the network's prediction is not constant on the cell",
            step=sid,
        )
    d_y, n = problem.widths[-1], len(problem.inputs)
    b = vector(step["b"], f"{sid}.b", d_y)
    given = _subgradients(problem, step, sid, n, d_y)
    totals = [Fraction(0)] * d_y
    for i, (y, f) in enumerate(
        zip(problem.labels, forward(problem, problem.point).outputs, strict=True)
    ):
        if f != b:
            raise Invalid(
                f"sample {i}: the network does not predict b",
                step=sid,
                expected=[show(v) for v in b],
                derived=[show(v) for v in f],
            )
        for k in range(d_y):
            g = None if given is None else given[i][k]
            totals[k] += _loss_derivative(problem, y[k], b[k], g, f"sample {i} output {k}", sid)
    for k, total in enumerate(totals):
        if total != 0:
            raise Invalid(
                f"the first-order condition fails in b[{k}]",
                step=sid,
                expected="0",
                derived=show(total / n),
                difference=show(total / n),
            )
    return {"b": b, "cell": cell.id, "layer": layer}


def _subgradients(
    problem: Problem, step: dict[str, Any], sid: str, n: int, d_y: int
) -> list[list[Fraction]] | None:
    if problem.loss in ("absolute", "hinge"):
        if "subgradients" not in step:
            raise Invalid(f'the {problem.loss} loss needs "subgradients"', step=sid)
        return matrix(step["subgradients"], f"{sid}.subgradients", n, d_y)
    if "subgradients" in step:
        raise Invalid(f'the {problem.loss} loss is differentiable: no "subgradients"', step=sid)
    return None

"""The constant collapse: a hidden layer that outputs one vector on every sample (docs/
certificate.md 3.17, since 1.1), so the network predicts one constant for all samples.

Seen often after training: every neuron of a ReLU layer dies, and the network predicts its output
bias. Such a point is a local minimum exactly when that constant is an optimal constant
predictor; :func:`constant_collapse_verdict` certifies it, :func:`constant_point` moves a trained
point's output bias onto the optimal constant.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from losscert.encodings.box import box_radius
from losscert.encodings.cells import Cell
from losscert.errors import UnsupportedError
from losscert.model.dataset import Dataset
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.regression import AffineFit, fit_affine
from losscert.verifier.verdict import Status, Verdict


def _pattern(cell: Cell) -> list[list[list[int]]]:
    return [[[int(k or 0) for k in neuron] for neuron in layer] for layer in cell.pieces]


def is_constant_cell(problem: Problem, cell: Cell) -> bool:
    """Some hidden layer keeps every neuron on one slope-0 piece on all samples."""
    if cell.on_boundary or problem.network.depth < 2:
        return False
    slopes = list(problem.network.activation.slopes)
    return any(
        all(len(set(neuron)) == 1 and slopes[neuron[0]] == 0 for neuron in layer)
        for layer in _pattern(cell)
    )


def constant_fit(problem: Problem) -> AffineFit | None:
    """The exact optimal constant predictor (an affine fit on all-zero inputs), or None."""
    data = problem.data
    zeros = Dataset.from_rows([[0]] * data.n, data.label_rows())
    try:
        return fit_affine(zeros, problem.loss)
    except UnsupportedError:
        return None


def constant_collapse_verdict(problem: Problem, cell: Cell) -> Verdict | None:
    """PROVED local_min by the constant collapse, or None when it does not apply (no constant
    layer, or the constant predicted is not an optimal constant)."""
    if not is_constant_cell(problem, cell):
        return None
    prediction = problem.trace().output_rows()[0]
    try:
        subgradients = balanced_subgradients(problem, prediction)
    except UnsupportedError:  # logistic / softmax: no exact subdifferential
        return None
    radius = box_radius(problem, cell)
    if subgradients is None or radius is None:
        return None
    step: dict[str, Any] = {
        "id": "constant",
        "kind": "constant_regression_optimal",
        "uses": ["cell"],
        "b": rationals(prediction),
    }
    if problem.loss.kind in ("absolute", "hinge"):  # the kinds whose step carries them
        step["subgradients"] = [rationals(row) for row in subgradients]
    steps: list[dict[str, Any]] = [
        {
            "id": "cell",
            "kind": "cell",
            "pattern": _pattern(cell),
            "margin": None if cell.margin is None else rational_string(cell.margin),
        },
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(radius)},
        step,
    ]
    certificate = new_certificate(problem, "local_min", steps, {"method": "constant collapse"})
    return certified("local_min", Status.PROVED, certificate, method="constant collapse")


def balanced_subgradients(problem: Problem, b: list[Fraction]) -> list[list[Fraction]] | None:
    """g_i in the subdifferential of l(y_i, .) at b with sum_i g_i = 0 (n x d_Y), or None when
    no such choice exists (b is not an optimal constant). Each g_i is lo_i + t (hi_i - lo_i) with
    one t in [0, 1] per output, which balances the sum whenever sum lo <= 0 <= sum hi."""
    labels = problem.data.label_rows()
    columns = []
    for k, bk in enumerate(b):
        ranges = [problem.loss.coordinate_subdifferential(y[k], bk) for y in labels]
        low = sum((lo for lo, _ in ranges), Fraction(0))
        spread = sum((hi - lo for lo, hi in ranges), Fraction(0))
        if not low <= 0 <= low + spread:
            return None
        t = -low / spread if spread else Fraction(0)
        columns.append([lo + t * (hi - lo) for lo, hi in ranges])
    return [list(row) for row in zip(*columns, strict=True)]


def constant_point(problem: Problem, cell: Cell) -> Problem | None:
    """The point with its output bias shifted so that the (constant) prediction is optimal."""
    if not is_constant_cell(problem, cell):
        return None
    fit = constant_fit(problem)
    if fit is None:
        return None
    net = problem.network
    current = problem.trace().output_rows()[0]
    shift: list[Fraction] = [c - f for c, f in zip(fit.bias, current, strict=True)]
    biases = [net.biases(j) for j in range(1, net.depth + 1)]
    biases[-1] = [b + s for b, s in zip(biases[-1], shift, strict=True)]
    weights = [net.weights(j) for j in range(1, net.depth + 1)]
    return problem.with_network(Network.from_rationals(weights, biases, net.activation))


def affine_witness(problem: Problem) -> Problem | None:
    """The network set to compute the optimal affine predictor (one output; an activation with
    h(a z) = a h(z) whose last piece has slope s > 0): neuron 0 of every hidden layer passes
    w* . x + beta >= 1 through its positive piece, the other neurons are dead, the output undoes
    the shift. None when that does not apply. A point of lower risk than a constant collapse
    whenever the affine fit beats the best constant (the caller compares exact risks)."""
    net = problem.network
    act = net.activation
    homogeneous = all(p == 0 for p in act.breakpoints) and all(t == 0 for t in act.intercepts)
    s = act.slopes[-1]
    if net.output_dim != 1 or net.depth < 2 or not homogeneous or s <= 0:
        return None
    try:
        fit = fit_affine(problem.data, problem.loss)
    except UnsupportedError:
        return None
    w, b = fit.weight[0], fit.bias[0]
    inputs = problem.data.input_rows()
    beta = 1 - min(sum((wc * xc for wc, xc in zip(w, x, strict=True)), Fraction(0)) for x in inputs)
    widths = net.widths
    weights, biases = [], []
    for j in range(1, net.depth):
        rows = [[Fraction(0)] * widths[j - 1] for _ in range(widths[j])]
        rows[0] = list(w) if j == 1 else [1 / s] + [Fraction(0)] * (widths[j - 1] - 1)
        weights.append(rows)
        biases.append([beta if j == 1 else Fraction(0)] + [Fraction(-1)] * (widths[j] - 1))
    weights.append([[1 / s] + [Fraction(0)] * (widths[-2] - 1)])
    biases.append([b - beta])
    return problem.with_network(Network.from_rationals(weights, biases, act))

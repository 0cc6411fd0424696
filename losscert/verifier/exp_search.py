"""A lower point for the logistic and softmax losses: float restarts (floats only search).

Full-batch Adam in float64 from seeded random initialisations of the same architecture; the best
end point is rounded to dyadic rationals and returned. Whether it is lower is decided by the
checker's enclosure of its risk (``lower_point_below``), never here.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.model.problem import Problem

RESTARTS = 8
STEPS = 1500
BUDGET_SECONDS = 10.0
BITS = 40


def _arrays(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[float(v) for v in row] for row in problem.data.input_rows()])
    y = np.array([[float(v) for v in row] for row in problem.data.label_rows()])
    return x, y


def _forward_backward(
    params: list[np.ndarray], problem: Problem, x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    return loss_gradients(params, problem.network.activation, problem.loss.kind, x, y)


def loss_gradients(
    params: list[np.ndarray], act: Any, loss: str, x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    """The float risk (logistic or softmax cross-entropy) and its gradient (per layer: W, b) by
    backpropagation through the activation's pieces."""
    breaks = np.array([float(b) for b in act.breakpoints])
    slopes = np.array([float(s) for s in act.slopes])
    intercepts = np.array([float(c) for c in act.intercepts])
    depth = len(params) // 2
    inputs, derivatives = [x], []
    for j in range(depth - 1):
        z = inputs[-1] @ params[2 * j].T + params[2 * j + 1]
        k = np.searchsorted(breaks, z)
        derivatives.append(slopes[k])
        inputs.append(slopes[k] * z + intercepts[k])
    z = inputs[-1] @ params[-2].T + params[-1]
    n = len(x)
    if loss == "logistic":
        m = -y * z
        risk = float(np.sum(np.logaddexp(0, m))) / n
        dz = -y / (1 + np.exp(-m)) / n
    else:
        shifted = z - z.max(axis=1, keepdims=True)
        log_total = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        risk = float(-np.sum(y * (shifted - log_total))) / n
        dz = (np.exp(shifted - log_total) - y) / n
    grads: list[np.ndarray] = [np.zeros(0)] * len(params)
    for j in range(depth - 1, -1, -1):
        grads[2 * j] = dz.T @ inputs[j]
        grads[2 * j + 1] = dz.sum(axis=0)
        if j > 0:
            dz = (dz @ params[2 * j]) * derivatives[j - 1]
    return risk, grads


def _init(widths: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    params = []
    for j in range(1, len(widths)):
        bound = 1 / np.sqrt(widths[j - 1])
        params.append(rng.uniform(-bound, bound, (widths[j], widths[j - 1])))
        params.append(rng.uniform(-bound, bound, widths[j]))
    return params


def _adam(
    problem: Problem, params: list[np.ndarray], x: np.ndarray, y: np.ndarray, deadline: float
) -> float:
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, STEPS + 1):
        if t % 100 == 0 and time.perf_counter() > deadline:
            break  # the budget holds inside a restart too
        lr = 0.02 if t < STEPS // 2 else 0.002
        _, grads = _forward_backward(params, problem, x, y)
        for p, g, mi, vi in zip(params, grads, m, v, strict=True):
            mi *= 0.9
            mi += 0.1 * g
            vi *= 0.999
            vi += 0.001 * g * g
            p -= lr * (mi / (1 - 0.9**t)) / (np.sqrt(vi / (1 - 0.999**t)) + 1e-12)
    return _forward_backward(params, problem, x, y)[0]


def lower_point_search(problem: Problem, below: float, seed: int = 0) -> list[Fraction] | None:
    """The parameter vector (dyadic rationals) of the lowest restart, if its float risk is below
    ``below``; None otherwise. Bounded by RESTARTS and BUDGET_SECONDS."""
    x, y = _arrays(problem)
    widths = list(problem.network.widths)
    rng = np.random.default_rng(seed)
    best: tuple[float, list[np.ndarray]] | None = None
    deadline = time.perf_counter() + BUDGET_SECONDS
    for _ in range(RESTARTS):
        params = _init(widths, rng)
        with np.errstate(all="ignore"):
            risk = _adam(problem, params, x, y, deadline)
        if np.isfinite(risk) and (best is None or risk < best[0]):
            best = (risk, params)
        if time.perf_counter() > deadline:
            break
    if best is None or not best[0] < below:
        return None
    scale = 1 << BITS
    flat = np.concatenate(
        [
            np.concatenate([w.reshape(-1), b])
            for w, b in zip(best[1][::2], best[1][1::2], strict=True)
        ]
    )
    return [Fraction(round(float(v) * scale), scale) for v in flat]

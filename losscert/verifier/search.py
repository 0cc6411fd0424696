"""Untrusted search for a point of lower risk (floats), replayed exactly before it counts.

Multi-start gradient descent on the float fast path, from the point itself and from small random
perturbations of it; every end point (and the best iterate) is converted to the exact rationals
the floats hold, its risk is recomputed exactly, and only an exactly lower risk is returned.
Nothing here decides a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from losscert.model.forward import float_view
from losscert.model.problem import Problem

SUPPORTED = ("squared", "squared_half", "absolute", "huber")


@dataclass(frozen=True)
class LowerPoint:
    parameters: list[Fraction]
    risk: Fraction


def find_lower_witness(
    problem: Problem, *, starts: int = 8, steps: int = 400, seed: int = 0
) -> LowerPoint | None:
    """A point with exactly lower risk than ``problem``'s point, or None if the search finds none."""
    if problem.loss.kind not in SUPPORTED or not problem.loss.is_rational:
        return None
    base_risk = problem.risk()
    params, bps, slopes, intercepts = float_view(problem.network)
    x, y = problem.data.to_numpy()
    rng = np.random.default_rng(seed)
    best: LowerPoint | None = None
    scale = max(1.0, max(float(np.abs(w).max()) for w, _ in params))
    for start in range(starts):
        noise = 0.0 if start == 0 else scale * 10.0 ** rng.uniform(-3, 0)
        theta = [
            (w + noise * rng.standard_normal(w.shape), b + noise * rng.standard_normal(b.shape))
            for w, b in params
        ]
        theta = _descend(theta, bps, slopes, intercepts, x, y, problem.loss, steps)
        exact = [Fraction(float(v)) for w, b in theta for v in (*w.reshape(-1), *b)]
        risk = problem.with_network(problem.network.with_parameters(exact)).risk()
        if risk < base_risk and (best is None or risk < best.risk):
            best = LowerPoint(exact, risk)
    return best


def _descend(theta, bps, slopes, intercepts, x, y, loss, steps):  # type: ignore[no-untyped-def]
    rate = 1e-2
    current = theta
    current_risk = _risk(current, bps, slopes, intercepts, x, y, loss)
    for _ in range(steps):
        grads = _gradient(current, bps, slopes, intercepts, x, y, loss)
        trial = [
            (w - rate * gw, b - rate * gb) for (w, b), (gw, gb) in zip(current, grads, strict=True)
        ]
        trial_risk = _risk(trial, bps, slopes, intercepts, x, y, loss)
        if trial_risk < current_risk:
            current, current_risk, rate = trial, trial_risk, rate * 1.2
        else:
            rate /= 2
            if rate < 1e-12:
                break
    return current


def _forward(theta, bps, slopes, intercepts, x):  # type: ignore[no-untyped-def]
    """Outputs, the input of every layer, and the piece slopes of every hidden layer."""
    a, inputs, used = x, [], []
    for j, (w, b) in enumerate(theta):
        inputs.append(a)
        z = a @ w.T + b
        if j == len(theta) - 1:
            return z, inputs, used
        piece = np.searchsorted(bps, z, side="left")
        used.append(slopes[piece])
        a = slopes[piece] * z + intercepts[piece]
    raise AssertionError("unreachable")


def _loss_grad(f, y, loss):  # type: ignore[no-untyped-def]
    r = f - y
    n = len(y)
    if loss.kind == "squared":
        return float((r**2).sum()) / n, 2 * r / n
    if loss.kind == "squared_half":
        return float((r**2).sum()) / (2 * n), r / n
    if loss.kind == "absolute":
        return float(np.abs(r).sum()) / n, np.sign(r) / n
    d = float(loss.delta)
    quad = np.abs(r) <= d
    value = np.where(quad, r**2 / 2, d * (np.abs(r) - d / 2)).sum() / n
    return float(value), np.where(quad, r, d * np.sign(r)) / n


def _risk(theta, bps, slopes, intercepts, x, y, loss):  # type: ignore[no-untyped-def]
    f, _, _ = _forward(theta, bps, slopes, intercepts, x)
    return _loss_grad(f, y, loss)[0]


def _gradient(theta, bps, slopes, intercepts, x, y, loss):  # type: ignore[no-untyped-def]
    f, inputs, used = _forward(theta, bps, slopes, intercepts, x)
    _, delta = _loss_grad(f, y, loss)
    grads = []
    for j in range(len(theta) - 1, -1, -1):
        grads.append((delta.T @ inputs[j], delta.sum(axis=0)))
        if j > 0:
            delta = (delta @ theta[j][0]) * used[j - 1]
    return grads[::-1]


def descent_endpoints(
    problem: Problem, *, starts: int = 8, steps: int = 400, seed: int = 0, scale: float = 1.0
) -> list[list[Fraction]]:
    """End points of float gradient descent from random normal starts (standard deviation
    ``scale``), as the exact rationals the floats hold. Search only: nothing here is a claim."""
    if problem.loss.kind not in SUPPORTED or not problem.loss.is_rational:
        return []
    params, bps, slopes, intercepts = float_view(problem.network)
    x, y = problem.data.to_numpy()
    rng = np.random.default_rng(seed)
    ends = []
    for _ in range(starts):
        theta = [
            (scale * rng.standard_normal(w.shape), scale * rng.standard_normal(b.shape))
            for w, b in params
        ]
        theta = _descend(theta, bps, slopes, intercepts, x, y, problem.loss, steps)
        ends.append([Fraction(float(v)) for w, b in theta for v in (*w.reshape(-1), *b)])
    return ends

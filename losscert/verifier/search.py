"""Untrusted search for a point of lower risk (floats), replayed exactly before it counts.

Multi-start gradient descent on the float fast path, from the point itself, from small random
perturbations of it, and from the neighbouring cells: for the hidden pre-activations nearest to a
breakpoint, the point with that neuron's bias moved just far enough to send that sample across
the breakpoint (gradient descent inside one cell never leaves it when the gradient there is zero,
as for a dead neuron). Every end point is converted to the exact rationals the floats hold, its
risk is recomputed exactly, and only an exactly lower risk is returned. Nothing here decides a
verdict.
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
    problem: Problem,
    *,
    starts: int = 8,
    neighbours: int = 8,
    steps: int = 400,
    seed: int = 0,
) -> LowerPoint | None:
    """A point with exactly lower risk than ``problem``'s point, or None if the search finds none.

    ``starts`` descents from the point and random perturbations of it, then ``neighbours``
    descents from the nearest neighbouring cells (:func:`neighbour_starts`) and up to
    ``neighbours`` from split neurons (:func:`split_starts`).
    """
    if problem.loss.kind not in SUPPORTED or not problem.loss.is_rational:
        return None
    base_risk = problem.risk()
    params, bps, slopes, intercepts = float_view(problem.network)
    x, y = problem.data.to_numpy()
    rng = np.random.default_rng(seed)
    best: LowerPoint | None = None
    scale = max(1.0, max(float(np.abs(w).max()) for w, _ in params))
    initial = []
    for start in range(starts):
        noise = 0.0 if start == 0 else scale * 10.0 ** rng.uniform(-3, 0)
        initial.append(
            [
                (w + noise * rng.standard_normal(w.shape), b + noise * rng.standard_normal(b.shape))
                for w, b in params
            ]
        )
    initial += neighbour_starts(params, (bps, slopes, intercepts), x, neighbours)
    initial += split_starts(params, neighbours, rng)
    for theta in initial:
        theta = _descend(theta, bps, slopes, intercepts, x, y, problem.loss, steps)
        exact = [Fraction(float(v)) for w, b in theta for v in (*w.reshape(-1), *b)]
        risk = problem.with_network(problem.network.with_parameters(exact)).risk()
        if risk < base_risk and (best is None or risk < best.risk):
            best = LowerPoint(exact, risk)
    return best


def neighbour_starts(
    params: list[tuple[np.ndarray, np.ndarray]],
    activation: tuple[np.ndarray, np.ndarray, np.ndarray],
    x: np.ndarray,
    count: int,
) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Up to ``count`` points of neighbouring cells, nearest first.

    For each hidden pre-activation z (layer, neuron, sample) at distance d from its nearest
    breakpoint p, in increasing d: the parameters with that neuron's bias moved by (p - z) and a
    tenth of d further, so that this sample (and any other of that neuron between z and p) crosses
    into the neighbouring piece; the other neurons of its layer keep their pieces. One start per
    (layer, neuron, direction of the move) at most. ``activation`` is (breakpoints, slopes,
    intercepts) as floats.
    """
    bps, slopes, intercepts = activation
    if count <= 0 or bps.size == 0:
        return []
    moves = []
    a = x
    for j, (w, b) in enumerate(params[:-1]):
        z = a @ w.T + b  # n x d_j
        nearest = np.abs(z[..., None] - bps).argmin(axis=-1)
        gap = bps[nearest] - z  # move that puts z on its nearest breakpoint
        for i, r in zip(
            *np.unravel_index(np.argsort(np.abs(gap), axis=None), gap.shape), strict=True
        ):
            moves.append((float(abs(gap[i, r])), j, int(r), float(gap[i, r])))
        piece = np.searchsorted(bps, z, side="left")
        a = slopes[piece] * z + intercepts[piece]  # the next layer's input at the point
    out, seen = [], set()
    for distance, j, r, shift in sorted(moves):
        side = 1.0 if shift > 0 else -1.0
        if (j, r, side) in seen:
            continue
        seen.add((j, r, side))
        push = max(distance, 1e-6) * 0.1 + 1e-9
        theta = [(w.copy(), b.copy()) for w, b in params]
        theta[j][1][r] += shift + side * push
        out.append(theta)
        if len(out) == count:
            break
    return out


def split_starts(
    params: list[tuple[np.ndarray, np.ndarray]],
    count: int,
    rng: np.random.Generator,
    jitter: float = 1e-3,
) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Up to ``count`` points of the same outputs with one neuron split in two.

    A spare neuron s of hidden layer j (its outgoing weights all 0) takes a copy of another
    neuron r's incoming weights and bias, and r's outgoing weights are shared half and half: the
    network computes the same function, but the two copies can now move apart (descent inside
    one cell keeps them together only while their gradients agree). A tiny perturbation of the
    copy (relative size ``jitter``) starts them apart.
    """
    out = []
    for j in range(len(params) - 1):
        w, b = params[j]
        outgoing = params[j + 1][0]
        spares = [s for s in range(w.shape[0]) if not np.any(outgoing[:, s])]
        for s in spares:
            for r in range(w.shape[0]):
                if r == s or not np.any(outgoing[:, r]) or len(out) == count:
                    continue
                theta = [(a.copy(), c.copy()) for a, c in params]
                scale = jitter * max(1.0, float(np.abs(w[r]).max()))
                theta[j][0][s] = w[r] + scale * rng.standard_normal(w.shape[1])
                theta[j][1][s] = b[r]
                theta[j + 1][0][:, s] = outgoing[:, r] / 2
                theta[j + 1][0][:, r] = outgoing[:, r] / 2
                out.append(theta)
    return out


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

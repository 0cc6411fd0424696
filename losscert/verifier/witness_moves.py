"""Untrusted search for a lower point by Theorem 1's Stage-2 move at *every* hidden layer.

A *spare* neuron of hidden layer j contributes nothing to layer j + 1 on the data: its outgoing
weights are all 0, or its activation is 0 on every sample (then its outgoing weights are set to
0 first, which changes no output). Its incoming weights can then be moved freely at no change of
risk; they are set to straddle a breakpoint of the activation on the layer's inputs (a direction
v and a threshold tau between two projections), so that the neuron computes a non-affine function
u_i of the data. Feeding it to layer j + 1 with weights eps e changes the risk, to first order, by
eps e . phi with phi = sum_i delta_i u_i (delta_i the derivative of the risk of sample i with
respect to layer j + 1's pre-activations). With e = -phi and phi != 0 the risk goes down for
small eps: eps is halved until the *exact* risk is lower. Floats only choose (v, tau, e); nothing
here is a claim until the exact replay.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import numpy as np

from losscert.model.forward import float_view
from losscert.model.problem import Problem
from losscert.verifier.search import SUPPORTED, LowerPoint, _forward, _loss_grad

MAX_HALVINGS = 50
CANDIDATES = 6
"""The straddling neurons (largest |phi| first) replayed exactly per spare neuron."""


def stage2_every_layer(problem: Problem, *, seed: int = 0) -> LowerPoint | None:
    """An exactly lower point from a spare neuron of any hidden layer, or None."""
    net = problem.network
    if problem.loss.kind not in SUPPORTED or not problem.loss.is_rational:
        return None
    if net.depth < 2 or not net.activation.breakpoints:
        return None
    params, bps, slopes, intercepts = float_view(net)
    x, y = problem.data.to_numpy()
    f, inputs, used = _forward(params, bps, slopes, intercepts, x)
    _, delta = _loss_grad(f, y, problem.loss)
    deltas = [delta]  # deltas[k]: d risk / d z of layer L - k (0-based from the output)
    for j in range(len(params) - 1, 0, -1):
        delta = (delta @ params[j][0]) * used[j - 1]
        deltas.append(delta)
    deltas.reverse()  # deltas[j]: layer j's pre-activations (0-based)
    rng = np.random.default_rng(seed)
    base_risk = problem.risk()
    best: LowerPoint | None = None
    for j in range(len(params) - 1):
        activations = inputs[j + 1]  # h(z_j) on the data: layer j + 1's input
        outgoing = params[j + 1][0]
        for r in range(params[j][0].shape[0]):
            if np.any(outgoing[:, r]) and np.any(activations[:, r]):
                continue  # not spare
            for w, b, phi in _straddles(inputs[j], deltas[j + 1], (bps, slopes, intercepts), rng):
                found = _replay(problem, j, r, w, b, -phi, base_risk)
                if found is not None and (best is None or found.risk < best.risk):
                    best = found
                    break
    return best


def _straddles(
    a: np.ndarray,
    delta: np.ndarray,
    activation: tuple[np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """(w, b, phi) for neurons z = w . a + b crossing a breakpoint between two projections,
    the CANDIDATES with the largest |phi|."""
    bps, slopes, intercepts = activation
    dim = a.shape[1]
    directions = [np.array([2.0**k for k in range(dim)])]
    directions += [rng.standard_normal(dim) for _ in range(4)]
    directions += [-v for v in directions]
    found = []
    for v in directions:
        proj = a @ v
        levels = np.unique(proj)
        for low, high in pairwise(levels):
            tau = (low + high) / 2
            for p in bps:
                scale = 1.0 / max(float(np.abs(proj - tau).max()), 1e-12)
                if len(bps) > 1:
                    scale *= float(np.diff(bps).min()) / 2  # stay next to one breakpoint
                z = scale * (proj - tau) + p
                piece = np.searchsorted(bps, z, side="left")
                u = slopes[piece] * z + intercepts[piece]
                phi = delta.T @ u
                found.append((float(np.abs(phi).sum()), scale * v, p - scale * tau, phi))
    found.sort(key=lambda item: -item[0])
    return [(w, b, phi) for size, w, b, phi in found[:CANDIDATES] if size > 0]


def _replay(
    problem: Problem,
    layer: int,
    neuron: int,
    w: np.ndarray,
    b: float,
    e: np.ndarray,
    base_risk: Fraction,
) -> LowerPoint | None:
    """The exact point with the spare neuron straddling and fed forward with eps e, eps halved
    until its exact risk is below ``base_risk``."""
    net = problem.network
    names = net.parameter_names()
    theta = net.parameter_vector()
    j = layer + 1  # parameter names count layers from 1
    for c, value in enumerate(w):
        theta[names.index(f"W{j}_{neuron}_{c}")] = _simple(value)
    theta[names.index(f"b{j}_{neuron}")] = _simple(b)
    direction = [_simple(v) for v in e]
    eps = Fraction(1)
    for _ in range(MAX_HALVINGS):
        for k, v in enumerate(direction):
            theta[names.index(f"W{j + 1}_{k}_{neuron}")] = eps * v
        risk = problem.with_network(net.with_parameters(theta)).risk()
        if risk < base_risk:
            return LowerPoint(list(theta), risk)
        eps /= 2
    return None


def _simple(value: float) -> Fraction:
    return Fraction(float(value)).limit_denominator(10**6)

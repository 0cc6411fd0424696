"""Stage 2 of Theorem 1: a point of strictly lower risk next to the Stage 1 point.

A spare neuron of layer 1 is turned into z = lambda (v . x - tau) + p_b, which straddles the
breakpoint p_b on the data, and fed to the output with a small weight eps along
e = -sign(ds) phi(tau) (ds = the slope jump at p_b, phi(tau) = sum_i g_i [v . x_i - tau]_+). For
L >= 3 it is fed into the collapsed neurons of layer 2, which carry it linearly to the output.
The first-order change of the risk is -eps lambda |ds| |phi|^2 / (n alpha) < 0, so halving eps
finds a point of lower risk; every candidate is replayed exactly and only an exactly lower risk
is returned (the search itself proves nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from math import lcm
from operator import mul

import numpy as np

from losscert.model.forward import float_view, forward_float
from losscert.model.loss import Loss
from losscert.model.problem import Problem
from losscert.verifier.regression import AffineFit

MAX_HALVINGS = 80


@dataclass(frozen=True)
class Witness:
    parameters: list[Fraction]
    risk: Fraction
    eps: Fraction
    tau: Fraction
    breakpoint: int


def _projection_direction(
    rows: list[list[Fraction]],
) -> tuple[list[Fraction], list[Fraction]] | None:
    """A v with v . x pairwise distinct over the distinct inputs ``rows``, and the projections
    v . x_i; None if none is found. In integers: the inputs over their common denominator D,
    so v . x_i = (v . X_i) / D with one integer dot product per sample."""
    den = lcm(*(v.denominator for x in rows for v in x))
    scaled = [[v.numerator * (den // v.denominator) for v in x] for x in rows]
    distinct = len(set(map(tuple, scaled)))
    d = len(rows[0])
    for base in range(2, 2 + 50):
        v = [base**k for k in range(d)]  # (1, b, b^2, ...): a moment curve
        projections = [sum(map(mul, v, x)) for x in scaled]
        if len(set(projections)) == distinct:
            return [Fraction(c) for c in v], [Fraction(p, den) for p in projections]
    return None


def _best_phi(
    fit: AffineFit, projections: list[Fraction]
) -> tuple[Fraction, list[Fraction]] | None:
    """(tau, phi(tau)) at the thirds of every gap between consecutive distinct projections, the
    first with the largest non-zero |phi(tau)|_1 (gaps from the top). For tau in a gap
    (low, high), phi(tau) = S1 - tau S0 with S0, S1 the sums of g_i and g_i p_i over the samples
    with p_i >= high: suffix sums make this O(n d_Y) in all.
    None when every phi is 0. Compared in integers: with G and P the common denominators of
    the gradients and of the projections, 3 G P phi(tau) = 3 (G P S1) - (3 P tau) (G S0) is an
    integer vector, and the positive factor 3 G P changes no comparison. Only the chosen
    candidate is made a Fraction."""
    d_y = len(fit.gradients[0])
    g_den = lcm(*(g.denominator for row in fit.gradients for g in row))
    p_den = lcm(*(p.denominator for p in projections))
    by_level: dict[int, list[int]] = {}  # P p -> G sum g, G P sum g p
    for g, p in zip(fit.gradients, projections, strict=True):
        level = p.numerator * (p_den // p.denominator)
        acc = by_level.setdefault(level, [0] * (2 * d_y))
        for k in range(d_y):
            gk = g[k].numerator * (g_den // g[k].denominator)
            acc[k] += gk
            acc[d_y + k] += gk * level
    levels = sorted(by_level)
    s0, s1 = [0] * d_y, [0] * d_y
    best: tuple[int, int, list[int]] | None = None  # (3 G P |phi|_1, 3 P tau, 3 G P phi)
    for low, high in reversed(list(pairwise(levels))):
        acc = by_level[high]
        s0 = [a + b for a, b in zip(s0, acc[:d_y], strict=True)]
        s1 = [a + b for a, b in zip(s1, acc[d_y:], strict=True)]
        for tau in (2 * low + high, low + 2 * high):  # 3 P tau at the thirds of the gap
            phi = [3 * b - tau * a for a, b in zip(s0, s1, strict=True)]
            size = sum(map(abs, phi))
            if size and (best is None or size > best[0]):
                best = (size, tau, phi)
    if best is None:
        return None
    _, tau, phi = best
    return Fraction(tau, 3 * p_den), [Fraction(v, 3 * g_den * p_den) for v in phi]


def find_witness(
    problem: Problem,
    fit: AffineFit,
    collapse_alpha: Fraction,
    spare: int,
    *,
    exact_risk: Callable[[list[Fraction]], Fraction] | None = None,
) -> Witness | None:
    """Stage 2 from the Stage 1 point ``problem.network``; None when no lower point is found.

    ``exact_risk``: the exact risk at a parameter vector (the order of
    ``Network.parameter_vector``); by default a fresh exact forward pass of ``problem``'s data.
    The audit passes the checker's (losscert.verifier.checked_point), which keeps the pass for
    the certificate that states the witness."""
    net = problem.network
    act = net.activation
    if act.is_linear:
        return None
    found = _projection_direction(problem.data.input_rows())
    if found is None:
        return None
    v, projections = found
    best = _best_phi(fit, projections)
    if best is None:
        return None
    tau, phi = best
    b = _breakpoint(act)
    p_b = act.breakpoints[b]
    ds = act.slopes[b + 1] - act.slopes[b]
    room = _room(act, b)
    reach = max(abs(p - tau) for p in projections)
    lam = room / (2 * reach) if reach and room is not None else Fraction(1)
    direction = [-p if ds > 0 else p for p in phi]
    names = net.parameter_names()
    base = net.parameter_vector()
    d_x = net.input_dim
    spare_in = [lam * v[c] for c in range(d_x)], p_b - lam * tau
    first = _first_float_drop(problem, fit.risk, spare, spare_in, direction)
    eps = Fraction(1, 2**first)
    for _ in range(first, MAX_HALVINGS):
        theta = list(base)
        for c in range(d_x):
            theta[names.index(f"W1_{spare}_{c}")] = lam * v[c]
        theta[names.index(f"b1_{spare}")] = p_b - lam * tau
        for r, e in enumerate(direction):
            theta[names.index(f"W2_{r}_{spare}")] = eps * e
        if exact_risk is None:
            risk = problem.with_network(net.with_parameters(theta)).risk()
        else:
            risk = exact_risk(theta)
        if risk < fit.risk:
            return Witness(theta, risk, eps, tau, b)
        eps /= 2
    return None


FLOAT_MARGIN = 1e-9


def _first_float_drop(
    problem: Problem,
    stage1_risk: Fraction,
    spare: int,
    spare_in: tuple[list[Fraction], Fraction],
    direction: list[Fraction],
) -> int:
    """The first k whose eps = 2^-k gives a float risk clearly below R(theta*), or 0.

    Search only: it lets the exact loop skip the halvings that floats show are not lower (each
    exact one is a whole forward pass); every candidate is still replayed exactly, and 0 (start
    at eps = 1) is returned when floats cannot tell or the loss has no float form here.
    """
    params, bps, slopes, intercepts = float_view(problem.network)
    if len(params) < 2:
        return 0
    x, y = problem.data.to_numpy()
    params[0][0][spare, :] = [float(w) for w in spare_in[0]]
    params[0][1][spare] = float(spare_in[1])
    floor = float(stage1_risk) - FLOAT_MARGIN * (1 + abs(float(stage1_risk)))
    # layer 1 does not depend on eps: its activations once (an identity layer returns them)
    width = params[0][0].shape[0]
    identity = (np.eye(width), np.zeros(width))
    with np.errstate(all="ignore"):
        hidden = forward_float([params[0], identity], bps, slopes, intercepts, x)

    def drops(k: int) -> bool | None:
        for r, e in enumerate(direction):
            params[1][0][r, spare] = float(e) * 2.0**-k
        with np.errstate(all="ignore"):
            f = forward_float(params[1:], bps, slopes, intercepts, hidden)
            risk = _float_risk(problem.loss, f, y)
        return None if risk is None else risk < floor

    return _first_true(drops, MAX_HALVINGS)


PROBE_STEP = 8


def _first_true(drops: Callable[[int], bool | None], limit: int) -> int:
    """The first k < limit with drops(k) True; 0 if there is none or drops answers None.

    Search only. The float risk is about R - a eps + b eps^2, so drops holds on one run of
    consecutive k (from where b eps^2 stops mattering to where a eps falls below the float
    margin: 15 to 20 halvings on the Theorem 1 rows): probes at k = 0, 1, 2, 4 and every
    PROBE_STEP find a k in the run, and bisection between it and the probe before finds the
    run's first k, in about k / PROBE_STEP + 3 float passes instead of k + 1. If the probes jump
    over the run, the plain scan decides (answers are kept, never recomputed).
    """
    answers: dict[int, bool | None] = {}

    def ask(k: int) -> bool | None:
        if k not in answers:
            answers[k] = drops(k)
        return answers[k]

    probes = [k for k in (0, 1, 2, 4) if k < limit] + list(range(PROBE_STEP, limit, PROBE_STEP))
    low = -1  # drops(low) is False (or low = -1)
    for k in probes:
        answer = ask(k)
        if answer is None:
            return 0
        if not answer:
            low = k
            continue
        high = k
        while high - low > 1:
            middle = (low + high) // 2
            if ask(middle):
                high = middle
            else:
                low = middle
        return high
    for k in range(limit):
        answer = ask(k)
        if answer is None:
            return 0
        if answer:
            return k
    return 0


def _float_risk(loss: Loss, f: np.ndarray, y: np.ndarray) -> float | None:
    r = f - y
    per = {
        "squared": lambda: (r**2).sum(),
        "squared_half": lambda: (r**2).sum() / 2,
        "absolute": lambda: np.abs(r).sum(),
    }.get(loss.kind)
    return None if per is None else float(per()) / len(y)


def _breakpoint(act) -> int:  # type: ignore[no-untyped-def]
    """The breakpoint with the largest slope jump (any would do)."""
    return max(range(len(act.breakpoints)), key=lambda b: abs(act.slopes[b + 1] - act.slopes[b]))


def _room(act, b: int) -> Fraction | None:  # type: ignore[no-untyped-def]
    """Distance from breakpoint b to its neighbouring breakpoints (None if it has none)."""
    gaps = [
        abs(act.breakpoints[b] - act.breakpoints[k])
        for k in (b - 1, b + 1)
        if 0 <= k < len(act.breakpoints)
    ]
    return min(gaps) if gaps else None

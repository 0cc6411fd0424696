"""Descend further in floats before the box (logistic / softmax): Adam often stops short.

A trained classifier's point can still have a gradient of 1e-4 .. 1e-2 with its minimum in a
neighbouring cell (a sample crosses a kink on the way), where Newton inside the point's own cell
cannot go. :func:`descend` runs BFGS with a backtracking (Armijo) line search on the float risk of
the whole network, across kinks, and stops when the gradient is tiny, the budget is spent, or the
point has moved farther than MAX_MOVE (the risk may keep falling towards infinity: that is not a
nearby minimum, and :mod:`exp_rays` says so). Floats only search: the end point is rounded to
dyadic rationals and the box routes then decide.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from losscert.checker.minimum_box import MAX_PARAMETERS
from losscert.model.problem import Problem

STEPS = 2000
BUDGET_SECONDS = 4.0
TARGET_GRADIENT = 1e-10
MAX_MOVE = 0.25
"""Farther than this (max norm, times 1 + max |theta*|) is not "near" the point."""
BITS = 48


def _split(problem: Problem, theta: np.ndarray) -> list[np.ndarray]:
    """The flat vector as [W_1, b_1, W_2, b_2, ...] (the parameter order of section 1)."""
    widths = problem.network.widths
    out, pos = [], 0
    for j in range(1, len(widths)):
        d_in, d_out = widths[j - 1], widths[j]
        out.append(theta[pos : pos + d_in * d_out].reshape(d_out, d_in))
        pos += d_in * d_out
        out.append(theta[pos : pos + d_out])
        pos += d_out
    return out


def _objective(problem: Problem, x: np.ndarray, y: np.ndarray):  # type: ignore[no-untyped-def]
    from losscert.verifier.exp_search import loss_gradients

    act, kind = problem.network.activation, problem.loss.kind

    def value_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            risk, grads = loss_gradients(_split(problem, theta), act, kind, x, y)
        return risk, np.concatenate([g.reshape(-1) for g in grads])

    return value_and_gradient


def _bfgs(f, theta: np.ndarray, limit: float) -> tuple[np.ndarray, float, str]:  # type: ignore[no-untyped-def]
    """BFGS with Armijo backtracking; (end point, its gradient size, why it stopped)."""
    start, deadline = theta.copy(), time.perf_counter() + BUDGET_SECONDS
    value, grad = f(theta)
    inverse = np.eye(len(theta))
    for _ in range(STEPS):
        size = float(np.max(np.abs(grad)))
        if size < TARGET_GRADIENT:
            return theta, size, "converged"
        if time.perf_counter() > deadline:
            return theta, size, "budget"
        step = -inverse @ grad
        if not grad @ step < 0:  # not a descent direction (a kink): restart from the gradient
            inverse, step = np.eye(len(theta)), -grad
        t = 1.0
        while t > 1e-12:
            new_value, new_grad = f(theta + t * step)
            if np.isfinite(new_value) and new_value <= value + 1e-4 * t * (grad @ step):
                break
            t /= 2
        else:
            return theta, size, "no step lowers the risk"
        s, change = t * step, new_grad - grad
        theta, value, grad = theta + s, new_value, new_grad
        if np.max(np.abs(theta - start)) > limit:
            return theta, size, "moved too far"
        curvature = float(s @ change)
        if curvature > 1e-16:  # the BFGS update of the inverse Hessian
            rho = 1.0 / curvature
            left = np.eye(len(theta)) - rho * np.outer(s, change)
            inverse = left @ inverse @ left.T + rho * np.outer(s, s)
    return theta, float(np.max(np.abs(grad))), "steps"


def descend(problem: Problem, tried: list[str]) -> Problem | None:
    """The rounded end point of BFGS from the point, or None when it left the neighbourhood or
    did not move; a line about it is appended to ``tried``."""
    if problem.network.num_parameters > MAX_PARAMETERS:  # a dense P x P inverse Hessian
        tried.append(
            f"descent: skipped ({problem.network.num_parameters} parameters; the dense BFGS "
            f"takes at most {MAX_PARAMETERS}, as the box steps do)"
        )
        return None
    x = np.array([[float(v) for v in row] for row in problem.data.input_rows()])
    y = np.array([[float(v) for v in row] for row in problem.data.label_rows()])
    theta = np.array([float(v) for v in problem.network.parameter_vector()])
    limit = MAX_MOVE * (1 + float(np.max(np.abs(theta))))
    f = _objective(problem, x, y)
    before = f(theta)[0]
    end, size, why = _bfgs(f, theta, limit)
    moved = float(np.max(np.abs(end - theta)))
    line = f"descent (BFGS, floats): risk {before:.8g} -> {f(end)[0]:.8g}, moved {moved:.3g}"
    tried.append(f"{line}, max |g| {size:.3g} ({why})")
    if why == "moved too far" or not moved > 0:
        return None
    scale = 1 << BITS
    values = [Fraction(round(float(v) * scale), scale) for v in end]
    return problem.with_network(problem.network.with_parameters(values))

"""Sections 3.3 and 3.12 of docs/certificate.md: boxes |theta - theta*|_inf <= rho, checked by
exact interval propagation layer by layer.

With every weight and bias in [v - rho, v + rho] and the inputs of a layer in intervals, each
pre-activation gets an interval (endpoint products, summed). ``box_in_cell`` requires every such
interval strictly inside the piece of the cell; ``box_near_boundary`` lets a pre-activation that
sits on a breakpoint at theta* move across it, but not reach the next breakpoints on either side.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from .numbers import rational, show
from .problem import Activation, Problem, forward, pattern_and_margin
from .result import Invalid

Interval = tuple[Fraction, Fraction]
Image = Callable[[Fraction, Fraction], Interval]
# (layer index j from 0, neuron, sample) -> (lower, upper, the image of an interval inside
# (lower, upper) under h, and what the region is called in messages)
Region = Callable[[int, int, int], tuple[Fraction | None, Fraction | None, Image, str]]


def propagate_box(problem: Problem, rho: Fraction, region: Region, sid: str) -> None:
    """Invalid unless every pre-activation interval of the box lies strictly inside its region."""
    layers = problem.layers(problem.point)
    for i, x in enumerate(problem.inputs):
        a = [(v, v) for v in x]
        for j, (w, b) in enumerate(layers[:-1]):
            # a zero weight contributes [-rho, rho] * [lo, hi] = rho * max(|lo|, |hi|) * [-1, 1]
            reach = [max(abs(alo), abs(ahi)) for alo, ahi in a]
            nxt = []
            for r, (wr, br) in enumerate(zip(w, b, strict=True)):
                lo, hi = br - rho, br + rho
                for wc, (alo, ahi), m in zip(wr, a, reach, strict=True):
                    if wc == 0:
                        lo, hi = lo - rho * m, hi + rho * m
                        continue
                    products = [p * q for p in (wc - rho, wc + rho) for q in (alo, ahi)]
                    lo, hi = lo + min(products), hi + max(products)
                lower, upper, image, label = region(j, r, i)
                if (lower is not None and not lower < lo) or (upper is not None and not hi < upper):
                    raise Invalid(
                        f"layer {j + 1} neuron {r} sample {i}: the box reaches outside {label}",
                        step=sid,
                        expected=f"inside ({_end(lower)}, {_end(upper)})",
                        derived=f"[{show(lo)}, {show(hi)}]",
                    )
                nxt.append(image(lo, hi))
            a = nxt


def _end(value: Fraction | None) -> str:
    return "inf" if value is None else show(value)


def _affine_image(act: Activation, k: int) -> Callable[[Fraction, Fraction], Interval]:
    s, t = act.slopes[k], act.intercepts[k]

    def image(lo: Fraction, hi: Fraction) -> Interval:
        ends = (s * lo + t, s * hi + t)
        return min(ends), max(ends)

    return image


def _kink_image(act: Activation, b: int) -> Callable[[Fraction, Fraction], Interval]:
    """h on an interval around breakpoint b that meets only pieces b and b + 1."""

    def image(lo: Fraction, hi: Fraction) -> Interval:
        p = act.breakpoints[b]
        values = (
            act.slopes[b] * lo + act.intercepts[b],
            act.slopes[b] * p + act.intercepts[b],
            act.slopes[b + 1] * hi + act.intercepts[b + 1],
        )
        return min(values), max(values)

    return image


def check_box_in_cell(
    problem: Problem, step: dict[str, Any], cell_pattern: list[list[list[int]]], sid: str
) -> Fraction:
    rho = _radius(step, sid)
    act = problem.activation

    def region(j: int, r: int, i: int) -> tuple[Fraction | None, Fraction | None, Image, str]:
        k = cell_pattern[j][r][i]
        lower, upper = act.bounds(k)
        return lower, upper, _affine_image(act, k), f"piece {k}"

    propagate_box(problem, rho, region, sid)
    return rho


def check_box_near_boundary(problem: Problem, step: dict[str, Any], sid: str) -> dict[str, Any]:
    rho = _radius(step, sid)
    act = problem.activation
    pattern, _ = pattern_and_margin(problem, forward(problem, problem.point))
    trace = forward(problem, problem.point)
    ties = [
        (j, r, i, act.breakpoints.index(trace.pre[j][r][i]))
        for j, layer in enumerate(pattern)
        for r, neuron in enumerate(layer)
        for i, k in enumerate(neuron)
        if k is None
    ]
    if not ties:
        raise Invalid(
            "the point is inside a cell (no pre-activation on a breakpoint): use box_in_cell",
            step=sid,
        )
    tied = {(j, r, i): b for j, r, i, b in ties}

    def region(j: int, r: int, i: int) -> tuple[Fraction | None, Fraction | None, Image, str]:
        b = tied.get((j, r, i))
        if b is None:
            k = pattern[j][r][i]
            assert k is not None
            lower, upper = act.bounds(k)
            return lower, upper, _affine_image(act, k), f"piece {k}"
        lower = act.breakpoints[b - 1] if b > 0 else None
        upper = act.breakpoints[b + 1] if b + 1 < len(act.breakpoints) else None
        return lower, upper, _kink_image(act, b), f"pieces {b} and {b + 1}"

    propagate_box(problem, rho, region, sid)
    return {"radius": rho, "pattern": pattern, "ties": ties}


def _radius(step: dict[str, Any], sid: str) -> Fraction:
    rho = rational(step["radius"], f"{sid}.radius")
    if rho <= 0:
        raise Invalid(f"the radius must be positive, got {show(rho)}", step=sid)
    return rho

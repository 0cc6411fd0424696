"""Sections 3.3 and 3.12 of docs/certificate.md: boxes |theta - theta*|_inf <= rho, checked by
interval propagation layer by layer, on integers only.

With every weight and bias in [v - rho, v + rho] and the inputs of a layer in intervals, each
pre-activation gets an interval. ``box_in_cell`` requires every such interval strictly inside the
piece of the cell; ``box_near_boundary`` lets a pre-activation that sits on a breakpoint at theta*
move across it, but not reach the next breakpoints on either side.

Intervals are enclosures: each one contains every value the box allows, so an accepted box is
sound whatever the rounding. Two enclosures are used, sample by sample:

1. centre and radius (box_in_cell): the centre is the exact value at theta* (the integer trace);
   the first layer's radius is exact, rho (|x|_1 + 1), since the inputs are points; a later
   layer's radius is rounded UP to a multiple of 2^-P:
   z_r <= |W| a_r + rho (sum |a_c| + sum a_r) + rho. One integer matrix product per layer.
2. endpoints (a sample the first enclosure cannot place in its cell, and box_near_boundary): the
   interval products [w - rho, w + rho] [lo, hi] of the exact checker, with every end rounded
   outward (lower ends down, upper ends up) to a multiple of 2^-P2, P2 > P.

P is PRECISION_BITS binary digits below the leading digit of rho. Rounding only widens an
interval, so a box is never accepted wrongly; it can be refused only if an exact interval comes
within about 2^-P2 of a bound that it does not reach.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from operator import mul
from typing import Any

from .numbers import rational, show
from .problem import Problem, forward, pattern_and_margin
from .result import Invalid
from .scaled import ScaledActivation, Trace, common

PRECISION_BITS = 64
FALLBACK_EXTRA_BITS = 128

# (layer index j from 0, neuron, sample) -> (lower, upper, the pieces the interval may meet:
# (k,) for one affine piece or (b, b + 1) around breakpoint b, and what the region is called)
Region = Callable[[int, int, int], tuple[Fraction | None, Fraction | None, tuple[int, ...], str]]


def _floor_div(a: int, b: int) -> int:
    return a // b


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _inside(bounds: tuple[int, int, int, int], z: int, den: int, reach: tuple[int, int]) -> bool:
    """lower < z/den - rn/rd and z/den + rn/rd < upper, in integers (den, rd > 0); ``bounds`` =
    (lower num, lower den, upper num, upper den), a den of 0 standing for no bound."""
    rn, rd = reach
    ln, ld, un, ud = bounds
    if ld and not (ln * rd + rn * ld) * den < z * ld * rd:
        return False
    return not ud or (z * rd + rn * den) * ud < un * den * rd


def propagate_box(
    problem: Problem,
    rho: Fraction,
    region: Region,
    sid: str,
    *,
    pattern: list[list[list[int]]] | None = None,
) -> None:
    """Invalid unless every pre-activation interval of the box lies strictly inside its region.

    ``pattern``: the cell's pieces, when every region is one affine piece; the centre-radius
    enclosure is then tried first."""
    trace = forward(problem, problem.point)
    bits = PRECISION_BITS + max(0, rho.denominator.bit_length() - rho.numerator.bit_length() + 1)
    centre = _CentreRadius(problem, trace, rho, bits) if pattern is not None else None
    endpoints = None  # built on first need: most boxes never need it
    for i in range(len(problem.inputs)):
        if centre is None or pattern is None or not centre.fits(i, pattern):
            endpoints = endpoints or _Endpoints(problem, rho, bits + FALLBACK_EXTRA_BITS)
            endpoints.check(i, region, sid)


class _CentreRadius:
    """Enclosure 1: exact centres from the integer trace, radii rounded up to 2^-bits."""

    def __init__(self, problem: Problem, trace: Trace, rho: Fraction, bits: int) -> None:
        self.problem, self.trace, self.rho, self.bits = problem, trace, rho, bits
        act = ScaledActivation.of(problem.activation)
        self.slopes, self.act_den = [abs(v) for v in act.slopes], act.den
        self.bounds = [  # per piece: (lower num, lower den, upper num, upper den), den 0 = none
            _pair(lower) + _pair(upper)
            for lower, upper in map(problem.activation.bounds, range(len(act.slopes)))
        ]
        self.inputs = common([v for x in problem.inputs for v in x])
        self.weights = []  # per layer: |W| as integer rows over one denominator
        for w, _ in problem.layers(problem.point)[:-1]:
            flat = common([abs(v) for row in w for v in row])
            cols = len(w[0])
            rows = [flat.nums[r * cols : (r + 1) * cols] for r in range(len(w))]
            self.weights.append((rows, flat.den))

    def fits(self, i: int, pattern: list[list[list[int]]]) -> bool:
        """True when sample i stays inside its pieces under this enclosure (False: not shown)."""
        rho, one = self.rho, 1 << self.bits
        d_x = self.problem.widths[0]
        x = self.inputs.nums[i * d_x : (i + 1) * d_x]
        radius: list[int] = []  # the activation radii of the previous layer, over 2^bits
        for j, (rows, den_w) in enumerate(self.weights):
            centres, den = self.trace.pre_nums[j][i], self.trace.pre_dens[j]
            if j == 0:  # inputs are points: z in w x + b +- rho (|x|_1 + 1), exactly
                dx = self.inputs.den
                reach = (rho.numerator * (sum(abs(v) for v in x) + dx), rho.denominator * dx)
                reaches = [reach] * len(rows)
            else:
                a_nums, a_den = self.trace.act_nums[j - 1][i], self.trace.act_dens[j - 1]
                # rho (sum |a_c| + sum a_r + 1), over den_w * rho.den * a_den * 2^bits
                shared = (
                    den_w
                    * rho.numerator
                    * (sum(abs(v) for v in a_nums) * one + (sum(radius) + one) * a_den)
                )
                scale = den_w * rho.denominator * a_den
                reaches = [
                    (
                        -(
                            -(sum(map(mul, row, radius)) * rho.denominator * a_den + shared)
                            // scale
                        ),
                        one,
                    )
                    for row in rows
                ]
            radius = []
            for r, (z, reach) in enumerate(zip(centres, reaches, strict=True)):
                k = pattern[j][r][i]
                if not _inside(self.bounds[k], z, den, reach):
                    return False
                # |s_k| times the radius, rounded up to 2^-bits
                radius.append(-(-self.slopes[k] * reach[0] * one // (self.act_den * reach[1])))
        return True


def _pair(value: Fraction | None) -> tuple[int, int]:
    return (0, 0) if value is None else (value.numerator, value.denominator)


class _Endpoints:
    """Enclosure 2: endpoint products, every end rounded outward to a multiple of 2^-bits."""

    def __init__(self, problem: Problem, rho: Fraction, bits: int) -> None:
        self.problem, self.bits = problem, bits
        self.act = problem.activation
        self.layers = [
            (
                [[self._outward(v - rho, v + rho) for v in row] for row in w],
                [self._outward(v - rho, v + rho) for v in b],
            )
            for w, b in problem.layers(problem.point)[:-1]
        ]

    def _outward(self, lo: Fraction, hi: Fraction) -> tuple[int, int]:
        """Integers L <= lo 2^bits and H >= hi 2^bits."""
        return (
            _floor_div(lo.numerator << self.bits, lo.denominator),
            _ceil_div(hi.numerator << self.bits, hi.denominator),
        )

    def check(self, i: int, region: Region, sid: str) -> None:
        bits = self.bits
        a = [self._outward(v, v) for v in self.problem.inputs[i]]
        for j, (w, b) in enumerate(self.layers):
            nxt = []
            for r, (wr, (blo, bhi)) in enumerate(zip(w, b, strict=True)):
                lo, hi = blo << bits, bhi << bits  # over 2^(2 bits)
                for (wlo, whi), (alo, ahi) in zip(wr, a, strict=True):
                    products = (wlo * alo, wlo * ahi, whi * alo, whi * ahi)
                    lo, hi = lo + min(products), hi + max(products)
                lo, hi = lo >> bits, -(-hi >> bits)  # outward back to 2^-bits
                lower, upper, pieces, label = region(j, r, i)
                low, high = Fraction(lo, 1 << bits), Fraction(hi, 1 << bits)
                if (lower is not None and not lower < low) or (
                    upper is not None and not high < upper
                ):
                    raise Invalid(
                        f"layer {j + 1} neuron {r} sample {i}: the box reaches outside {label}",
                        step=sid,
                        expected=f"inside ({_end(lower)}, {_end(upper)})",
                        derived=f"[{show(low)}, {show(high)}]",
                    )
                nxt.append(self._image(low, high, pieces))
            a = nxt

    def _image(self, low: Fraction, high: Fraction, pieces: tuple[int, ...]) -> tuple[int, int]:
        """h on [low, high] meeting only ``pieces``, rounded outward."""
        act = self.act
        if len(pieces) == 1:
            s, t = act.slopes[pieces[0]], act.intercepts[pieces[0]]
            values = [s * low + t, s * high + t]
        else:  # around breakpoint b: piece b left of it, piece b + 1 right of it
            b = pieces[0]
            p = act.breakpoints[b]
            values = [
                act.slopes[b] * low + act.intercepts[b],
                act.slopes[b] * p + act.intercepts[b],
                act.slopes[b + 1] * high + act.intercepts[b + 1],
            ]
        return self._outward(min(values), max(values))


def _end(value: Fraction | None) -> str:
    return "inf" if value is None else show(value)


def check_box_in_cell(
    problem: Problem, step: dict[str, Any], cell_pattern: list[list[list[int]]], sid: str
) -> Fraction:
    rho = _radius(step, sid)
    act = problem.activation

    def region(
        j: int, r: int, i: int
    ) -> tuple[Fraction | None, Fraction | None, tuple[int, ...], str]:
        k = cell_pattern[j][r][i]
        lower, upper = act.bounds(k)
        return lower, upper, (k,), f"piece {k}"

    # an accepted box is a pure result of (problem, rho, pattern): kept for the session
    key = ("box_in_cell", rho, *(tuple(neuron) for layer in cell_pattern for neuron in layer))
    if key not in problem.memo:
        propagate_box(problem, rho, region, sid, pattern=cell_pattern)
        problem.memo[key] = True
    return rho


def check_box_near_boundary(problem: Problem, step: dict[str, Any], sid: str) -> dict[str, Any]:
    rho = _radius(step, sid)
    act = problem.activation
    trace = forward(problem, problem.point)
    pattern, _ = pattern_and_margin(problem, trace)
    ties = [
        (j, r, i, act.breakpoints.index(Fraction(trace.pre_nums[j][i][r], trace.pre_dens[j])))
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

    def region(
        j: int, r: int, i: int
    ) -> tuple[Fraction | None, Fraction | None, tuple[int, ...], str]:
        b = tied.get((j, r, i))
        if b is None:
            k = pattern[j][r][i]
            assert k is not None
            lower, upper = act.bounds(k)
            return lower, upper, (k,), f"piece {k}"
        lower = act.breakpoints[b - 1] if b > 0 else None
        upper = act.breakpoints[b + 1] if b + 1 < len(act.breakpoints) else None
        return lower, upper, (b, b + 1), f"pieces {b} and {b + 1}"

    propagate_box(problem, rho, region, sid)
    return {"radius": rho, "pattern": pattern, "ties": ties}


def _radius(step: dict[str, Any], sid: str) -> Fraction:
    rho = rational(step["radius"], f"{sid}.radius")
    if rho <= 0:
        raise Invalid(f"the radius must be positive, got {show(rho)}", step=sid)
    return rho

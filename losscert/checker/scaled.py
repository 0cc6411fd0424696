"""Section 2 of docs/certificate.md, in integers: the exact forward pass after clearing
denominators.

Every rational vector of a layer is held as integer numerators over ONE common positive
denominator: the inputs of all samples over the least common denominator of the data, a weight
matrix and its bias over theirs, the activation's slopes and intercepts over theirs. A layer is
then an integer matrix-vector product per sample and the new denominator is the product of the two
old ones; no gcd is taken per operation (the Fractions of the naive pass spend most of their time
there). Once per layer the numerators of all samples and the denominator are divided by their
common gcd, which keeps the integers as short as the rationals they stand for, up to that factor.

The values are exactly those of the Fraction pass: only the bookkeeping differs. Messages and the
steps that need single values read them as Fractions (``Trace.pre``, ``Trace.outputs``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import gcd, lcm
from operator import mul
from typing import TYPE_CHECKING

from . import limits

if TYPE_CHECKING:
    from .problem import Activation, Problem


@dataclass(frozen=True)
class Column:
    """A rational vector as integer numerators over one positive integer denominator."""

    nums: list[int]
    den: int


def common(values: list[Fraction]) -> Column:
    """``values`` over their least common denominator."""
    den = lcm(*(v.denominator for v in values)) if values else 1
    return Column([v.numerator * (den // v.denominator) for v in values], den)


@dataclass(frozen=True)
class ScaledActivation:
    """The activation's pieces over one denominator: h(z) = (S_k z + T_k) / e on piece k."""

    breakpoints: list[Fraction]
    slopes: list[int]
    intercepts: list[int]
    den: int

    @classmethod
    def of(cls, act: Activation) -> ScaledActivation:
        both = common([*act.slopes, *act.intercepts])
        k = len(act.slopes)
        return cls(list(act.breakpoints), both.nums[:k], both.nums[k:], both.den)

    def locator(self, den: int, *, ties: bool = False) -> Callable[[int], int | None]:
        """For values z = num / den: num -> the number of breakpoints below z, which is the piece
        of z (the left one on a breakpoint; None there instead if ``ties``). A bisection over
        integer thresholds: with s = lcm of the breakpoints' denominators,
        z > p  <=>  num s > p.num (s / p.den) den."""
        scale = lcm(*(p.denominator for p in self.breakpoints)) if self.breakpoints else 1
        thresholds = [p.numerator * (scale // p.denominator) * den for p in self.breakpoints]
        last = len(thresholds)

        def piece(num: int) -> int | None:
            k = bisect_left(thresholds, num * scale)
            return None if ties and k < last and thresholds[k] == num * scale else k

        return piece


@dataclass(frozen=True)
class Trace:
    """The exact forward pass at one point, in integers.

    ``pre_nums[j][i][r]`` / ``pre_dens[j]`` is z_{j+1,r}(x_i) for hidden layer j + 1,
    ``act_nums[j][i][r]`` / ``act_dens[j]`` its activation, ``out_nums[i][k]`` / ``out_den`` the
    output f(x_i)_k. Layer index first, then sample, then neuron (the order of a matrix product).
    """

    pre_nums: list[list[list[int]]]
    pre_dens: list[int]
    act_nums: list[list[list[int]]]
    act_dens: list[int]
    out_nums: list[list[int]]
    out_den: int

    @cached_property
    def pre(self) -> list[list[list[Fraction]]]:
        """pre[j][r][i] = z_{j+1,r}(x_i) as Fractions (the layout of the Fraction pass)."""
        return [
            [[Fraction(column[r], den) for column in layer] for r in range(len(layer[0]))]
            for layer, den in zip(self.pre_nums, self.pre_dens, strict=True)
        ]

    @cached_property
    def outputs(self) -> list[list[Fraction]]:
        return [[Fraction(v, self.out_den) for v in row] for row in self.out_nums]


def scaled_forward(problem: Problem, theta: list[Fraction]) -> Trace:
    """The exact forward pass at theta, every layer an integer matrix product."""
    act = ScaledActivation.of(problem.activation)
    data = common([v for x in problem.inputs for v in x])
    width = problem.widths[0]
    columns = [data.nums[i * width : (i + 1) * width] for i in range(len(problem.inputs))]
    den = data.den
    trace = Trace([], [], [], [], [], 1)
    layers = problem.layers(theta)
    work = 0
    for j, (w, b) in enumerate(layers):
        flat = common([*(v for row in w for v in row), *b])
        cols = len(w[0])
        work += (
            len(columns)
            * len(w)
            * (cols + 1)
            * _words(flat.nums, flat.den)
            * _words((v for column in columns for v in column), den)
        )
        limits.check_product_work(work, len(columns))  # section 7, before the product
        rows = [flat.nums[r * cols : (r + 1) * cols] for r in range(len(w))]
        bias = flat.nums[len(w) * cols :]
        # z = (W' a' + b' d) / (L d) with W = W' / L, b = b' / L and a = a' / d
        nums = [
            [sum(map(mul, row, column)) + br * den for row, br in zip(rows, bias, strict=True)]
            for column in columns
        ]
        nums, den = _reduced(nums, flat.den * den)
        if j == len(layers) - 1:
            return Trace(trace.pre_nums, trace.pre_dens, trace.act_nums, trace.act_dens, nums, den)
        trace.pre_nums.append(nums)
        trace.pre_dens.append(den)
        activate = _activation_of(act, den)  # the pieces' thresholds once per layer
        columns = [activate(column) for column in nums]
        columns, den = _reduced(columns, act.den * den)
        trace.act_nums.append(columns)
        trace.act_dens.append(den)
    raise AssertionError("a network has at least one layer")  # pragma: no cover


def _words(nums: Iterable[int], den: int) -> int:
    """1 + the 64-bit words of the largest of these integers and the denominator."""
    return 1 + max(den.bit_length(), *(abs(v).bit_length() for v in nums)) // 64


def _activation_of(act: ScaledActivation, den: int) -> Callable[[list[int]], list[int]]:
    """column -> numerators of h(z) over e * den for z = column / den (left piece on a
    breakpoint, which continuity makes equal to the right one)."""
    piece = act.locator(den)
    slopes, shifts = act.slopes, [t * den for t in act.intercepts]

    def activate(column: list[int]) -> list[int]:
        return [slopes[k] * z + shifts[k] for z, k in zip(column, map(piece, column), strict=True)]  # type: ignore[index]

    return activate


def _reduced(columns: list[list[int]], den: int) -> tuple[list[list[int]], int]:
    """Numerators and denominator divided by their common gcd (one gcd per layer, not per entry)."""
    g = gcd(den, *(v for column in columns for v in column))
    if g == 1:
        return columns, den
    return [[v // g for v in column] for column in columns], den // g


def scaled_squared_error(problem: Problem, trace: Trace) -> Fraction:
    """sum_i ||f(x_i) - y_i||^2 exactly, as one integer sum over one denominator."""
    labels = common([v for y in problem.labels for v in y])
    d_y = problem.widths[-1]
    total = 0
    for i, row in enumerate(trace.out_nums):
        y = labels.nums[i * d_y : (i + 1) * d_y]
        for f, yk in zip(row, y, strict=True):
            r = f * labels.den - yk * trace.out_den
            total += r * r
    return Fraction(total, (trace.out_den * labels.den) ** 2)


def margin_of(
    problem: Problem, trace: Trace
) -> tuple[list[list[list[int | None]]], Fraction | None]:
    """Piece per (layer, neuron, sample) (None on a breakpoint) and the least distance of a
    pre-activation to a breakpoint, from the integer trace."""
    act = ScaledActivation.of(problem.activation)
    pattern: list[list[list[int | None]]] = []
    best: Fraction | None = None
    for nums, den in zip(trace.pre_nums, trace.pre_dens, strict=True):
        piece = act.locator(den, ties=True)
        pattern.append([[piece(column[r]) for column in nums] for r in range(len(nums[0]))])
        for p in act.breakpoints:
            scaled = p.numerator * den
            closest = min(abs(z * p.denominator - scaled) for column in nums for z in column)
            distance = Fraction(closest, p.denominator * den)
            best = distance if best is None or distance < best else best
    return pattern, best


def affine_squared_optimal(
    problem: Problem, w: list[list[Fraction]], b: list[Fraction], trace: Trace
) -> bool:
    """True when the network's outputs are x -> W x + b on every sample and, for a squared loss,
    the first-order conditions sum_i (W x_i + b - y_i) (x_i, 1)^T = 0 hold; False when either
    fails (the caller then finds and reports the first failure with Fractions)."""
    flat = common([*(v for row in w for v in row), *b])
    d_x, d_y = problem.widths[0], problem.widths[-1]
    rows = [flat.nums[k * d_x : (k + 1) * d_x] for k in range(d_y)]
    bias = flat.nums[d_y * d_x :]
    data = common([v for x in problem.inputs for v in x])
    labels = common([v for y in problem.labels for v in y])
    den = flat.den * data.den  # of u = W x + b
    totals = [[0] * (d_x + 1) for _ in range(d_y)]
    for i, out in enumerate(trace.out_nums):
        x = data.nums[i * d_x : (i + 1) * d_x]
        for k in range(d_y):
            u = sum(map(mul, rows[k], x)) + bias[k] * data.den
            if u * trace.out_den != out[k] * den:
                return False
            residual = u * labels.den - labels.nums[i * d_y + k] * den  # (u - y) den e_y
            total = totals[k]
            for c, v in enumerate(x):
                total[c] += residual * v
            total[d_x] += residual
    return all(v == 0 for total in totals for v in total)

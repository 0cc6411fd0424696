"""Section 3.14 of docs/certificate.md: ``convex_lower_bound`` (one hidden layer, one output).

A block is (pattern, sign): one piece index per sample and the sign s of an output weight. Its
variables are z = (v, c) with v = c w~ (w~ = [w; b], bias last); its closed cone is s c >= 0 and,
for sample i in piece k, s (v . x~_i - p_k c) >= 0 (k > 0) and s (p_{k+1} c - v . x~_i) >= 0
(k < K), in this row order. On it the neuron adds s_k v . x~_i + t_k c to output i. With g_i a
subgradient of l(y_i, .) at o_i, sum_i g_i = 0 and, per block, lambda >= 0 with
sum_r lambda_r G_r = sum_i g_i M_i, every network whose neurons lie in the blocks' cones has
R >= (sum_i l(y_i, o_i) - g . o) / n (the convexity inequality; the g . o' term is
sum_b lambda_b . G_b z_b >= 0).
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations
from typing import Any

from .numbers import integer, rational, show, vector
from .problem import Problem, sample_loss
from .result import Invalid

ZERO = Fraction(0)

MAX_BLOCK_SUBSETS = 200_000
"""The most d_1-subsets of blocks the global_min rule enumerates."""


def _one_hidden_scalar(problem: Problem, sid: str) -> None:
    if len(problem.widths) != 3 or problem.widths[-1] != 1:
        raise Invalid(
            "convex_lower_bound needs one hidden layer and one output",
            step=sid,
            derived=f"widths {problem.widths}",
        )


def _in_subdifferential(problem: Problem, y: Fraction, o: Fraction, g: Fraction) -> bool:
    r = o - y
    if problem.loss == "squared":
        return g == 2 * r
    if problem.loss == "squared_half":
        return g == r
    if problem.loss == "huber":
        assert problem.delta is not None
        return g == (r if abs(r) <= problem.delta else problem.delta * (1 if r > 0 else -1))
    if problem.loss == "absolute":
        return g == (1 if r > 0 else -1) if r != 0 else -1 <= g <= 1
    margin = 1 - y * o  # hinge
    if margin > 0:
        return g == -y
    if margin < 0:
        return g == 0
    return min(-y, Fraction(0)) <= g <= max(-y, Fraction(0))


def _multipliers(value: Any, where: str, length: int) -> list[Fraction]:
    """Like ``vector``, with a shortcut for the many zeros (at a cell minimum, all of them)."""
    if not isinstance(value, list) or len(value) != length:
        got = len(value) if isinstance(value, list) else type(value).__name__
        raise Invalid(f"{where}: expected {length} entries, got {got}")
    return [ZERO if v == "0" else rational(v, f"{where}[{m}]") for m, v in enumerate(value)]


def _layout(problem: Problem, pattern: list[int]) -> list[tuple[int, int]]:
    """Which constraint each cone row after the sign row is: (sample, +1 lower / -1 upper)."""
    per_piece = []
    for k in range(len(problem.activation.slopes)):
        lower, upper = problem.activation.bounds(k)
        per_piece.append(((1,) if lower is not None else ()) + ((-1,) if upper is not None else ()))
    return [(i, side) for i, k in enumerate(pattern) for side in per_piece[k]]


def _combined(
    problem: Problem,
    pattern: list[int],
    sign: int,
    lam: list[Fraction],
    layout: list[tuple[int, int]] | None = None,
) -> list[Fraction]:
    """sum_r lambda_r G_r over the cone rows (only the rows with lambda_r != 0 are built);
    ``layout`` is ``_layout(problem, pattern)`` when the caller has it."""
    d = problem.widths[0]
    total = [Fraction(0)] * (d + 2)
    total[d + 1] += sign * lam[0]
    rows = _layout(problem, pattern) if layout is None else layout
    for (i, side), v in zip(rows, lam[1:], strict=True):
        if not v:
            continue
        lower, upper = problem.activation.bounds(pattern[i])
        for j, a in enumerate(problem.inputs[i]):
            total[j] += side * sign * v * a
        total[d] += side * sign * v
        bound = lower if side > 0 else upper
        assert bound is not None  # _layout lists a side only where the piece has that bound
        total[d + 1] -= side * sign * v * bound
    return total


def _scaled(problem: Problem, g: list[Fraction]) -> tuple[int, list[int], int, list[list[int]]]:
    """g and the inputs as integers over their common denominators: (g_den, g_int, x_den, x_int)."""
    g_den = math.lcm(*(v.denominator for v in g))
    g_int = [v.numerator * (g_den // v.denominator) for v in g]
    x_den = math.lcm(*(a.denominator for x in problem.inputs for a in x))
    x_int = [[a.numerator * (x_den // a.denominator) for a in x] for x in problem.inputs]
    return g_den, g_int, x_den, x_int


def _output_weights(
    problem: Problem,
    pattern: list[int],
    g: list[Fraction],
    scaled: tuple[int, list[int], int, list[list[int]]] | None = None,
) -> list[Fraction]:
    """sum_i g_i M_i: the block's output map applied to g, summed per piece in integers over one
    common denominator (one Fraction per entry, not one per product); ``scaled`` is
    ``_scaled(problem, g)`` when the caller has it."""
    d = problem.widths[0]
    g_den, g_int, x_den, x_int = _scaled(problem, g) if scaled is None else scaled
    total = [Fraction(0)] * (d + 2)
    act = problem.activation
    by_piece: dict[int, list[int]] = {}
    for i, k in enumerate(pattern):
        by_piece.setdefault(k, []).append(i)
    for k, samples in by_piece.items():
        slope, intercept = act.slopes[k], act.intercepts[k]
        if slope:
            for j in range(d):
                s = sum(g_int[i] * x_int[i][j] for i in samples)
                total[j] += slope * Fraction(s, g_den * x_den)
        plain = Fraction(sum(g_int[i] for i in samples), g_den)
        total[d] += slope * plain
        total[d + 1] += intercept * plain
    return total


def read_block(
    problem: Problem, block: Any, where: str, sid: str, seen: set[tuple[tuple[int, ...], int]]
) -> tuple[list[int], int, Any, list[Fraction]]:
    """One ``{"pattern", "sign", "multipliers"}`` block of 3.15 (also 3.26): its pattern, sign,
    cone layout and multipliers (>= 0, one per cone row, the sign row first); a block already
    in ``seen`` is refused, and the block is added to it."""
    n, pieces = len(problem.inputs), len(problem.activation.slopes)
    if not isinstance(block, dict) or set(block) != {"pattern", "sign", "multipliers"}:
        raise Invalid(f"{where}: expected exactly pattern, sign, multipliers", step=sid)
    pattern = block["pattern"]
    if not isinstance(pattern, list) or len(pattern) != n:
        raise Invalid(f"{where}.pattern: expected {n} piece indices", step=sid)
    pattern = [integer(k, f"{where}.pattern", 0, pieces - 1) for k in pattern]
    sign = block["sign"]
    if sign not in (1, -1) or isinstance(sign, bool):
        raise Invalid(f"{where}.sign: expected 1 or -1", step=sid)
    key = (tuple(pattern), sign)
    if key in seen:
        raise Invalid(f"{where}: the block appears twice", step=sid)
    seen.add(key)
    layout = _layout(problem, pattern)
    lam = _multipliers(block["multipliers"], f"{where}.multipliers", 1 + len(layout))
    if any(v.numerator < 0 for v in lam):
        raise Invalid(f"{where}.multipliers: must be >= 0", step=sid)
    return pattern, sign, layout, lam


def check_convex_lower_bound(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    _one_hidden_scalar(problem, sid)
    n = len(problem.inputs)
    outputs = vector(step["outputs"], f"{sid}.outputs", n)
    g = vector(step["subgradients"], f"{sid}.subgradients", n)
    labels = [y[0] for y in problem.labels]
    for i, (y, o, gi) in enumerate(zip(labels, outputs, g, strict=True)):
        if not _in_subdifferential(problem, y, o, gi):
            raise Invalid(
                f"subgradients[{i}] is not in the subdifferential of the loss at outputs[{i}]",
                step=sid,
                expected=f"a subgradient at output {show(o)} (label {show(y)})",
                derived=show(gi),
            )
    if sum(g, Fraction(0)) != 0:
        raise Invalid(
            "the subgradients must sum to 0 (the output bias is free)",
            step=sid,
            derived=show(sum(g, Fraction(0))),
        )
    blocks = step["blocks"]
    if not isinstance(blocks, list) or not blocks:
        raise Invalid("blocks: expected a non-empty list", step=sid)
    seen: set[tuple[tuple[int, ...], int]] = set()
    targets: dict[tuple[int, ...], list[Fraction]] = {}
    scaled = _scaled(problem, g)
    for b, block in enumerate(blocks):
        where = f"{sid}.blocks[{b}]"
        pattern, sign, layout, lam = read_block(problem, block, where, sid, seen)
        key = (tuple(pattern), sign)
        combined = _combined(problem, pattern, sign, lam, layout)
        if key[0] not in targets:  # both signs of a pattern share its output map
            targets[key[0]] = _output_weights(problem, pattern, g, scaled)
        target = targets[key[0]]
        if combined != target:
            raise Invalid(
                f"{where}: the multipliers do not combine the cone rows into the block's "
                "output map applied to the subgradients",
                step=sid,
                expected=[show(v) for v in target],
                derived=[show(v) for v in combined],
            )
    total = sum(
        (sample_loss(problem, [y], [o]) for y, o in zip(labels, outputs, strict=True)), Fraction(0)
    )
    bound = (total - sum((a * b for a, b in zip(g, outputs, strict=True)), Fraction(0))) / n
    claimed = rational(step["bound"], f"{sid}.bound")
    if claimed != bound:
        raise Invalid(
            "the bound differs",
            step=sid,
            expected=show(claimed),
            derived=show(bound),
            difference=show(bound - claimed),
        )
    return {
        "blocks": frozenset(seen),
        "bound": bound,
        "hidden": problem.widths[1],
        "outputs": tuple(outputs),
    }


def covers_every_network(
    blocks: frozenset[tuple[tuple[int, ...], int]],
    bounds: list[tuple[frozenset[tuple[tuple[int, ...], int]], Fraction]],
    hidden: int,
    level: Fraction,
) -> str | None:
    """None when every set of ``hidden`` blocks lies inside one bound's blocks with bound >= level.

    A network with ``hidden`` neurons uses at most that many distinct blocks (two neurons in one
    block add up to one point of the same convex cone), so its risk is then >= level.
    """
    strong = [s for s, value in bounds if value >= level]
    if any(blocks <= s for s in strong):
        return None
    size = min(hidden, len(blocks))
    for count, subset in enumerate(combinations(sorted(blocks), size), start=1):
        if count > MAX_BLOCK_SUBSETS:
            return f"at most {MAX_BLOCK_SUBSETS} subsets of blocks are enumerated"
        chosen = frozenset(subset)
        if not any(chosen <= s for s in strong):
            return f"a convex_lower_bound step with bound >= the risk covering the blocks {sorted(chosen)}"
    return None

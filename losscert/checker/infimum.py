"""Sections 3.25 and 3.26 of docs/certificate.md, and the claim
``infimum_not_attained`` (since 1.1; one hidden layer, one output).

``limit_family``: a family of networks theta(s) = base + s growth + vanishing / s (s > 0; growth
only in layer 1, vanishing only in W_2) whose outputs converge as s -> inf. On sample i neuron r
has the pre-activation a + s b (a from base, b from growth) and the output weight c0 + c2 / s; for
large s it stays on one piece k (the last if b > 0, the first if b < 0, where a lies if b = 0), so
its term is (c0 + c2 / s)(s_k (a + s b) + t_k), a rational function of s. It is bounded only
when c0 s_k b = 0, and then tends to c0 (s_k a + t_k) + c2 s_k b (c0 h(a) when b = 0). So the
risk of theta(s) tends to the risk of the limit outputs: the infimum of R is at most that value.

``unattainable_outputs``: no network of the problem's width has the outputs o*. Each cover gives
g with sum_i g_i = 0 and g . o* <= 0 and, for each of its blocks (pattern, sign), multipliers
lambda >= 0 with sum_r lambda_r G_r = sum_i g_i M_i (the rows of section 3.14) and, when
g . o* = 0, lambda_0 > 0 (the sign row s c >= 0). A network whose neurons with c != 0 all lie in
the cover's blocks has outputs o = sum_r M z_r + b_2 1, so g . o = sum_r lambda . G z_r >= 0, and
>= sum_r lambda_0 s c_r > 0 when some neuron has c != 0; so g . o > g . o* when some neuron has
c != 0, and o is constant otherwise: o != o* when o* is not constant (Motzkin's transposition
theorem: such g and lambda exist exactly when the cover's blocks cannot produce o*). Every set of
d_1 realisable blocks must lie in one cover.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any

from .convex import (
    MAX_BLOCK_SUBSETS,
    _combined,
    _one_hidden_scalar,
    _output_weights,
    covers_every_network,
    read_block,
)
from .numbers import rational, show, vector
from .problem import Problem, sample_loss
from .result import Invalid

ZERO = Fraction(0)
Block = tuple[tuple[int, ...], int]


def _limit_term(
    problem: Problem, a: Fraction, b: Fraction, c0: Fraction, c2: Fraction
) -> Fraction | None:
    """lim_{s -> inf} (c0 + c2 / s) h(a + s b), or None when it is unbounded."""
    act = problem.activation
    if b == 0:
        k = act.piece(a)
        if k is None:  # on a breakpoint: h is continuous, either side gives h(a)
            k = act.breakpoints.index(a)
        return c0 * (act.slopes[k] * a + act.intercepts[k])
    k = len(act.slopes) - 1 if b > 0 else 0
    slope = act.slopes[k]
    if c0 * slope * b != 0:
        return None
    return c0 * (slope * a + act.intercepts[k]) + c2 * slope * b


def check_limit_family(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    _one_hidden_scalar(problem, sid)
    size = problem.num_parameters
    base = vector(step["base"], f"{sid}.base", size)
    growth = vector(step["growth"], f"{sid}.growth", size)
    vanishing = vector(step["vanishing"], f"{sid}.vanishing", size)
    (w1, b1), (w2, b2) = problem.layers(base)
    (g1, h1), (gw2, gb2) = problem.layers(growth)
    (vw1, vb1), (vw2, vb2) = problem.layers(vanishing)
    if any(v != 0 for row in gw2 for v in row) or any(gb2):
        raise Invalid("growth: must be 0 outside layer 1", step=sid)
    if any(v != 0 for row in vw1 for v in row) or any(vb1) or any(vb2):
        raise Invalid("vanishing: must be 0 outside W_2", step=sid)
    n = len(problem.inputs)
    outputs = []
    for i, x in enumerate(problem.inputs):
        total = b2[0]
        for r in range(problem.widths[1]):
            a = sum((p * q for p, q in zip(w1[r], x, strict=True)), b1[r])
            b = sum((p * q for p, q in zip(g1[r], x, strict=True)), h1[r])
            term = _limit_term(problem, a, b, w2[0][r], vw2[0][r])
            if term is None:
                raise Invalid(
                    f"neuron {r} on sample {i}: its term grows without bound (c0 s_k b != 0)",
                    step=sid,
                )
            total += term
        outputs.append(total)
    labels = [y[0] for y in problem.labels]
    limit = (
        sum((sample_loss(problem, [y], [o]) for y, o in zip(labels, outputs, strict=True)), ZERO)
        / n
    )
    claimed = rational(step["limit_risk"], f"{sid}.limit_risk")
    if claimed != limit:
        raise Invalid(
            "the limit risk differs",
            step=sid,
            expected=show(claimed),
            derived=show(limit),
            difference=show(limit - claimed),
        )
    return {"limit_risk": limit, "outputs": tuple(outputs)}


def check_unattainable_outputs(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    _one_hidden_scalar(problem, sid)
    n = len(problem.inputs)
    target = vector(step["outputs"], f"{sid}.outputs", n)
    if all(o == target[0] for o in target):
        raise Invalid("outputs: constant outputs are attained by b_2 alone", step=sid)
    covers = step["covers"]
    if not isinstance(covers, list) or not covers:
        raise Invalid("covers: expected a non-empty list", step=sid)
    found: list[frozenset[Block]] = []
    for c, cover in enumerate(covers):
        where = f"{sid}.covers[{c}]"
        if not isinstance(cover, dict) or set(cover) != {"g", "blocks"}:
            raise Invalid(f"{where}: expected exactly g, blocks", step=sid)
        g = vector(cover["g"], f"{where}.g", n)
        if sum(g, ZERO) != 0:
            raise Invalid(f"{where}.g: must sum to 0 (the output bias is free)", step=sid)
        dot = sum((a * b for a, b in zip(g, target, strict=True)), ZERO)
        if dot > 0:
            raise Invalid(f"{where}.g: g . outputs must be <= 0", step=sid, derived=show(dot))
        blocks = cover["blocks"]
        if not isinstance(blocks, list) or not blocks:
            raise Invalid(f"{where}.blocks: expected a non-empty list", step=sid)
        seen: set[Block] = set()
        targets: dict[tuple[int, ...], list[Fraction]] = {}
        for b, block in enumerate(blocks):
            at = f"{where}.blocks[{b}]"
            pattern, sign, _, lam = read_block(problem, block, at, sid, seen)
            key = (tuple(pattern), sign)
            if lam[0] <= 0 and dot == 0:
                raise Invalid(
                    f"{at}.multipliers[0] (the sign row): must be > 0 when g . outputs = 0",
                    step=sid,
                )
            if key[0] not in targets:
                targets[key[0]] = _output_weights(problem, pattern, g)
            combined = _combined(problem, pattern, sign, lam)
            if combined != targets[key[0]]:
                raise Invalid(
                    f"{at}: the multipliers do not combine the cone rows into the block's "
                    "output map applied to g",
                    step=sid,
                    expected=[show(v) for v in targets[key[0]]],
                    derived=[show(v) for v in combined],
                )
        found.append(frozenset(seen))
    return {
        "outputs": tuple(target),
        "covers": tuple(found),
        "loss": problem.loss,
        "hidden": problem.widths[1],
    }


def infimum_not_attained(
    blocks: frozenset[Block] | None,
    bounds: list[Any],
    families: list[Any],
    unattainable: list[Any],
    value: Fraction,
) -> str | None:
    """The claim's rule (section 4): inf R = value over the networks of width d_1, not attained.

    The limit family gives inf <= value. Every set S of d_1 realisable blocks must lie in the
    blocks of a convex_lower_bound step B with B's bound > value (R > value on S), or with bound
    = value and an unattainable_outputs step at B's outputs with a cover containing S: the loss
    being strictly convex in the outputs, n R(o) >= n bound + kappa |o - o_B|^2 on B's blocks, so
    R = value there only at B's outputs, which no network with its neurons in S has."""
    if blocks is None:
        return "a neuron_regions step"
    if not any(f.facts["limit_risk"] == value for f in families):
        return "a limit_family step whose limit risk is the claimed value"
    if not unattainable:
        return "an unattainable_outputs step"
    if any(u.facts["loss"] not in ("squared", "squared_half") for u in unattainable):
        return "a squared or squared_half loss (strictly convex in the outputs)"
    above = [b.facts["blocks"] for b in bounds if b.facts["bound"] > value]
    level: list[frozenset[Block]] = []  # the covers that hold at some bound step of bound = value
    for b in bounds:
        if b.facts["bound"] != value:
            continue
        for u in unattainable:
            if u.facts["outputs"] == b.facts["outputs"]:
                level.extend(c & b.facts["blocks"] for c in u.facts["covers"])
    hidden = unattainable[0].facts["hidden"]
    sets = above + level
    if any(blocks <= c for c in sets):
        return None
    size = min(hidden, len(blocks))
    for count, subset in enumerate(combinations(sorted(blocks), size), start=1):
        if count > MAX_BLOCK_SUBSETS:
            return f"at most {MAX_BLOCK_SUBSETS} subsets of blocks are enumerated"
        chosen = frozenset(subset)
        if not any(chosen <= c for c in sets):
            return (
                "a convex_lower_bound step with bound > the value, or one with bound = the value "
                "and an unattainable_outputs cover at its outputs, containing the blocks "
                f"{sorted(chosen)}"
            )
    return None


def global_infimum(
    blocks: frozenset[Block] | None,
    bounds: list[Any],
    families: list[Any],
    value: Fraction,
) -> str | None:
    """(since 1.1) inf R = value over the networks of width d_1 (attained or not): a limit family
    with limit risk = value, and every set of d_1 realisable blocks inside a convex_lower_bound
    step with bound >= value."""
    if blocks is None:
        return "a neuron_regions step"
    if not any(f.facts["limit_risk"] == value for f in families):
        return "a limit_family step whose limit risk is the claimed value"
    if not bounds:
        return "convex_lower_bound steps"
    return covers_every_network(
        blocks,
        [(b.facts["blocks"], b.facts["bound"]) for b in bounds],
        bounds[0].facts["hidden"],
        value,
    )

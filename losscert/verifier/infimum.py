"""One hidden layer, squared loss: "the infimum of R is X and no network attains it" (issue 14).

When the relaxation's optimum X over every realisable block is reached by at most d_1 blocks but
only at c = 0 for some of them (a limit of networks c_r h(w_r . x~) with c_r -> 0, |w_r| -> inf)
and no network of width d_1 has its outputs, the certificate ``infimum_not_attained`` (docs/
certificate.md section 4) states exactly that:

* ``limit_family``: theta(s) = base + s growth + vanishing / s, the optimum's neurons with c != 0
  fixed and each limit block (v, 0) of sign s_b as the neuron (s s_b v, s_b / s); its outputs
  tend to the optimum's outputs o*, so R(theta(s)) -> X;
* the relaxation's ``convex_lower_bound``: R >= X for every width and, the loss being strictly
  convex in the outputs, R = X only at o*;
* ``unattainable_outputs``: for every set of d_1 realisable blocks, a Motzkin certificate that no
  network with its neurons in those blocks (c != 0) has the outputs o*. One cover over every
  block is tried first (then o* is attained at no width); else one per d_1-subset.

The multipliers are found by a float LP (search only) and then exactly (the exact simplex of
``backends/exact_lp`` on the columns the float answer uses, then on all of them); the checker
verifies every number.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations
from typing import Any

from losscert.backends.exact_lp import nonnegative_solution
from losscert.backends.highs_adapter import HighsAdapter, LinearProgram
from losscert.encodings.cell_programs import Block, augmented, block_outputs, block_rows
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.cell_minimum import BlockBound
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.verdict import Status, Verdict

MAX_COVERS = 2000
"""The most d_1-subsets of blocks the producer certifies one by one (one exact LP each)."""
MAX_EXACT_COLUMNS = 3000
"""The exact simplex runs on at most this many columns."""
STRICT_LOSSES = ("squared", "squared_half")


def limit_family_step(problem: Problem, limit: BlockBound, hidden: int) -> dict[str, Any] | None:
    """The family theta(s) from an optimum with at most ``hidden`` used blocks, or None."""
    if limit.parts is None or limit.bias is None:
        return None
    net = problem.network
    d_x = net.input_dim
    used = [(b, z) for b, z in zip(limit.blocks, limit.parts, strict=True) if any(z)]
    if len(used) > hidden:
        return None
    zero = Fraction(0)
    w_base, w_growth, c_base, c_vanishing = [], [], [], []
    for block, z in used:
        v, c = list(z[:-1]), z[-1]
        if c != 0:
            w_base.append([a / c for a in v])
            w_growth.append([zero] * (d_x + 1))
            c_base.append(c)
            c_vanishing.append(zero)
        else:
            w_base.append([zero] * (d_x + 1))
            w_growth.append([block.sign * a for a in v])
            c_base.append(zero)
            c_vanishing.append(Fraction(block.sign))
    for _ in range(hidden - len(used)):
        w_base.append([zero] * (d_x + 1))
        w_growth.append([zero] * (d_x + 1))
        c_base.append(zero)
        c_vanishing.append(zero)

    def vector(w: list[list[Fraction]], c: list[Fraction], b2: Fraction) -> list[Fraction]:
        return [*(a for row in w for a in row[:-1]), *(row[-1] for row in w), *c, b2]

    return {
        "id": "family",
        "kind": "limit_family",
        "base": rationals(vector(w_base, c_base, limit.bias)),
        "growth": rationals(vector(w_growth, [zero] * hidden, zero)),
        "vanishing": rationals(vector([[zero] * (d_x + 1)] * hidden, c_vanishing, zero)),
        "limit_risk": rational_string(limit.bound),
    }


def certify_infimum_not_attained(
    problem: Problem,
    regions: dict[str, Any],
    level: Sequence[BlockBound],
    limit: BlockBound,
    blocks: Sequence[Block],
    max_covers: int = MAX_COVERS,
    *,
    higher: Sequence[BlockBound] = (),
    deadline: float | None = None,
) -> Verdict | None:
    """``infimum_not_attained`` PROVED with a checked certificate, or None (nothing claimed).

    ``level``: the programs whose bound is the infimum X = ``limit.bound`` (the relaxation over
    every block, or the per-subset programs at X); each needs covers at its outputs (one over its
    blocks, else one per d_1-subset of them). ``higher``: the per-subset programs above X (their
    steps cover their subsets by the bound alone)."""
    hidden = problem.network.widths[1]
    value = limit.bound
    if problem.loss.kind not in STRICT_LOSSES or any(b.bound != value for b in level):
        return None
    family = limit_family_step(problem, limit, hidden)
    if family is None:
        return None
    xs = augmented(problem.data.input_rows())
    act = problem.network.activation
    by_outputs: dict[tuple[Fraction, ...], list[dict[str, Any]]] = {}
    budget = max_covers
    for bound in level:
        outputs = list(bound.outputs)
        if all(o == outputs[0] for o in outputs):
            return None
        whole = _cover(list(bound.blocks), xs, act, outputs)
        covers = [whole] if whole is not None else []
        if whole is None:
            size = min(hidden, len(bound.blocks))
            budget -= math.comb(len(bound.blocks), size)
            if budget < 0:
                return None
            for subset in combinations(bound.blocks, size):
                if deadline is not None and time.perf_counter() > deadline:
                    return None
                cover = _cover(list(subset), xs, act, outputs)
                if cover is None:
                    return None
                covers.append(cover)
        by_outputs.setdefault(tuple(outputs), []).extend(covers)
    steps = [
        {"id": f"bound{k}", "kind": "convex_lower_bound", **_bound_fields(b)}
        for k, b in enumerate([*level, *higher])
    ]
    unattainable = [
        {
            "id": f"unattainable{k}",
            "kind": "unattainable_outputs",
            "outputs": rationals(list(outputs)),
            "covers": covers,
        }
        for k, (outputs, covers) in enumerate(by_outputs.items())
    ]
    evidence = [regions, *steps, family, *unattainable]
    certificate = new_certificate(
        problem,
        "infimum_not_attained",
        evidence,
        {"method": "limit family + convex bounds + Motzkin covers"},
    )
    certificate["claim"]["value"] = rational_string(value)
    verdict = certified("infimum_not_attained", Status.PROVED, certificate, infimum=value)
    return verdict if verdict.status is Status.PROVED else None


def _bound_fields(bound: BlockBound) -> dict[str, Any]:
    from losscert.verifier.cell_minimum import block_bound_step

    step = block_bound_step(bound)
    return {k: v for k, v in step.items() if k not in ("id", "kind")}


def _cover(
    blocks: list[Block],
    xs: list[list[Fraction]],
    act: Any,
    outputs: list[Fraction],
) -> dict[str, Any] | None:
    """g (sum 0, g . o* <= 0) and per block lambda >= 0 with G^T lambda = M^T g and (normalised)
    lambda_0 + sigma >= 1 (sigma = -g . o*), or None when the search finds none."""
    n, width = len(xs), len(xs[0]) + 1
    rows = [block_rows(b, xs, act) for b in blocks]
    outs = [block_outputs(b, xs, act) for b in blocks]
    # Columns: g+ (n), g- (n), sigma (1), then per block lambda and a surplus pi_b.
    starts = []
    columns = 2 * n + 1
    for r in rows:
        starts.append(columns)
        columns += len(r) + 1
    matrix: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    zero = Fraction(0)
    row = [zero] * columns
    for i in range(n):
        row[i], row[n + i] = Fraction(1), Fraction(-1)
    matrix.append(row)  # sum g = 0
    rhs.append(zero)
    row = [zero] * columns
    for i in range(n):
        row[i], row[n + i] = outputs[i], -outputs[i]
    row[2 * n] = Fraction(1)
    matrix.append(row)  # g . o* + sigma = 0
    rhs.append(zero)
    for b in range(len(blocks)):
        for j in range(width):
            row = [zero] * columns
            for i in range(n):
                row[i], row[n + i] = outs[b][i][j], -outs[b][i][j]
            for k, g in enumerate(rows[b]):
                row[starts[b] + k] = -g[j]
            matrix.append(row)  # (M^T g)_j - (G^T lambda)_j = 0
            rhs.append(zero)
        row = [zero] * columns
        row[2 * n] = Fraction(1)
        row[starts[b]] = Fraction(1)
        row[starts[b] + len(rows[b])] = Fraction(-1)
        matrix.append(row)  # lambda_0 + sigma - pi_b = 1
        rhs.append(Fraction(1))
    if columns > MAX_EXACT_COLUMNS:
        return None
    support = _float_support(matrix, rhs, columns)
    if support is None:
        return None
    solved = None
    if len(support) < columns:
        sub = nonnegative_solution([[r[c] for c in support] for r in matrix], rhs)
        if sub is not None:
            solved = [zero] * columns
            for c, v in zip(support, sub, strict=True):
                solved[c] = v
    if solved is None:
        solved = nonnegative_solution(matrix, rhs)
    if solved is None:
        return None
    g = [solved[i] - solved[n + i] for i in range(n)]
    entries = []
    for b, block in enumerate(blocks):
        lam = list(solved[starts[b] : starts[b] + len(rows[b])])
        entries.append(
            {"pattern": list(block.pattern), "sign": block.sign, "multipliers": rationals(lam)}
        )
    return {"g": rationals(g), "blocks": entries}


def _float_support(
    matrix: list[list[Fraction]], rhs: list[Fraction], columns: int
) -> list[int] | None:
    """The columns a float feasible point uses (all of them when HiGHS finds nothing usable); None
    when HiGHS reports the system infeasible (search only: nothing is claimed from it)."""
    lp_rows = [[(c, float(v)) for c, v in enumerate(r) if v] for r in matrix]
    values = [float(v) for v in rhs]
    answer = HighsAdapter().solve_lp(
        LinearProgram(
            [1.0] * columns, lp_rows, values, values, [0.0] * columns, [math.inf] * columns
        ),
        10.0,
    )
    if answer.status == "infeasible":
        return None
    if answer.x is None or not all(math.isfinite(v) for v in answer.x):
        return list(range(columns))
    scale = max([1.0, *answer.x])
    return [c for c, v in enumerate(answer.x) if v > 1e-9 * scale]


def family_member(family: dict[str, Any], s: Fraction) -> list[Fraction]:
    """theta(s) = base + s growth + vanishing / s."""
    return [
        Fraction(b) + s * Fraction(g) + Fraction(v) / s
        for b, g, v in zip(family["base"], family["growth"], family["vanishing"], strict=True)
    ]


def member_below(
    problem: Problem, family: dict[str, Any], level: Fraction
) -> list[Fraction] | None:
    """A member theta(s) of the family (s = 2, 4, ..., 2^64) with exact risk < level, or None."""
    s = Fraction(1)
    for _ in range(64):
        s *= 2
        theta = family_member(family, s)
        if problem.with_network(problem.network.with_parameters(theta)).risk() < level:
            return theta
    return None


def certify_global_infimum(
    problem: Problem, regions: dict[str, Any], bound_steps: list[dict[str, Any]], limit: BlockBound
) -> Verdict | None:
    """``global_infimum`` PROVED (inf R = X over width d_1, attainment not decided): the limit
    family and the bound steps (each set of d_1 blocks inside one with bound >= X)."""
    family = limit_family_step(problem, limit, problem.network.widths[1])
    if family is None:
        return None
    certificate = new_certificate(
        problem,
        "global_infimum",
        [regions, *bound_steps, family],
        {"method": "limit family + convex bounds"},
    )
    certificate["claim"]["value"] = rational_string(limit.bound)
    verdict = certified("global_infimum", Status.PROVED, certificate, infimum=limit.bound)
    return verdict if verdict.status is Status.PROVED else None


def infimum_not_attained(
    problem: Problem,
    regions: dict[str, Any],
    level: Sequence[BlockBound],
    limit: BlockBound,
    blocks: Sequence[Block],
    higher: Sequence[BlockBound] = (),
    bound_steps: list[dict[str, Any]] | None = None,
    deadline: float | None = None,
) -> tuple[Verdict, list[Fraction] | None] | None:
    """The checked ``infimum_not_attained`` verdict (else, when ``bound_steps`` are given, the
    checked ``global_infimum`` one: the value without a decision on attainment) and a member of
    the family with risk below R(theta*) (None if none of s = 2..2^64 is); None when neither
    could be certified."""
    verdict = certify_infimum_not_attained(
        problem, regions, level, limit, blocks, higher=higher, deadline=deadline
    )
    if verdict is None and bound_steps is not None:
        verdict = certify_global_infimum(problem, regions, bound_steps, limit)
    if verdict is None or verdict.certificate is None:
        return None
    family = next(s for s in verdict.certificate["evidence"] if s["kind"] == "limit_family")
    return verdict, member_below(problem, family, problem.risk())

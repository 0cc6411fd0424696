"""Section 3.24 of docs/certificate.md (since 1.1): ``lifted_gradient_zero``.

Inside a cell every activation is the affine map z -> s z + t of its piece, so each output is a
polynomial in theta, a sum of *chains*: a chain starts at layer m with a weight W_m[k_m][c] times
a constant source (the input x_c for m = 1, the intercept t of neuron c of layer m - 1 otherwise)
or with a bias b_m[k_m], then runs through the slope s of neuron k_m, the weight
W_{m+1}[k_{m+1}][k_m], the slope of k_{m+1}, ..., up to W_L[k_L][k_{L-1}]. Different chains are
different monomials. With g_i the loss gradient at f(x_i; theta*), the polynomial
Phi(theta) = sum_i g_i . f(x_i; theta) is constant exactly when every chain's coefficient

    sum_i g_i[k_L] s_{L-1}[k_{L-1}](i) ... s_m[k_m](i) source(i)

is 0. Then for theta in the cell, by convexity of the loss in the prediction,
R(theta) >= R(theta*) + (Phi(theta) - Phi(theta*)) / n = R(theta*). This is the one-hidden-layer
argument (the gradient in the reparametrisation (c w, c) is zero) for any depth: the network is
linear in its chain monomials, the risk convex in them.

The chain vectors (over the samples) g[k_L] s_{L-1}[k_{L-1}] ... s_m[k_m] are built from the
output down, layer by layer, as a set: two chains with proportional vectors need one test.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from itertools import product
from typing import Any

from .numbers import brief, matrix, show
from .problem import Problem, forward, pattern_and_margin
from .result import Invalid

MAX_SIDE_CHOICES = 4096
"""2^G for the G groups of relevant ties whose sides are enumerated."""
MAX_LIFTED_WORK = 10_000_000
"""Rational operations over all side choices: n per chain vector built or source tested."""

Tie = tuple[int, int, int, int]  # hidden layer j (0-based), neuron r, sample i, breakpoint b
Pattern = list[list[list[int]]]


def loss_gradients(problem: Problem, step: dict[str, Any], sid: str) -> list[list[Fraction]]:
    """g_ik: the derivative of the loss of sample i in output k at f(x_i; theta*), or the given
    subgradient (absolute and hinge; checked to lie in the subdifferential)."""
    from .steps import _loss_derivative  # steps.py registers this verifier: no cycle

    n, d_y = len(problem.inputs), problem.widths[-1]
    given = None
    if problem.loss in ("absolute", "hinge"):
        if "subgradients" not in step:
            raise Invalid(f'the {problem.loss} loss needs "subgradients"', step=sid)
        given = matrix(step["subgradients"], f"{sid}.subgradients", n, d_y)
    elif "subgradients" in step:
        raise Invalid(f'the {problem.loss} loss is differentiable: no "subgradients"', step=sid)
    outputs = forward(problem, problem.point).outputs
    return [
        [
            _loss_derivative(
                problem,
                y[k],
                f[k],
                None if given is None else given[i][k],
                f"sample {i} output {k}",
                sid,
            )
            for k in range(d_y)
        ]
        for i, (y, f) in enumerate(zip(problem.labels, outputs, strict=True))
    ]


def point_ties(problem: Problem) -> tuple[list[list[list[int | None]]], list[Tie]]:
    """The pattern at theta* (None on a breakpoint) and its ties, in the order layer, neuron,
    sample."""
    trace = forward(problem, problem.point)
    pattern, _ = pattern_and_margin(problem, trace)
    bps = problem.activation.breakpoints
    ties = [
        (j, r, i, bps.index(Fraction(trace.pre_nums[j][i][r], trace.pre_dens[j])))
        for j, layer in enumerate(pattern)
        for r, neuron in enumerate(layer)
        for i, k in enumerate(neuron)
        if k is None
    ]
    return pattern, ties


def transmitting(problem: Problem, pattern: list[list[list[int | None]]]) -> list[list[list[bool]]]:
    """send[j][r][i]: some path from neuron (j, r) to the output may have non-zero slopes on sample
    i. A tied pre-activation counts as transmitting (it may take either side); an untied one on
    a slope-0 piece does not; below the last hidden layer, some neuron of the next layer must
    transmit too."""
    slopes = problem.activation.slopes
    send: list[list[list[bool]]] = [[] for _ in pattern]
    for j in range(len(pattern) - 1, -1, -1):
        above = send[j + 1] if j + 1 < len(pattern) else None
        send[j] = [
            [
                (k is None or slopes[k] != 0) and (above is None or any(n[i] for n in above))
                for i, k in enumerate(neuron)
            ]
            for neuron in pattern[j]
        ]
    return send


def relevant_ties(
    problem: Problem,
    pattern: list[list[list[int | None]]],
    ties: list[Tie],
    g: list[list[Fraction]],
) -> list[Tie]:
    """The ties whose side can change Phi: not on a sample with g_i = 0, and not below a layer
    none of whose neurons transmits on that sample (then every chain through the tied neuron, or
    starting from its intercept, has a slope 0 on that sample)."""
    send = transmitting(problem, pattern)
    out = []
    for j, r, i, b in ties:
        if not any(g[i]):
            continue
        if j + 1 < len(pattern) and not any(n[i] for n in send[j + 1]):
            continue
        out.append((j, r, i, b))
    return out


def tie_groups(problem: Problem, relevant: list[Tie]) -> list[list[Tie]]:
    """The relevant ties grouped by (layer, neuron, input x_i): samples with equal inputs have
    equal pre-activations at every theta, so their ties always take the same side. Groups in the
    order of their first tie."""
    groups: dict[tuple[Any, ...], list[Tie]] = {}
    for tie in relevant:
        j, r, i, _ = tie
        groups.setdefault((j, r, tuple(problem.inputs[i])), []).append(tie)
    return list(groups.values())


def side_patterns(
    pattern: list[list[list[int | None]]], ties: list[Tie], groups: list[list[Tie]]
) -> Iterator[tuple[tuple[int, ...], Pattern]]:
    """Every side choice of the groups of relevant ties, the other ties on their left piece."""
    base = [[list(neuron) for neuron in layer] for layer in pattern]
    for j, r, i, b in ties:
        base[j][r][i] = b
    for sides in product((0, 1), repeat=len(groups)):
        full = [[list(neuron) for neuron in layer] for layer in base]
        for group, side in zip(groups, sides, strict=True):
            for j, r, i, b in group:
                full[j][r][i] = b + side
        yield sides, full  # type: ignore[misc]


class Budget:
    """Counts rational operations against MAX_LIFTED_WORK, checked before each batch."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_LIFTED_WORK if limit is None else limit
        self.left = self.limit

    def spend(self, amount: int, sid: str) -> None:
        if amount > self.left:
            raise Invalid(
                f"the chain vectors need more than {self.limit} rational operations, beyond "
                "the limit of lifted_gradient_zero (docs/certificate.md, section 7)",
                step=sid,
            )
        self.left -= amount


def _normal(vector: tuple[Fraction, ...]) -> tuple[Fraction, ...] | None:
    """The vector divided by its first non-zero entry (None for the zero vector): chains with
    proportional vectors are tested once."""
    lead = next((v for v in vector if v != 0), None)
    if lead is None:
        return None
    return vector if lead == 1 else tuple(v / lead for v in vector)


Chains = dict[tuple[Fraction, ...], tuple[str, tuple[Fraction, ...]]]
"""normalised chain vector -> (the first chain found with it, that chain's own vector)"""


def _add(chains: Chains, vector: tuple[Fraction, ...], label: str) -> None:
    key = _normal(vector)
    if key is not None and key not in chains:
        chains[key] = (label, vector)


def first_failure(
    problem: Problem, pattern: Pattern, g: list[list[Fraction]], budget: Budget, sid: str
) -> tuple[str, Fraction] | None:
    """None when every chain coefficient of the pattern is 0; else (which chain, its value)."""
    act = problem.activation
    n, depth = len(problem.inputs), problem.depth
    chains: Chains = {}
    for k in range(problem.widths[-1]):
        _add(chains, tuple(row[k] for row in g), f"output {k}")
    for m in range(depth, 0, -1):  # chains starting at layer m (1 = the first layer)
        if m == 1:
            sources = [
                (f"input {c}", [x[c] for x in problem.inputs]) for c in range(problem.widths[0])
            ]
        else:
            sources = [
                (f"intercept of layer {m - 1} neuron {c}", [act.intercepts[p] for p in neuron])
                for c, neuron in enumerate(pattern[m - 2])
            ]
        sources = [(name, col) for name, col in sources if any(col)]
        sources.append(("bias", [Fraction(1)] * n))
        budget.spend(n * len(chains) * len(sources), sid)
        for label, u in chains.values():
            for name, col in sources:
                total = sum((a * b for a, b in zip(u, col, strict=True)), Fraction(0))
                if total != 0:
                    return f"a chain from layer {m} ({name}) to {label}", total
        if m == 1:
            break
        layer = pattern[m - 2]  # hidden layer m - 1 feeds layer m
        budget.spend(n * len(chains) * len(layer), sid)
        below: Chains = {}
        for label, u in chains.values():
            for c, neuron in enumerate(layer):
                v = tuple(a * act.slopes[p] for a, p in zip(u, neuron, strict=True))
                _add(below, v, f"{label} via layer {m - 1} neuron {c}")
        chains = below
        if not chains:
            return None
    return None


def check_lifted_gradient_zero(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    g = loss_gradients(problem, step, sid)
    pattern, ties = point_ties(problem)
    relevant = relevant_ties(problem, pattern, ties, g)
    claimed = step["ties"]
    derived = [[j + 1, r, i] for j, r, i, _ in relevant]
    if not isinstance(claimed, list) or any(
        not isinstance(t, list) or any(not isinstance(v, int) or isinstance(v, bool) for v in t)
        for t in claimed
    ):
        raise Invalid(
            f"ties: expected a list of [layer, neuron, sample], got {brief(claimed)}", step=sid
        )
    if claimed != derived:
        raise Invalid(
            "the relevant ties differ (ties on a sample with a non-zero loss gradient, below a "
            "layer that is not constant on that sample)",
            step=sid,
            expected=brief(claimed),
            derived=brief(derived),
        )
    groups = tie_groups(problem, relevant)
    if 2 ** len(groups) > MAX_SIDE_CHOICES:
        raise Invalid(
            f"{len(groups)} groups of relevant ties need 2^{len(groups)} side choices, beyond the "
            f"limit of {MAX_SIDE_CHOICES} (docs/certificate.md, section 7)",
            step=sid,
        )
    budget = Budget()
    for sides, full in side_patterns(pattern, ties, groups):
        failure = first_failure(problem, full, g, budget, sid)
        if failure is not None:
            where = f" (sides {list(sides)} of the groups of relevant ties)" if groups else ""
            raise Invalid(
                f"the lifted gradient is not zero{where}: the coefficient of {failure[0]}",
                step=sid,
                expected="0",
                derived=show(failure[1]),
                difference=show(failure[1]),
            )
    return {"ties": len(ties), "relevant": len(relevant), "choices": 2 ** len(groups)}

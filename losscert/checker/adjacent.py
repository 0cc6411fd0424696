"""Section 3.16 of docs/certificate.md: ``adjacent_regions`` (since 1.1), the cells a boundary
point of a one-hidden-layer, one-output network touches, neuron by neuron.

At theta*, neuron r's pre-activation w~*_r . x~_i is exactly on a breakpoint p_b for its *tied*
samples (in increasing sample order). A side choice sends tie m to the piece left (0) or right (1)
of its breakpoint; the other samples keep their pieces. The step lists, per neuron, side choices
and pruned prefixes with Gordan vectors; the checker verifies the vectors and that every choice
either is listed or extends a pruned prefix. The facts: per neuron, the full patterns of the listed
choices and the signs its output weight can take near theta* (its own sign, or both if it is 0).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .arrangement import Samples, _complete, _farkas_valid, _multipliers
from .numbers import brief, exact_keys, integer
from .problem import Problem, forward
from .result import Invalid


def _ties(problem: Problem, pre: list[Fraction]) -> tuple[list[tuple[int, int]], list[int | None]]:
    """The tied samples of one neuron as (sample, breakpoint index), and its pieces elsewhere."""
    bps = problem.activation.breakpoints
    ties = []
    pieces: list[int | None] = []
    for i, z in enumerate(pre):
        if z in bps:
            ties.append((i, bps.index(z)))
            pieces.append(None)
        else:
            pieces.append(problem.activation.piece(z))
    return ties, pieces


def _sides(value: Any, where: str, length: int | None) -> tuple[int, ...]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise Invalid(f"{where}: expected a list of {length} sides (0 or 1)")
    return tuple(integer(s, f"{where}[{m}]", 0, 1) for m, s in enumerate(value))


def check_adjacent_regions(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    if len(problem.widths) != 3 or problem.widths[-1] != 1:
        raise Invalid(
            "adjacent_regions needs one hidden layer and one output",
            step=sid,
            derived=f"widths {problem.widths}",
        )
    neurons = step["neurons"]
    hidden = problem.widths[1]
    if not isinstance(neurons, list) or len(neurons) != hidden:
        raise Invalid(f"neurons: expected one entry per hidden neuron ({hidden})", step=sid)
    samples = Samples.of(problem)
    pre = forward(problem, problem.point).pre[0]
    outgoing = problem.layers(problem.point)[1][0][0]
    patterns: list[tuple[tuple[int, ...], ...]] = []
    signs: list[tuple[int, ...]] = []
    for r, entry in enumerate(neurons):
        where = f"{sid}.neurons[{r}]"
        entry = exact_keys(entry, where, {"sides", "pruned"})
        ties, base = _ties(problem, pre[r])
        listed = entry["sides"]
        if not isinstance(listed, list) or not listed:
            raise Invalid(f"{where}.sides: expected a non-empty list of side choices", step=sid)
        choices = [_sides(s, f"{where}.sides[{k}]", len(ties)) for k, s in enumerate(listed)]
        if len(set(choices)) != len(choices):
            raise Invalid(f"{where}.sides: a side choice is listed twice", step=sid)
        pruned: set[tuple[int, ...]] = set()
        if not isinstance(entry["pruned"], list):
            raise Invalid(f"{where}.pruned: expected a list", step=sid)
        for m, item in enumerate(entry["pruned"]):
            at = f"{where}.pruned[{m}]"
            item = exact_keys(item, at, {"prefix", "farkas"})
            prefix = _sides(item["prefix"], f"{at}.prefix", None)
            if not 1 <= len(prefix) <= len(ties):
                raise Invalid(
                    f"{at}.prefix: length {len(prefix)} outside [1, {len(ties)}]", step=sid
                )
            constraints = [
                (ties[t][0], 1 if side else -1, Fraction(0)) for t, side in enumerate(prefix)
            ]
            mu = _multipliers(item["farkas"], f"{at}.farkas", len(constraints))
            failure = _farkas_valid(samples, constraints, mu)
            if failure is not None:
                raise Invalid(
                    f"{at}: not a Gordan proof that the sides {brief(list(prefix))} are "
                    f"unreachable: {failure}",
                    step=sid,
                )
            pruned.add(prefix)
        _complete(sorted(choices), pruned, len(ties), 2, sid)
        full = []
        for sides in choices:
            pattern = list(base)
            for (i, b), side in zip(ties, sides, strict=True):
                pattern[i] = b + side
            full.append(tuple(int(k or 0) for k in pattern))
        patterns.append(tuple(full))
        c = outgoing[r]
        signs.append((1, -1) if c == 0 else ((1,) if c > 0 else (-1,)))
    return {"patterns": tuple(patterns), "signs": tuple(signs)}

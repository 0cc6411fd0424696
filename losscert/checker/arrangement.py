"""Section 3 of docs/certificate.md, step `neuron_regions`: the complete list of the activation
patterns one hidden neuron can realise on the data (one hidden layer).

Notation: x~_i = [x_i; 1]; breakpoints p_0 < ... < p_{K-1}; piece k is (p_{k-1}, p_k). The strict
constraints of "sample i in piece k" are, in this order, x~_i . w > p_{k-1} (if k > 0) and
-x~_i . w > -p_k (if k < K); those of a prefix are its samples' constraints one after another.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .numbers import brief, exact_keys, integer, show, vector
from .problem import Problem
from .result import Invalid

Constraint = tuple[list[Fraction], Fraction]  # a . w > b


def _constraints(
    points: list[list[Fraction]], bps: list[Fraction], prefix: list[int]
) -> list[Constraint]:
    out: list[Constraint] = []
    for i, k in enumerate(prefix):
        if k > 0:
            out.append((points[i], bps[k - 1]))
        if k < len(bps):
            out.append(([-v for v in points[i]], -bps[k]))
    return out


def _pieces(value: Any, where: str, length: int | None, num_pieces: int) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise Invalid(f"{where}: expected a list of piece indices, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise Invalid(f"{where}: expected {length} piece indices, got {len(value)}")
    return tuple(integer(k, f"{where}[{i}]", 0, num_pieces - 1) for i, k in enumerate(value))


def _witness_inside(
    points: list[list[Fraction]],
    bps: list[Fraction],
    pattern: tuple[int, ...],
    w: list[Fraction],
    where: str,
    sid: str,
) -> None:
    for i, (x, k) in enumerate(zip(points, pattern, strict=True)):
        z = sum((a * b for a, b in zip(x, w, strict=True)), Fraction(0))
        lower = bps[k - 1] if k > 0 else None
        upper = bps[k] if k < len(bps) else None
        if (lower is not None and not z > lower) or (upper is not None and not z < upper):
            interval = f"({show(lower) if lower is not None else '-inf'}, {show(upper) if upper is not None else 'inf'})"
            raise Invalid(
                f"{where}: the witness is not strictly inside piece {k} on sample {i}",
                step=sid,
                expected=f"w~ . x~_{i} in {interval}",
                derived=show(z),
            )


def _farkas_valid(constraints: list[Constraint], mu: list[Fraction], dim: int) -> str | None:
    """None if mu proves the strict system empty, else what fails."""
    if any(v < 0 for v in mu):
        return "a multiplier is negative"
    if not any(mu):
        return "every multiplier is zero"
    total = [Fraction(0)] * dim
    bound = Fraction(0)
    for (a, b), weight in zip(constraints, mu, strict=True):
        if weight:
            for c in range(dim):
                total[c] += weight * a[c]
            bound += weight * b
    if any(total):
        return f"sum mu_j a_j is not zero: {[show(v) for v in total]}"
    if bound < 0:
        return f"sum mu_j b_j = {show(bound)} is negative"
    return None


def check_neuron_regions(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    if len(problem.widths) != 3:
        raise Invalid(
            f"neuron_regions needs one hidden layer (widths of length 3), got widths {problem.widths}",
            step=sid,
        )
    points = [[*x, Fraction(1)] for x in problem.inputs]
    bps = problem.activation.breakpoints
    n, dim, num_pieces = len(points), len(points[0]), len(bps) + 1
    regions, pruned_list = step["regions"], step["pruned"]
    if not isinstance(regions, list) or not isinstance(pruned_list, list):
        raise Invalid("regions and pruned must be lists", step=sid)
    witnesses: dict[tuple[int, ...], tuple[Fraction, ...]] = {}
    for r, region in enumerate(regions):
        where = f"{sid}.regions[{r}]"
        region = exact_keys(region, where, {"pattern", "witness"})
        pattern = _pieces(region["pattern"], f"{where}.pattern", n, num_pieces)
        w = vector(region["witness"], f"{where}.witness", dim)
        if pattern in witnesses:
            raise Invalid(f"{where}: pattern {list(pattern)} is listed twice", step=sid)
        _witness_inside(points, bps, pattern, w, where, sid)
        witnesses[pattern] = tuple(w)
    pruned: set[tuple[int, ...]] = set()
    for m, entry in enumerate(pruned_list):
        where = f"{sid}.pruned[{m}]"
        entry = exact_keys(entry, where, {"prefix", "farkas"})
        prefix = _pieces(entry["prefix"], f"{where}.prefix", None, num_pieces)
        if not 1 <= len(prefix) <= n:
            raise Invalid(f"{where}.prefix: length {len(prefix)} is outside [1, {n}]", step=sid)
        constraints = _constraints(points, bps, list(prefix))
        mu = vector(entry["farkas"], f"{where}.farkas", len(constraints))
        failure = _farkas_valid(constraints, mu, dim)
        if failure is not None:
            raise Invalid(
                f"{where}: not a Farkas proof that prefix {brief(list(prefix))} is empty: {failure}",
                step=sid,
            )
        pruned.add(prefix)
    _complete(sorted(witnesses), pruned, n, num_pieces, sid)
    return {"patterns": tuple(sorted(witnesses)), "witnesses": witnesses}


def _complete(
    patterns: list[tuple[int, ...]], pruned: set[tuple[int, ...]], n: int, num_pieces: int, sid: str
) -> None:
    """Every child of the empty prefix and of every proper prefix of a listed pattern is a prefix
    of a listed pattern or pruned. ``patterns`` is sorted, so the patterns below one prefix form a
    contiguous run, split by the next entry into the runs of the children."""
    stack = [(0, len(patterns), 0)]  # patterns[lo:hi] share their first ``depth`` entries
    while stack:
        lo, hi, depth = stack.pop()
        if depth == n:
            continue
        prefix = patterns[lo][:depth] if lo < hi else ()
        runs: dict[int, tuple[int, int]] = {}
        start = lo
        for i in range(lo, hi + 1):
            if i == hi or patterns[i][depth] != patterns[start][depth]:
                if start < i:
                    runs[patterns[start][depth]] = (start, i)
                start = i
        for k in range(num_pieces):
            if k in runs:
                stack.append((*runs[k], depth + 1))
            elif (*prefix, k) not in pruned:
                raise Invalid(
                    f"incomplete: prefix {list((*prefix, k))} is neither the start of a listed "
                    "pattern nor proved empty in pruned",
                    step=sid,
                )

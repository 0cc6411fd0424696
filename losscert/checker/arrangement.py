"""Section 3 of docs/certificate.md, step `neuron_regions`: the complete list of the activation
patterns one hidden neuron can realise on the data (one hidden layer).

Notation: x~_i = [x_i; 1]; breakpoints p_0 < ... < p_{K-1}; piece k is (p_{k-1}, p_k). The strict
constraints of "sample i in piece k" are, in this order, x~_i . w > p_{k-1} (if k > 0) and
-x~_i . w > -p_k (if k < K); those of a prefix are its samples' constraints one after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Any

from .numbers import brief, exact_keys, integer, rational, show, vector
from .problem import Problem
from .result import Invalid

ZERO = Fraction(0)
Constraint = tuple[int, int, Fraction]  # (i, s, b): s x~_i . w > b with s = +-1


@dataclass(frozen=True)
class Samples:
    """x~_i = rows[i] / scale with integer rows and one positive common denominator: dot
    products and Farkas sums then run on integers (the checker's hot loops), still exactly."""

    rows: list[list[int]]
    scale: int
    breakpoints: list[Fraction]

    @classmethod
    def of(cls, problem: Problem) -> Samples:
        points = [[*x, Fraction(1)] for x in problem.inputs]
        scale = lcm(*(v.denominator for x in points for v in x))
        rows = [[int(v * scale) for v in x] for x in points]
        return cls(rows, scale, problem.activation.breakpoints)

    def constraints(self, prefix: tuple[int, ...]) -> list[Constraint]:
        """The strict constraints of a prefix, in the order of section 3.14."""
        out: list[Constraint] = []
        for i, k in enumerate(prefix):
            if k > 0:
                out.append((i, 1, self.breakpoints[k - 1]))
            if k < len(self.breakpoints):
                out.append((i, -1, -self.breakpoints[k]))
        return out


def _pieces(value: Any, where: str, length: int | None, num_pieces: int) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise Invalid(f"{where}: expected a list of piece indices, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise Invalid(f"{where}: expected {length} piece indices, got {len(value)}")
    return tuple(integer(k, f"{where}[{i}]", 0, num_pieces - 1) for i, k in enumerate(value))


def _multipliers(value: Any, where: str, length: int) -> list[Fraction]:
    """Like ``vector``, with a shortcut for the many zeros of a Farkas vector."""
    if not isinstance(value, list) or len(value) != length:
        got = len(value) if isinstance(value, list) else type(value).__name__
        raise Invalid(f"{where}: expected {length} entries, got {got}")
    return [ZERO if v == "0" else rational(v, f"{where}[{m}]") for m, v in enumerate(value)]


def _witness_inside(
    samples: Samples, pattern: tuple[int, ...], w: list[Fraction], where: str, sid: str
) -> None:
    """w~ . x~_i in the open piece pattern[i] for every sample: with w = W / q (integers),
    w~ . x~_i = (rows[i] . W) / (scale q)."""
    q = lcm(*(v.denominator for v in w))
    big_w = [int(v * q) for v in w]
    bps = samples.breakpoints
    for i, (row, k) in enumerate(zip(samples.rows, pattern, strict=True)):
        dot = sum(a * b for a, b in zip(row, big_w, strict=True))
        z = Fraction(dot, samples.scale * q)
        lower = bps[k - 1] if k > 0 else None
        upper = bps[k] if k < len(bps) else None
        if (lower is not None and not z > lower) or (upper is not None and not z < upper):
            low = show(lower) if lower is not None else "-inf"
            high = show(upper) if upper is not None else "inf"
            raise Invalid(
                f"{where}: the witness is not strictly inside piece {k} on sample {i}",
                step=sid,
                expected=f"w~ . x~_{i} in ({low}, {high})",
                derived=show(z),
            )


def _farkas_valid(
    samples: Samples, constraints: list[Constraint], mu: list[Fraction]
) -> str | None:
    """None if mu proves the strict system empty, else what fails. sum mu_j a_j = 0 is checked
    in integers: mu times the common denominator L of its entries, rows times ``scale``."""
    if any(v < 0 for v in mu):
        return "a multiplier is negative"
    if not any(mu):
        return "every multiplier is zero"
    used = [(c, v) for c, v in zip(constraints, mu, strict=True) if v]
    big_l = lcm(*(v.denominator for _, v in used))
    total = [0] * len(samples.rows[0])
    bound = ZERO
    for (i, sign, b), v in used:
        weight = sign * int(v * big_l)
        for c, a in enumerate(samples.rows[i]):
            total[c] += weight * a
        bound += v * b
    if any(total):
        return (
            f"sum mu_j a_j is not zero: {[show(Fraction(t, big_l * samples.scale)) for t in total]}"
        )
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
    samples = Samples.of(problem)
    n, dim = len(samples.rows), len(samples.rows[0])
    num_pieces = len(samples.breakpoints) + 1
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
        _witness_inside(samples, pattern, w, where, sid)
        witnesses[pattern] = tuple(w)
    pruned: set[tuple[int, ...]] = set()
    for m, entry in enumerate(pruned_list):
        where = f"{sid}.pruned[{m}]"
        entry = exact_keys(entry, where, {"prefix", "farkas"})
        prefix = _pieces(entry["prefix"], f"{where}.prefix", None, num_pieces)
        if not 1 <= len(prefix) <= n:
            raise Invalid(f"{where}.prefix: length {len(prefix)} is outside [1, {n}]", step=sid)
        constraints = samples.constraints(prefix)
        mu = _multipliers(entry["farkas"], f"{where}.farkas", len(constraints))
        failure = _farkas_valid(samples, constraints, mu)
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

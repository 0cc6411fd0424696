"""Section 3 of docs/certificate.md, step `neuron_regions`: the complete list of the activation
patterns one hidden neuron can realise on the data (one hidden layer).

Notation: x~_i = [x_i; 1]; breakpoints p_0 < ... < p_{K-1}; piece k is (p_{k-1}, p_k). The strict
constraints of "sample i in piece k" are, in this order, x~_i . w > p_{k-1} (if k > 0) and
-x~_i . w > -p_k (if k < K); those of a prefix are its samples' constraints one after another.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from math import lcm
from typing import Any

from . import limits
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


# --- since 1.1: neuron_regions_sparse -----------------------------------------------------------


def _pattern_of(samples: Samples, w: list[Fraction], where: str, sid: str) -> tuple[int, ...]:
    """The pattern of w~: the open piece of w~ . x~_i on every sample (Invalid on a breakpoint).
    In integers: with w = W / q and breakpoints P_k / e, z = (rows[i] . W) / (scale q) is
    compared as (rows[i] . W) e against P_k scale q."""
    q = lcm(*(v.denominator for v in w))
    big_w = [int(v * q) for v in w]
    bps = samples.breakpoints
    e = lcm(*(p.denominator for p in bps)) if bps else 1
    limits = [int(p * e) * samples.scale * q for p in bps]
    last = len(limits)
    pattern = []
    for i, row in enumerate(samples.rows):
        value = sum(a * b for a, b in zip(row, big_w, strict=True)) * e
        k = bisect_left(limits, value)
        if k < last and limits[k] == value:
            z = Fraction(value, e * samples.scale * q)
            raise Invalid(
                f"{where}: the witness is on breakpoint {show(z)} at sample {i}, not strictly "
                "inside a region",
                step=sid,
            )
        pattern.append(k)
    return tuple(pattern)


def _farkas_table(step: dict[str, Any], sid: str) -> list[list[tuple[int, Fraction]]]:
    """``farkas``: lists [m_1, j_1, m_2, j_2, ...] with m_1 < m_2 < ... and mu_{m_t} =
    values[j_t]; ``values``: rationals > 0."""
    values_in, table = step["values"], step["farkas"]
    if not isinstance(values_in, list) or not isinstance(table, list):
        raise Invalid("values and farkas must be lists", step=sid)
    values = vector(values_in, f"{sid}.values")
    for j, v in enumerate(values):
        if not v > 0:
            raise Invalid(f"{sid}.values[{j}]: must be > 0, got {show(v)}", step=sid)
    out = []
    for f, entry in enumerate(table):
        where = f"{sid}.farkas[{f}]"
        if not isinstance(entry, list) or not entry or len(entry) % 2:
            raise Invalid(f"{where}: expected a non-empty list of index, value-number pairs")
        pairs, last = [], -1
        for t in range(0, len(entry), 2):
            m = integer(entry[t], f"{where}[{t}]", last + 1)
            j = integer(entry[t + 1], f"{where}[{t + 1}]", 0, len(values) - 1)
            pairs.append((m, values[j]))
            last = m
        out.append(pairs)
    return out


def check_neuron_regions_sparse(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    """Section 3.19: the statement of neuron_regions; each region given by its witness alone,
    each pruned prefix by the number of its Farkas vector in a table, in the order the
    completeness walk meets them."""
    if len(problem.widths) != 3:
        raise Invalid(
            f"neuron_regions_sparse needs one hidden layer (widths of length 3), got widths "
            f"{problem.widths}",
            step=sid,
        )
    samples = Samples.of(problem)
    n, dim = len(samples.rows), len(samples.rows[0])
    regions, proofs = step["regions"], step["pruned"]
    if not isinstance(regions, list) or not regions or not isinstance(proofs, list):
        raise Invalid("regions (non-empty) and pruned must be lists", step=sid)
    limits.check_arrangement_work(n, len(regions), len(proofs), len(samples.breakpoints) + 1, sid)
    witnesses: dict[tuple[int, ...], tuple[Fraction, ...]] = {}
    for r, region in enumerate(regions):
        where = f"{sid}.regions[{r}]"
        w = vector(region, where, dim)
        pattern = _pattern_of(samples, w, where, sid)
        if pattern in witnesses:
            raise Invalid(f"{where}: pattern {brief(list(pattern))} is listed twice", step=sid)
        witnesses[pattern] = tuple(w)
    patterns = sorted(witnesses)
    table = _farkas_table(step, sid)
    proof = _SparseProof(samples, table)
    count = 0
    for prefix in _missing_children(patterns, n, len(samples.breakpoints) + 1):
        where = f"{sid}.pruned[{count}]"
        if count == len(proofs):
            raise Invalid(
                f"incomplete: prefix {list(prefix)} is neither the start of a listed pattern nor "
                f"proved empty (pruned has only {len(proofs)} entries)",
                step=sid,
            )
        f = integer(proofs[count], where, 0, len(table) - 1)
        failure = proof.failure(prefix, f, f"{where} (farkas[{f}])")
        if failure is not None:
            raise Invalid(
                f"{where}: not a Farkas proof that prefix {brief(list(prefix))} is empty: {failure}",
                step=sid,
            )
        count += 1
    if count != len(proofs):
        raise Invalid(
            f"pruned has {len(proofs)} entries but the walk meets {count} prefixes to prove empty",
            step=sid,
        )
    return {"patterns": tuple(patterns), "witnesses": witnesses}


class _SparseProof:
    """Section 3.19's Farkas checks on the nonzero entries only: a prefix's constraint m is
    located by the running count of its samples' constraints (no list of all of them, no dense
    mu), each table entry's multipliers are put over one denominator once, and a check is
    remembered by the constraints it uses (neighbouring prefixes of the walk share them). The
    verdict is that of :func:`_farkas_valid` on the dense vector: the table's values are > 0
    and its entries non-empty (``_farkas_table``), so mu >= 0 and mu != 0 hold."""

    def __init__(self, samples: Samples, table: list[list[tuple[int, Fraction]]]) -> None:
        self.samples = samples
        bps = samples.breakpoints
        last = len(bps)
        # per piece k: its constraints as (sign, bound), in the order of Samples.constraints
        self.sides = [
            ([(1, bps[k - 1])] if k > 0 else []) + ([(-1, -bps[k])] if k < last else [])
            for k in range(last + 1)
        ]
        self.lengths = [len(sides) for sides in self.sides]
        self.uniform = all(length == 1 for length in self.lengths)
        self.table = table
        self.scaled: dict[int, tuple[int, list[int]]] = {}
        self.seen: dict[tuple[int, tuple[tuple[int, int, int], ...]], str | None] = {}

    def failure(self, prefix: tuple[int, ...], f: int, where: str) -> str | None:
        pairs = self.table[f]
        located = []
        if self.uniform:  # one constraint per sample: constraint m is sample m's
            for index, _ in pairs:
                if index >= len(prefix):
                    raise Invalid(
                        f"{where}: index {index} is beyond the prefix's {len(prefix)} constraints"
                    )
                located.append((index, 0))
        else:  # ends[i] = the number of constraints of samples 0..i
            ends = list(accumulate(map(self.lengths.__getitem__, prefix)))
            for index, _ in pairs:
                i = bisect_right(ends, index)
                if i == len(prefix):
                    raise Invalid(
                        f"{where}: index {index} is beyond the prefix's "
                        f"{ends[-1] if ends else 0} constraints"
                    )
                located.append((i, index - (ends[i - 1] if i else 0)))
        key = (f, tuple((i, prefix[i], side) for i, side in located))
        if key in self.seen:
            return self.seen[key]
        constraints = [(i, *self.sides[prefix[i]][side]) for i, side in located]
        result = _farkas_used(self.samples, constraints, [v for _, v in pairs], self._scaled(f))
        self.seen[key] = result
        return result

    def _scaled(self, f: int) -> tuple[int, list[int]]:
        if f not in self.scaled:
            values = [v for _, v in self.table[f]]
            big_l = lcm(*(v.denominator for v in values))
            self.scaled[f] = (big_l, [int(v * big_l) for v in values])
        return self.scaled[f]


def _farkas_used(
    samples: Samples,
    constraints: list[Constraint],
    mu: list[Fraction],
    scaled: tuple[int, list[int]],
) -> str | None:
    """:func:`_farkas_valid` on the constraints with positive multipliers only (``scaled``: mu
    times the common denominator L of its entries, as integers; the bounds b_j over the common
    denominator of the breakpoints, so sum mu_j b_j is one integer sum)."""
    big_l, weights = scaled
    total = [0] * len(samples.rows[0])
    e = lcm(*(p.denominator for p in samples.breakpoints)) if samples.breakpoints else 1
    bound = 0
    for (i, sign, b), weight in zip(constraints, weights, strict=True):
        w = sign * weight
        for c, a in enumerate(samples.rows[i]):
            total[c] += w * a
        bound += weight * b.numerator * (e // b.denominator)
    if any(total):
        return (
            f"sum mu_j a_j is not zero: {[show(Fraction(t, big_l * samples.scale)) for t in total]}"
        )
    if bound < 0:
        exact = sum((v * b for (_, _, b), v in zip(constraints, mu, strict=True)), ZERO)
        return f"sum mu_j b_j = {show(exact)} is negative"
    return None


def _missing_children(
    patterns: list[tuple[int, ...]], n: int, num_pieces: int
) -> Iterator[tuple[int, ...]]:
    """The children (prefix, k) of the empty prefix and of every proper prefix of a listed
    pattern that start no listed pattern, in lexicographic order (depth first, k increasing).
    ``patterns`` is sorted and not empty, so the patterns below one prefix form a contiguous
    run. Stack entries: (lo, hi, depth) for patterns[lo:hi], or (-1, -1, -1, prefix) for a
    missing child."""
    stack: list[tuple[int, ...]] = [(0, len(patterns), 0)]
    while stack:
        item = stack.pop()
        if item[0] < 0:
            yield item[3:]
            continue
        lo, hi, depth = item
        if depth == n:
            continue
        runs: dict[int, tuple[int, int]] = {}
        start = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or patterns[i][depth] != patterns[start][depth]:
                runs[patterns[start][depth]] = (start, i)
                start = i
        prefix = patterns[lo][:depth]
        for k in reversed(range(num_pieces)):  # popped in increasing k
            stack.append((*runs[k], depth + 1) if k in runs else (-1, -1, -1, *prefix, k))

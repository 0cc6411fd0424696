"""How many cells a one-hidden-layer network has: the general-position count of one neuron's
patterns (Zaslavsky), an exact test of general position, and the cell counts of a problem.

A cell of a network with one hidden layer of width d_1 is a d_1-tuple of neuron patterns (the
neurons' weights are independent), so with m realisable patterns there are m^{d_1} cells, and
C(m + d_1 - 1, d_1) up to a permutation of the neurons.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from flint import fmpq, fmpq_mat

from losscert.errors import InputError, UnsupportedError
from losscert.model.problem import Problem
from losscert.model.rationals import to_fmpq


@dataclass(frozen=True)
class HiddenLayerData:
    """What the patterns of a one-hidden-layer problem depend on: inputs, breakpoints, width."""

    inputs: tuple[tuple[Fraction, ...], ...]
    breakpoints: tuple[Fraction, ...]
    width: int


def hidden_layer_data(problem: Problem, where: str = "problem") -> HiddenLayerData:
    """The data of a problem with exactly one hidden layer; UnsupportedError otherwise."""
    hidden = problem.network.hidden_widths
    if len(hidden) != 1:
        raise UnsupportedError(
            f"{where}: cells are enumerated for networks with one hidden layer; this network has "
            f"{len(hidden)} (widths {list(problem.network.widths)})"
        )
    return HiddenLayerData(
        tuple(tuple(row) for row in problem.data.input_rows()),
        tuple(problem.network.activation.breakpoints),
        hidden[0],
    )


@dataclass(frozen=True)
class CellCounts:
    """Counts for one hidden layer: m neuron patterns, the cells they make, and the comparison."""

    samples: int
    input_dim: int
    width: int
    breakpoints: int
    neuron_patterns: int
    general_position_patterns: int
    general_position: bool | None  # None: not decided (too many subsets)

    @property
    def cells(self) -> int:
        return self.neuron_patterns**self.width

    @property
    def cells_up_to_permutation(self) -> int:
        return math.comb(self.neuron_patterns + self.width - 1, self.width)

    def as_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "input_dim": self.input_dim,
            "hidden_width": self.width,
            "breakpoints": self.breakpoints,
            "neuron_patterns": self.neuron_patterns,
            "cells": self.cells,
            "cells_up_to_permutation": self.cells_up_to_permutation,
            "general_position_patterns": self.general_position_patterns,
            "general_position": self.general_position,
        }


def cell_counts(
    data: HiddenLayerData, neuron_patterns: int, *, decide_general_position: bool = True
) -> CellCounts:
    """The counts, given the number of realisable neuron patterns found by the enumeration."""
    n, d_x = len(data.inputs), len(data.inputs[0])
    return CellCounts(
        n,
        d_x,
        data.width,
        len(data.breakpoints),
        neuron_patterns,
        general_position_count(n, d_x, data.breakpoints),
        in_general_position(data.inputs, data.breakpoints) if decide_general_position else None,
    )


MAX_NEURON_PATTERNS = 50_000
"""The exact enumeration of one neuron's patterns solves about n LPs per pattern (39,300 patterns,
n = 50, d_X = 3: 147 s on 2 cores); data whose general-position count exceeds this is refused
before the enumeration starts."""


def enumeration_over_budget(n: int, d_x: int, breakpoints: Sequence[Fraction]) -> str | None:
    """Why enumerating one neuron's patterns is beyond :data:`MAX_NEURON_PATTERNS`, or None.

    The general-position count is the most patterns n samples in R^{d_X} can have (data in
    special position have fewer), so this refuses only data that may need more."""
    bound = general_position_count(n, d_x, breakpoints)
    if bound <= MAX_NEURON_PATTERNS:
        return None
    return (
        f"n = {n} samples in R^{d_x} may realise up to {bound} neuron patterns, beyond the "
        f"enumeration limit of {MAX_NEURON_PATTERNS} (fewer samples or a lower input dimension "
        "fit)"
    )


def general_position_count(n: int, d_x: int, breakpoints: Sequence[Fraction]) -> int:
    """The number of realisable patterns on n samples in general position in R^{d_X}.

    With D = d_X + 1 and K breakpoints the hyperplanes {w~ . x~_i = p_k} fall into K central
    families (family k passes through w~ = (0, ..., 0, p_k)), and the K hyperplanes of one sample
    are parallel. Zaslavsky / Whitney: regions = sum over subsets with a non-empty intersection
    of (-1)^(|S| - rank S). In general position a subset of m <= D hyperplanes from distinct
    samples meets with rank m (C(n, m) K^m of them); more than D meet only when all come from one
    family, with rank D. Hence sum_{m<=D} C(n, m) K^m + K sum_{m>D} (-1)^(m-D) C(n, m); for K = 1
    this is Cover's 2 sum_{k<D} C(n-1, k).
    """
    if n < 0 or d_x < 0:
        raise InputError(f"general_position_count: n = {n} and d_X = {d_x} must be >= 0")
    big_d, k = d_x + 1, len(breakpoints)
    low = sum(math.comb(n, m) * k**m for m in range(min(n, big_d) + 1))
    high = sum((-1) ** (m - big_d) * math.comb(n, m) for m in range(big_d + 1, n + 1))
    return low + k * high


def in_general_position(
    inputs: Sequence[Sequence[Fraction]],
    breakpoints: Sequence[Fraction],
    *,
    max_work: int = 200_000,
) -> bool | None:
    """Whether the data are in the general position that :func:`general_position_count` assumes,
    decided exactly; None when that takes more than ``max_work`` subsets (undecided).

    The conditions (sufficient for the formula): (a) every D = d_X + 1 of the x~_i are linearly
    independent (all of them if n <= D); (b) with K >= 2 breakpoints, for every D + 1 samples, with
    lambda their linear dependency (sum lambda_i x~_i = 0, unique up to scale by (a)), no
    assignment of breakpoints c_i that is not constant has sum lambda_i c_i = 0 (otherwise D + 1
    hyperplanes from different families would meet in a point).
    """
    points = [(*(Fraction(v) for v in x), Fraction(1)) for x in inputs]
    n, big_d, k = len(points), len(points[0]), len(breakpoints)
    if n <= big_d:
        matrix = fmpq_mat(n, big_d, [to_fmpq(v) for x in points for v in x])
        return int(matrix.rank()) == n
    work = math.comb(n, big_d) + (math.comb(n, big_d + 1) * k ** (big_d + 1) if k >= 2 else 0)
    if work > max_work:
        return None
    dets: dict[tuple[int, ...], fmpq] = {}
    for subset in itertools.combinations(range(n), big_d):
        entries = [to_fmpq(v) for i in subset for v in points[i]]
        dets[subset] = fmpq_mat(big_d, big_d, entries).det()
        if dets[subset] == 0:
            return False
    if k < 2:
        return True
    values = [to_fmpq(p) for p in breakpoints]
    for subset in itertools.combinations(range(n), big_d + 1):
        lam = [
            (-1) ** position * dets[subset[:position] + subset[position + 1 :]]
            for position in range(big_d + 1)
        ]
        for choice in itertools.product(range(k), repeat=big_d + 1):
            if (
                len(set(choice)) > 1
                and sum(f * values[c] for f, c in zip(lam, choice, strict=True)) == 0
            ):
                return False
    return True

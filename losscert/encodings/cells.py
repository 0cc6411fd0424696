"""Cells: the activation pattern of a point, its margin, its ties and the cells it touches.

A *pattern* names, for every sample i, hidden layer j and neuron r, the piece of the activation
that contains the pre-activation ``z_{j,r}(x_i)``. The *cell* of a pattern is the open set of
parameters whose pre-activations all lie in the named open pieces. A point whose pre-activation
sits exactly on a breakpoint is on a cell boundary: that entry is a *tie*, and the cells adjacent
to the point are those obtained by sending each tie to one of its two neighbouring pieces, as far
as such a move can be realised by moving the parameters.

Indices: layers count from 1 (as in the parameter names ``W1_0_1``), neurons and samples from 0.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from flint import fmpq

from losscert.encodings.sign_systems import rank, side_choices
from losscert.model.activation import Activation
from losscert.model.problem import Problem
from losscert.model.rationals import to_fraction

PieceGrid = tuple[tuple[tuple[int | None, ...], ...], ...]
"""pieces[j - 1][r][i]: the piece of neuron r of hidden layer j on sample i (None on a tie)."""


@dataclass(frozen=True)
class Tie:
    """A pre-activation ``z_{layer,neuron}(x_sample)`` exactly on breakpoint ``breakpoint``."""

    layer: int
    neuron: int
    sample: int
    breakpoint: int


@dataclass(frozen=True)
class CellConstraint:
    """``lower < z_{layer,neuron}(x_sample) < upper`` (None: unbounded), the piece-``piece`` condition.

    The open cell asks for the strict inequalities, its closure for the non-strict ones; encoders
    (LP rows, SMT constraints) choose which.
    """

    layer: int
    neuron: int
    sample: int
    piece: int
    lower: Fraction | None
    upper: Fraction | None


@dataclass(frozen=True)
class Pattern:
    """A complete activation pattern: a piece for every (hidden layer, neuron, sample)."""

    pieces: tuple[tuple[tuple[int, ...], ...], ...]

    def piece(self, layer: int, neuron: int, sample: int) -> int:
        return self.pieces[layer - 1][neuron][sample]

    @property
    def num_entries(self) -> int:
        return sum(len(neuron) for layer in self.pieces for neuron in layer)

    def constraints(self, activation: Activation) -> list[CellConstraint]:
        """The cell's defining inequalities, one per (layer, neuron, sample) with a finite bound."""
        out = []
        for j, layer in enumerate(self.pieces, start=1):
            for r, neuron in enumerate(layer):
                for i, k in enumerate(neuron):
                    lower, upper = activation.piece_bounds(k)
                    if lower is not None or upper is not None:
                        out.append(CellConstraint(j, r, i, k, lower, upper))
        return out


@dataclass(frozen=True)
class NeuronTies:
    """The ties of one neuron and the side choices (0: left piece, 1: right piece) for them.

    ``realisable``: choices proved reachable by moving the neuron's own incoming weights (an exact
    witness direction exists). ``excluded``: choices proved unreachable (only decided for layer 1,
    where a neuron's pre-activations depend on its own row alone; listed only up to
    ``max_enumerated_ties`` ties). ``undecided``: the rest. ``pruned``: the prefixes of side
    choices proved infeasible for the own row, each with its Gordan vector (see
    :func:`losscert.encodings.sign_systems.side_choices`).
    ``all_realisable`` short-cuts the listing when the tied inputs are linearly independent, which
    makes every one of the 2^t choices realisable.
    """

    layer: int
    neuron: int
    ties: tuple[Tie, ...]
    all_realisable: bool
    realisable: tuple[tuple[int, ...], ...]
    excluded: tuple[tuple[int, ...], ...]
    undecided: tuple[tuple[int, ...], ...]
    pruned: tuple[tuple[tuple[int, ...], tuple[Fraction, ...]], ...] = ()

    @property
    def num_realisable(self) -> int:
        return 2 ** len(self.ties) if self.all_realisable else len(self.realisable)

    def realisable_choices(self) -> Iterator[tuple[int, ...]]:
        if self.all_realisable:
            return itertools.product((0, 1), repeat=len(self.ties))
        return iter(self.realisable)


@dataclass(frozen=True)
class Cell:
    """Where a point sits: its pattern, margin and ties.

    ``margin`` is the exact smallest distance of a hidden pre-activation to a breakpoint (0 on a
    boundary; None when no hidden neuron has a breakpoint: a linear activation or no hidden layer),
    attained at ``margin_at`` = (layer, neuron, sample).
    """

    pieces: PieceGrid
    margin: Fraction | None
    margin_at: tuple[int, int, int] | None
    ties: tuple[Tie, ...]

    @property
    def on_boundary(self) -> bool:
        return bool(self.ties)

    def pattern(self) -> Pattern:
        """The complete pattern of an interior point; ValueError on a boundary point."""
        if self.ties:
            raise ValueError(
                f"the point is on a cell boundary ({len(self.ties)} ties); use adjacent_cells()"
            )
        return Pattern(cast(tuple[tuple[tuple[int, ...], ...], ...], self.pieces))

    def with_choices(self, choices: dict[Tie, int]) -> Pattern:
        """The complete pattern with each tie sent to its left (0) or right (1) piece."""
        grid = [[list(neuron) for neuron in layer] for layer in self.pieces]
        for tie in self.ties:
            grid[tie.layer - 1][tie.neuron][tie.sample] = tie.breakpoint + choices[tie]
        complete = tuple(tuple(tuple(neuron) for neuron in layer) for layer in grid)
        return Pattern(cast(tuple[tuple[tuple[int, ...], ...], ...], complete))


def locate_cell(problem: Problem) -> Cell:
    """The cell of ``problem``'s point on its data, decided exactly.

    Works on the forward pass's integer form: z = num / den is compared with breakpoint
    P_k / s as num * s against P_k * den, and distances share the denominator s * den within a
    layer (so no rational is built per entry)."""
    trace = problem.trace()
    act = problem.network.activation
    scale = math.lcm(*(p.denominator for p in act.breakpoints)) if act.breakpoints else 1
    points = [int(p * scale) for p in act.breakpoints]
    grid = []
    ties: list[Tie] = []
    margin: Fraction | None = None
    margin_at: tuple[int, int, int] | None = None
    for j, z in enumerate(trace.scaled_pre, start=1):
        limits = [p * z.den for p in points]
        last = len(limits)
        rows, cols = int(z.nums.nrows()), int(z.nums.ncols())
        values = [int(v) * scale for v in z.nums.entries()]
        best: int | None = None
        best_at = 0
        layer = []
        for r in range(rows):
            neuron: list[int | None] = []
            for i, v in enumerate(values[r * cols : (r + 1) * cols]):
                k = bisect.bisect_left(limits, v)
                if k < last and limits[k] == v:
                    neuron.append(None)
                    ties.append(Tie(j, r, i, k))
                    distance = 0
                else:
                    neuron.append(k)
                    if not last:
                        continue
                    if k == 0:
                        distance = limits[0] - v
                    elif k == last:
                        distance = v - limits[-1]
                    else:
                        distance = min(v - limits[k - 1], limits[k] - v)
                if best is None or distance < best:
                    best, best_at = distance, r * cols + i
            layer.append(tuple(neuron))
        grid.append(tuple(layer))
        if best is not None:
            found = Fraction(best, scale * z.den)
            if margin is None or found < margin:
                margin, margin_at = found, (j, best_at // cols, best_at % cols)
    return Cell(tuple(grid), margin, margin_at, tuple(ties))


@dataclass(frozen=True)
class AdjacentCells:
    """The cells a boundary point touches, neuron by neuron (choices are independent across
    neurons: each neuron's own row moves only its own pre-activations, and later layers are
    moved on a larger scale than earlier ones)."""

    cell: Cell
    neurons: tuple[NeuronTies, ...]

    @property
    def count(self) -> int:
        """The number of adjacent patterns proved realisable."""
        total = 1
        for neuron in self.neurons:
            total *= neuron.num_realisable
        return total

    @property
    def complete(self) -> bool:
        """True when every choice is decided (so ``count`` is the exact number of adjacent cells)."""
        return all(not neuron.undecided for neuron in self.neurons)

    def patterns(self) -> Iterator[Pattern]:
        """The realisable adjacent patterns, generated lazily (there can be 2^ties of them)."""
        per_neuron = [n.realisable_choices() for n in self.neurons]
        for combo in itertools.product(*[list(c) for c in per_neuron]):
            choices: dict[Tie, int] = {}
            for neuron, sides in zip(self.neurons, combo, strict=True):
                choices.update(zip(neuron.ties, sides, strict=True))
            yield self.cell.with_choices(choices)


def adjacent_cells(
    problem: Problem, cell: Cell | None = None, *, max_enumerated_ties: int = 12
) -> AdjacentCells:
    """Decide, neuron by neuron, which sides of the breakpoints the ties can move to.

    A side choice is realisable when some direction ``d`` of the neuron's own row satisfies
    ``sigma_i (d . a~_i) > 0`` for its tied samples (``a~_i`` = the layer's input on sample i with
    a trailing 1): moving along ``d`` puts each tie on its chosen side, while the other
    pre-activations keep their pieces for small moves. For layer 1 this is also necessary; deeper,
    a choice the own row cannot realise is reported undecided. Only realisable choices are
    visited (a depth-first search that cuts infeasible prefixes), so a layer-1 neuron with many
    dependent ties costs about (realisable choices) x (ties) exact feasibility tests, not 2^ties;
    a deeper neuron with more than ``max_enumerated_ties`` dependent ties is left undecided.
    """
    cell = cell or locate_cell(problem)
    by_neuron: dict[tuple[int, int], list[Tie]] = {}
    for tie in cell.ties:
        by_neuron.setdefault((tie.layer, tie.neuron), []).append(tie)
    inputs = layer_inputs(problem)
    neurons = [
        _neuron_ties(layer, neuron, tuple(ties), inputs[layer - 1], max_enumerated_ties)
        for (layer, neuron), ties in sorted(by_neuron.items())
    ]
    return AdjacentCells(cell, tuple(neurons))


def layer_inputs(problem: Problem) -> list[list[list[Fraction]]]:
    """For every hidden layer j, the augmented inputs [a_{j-1}(x_i); 1] of its neurons, per sample."""
    act = problem.network.activation

    def augmented(columns: list[list[fmpq]]) -> list[list[Fraction]]:
        return [[*(to_fraction(v) for v in col), Fraction(1)] for col in columns]

    out = [augmented(problem.data.inputs.transpose().tolist())]
    for z in problem.trace().pre_activations[:-1]:
        out.append(augmented([act.apply_many(col) for col in z.transpose().tolist()]))
    return out


def _neuron_ties(
    layer: int, neuron: int, ties: tuple[Tie, ...], inputs: list[list[Fraction]], max_ties: int
) -> NeuronTies:
    vectors = [inputs[t.sample] for t in ties]
    if rank(vectors) == len(vectors):
        return NeuronTies(layer, neuron, ties, True, (), (), ())
    if layer > 1 and len(ties) > max_ties:
        choices = tuple(itertools.product((0, 1), repeat=len(ties)))
        return NeuronTies(layer, neuron, ties, False, (), (), choices)
    # Only the realisable choices are visited: infeasible prefixes are cut with a Gordan vector.
    found = side_choices(vectors)
    realisable = tuple(sides for sides, _ in found.realisable)
    blocked: list[tuple[int, ...]] = []
    if len(ties) <= max_ties:  # list the unreachable choices only while that stays small
        for prefix, _ in found.pruned:
            rest = itertools.product((0, 1), repeat=len(ties) - len(prefix))
            blocked.extend((*prefix, *tail) for tail in rest)
    excluded, undecided = (tuple(blocked), ()) if layer == 1 else ((), tuple(blocked))
    return NeuronTies(layer, neuron, ties, False, realisable, excluded, undecided, found.pruned)

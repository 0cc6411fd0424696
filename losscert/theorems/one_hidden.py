"""Audits of the paper's one-hidden-layer claims (MATH.md section 5) on concrete instances.

(i) *Local minima of a cell are global minima of the cell.* Float descent from random starts (search
    only); each end point inside a cell is moved onto an exact minimiser of its cell and sign vector
    (:func:`snap_to_cell_minimum`) and certified ``cell_global_min``. A counterexample would be a
    certified local minimum whose cell has a certified lower bound below its risk. For d_Y > 1 the
    cell program is not convex (V_r = c_r w_r^T is rank one) and the claim is open: the audit says
    so and reports the spread of the float end points' risks per cell, as search evidence only.
(ii) *The minima of a cell form a valley.* Per sign vector s of the output weights the minimisers
    inside the open cell are connected (their image (c_r w~_r, c_r) is a convex set, mapped back by
    a homeomorphism). Across sign vectors a path inside the cell must pass c_r = 0 for every r whose
    sign differs, where neuron r adds nothing: the certified minimum of the other neurons alone
    (the *barrier*) then bounds the risk on that crossing. A barrier above the cell minimum between
    two sign vectors that both attain it inside the open cell proves the minima disconnected inside
    the cell; a single attaining sign vector proves them connected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any

from losscert.encodings.cell_programs import Block
from losscert.encodings.cells import locate_cell
from losscert.errors import UnsupportedError
from losscert.model.dataset import Dataset
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.cell_minimum import interior_realisation, minimise_over_blocks
from losscert.verifier.global_min import (
    certify_cell_global_min,
    require_one_hidden_layer,
    snap_to_cell_minimum,
)
from losscert.verifier.regression import fit_affine
from losscert.verifier.search import descent_endpoints
from losscert.verifier.verdict import Status


@dataclass(frozen=True)
class CellMinimaAudit:
    """Audit (i). ``verdict``: "holds" (no counterexample among the certified minima), "refuted"
    (a certified counterexample), or "open" (d_Y > 1: search evidence only)."""

    starts: int
    interior: int
    certified: int
    cells: int
    counterexamples: int
    verdict: str
    detail: str
    minima: dict[tuple[Any, ...], Fraction] = field(default_factory=dict, repr=False)
    points: dict[tuple[Any, ...], Network] = field(default_factory=dict, repr=False)


def audit_cell_minima(
    problem: Problem, *, starts: int = 12, steps: int = 2000, seed: int = 0
) -> CellMinimaAudit:
    """Audit (i) on ``problem``'s data, architecture and loss (its point is ignored)."""
    net = problem.network
    if net.depth != 2:
        raise UnsupportedError("the one-hidden-layer audit needs exactly one hidden layer")
    ends = descent_endpoints(problem, starts=starts, steps=steps, seed=seed)
    interior = 0
    certified = 0
    counterexamples = 0
    rejected = 0
    minima: dict[tuple[Any, ...], Fraction] = {}
    points: dict[tuple[Any, ...], Network] = {}
    spread: dict[tuple[Any, ...], list[Fraction]] = {}
    for theta in ends:
        point = problem.with_network(net.with_parameters(theta))
        cell = locate_cell(point)
        if cell.on_boundary:
            continue
        interior += 1
        key = cell.pieces
        if net.output_dim > 1:
            spread.setdefault(key, []).append(point.risk())
            continue
        snapped = snap_to_cell_minimum(point)
        if snapped is None:
            continue
        verdict = certify_cell_global_min(point.with_network(snapped))
        if verdict.status is Status.PROVED:
            certified += 1
            risk = verdict.stats["risk"]
            if key in minima and minima[key] != risk:
                counterexamples += 1  # two certified cell minima of one cell with other risks
            minima.setdefault(key, risk)
            points.setdefault(key, snapped)
        elif verdict.reason == "checker_rejected":
            rejected += 1  # never read as evidence either way
        elif (
            "cell_minimum_bound" in verdict.stats
            and verdict.stats["cell_minimum_bound"] < verdict.stats["risk"]
        ):
            counterexamples += 1  # a snapped (zero-gradient) interior point above its cell minimum
    if net.output_dim > 1:
        widest = max((max(r) - min(r) for r in spread.values()), default=Fraction(0))
        return CellMinimaAudit(
            starts,
            interior,
            0,
            len(spread),
            0,
            "open",
            f"d_Y = {net.output_dim}: the cell program is not convex; {interior} float end points "
            f"in {len(spread)} cells, largest risk spread within one cell {float(widest):.3g} "
            "(end points of descent, not certified minima)",
        )
    verdict_word = "refuted" if counterexamples else "holds" if certified else "undecided"
    if rejected:  # a producer bug: say so rather than report a verdict
        verdict_word = "undecided"
    detail = (
        f"{certified} certified cell minima in {len(minima)} cells from {interior} interior end "
        f"points of {starts} descents; {counterexamples} counterexamples"
        + (f"; {rejected} certificates rejected by the checker" if rejected else "")
    )
    return CellMinimaAudit(
        starts,
        interior,
        certified,
        len(minima),
        counterexamples,
        verdict_word,
        detail,
        minima,
        points,
    )


@dataclass(frozen=True)
class ValleyAudit:
    """Audit (ii) for the cell of ``problem``'s point.

    ``by_signs`` maps each sign vector to its certified minimum over the closed cell;
    ``attained_inside`` lists the optimal sign vectors with a minimiser inside the open cell;
    ``barriers[r]`` is the certified minimum with neuron r removed. ``reading`` is "connected",
    "disconnected" or "undecided"; the per-sign reading always holds (convexity).
    """

    minimum: Fraction
    by_signs: dict[tuple[int, ...], Fraction]
    attained_inside: list[tuple[int, ...]]
    barriers: dict[int, Fraction]
    reading: str
    detail: str


def audit_cell_valley(problem: Problem) -> ValleyAudit:
    """Audit (ii): are the minima of the point's cell connected inside the cell?"""
    require_one_hidden_layer(problem)
    cell = locate_cell(problem)
    if cell.on_boundary:
        raise UnsupportedError("the valley audit needs a point inside a cell")
    act = problem.network.activation
    inputs = problem.data.input_rows()
    labels = [row[0] for row in problem.data.label_rows()]
    patterns = [tuple(int(k or 0) for k in neuron) for neuron in cell.pieces[0]]
    by_signs: dict[tuple[int, ...], Fraction] = {}
    outputs: dict[tuple[int, ...], tuple[Fraction, ...]] = {}
    for signs in product((1, -1), repeat=len(patterns)):
        blocks = sorted({Block(p, s) for p, s in zip(patterns, signs, strict=True)})
        found = minimise_over_blocks(blocks, inputs, labels, act, problem.loss)
        by_signs[signs] = found.bound
        outputs[signs] = found.outputs
    minimum = min(by_signs.values())
    optimal = [s for s, value in by_signs.items() if value == minimum]
    attained = []
    for signs in optimal:
        neurons = [Block(p, s) for p, s in zip(patterns, signs, strict=True)]
        network = interior_realisation(neurons, inputs, act, outputs[signs])
        if network is not None and problem.with_network(network).risk() == minimum:
            attained.append(signs)
    barriers = {
        r: _without_neuron(problem, patterns, r, inputs, labels) for r in range(len(patterns))
    }
    if len(attained) <= 1:
        reading = "connected" if attained else "undecided"
        detail = (
            "one sign vector attains the cell minimum inside the open cell: its minimisers are "
            "a convex set in (c w~, c), so connected"
            if attained
            else "no minimiser inside the open cell was found (the minimum may lie on its boundary)"
        )
    elif _joined(problem, patterns, attained, minimum):
        reading = "connected"
        detail = (
            f"{len(attained)} sign vectors attain the cell minimum {minimum} inside the open cell, "
            "and they are joined inside the cell through c_r = 0: for linked sign vectors the "
            "neurons they share alone attain the minimum strictly inside their regions"
        )
    else:
        separated = all(
            any(a[r] != b[r] and barriers[r] > minimum for r in range(len(patterns)))
            for i, a in enumerate(attained)
            for b in attained[i + 1 :]
        )
        reading = "disconnected" if separated else "undecided"
        detail = (
            f"{len(attained)} sign vectors attain the cell minimum {minimum} inside the open cell, "
            "and every path between two of them crosses some c_r = 0 where the risk is at least "
            "a barrier above the minimum"
            if separated
            else "several sign vectors attain the minimum, and some pair has no barrier above it"
        )
    return ValleyAudit(minimum, by_signs, attained, barriers, reading, detail)


def _joined(
    problem: Problem,
    patterns: list[tuple[int, ...]],
    attained: list[tuple[int, ...]],
    minimum: Fraction,
) -> bool:
    """True when the attaining sign vectors are linked, pair by pair, into one component.

    Sign vectors a and b differing on the neurons D are linked when the neurons outside D, with
    a's signs, alone attain the minimum at a point Z0 strictly inside their open regions
    (``interior_realisation``). Then the straight segment (in z = (c w~, c)) from an interior
    minimiser of a to Z0 stays at the minimum (R is convex there and both ends attain it) and
    inside the open cell (an interior point plus a cone point; the neurons of D keep w~ and let
    c shrink to 0); at Z0 the neurons of D have c = 0, so their w~ moves freely inside their
    regions, and the segment from Z0 to b's minimiser ends the path.
    """
    inputs = problem.data.input_rows()
    labels = [row[0] for row in problem.data.label_rows()]
    component = {attained[0]}
    changed = True
    while changed:
        changed = False
        for b in attained:
            if b in component:
                continue
            if any(_linked(problem, patterns, a, b, minimum, inputs, labels) for a in component):
                component.add(b)
                changed = True
    return len(component) == len(attained)


def _linked(
    problem: Problem,
    patterns: list[tuple[int, ...]],
    a: tuple[int, ...],
    b: tuple[int, ...],
    minimum: Fraction,
    inputs: list[list[Fraction]],
    labels: list[Fraction],
) -> bool:
    kept = [Block(p, s) for p, s, t in zip(patterns, a, b, strict=True) if s == t]
    if not kept:
        constant = Dataset.from_rows([[Fraction(0)] for _ in inputs], [[y] for y in labels])
        return fit_affine(constant, problem.loss).risk == minimum
    act = problem.network.activation
    try:
        found = minimise_over_blocks(sorted(set(kept)), inputs, labels, act, problem.loss)
    except UnsupportedError:
        return False
    if found.bound != minimum:
        return False
    network = interior_realisation(kept, inputs, act, found.outputs)
    return network is not None and problem.with_network(network).risk() == minimum


def _without_neuron(
    problem: Problem,
    patterns: list[tuple[int, ...]],
    removed: int,
    inputs: list[list[Fraction]],
    labels: list[Fraction],
) -> Fraction:
    """The certified minimum over the closed cell with c_removed = 0 (both signs of the rest)."""
    rest = sorted({Block(p, s) for r, p in enumerate(patterns) if r != removed for s in (1, -1)})
    if rest:
        act = problem.network.activation
        return minimise_over_blocks(rest, inputs, labels, act, problem.loss).bound
    constant = Dataset.from_rows([[Fraction(0)] for _ in inputs], [[y] for y in labels])
    return fit_affine(constant, problem.loss).risk  # only b_2 is left: the best constant


# --- instances and reports ------------------------------------------------------------------


@dataclass(frozen=True)
class OneHiddenInstance:
    """A named problem; ``expect_valley`` is the planted reading for its point's cell (or None)."""

    name: str
    problem: Problem
    expect_valley: str | None = None


def one_hidden_instances() -> list[OneHiddenInstance]:
    """Built-in instances with planted answers (each worked out by hand in the docstring)."""
    from losscert.model.activation import hardtanh, leaky_relu, relu
    from losscert.model.loss import Loss

    def build(xs, ys, w, b, c, b2, act, loss="squared"):  # type: ignore[no-untyped-def]
        net = Network.from_rationals([[[v] for v in w], [c]], [b, [b2]], act)
        data = Dataset.from_rows([[Fraction(x)] for x in xs], [[Fraction(y)] for y in ys])
        return Problem(net, Loss(loss), data)

    half = Fraction(1, 2)
    return [
        # One relu neuron active on every sample: c > 0 and c < 0 both fit the least-squares line
        # (R = 1/2); at c = 0 only a constant is left (R = 2/3): two components.
        OneHiddenInstance(
            "relu-all-active-disconnected",
            build([0, 1, 2], [0, 2, 1], [1], [1], [half], 0, relu()),
            "disconnected",
        ),
        # Active on x = 2 only: c > 0 fits exactly (R = 0), c < 0 cannot (R = 8/9): one component.
        OneHiddenInstance(
            "relu-one-sample-connected",
            build([0, 1, 2], [0, 0, 2], [1], [Fraction(-3, 2)], [2], 0, relu()),
            "connected",
        ),
        # Two relu neurons active on every sample: all four sign vectors fit the line (R = 1/2);
        # no barrier separates them (either neuron alone fits it), and each flip of one sign
        # passes c_r = 0 while the other neuron alone attains the minimum: one component.
        OneHiddenInstance(
            "relu-two-active-connected",
            build([0, 1, 2], [0, 2, 1], [1, 1], [1, 1], [half / 2, half / 2], 0, relu()),
            "connected",
        ),
    ] + [
        # two neurons, one fitted by descent in the audit: no planted valley reading
        OneHiddenInstance(
            name,
            build(
                range(6), [0, 2, 1, 3, 1, 2], [1, -1], [half, Fraction(9, 2)], [1, 1], 0, act, loss
            ),
        )
        for name, act, loss in (
            ("hardtanh-two-neurons", hardtanh(), "squared"),
            ("leaky-relu-two-neurons", leaky_relu(), "squared"),
            ("relu-two-neurons-absolute", relu(), "absolute"),
        )
    ]


@dataclass(frozen=True)
class OneHiddenReport:
    name: str
    cell_minima: CellMinimaAudit
    valleys: list[ValleyAudit]
    expected_valley: str | None

    @property
    def as_expected(self) -> bool:
        if self.cell_minima.verdict == "refuted":
            return False
        return self.expected_valley is None or (
            bool(self.valleys) and self.valleys[0].reading == self.expected_valley
        )


def audit_one_hidden(
    instance: OneHiddenInstance, *, starts: int = 12, seed: int = 0, max_cells: int = 4
) -> OneHiddenReport:
    """Both audits: (i) on the instance's data; (ii) on its point's cell and on the cells of up
    to ``max_cells`` certified minima found by (i)."""
    problem = instance.problem
    minima = audit_cell_minima(problem, starts=starts, seed=seed)
    valleys = []
    if problem.network.output_dim == 1:
        cells = [] if locate_cell(problem).on_boundary else [problem]
        cells += [problem.with_network(n) for n in list(minima.points.values())[:max_cells]]
        for point in cells:
            valleys.append(audit_cell_valley(point))
    return OneHiddenReport(instance.name, minima, valleys, instance.expect_valley)


def report_to_dict(report: OneHiddenReport) -> dict[str, Any]:
    m = report.cell_minima
    return {
        "instance": report.name,
        "cell_minima": {
            "verdict": m.verdict,
            "starts": m.starts,
            "interior_end_points": m.interior,
            "certified_cell_minima": m.certified,
            "cells": m.cells,
            "counterexamples": m.counterexamples,
            "detail": m.detail,
        },
        "valleys": [
            {
                "reading": v.reading,
                "minimum": str(v.minimum),
                "by_signs": {",".join(map(str, s)): str(b) for s, b in v.by_signs.items()},
                "attained_inside": [list(s) for s in v.attained_inside],
                "barriers": {str(r): str(b) for r, b in v.barriers.items()},
                "detail": v.detail,
            }
            for v in report.valleys
        ],
        "expected_valley": report.expected_valley,
        "as_expected": report.as_expected,
    }


def format_reports(reports: list[OneHiddenReport]) -> str:
    header = (
        "instance                        (i) local minima of a cell = cell minima    "
        "(ii) valley of the point's cell"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        m = r.cell_minima
        first = r.valleys[0] if r.valleys else None
        if first is None:
            why = "d_Y > 1" if r.cell_minima.verdict == "open" else "no interior cell to audit"
            valley = f"n/a ({why})"
        else:
            valley = f"{first.reading} (min {first.minimum})"
        if first is not None and first.barriers:
            valley += f", barriers {', '.join(str(b) for b in first.barriers.values())}"
        mark = "" if r.as_expected else "   << NOT AS PLANTED"
        lines.append(
            f"{r.name:<32}{m.verdict:<7} {m.certified:>3} certified in {m.cells:>2} cells, "
            f"{m.counterexamples} counterexamples   {valley}{mark}"
        )
    return "\n".join(lines)

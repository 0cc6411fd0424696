"""A linear collapse near an irrational affine optimum (docs/certificate.md 3.31,
``affine_minimum_in_box``): Theorem 1's Stage 1 point for the logistic and softmax losses.

On its cell the collapse computes one affine map, so its risk is the affine risk of that map; the
map it computes is a rational one near the irrational minimiser. Floats choose free coordinates
(a column basis of the output directions of the first-layer weights and the biases; for softmax
with the logit shift projected out, whose direction is flat) and run damped Newton on them inside
the cell; the checker proves the box.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from losscert.checker.affine_box import _check_backward_size, _jacobian
from losscert.checker.result import Invalid
from losscert.encodings.box import box_radius
from losscert.encodings.cells import Cell, locate_cell
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.descent import checker_view
from losscert.verifier.exp_box import (
    NEWTON_STEPS,
    TARGET_GRADIENT,
    _dyadic,
    _midpoints,
    _pattern,
    checked_box,
    first_trap,
)
from losscert.verifier.lifted_box import independent_columns, size_refused
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min_in_box"


def certify_affine_box(problem: Problem) -> tuple[Verdict, Problem]:
    """(PROVED local_min_in_box about the returned centre, or UNKNOWN; the centre)."""
    refused = size_refused(problem)
    if refused is not None:
        return _unknown(refused), problem
    cell = locate_cell(problem)
    if cell.on_boundary or any(len(set(n)) != 1 for layer in cell.pieces for n in layer):
        return _unknown("not a linear collapse (a neuron changes piece, or a tie)"), problem
    free = _free(problem, cell)
    if free is None:
        return _unknown(
            "the exact derivatives would carry numbers beyond the checker's limit"
        ), problem
    if not free:
        return _unknown("no free coordinate moves the outputs"), problem
    centre = _newton(problem, cell, free)
    cell = locate_cell(centre)  # the same pieces (Newton keeps them), its own margin
    room = box_radius(centre, cell)
    if room is None:
        return _unknown("no box around the point fits in its cell"), centre
    view = checker_view(centre)
    pattern = _pattern(cell)
    _, g, h = _midpoints(view, pattern, free, None)
    smallest = float(np.linalg.eigvalsh(h)[0]) if np.all(np.isfinite(h)) else -1.0
    if not smallest > 0:
        return _unknown(f"the Hessian on the free coordinates is {smallest:.3g}"), centre

    def attempt(rho: Fraction, mu: Fraction) -> Verdict:
        return checked_box(centre, _steps(cell, room, free, rho, mu), "affine box", view)

    return first_trap(smallest, float(np.linalg.norm(g)), room, attempt), centre


def _free(problem: Problem, cell: Cell) -> list[int] | None:
    """A column basis among the first-layer weights and the biases (output biases first), with
    the logit shift projected out of every sample's outputs for softmax; None when the checker
    would refuse the exact derivatives (section 7), checked before computing them."""
    view = checker_view(problem)
    index = view.layers(list(range(view.num_parameters)))
    order = [
        *index[-1][1],
        *(a for _, b in index[:-1] for a in b),
        *(a for row in index[0][0] for a in row),
    ]
    slopes = [
        [view.activation.slopes[int(neuron[0] or 0)] for neuron in layer] for layer in cell.pieces
    ]
    try:
        _check_backward_size(view, slopes, "affine box")
    except Invalid:
        return None
    columns = np.array([[float(v) for v in row] for row in _jacobian(view, slopes, order)])
    d_y = view.widths[-1]
    if problem.loss.kind == "softmax_cross_entropy":
        blocks = columns.reshape(-1, d_y, columns.shape[1])
        columns = (blocks - blocks.mean(axis=1, keepdims=True)).reshape(columns.shape)
    return sorted(independent_columns(columns, order))


def _newton(problem: Problem, cell: Cell, free: list[int]) -> Problem:
    """Damped Newton on the free coordinates (iterates rounded to 2^-64), kept in the cell."""
    current = problem
    pattern = _pattern(cell)
    jet = _midpoints(checker_view(current), pattern, free, None)
    for _ in range(NEWTON_STEPS):
        value, g, h = jet
        if not len(g) or float(np.max(np.abs(g))) < TARGET_GRADIENT:
            break
        try:
            step = np.linalg.solve(h, -g)
        except np.linalg.LinAlgError:
            break
        moved = None
        for halving in range(20):
            values = current.network.parameter_vector()
            for a, delta in zip(free, step / 2**halving, strict=True):
                values[a] = _dyadic(values[a] + Fraction(float(delta)))
            candidate = current.with_network(current.network.with_parameters(values))
            there = locate_cell(candidate)
            if there.on_boundary or there.pieces != cell.pieces:
                continue
            trial = _midpoints(checker_view(candidate), pattern, free, None)
            if trial[0] <= value:  # kept: the next step's jet
                moved = (candidate, trial)
                break
        if moved is None:
            break
        current, jet = moved
    return current


def _steps(
    cell: Cell, room: Fraction, free: list[int], rho: Fraction, mu: Fraction
) -> list[dict[str, object]]:
    margin = None if cell.margin is None else rational_string(cell.margin)
    return [
        {"id": "cell", "kind": "cell", "pattern": _pattern(cell), "margin": margin},
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(room)},
        {
            "id": "trap",
            "kind": "affine_minimum_in_box",
            "uses": ["cell", "box"],
            "free": free,
            "radius": rational_string(rho),
            "mu": rational_string(mu),
        },
    ]


def _unknown(detail: str) -> Verdict:
    return Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)

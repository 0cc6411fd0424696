"""The refutation of ``cell_global_min``: a network in the closure of theta*'s cell with lower
exact risk (claim ``not_cell_global_min``, step ``lower_point_in_cell``, format 1.1)."""

from __future__ import annotations

from fractions import Fraction
from itertools import islice, permutations
from typing import Any

from losscert.encodings.cells import Cell
from losscert.model.activation import Activation
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.cell_minimum import BlockBound, witness_network
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.verdict import Status, Verdict

CLAIM = "cell_global_min"


def refute_cell_global_min(
    problem: Problem, cell: Cell, bounds: list[BlockBound], stats: dict[str, Any]
) -> Verdict:
    """REFUTED (claim ``not_cell_global_min``) with a network that attains the least of the
    cell's certified bounds, when it has the point's width and lies in the closed cell (the
    checker decides that); else UNKNOWN with the bound, as before."""
    lowest = min(bounds, key=lambda b: b.bound)
    risk = problem.risk()
    net = problem.network
    found = witness_network(lowest, net.activation, net.widths[1], net.input_dim)
    network = None if found is None else in_cell_order(found, cell, problem)
    lower = None if network is None else problem.with_network(network)
    if lower is None or not lower.risk() < risk:
        return Verdict(
            Status.UNKNOWN,
            CLAIM,
            reason="unsupported",
            detail=(
                f"the closure of the cell has points of risk down to {lowest.bound} "
                f"< R(theta*) = {risk}, but no network of width {net.widths[1]} in the closed "
                "cell attaining it was found to certify that theta* is not a minimum of its cell"
            ),
            stats=stats,
        )
    evidence: list[dict[str, Any]] = [
        {"id": "risk", "kind": "risk", "value": rational_string(risk)},
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [[list(n) for n in layer] for layer in cell.pieces],
            "margin": None if cell.margin is None else rational_string(cell.margin),
        },
        {
            "id": "lower",
            "kind": "lower_point_in_cell",
            "uses": ["risk", "cell"],
            "point": rationals(network.parameter_vector()),  # type: ignore[union-attr]
            "risk": rational_string(lower.risk()),
        },
    ]
    certificate = new_certificate(
        problem, "not_cell_global_min", evidence, {"method": "cell convex programs"}
    )
    return certified(CLAIM, Status.REFUTED, certificate, witness_risk=lower.risk(), **stats)


MAX_ORDERS = 720
"""Neuron orders tried when matching a witness to the cell (6! for six hidden neurons)."""


def in_cell_order(network: Network, cell: Cell, problem: Problem) -> Network | None:
    """``network`` with its hidden neurons reordered so that neuron r lies in the closed region
    of the cell's pattern r on every sample (the witness of a block program comes in block
    order); None when no order of the first ``MAX_ORDERS`` does."""
    act = network.activation
    w, b = network.weights(1), network.biases(1)
    c, b2 = network.weights(2), network.biases(2)
    rows = problem.data.input_rows()
    patterns = cell.pieces[0]
    for order in islice(permutations(range(len(w))), MAX_ORDERS):
        if all(_in_closed_piece(w[q], b[q], patterns[r], act, rows) for r, q in enumerate(order)):
            return Network.from_rationals(
                [[w[q] for q in order], [[row[q] for q in order] for row in c]],
                [[b[q] for q in order], b2],
                act,
            )
    return None


def _in_closed_piece(
    w: list[Fraction],
    b: Fraction,
    pattern: tuple[int | None, ...],
    act: Activation,
    rows: list[list[Fraction]],
) -> bool:
    points = list(act.breakpoints)
    for k, x in zip(pattern, rows, strict=True):
        z = sum((wi * xi for wi, xi in zip(w, x, strict=True)), Fraction(0)) + b
        piece = k or 0
        if (piece > 0 and z < points[piece - 1]) or (piece < len(points) and z > points[piece]):
            return False
    return True

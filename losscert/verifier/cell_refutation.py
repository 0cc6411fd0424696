"""The refutation of ``cell_global_min`` (claim ``not_cell_global_min``, format 1.1), one hidden
layer, one output, by either of two routes:

1. a network of the point's width that attains the least of the cell's certified bounds and lies
   in the closed cell (step ``lower_point_in_cell``);
2. otherwise, for each sign vector s of the output weights, the convex program over the blocks
   (pi_r, s_r) of the cell's patterns: a program whose exact minimiser has a lower risk is mapped
   back to a network theta_low in the closed cell (neuron r takes z_b / m of its block b, m
   neurons sharing b, as (c, c w~), or keeps w~*_r with c = 0 when that share is zero). Layer-1
   pre-activations are affine along the segment from theta* (inside the cell) to theta_low, so
   every theta* + t (theta_low - theta*) with t < 1 is inside the open cell; the risk is
   continuous, so some t = 1 - 2^-k has a risk below R(theta*), found exactly (a ``lower_point``
   whose pattern is the cell's).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import islice, permutations, product
from typing import Any

from losscert.encodings.cell_programs import Block
from losscert.encodings.cells import Cell, locate_cell
from losscert.errors import UnsupportedError
from losscert.model.activation import Activation
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.cell_minimum import BlockBound, minimise_over_blocks, witness_network
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.verdict import Status, Verdict

CLAIM = "cell_global_min"
MAX_HALVINGS = 60


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
        inside = refute_inside_cell(problem, cell, stats=stats)
        if inside is not None:
            return inside
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


def refute_inside_cell(
    problem: Problem,
    cell: Cell,
    max_sign_vectors: int = 1024,
    stats: dict[str, Any] | None = None,
) -> Verdict | None:
    """REFUTED cell_global_min (a not_cell_global_min certificate), or None. ``stats`` are kept
    in the verdict (the caller's cell_minimum_bound and risk)."""
    patterns = [tuple(int(k or 0) for k in neuron) for neuron in cell.pieces[0]]
    if cell.on_boundary or 2 ** len(patterns) > max_sign_vectors:
        return None
    risk = problem.risk()
    labels = [row[0] for row in problem.data.label_rows()]
    for signs in product((1, -1), repeat=len(patterns)):
        combination = [Block(p, s) for p, s in zip(patterns, signs, strict=True)]
        try:
            found = minimise_over_blocks(
                sorted(set(combination)),
                problem.data.input_rows(),
                labels,
                problem.network.activation,
                problem.loss,
            )
        except UnsupportedError:
            continue
        if found.bound >= risk or found.parts is None or found.bias is None:
            continue
        low = _network(problem, combination, found)
        if low is None:
            continue
        inside = _inside_and_lower(problem, cell, low, risk)
        if inside is not None:
            return _certificate(problem, cell, inside, stats or {})
    return None


def _network(problem: Problem, combination: list[Block], found: BlockBound) -> Network | None:
    net = problem.network
    act = net.activation
    homogeneous = all(p == 0 for p in act.breakpoints) and all(t == 0 for t in act.intercepts)
    part = dict(zip(found.blocks, found.parts or (), strict=True))
    w1, b1 = net.weights(1), net.biases(1)
    rows, biases, outs = [], [], []
    for r, block in enumerate(combination):
        share = [v / combination.count(block) for v in part[block]]
        v, c = share[:-1], share[-1]
        if c != 0:
            w = [a / c for a in v]
        elif not any(v):
            w = [*w1[r], b1[r]]
        elif homogeneous:  # c = 0 with v != 0: the neuron (s v, s) adds the same outputs
            w, c = [block.sign * a for a in v], Fraction(block.sign)
        else:
            return None
        rows.append(w[:-1])
        biases.append(w[-1])
        outs.append(c)
    return Network.from_rationals([rows, [outs]], [biases, [found.bias]], act)


def _inside_and_lower(
    problem: Problem, cell: Cell, low: Network, risk: Fraction
) -> list[Fraction] | None:
    start = problem.network.parameter_vector()
    end = low.parameter_vector()
    step = Fraction(1)
    for _ in range(MAX_HALVINGS):
        step /= 2
        t = 1 - step
        point = [a + t * (b - a) for a, b in zip(start, end, strict=True)]
        moved = problem.with_network(problem.network.with_parameters(point))
        if moved.risk() < risk:
            where = locate_cell(moved)
            if not where.on_boundary and where.pieces == cell.pieces:
                return point
    return None


def _certificate(
    problem: Problem, cell: Cell, point: list[Fraction], stats: dict[str, Any]
) -> Verdict:
    lower = problem.with_network(problem.network.with_parameters(point)).risk()
    steps: list[dict[str, Any]] = [
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [[list(n) for n in layer] for layer in cell.pieces],
            "margin": None if cell.margin is None else rational_string(cell.margin),
        },
        {"id": "risk", "kind": "risk", "value": rational_string(problem.risk())},
        {
            "id": "lower",
            "kind": "lower_point",
            "uses": ["risk"],
            "point": rationals(point),
            "risk": rational_string(lower),
        },
    ]
    how = "a lower point of the cell's convex program, moved inside the open cell"
    certificate = new_certificate(problem, "not_cell_global_min", steps, {"method": how})
    return certified(CLAIM, Status.REFUTED, certificate, **stats, method=how, witness_risk=lower)

"""``not_cell_global_min`` (certificate 1.1): a point of lower risk inside the open cell of theta*.

One hidden layer, one output. For each sign vector s of the output weights, the convex program
over the blocks (pi_r, s_r) of the cell's patterns pi_r (losscert.verifier.cell_minimum) is solved;
a program whose exact minimiser Z has a lower risk is mapped back to a network theta_low in the
*closed* cell: neuron r takes z_b / m of its block b (m neurons share b) as (c, c w~), or keeps
its own w~*_r with c = 0 when that share is zero. Layer-1 pre-activations are affine along the
segment from theta* (strictly inside the cell) to theta_low (in its closure), so every point
theta* + t (theta_low - theta*) with t < 1 is strictly inside the cell; the risk is continuous,
so some t = 1 - 2^-k has a risk below R(theta*), found exactly.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Any

from losscert.encodings.cell_programs import Block
from losscert.encodings.cells import Cell, locate_cell
from losscert.errors import UnsupportedError
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.cell_minimum import BlockBound, minimise_over_blocks
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.verdict import Status, Verdict

CLAIM = "cell_global_min"
MAX_HALVINGS = 60


def refute_cell_global_min(
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
    return certified(CLAIM, Status.REFUTED, certificate, **stats, method=how, lower_risk=lower)

"""Minima on a cell boundary of a one-hidden-layer network (docs/certificate.md 3.23, since 1.1).

Training often drives a kink onto a sample: the local minimum near the trained point then sits on
a cell boundary, where no gradient vanishes and the smooth routes fail. For one hidden layer and
one output the risk over a closed cell is a convex program (MATH.md section 5), so:

1. :func:`closed_cell_minimum_point` realises the exact minimiser of the closure of the point's
   cell (its own output-weight signs), neuron by neuron, which may put a kink exactly on a sample;
2. :func:`certify_boundary_minimum` proves such a point a local minimum with no solver: one convex
   lower bound per way of sending the tied pre-activations to their sides, each at least the
   point's risk, over a box that lets the ties cross their breakpoints and no other.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Any

from losscert.encodings.box import boundary_box_radius
from losscert.encodings.cell_programs import Block
from losscert.encodings.cells import Cell, locate_cell
from losscert.errors import UnsupportedError
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.cell_minimum import BlockBound, block_bound_step
from losscert.verifier.certificate import certified, new_certificate
from losscert.verifier.verdict import Status, Verdict

MAX_TIES = 8
CLAIM = "local_min"


def _homogeneous_one_hidden(problem: Problem) -> bool:
    from losscert.verifier.global_min import require_one_hidden_layer

    act = problem.network.activation
    try:
        require_one_hidden_layer(problem)
    except UnsupportedError:
        return False
    return all(p == 0 for p in act.breakpoints) and all(t == 0 for t in act.intercepts)


def closed_cell_minimum_point(problem: Problem, cell: Cell) -> Problem | None:
    """The exact minimiser of the closure of the point's cell (output-weight signs kept),
    realised from the convex program's exact solution: neuron r keeps its output weight c_r
    (rescaled: h(a z) = a h(z)); a neuron the solution does not use becomes a dead one. None when
    the route does not apply (not one hidden layer and one output, a non-homogeneous activation,
    an output weight 0, or no exact realisation)."""
    from losscert.verifier.global_min import _minimise

    if cell.on_boundary or not _homogeneous_one_hidden(problem):
        return None
    net = problem.network
    c = net.weights(2)[0]
    if any(v == 0 for v in c):
        return None
    patterns = [tuple(int(k or 0) for k in neuron) for neuron in cell.pieces[0]]
    blocks = [Block(p, 1 if v > 0 else -1) for p, v in zip(patterns, c, strict=True)]
    try:
        found = _minimise(problem, sorted(set(blocks)))
    except UnsupportedError:
        return None
    if found.parts is None or found.bias is None:
        return None
    parts = dict(zip(found.blocks, found.parts, strict=True))
    rows, biases = [], []
    for block, weight in zip(blocks, c, strict=True):
        z = parts.pop(block, None)  # a block shared by two neurons goes to the first
        if z is None or not any(z):
            rows.append([Fraction(0)] * net.input_dim)
            biases.append(Fraction(-1))  # dead on every sample: contributes 0
            continue
        lifted = z[-1]
        # (v / c, c) is the neuron; with c = 0 the block adds s v . x~, the neuron (s v, s)
        w = [v / lifted if lifted != 0 else block.sign * v for v in z[:-1]]
        scale = (lifted if lifted != 0 else Fraction(block.sign)) / weight  # > 0: same sign
        rows.append([v * scale for v in w[:-1]])
        biases.append(w[-1] * scale)
    moved = problem.with_network(
        Network.from_rationals([rows, [list(c)]], [biases, [found.bias]], net.activation)
    )
    return moved if moved.risk() == found.bound else None


def certify_boundary_minimum(problem: Problem) -> Verdict:
    """PROVED local_min for a point on a cell boundary whose every adjacent closed cell has no
    lower risk (one hidden layer, one output); UNKNOWN otherwise. No solver is trusted."""
    from losscert.verifier.global_min import _minimise

    cell = locate_cell(problem)
    if not cell.on_boundary or not _homogeneous_one_hidden(problem):
        return _unknown("needs a boundary point of a one-hidden-layer, one-output network")
    if len(cell.ties) > MAX_TIES:
        return _unknown(f"{len(cell.ties)} ties: at most {MAX_TIES} are enumerated")
    radius = boundary_box_radius(problem, cell)
    c = problem.network.weights(2)[0]
    if radius is None:
        return _unknown("no box near the boundary fits")
    smallest = min((abs(v) for v in c if v != 0), default=radius)
    radius = min(radius, smallest / 2)  # nonzero output weights keep their signs in the box
    risk = problem.risk()
    bounds: dict[frozenset[Block], BlockBound] = {}
    for blocks in _cases(problem, cell, radius):
        if blocks in bounds:
            continue
        try:
            bounds[blocks] = _minimise(problem, sorted(blocks))
        except UnsupportedError as exc:
            return _unknown(str(exc))
        if bounds[blocks].bound < risk:
            return _unknown("an adjacent closed cell has a lower minimum")
    return _certificate(problem, radius, risk, list(bounds.values()))


def _cases(problem: Problem, cell: Cell, radius: Fraction) -> list[frozenset[Block]]:
    """One block set per way of sending the ties to their sides and per allowed sign vector."""
    c = problem.network.weights(2)[0]
    signs = [(1,) if v > radius else (-1,) if v < -radius else (1, -1) for v in c]
    ties = cell.ties
    out = []
    for sides in product((0, 1), repeat=len(ties)):
        pattern = [[int(k) if k is not None else 0 for k in n] for n in cell.pieces[0]]
        for tie, side in zip(ties, sides, strict=True):
            pattern[tie.neuron][tie.sample] = tie.breakpoint + side
        for chosen in product(*signs):
            out.append(frozenset(Block(tuple(p), s) for p, s in zip(pattern, chosen, strict=True)))
    return out


def _certificate(
    problem: Problem, radius: Fraction, risk: Fraction, bounds: list[BlockBound]
) -> Verdict:
    ids = [f"bound{k}" for k in range(len(bounds))]
    steps: list[dict[str, Any]] = [
        {"id": "box", "kind": "box_near_boundary", "radius": rational_string(radius)},
        {"id": "risk_of_point", "kind": "risk", "value": rational_string(risk)},
        *(block_bound_step(b, i) for b, i in zip(bounds, ids, strict=True)),
        {
            "id": "cover",
            "kind": "convex_cover_near_boundary",
            "uses": ["box", "risk_of_point", *ids],
        },
    ]
    certificate = new_certificate(problem, CLAIM, steps, {"method": "boundary cover"})
    return certified(CLAIM, Status.PROVED, certificate, method="boundary cover")


def _unknown(detail: str) -> Verdict:
    return Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)

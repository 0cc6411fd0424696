"""Points of one-hidden-layer, one-output networks decided by convex programs, no SMT: above all
boundary points with many ties, and interior points whose Hessian is only semi-definite.

Near theta*, each hidden neuron lies in the closure of one of the regions adjacent to it (its
ties, if any, sent to realisable sides, :func:`losscert.encodings.sign_systems.side_choices`) with an
output weight of its own sign (either sign when it is 0). In the variables z_r = (c_r w~_r, c_r)
the risk is convex over the product of those closed cones (MATH.md section 5). So:

* every combination (adjacent region, sign) per neuron whose convex program is bounded below by
  R(theta*) leaves theta* a minimum of a neighbourhood: ``local_min`` PROVED with an
  ``adjacent_regions`` step and ``convex_lower_bound`` steps (docs/certificate.md 3.16, since 1.1);
* a combination whose program attains a lower risk at an exact point Z gives, when every output
  weight at theta* is non-zero, the straight line in theta whose z-path starts along Z - Z*; by
  convexity its first-order coefficient is at most R(Z) - R(theta*) < 0: ``not_local_min``
  REFUTED by a descent direction (checked exactly, as every descent).

When an output weight is 0 at theta* the cones over-approximate the neighbourhood: a lower
program value then decides nothing and the route returns None (the caller goes on).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Any

from losscert.encodings.cell_programs import Block
from losscert.encodings.cells import Cell
from losscert.encodings.sign_systems import BudgetExceeded, SideChoices, side_choices
from losscert.errors import UnsupportedError
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.cell_minimum import BlockBound, block_bound_step, minimise_over_blocks
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.descent import descent_verdict
from losscert.verifier.global_min import require_one_hidden_layer
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min"
MAX_COMBINATIONS = 512
"""The most (region, sign) combinations solved one program each (the union program comes first)."""


def decide_by_cones(problem: Problem, cell: Cell, *, say: Any = None) -> Verdict | None:
    """PROVED local_min, REFUTED not_local_min, or None when this route does not decide."""
    try:
        require_one_hidden_layer(problem)
        regions = _adjacent_regions(problem, cell)
    except (UnsupportedError, BudgetExceeded):
        return None
    net = problem.network
    outgoing = net.weights(2)[0]
    options = [
        [Block(p, s) for p in patterns for s in ((1, -1) if c == 0 else (1 if c > 0 else -1,))]
        for (patterns, _), c in zip(regions, outgoing, strict=True)
    ]
    risk = problem.risk()
    count = 1
    for neuron in options:
        count *= len(neuron)
    if say:
        say(f"convex programs: {count} combinations of adjacent regions and signs")
    try:
        union = _minimise(problem, sorted({b for neuron in options for b in neuron}))
    except UnsupportedError:
        return None
    bounds = [union]
    if union.bound < risk:
        if count > MAX_COMBINATIONS:
            return None
        bounds = []
        solved: dict[tuple[Block, ...], BlockBound] = {}
        for combination in product(*options):
            key = tuple(sorted(set(combination)))
            if key not in solved:
                try:
                    solved[key] = _minimise(problem, list(key))
                except UnsupportedError:
                    return None
            found = solved[key]
            if found.bound >= risk:
                continue
            if all(outgoing) and found.parts is not None:
                return _descent(problem, combination, found)
            return None
        bounds = list(solved.values())
    steps: list[dict[str, Any]] = [
        {"id": "risk", "kind": "risk", "value": rational_string(risk)},
        {"id": "adjacent", "kind": "adjacent_regions", "neurons": [s for _, s in regions]},
        *(block_bound_step(b, f"bound{k}") for k, b in enumerate(bounds)),
    ]
    how = f"convex programs over {count} adjacent combinations ({len(bounds)} programs)"
    certificate = new_certificate(problem, CLAIM, steps, {"method": how})
    return certified(CLAIM, Status.PROVED, certificate, method=how, programs=len(bounds))


def _minimise(problem: Problem, blocks: list[Block]) -> BlockBound:
    labels = [row[0] for row in problem.data.label_rows()]
    return minimise_over_blocks(
        blocks, problem.data.input_rows(), labels, problem.network.activation, problem.loss
    )


def _adjacent_regions(
    problem: Problem, cell: Cell
) -> list[tuple[list[tuple[int, ...]], dict[str, Any]]]:
    """Per neuron: the full patterns of its realisable side choices, and its certificate entry."""
    inputs = [[*x, Fraction(1)] for x in problem.data.input_rows()]
    out = []
    for r, pieces in enumerate(cell.pieces[0]):
        ties = sorted((t for t in cell.ties if t.neuron == r), key=lambda t: t.sample)
        found: SideChoices = side_choices([inputs[t.sample] for t in ties])
        patterns = []
        for sides, _ in found.realisable:
            pattern = [int(k or 0) for k in pieces]
            for tie, side in zip(ties, sides, strict=True):
                pattern[tie.sample] = tie.breakpoint + side
            patterns.append(tuple(pattern))
        entry = {
            "sides": [list(sides) for sides, _ in found.realisable],
            "pruned": [
                {"prefix": list(prefix), "farkas": rationals(mu)} for prefix, mu in found.pruned
            ],
        }
        out.append((patterns, entry))
    return out


def _descent(problem: Problem, combination: tuple[Block, ...], found: BlockBound) -> Verdict | None:
    """The theta-direction whose z-path starts along Z - Z* (every output weight non-zero).

    A block shared by m neurons gives each of them z_b / m: the segment from z*_r to z_b / m
    stays in the block's closed cone, so the line never leaves the closed adjacent cell."""
    assert found.parts is not None and found.bias is not None
    net = problem.network
    w1, b1, c = net.weights(1), net.biases(1), net.weights(2)[0]
    part = dict(zip(found.blocks, found.parts, strict=True))
    sharing = {b: combination.count(b) for b in combination}
    names = net.parameter_names()
    direction = [Fraction(0)] * len(names)
    for r, block in enumerate(combination):
        w = [*w1[r], b1[r]]
        target = [v / sharing[block] for v in part[block]]
        star = [c[r] * a for a in w] + [c[r]]
        dz = [t - s for t, s in zip(target, star, strict=True)]
        dc = dz[-1]
        dw = [(dv - a * dc) / c[r] for dv, a in zip(dz[:-1], w, strict=True)]
        for col, value in enumerate(dw[:-1]):
            direction[names.index(f"W1_{r}_{col}")] = value
        direction[names.index(f"b1_{r}")] = dw[-1]
        direction[names.index(f"W2_0_{r}")] = dc
    direction[names.index("b2_0")] = found.bias - net.biases(2)[0]
    why = "boundary: descent towards a lower point of the adjacent cones (convex program)"
    return descent_verdict(problem, direction, why)

"""Certify a candidate point: local minimum or not, by a ladder of methods, cheapest first.

1. first order: the exact gradient inside the cell; a non-zero gradient gives ``not_local_min``
   with the descent direction -g (order 1);
2. linear collapse: a uniform pattern and the optimal affine predictor give ``local_min`` with an
   explicit box (the Theorem 1 argument); cheap, so it comes before the Hessian;
3. second order: the exact Hessian and its LDL^T pivots; all positive gives ``strict_local_min``;
   a negative pivot gives a direction of negative curvature (order 2 descent);
4. the lifted gradient (any depth, a convex loss): the network is linear in its chain monomials;
   a loss gradient orthogonal to every chain's outputs proves ``local_min`` with no solver
   (losscert.verifier.lifted). It is tried before the Hessian when the activation is positively
   homogeneous (the rescaling makes the Hessian singular, so no strict minimum is missed), after
   it otherwise; then, one hidden layer, one output, a convex loss: convex
   programs over the cones of the cell (both signs of a zero output weight) prove the minimum
   with no solver (losscert.verifier.boundary_cones), or refute it by a descent;
5. SMT: "no lower point in a box inside the cell", unsat for z3 AND cvc5 (losscert.verifier.
   smt_route; one solver only at the trust level one-solver, when asked for); a "sat" model is replayed exactly and may refute through a descent direction;
6. boundary points: the lifted gradient in every adjacent pattern first (only the ties on samples
   with a non-zero loss gradient and a non-constant layer above are enumerated); then only the
   realisable adjacent cells are visited; descent into an adjacent cell
   along -gradient of that cell's risk, or a move of a tied neuron (its bias; its row into each
   realisable side together with an outgoing weight, order 2); for one hidden layer and one
   output, convex programs over the adjacent cones decide the point exactly when
   every output weight is non-zero (losscert.verifier.boundary_cones); then negative curvature
   in an adjacent cell; only then one SMT query per adjacent cell.

Every PROVED / REFUTED verdict goes through :func:`certified` (the checker accepts it first).
What the ladder cannot decide is UNKNOWN with a reason code.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from itertools import islice
from typing import Any

from sympy.polys.rings import PolyElement

from losscert.checker import calculus
from losscert.checker.limits import jet_limit_exceeded
from losscert.encodings.box import box_radius
from losscert.encodings.cells import (
    AdjacentCells,
    Cell,
    adjacent_cells,
    layer_inputs,
    locate_cell,
)
from losscert.encodings.derivatives import risk_gradient
from losscert.encodings.polynomial import (
    MAX_POLYNOMIAL_TERMS,
    cell_polynomials,
    cell_risk,
    polynomial_terms,
)
from losscert.encodings.sign_systems import side_choices
from losscert.errors import UnsupportedError
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.boundary_cones import decide_by_cones
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.constant_collapse import constant_collapse_verdict
from losscert.verifier.descent import checker_view, descent_verdict
from losscert.verifier.lifted import lifted_verdict
from losscert.verifier.regression import fit_affine, regression_step
from losscert.verifier.search import LowerPoint, find_lower_witness
from losscert.verifier.smt_route import SmtOptions, smt_boundary_local_min, smt_local_min
from losscert.verifier.spurious import spurious_from_global, spurious_with_witness
from losscert.verifier.stage2 import find_witness
from losscert.verifier.verdict import Status, Verdict
from losscert.verifier.witness_moves import stage2_every_layer

MAX_HESSIAN_PARAMETERS = 300
MAX_BOUNDARY_CELLS = 64
MAX_BOUNDARY_HESSIAN_PARAMETERS = 80
CLAIM = "local_min"


def certify_local_min(problem: Problem, options: SmtOptions | None = None) -> Verdict:
    """PROVED (local_min or strict_local_min), REFUTED (not_local_min) or UNKNOWN(reason).

    ``options`` bounds and reports the SMT rung (timeout per query, overall deadline, exports).
    """
    options = options or SmtOptions()
    if not problem.loss.is_rational:  # issue 13: no rational point is critical (a box instead)
        return Verdict(
            Status.UNKNOWN,
            CLAIM,
            reason="unsupported",
            detail=f"the {problem.loss.kind} risk has no rational critical point: the local "
            "minimum near the point is certified as a box (local_min_in_box)",
            stats={"method": "first order (exp/log loss)"},
        )
    cell = locate_cell(problem)
    options.say("locating the cell: " + ("on a boundary" if cell.on_boundary else "inside a cell"))
    if cell.on_boundary:
        return _boundary(problem, cell, options)
    try:
        gradient: list[Fraction] | None = risk_gradient(problem)
    except UnsupportedError as exc:  # a residual on a kink of the loss, or a loss without one
        options.say(f"no gradient ({exc}): first and second order skipped")
        gradient = None
    if gradient is not None and any(gradient):
        verdict = descent_verdict(
            problem, [-g for g in gradient], "first order: the gradient is not zero"
        )
        if (
            verdict is None
        ):  # -g always descends at order 1 (coefficient -|g|^2); fail closed anyway
            return Verdict(
                Status.UNKNOWN,
                CLAIM,
                reason="checker_rejected",
                detail="the exact line expansion along -gradient did not descend",
            )
        return verdict
    collapse = _linear_collapse(problem, cell)  # cheap, and a collapse is never strict
    if collapse is None:
        collapse = constant_collapse_verdict(problem, cell)
    if collapse is not None:
        return collapse
    use_lifted = options.convex and options.lifted
    lifted = lifted_verdict(problem, say=options.say) if use_lifted else None
    if lifted is not None and _rescalable(problem):
        return lifted  # no Hessian to try: with a rescaling orbit it is never positive definite
    if gradient is not None:
        second = _second_order(problem, cell)
        if second is not None:
            return second
    if lifted is not None:  # solver-free at any depth; else the cones (one hidden layer)
        return lifted
    cones = decide_by_cones(problem, cell, say=options.say) if options.convex else None
    if cones is not None:  # one hidden layer: decided with no trust gap
        return cones
    return smt_local_min(problem, cell, options)


def _rescalable(problem: Problem) -> bool:
    """A hidden layer and a positively homogeneous activation (every breakpoint and intercept 0):
    each hidden neuron has the orbit (w, b, c) -> (a w, a b, c / a) of constant risk, whose
    tangent (w, b, -c) is a zero-curvature direction at a critical point (or, for an all-zero
    neuron, R does not depend on w: a zero diagonal), so the Hessian is never positive definite
    and the second-order rung can only refute, which a proved local minimum excludes."""
    act = problem.network.activation
    return (
        problem.network.depth >= 2
        and not act.is_linear
        and all(p == 0 for p in act.breakpoints)
        and all(t == 0 for t in act.intercepts)
    )


def _cell_step(cell: Cell) -> dict[str, Any]:
    return {
        "id": "cell",
        "kind": "cell",
        "pattern": [[list(n) for n in layer] for layer in cell.pieces],
        "margin": None if cell.margin is None else rational_string(cell.margin),
    }


def _second_order(problem: Problem, cell: Cell) -> Verdict | None:
    size = problem.network.num_parameters
    if size > MAX_HESSIAN_PARAMETERS:
        return None
    view = checker_view(problem)
    if jet_limit_exceeded(view, hessian=True):  # the checker would refuse the certificate
        return None
    try:
        jet = calculus.risk_jet(view, 2)
    except Exception:  # a residual on a loss kink: R is not twice differentiable here
        return None
    hessian = calculus.dense_hessian(jet, size)
    pivots = calculus.ldl_pivots(hessian)
    if len(pivots) == size and all(p > 0 for p in pivots):
        steps = [
            _cell_step(cell),
            {"id": "gradient", "kind": "gradient_zero", "uses": ["cell"]},
            {"id": "hessian", "kind": "hessian_pd", "uses": ["cell"], "pivots": rationals(pivots)},
        ]
        certificate = new_certificate(
            problem, "strict_local_min", steps, {"method": "second order"}
        )
        return certified(CLAIM, Status.PROVED, certificate, method="second order")
    direction = negative_curvature_direction(hessian)
    if direction is None:
        return None
    return descent_verdict(problem, direction, "second order: negative curvature", view)


def negative_curvature_direction(matrix: list[list[Fraction]]) -> list[Fraction] | None:
    """An exact d with d^T H d < 0, or None when H is positive semi-definite.

    Symmetric elimination that pivots on the largest remaining diagonal. A negative pivot, or a
    zero diagonal with a non-zero off-diagonal entry in the remaining block (then a 2 x 2 move is
    negative), gives a direction u in the remaining coordinates; the eliminated coordinates follow
    by back-substitution, so that d^T H d = u^T S u with S the Schur complement.
    """
    size = len(matrix)
    a = [row[:] for row in matrix]
    remaining = list(range(size))
    eliminated: list[tuple[int, dict[int, Fraction]]] = []
    while remaining:
        k = max(remaining, key=lambda i: a[i][i])
        if a[k][k] > 0:
            factors = {i: a[i][k] / a[k][k] for i in remaining if i != k and a[i][k] != 0}
            for i, f in factors.items():
                for j in remaining:
                    if j != k:
                        a[i][j] -= f * a[k][j]
            remaining.remove(k)
            eliminated.append((k, factors))
            continue
        u = _trailing_direction(a, remaining)
        if u is None:
            return None
        d = [Fraction(0)] * size
        for i, v in u.items():
            d[i] = v
        for e, factors in reversed(eliminated):
            d[e] = -sum((f * d[i] for i, f in factors.items()), Fraction(0))
        return d
    return None


def _trailing_direction(
    a: list[list[Fraction]], remaining: list[int]
) -> dict[int, Fraction] | None:
    """In a Schur complement whose largest diagonal is <= 0: a direction of negative curvature."""
    k = min(remaining, key=lambda i: a[i][i])
    if a[k][k] < 0:
        return {k: Fraction(1)}
    for i in remaining:  # every diagonal is 0 here
        for j in remaining:
            if i != j and a[i][j] != 0:
                # (x e_i + e_j)^T S (x e_i + e_j) = 2 x S_ij: negative for x = -S_ij
                return {i: -a[i][j], j: Fraction(1)}
    return None


def _linear_collapse(problem: Problem, cell: Cell) -> Verdict | None:
    if any(len(set(neuron)) > 1 for layer in cell.pieces for neuron in layer):
        return None
    try:
        fit = fit_affine(problem.data, problem.loss)
    except UnsupportedError:
        return None
    if problem.trace().output_rows() != fit.predictions:
        return None
    radius = box_radius(problem, cell)
    if radius is None:
        return None
    steps = [
        _cell_step(cell),
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(radius)},
        regression_step(fit),
    ]
    certificate = new_certificate(problem, "local_min", steps, {"method": "linear collapse"})
    return certified(CLAIM, Status.PROVED, certificate, method="linear collapse")


def _boundary(problem: Problem, cell: Cell, options: SmtOptions) -> Verdict:
    """The lifted gradient in every adjacent pattern first (no enumeration of the cells), then
    cheap exact descents in every adjacent cell (order 1 in each, then the tied neurons'
    own moves: the bias, and the incoming row into each realisable side together with an outgoing
    weight, at order 2), then the convex programs over the adjacent cones (one hidden
    layer: a decision without SMT), then one SMT query per adjacent cell."""
    view = checker_view(problem)  # every direction below is expanded on the same problem
    use = options.convex and options.lifted
    lifted = lifted_verdict(problem, say=options.say, view=view) if use else None
    if lifted is not None:  # every adjacent pattern's lifted gradient is zero: no enumeration
        return lifted
    adjacent = adjacent_cells(problem, cell)
    options.say(f"boundary: {len(cell.ties)} ties, {adjacent.count} realisable adjacent cells")
    cells = _adjacent_risks(problem, adjacent, options.say)
    values = problem.network.parameter_vector()
    stationary = []
    for tried, (polys, risk) in enumerate(cells, start=1):
        gradient = [polys.evaluate(risk.diff(g), values) for g in polys.ring.gens]
        if not any(gradient):
            stationary.append((tried, polys, risk))
            continue
        why = f"boundary: descent into adjacent cell {tried}"
        verdict = descent_verdict(problem, [-g for g in gradient], why, view)
        if verdict is not None:
            return verdict
    verdict = _tied_neuron_moves(problem, cell, view) or _tied_neuron_pairs(problem, adjacent, view)
    if verdict is not None:
        return verdict
    decided = decide_by_cones(problem, cell, say=options.say) if options.convex else None
    if decided is not None:
        return decided
    for tried, polys, risk in stationary:
        verdict = _adjacent_second_order(problem, tried, polys, risk, view)
        if verdict is not None:
            return verdict
    return smt_boundary_local_min(problem, cell, options)


def _adjacent_risks(
    problem: Problem, adjacent: AdjacentCells, say: Callable[[str], None]
) -> list[tuple[Any, PolyElement]]:
    """The polynomial risk of each realisable adjacent cell (at most MAX_BOUNDARY_CELLS, and none
    beyond MAX_POLYNOMIAL_TERMS terms; none for a loss without a polynomial risk)."""
    out = []
    net = problem.network
    for pattern in islice(adjacent.patterns(), MAX_BOUNDARY_CELLS):
        size = polynomial_terms(
            net.widths, net.activation, problem.data, pattern, squared_outputs=True
        )
        if size > MAX_POLYNOMIAL_TERMS:  # deep networks: the symbolic risk would not fit
            say(f"boundary: symbolic risk of up to {size} terms skipped (budget)")
            break
        polys = cell_polynomials(net.widths, net.activation, problem.data, pattern)
        try:
            risk = cell_risk(polys, problem.loss, problem.data)
        except UnsupportedError:
            return out
        if not isinstance(risk, PolyElement):  # only squared losses give a polynomial risk
            return out
        out.append((polys, risk))
    return out


def _tied_neuron_moves(problem: Problem, cell: Cell, view: Any) -> Verdict | None:
    """Move a tied neuron's own bias to either side."""
    names = problem.network.parameter_names()
    for layer, neuron in dict.fromkeys((t.layer, t.neuron) for t in cell.ties):
        for sign in (1, -1):
            direction = [Fraction(0)] * len(names)
            direction[names.index(f"b{layer}_{neuron}")] = Fraction(sign)
            verdict = descent_verdict(problem, direction, "boundary: move a tied neuron", view)
            if verdict is not None:
                return verdict
    return None


MAX_PAIR_MOVES = 256


def _tied_neuron_pairs(problem: Problem, adjacent: AdjacentCells, view: Any) -> Verdict | None:
    """Second order into each adjacent cell of a tied neuron: its incoming row moves along the
    exact witness of one realisable side choice (so the line enters that cell) while one of its
    outgoing weights moves by +-1. The cross term (the outgoing weight times the new part of the
    neuron's output) is the second-order coefficient; a negative one refutes."""
    names = problem.network.parameter_names()
    widths = problem.network.widths
    inputs = layer_inputs(problem)
    tried = 0
    for neuron in adjacent.neurons:
        j, r = neuron.layer, neuron.neuron
        found = side_choices([inputs[j - 1][t.sample] for t in neuron.ties])
        for _, witness in found.realisable:
            for k in range(widths[j + 1]):
                for sign in (1, -1):
                    tried += 1
                    if tried > MAX_PAIR_MOVES:
                        return None
                    direction = [Fraction(0)] * len(names)
                    for c, value in enumerate(witness[:-1]):
                        direction[names.index(f"W{j}_{r}_{c}")] = value
                    direction[names.index(f"b{j}_{r}")] = witness[-1]
                    direction[names.index(f"W{j + 1}_{k}_{r}")] = Fraction(sign)
                    why = "boundary: a tied neuron moved into an adjacent cell with its output"
                    verdict = descent_verdict(problem, direction, why, view)
                    if verdict is not None:
                        return verdict
    return None


def _adjacent_second_order(
    problem: Problem, tried: int, polys: Any, risk: PolyElement, view: Any
) -> Verdict | None:
    """Where an adjacent cell's gradient is zero at theta*: a direction of negative curvature of
    that cell's Hessian, and its opposite (the exact line expansion decides which cell the line
    enters and whether the risk goes down)."""
    gens = polys.ring.gens
    if len(gens) > MAX_BOUNDARY_HESSIAN_PARAMETERS:
        return None
    values = problem.network.parameter_vector()
    first = [risk.diff(g) for g in gens]
    hessian = [[polys.evaluate(d.diff(g), values) for g in gens] for d in first]
    direction = negative_curvature_direction(hessian)
    if direction is None:
        return None
    why = f"boundary: negative curvature in adjacent cell {tried}"
    for candidate in (direction, [-v for v in direction]):
        verdict = descent_verdict(problem, candidate, why, view)
        if verdict is not None:
            return verdict
    return None


def certify_spurious(
    problem: Problem,
    local: Verdict,
    *,
    seed: int = 0,
    deadline: float | None = None,
    witness: LowerPoint | None = None,
) -> Verdict:
    """Given a PROVED local minimum: PROVED spurious (a point of lower risk, replayed exactly),
    REFUTED (a certified global minimum: not spurious) or UNKNOWN.

    ``witness``: a lower point the caller already has, tried first.
    Certified global information first (losscert.verifier.spurious: linear networks, one hidden
    layer), then Theorem 1's Stage-2 move (layer 1 at a collapse point, then a spare neuron of any
    hidden layer: losscert.verifier.witness_moves) and the float search. ``deadline``
    (time.perf_counter()) bounds the global route.
    """
    claim = "spurious_local_min"
    if local.status is not Status.PROVED or local.certificate is None:
        return Verdict(
            Status.UNKNOWN,
            claim,
            reason="unsupported",
            detail="the point is not a proved local minimum",
        )
    how = "given"
    if witness is None:
        decided = spurious_from_global(problem, local, deadline=deadline)
        if decided is not None and decided.status is not Status.UNKNOWN:
            return decided
        witness, how = _stage2_witness(problem), "Stage-2 move"
    if witness is None:
        witness, how = stage2_every_layer(problem, seed=seed), "Stage-2 move (a spare neuron)"
    if witness is None:
        witness, how = find_lower_witness(problem, seed=seed), "search"
    if witness is None:
        return Verdict(
            Status.UNKNOWN,
            claim,
            reason="budget",
            detail="no point of lower risk found by the search (the point may be a global minimum)",
        )
    return spurious_with_witness(problem, local, witness, how)


def _stage2_witness(problem: Problem) -> LowerPoint | None:
    """Theorem 1's Stage 2 move, when layer 1 has a neuron whose outgoing weights are all zero."""
    net = problem.network
    if net.depth < 2 or net.activation.is_linear:
        return None
    outgoing = net.weights(2)
    spare = next((r for r in range(net.widths[1]) if all(row[r] == 0 for row in outgoing)), None)
    if spare is None:
        return None
    try:
        fit = fit_affine(problem.data, problem.loss)
    except UnsupportedError:
        return None
    if problem.trace().output_rows() != fit.predictions:
        return None
    found = find_witness(problem, fit, Fraction(1), spare)
    return None if found is None else LowerPoint(found.parameters, found.risk)

"""Certify a candidate point: local minimum or not, by a ladder of methods, cheapest first.

1. first order: the exact gradient inside the cell; a non-zero gradient gives ``not_local_min``
   with the descent direction -g (order 1);
2. linear collapse: a uniform pattern and the optimal affine predictor give ``local_min`` with an
   explicit box (the Theorem 1 argument); cheap, so it comes before the Hessian;
3. second order: the exact Hessian and its LDL^T pivots; all positive gives ``strict_local_min``;
   a negative pivot gives a direction of negative curvature (order 2 descent);
4. SMT: "no lower point in a box inside the cell", unsat for z3 AND cvc5 (losscert.verifier.
   smt_route); a "sat" model is replayed exactly and may refute through a descent direction;
5. boundary points: descent into an adjacent cell along -gradient of that cell's risk or a move of
   a tied neuron's own weights, else one SMT query per adjacent cell.

Every PROVED / REFUTED verdict goes through :func:`certified` (the checker accepts it first).
What the ladder cannot decide is UNKNOWN with a reason code.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import islice
from typing import Any

from sympy.polys.rings import PolyElement

from losscert.checker import calculus
from losscert.encodings.box import box_radius
from losscert.encodings.cells import Cell, adjacent_cells, locate_cell
from losscert.encodings.derivatives import risk_gradient
from losscert.encodings.polynomial import cell_polynomials, cell_risk
from losscert.errors import UnsupportedError
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.constant_collapse import constant_collapse_verdict
from losscert.verifier.descent import checker_view, descent_verdict
from losscert.verifier.regression import fit_affine, regression_step
from losscert.verifier.search import LowerPoint, find_lower_witness
from losscert.verifier.smt_route import SmtOptions, smt_boundary_local_min, smt_local_min
from losscert.verifier.stage2 import find_witness
from losscert.verifier.verdict import Status, Verdict

MAX_HESSIAN_PARAMETERS = 300
MAX_BOUNDARY_CELLS = 64
CLAIM = "local_min"


def certify_local_min(problem: Problem, options: SmtOptions | None = None) -> Verdict:
    """PROVED (local_min or strict_local_min), REFUTED (not_local_min) or UNKNOWN(reason).

    ``options`` bounds and reports the SMT rung (timeout per query, overall deadline, exports).
    """
    options = options or SmtOptions()
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
    if gradient is not None:
        second = _second_order(problem, cell)
        if second is not None:
            return second
    return smt_local_min(problem, cell, options)


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
    adjacent = adjacent_cells(problem, cell)
    names = problem.network.parameter_names()
    values = problem.network.parameter_vector()
    view = checker_view(problem)  # every direction below is expanded on the same problem
    for tried, pattern in enumerate(islice(adjacent.patterns(), MAX_BOUNDARY_CELLS), start=1):
        polys = cell_polynomials(
            problem.network.widths, problem.network.activation, problem.data, pattern
        )
        try:
            risk = cell_risk(polys, problem.loss, problem.data)
        except UnsupportedError:
            break
        if not isinstance(risk, PolyElement):  # only squared losses give a polynomial risk
            break
        gradient = [polys.evaluate(risk.diff(g), values) for g in polys.ring.gens]
        if any(gradient):
            why = f"boundary: descent into adjacent cell {tried}"
            verdict = descent_verdict(problem, [-g for g in gradient], why, view)
            if verdict is not None:
                return verdict
    for tie in cell.ties:  # move a tied neuron's own bias to either side
        for sign in (1, -1):
            direction = [Fraction(0)] * len(values)
            direction[names.index(f"b{tie.layer}_{tie.neuron}")] = Fraction(sign)
            verdict = descent_verdict(problem, direction, "boundary: move a tied neuron", view)
            if verdict is not None:
                return verdict
    return smt_boundary_local_min(problem, cell, options)


def certify_spurious(
    problem: Problem, local: Verdict, *, seed: int = 0, witness: LowerPoint | None = None
) -> Verdict:
    """Given a PROVED local minimum, look for an exactly lower point and certify spuriousness
    (``witness``: a lower point the caller already has, tried first)."""
    claim = "spurious_local_min"
    if local.status is not Status.PROVED or local.certificate is None:
        return Verdict(
            Status.UNKNOWN,
            claim,
            reason="unsupported",
            detail="the point is not a proved local minimum",
        )
    witness = witness or _stage2_witness(problem) or find_lower_witness(problem, seed=seed)
    if witness is None:
        return Verdict(
            Status.UNKNOWN,
            claim,
            reason="budget",
            detail="no point of lower risk found by the search (the point may be a global minimum)",
        )
    evidence = [
        *local.certificate["evidence"],
        {"id": "risk", "kind": "risk", "value": rational_string(problem.risk())},
        {
            "id": "lower",
            "kind": "lower_point",
            "uses": ["risk"],
            "point": rationals(witness.parameters),
            "risk": rational_string(witness.risk),
        },
    ]
    certificate = new_certificate(
        problem, claim, evidence, {"method": local.stats.get("method", ""), "witness": "search"}
    )
    return certified(claim, Status.PROVED, certificate, witness_risk=witness.risk)


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

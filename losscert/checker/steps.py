"""Section 3 of docs/certificate.md: one verifier per evidence step kind.

Each verifier recomputes what its step states from the problem and raises Invalid (with the
expected and derived values) when it does not hold. It returns the facts later rules need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import boxes, limits, paths, smt_query
from .adjacent import check_adjacent_regions
from .affine_box import check_affine_minimum_in_box
from .arrangement import check_neuron_regions, check_neuron_regions_sparse
from .boundary_cover import check_convex_cover_near_boundary
from .calculus import (
    dense_hessian,
    ldl_pivots,
    p_add,
    p_scale,
    risk_jet,
    risk_on_line,
    sign_near_zero,
)
from .cell_points import check_lower_point_in_cell
from .constant_fit import check_constant_regression_optimal
from .convex import check_convex_lower_bound
from .escape_ray import check_escape_ray
from .face_box import check_minimum_on_face
from .infimum import check_limit_family, check_unattainable_outputs
from .lifted import check_lifted_gradient_zero
from .lifted_box import check_lifted_minimum_in_box
from .minimum_box import check_minimum_in_box
from .numbers import brief, exact_keys, integer, matrix, rational, show, vector
from .problem import Problem, cell_at, forward, risk
from .result import Invalid
from .risk_bounds import check_lower_point_below, check_risk_bounds
from .scaled import affine_squared_optimal
from .smt_adjacent import check_smt_adjacent
from .smt_one_solver import check_smt_one_solver

MAX_HESSIAN_PARAMETERS = limits.MAX_JET_PARAMETERS
MAX_BOUNDARY_TIES = 10


@dataclass(frozen=True)
class Verified:
    """A step that holds, with what it established (read by the claim rules)."""

    id: str
    kind: str
    uses: tuple[str, ...]
    facts: dict[str, Any]


Steps = dict[str, Verified]


def _cited(step: dict[str, Any], done: Steps, kind: str, sid: str) -> Verified:
    """The single earlier step of ``kind`` this step cites in ``uses``."""
    uses = step.get("uses", [])
    matching = [done[u] for u in uses if u in done and done[u].kind == kind]
    if len(matching) != 1:
        raise Invalid(f'must cite exactly one earlier {kind!r} step in "uses"', step=sid)
    return matching[0]


def check_risk(problem: Problem, step: dict[str, Any], done: Steps, sid: str) -> dict[str, Any]:
    claimed = rational(step["value"], f"{sid}.value")
    actual = risk(problem, problem.point)
    if claimed != actual:
        raise Invalid(
            "the risk of the point differs",
            step=sid,
            expected=show(claimed),
            derived=show(actual),
            difference=show(actual - claimed),
        )
    return {"value": actual}


def check_cell(problem: Problem, step: dict[str, Any], done: Steps, sid: str) -> dict[str, Any]:
    pattern, margin = cell_at(problem, problem.point)
    if any(k is None for layer in pattern for neuron in layer for k in neuron):
        raise Invalid(
            "the point is on a cell boundary (a pre-activation equals a breakpoint)", step=sid
        )
    shape = [[len(neuron) for neuron in layer] for layer in pattern]
    try:
        _require_int_grid(step["pattern"], "pattern", shape)
    except Invalid as exc:
        raise Invalid(str(exc), step=sid) from None
    if step["pattern"] != pattern:
        raise Invalid(
            "the activation pattern differs", step=sid, expected=step["pattern"], derived=pattern
        )
    if margin is None:
        if step["margin"] is not None:
            raise Invalid(
                "there is no breakpoint in any hidden neuron, so margin must be null", step=sid
            )
    else:
        claimed = rational(step["margin"], f"{sid}.margin")
        if claimed != margin:
            raise Invalid(
                "the margin differs",
                step=sid,
                expected=show(claimed),
                derived=show(margin),
                difference=show(margin - claimed),
            )
    return {"pattern": pattern, "margin": margin}


def _require_int_grid(value: Any, where: str, shape: list[list[int]]) -> None:
    """A list (hidden layers) of lists (neurons) of lists of JSON ints, of the problem's shape.

    Checked without recursion, and before any comparison: true == 1 in Python, so booleans must
    be refused first, and a deeply nested value must not reach ==.
    """
    if not isinstance(value, list) or len(value) != len(shape):
        raise Invalid(f"{where}: expected {len(shape)} hidden layers")
    for j, (layer, neurons) in enumerate(zip(value, shape, strict=True)):
        if not isinstance(layer, list) or len(layer) != len(neurons):
            raise Invalid(f"{where}[{j}]: expected {len(neurons)} neurons")
        for r, (entries, count) in enumerate(zip(layer, neurons, strict=True)):
            if not isinstance(entries, list) or len(entries) != count:
                raise Invalid(f"{where}[{j}][{r}]: expected {count} samples")
            if all(type(k) is int for k in entries):  # the usual case, in one pass
                continue
            for i, k in enumerate(entries):
                if not isinstance(k, int) or isinstance(k, bool):
                    raise Invalid(f"{where}[{j}][{r}][{i}]: expected a piece index, got {brief(k)}")


def check_box_in_cell(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    cell = _cited(step, done, "cell", sid)
    rho = boxes.check_box_in_cell(problem, step, cell.facts["pattern"], sid)
    return {"radius": rho, "cell": cell.id}


def check_box_near_boundary(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    return boxes.check_box_near_boundary(problem, step, sid)


def check_smt_boundary(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    """One canonical query per way of sending the ties to their sides, all answered unsat."""
    box = _cited(step, done, "box_near_boundary", sid)
    ties = box.facts["ties"]
    if len(ties) > MAX_BOUNDARY_TIES:
        raise Invalid(f"{len(ties)} ties need 2^{len(ties)} queries, beyond this checker", step=sid)
    rho = radius_within(step, box, sid)
    queries = step["queries"]
    if not isinstance(queries, list) or len(queries) != 2 ** len(ties):
        raise Invalid(
            f"expected {2 ** len(ties)} queries, one per side choice of the {len(ties)} ties",
            step=sid,
        )
    seen = set()
    gaps = []
    texts: list[tuple[str, str]] = []
    for q, query in enumerate(queries):
        where = f"{sid}.queries[{q}]"
        query = exact_keys(query, where, {"sides", "smtlib", "solvers"})
        sides = query["sides"]
        if (
            not isinstance(sides, list)
            or len(sides) != len(ties)
            or any(s not in (0, 1) or isinstance(s, bool) for s in sides)
        ):
            raise Invalid(
                f"{where}.sides: expected {len(ties)} entries, each 0 (left) or 1 (right)", step=sid
            )
        if tuple(sides) in seen:
            raise Invalid(f"{where}.sides: {sides} appears twice", step=sid)
        seen.add(tuple(sides))
        pattern = [[list(neuron) for neuron in layer] for layer in box.facts["pattern"]]
        for (j, r, i, b), side in zip(ties, sides, strict=True):
            pattern[j][r][i] = b + side
        if query["smtlib"] != smt_query.no_lower_point_query(problem, pattern, rho):
            raise Invalid(
                f"{where}: the SMT-LIB text is not the canonical query for these sides", step=sid
            )
        gap = check_delegated_smt(
            problem,
            {**query, "statement": f"no lower point in the closed cell of sides {sides}"},
            done,
            sid,
        )
        gaps.append(gap["trust_gap"])
        texts.append((f"{sid}.queries[{q}] (sides {sides})", query["smtlib"]))
    return {
        "radius": rho,
        "trust_gap": f"{sid}: {len(gaps)} SMT queries (one per adjacent cell), each unsat for two solvers",
        "smt_queries": tuple(texts),
    }


def check_affine_regression_optimal(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    d_x, d_y = problem.widths[0], problem.widths[-1]
    w = matrix(step["W"], f"{sid}.W", d_y, d_x)
    b = vector(step["b"], f"{sid}.b", d_y)
    outputs = forward(problem, problem.point).outputs
    n = len(problem.inputs)
    gradients = []
    given = None
    if problem.loss in ("absolute", "hinge"):
        if "subgradients" not in step:
            raise Invalid(f'the {problem.loss} loss needs "subgradients"', step=sid)
        given = matrix(step["subgradients"], f"{sid}.subgradients", n, d_y)
    elif "subgradients" in step:
        raise Invalid(f'the {problem.loss} loss is differentiable: no "subgradients"', step=sid)
    if problem.loss in ("squared", "squared_half") and affine_squared_optimal(
        problem, w, b, forward(problem, problem.point)
    ):  # in integers; any failure is found and reported below
        return {"W": w, "b": b, "linear_network": not problem.activation.breakpoints}
    for i, (x, y) in enumerate(zip(problem.inputs, problem.labels, strict=True)):
        u = [sum((w[k][c] * x[c] for c in range(d_x)), Fraction(0)) + b[k] for k in range(d_y)]
        if u != outputs[i]:
            raise Invalid(
                f"sample {i}: the network does not compute this affine map",
                step=sid,
                expected=[show(v) for v in u],
                derived=[show(v) for v in outputs[i]],
            )
        gradients.append(
            [
                _loss_derivative(
                    problem,
                    y[k],
                    u[k],
                    None if given is None else given[i][k],
                    f"sample {i} output {k}",
                    sid,
                )
                for k in range(d_y)
            ]
        )
    for k in range(d_y):
        for c in range(d_x + 1):
            total = sum(
                (
                    g[k] * (x[c] if c < d_x else 1)
                    for g, x in zip(gradients, problem.inputs, strict=True)
                ),
                Fraction(0),
            )
            if total != 0:
                name = f"W[{k}][{c}]" if c < d_x else f"b[{k}]"
                raise Invalid(
                    f"the first-order condition fails in {name}",
                    step=sid,
                    expected="0",
                    derived=show(total / n),
                    difference=show(total / n),
                )
    return {"W": w, "b": b, "linear_network": not problem.activation.breakpoints}


def _loss_derivative(
    problem: Problem, y: Fraction, u: Fraction, given: Fraction | None, place: str, sid: str
) -> Fraction:
    r = u - y
    if problem.loss == "squared":
        return 2 * r
    if problem.loss == "squared_half":
        return r
    if problem.loss == "huber":
        assert problem.delta is not None
        return r if abs(r) <= problem.delta else problem.delta * (1 if r > 0 else -1)
    assert given is not None
    if problem.loss == "absolute":
        allowed = (
            (Fraction(1), Fraction(1))
            if r > 0
            else (Fraction(-1), Fraction(-1))
            if r < 0
            else (Fraction(-1), Fraction(1))
        )
    else:  # hinge: d/du max(0, 1 - y u) = -y on the active side
        m = 1 - y * u
        low, high = (
            (-y, -y)
            if m > 0
            else (Fraction(0), Fraction(0))
            if m < 0
            else (min(-y, Fraction(0)), max(-y, Fraction(0)))
        )
        allowed = (low, high)
    if not allowed[0] <= given <= allowed[1]:
        raise Invalid(
            f"{place}: the subgradient is not in the subdifferential",
            step=sid,
            expected=f"[{show(allowed[0])}, {show(allowed[1])}]",
            derived=show(given),
        )
    return given


def lower_risk(
    problem: Problem, step: dict[str, Any], base: Verified, sid: str
) -> tuple[list[Fraction], Fraction]:
    """The step's ``point`` and its exact risk, which must equal ``risk`` and lie strictly below
    the value of the ``risk`` step ``base`` (3.5, and 3.18 for a point of the closed cell)."""
    point = vector(step["point"], f"{sid}.point", problem.num_parameters)
    claimed = rational(step["risk"], f"{sid}.risk")
    actual = risk(problem, point)
    if claimed != actual:
        raise Invalid(
            "the risk of the lower point differs",
            step=sid,
            expected=show(claimed),
            derived=show(actual),
            difference=show(actual - claimed),
        )
    if not actual < base.facts["value"]:
        raise Invalid(
            "the point is not lower",
            step=sid,
            expected=f"< {show(base.facts['value'])}",
            derived=show(actual),
        )
    return point, actual


def check_lower_point(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    base = _cited(step, done, "risk", sid)
    point, actual = lower_risk(problem, step, base, sid)
    pattern, _ = cell_at(problem, point)
    return {"risk": actual, "below": base.facts["value"], "pattern": pattern}


def check_gradient_zero(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    _cited(step, done, "cell", sid)
    limits.check_jet(problem, sid, hessian=False)
    jet = _jet(problem, 1, sid)
    nonzero = sorted((a, v) for a, v in jet.grad.items() if v != 0)
    if nonzero:
        a, v = nonzero[0]
        raise Invalid(
            f"the gradient is not zero (parameter {a} and {len(nonzero) - 1} more)",
            step=sid,
            expected="0",
            derived=show(v),
            difference=show(v),
        )
    return {}


def check_hessian_pd(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    _cited(step, done, "cell", sid)
    limits.check_jet(problem, sid, hessian=True)
    claimed = vector(step["pivots"], f"{sid}.pivots", problem.num_parameters)
    pivots = ldl_pivots(dense_hessian(_jet(problem, 2, sid), problem.num_parameters))
    if pivots[-1] <= 0:
        raise Invalid(
            f"LDL^T pivot {len(pivots) - 1} is not positive: the Hessian is not positive definite",
            step=sid,
            expected="> 0",
            derived=show(pivots[-1]),
        )
    for k, (c, p) in enumerate(zip(claimed, pivots, strict=True)):
        if c != p:
            raise Invalid(
                f"LDL^T pivot {k} differs",
                step=sid,
                expected=show(c),
                derived=show(p),
                difference=show(p - c),
            )
    return {}


def _jet(problem: Problem, order: int, sid: str):  # type: ignore[no-untyped-def]
    try:
        return risk_jet(problem, order)
    except Invalid as exc:
        raise Invalid(f"R is not smooth enough at the point: {exc}", step=sid) from None


def check_descent_direction(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    direction = vector(step["direction"], f"{sid}.direction", problem.num_parameters)
    order = integer(step["order"], f"{sid}.order", 1)
    claimed = rational(step["coefficient"], f"{sid}.coefficient")
    poly = risk_on_line(problem, direction)
    base = risk(problem, problem.point)
    if poly[0] != base:  # continuity makes these equal; a mismatch is a checker bug, fail closed
        raise Invalid("internal: R(theta + 0 d) differs from R(theta)", step=sid)
    lowest = next((k for k in range(1, len(poly)) if poly[k] != 0), None)
    if lowest is None:
        raise Invalid(
            "R is constant along the direction for small t",
            step=sid,
            expected=f"{show(claimed)} t^{order}",
            derived="0",
        )
    if (lowest, poly[lowest]) != (order, claimed):
        raise Invalid(
            "the lowest-order term of R(theta + t d) - R(theta) differs",
            step=sid,
            expected=f"{show(claimed)} t^{order}",
            derived=f"{show(poly[lowest])} t^{lowest}",
        )
    if sign_near_zero([poly[lowest]]) >= 0:
        raise Invalid(
            "the lowest-order coefficient is not negative: no descent",
            step=sid,
            derived=show(poly[lowest]),
        )
    return {"order": order, "coefficient": claimed}


def check_delegated_smt(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    text, statement = step["smtlib"], step["statement"]
    if not isinstance(text, str) or not text.strip() or not isinstance(statement, str):
        raise Invalid("smtlib and statement must be non-empty strings", step=sid)
    solvers = step["solvers"]
    if not isinstance(solvers, list):
        raise Invalid("solvers must be a list", step=sid)
    unsat = set()
    for k, entry in enumerate(solvers):
        entry = exact_keys(entry, f"{sid}.solvers[{k}]", {"name", "version", "answer"})
        if not all(isinstance(entry[key], str) for key in entry):
            raise Invalid(f"{sid}.solvers[{k}]: name, version and answer are strings")
        if entry["answer"] == "unsat":
            unsat.add(entry["name"])
    if len(unsat) < 2:
        raise Invalid(
            "fewer than two different solvers answered unsat",
            step=sid,
            expected=">= 2",
            derived=len(unsat),
        )
    return {
        "trust_gap": f"{sid}: {statement} (answered unsat by {', '.join(sorted(unsat))})",
        "smt_queries": ((sid, text),),  # what `check --solvers` re-runs to close the gap
    }


# --- paths (sections 3.10-3.12) ------------------------------------------------------------


def check_path(problem: Problem, step: dict[str, Any], done: Steps, sid: str) -> dict[str, Any]:
    denominator = step["denominator"]
    numerators = step["numerators"]
    if not isinstance(numerators, list) or len(numerators) != problem.num_parameters:
        raise Invalid(f"numerators: expected {problem.num_parameters} polynomials", step=sid)
    raw = [denominator, *numerators]
    limits.check_path_degree(max(len(p) if isinstance(p, list) else 0 for p in raw) - 1, sid)
    denominator = vector(denominator, f"{sid}.denominator")
    polys = [vector(p, f"{sid}.numerators[{a}]") for a, p in enumerate(numerators)]
    if not denominator or any(not p for p in polys):
        raise Invalid("a polynomial needs at least one coefficient", step=sid)
    if not paths.nonnegative_on_unit_interval(denominator, strict=True):
        raise Invalid("the denominator q(t) is not proved positive on [0, 1]", step=sid)
    q0 = denominator[0]
    start = [p[0] for p in polys] if q0 == 1 else [p[0] / q0 for p in polys]
    if start != problem.point:
        a = next(k for k, (u, v) in enumerate(zip(start, problem.point, strict=True)) if u != v)
        raise Invalid(
            f"theta(0) differs from the point in parameter {a}",
            step=sid,
            expected=show(problem.point[a]),
            derived=show(start[a]),
        )
    moving = (not paths.is_zero(p_add(p_scale(p, q0), p_scale(denominator, -p[0]))) for p in polys)
    if not any(moving):
        raise Invalid("the path is constant: theta(t) = theta(0) for every t", step=sid)
    degree = max(len(p) for p in [denominator, *polys]) - 1
    q1 = sum(denominator, Fraction(0))  # a polynomial at t = 1 is the sum of its coefficients
    end = [sum(p, Fraction(0)) / q1 for p in polys]
    return {"denominator": denominator, "numerators": polys, "degree": degree, "end": end}


def check_path_in_cell(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    path = _cited(step, done, "path", sid)
    cell = _cited(step, done, "cell", sid)
    limits.check_path_work(problem, path.facts["degree"], sid)
    margin = rational(step["margin"], f"{sid}.margin")
    if margin <= 0:
        raise Invalid(f"the margin bound must be positive, got {show(margin)}", step=sid)
    pattern = cell.facts["pattern"]
    where, outputs, denominator = paths.path_exit(
        problem, path.facts["denominator"], path.facts["numerators"], pattern, margin
    )
    if where is not None:
        j, r, i = where
        raise Invalid(
            f"layer {j + 1} neuron {r} sample {i}: not proved to stay {show(margin)} inside "
            f"piece {pattern[j][r][i]} for all t in [0, 1]",
            step=sid,
        )
    return {
        "margin": margin,
        "path": path.id,
        "cell": cell.id,
        "outputs": outputs,
        "output_denominator": denominator,
    }


def check_outputs_constant_on_path(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    inside = _cited(step, done, "path_in_cell", sid)
    path = done[inside.facts["path"]]
    denominator = inside.facts["output_denominator"]
    start = forward(problem, problem.point).outputs
    for i, (numerators, f0) in enumerate(zip(inside.facts["outputs"], start, strict=True)):
        for k, (numerator, value) in enumerate(zip(numerators, f0, strict=True)):
            residue = paths.output_residue(numerator, denominator, value)
            if not paths.is_zero(residue):
                raise Invalid(
                    f"sample {i} output {k} changes along the path",
                    step=sid,
                    expected=f"f(theta(t)) = {show(value)} for all t",
                    derived=f"numerator - f(0) denominator = "
                    f"{[show(Fraction(v, value.denominator)) for v in residue]}",
                )
    return {"path": path.id, "path_in_cell": inside.id}


def radius_within(step: dict[str, Any], box: Verified, sid: str) -> Fraction:
    """The step's ``radius``: 0 < rho <= the radius of the cited box step (3.11-3.13, 3.20, 3.21)."""
    return radius_at_most(rational(step["radius"], f"{sid}.radius"), box, sid)


def radius_at_most(rho: Fraction, box: Verified, sid: str) -> Fraction:
    """0 < rho <= the radius of the cited box step (a derived radius: no length limit)."""
    if not 0 < rho <= box.facts["radius"]:
        raise Invalid(
            f"the radius must be positive and at most the {box.kind} radius",
            step=sid,
            expected=f"(0, {show(box.facts['radius'])}]",
            derived=show(rho),
        )
    return rho


def simplified_flag(step: dict[str, Any], sid: str) -> bool:
    """The optional ``simplified`` of 3.11.1: a JSON boolean, false when absent."""
    simplified = step.get("simplified", False)
    if not isinstance(simplified, bool):
        raise Invalid(f"simplified must be true or false, got {brief(simplified)}", step=sid)
    return simplified


def canonical_box_query(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> tuple[Verified, Fraction]:
    """The checks shared by the in-cell SMT steps (3.11, 3.22): the cited cell and the
    box_in_cell citing it, 0 < radius <= the box's, and ``smtlib`` equal to the canonical query
    (3.11, or 3.11.1 when ``simplified``). Returns the cell step and the radius."""
    cell = _cited(step, done, "cell", sid)
    box = _cited(step, done, "box_in_cell", sid)
    if box.facts["cell"] != cell.id:
        raise Invalid("the box_in_cell step it cites must cite the same cell", step=sid)
    rho = radius_within(step, box, sid)
    simplified = simplified_flag(step, sid)
    expected = smt_query.no_lower_point_query(
        problem, cell.facts["pattern"], rho, simplified=simplified
    )
    if step["smtlib"] != expected:
        raise Invalid(
            "the SMT-LIB text is not the canonical query for this point, cell and radius", step=sid
        )
    return cell, rho


def check_smt_no_lower_point(
    problem: Problem, step: dict[str, Any], done: Steps, sid: str
) -> dict[str, Any]:
    cell, rho = canonical_box_query(problem, step, done, sid)
    gap = check_delegated_smt(
        problem, {**step, "statement": "no lower point in the box"}, done, sid
    )
    return {
        "radius": rho,
        "trust_gap": gap["trust_gap"],
        "smt_queries": gap["smt_queries"],
        "cell": cell.id,
    }


@dataclass(frozen=True)
class StepKind:
    fields: frozenset[str]
    optional: frozenset[str]
    verify: Callable[[Problem, dict[str, Any], Steps, str], dict[str, Any]]
    cites: frozenset[str] = frozenset()  # the kinds of the earlier steps it may cite in "uses"
    since: int = 0  # the minor version of format 1 that introduced the kind


STEP_KINDS: dict[str, StepKind] = {
    "risk": StepKind(frozenset({"value"}), frozenset(), check_risk),
    "cell": StepKind(frozenset({"pattern", "margin"}), frozenset(), check_cell),
    "box_in_cell": StepKind(
        frozenset({"radius", "uses"}), frozenset(), check_box_in_cell, frozenset({"cell"})
    ),
    "affine_regression_optimal": StepKind(
        frozenset({"W", "b"}), frozenset({"subgradients"}), check_affine_regression_optimal
    ),
    "lower_point": StepKind(
        frozenset({"point", "risk", "uses"}), frozenset(), check_lower_point, frozenset({"risk"})
    ),
    "gradient_zero": StepKind(
        frozenset({"uses"}), frozenset(), check_gradient_zero, frozenset({"cell"})
    ),
    "hessian_pd": StepKind(
        frozenset({"pivots", "uses"}), frozenset(), check_hessian_pd, frozenset({"cell"})
    ),
    "descent_direction": StepKind(
        frozenset({"direction", "order", "coefficient"}), frozenset(), check_descent_direction
    ),
    "path": StepKind(frozenset({"denominator", "numerators"}), frozenset(), check_path),
    "path_in_cell": StepKind(
        frozenset({"uses", "margin"}), frozenset(), check_path_in_cell, frozenset({"path", "cell"})
    ),
    "outputs_constant_on_path": StepKind(
        frozenset({"uses"}),
        frozenset(),
        check_outputs_constant_on_path,
        frozenset({"path_in_cell"}),
    ),
    "delegated_smt": StepKind(
        frozenset({"smtlib", "solvers", "statement"}), frozenset(), check_delegated_smt
    ),
    "box_near_boundary": StepKind(frozenset({"radius"}), frozenset(), check_box_near_boundary),
    "convex_lower_bound": StepKind(
        frozenset({"blocks", "outputs", "subgradients", "bound"}),
        frozenset(),
        check_convex_lower_bound,
    ),
    "smt_boundary_no_lower_point": StepKind(
        frozenset({"uses", "radius", "queries"}),
        frozenset(),
        check_smt_boundary,
        frozenset({"box_near_boundary"}),
    ),
    "smt_no_lower_point": StepKind(
        frozenset({"uses", "radius", "smtlib", "solvers"}),
        frozenset({"simplified"}),
        check_smt_no_lower_point,
        frozenset({"cell", "box_in_cell"}),
    ),
    "neuron_regions": StepKind(frozenset({"regions", "pruned"}), frozenset(), check_neuron_regions),
    "smt_adjacent_no_lower_point": StepKind(
        frozenset({"uses", "radius", "queries", "pruned"}),
        frozenset({"simplified"}),
        check_smt_adjacent,
        frozenset({"box_near_boundary"}),
        since=1,
    ),
    "smt_one_solver_no_lower_point": StepKind(
        frozenset({"uses", "radius", "smtlib", "solvers"}),
        frozenset({"simplified"}),
        check_smt_one_solver,
        frozenset({"cell", "box_in_cell"}),
        since=1,
    ),
    "adjacent_regions": StepKind(
        frozenset({"neurons"}), frozenset(), check_adjacent_regions, since=1
    ),
    "constant_regression_optimal": StepKind(
        frozenset({"b", "uses"}),
        frozenset({"subgradients"}),
        check_constant_regression_optimal,
        frozenset({"cell"}),
        since=1,
    ),
    "lower_point_in_cell": StepKind(
        frozenset({"point", "risk", "uses"}),
        frozenset(),
        check_lower_point_in_cell,
        frozenset({"risk", "cell"}),
        since=1,
    ),
    "neuron_regions_sparse": StepKind(
        frozenset({"regions", "values", "farkas", "pruned"}),
        frozenset(),
        check_neuron_regions_sparse,
        since=1,
    ),
    "convex_cover_near_boundary": StepKind(
        frozenset({"uses"}),
        frozenset(),
        check_convex_cover_near_boundary,
        frozenset({"box_near_boundary", "risk", "convex_lower_bound"}),
        since=1,
    ),
    "minimum_in_box": StepKind(
        frozenset({"uses", "radius", "mu"}),
        frozenset(),
        check_minimum_in_box,
        frozenset({"cell", "box_in_cell"}),
        since=1,
    ),
    "lifted_gradient_zero": StepKind(
        frozenset({"ties"}), frozenset({"subgradients"}), check_lifted_gradient_zero, since=1
    ),
    "limit_family": StepKind(
        frozenset({"base", "growth", "vanishing", "limit_risk"}),
        frozenset(),
        check_limit_family,
        since=1,
    ),
    "unattainable_outputs": StepKind(
        frozenset({"outputs", "covers"}), frozenset(), check_unattainable_outputs, since=1
    ),
    "minimum_in_box_on_face": StepKind(
        frozenset({"uses", "radius", "mu"}),
        frozenset(),
        check_minimum_on_face,
        frozenset({"box_near_boundary"}),
        since=1,
    ),
    "lifted_minimum_in_box": StepKind(
        frozenset({"uses", "free", "radius", "mu"}),
        frozenset(),
        check_lifted_minimum_in_box,
        frozenset({"box_in_cell", "box_near_boundary"}),
        since=1,
    ),
    "affine_minimum_in_box": StepKind(
        frozenset({"uses", "free", "radius", "mu"}),
        frozenset(),
        check_affine_minimum_in_box,
        frozenset({"cell", "box_in_cell"}),
        since=1,
    ),
    "risk_bounds": StepKind(frozenset({"lower", "upper"}), frozenset(), check_risk_bounds, since=1),
    "escape_ray": StepKind(
        frozenset({"direction", "radius"}), frozenset(), check_escape_ray, since=1
    ),
    "lower_point_below": StepKind(
        frozenset({"point", "upper", "uses"}),
        frozenset(),
        check_lower_point_below,
        frozenset({"risk_bounds"}),
        since=1,
    ),
}
"""Step kind -> its fields, verifier and the kinds it may cite: the table of section 3."""

"""Step ``lower_point_in_cell`` (docs/certificate.md 3.18, since 1.1): a point of strictly lower
risk than theta* in the closure of theta*'s cell, so theta* does not minimise R over its cell
(the refutation of ``cell_global_min``)."""

from __future__ import annotations

from typing import Any

from .numbers import show
from .problem import Problem, forward
from .result import Invalid


def check_lower_point_in_cell(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    """R(point) = ``risk`` < the cited risk step's value, and every hidden pre-activation of the
    point lies in the closed piece the cited ``cell`` step gives (breakpoints included).

    One hidden layer only: there the open cell is a non-empty product of open polyhedra, one per
    neuron, and its closure is exactly the set of points with every pre-activation in its closed
    piece. From two hidden layers on the constraints are multilinear and that set can be strictly
    larger than the closure (tests/unit/test_lower_point_in_cell_depth.py has an instance)."""
    if len(problem.widths) != 3:
        raise Invalid(
            "lower_point_in_cell needs one hidden layer: with more, a point whose pre-activations "
            "lie in the cell's closed pieces need not lie in the closure of the cell",
            step=sid,
            derived=f"widths {problem.widths}",
        )
    uses = step.get("uses", [])
    cited = {
        kind: [done[u] for u in uses if u in done and done[u].kind == kind]
        for kind in ("risk", "cell")
    }
    if any(len(found) != 1 for found in cited.values()) or len(uses) != 2:
        raise Invalid('must cite exactly one earlier "risk" step and one "cell" step', step=sid)
    base, cell = cited["risk"][0], cited["cell"][0]
    from .steps import lower_risk  # steps.py registers this module

    point, actual = lower_risk(problem, step, base, sid)
    act = problem.activation
    pattern = cell.facts["pattern"]
    for j, layer in enumerate(forward(problem, point).pre):
        for r, neuron in enumerate(layer):
            for i, z in enumerate(neuron):
                lower, upper = act.bounds(pattern[j][r][i])
                if (lower is not None and z < lower) or (upper is not None and z > upper):
                    raise Invalid(
                        f"layer {j + 1} neuron {r} sample {i}: the point's pre-activation is "
                        f"outside the closed piece {pattern[j][r][i]} of the cell",
                        step=sid,
                        expected=f"in [{_end(lower)}, {_end(upper)}]",
                        derived=show(z),
                    )
    return {"risk": actual, "below": base.facts["value"], "cell": cell.id}


def _end(value: Any) -> str:
    return "unbounded" if value is None else show(value)

"""Section 3.22 of docs/certificate.md: ``smt_one_solver_no_lower_point`` (since 1.1).

The query of 3.11 (or 3.11.1) answered unsat by ONE solver, with no solver answering sat: a
weaker trust level than two solvers, which a producer writes only when its user asked for it.
The checker accepts it and labels its trust gap "one solver", so that the weaker level is never
silent.
"""

from __future__ import annotations

from typing import Any

from . import smt_query
from .numbers import brief, exact_keys, rational, show
from .problem import Problem
from .result import Invalid


def check_smt_one_solver(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    from .steps import _cited  # steps.py registers this module

    cell = _cited(step, done, "cell", sid)
    box = _cited(step, done, "box_in_cell", sid)
    if box.facts["cell"] != cell.id:
        raise Invalid("the box_in_cell step it cites must cite the same cell", step=sid)
    rho = rational(step["radius"], f"{sid}.radius")
    if not 0 < rho <= box.facts["radius"]:
        raise Invalid(
            "the radius must be positive and at most the box_in_cell radius",
            step=sid,
            expected=f"(0, {show(box.facts['radius'])}]",
            derived=show(rho),
        )
    simplified = step.get("simplified", False)
    if not isinstance(simplified, bool):
        raise Invalid(f"simplified must be true or false, got {brief(simplified)}", step=sid)
    expected = smt_query.no_lower_point_query(
        problem, cell.facts["pattern"], rho, simplified=simplified
    )
    if step["smtlib"] != expected:
        raise Invalid(
            "the SMT-LIB text is not the canonical query for this point, cell and radius", step=sid
        )
    solvers = step["solvers"]
    if not isinstance(solvers, list):
        raise Invalid("solvers must be a list", step=sid)
    answers: dict[str, set[str]] = {}
    for k, entry in enumerate(solvers):
        entry = exact_keys(entry, f"{sid}.solvers[{k}]", {"name", "version", "answer"})
        if not all(isinstance(entry[key], str) for key in entry):
            raise Invalid(f"{sid}.solvers[{k}]: name, version and answer are strings")
        answers.setdefault(entry["answer"], set()).add(entry["name"])
    if "sat" in answers:
        raise Invalid(f"a solver answered sat: {sorted(answers['sat'])}", step=sid)
    if not answers.get("unsat"):
        raise Invalid("no solver answered unsat", step=sid, expected=">= 1", derived=0)
    names = ", ".join(sorted(answers["unsat"]))
    return {
        "radius": rho,
        "cell": cell.id,
        "trust_gap": f"{sid}: ONE SOLVER (a trust level asked for): no lower point in the box "
        f"(answered unsat by {names} only)",
        "smt_queries": ((sid, step["smtlib"]),),  # `check --solvers` re-runs it on both solvers
    }

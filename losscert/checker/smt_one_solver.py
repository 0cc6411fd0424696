"""Section 3.22 of docs/certificate.md: ``smt_one_solver_no_lower_point`` (since 1.1).

The query of 3.11 (or 3.11.1) answered unsat by ONE solver, with no solver answering sat: a
weaker trust level than two solvers, which a producer writes only when its user asked for it.
The checker accepts it and labels its trust gap "one solver", so that the weaker level is never
silent.
"""

from __future__ import annotations

from typing import Any

from .numbers import exact_keys
from .problem import Problem
from .result import Invalid


def check_smt_one_solver(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    from .steps import canonical_box_query  # steps.py registers this module

    cell, rho = canonical_box_query(problem, step, done, sid)
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

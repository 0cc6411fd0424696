"""SMT backends: the adapter table and the re-run of a certificate's delegated SMT steps.

The chain for one delegated step: its ``smtlib`` text -> every adapter in :data:`ADAPTERS`, each
in its own process with a hard time limit (``base.run_isolated``) -> one :class:`SmtAnswer` per
solver. The solvers of one step run side by side.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from losscert.backends.base import SmtAnswer, SolverAdapter
from losscert.backends.cvc5_adapter import Cvc5Adapter
from losscert.backends.z3_adapter import Z3Adapter
from losscert.errors import InputError

__all__ = [
    "ADAPTERS",
    "SmtAnswer",
    "rerun_delegated_answers",
    "rerun_delegated_steps",
    "solve_with_all",
]

DELEGATED_KINDS = ("delegated_smt", "smt_no_lower_point", "smt_one_solver_no_lower_point")
"""Certificate step kinds whose SMT-LIB text the solvers answered (the checker's trust gaps)."""
BOUNDARY_KINDS = ("smt_boundary_no_lower_point", "smt_adjacent_no_lower_point")
"""Step kinds holding one query per adjacent cell in ``queries`` (each re-run on its own)."""

ADAPTERS: dict[str, type[SolverAdapter]] = {"z3": Z3Adapter, "cvc5": Cvc5Adapter}
"""Solver name -> adapter class: the solvers `losscert check --solvers` re-runs."""


def solve_with_all(text: str, timeout: float) -> dict[str, SmtAnswer]:
    """{solver name: answer} of every adapter on ``text``, run concurrently.

    The threads only wait on the solver processes. Raises :class:`InputError` for a timeout that
    is not a positive number; never for a solver's sake.
    """
    adapters = [cls() for cls in ADAPTERS.values()]
    with ThreadPoolExecutor(max_workers=len(adapters)) as pool:
        futures = {a.name: pool.submit(a.solve_smtlib, text, timeout) for a in adapters}
        return {name: future.result() for name, future in futures.items()}


def _delegated_steps(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the certificate: {exc}") from exc
    evidence = document.get("evidence", []) if isinstance(document, dict) else []
    out = [s for s in evidence if isinstance(s, dict) and s.get("kind") in DELEGATED_KINDS]
    for step in evidence:  # boundary steps: one query per adjacent cell, each re-run
        if isinstance(step, dict) and step.get("kind") in BOUNDARY_KINDS:
            queries = step.get("queries")
            for k, query in enumerate(queries if isinstance(queries, list) else []):
                text = query.get("smtlib") if isinstance(query, dict) else None
                out.append({"id": f"{step.get('id')}.queries[{k}]", "smtlib": text})
    return out


def rerun_delegated_answers(
    path: str | Path, *, timeout: float = 60.0
) -> dict[str, dict[str, SmtAnswer]]:
    """{step id: {solver name: answer}} for every delegated_smt step of the certificate at ``path``.

    A step whose ``smtlib`` is not a string is answered "error" by every solver. Raises
    :class:`InputError` if the file is not readable JSON.
    """
    out: dict[str, dict[str, SmtAnswer]] = {}
    for step in _delegated_steps(Path(path)):
        text = step.get("smtlib")
        if isinstance(text, str):
            out[str(step.get("id"))] = solve_with_all(text, timeout)
        else:
            why = f"step {step.get('id')!r}: smtlib is {type(text).__name__}, not a string"
            out[str(step.get("id"))] = {n: c().answer("error", why) for n, c in ADAPTERS.items()}
    return out


def rerun_delegated_steps(path: str | Path, *, timeout: float = 60.0) -> dict[str, dict[str, str]]:
    """{step id: {solver name: status}}; a status is "sat", "unsat", "unknown", "unavailable" or
    "error", and only "unsat" confirms a step. See :func:`rerun_delegated_answers` for reasons."""
    answers = rerun_delegated_answers(path, timeout=timeout)
    return {sid: {name: a.status for name, a in step.items()} for sid, step in answers.items()}

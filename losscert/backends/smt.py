"""SMT backends: the adapter table and the re-run of a certificate's delegated SMT steps.

The chain for one delegated step: its ``smtlib`` text -> every adapter in :data:`ADAPTERS`, each
in its own process with a hard time limit (``base.run_isolated``) -> one :class:`SmtAnswer` per
solver. The solvers of one step run side by side.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from losscert.backends.base import SmtAnswer, SolverAdapter
from losscert.backends.cvc5_adapter import Cvc5Adapter
from losscert.backends.z3_adapter import Z3Adapter
from losscert.checker import CheckResult, check_certificate
from losscert.errors import InputError

__all__ = [
    "ADAPTERS",
    "SmtAnswer",
    "open_gaps",
    "rerun_delegated_answers",
    "rerun_delegated_steps",
    "rerun_gap_queries",
    "solve_with_all",
]

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


def rerun_gap_queries(
    result: CheckResult, *, timeout: float = 60.0
) -> dict[str, dict[str, SmtAnswer]]:
    """{query label: {solver name: answer}} for every query a trust gap of ``result`` rests on.

    The queries are the ones the checker verified (``result.gap_queries``), so every step kind
    that carries a trust gap is covered: ``delegated_smt`` and ``smt_no_lower_point`` (labelled
    by step id) and each query of ``smt_boundary_no_lower_point`` (labelled
    ``step.queries[k] (sides ...)``). A gap with no query text is answered "error" by every solver:
    it cannot be closed. Raises :class:`InputError` for a result that is not valid.
    """
    if not result.valid:
        raise InputError(f"only a valid certificate has trust gaps to close: {result.status}")
    out: dict[str, dict[str, SmtAnswer]] = {}
    for step_id, label, text in result.gap_queries:
        if text:
            out[label] = solve_with_all(text, timeout)
        else:
            why = f"step {step_id!r}: a trust gap with no SMT query to re-run"
            out[label] = {n: c().answer("error", why) for n, c in ADAPTERS.items()}
    return out


def rerun_delegated_answers(
    path: str | Path, *, timeout: float = 60.0
) -> dict[str, dict[str, SmtAnswer]]:
    """:func:`rerun_gap_queries` for the certificate at ``path``, checked first.

    Raises :class:`InputError` if the checker does not find the file valid (its message kept).
    """
    result = check_certificate(path)
    if not result.valid:
        raise InputError(f"{path}: {result.status}: {result.message}")
    return rerun_gap_queries(result, timeout=timeout)


def rerun_delegated_steps(path: str | Path, *, timeout: float = 60.0) -> dict[str, dict[str, str]]:
    """{query label: {solver name: status}}; a status is "sat", "unsat", "unknown", "unavailable"
    or "error", and only "unsat" confirms a query. See :func:`rerun_delegated_answers`."""
    answers = rerun_delegated_answers(path, timeout=timeout)
    return statuses(answers)


def statuses(answers: dict[str, dict[str, SmtAnswer]]) -> dict[str, dict[str, str]]:
    return {label: {name: a.status for name, a in step.items()} for label, step in answers.items()}


def open_gaps(reruns: dict[str, dict[str, str]]) -> list[str]:
    """One line per query that the re-run did not close (every solver must answer unsat):
    "refuted" when a solver answered sat, else "not closed" with the solvers' statuses."""
    lines = []
    for label, answers in reruns.items():
        if answers and all(status == "unsat" for status in answers.values()):
            continue
        shown = ", ".join(f"{name} {status}" for name, status in answers.items()) or "no solver"
        what = "refuted" if "sat" in answers.values() else "not closed"
        lines.append(f"{label}: {what} ({shown})")
    return lines

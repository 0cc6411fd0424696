"""Building certificates (docs/certificate.md) from losscert objects, and failing closed.

Every producer of a PROVED or REFUTED verdict goes through :func:`certified`, which runs the
independent checker on the certificate first: a certificate the checker rejects never becomes a
proof, it becomes UNKNOWN("checker_rejected") with the checker's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from losscert import checker
from losscert.errors import UnsupportedError
from losscert.io.json_files import write_json_atomic
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.verdict import CHECKED, Status, Verdict

FORMAT = "losscert-certificate"
VERSION = 1
CHECKABLE_LOSSES = (
    "squared",
    "squared_half",
    "absolute",
    "hinge",
    "huber",
    "logistic",
    "softmax_cross_entropy",
)


def rationals(values: Sequence[Fraction | int]) -> list[str]:
    return [rational_string(v) for v in values]


def problem_section(problem: Problem) -> dict[str, Any]:
    """The ``problem`` section: widths, activation pieces, loss, inline data and the point."""
    loss = problem.loss
    if loss.kind not in CHECKABLE_LOSSES:
        raise UnsupportedError(f"certificate version 1 has no checker for the {loss.kind} loss")
    act = problem.network.activation
    loss_spec: dict[str, Any] = {"kind": loss.kind}
    if loss.delta is not None:
        loss_spec["delta"] = rational_string(loss.delta)
    return {
        "widths": list(problem.network.widths),
        "activation": {
            "breakpoints": rationals(act.breakpoints),
            "slopes": rationals(act.slopes),
            "intercepts": rationals(act.intercepts),
        },
        "loss": loss_spec,
        "data": {
            "inputs": [rationals(row) for row in problem.data.input_rows()],
            "labels": [rationals(row) for row in problem.data.label_rows()],
        },
        "point": rationals(problem.network.parameter_vector()),
    }


def new_certificate(
    problem: Problem,
    claim: str,
    evidence: list[dict[str, Any]],
    provenance: dict[str, Any] | None = None,
    *,
    section: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A certificate document. ``section``: ``problem_section(problem)`` made earlier, for a
    producer that writes several certificates of one problem (each gets its own copy)."""
    from losscert import __version__

    minor = checker.minor_needed(claim, evidence, problem.loss.kind)
    return {
        "format": FORMAT,
        "version": VERSION,
        **({"minor": minor} if minor else {}),
        "problem": problem_section(problem) if section is None else _copy(section),
        "claim": {"kind": claim},
        "evidence": evidence,
        "provenance": {"tool": f"losscert {__version__}", **(provenance or {})},
    }


def _copy(value: Any) -> Any:
    """A copy of nested lists and dicts (strings and numbers are immutable and shared)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def certified(claim: str, status: Status, certificate: dict[str, Any], **stats: Any) -> Verdict:
    """A PROVED / REFUTED verdict, but only after the checker accepted ``certificate``."""
    return certified_in(None, claim, status, certificate, **stats)


def certified_in(
    session: checker.Session | None,
    claim: str,
    status: Status,
    certificate: dict[str, Any],
    **stats: Any,
) -> Verdict:
    """:func:`certified`, checked in ``session``: a checker session shared by the certificates
    of one problem (the verdict is the one the certificate gets alone; the problem is read and
    evaluated once)."""
    result = checker.check_document(certificate, session=session)
    if not result.valid:
        return Verdict(Status.UNKNOWN, claim, None, "checker_rejected", result.message, dict(stats))
    return Verdict(status, claim, certificate, None, result.message, dict(stats), checked=CHECKED)


def write_certificate(certificate: dict[str, Any], path: str | Path) -> None:
    """Write atomically (``*.cert.json`` by convention, so the pytest plugin collects it)."""
    write_json_atomic(certificate, Path(path))

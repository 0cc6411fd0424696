"""Running Theorem 1 audits over instances and reporting them as a verdict table.

Instances are independent units of work: :func:`run_audits` maps them over any
``concurrent.futures.Executor`` (a process pool by default in the CLI), shows progress, and writes
each instance's certificates as soon as it is done, so an interrupted run keeps what finished.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from losscert.model.rationals import rational_string
from losscert.progress import Progress
from losscert.theorems.instances import Instance
from losscert.theorems.theorem1 import Theorem1Audit, audit_theorem1
from losscert.verifier.certificate import write_certificate
from losscert.verifier.verdict import Status

CLAIMS = ("local_min", "spurious_local_min", "valley", "global_min")


@dataclass(frozen=True)
class AuditOutcome:
    audit: Theorem1Audit
    expected: tuple[str, ...] | None  # None: no planted outcome (a user instance)
    failure: str | None  # why the planted outcome was not met

    @property
    def as_expected(self) -> bool:
        return self.failure is None


def audit_instance(instance: Instance) -> AuditOutcome:
    audit = audit_theorem1(
        instance.data(), instance.widths, instance.activation, instance.loss, name=instance.name
    )
    expected = instance.expect if instance.planted else None
    return AuditOutcome(audit, expected, _mismatch(instance, audit))


def _mismatch(instance: Instance, audit: Theorem1Audit) -> str | None:
    rejected = [c for c, v in audit.verdicts.items() if v.reason == "checker_rejected"]
    if rejected:
        return f"the checker rejected the certificate of {', '.join(rejected)}"
    if not instance.planted:
        return None
    proved = {c for c, v in audit.verdicts.items() if v.status is Status.PROVED}
    missing = [c for c in instance.expect if c not in proved]
    if missing:
        details = "; ".join(
            f"{c}: {audit.verdicts[c].detail}" if c in audit.verdicts else f"{c}: not attempted"
            for c in missing
        )
        return f"expected PROVED {', '.join(missing)} ({details})"
    unexpected = [c for c in proved if c not in instance.expect and c == "spurious_local_min"]
    if unexpected:
        return "a spurious local minimum was proved where none was planted"
    if instance.fails is not None and instance.fails not in {
        a.name for a in audit.assumptions.failing()
    }:
        return f"assumption {instance.fails!r} should fail but was reported to hold"
    return None


def run_audits(
    instances: Iterable[Instance],
    executor: Executor | None,
    out_dir: Path | None,
    progress: Callable[[str], None] | None = None,
) -> list[AuditOutcome]:
    items = list(instances)
    results = (
        executor.map(audit_instance, items) if executor is not None else map(audit_instance, items)
    )
    outcomes = []
    ticker = Progress(progress or (lambda _line: None), "audit", len(items), every=0)
    try:
        for k, outcome in enumerate(results, start=1):
            if out_dir is not None:
                write_outcome(outcome, out_dir)
            outcomes.append(outcome)
            ticker.update(k, f"{outcome.audit.name}: {'ok' if outcome.as_expected else 'MISMATCH'}")
    except KeyboardInterrupt as exc:  # the finished outcomes go with it (as in losscert bench)
        exc.outcomes = outcomes  # type: ignore[attr-defined]
        raise
    return outcomes


def write_outcome(outcome: AuditOutcome, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for claim, verdict in outcome.audit.verdicts.items():
        if verdict.certificate is not None:
            path = out_dir / f"{outcome.audit.name}.{claim}.cert.json"
            write_certificate(verdict.certificate, path)
            written.append(path)
    return written


def outcome_to_dict(outcome: AuditOutcome) -> dict[str, Any]:
    audit = outcome.audit

    def q(value: Any) -> str | None:
        return None if value is None else rational_string(value)

    return {
        "name": audit.name,
        "widths": list(audit.widths),
        "activation": audit.activation,
        "loss": audit.loss,
        "n": audit.n,
        "assumptions": [
            {"name": a.name, "holds": a.holds, "detail": a.detail} for a in audit.assumptions.items
        ],
        "verdicts": {
            c: {"status": v.status.value, "reason": v.reason, "detail": v.detail}
            for c, v in audit.verdicts.items()
        },
        "stage1_risk": q(audit.stage1_risk),
        "witness_risk": q(audit.witness_risk),
        "gap": q(audit.gap),
        "radius": q(audit.radius),
        "seconds": round(audit.seconds, 4),
        "notes": audit.notes,
        "expected": list(outcome.expected) if outcome.expected is not None else None,
        "as_expected": outcome.as_expected,
        "failure": outcome.failure,
    }


def format_table(outcomes: list[AuditOutcome]) -> str:
    header = [
        "instance",
        "widths",
        "n",
        "assumptions",
        *CLAIMS,
        "R(stage 1)",
        "R(witness)",
        "gap",
        "radius",
        "time",
    ]
    rows = [header]
    for outcome in outcomes:
        audit = outcome.audit
        failing = [a.name.split(" ")[0] for a in audit.assumptions.failing()]
        cells = [
            audit.name,
            "-".join(map(str, audit.widths)),
            str(audit.n),
            "all hold" if not failing else "fail: " + ",".join(failing),
            *(_claim_cell(audit, c) for c in CLAIMS),
            _approx(audit.stage1_risk),
            _approx(audit.witness_risk),
            _approx(audit.gap),
            _approx(audit.radius),
            f"{audit.seconds:.2f}s",
        ]
        rows.append(cells)
    widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for outcome in outcomes:
        if not outcome.as_expected:
            lines.append(f"MISMATCH {outcome.audit.name}: {outcome.failure}")
    return "\n".join(lines)


def _claim_cell(audit: Theorem1Audit, claim: str) -> str:
    verdict = audit.verdicts.get(claim)
    if verdict is None:
        return "-"
    return verdict.status.value.upper() if verdict.reason is None else f"UNKNOWN({verdict.reason})"


def _approx(value: Any) -> str:
    return "-" if value is None else f"{float(value):.4g}"


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

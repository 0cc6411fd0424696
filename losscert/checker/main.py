"""The checker's main routine: it follows docs/certificate.md section by section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import exp_losses, limits
from .claims import CLAIM_SINCE, conclude, read_claim
from .numbers import brief, exact_keys, load_json, reject_floats
from .problem import Problem
from .result import CheckResult, Invalid, Unreadable
from .session import Session
from .steps import STEP_KINDS, Steps, Verified

FORMAT = "losscert-certificate"
VERSION = 1
MINOR = 1
"""The newest minor version read: a file without "minor" is 1.0; step and claim kinds added in
1.N are accepted only from files that declare "minor" >= N (section 1)."""
MAX_BYTES = 64 * 1024 * 1024


def check_certificate(path: str | Path, session: Session | None = None) -> CheckResult:
    """Check one certificate file; never raises for a bad file (it reports it). ``session``:
    shared by the files of one call, so that a problem they have in common is read once."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_BYTES:
            return CheckResult("unreadable", None, f"{file}: larger than {MAX_BYTES} bytes")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return CheckResult("unreadable", None, f"{file}: cannot read: {exc}")
    return check_text(text, base_dir=file.parent, session=session)


def check_certificates(paths: list[str | Path]) -> list[CheckResult]:
    """Check several files in one session (see :mod:`.session`): the verdict of each is the one
    it gets alone."""
    session = Session()
    return [check_certificate(path, session) for path in paths]


def check_text(
    text: str, base_dir: Path = Path("."), session: Session | None = None
) -> CheckResult:
    try:
        document = load_json(text)
    except Unreadable as exc:
        return CheckResult("unreadable", None, str(exc))
    return check_document(document, base_dir, session)


def check_document(
    document: Any, base_dir: Path = Path("."), session: Session | None = None
) -> CheckResult:
    """Sections 1-4 in order: layout, problem, evidence steps, claim. ``session``: see
    :func:`check_certificate`."""
    claim = None
    done: Steps = {}
    try:
        minor = _layout(document)  # section 1
        claim, fields = read_claim(document["claim"], minor)
        problem = (session or Session()).problem(document["problem"], base_dir, minor)  # sec. 2
        limits.check_problem_size(problem)  # section 7, before any evaluation
        done = _evidence(problem, document["evidence"], minor)  # section 3
        conclude(claim, done, fields)  # section 4
    except Unreadable as exc:
        return CheckResult("unreadable", claim, str(exc), steps_checked=len(done))
    except Invalid as exc:
        return CheckResult("invalid", claim, _report(exc), steps_checked=len(done))
    except (
        RecursionError,
        MemoryError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        ZeroDivisionError,
        AttributeError,
        AssertionError,
    ) as exc:  # fail closed
        return CheckResult(
            "invalid",
            claim,
            f"checker could not evaluate the certificate: {type(exc).__name__}: {exc}",
            steps_checked=len(done),
        )
    gaps = tuple(s.facts["trust_gap"] for s in done.values() if "trust_gap" in s.facts)
    message = f"{claim} holds ({len(done)} steps checked"
    message += f", {len(gaps)} trust gap{'s' if len(gaps) != 1 else ''})" if gaps else ")"
    return CheckResult("valid", claim, message, gaps, len(done), _gap_queries(done))


def _gap_queries(done: Steps) -> tuple[tuple[str, str, str], ...]:
    """Every query a trust gap rests on; a gap step that names none gets one empty entry."""
    out: list[tuple[str, str, str]] = []
    for step in done.values():
        if "trust_gap" in step.facts:
            queries = step.facts.get("smt_queries") or ((step.id, ""),)
            out.extend((step.id, label, text) for label, text in queries)
    return tuple(out)


def minor_needed(claim: str, evidence: list[dict[str, Any]], loss: str | None = None) -> int:
    """The least minor version a file needs for this claim kind, these step kinds and loss."""
    kinds = [STEP_KINDS[s["kind"]].since for s in evidence if s.get("kind") in STEP_KINDS]
    return max([CLAIM_SINCE.get(claim, 0), exp_losses.LOSS_SINCE.get(loss or "", 0), *kinds])


def _report(exc: Invalid) -> str:
    try:
        return exc.report()
    except Exception:  # a message that cannot be rendered must not turn into a crash
        return f"step {exc.step}: invalid (the details could not be printed)"


def _layout(document: Any) -> int:
    """Section 1; returns the file's minor version."""
    if not isinstance(document, dict):
        raise Unreadable(f"the top level must be an object, got {type(document).__name__}")
    if document.get("format") != FORMAT:
        raise Unreadable(f"format: expected {FORMAT!r}, got {brief(document.get('format'))}")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != VERSION:
        raise Unreadable(f"version: this checker reads version {VERSION}, got {brief(version)}")
    # the problem's floats are refused when it is read (Session.problem), once per content
    reject_floats({k: v for k, v in document.items() if k != "problem"})
    exact_keys(
        document,
        "certificate",
        {"format", "version", "problem", "claim", "evidence", "provenance"},
        frozenset({"minor"}),
    )
    minor = document.get("minor", 0)
    if not isinstance(minor, int) or isinstance(minor, bool) or not 0 <= minor <= MINOR:
        raise Unreadable(
            f"minor: this checker reads minor versions 0 to {MINOR} of version {VERSION}, "
            f"got {brief(minor)}"
        )
    if not isinstance(document["provenance"], dict):
        raise Invalid("provenance: expected an object")
    return minor


def _evidence(problem: Problem, steps: Any, minor: int = 0) -> Steps:
    if not isinstance(steps, list) or not steps:
        raise Invalid("evidence: expected a non-empty list of steps")
    done: Steps = {}
    for position, step in enumerate(steps):
        where = f"evidence[{position}]"
        if not isinstance(step, dict) or not isinstance(step.get("id"), str) or not step["id"]:
            raise Invalid(f'{where}: a step is an object with a non-empty string "id"')
        sid = step["id"]
        if sid in done:
            raise Invalid(f"{where}: duplicate step id {sid!r}")
        kind = step.get("kind")
        spec = STEP_KINDS.get(kind) if isinstance(kind, str) else None
        if spec is None:
            raise Invalid(f"{where} ({brief(sid)}): unknown step kind {brief(kind)}")
        if spec.since > minor:
            raise Invalid(
                f"{where} ({brief(sid)}): the step kind {kind} exists from version "
                f"{VERSION}.{spec.since} on; the file declares {VERSION}.{minor}"
            )
        exact_keys(
            step, f"{where} ({brief(sid)})", {"id", "kind", *spec.fields}, spec.optional | {"uses"}
        )
        uses = step.get("uses", [])
        if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
            raise Invalid(f"{where} ({brief(sid)}): uses must be a list of step ids")
        for cited in uses:
            if cited not in done:
                raise Invalid(
                    f"{where} ({brief(sid)}): cites {brief(cited)}, which is not an earlier step"
                )
            if done[cited].kind not in spec.cites:
                allowed = ", ".join(sorted(spec.cites)) or "no step"
                raise Invalid(
                    f"{where} ({brief(sid)}): cites the {done[cited].kind} step {brief(cited)}; "
                    f"a {kind} step may cite {allowed}"
                )
        exp_losses.require_support(problem.loss, str(kind), sid)  # section 2.1
        facts = spec.verify(problem, step, done, sid)
        done[sid] = Verified(sid, str(kind), tuple(uses), facts)
    return done

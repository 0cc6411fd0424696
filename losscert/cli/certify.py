"""``losscert certify``: is the point of a problem file a local minimum? spurious?"""

from __future__ import annotations

import argparse
import json
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losscert.cli.common import (
    add_expect_option,
    add_json_option,
    add_out_dir_option,
    combined_status,
    exact_json,
    exact_text,
    positive_seconds,
    problem_name,
    problem_stem,
    verdict_exit,
    with_decimals,
    write_certificates,
)

if TYPE_CHECKING:
    from losscert.model.problem import Problem
    from losscert.verifier.verdict import Verdict


def add_parser(commands: argparse._SubParsersAction) -> None:
    certify = commands.add_parser(
        "certify",
        help="is the point of a problem file a local minimum? spurious? (with certificates)",
        description="Decides local_min (is theta* a local minimum?) and, when it is proved, "
        "spurious_local_min (is there a point of lower risk?). The verdict is that of both "
        "claims together (of local_min alone with --no-spurious): exit 0 PROVED, 1 REFUTED, "
        "3 UNKNOWN, 2 bad input.",
    )
    certify.add_argument("problem", metavar="PROBLEM.json")
    add_out_dir_option(certify)
    add_json_option(certify)
    certify.add_argument(
        "--no-spurious", action="store_true", help="skip the search for a lower point"
    )
    certify.add_argument("--seed", type=int, default=0, help="seed of the lower-point search")
    certify.add_argument(
        "--smt-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="write every SMT query sent to the solvers here (SMT-LIB 2)",
    )
    certify.add_argument(
        "--budget",
        type=positive_seconds,
        default=None,
        help="overall seconds for the SMT rung (no query starts after it; default: none)",
    )
    certify.add_argument(
        "--timeout",
        type=positive_seconds,
        default=30.0,
        help="seconds per SMT query and solver (default 30)",
    )
    certify.add_argument(
        "--no-simplify",
        action="store_true",
        help="send the plain canonical query (no fixed parameters, no rescaling anchors)",
    )
    certify.add_argument(
        "--no-nearby",
        action="store_true",
        help="on a point that is not exactly critical, do not certify the local minimum near it",
    )
    certify.add_argument(
        "--trust",
        choices=("two-solvers", "one-solver"),
        default="two-solvers",
        help="SMT rung: unsat from z3 AND cvc5 (default), or from one of them with no sat "
        "(a weaker trust level, labelled in the verdict and the certificate)",
    )
    certify.add_argument(
        "--no-convex",
        action="store_true",
        help="skip the solver-free convex routes (the lifted gradient at any depth, the convex "
        "programs over the cones for one hidden layer) and go to the SMT rung",
    )
    certify.add_argument(
        "--verdict-of",
        choices=("point", "nearby"),
        default="point",
        help="whose verdict sets the exit code: the file's point (default) or, when the point is "
        "not exactly critical, the local minimum certified near it (its local minimum and "
        "spurious claims; refuted when an escape ray shows none is near; else unknown)",
    )
    add_expect_option(certify)
    certify.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.io.problem_file import read_problem, write_problem
    from losscert.theorems.audit import stderr_progress
    from losscert.verifier.candidate import certify_local_min, certify_spurious
    from losscert.verifier.nearby import certify_nearby, nearby_verdicts
    from losscert.verifier.nearby_report import format_nearby, nearby_to_dict
    from losscert.verifier.smt_route import SmtOptions
    from losscert.verifier.verdict import Status

    problem = read_problem(args.problem)
    stem = problem_stem(args.problem)
    options = SmtOptions(
        timeout=args.timeout,
        deadline=None if args.budget is None else time.perf_counter() + args.budget,
        smt_dir=args.smt_dir,
        name=stem,
        progress=stderr_progress,
        simplify=not args.no_simplify,
        convex=not args.no_convex,
        trust=args.trust,
    )
    verdicts = [certify_local_min(problem, options)]
    if not args.no_spurious and verdicts[0].status is Status.PROVED:
        verdicts.append(certify_spurious(problem, verdicts[0], seed=args.seed))
    nearby = None  # issue 13: a point that is not exactly critical -> the minimum near it
    if not args.no_nearby and str(verdicts[0].stats.get("method") or "").startswith("first order"):
        nearby = certify_nearby(problem, options, spurious=not args.no_spurious, seed=args.seed)
    written = write_certificates([v.certificate for v in verdicts], args.out, stem)
    paths = iter(written)
    files = [None if v.certificate is None or args.out is None else next(paths) for v in verdicts]
    near_certificates = [v.certificate for v in nearby_verdicts(nearby)]
    written += write_certificates(near_certificates, args.out, f"{stem}.nearby")
    moved_file = None
    if args.out is not None and nearby is not None and nearby.moved is not None:
        moved_file = args.out / f"{stem}.nearby.json"  # the moved point: to plot, re-certify
        what = "minimum" if nearby.local.status is Status.PROVED else nearby.moved.route
        write_problem(nearby.moved.problem, moved_file, name=f"{stem} (nearby {what})")
    status = combined_status(v.status.value for v in verdicts)
    judged = " and ".join(v.claim for v in verdicts)
    if args.verdict_of == "nearby" and nearby is not None:
        status, judged = _nearby_status(nearby)
    risk = _risk(problem)
    if args.json:
        record = {
            "problem": args.problem,
            "name": problem_name(args.problem),
            "verdict": status,
            "verdict_of": judged,
            "exit_code": verdict_exit(status, args.expect),
            "risk": risk,
            "verdicts": [_verdict_record(v, f) for v, f in zip(verdicts, files, strict=True)],
            "nearby": nearby_to_dict(nearby) if nearby else None,
            "nearby_problem": None if moved_file is None else str(moved_file),
            "written": written,
        }
        print(json.dumps(record, indent=2))
    else:
        print(f"{args.problem}: R(theta*) = {_risk_text(risk)}")
        for v, path in zip(verdicts, files, strict=True):
            how = f" [{v.stats['method']}]" if v.stats.get("method") else ""
            reason = f" ({v.reason})" if v.reason else ""
            detail = with_decimals(v.detail)
            print(f"{args.problem}: {v.claim}: {v.status.value.upper()}{reason}{how}  {detail}")
            if v.stats.get("witness_risk") is not None:
                print(f"  lower point: R = {exact_text(v.stats['witness_risk'])}")
            if path is not None:
                print(f"  certificate: {path}")
        for line in format_nearby(nearby) if nearby else []:
            print(line)
        if moved_file is not None:
            print(f"  nearby point (problem file): {moved_file}")
        for path in written[len([f for f in files if f is not None]) :]:
            print(f"  certificate: {path}")
        print(f"{args.problem}: verdict {status.upper()} ({judged})")
        if args.verdict_of == "point" and nearby is not None:
            near, claims = _nearby_status(nearby)
            print(f"  ({claims}: {near.upper()}; --verdict-of nearby sets the exit code by it)")
    return verdict_exit(status, args.expect)


def _nearby_status(nearby: Any) -> tuple[str, str]:
    """The verdict of the nearby minimum's claims: proved when its local minimum (and the
    spurious claim, if searched) are proved; refuted when no local minimum lies near the point
    (an escape ray: claim no_local_min_in_box); else unknown (a refuted closed-cell minimum is
    about another point, not a proof that none is near)."""
    from losscert.verifier.verdict import Status

    if nearby.local.status is not Status.PROVED:
        certificate = nearby.local.certificate or {}
        ray = certificate.get("claim", {}).get("kind") == "no_local_min_in_box"
        if nearby.local.status is Status.REFUTED and ray:
            return "refuted", "nearby local minimum: none within the escape ray's radius"
        return "unknown", f"nearby {nearby.local.claim}"
    claims = [nearby.local] + ([nearby.spurious] if nearby.spurious is not None else [])
    verdict = combined_status(v.status.value for v in claims)
    return verdict, "nearby " + " and ".join(v.claim for v in claims)


def _risk(problem: Problem) -> dict[str, str | None]:
    """The point's risk: exact (with its decimal) for rational losses, else rigorous bounds."""
    if problem.loss.is_rational:
        return {**exact_json(problem.risk()), "lower": None, "upper": None}  # type: ignore[dict-item]
    bounds = problem.risk_bounds()
    return {
        "exact": None,
        "decimal": f"{float(bounds.lo):.12g}",
        "lower": str(bounds.lo),
        "upper": str(bounds.hi),
    }


def _risk_text(risk: dict[str, str | None]) -> str:
    if risk["exact"] is not None:
        return exact_text(risk["exact"])
    width = float(Fraction(risk["upper"] or 0) - Fraction(risk["lower"] or 0))
    return f"~{risk['decimal']} (not rational: in a rigorous interval of width {width:.2g})"


def _verdict_record(verdict: Verdict, path: str | None) -> dict[str, Any]:
    return {
        "claim": verdict.claim,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "detail": verdict.detail,
        "method": verdict.stats.get("method"),
        "certificate_claim": verdict.certificate["claim"]["kind"] if verdict.certificate else None,
        "certificate": path,
        "witness_risk": exact_json(verdict.stats.get("witness_risk")),
    }

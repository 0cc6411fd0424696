"""``losscert check``: re-verify certificate files with exact arithmetic alone (no solver)."""

from __future__ import annotations

import argparse
import json

from losscert.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_CLAIM_FAILED,
    EXIT_OK,
    add_json_option,
    positive_seconds,
    with_decimals,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="re-verify certificate files with exact arithmetic alone (no solver)",
        description="Exit 0 when every file is valid, 1 when one is invalid, 2 when one is "
        "unreadable.",
    )
    check.add_argument("certificates", nargs="+", metavar="FILE.cert.json")
    add_json_option(check)
    check.add_argument(
        "--solvers",
        action="store_true",
        help="also re-run z3 and cvc5 on every SMT query a trust gap rests on (closes those gaps)",
    )
    check.add_argument(
        "--timeout",
        type=positive_seconds,
        default=60.0,
        help="seconds per solver run with --solvers",
    )
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.checker import Session, check_certificate

    results = []
    status = EXIT_OK
    session = Session()  # files of one problem share its reading and forward passes
    for path in args.certificates:
        result = check_certificate(path, session)
        entry: dict[str, object] = {"file": path, **result.as_dict()}
        if args.solvers and result.valid:
            from losscert.backends.smt import open_gaps, rerun_gap_queries, statuses

            reruns = statuses(rerun_gap_queries(result, timeout=args.timeout))
            entry["solver_reruns"] = reruns
            entry["open_gaps"] = unclosed = open_gaps(reruns)
            if unclosed:  # fail closed: a gap the solvers did not close is no proof
                entry["status"] = "invalid"
                entry["message"] = (
                    f"{result.claim} not established: {len(unclosed)} of {len(reruns)} SMT "
                    "queries not confirmed unsat by every solver:\n  " + "\n  ".join(unclosed)
                )
        if entry["status"] != "valid":
            status = EXIT_CLAIM_FAILED if entry["status"] == "invalid" else EXIT_BAD_INPUT
        results.append(entry)
        if not args.json:
            print(format_check(entry))
    if args.json:
        print(json.dumps(results, indent=2))
    elif len(results) > 1:
        valid = sum(1 for r in results if r["status"] == "valid")
        print(f"{valid} of {len(results)} certificates valid")
    return status


def format_check(entry: dict[str, object]) -> str:
    head = f"{entry['file']}: {str(entry['status']).upper()}"
    gaps = entry.get("trust_gaps") or []
    lines = [f"{head}  {with_decimals(str(entry['message']))}".rstrip()]
    for gap in gaps:  # type: ignore[attr-defined]
        lines.append(f"  trust gap: {gap}")
    reruns: dict[str, dict[str, str]] = entry.get("solver_reruns") or {}  # type: ignore[assignment]
    for step, answers in reruns.items():
        said = ", ".join(f"{solver} {answer}" for solver, answer in answers.items())
        confirmed = all(answer == "unsat" for answer in answers.values())
        lines.append(
            f"  re-run of step {step}: {said or 'no solver'}"
            + ("" if confirmed and answers else "  (not confirmed: unsat is needed)")
        )
    return "\n".join(lines)

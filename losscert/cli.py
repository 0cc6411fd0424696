"""The ``losscert`` command line: a thin layer over the public API.

Exit codes: 0 success; 1 a checked claim failed (an invalid certificate); 2 bad input, an
unreadable file or an unsupported construct (the message on stderr, no traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from losscert.backends.smt import rerun_delegated_steps
from losscert.checker import check_certificate
from losscert.errors import InputError, LosscertError, UnsupportedError
from losscert.info import format_summary, summarize
from losscert.io.problem_file import read_problem

EXIT_OK = 0
EXIT_CLAIM_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="losscert",
        description="Certificates for claims about loss surfaces of piecewise-linear networks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser(
        "info", help="architecture, exact risk, cell and multilinearity of problem files"
    )
    info.add_argument("problems", nargs="+", metavar="PROBLEM.json")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.add_argument(
        "--no-multilinear",
        action="store_true",
        help="skip the per-cell polynomial check (it grows with depth, width and samples)",
    )
    check = commands.add_parser(
        "check", help="re-verify certificate files with exact arithmetic alone (no solver)"
    )
    check.add_argument("certificates", nargs="+", metavar="FILE.cert.json")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.add_argument(
        "--solvers",
        action="store_true",
        help="also re-run z3 and cvc5 on every delegated SMT step (closes those trust gaps)",
    )
    check.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=60.0,
        help="seconds per solver run with --solvers",
    )
    return parser


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _check(args: argparse.Namespace) -> int:
    results = []
    status = EXIT_OK
    for path in args.certificates:
        result = check_certificate(path)
        entry: dict[str, object] = {"file": path, **result.as_dict()}
        if args.solvers and result.valid:
            reruns = rerun_delegated_steps(path, timeout=args.timeout)
            entry["solver_reruns"] = reruns
            if any(answer != "unsat" for step in reruns.values() for answer in step.values()):
                entry["status"] = "invalid"
                entry["message"] = f"{result.message}; a solver did not confirm unsat: {reruns}"
        if entry["status"] != "valid":
            status = EXIT_CLAIM_FAILED if entry["status"] == "invalid" else EXIT_BAD_INPUT
        results.append(entry)
        if not args.json:
            print(_format_check(entry))
    if args.json:
        print(json.dumps(results, indent=2))
    elif len(results) > 1:
        valid = sum(1 for r in results if r["status"] == "valid")
        print(f"{valid} of {len(results)} certificates valid")
    return status


def _format_check(entry: dict[str, object]) -> str:
    head = f"{entry['file']}: {str(entry['status']).upper()}"
    gaps = entry.get("trust_gaps") or []
    lines = [f"{head}  {entry['message']}".rstrip()]
    for gap in gaps:  # type: ignore[attr-defined]
        lines.append(f"  trust gap: {gap}")
    return "\n".join(lines)


def _info(args: argparse.Namespace) -> int:
    status = EXIT_OK
    results = {}
    for path in args.problems:
        try:
            summary = summarize(read_problem(path), multilinear=not args.no_multilinear)
        except (InputError, UnsupportedError) as exc:
            print(f"losscert info: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            continue
        except LosscertError as exc:
            print(f"losscert info: {path}: {exc}", file=sys.stderr)
            status = max(status, EXIT_CLAIM_FAILED)
            continue
        if args.json:
            results[path] = summary
        else:
            print(format_summary(path, summary))
    if args.json:
        print(json.dumps(results, indent=2))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "info":
            return _info(args)
        if args.command == "check":
            return _check(args)
    except KeyboardInterrupt:
        print("losscert: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `losscert info ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())

"""``losscert info``: architecture, exact risk, cell and multilinearity of problem files."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from losscert.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_CLAIM_FAILED,
    EXIT_OK,
    add_json_option,
    with_decimals,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    info = commands.add_parser(
        "info", help="architecture, exact risk, cell and multilinearity of problem files"
    )
    info.add_argument("problems", nargs="+", metavar="PROBLEM.json")
    add_json_option(info)
    info.add_argument(
        "--no-multilinear",
        action="store_true",
        help="skip the per-cell polynomial check (it grows with depth, width and samples)",
    )
    info.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.errors import InputError, LosscertError, UnsupportedError
    from losscert.info import format_summary, summarize
    from losscert.io.problem_file import read_problem

    status = EXIT_OK
    results: dict[str, Any] = {}
    for path in args.problems:
        try:
            summary = summarize(read_problem(path), multilinear=not args.no_multilinear)
        except (InputError, UnsupportedError) as exc:
            print(f"losscert info: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            results[path] = _error("input", str(exc), EXIT_BAD_INPUT)
            continue
        except LosscertError as exc:
            print(f"losscert info: {path}: {exc}", file=sys.stderr)
            status = max(status, EXIT_CLAIM_FAILED)
            results[path] = _error("failed", f"{path}: {exc}", EXIT_CLAIM_FAILED)
            continue
        if args.json:
            results[path] = summary
        else:
            print(with_decimals(format_summary(path, summary)))
    if args.json:
        print(json.dumps(results, indent=2))
    return status


def _error(kind: str, message: str, code: int) -> dict[str, Any]:
    """A file's entry under --json when it could not be summarised (the run goes on)."""
    return {"error": {"command": "info", "kind": kind, "message": message, "exit_code": code}}

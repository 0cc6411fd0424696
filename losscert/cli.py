"""The ``losscert`` command line: a thin layer over the public API.

Exit codes: 0 success; 1 a checked claim failed; 2 bad input or an unsupported construct (the
message on stderr, no traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

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
    return parser


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
    except KeyboardInterrupt:
        print("losscert: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `losscert info ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())

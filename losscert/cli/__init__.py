"""The ``losscert`` command line: a thin layer over the public API, one module per command.

Each command module has ``add_parser(commands)`` (its options; the standard library only) and
``run(args) -> int`` (which imports what the command needs), so that ``losscert --help`` does
not load the solvers, sympy, torch or matplotlib.

Exit codes (README.md, "Exit codes"): the verdict commands (certify, global, audit theorem1)
exit 0 PROVED, 1 REFUTED, 3 UNKNOWN (``--expect`` turns "the expected verdict" into 0); check
exits 0 valid, 1 invalid; every command exits 2 on bad input, an unreadable file or an
unsupported construct (the message on stderr, no traceback; under ``--json`` also an error
object on stdout) and 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from losscert.cli import audit, bench, cells, certify, check, global_, import_, info, plot
from losscert.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_CLAIM_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNKNOWN,
    Parser,
    report_error,
    want_json_errors,
)
from losscert.errors import InputError, UnsupportedError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CLAIM_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNKNOWN",
    "main",
]

COMMANDS = (info, check, certify, global_, audit, import_, plot, cells, bench)
"""The command modules, in the order ``losscert --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    from losscert import __version__

    parser = Parser(
        prog="losscert",
        description="Certificates for claims about loss surfaces of piecewise-linear networks.",
    )
    parser.add_argument("--version", action="version", version=f"losscert {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json_errors(argv)
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as exc:
        report_error(args.command, "input", str(exc), EXIT_BAD_INPUT)
        return EXIT_BAD_INPUT
    except UnsupportedError as exc:
        report_error(args.command, "unsupported", str(exc), EXIT_BAD_INPUT)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        report_error(None, "interrupted", "interrupted", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `losscert info ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK

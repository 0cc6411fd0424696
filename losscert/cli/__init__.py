"""The ``losscert`` command line: a thin layer over the public API, one module per command.

Each command module has ``add_parser(commands)`` (its options; the standard library only) and
``run(args) -> int`` (which imports what the command needs), so that ``losscert --help`` does
not load the solvers, sympy, torch or matplotlib.

Exit codes: 0 success; 1 a checked claim failed (an invalid certificate); 2 bad input, an
unreadable file or an unsupported construct (the message on stderr, no traceback); 130 interrupted.
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
)
from losscert.errors import InputError, UnsupportedError

__all__ = ["EXIT_BAD_INPUT", "EXIT_CLAIM_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "main"]

COMMANDS = (info, check, certify, global_, audit, import_, plot, cells, bench)
"""The command modules, in the order ``losscert --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    from losscert import __version__

    parser = argparse.ArgumentParser(
        prog="losscert",
        description="Certificates for claims about loss surfaces of piecewise-linear networks.",
    )
    parser.add_argument("--version", action="version", version=f"losscert {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (InputError, UnsupportedError) as exc:
        print(f"losscert {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("losscert: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `losscert info ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK

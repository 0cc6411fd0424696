"""What the ``losscert`` commands share: exit codes, argument types and certificate output.

Only the standard library and :mod:`losscert.errors` are imported here, so that building the
parser (``losscert --help``) stays fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK = 0
EXIT_CLAIM_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

# The verdict commands (certify, global, audit theorem1) exit with their verdict, as SMT and
# neural-network verification tools report sat / unsat / unknown: the codes are documented in
# README.md ("Exit codes") and must not change.
EXIT_PROVED = EXIT_OK
EXIT_REFUTED = EXIT_CLAIM_FAILED
EXIT_UNKNOWN = 3
VERDICT_EXIT = {"proved": EXIT_PROVED, "refuted": EXIT_REFUTED, "unknown": EXIT_UNKNOWN}


def combined_status(statuses: Iterable[str]) -> str:
    """The verdict of a conjunction of claims: refuted if one is, else unknown if one is, else
    proved (an empty conjunction is unknown: nothing was decided)."""
    seen = list(statuses)
    if "refuted" in seen:
        return "refuted"
    if not seen or "unknown" in seen:
        return "unknown"
    return "proved"


def add_expect_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expect",
        choices=("proved", "refuted"),
        default=None,
        help="require this verdict: exit 0 when it is reached, 1 when the opposite one is, "
        "3 when the verdict is unknown (without --expect: 0 proved, 1 refuted, 3 unknown)",
    )


def verdict_exit(status: str, expect: str | None = None) -> int:
    """The exit code of a verdict command whose verdict is ``status``; with ``expect``, 0 means
    the expected verdict, 1 the opposite one and 3 still unknown."""
    if expect is None or status == "unknown":
        return VERDICT_EXIT[status]
    return EXIT_OK if status == expect else EXIT_CLAIM_FAILED


_FRACTION = re.compile(r"(?<![\w./:-])(-?\d+/\d+)(?![\w./])(?!\s*\(~)")


def decimal(value: Fraction | int | str) -> str:
    """A decimal approximation of an exact number, 6 significant digits (for reading only)."""
    return f"{float(Fraction(value)):.6g}"


def exact_text(value: Fraction | int | str) -> str:
    """An exact number as text: ``p/q (~d)``, or the integer alone when it is one."""
    number = Fraction(value)
    if number.denominator == 1:
        return str(number.numerator)
    return f"{number.numerator}/{number.denominator} (~{decimal(number)})"


def exact_json(value: Fraction | int | str | None) -> dict[str, str] | None:
    """An exact number for JSON output: ``{"exact": "p/q", "decimal": "..."}`` (None stays None)."""
    if value is None:
        return None
    number = Fraction(value)
    text = str(number.numerator) if number.denominator == 1 else f"{number}"
    return {"exact": text, "decimal": f"{float(number):.12g}"}


def with_decimals(text: str) -> str:
    """``text`` with a decimal approximation after every fraction p/q it states (one already
    followed by ``(~`` is left alone)."""
    return _FRACTION.sub(lambda m: f"{m.group(1)} (~{decimal(m.group(1))})", text)


_json_errors = False


def want_json_errors(argv: Iterable[str]) -> None:
    """Errors are also printed as JSON on stdout when ``--json`` was asked for."""
    global _json_errors
    _json_errors = "--json" in argv


def report_error(command: str | None, kind: str, message: str, code: int) -> None:
    """The message on stderr (always) and, under ``--json``, an error object on stdout."""
    import sys

    prefix = f"losscert {command}" if command else "losscert"
    print(f"{prefix}: {message}", file=sys.stderr)
    if _json_errors:
        error = {"command": command, "kind": kind, "message": message, "exit_code": code}
        print(json.dumps({"error": error}, indent=2))


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors also reported as a JSON error object under ``--json``."""

    def error(self, message: str) -> NoReturn:
        if _json_errors:
            command = self.prog.removeprefix("losscert").strip() or None
            error = {"command": command, "kind": "usage", "message": message, "exit_code": 2}
            print(json.dumps({"error": error}, indent=2))
        super().error(message)


def positive_seconds(text: str) -> float:
    """An argparse type: a finite positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def add_json_option(parser: argparse.ArgumentParser, *, what: str = "text") -> None:
    parser.add_argument("--json", action="store_true", help=f"print JSON instead of {what}")


def add_out_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="write certificates here"
    )


def problem_name(path: str) -> str:
    """The problem file's ``name`` field, else its file name without ``.json``."""
    try:
        name = json.loads(Path(path).read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else problem_stem(path)


def problem_stem(path: str) -> str:
    """The name certificates written for a problem file start with."""
    return Path(path).name.removesuffix(".json")


def write_certificates(
    certificates: list[dict[str, Any] | None], out: Path | None, stem: str
) -> list[str]:
    """Write each certificate (skipping None) to ``out/STEM.KIND.cert.json``; the paths."""
    from losscert.verifier.certificate import write_certificate

    written: list[str] = []
    if out is None:
        return written
    for certificate in certificates:
        if certificate is not None:
            out.mkdir(parents=True, exist_ok=True)
            path = out / f"{stem}.{certificate['claim']['kind']}.cert.json"
            write_certificate(certificate, path)
            written.append(str(path))
    return written


def add_label_columns_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--label-columns",
        default=None,
        metavar="COUNT|NAMES",
        help="CSV data: the label columns, a count of trailing columns (2) or header names "
        "(y or y1,y2); default: the last column alone. The split is printed on stderr",
    )


def read_labelled_data(path: str, label_columns: str | None) -> tuple[Any, Any]:
    """Parse ``--label-columns`` and say on stderr which columns of ``path`` are inputs and
    which labels; the parsed spec and that line."""
    import sys

    from losscert.io.data_files import describe_columns, parse_label_columns

    spec = None if label_columns is None else parse_label_columns(label_columns)
    file = Path(path)
    line = describe_columns(file, spec) if file.is_file() else None
    if line is not None:
        print(line, file=sys.stderr)
    return spec, line

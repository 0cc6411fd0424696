"""What the ``losscert`` commands share: exit codes, argument types and certificate output.

Only the standard library and :mod:`losscert.errors` are imported here, so that building the
parser (``losscert --help``) stays fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_CLAIM_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


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

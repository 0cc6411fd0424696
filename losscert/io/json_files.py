"""Reading JSON input files strictly, and writing JSON files atomically (a complete file
appears, or nothing changes)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from losscert.errors import InputError

MAX_JSON_BYTES = 64 * 1024 * 1024
"""The largest JSON input file read (problem and model files; certificates have the same)."""


def read_json_file(path: Path, what: str, *, allow_constants: bool = False) -> Any:
    """The parsed JSON document at ``path``; InputError naming the file for a file too large,
    not UTF-8, not JSON, nested too deeply, an integer literal beyond Python's 4,300 digits, a
    key repeated in one object (the reader would silently keep the last), or, unless
    ``allow_constants``, NaN / Infinity."""
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise InputError(
                f"{path}: the {what} has {size} bytes, beyond the limit of {MAX_JSON_BYTES}"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc}") from exc
    return parse_json_text(text, f"{path}", what, allow_constants=allow_constants)


def parse_json_text(text: str, source: str, what: str, *, allow_constants: bool = False) -> Any:
    """:func:`read_json_file` for text already read; ``source`` names it in errors."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_repeated_keys,
            parse_constant=float if allow_constants else _no_constant,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: not valid JSON: {exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise InputError(f"{source}: the JSON is nested too deeply to be a {what}") from exc
    except ValueError as exc:  # a repeated key, a constant, an integer beyond 4,300 digits
        raise InputError(f"{source}: {exc}") from exc


class _Refused(ValueError):
    pass


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(
                f"the key {key[:60]!r} appears twice in one object; a reader would keep only one "
                "of the two values, so the file is refused"
            )
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    raise _Refused(f"the JSON constant {name} is not a finite rational number")


def write_json_atomic(document: Any, path: Path) -> None:
    """Write JSON to a temporary file beside ``path``, then rename it over ``path``."""
    write_text_atomic(json.dumps(document, indent=2) + "\n", path)


def write_text_atomic(text: str, path: Path) -> None:
    """Write text to a temporary file beside ``path``, then rename it over ``path``.

    The temporary file is created with mode 0666 less the umask, as a plain ``open`` would, so
    the result has the usual permissions; an interrupted write leaves no partial file behind.
    """
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

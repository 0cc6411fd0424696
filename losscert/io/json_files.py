"""Writing JSON files atomically: a complete file appears, or nothing changes."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


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

"""Reading exact numbers from a certificate: strings "p/q" only, and no float anywhere."""

from __future__ import annotations

import json
import re
import reprlib
from fractions import Fraction
from typing import Any

from .result import Invalid, Unreadable

MAX_RATIONAL_CHARS = 4_000  # below Python's 4300-digit limit on int(str)
_RATIONAL = re.compile(r"[+-]?[0-9]+(/[0-9]+)?")


class _FloatSeen:
    """Stands for a JSON float (or NaN / Infinity) so that its place can be reported."""

    def __init__(self, text: str) -> None:
        self.text = text


def brief(value: Any) -> str:
    """A short, always-printable rendering of any JSON value for messages (no deep or huge repr)."""
    if isinstance(value, _FloatSeen):  # the number as written, not an object's address
        return value.text[:60]
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4000:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        return _BRIEF.repr(value)
    except (ValueError, RecursionError):
        return f"<a {type(value).__name__}>"


_BRIEF = reprlib.Repr()
_BRIEF.maxlevel = 3
_BRIEF.maxstring = 60
_BRIEF.maxother = 60
_BRIEF.maxlong = 60


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} in an object")
        out[key] = value
    return out


def load_json(text: str) -> Any:
    """Parse JSON, keeping floats as markers; Unreadable on syntax errors, duplicate keys or
    absurd nesting."""
    try:
        return json.loads(
            text,
            parse_float=_FloatSeen,
            parse_constant=_FloatSeen,
            object_pairs_hook=_no_duplicate_keys,
        )
    except json.JSONDecodeError as exc:
        where = exc.msg.removesuffix(" at")  # "Unterminated string starting at": no "at at"
        raise Unreadable(f"not JSON: {where} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise Unreadable("JSON nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise Unreadable(f"not readable JSON: {exc}") from exc


_SCALARS = frozenset({str, int, bool, type(None)})
"""JSON values that are not floats and hold nothing (a float marker is a _FloatSeen)."""


def reject_floats(value: Any, where: str = "$") -> None:
    """Invalid if a float, NaN or Infinity appears anywhere in the document."""
    stack = [(value, where)]
    while stack:
        item, place = stack.pop()
        if isinstance(item, _FloatSeen | float):
            text = item.text[:60] if isinstance(item, _FloatSeen) else brief(item)
            raise Invalid(
                f'{place}: the float {text} is not allowed; write rationals as "p/q" strings'
            )
        if isinstance(item, dict):
            stack.extend((v, f"{place}.{k}") for k, v in item.items())
        elif isinstance(item, list):
            if all(type(v) in _SCALARS for v in item):  # "p/q" strings, pattern entries: no float
                continue
            stack.extend((v, f"{place}[{k}]") for k, v in enumerate(item))


def rational(value: Any, where: str) -> Fraction:
    """A rational written as a string "p" or "p/q" (q > 0); anything else is Invalid."""
    if not isinstance(value, str):
        raise Invalid(
            f'{where}: expected a rational string "p/q", got {type(value).__name__} {brief(value)}'
        )
    if len(value) > MAX_RATIONAL_CHARS:
        raise Invalid(f"{where}: a rational of {len(value)} characters is beyond the limit")
    if not _RATIONAL.fullmatch(value):
        raise Invalid(f'{where}: {brief(value)} is not a rational string "p/q"')
    try:
        result = Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise Invalid(f'{where}: {brief(value)} is not a rational string "p/q" ({exc})') from exc
    return result


def vector(value: Any, where: str, length: int | None = None) -> list[Fraction]:
    if not isinstance(value, list):
        raise Invalid(f"{where}: expected a list of rationals, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise Invalid(
            f"{where}: expected {length} entries, got {len(value)}",
            expected=length,
            derived=len(value),
        )
    try:  # the usual case: every entry well formed, no place string built
        return [_well_formed(v) for v in value]
    except _NotWellFormed:  # the same checks again, entry by entry, for the message
        return [rational(v, f"{where}[{k}]") for k, v in enumerate(value)]


class _NotWellFormed(Exception):
    pass


def _well_formed(value: Any) -> Fraction:
    """What :func:`rational` returns for a well-formed string; _NotWellFormed otherwise."""
    if type(value) is not str or len(value) > MAX_RATIONAL_CHARS or not _RATIONAL.fullmatch(value):
        raise _NotWellFormed
    num, _, den = value.partition("/")
    if den and int(den) == 0:
        raise _NotWellFormed
    return Fraction(int(num), int(den)) if den else Fraction(int(num))


def matrix(value: Any, where: str, rows: int, cols: int) -> list[list[Fraction]]:
    if not isinstance(value, list) or len(value) != rows:
        got = len(value) if isinstance(value, list) else type(value).__name__
        raise Invalid(f"{where}: expected {rows} rows, got {got}")
    return [vector(row, f"{where}[{r}]", cols) for r, row in enumerate(value)]


def integer(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(f"{where}: expected an integer, got {type(value).__name__} {brief(value)}")
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise Invalid(f"{where}: {brief(value)} is outside {bound}")
    return value


def exact_keys(
    obj: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The object, if it has every required key and no key outside required | optional."""
    if not isinstance(obj, dict):
        raise Invalid(f"{where}: expected an object, got {type(obj).__name__}")
    missing = sorted(required - set(obj))
    if missing:
        raise Invalid(f"{where}: missing field {brief(missing[0])}")
    extra = sorted(set(obj) - required - optional)
    if extra:
        raise Invalid(f"{where}: unknown field {brief(extra[0])}")
    return obj


def show(value: Fraction) -> str:
    """ "p/q" for messages; a number too long to print in full is summarised by its size."""
    try:
        if value.denominator == 1:
            return str(value.numerator)
        return f"{value.numerator}/{value.denominator}"
    except ValueError:  # beyond Python's int-to-str digit limit
        bits = (value.numerator.bit_length(), value.denominator.bit_length())
        return f"<a rational of {bits[0]}/{bits[1]} bits>"

"""Reading training data from CSV and NPZ files, exactly.

CSV cells are parsed as decimal or "p/q" text straight into rationals (no float ever). NPZ arrays
are loaded with ``allow_pickle=False``; integer arrays are exact, float arrays are accepted only
when the problem asks for float input, object arrays never.
"""

from __future__ import annotations

import csv
import hashlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from losscert.errors import InputError
from losscert.io.npz_files import npz_keys, read_npz_arrays
from losscert.model.dataset import Dataset
from losscert.model.rationals import parse_matrix, parse_rational

Rows = list[list[Fraction]]

MAX_CSV_BYTES = 64 * 1024 * 1024
"""The largest CSV data file read."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path: Path, expected: Any, where: str) -> None:
    """Raise InputError when the file's sha256 differs from ``expected`` (a hex string)."""
    if not isinstance(expected, str) or len(expected) != 64:
        raise InputError(f"{where}.sha256: expected 64 hex digits, got {expected!r}")
    actual = sha256_of(path)
    if actual != expected.lower():
        raise InputError(
            f"{where}.sha256: {path} has sha256 {actual}, the problem expects {expected}; "
            "the data file changed"
        )


def read_csv(path: Path, label_columns: Any, where: str) -> tuple[Rows, Rows]:
    """Inputs and labels from a CSV file; a first row that is not all numbers is a header.

    ``label_columns`` is the number of trailing label columns (an int), or a list of column names
    (header needed) or indices.
    """
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise InputError(
                f"{where}.file: {path} has {size} bytes, beyond the limit of {MAX_CSV_BYTES}"
            )
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            table = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{where}.file: cannot read {path}: {exc}") from exc
    if not table:
        raise InputError(f"{where}.file: {path} holds no data rows")
    first_line, first = table[0]
    header = first if _is_header(first, f"{where}: {path.name} line {first_line}") else None
    body = table[1:] if header is not None else table
    if not body:
        raise InputError(f"{where}.file: {path} has a header but no data rows")
    width = len(first)
    labels_at = _label_indices(label_columns, header, width, where)
    inputs_at = [c for c in range(width) if c not in labels_at]
    if not inputs_at:
        raise InputError(
            f"{where}.label_columns: every column of {path} is a label; no inputs left"
        )
    xs, ys = [], []
    for line, row in body:
        if len(row) != width:
            raise InputError(
                f"{where}.file: {path} line {line} has {len(row)} columns, expected {width}"
            )
        place = f"{where}: {path.name} line {line}"
        xs.append([parse_rational(row[c].strip(), f"{place} column {c + 1}") for c in inputs_at])
        ys.append([parse_rational(row[c].strip(), f"{place} column {c + 1}") for c in labels_at])
    return xs, ys


def read_npz(
    path: Path,
    inputs_key: str,
    labels_key: str,
    where: str,
    *,
    allow_float: bool,
    denominator: int | None,
) -> tuple[Rows, Rows]:
    """Inputs (n x d_X) and labels (n x d_Y or n) from two arrays of an ``.npz`` file."""
    arrays = read_npz_arrays(path, (inputs_key, labels_key), where)
    files = npz_keys(path, where) if len(arrays) < 2 else []
    for key, field in ((inputs_key, "inputs"), (labels_key, "labels")):
        if key not in arrays:
            raise InputError(f"{where}.{field}: {path} has no array {key!r} (it has {files})")
    x = _npz_matrix(
        arrays[inputs_key], f"{where}: {path.name}[{inputs_key!r}]", allow_float, denominator
    )
    y = _npz_matrix(
        arrays[labels_key], f"{where}: {path.name}[{labels_key!r}]", allow_float, denominator
    )
    return x, y


def _npz_matrix(array: np.ndarray, where: str, allow_float: bool, denominator: int | None) -> Rows:
    if array.dtype.kind not in "iuf":
        raise InputError(f"{where}: arrays must hold integers or floats, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not allow_float:
        raise InputError(
            f'{where}: holds floats (dtype {array.dtype}); set "float_input" in the problem to '
            "convert them exactly, or store integers"
        )
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise InputError(f"{where}: expected a 1-D or 2-D array, got shape {array.shape}")
    return parse_matrix(array.tolist(), where, allow_float, denominator)


def _is_header(row: list[str], where: str) -> bool:
    """A first row of text only is a header; numbers only are data; a mix is an error."""
    numeric = []
    for cell in row:
        try:
            parse_rational(cell.strip(), where)  # spaces around a cell are not part of it
            numeric.append(True)
        except InputError:
            numeric.append(False)
    if all(numeric):
        return False
    if not any(numeric):
        return True
    bad = numeric.index(False)
    raise InputError(
        f"{where} column {bad + 1}: cannot read {row[bad]!r} as a number, and the row is not a "
        "header either (it mixes text and numbers)"
    )


def _label_indices(spec: Any, header: list[str] | None, width: int, where: str) -> list[int]:
    place = f"{where}.label_columns"
    if isinstance(spec, int) and not isinstance(spec, bool):
        if not 1 <= spec < width:
            raise InputError(f"{place}: {spec} label columns do not fit a table of {width} columns")
        return list(range(width - spec, width))
    if isinstance(spec, list) and spec:
        out = []
        for entry in spec:
            if isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < width:
                out.append(entry)
            elif isinstance(entry, str) and header is not None and entry in header:
                out.append(header.index(entry))
            else:
                known = f"the header is {header}" if header else "the file has no header"
                raise InputError(f"{place}: no column {entry!r} ({known})")
        return sorted(set(out))
    raise InputError(
        f"{place}: expected the number of trailing label columns or a list of column names, got {spec!r}"
    )


LabelColumns = int | list[str] | list[int]


def parse_label_columns(text: str) -> LabelColumns:
    """``--label-columns``: a count of trailing columns ("2") or comma-separated header names."""
    names = [part.strip() for part in text.split(",")]
    if len(names) == 1 and names[0].isdigit():
        return int(names[0])
    if not all(names):
        raise InputError(
            f"--label-columns: expected a number of trailing columns or comma-separated header "
            f"names, got {text!r}"
        )
    return names


def read_dataset(
    path: Path,
    output_dim: int | None = None,
    *,
    label_columns: LabelColumns | None = None,
    input_dim: int | None = None,
    expected_by: str = "--widths",
) -> Dataset:
    """A dataset from a CSV file, an NPZ file (arrays "inputs" and "labels", integers) or a
    problem file (its data).

    A CSV file's labels are ``label_columns`` (a count of trailing columns, or header names),
    by default its last column; nothing else decides the split. ``input_dim`` and
    ``output_dim``, when given, are what ``expected_by`` (the architecture) needs: a file that
    disagrees is an InputError naming both, never re-split to fit.
    """
    where = str(path)
    if not path.is_file():
        raise InputError(f"{path}: no such data file")
    suffix = path.suffix.lower()
    if label_columns is not None and suffix != ".csv":
        raise InputError(f"--label-columns: only CSV files have columns to choose, not {path}")
    if suffix == ".csv":
        inputs, labels = read_csv(path, 1 if label_columns is None else label_columns, where)
        dataset = Dataset.from_rows(inputs, labels, where=where)
    elif suffix == ".npz":
        inputs, labels = read_npz(
            path, "inputs", "labels", where, allow_float=False, denominator=None
        )
        dataset = Dataset.from_rows(inputs, labels, where=where)
    elif suffix == ".json":
        from losscert.io.problem_file import read_problem

        dataset = read_problem(path).data
    else:
        raise InputError(f"{path}: expected a .csv, .npz or problem .json data file")
    _require_dims(dataset, path, input_dim, output_dim, expected_by, suffix == ".csv")
    return dataset


def _require_dims(
    data: Dataset,
    path: Path,
    input_dim: int | None,
    output_dim: int | None,
    expected_by: str,
    csv_file: bool,
) -> None:
    found = (data.input_dim, data.output_dim)
    wanted = (input_dim or data.input_dim, output_dim or data.output_dim)
    if found == wanted:
        return
    hint = " (choose the label columns with --label-columns COUNT or NAMES)" if csv_file else ""
    raise InputError(
        f"{path}: the data have {found[0]} input and {found[1]} label columns, but "
        f"{expected_by} needs d_X = {wanted[0]} and d_Y = {wanted[1]}{hint}"
    )


def describe_columns(path: Path, label_columns: LabelColumns | None = None) -> str:
    """Which columns of a CSV file became inputs and which labels, as one line (for the
    user to see the split); for other files, their arrays."""
    if path.suffix.lower() != ".csv":
        return f"{path}: inputs and labels from the file's own arrays"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        first = next((row for row in csv.reader(handle) if any(c.strip() for c in row)), [])
    header = first if first and _is_header(first, f"{path.name} line 1") else None
    spec = 1 if label_columns is None else label_columns
    try:
        labels_at = _label_indices(spec, header, len(first), "--label-columns")
    except InputError as exc:
        raise InputError(f"{path}: {exc}".replace(".label_columns", "")) from None
    inputs_at = [c for c in range(len(first)) if c not in labels_at]

    def show(columns: list[int]) -> str:
        return ", ".join(
            f"{header[c]!r} (column {c + 1})" if header else f"column {c + 1}" for c in columns
        )

    return f"{path}: inputs {show(inputs_at)}; labels {show(labels_at)}"

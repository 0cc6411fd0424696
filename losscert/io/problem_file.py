"""The JSON problem format, version 1: reading with full validation, and atomic writing.

A problem file holds the activation, the loss, the network at the point theta* and the data
(inline, or a CSV / NPZ file next to it, optionally pinned by sha256). Every error names the file,
the field and the bad value. See the README, section "Problem files", for the layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from losscert.checker.limits import size_over_limits
from losscert.errors import InputError
from losscert.io.data_files import check_sha256, read_csv, read_npz
from losscert.io.json_files import read_json_file, write_json_atomic
from losscert.model.activation import PRESETS, Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import LOSS_KINDS, Loss, make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import parse_matrix, parse_rational, parse_vector, rational_string

FORMAT = "losscert-problem"
VERSION = 1
_TOP_KEYS = {
    "format",
    "version",
    "name",
    "description",
    "float_input",
    "activation",
    "loss",
    "network",
    "data",
}
_PRESET_ARGS = {
    "relu": (),
    "leaky_relu": ("alpha",),
    "hardtanh": ("lo", "hi"),
    "relu6": (),
    "abs": (),
    "linear": (),
}


@dataclass(frozen=True)
class _Numbers:
    """How numbers in this file are read: floats allowed or not, rounded or exact."""

    source: str
    allow_float: bool
    denominator: int | None

    def scalar(self, value: Any, field: str) -> Fraction:
        return parse_rational(
            value,
            f"{self.source}: {field}",
            allow_float=self.allow_float,
            denominator=self.denominator,
        )

    def vector(self, value: Any, field: str) -> list[Fraction]:
        return parse_vector(value, f"{self.source}: {field}", self.allow_float, self.denominator)

    def matrix(self, value: Any, field: str) -> list[list[Fraction]]:
        return parse_matrix(value, f"{self.source}: {field}", self.allow_float, self.denominator)


def read_problem(path: str | Path) -> Problem:
    """Read and validate a problem file; InputError names the file, field and value on failure."""
    file = Path(path)
    # NaN / Infinity are read as floats so that the field holding one is named in the error
    document = read_json_file(file, "problem file", allow_constants=True)
    return problem_from_dict(document, source=str(file), base_dir=file.parent)


def problem_from_dict(
    document: Any, *, source: str = "<problem>", base_dir: Path | None = None
) -> Problem:
    """Validate a parsed problem document; data files are resolved against ``base_dir``."""
    if not isinstance(document, dict):
        raise InputError(
            f"{source}: the top level must be a JSON object, got {type(document).__name__}"
        )
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise InputError(
            f"{source}: unknown field {unknown[0]!r}; known fields: {', '.join(sorted(_TOP_KEYS))}"
        )
    if document.get("format") != FORMAT:
        raise InputError(f"{source}: format: expected {FORMAT!r}, got {document.get('format')!r}")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != VERSION:
        raise InputError(
            f"{source}: version: this losscert reads version {VERSION}, got {document.get('version')!r}"
        )
    numbers = _float_policy(document.get("float_input", False), source)
    for key in ("activation", "loss", "network", "data"):
        if key not in document:
            raise InputError(f"{source}: missing field {key!r}")
    activation = _activation(document["activation"], numbers)
    loss = _loss(document["loss"], numbers)
    network = _network(document["network"], activation, numbers)
    data = _data(document["data"], numbers, base_dir or Path("."))
    over = size_over_limits(network.widths, data.n)
    if over is not None:  # no certificate of it could be checked: refused before any work
        raise InputError(f"{source}: {over} (docs/certificate.md, section 7)")
    try:
        return Problem(network, loss, data)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from exc


def problem_to_dict(problem: Problem, *, name: str | None = None) -> dict[str, Any]:
    """The problem as a version-1 document with inline data and every number a "p/q" string."""
    net = problem.network
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if name:
        document["name"] = name
    document["activation"] = activation_to_spec(net.activation)
    loss = problem.loss
    document["loss"] = (
        loss.kind
        if loss.delta is None
        else {"kind": loss.kind, "delta": rational_string(loss.delta)}
    )
    document["network"] = {
        "layers": [
            {
                "W": [[rational_string(v) for v in row] for row in net.weights(j)],
                "b": [rational_string(v) for v in net.biases(j)],
            }
            for j in range(1, net.depth + 1)
        ]
    }
    document["data"] = {
        "inputs": [[rational_string(v) for v in row] for row in problem.data.input_rows()],
        "labels": [[rational_string(v) for v in row] for row in problem.data.label_rows()],
    }
    return document


def write_problem(problem: Problem, path: str | Path, *, name: str | None = None) -> None:
    """Write the problem atomically: a complete file appears at ``path`` or nothing changes."""
    write_json_atomic(problem_to_dict(problem, name=name), Path(path))


def activation_to_spec(activation: Activation) -> Any:
    if activation.name in _PRESET_ARGS:
        if not activation.params:
            return activation.name
        return {"preset": activation.name, **{k: rational_string(v) for k, v in activation.params}}
    return {
        "breakpoints": [rational_string(p) for p in activation.breakpoints],
        "slopes": [rational_string(s) for s in activation.slopes],
        "anchor": ["0", rational_string(activation(0))],
    }


# --- sections ------------------------------------------------------------------------------------


def _float_policy(spec: Any, source: str) -> _Numbers:
    if spec is False:
        return _Numbers(source, False, None)
    if spec is True or spec == "exact":
        return _Numbers(source, True, None)
    if isinstance(spec, dict) and set(spec) == {"round_to_denominator"}:
        denominator = spec["round_to_denominator"]
        if isinstance(denominator, int) and not isinstance(denominator, bool) and denominator > 0:
            return _Numbers(source, True, denominator)
    raise InputError(
        f'{source}: float_input: expected false, true, "exact" or {{"round_to_denominator": N}} '
        f"with a positive integer N, got {spec!r}"
    )


def _activation(spec: Any, numbers: _Numbers) -> Activation:
    where = f"{numbers.source}: activation"
    if isinstance(spec, str):
        spec = {"preset": spec}
    if not isinstance(spec, dict):
        raise InputError(f"{where}: expected a preset name or an object, got {spec!r}")
    if "preset" in spec:
        name = spec["preset"]
        if not isinstance(name, str) or name not in PRESETS:
            raise InputError(
                f"{where}.preset: unknown activation {name!r}; presets: {', '.join(PRESETS)}"
            )
        extra = sorted(set(spec) - {"preset", *_PRESET_ARGS[name]})
        if extra:
            raise InputError(f"{where}: {name} takes no parameter {extra[0]!r}")
        args = {
            k: numbers.scalar(spec[k], f"activation.{k}") for k in _PRESET_ARGS[name] if k in spec
        }
        try:
            return PRESETS[name](**args)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from exc
    extra = sorted(set(spec) - {"breakpoints", "slopes", "anchor"})
    if extra:
        raise InputError(
            f"{where}: unknown field {extra[0]!r} (a custom activation has breakpoints, slopes, anchor)"
        )
    if "slopes" not in spec:
        raise InputError(f'{where}: give a "preset" or "breakpoints" and "slopes"')
    breakpoints = spec.get("breakpoints", [])
    if not isinstance(breakpoints, list):
        raise InputError(f"{where}.breakpoints: expected a list, got {breakpoints!r}")
    bps = [numbers.scalar(v, f"activation.breakpoints[{k}]") for k, v in enumerate(breakpoints)]
    slopes = numbers.vector(spec["slopes"], "activation.slopes")
    anchor = spec.get("anchor", ["0", "0"])
    if not isinstance(anchor, list) or len(anchor) != 2:
        raise InputError(f"{where}.anchor: expected [x, h(x)], got {anchor!r}")
    point = (
        numbers.scalar(anchor[0], "activation.anchor[0]"),
        numbers.scalar(anchor[1], "activation.anchor[1]"),
    )
    return Activation.from_pieces(bps, slopes, point, where=where)


def _loss(spec: Any, numbers: _Numbers) -> Loss:
    where = f"{numbers.source}: loss"
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict) or "kind" not in spec:
        raise InputError(f'{where}: expected a loss name or {{"kind": ...}}, got {spec!r}')
    kind = spec["kind"]
    if kind not in LOSS_KINDS:
        raise InputError(f"{where}.kind: unknown loss {kind!r}; known: {', '.join(LOSS_KINDS)}")
    extra = sorted(set(spec) - {"kind", "delta"})
    if extra:
        raise InputError(f"{where}: unknown field {extra[0]!r}")
    delta = numbers.scalar(spec["delta"], "loss.delta") if "delta" in spec else None
    try:
        return make_loss(kind, delta)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from exc


def _network(spec: Any, activation: Activation, numbers: _Numbers) -> Network:
    where = f"{numbers.source}: network"
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list) or not spec["layers"]:
        raise InputError(f'{where}.layers: expected a non-empty list of {{"W": ..., "b": ...}}')
    weights, biases = [], []
    for j, layer in enumerate(spec["layers"]):
        field = f"network.layers[{j}]"
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            raise InputError(
                f'{numbers.source}: {field}: expected an object with exactly "W" and "b", got {layer!r}'
            )
        weights.append(numbers.matrix(layer["W"], f"{field}.W"))
        biases.append(numbers.vector(layer["b"], f"{field}.b"))
    return Network.from_rationals(weights, biases, activation, where=where)


def _data(spec: Any, numbers: _Numbers, base_dir: Path) -> Dataset:
    where = f"{numbers.source}: data"
    if not isinstance(spec, dict):
        raise InputError(f"{where}: expected an object, got {spec!r}")
    if "file" in spec:
        inputs, labels = _data_file(spec, numbers, base_dir)
    else:
        extra = sorted(set(spec) - {"inputs", "labels"})
        if extra or "inputs" not in spec or "labels" not in spec:
            raise InputError(
                f'{where}: inline data has exactly "inputs" and "labels" (or give "file")'
            )
        inputs = numbers.matrix(spec["inputs"], "data.inputs")
        raw_labels = spec["labels"]
        if isinstance(raw_labels, list) and raw_labels and not isinstance(raw_labels[0], list):
            raw_labels = [[v] for v in raw_labels]  # a flat list: one scalar label per sample
        labels = numbers.matrix(raw_labels, "data.labels")
    return Dataset.from_rows(inputs, labels, where=where)


def _data_file(spec: dict[str, Any], numbers: _Numbers, base_dir: Path) -> tuple[Any, Any]:
    where = f"{numbers.source}: data"
    name = spec["file"]
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}.file: expected a path, got {name!r}")
    path = base_dir / name
    if not path.is_file():
        raise InputError(f"{where}.file: {path} does not exist")
    if "sha256" in spec:
        check_sha256(path, spec["sha256"], where)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        extra = sorted(set(spec) - {"file", "sha256", "label_columns"})
        if extra:
            raise InputError(f"{where}: unknown field {extra[0]!r} for a CSV file")
        return read_csv(path, spec.get("label_columns", 1), where)
    if suffix == ".npz":
        extra = sorted(set(spec) - {"file", "sha256", "inputs", "labels"})
        if extra:
            raise InputError(f"{where}: unknown field {extra[0]!r} for an NPZ file")
        return read_npz(
            path,
            spec.get("inputs", "inputs"),
            spec.get("labels", "labels"),
            where,
            allow_float=numbers.allow_float,
            denominator=numbers.denominator,
        )
    raise InputError(f"{where}.file: {path} is neither .csv nor .npz")

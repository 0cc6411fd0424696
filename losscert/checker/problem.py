"""Section 2 of docs/certificate.md: the problem, and the checker's own exact evaluator.

Plain Fractions and lists, written to be read: this is the trusted core, so clarity beats speed.
The forward pass itself runs on integers after clearing denominators (scaled.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from . import exp_losses
from .numbers import brief, exact_keys, integer, load_json, matrix, rational, reject_floats, vector
from .result import Invalid, Unreadable
from .scaled import Trace, margin_of, scaled_forward, scaled_squared_error

LOSSES = ("squared", "squared_half", "absolute", "hinge", "huber", *exp_losses.EXP_LOSSES)
T = TypeVar("T")


@dataclass(frozen=True)
class Activation:
    breakpoints: list[Fraction]
    slopes: list[Fraction]
    intercepts: list[Fraction]

    def piece(self, z: Fraction) -> int | None:
        """The open piece containing z, or None when z is a breakpoint."""
        if z in self.breakpoints:
            return None
        return sum(1 for p in self.breakpoints if p < z)

    def bounds(self, k: int) -> tuple[Fraction | None, Fraction | None]:
        lower = self.breakpoints[k - 1] if k > 0 else None
        upper = self.breakpoints[k] if k < len(self.breakpoints) else None
        return lower, upper


@dataclass(frozen=True)
class Problem:
    widths: list[int]
    activation: Activation
    loss: str
    delta: Fraction | None
    inputs: list[list[Fraction]]
    labels: list[list[Fraction]]
    point: list[Fraction]
    traces: dict[tuple[Fraction, ...], Trace] = field(  # key: theta, () for the point
        default_factory=dict, compare=False, repr=False
    )
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)
    """Other pure results on this problem, each keyed by the exact values it depends on (the
    pattern at a point, an accepted box): a Session shares them between certificates."""

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    @property
    def num_parameters(self) -> int:
        return sum(self.widths[j] * (self.widths[j - 1] + 1) for j in range(1, len(self.widths)))

    def layers(self, theta: list[T]) -> list[tuple[list[list[T]], list[T]]]:
        """Split a parameter vector into (W_j, b_j), j = 1..L (the order of section 1)."""
        out = []
        pos = 0
        for j in range(1, len(self.widths)):
            d_in, d_out = self.widths[j - 1], self.widths[j]
            w = [theta[pos + r * d_in : pos + (r + 1) * d_in] for r in range(d_out)]
            pos += d_out * d_in
            out.append((w, theta[pos : pos + d_out]))
            pos += d_out
        return out


# --- reading ----------------------------------------------------------------------------------


def read_problem(obj: Any, base_dir: Path, minor: int = 0) -> Problem:
    """Section 2; ``minor`` is the file's minor version (the exp/log losses need 1.1)."""
    obj = exact_keys(obj, "problem", {"widths", "activation", "loss", "data", "point"})
    widths = _widths(obj["widths"])
    activation = _activation(obj["activation"])
    loss, delta = _loss(obj["loss"], minor)
    inputs, labels = _data(obj["data"], widths, base_dir)
    if loss in exp_losses.EXP_LOSSES:
        exp_losses.check_labels(loss, labels, widths[-1])
    if loss == "hinge":
        for i, y in enumerate(labels):
            for k, v in enumerate(y):
                if v not in (-1, 1):
                    raise Invalid(
                        f"problem.data.labels[{i}][{k}]: hinge labels are -1 or 1, got {v}"
                    )
    size = sum(widths[j] * (widths[j - 1] + 1) for j in range(1, len(widths)))
    point = vector(obj["point"], "problem.point", size)
    return Problem(widths, activation, loss, delta, inputs, labels, point)


def _widths(value: Any) -> list[int]:
    if not isinstance(value, list) or len(value) < 2:
        raise Invalid("problem.widths: expected a list of at least two layer widths")
    widths = [integer(w, f"problem.widths[{k}]", 1, 10_000) for k, w in enumerate(value)]
    if sum(widths[j] * (widths[j - 1] + 1) for j in range(1, len(widths))) > 10**6:
        raise Invalid("problem.widths: more than 10^6 parameters is beyond this checker")
    return widths


def _activation(value: Any) -> Activation:
    obj = exact_keys(value, "problem.activation", {"breakpoints", "slopes", "intercepts"})
    bps = vector(obj["breakpoints"], "problem.activation.breakpoints")
    slopes = vector(obj["slopes"], "problem.activation.slopes", len(bps) + 1)
    intercepts = vector(obj["intercepts"], "problem.activation.intercepts", len(bps) + 1)
    for k in range(len(bps)):
        if k + 1 < len(bps) and not bps[k] < bps[k + 1]:
            raise Invalid(f"problem.activation.breakpoints: not strictly increasing at index {k}")
        if slopes[k] == slopes[k + 1]:
            raise Invalid(
                f"problem.activation: no kink at breakpoint {k} (equal slopes {slopes[k]})"
            )
        left = slopes[k] * bps[k] + intercepts[k]
        right = slopes[k + 1] * bps[k] + intercepts[k + 1]
        if left != right:
            raise Invalid(
                f"problem.activation: discontinuous at breakpoint {k}",
                expected=left,
                derived=right,
                difference=right - left,
            )
    return Activation(bps, slopes, intercepts)


def _loss(value: Any, minor: int = 0) -> tuple[str, Fraction | None]:
    obj = exact_keys(value, "problem.loss", {"kind"}, frozenset({"delta"}))
    kind = obj["kind"]
    if not isinstance(kind, str) or kind not in LOSSES:
        raise Invalid(
            f"problem.loss.kind: {brief(kind)} is not a loss of version 1 ({', '.join(LOSSES)})"
        )
    since = exp_losses.LOSS_SINCE.get(kind, 0)
    if since > minor:
        raise Invalid(
            f"problem.loss.kind: the {kind} loss exists from version 1.{since} on; "
            f"the file declares 1.{minor}"
        )
    if kind == "huber":
        if "delta" not in obj:
            raise Invalid("problem.loss: huber needs delta")
        delta = rational(obj["delta"], "problem.loss.delta")
        if delta <= 0:
            raise Invalid(f"problem.loss.delta: must be positive, got {delta}")
        return kind, delta
    if "delta" in obj:
        raise Invalid(f"problem.loss: {kind} takes no delta")
    return kind, None


def _data(
    value: Any, widths: list[int], base_dir: Path
) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    if isinstance(value, dict) and "path" in value:
        value = _data_file(exact_keys(value, "problem.data", {"path", "sha256"}), base_dir)
        where = "problem.data (file)"
    else:
        where = "problem.data"
    obj = exact_keys(value, where, {"inputs", "labels"})
    if not isinstance(obj["inputs"], list) or not obj["inputs"]:
        raise Invalid(f"{where}.inputs: expected a non-empty list of samples")
    n = len(obj["inputs"])
    inputs = matrix(obj["inputs"], f"{where}.inputs", n, widths[0])
    labels = matrix(obj["labels"], f"{where}.labels", n, widths[-1])
    return inputs, labels


MAX_DATA_BYTES = 256 * 1024 * 1024


def _data_file(obj: dict[str, Any], base_dir: Path) -> Any:
    """The referenced data file: a regular file inside the certificate's folder, of the given
    sha256, read with a size limit (never a device, a FIFO or a path outside the folder)."""
    path, digest = obj["path"], obj["sha256"]
    if not isinstance(path, str) or not isinstance(digest, str):
        raise Invalid("problem.data: path and sha256 must be strings")
    relative = Path(path)
    if not path or "\x00" in path or relative.is_absolute() or ".." in relative.parts:
        raise Invalid(
            f"problem.data.path: {brief(path)} must be a relative path inside the certificate's folder"
        )
    file = base_dir / relative
    try:
        if not file.resolve().is_relative_to(base_dir.resolve()):
            raise Invalid(
                f"problem.data.path: {brief(path)} leads outside the certificate's folder"
            )
        if not file.is_file():
            raise Invalid(f"problem.data.path: {brief(path)} is not a regular file")
        with file.open("rb") as handle:
            raw = handle.read(MAX_DATA_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise Invalid(f"problem.data.path: cannot read {brief(path)}: {exc}") from exc
    if len(raw) > MAX_DATA_BYTES:
        raise Invalid(f"problem.data.path: {brief(path)} is larger than {MAX_DATA_BYTES} bytes")
    actual = hashlib.sha256(raw).hexdigest()
    if actual != digest:
        raise Invalid(
            "problem.data.sha256: the data file does not match",
            expected=brief(digest),
            derived=actual,
        )
    try:
        document = load_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Invalid(f"problem.data.path: {brief(path)} is not UTF-8") from exc
    except Unreadable as exc:
        raise Invalid(f"problem.data.path: {brief(path)}: {exc}") from exc
    reject_floats(document, path)
    return document


# --- exact evaluation -------------------------------------------------------------------------


def forward(problem: Problem, theta: list[Fraction]) -> Trace:
    """The exact forward pass at theta (computed once per point and problem)."""
    key = _point_key(problem, theta)
    if key not in problem.traces:
        problem.traces[key] = scaled_forward(problem, theta)
    return problem.traces[key]


def _point_key(problem: Problem, theta: list[Fraction]) -> tuple[Fraction, ...]:
    """theta as a cache key; () for the problem's own point (never changed once read), which
    spares hashing its P Fractions at every look-up (a Fraction's hash is a modular inverse)."""
    return () if theta is problem.point else tuple(theta)


def sample_loss(problem: Problem, y: list[Fraction], f: list[Fraction]) -> Fraction:
    total = Fraction(0)
    for yk, fk in zip(y, f, strict=True):
        r = fk - yk
        if problem.loss in ("squared", "squared_half"):
            total += r * r
        elif problem.loss == "absolute":
            total += abs(r)
        elif problem.loss == "hinge":
            total += max(Fraction(0), 1 - yk * fk)
        else:
            assert problem.delta is not None
            d = problem.delta
            total += r * r / 2 if abs(r) <= d else d * (abs(r) - d / 2)
    return total / 2 if problem.loss == "squared_half" else total


def risk(problem: Problem, theta: list[Fraction]) -> Fraction:
    if problem.loss in exp_losses.EXP_LOSSES:  # fail closed: no exact value exists
        raise Invalid(f"the {problem.loss} risk is not rational: only risk_bounds encloses it")
    trace = forward(problem, theta)
    if problem.loss in ("squared", "squared_half"):  # one integer sum, no Fraction per sample
        total = scaled_squared_error(problem, trace)
        return total / (
            2 * len(problem.inputs) if problem.loss == "squared_half" else len(problem.inputs)
        )
    outputs = trace.outputs
    total = sum(
        (sample_loss(problem, y, f) for y, f in zip(problem.labels, outputs, strict=True)),
        Fraction(0),
    )
    return total / len(problem.inputs)


def pattern_and_margin(
    problem: Problem, trace: Trace
) -> tuple[list[list[list[int | None]]], Fraction | None]:
    """Piece per (layer, neuron, sample) (None on a breakpoint) and the exact margin."""
    return margin_of(problem, trace)


def cell_at(
    problem: Problem, theta: list[Fraction]
) -> tuple[list[list[list[int | None]]], Fraction | None]:
    """:func:`pattern_and_margin` at theta, computed once per point and problem (callers must
    not change the lists returned)."""
    key = ("cell", *_point_key(problem, theta))
    if key not in problem.memo:
        problem.memo[key] = margin_of(problem, forward(problem, theta))
    return problem.memo[key]

"""What a picture may say was proved: certificates the checker accepted, about the pictured point.

A picture states a claim only with the certificate file that proves it, and only after
:func:`losscert.checker.check_certificate` accepted that file and the certificate's problem (widths,
activation, loss, data, point) is the pictured problem. A certificate can also hand the picture a
witness (its ``lower_point`` step) and a valley path (its ``path`` step).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from losscert.checker import check_certificate
from losscert.errors import InputError, UnsupportedError
from losscert.model.activation import PRESETS, Activation, hardtanh, leaky_relu
from losscert.model.dataset import Dataset
from losscert.model.loss import make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import parse_rational
from losscert.verifier.certificate import problem_section
from losscert.verifier.verdict import Status, Verdict


@dataclass(frozen=True)
class ProofNote:
    """One line next to a picture: a status, the claim, and the certificate file behind it."""

    status: str  # "PROVED", "REFUTED" or "UNKNOWN"
    claim: str
    file: str | None
    detail: str

    def text(self) -> str:
        head = f"{self.status} {self.claim}"
        if self.claim.startswith("not_"):  # a refutation certificate proves the negated claim
            head = f"{self.status} {self.claim.removeprefix('not_')} (proved: {self.claim})"
        if self.status == "UNKNOWN":
            return f"{head}: not decided ({self.detail}), so nothing is proved about it"
        if self.file is None:
            return f"{head}: {self.detail}"
        return f"{head}: certificate {self.file} ({self.detail})"


@dataclass(frozen=True)
class CertifiedFacts:
    """What accepted certificates say about the pictured point."""

    notes: tuple[ProofNote, ...]
    witness: list[Fraction] | None
    path: tuple[list[Fraction], list[list[Fraction]]] | None  # (denominator, numerators)
    descent: list[Fraction] | None = None  # a certified descent direction


REFUTING_CLAIMS = {"not_local_min"}


def read_certificate(path: str | Path) -> dict[str, Any]:
    """A certificate document that the checker accepted; InputError with its message otherwise."""
    result = check_certificate(path)
    if not result.valid:
        raise InputError(
            f"{path}: the checker did not accept this certificate ({result.status}): "
            f"{result.message}; a picture states only what a valid certificate proves"
        )
    try:
        return dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # the checker read it a moment ago
        raise InputError(f"{path}: cannot read the certificate again: {exc}") from exc


def facts_from_certificates(problem: Problem, paths: list[str | Path]) -> CertifiedFacts:
    """Check each certificate, require it to be about ``problem``'s point, collect what it says."""
    notes = []
    witness = None
    path_step = None
    descent = None
    for path in paths:
        document = read_certificate(path)
        _require_same_problem(document, problem, str(path))
        claim = document["claim"]["kind"]
        status = "REFUTED" if claim in REFUTING_CLAIMS else "PROVED"
        notes.append(ProofNote(status, claim, str(path), "accepted by the checker"))
        for step in document["evidence"]:
            if step["kind"] == "lower_point" and witness is None:
                witness = [parse_rational(v, f"{path}: lower_point") for v in step["point"]]
            if step["kind"] == "descent_direction" and descent is None:
                descent = [parse_rational(v, f"{path}: direction") for v in step["direction"]]
            if step["kind"] == "path" and path_step is None:
                path_step = (
                    [parse_rational(v, f"{path}: path") for v in step["denominator"]],
                    [[parse_rational(v, f"{path}: path") for v in p] for p in step["numerators"]],
                )
    return CertifiedFacts(tuple(notes), witness, path_step, descent)


def facts_from_verdicts(verdicts: list[Verdict], files: list[str | None]) -> CertifiedFacts:
    """Notes for verdicts of ``losscert certify`` (their certificates written to ``files``)."""
    notes = []
    witness = None
    descent = None
    for verdict, file in zip(verdicts, files, strict=True):
        if verdict.status is Status.UNKNOWN or verdict.certificate is None:
            notes.append(ProofNote("UNKNOWN", verdict.claim, None, verdict.reason or ""))
            continue
        claim = verdict.certificate["claim"]["kind"]
        status = verdict.status.value.upper()
        notes.append(ProofNote(status, claim, file, "accepted by the checker"))
        for step in verdict.certificate["evidence"]:
            if step["kind"] == "lower_point":
                witness = [Fraction(v) for v in step["point"]]
            if step["kind"] == "descent_direction":
                descent = [Fraction(v) for v in step["direction"]]
    return CertifiedFacts(tuple(notes), witness, None, descent)


def _require_same_problem(document: dict[str, Any], problem: Problem, where: str) -> None:
    try:
        ours = problem_section(problem)
    except UnsupportedError as exc:
        raise InputError(f"{where}: {exc}") from exc
    theirs = document["problem"]
    for field in ("widths", "activation", "loss", "point", "data"):
        if field == "data" and "path" in theirs["data"]:
            continue  # data kept in a file: the checker pinned it by sha256
        if _normal(theirs[field]) != _normal(ours[field]):
            raise InputError(
                f"{where}: this certificate is about another problem or point (its {field!r} "
                "differs from the pictured problem's); pass the problem it was made for"
            )


def _normal(value: Any) -> Any:
    """Rationals compared by value ("2/4" and "1/2" are the same number)."""
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, str):
        try:
            return Fraction(value)
        except ValueError:
            return value
    return value


def problem_of_certificate(path: str | Path) -> Problem:
    """The problem a certificate file is about (inline data only), once the checker accepted it."""
    document = read_certificate(path)
    section = document["problem"]
    where = f"{path}: problem"
    if "path" in section["data"]:
        raise InputError(f"{where}.data: kept in a file; plot the problem file itself instead")
    act = section["activation"]
    activation = _named(
        Activation(
            tuple(Fraction(v) for v in act["breakpoints"]),
            tuple(Fraction(v) for v in act["slopes"]),
            tuple(Fraction(v) for v in act["intercepts"]),
        )
    )
    widths = section["widths"]
    zeros = [[[0] * widths[j] for _ in range(widths[j + 1])] for j in range(len(widths) - 1)]
    network = Network.from_rationals(zeros, [[0] * w for w in widths[1:]], activation)
    network = network.with_parameters([Fraction(v) for v in section["point"]])
    loss = section["loss"]
    data = Dataset.from_rows(section["data"]["inputs"], section["data"]["labels"], where=where)
    return Problem(network, make_loss(loss["kind"], loss.get("delta")), data)


def _named(activation: Activation) -> Activation:
    """The preset with the same pieces, if there is one (so that pictures say "relu")."""
    bps, slopes = activation.breakpoints, activation.slopes
    candidates = [PRESETS[name]() for name in ("relu", "relu6", "abs", "linear")]
    if len(bps) == 1 and slopes[1] == 1 and slopes[0] != 1 and bps[0] == 0:
        candidates.append(leaky_relu(slopes[0]))
    if len(bps) == 2 and slopes == (0, 1, 0):
        candidates.append(hardtanh(bps[0], bps[1]))
    for preset in candidates:
        if (preset.breakpoints, preset.slopes, preset.intercepts) == (
            bps,
            slopes,
            activation.intercepts,
        ):
            return preset
    return activation


def path_points(
    path: tuple[list[Fraction], list[list[Fraction]]], samples: int = 41
) -> list[list[float]]:
    """theta(t) at ``samples`` evenly spaced t in [0, 1], evaluated exactly, then as floats."""
    denominator, numerators = path
    points = []
    for k in range(samples):
        t = Fraction(k, samples - 1)
        q = _evaluate(denominator, t)
        points.append([float(_evaluate(p, t) / q) for p in numerators])
    return points


def _evaluate(coefficients: list[Fraction], t: Fraction) -> Fraction:
    value = Fraction(0)
    for c in reversed(coefficients):
        value = value * t + c
    return value

"""``losscert plot``: from files (problem, certificates, witness, directions) to a PNG file."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from losscert.errors import InputError
from losscert.io.json_files import read_json_file
from losscert.io.problem_file import read_problem
from losscert.model.problem import Problem
from losscert.model.rationals import parse_rational
from losscert.plot.directions import DirectionSpec
from losscert.plot.figure import plot_problem, save_png
from losscert.plot.proofs import (
    CertifiedFacts,
    facts_from_certificates,
    facts_from_verdicts,
    path_points,
    problem_of_certificate,
    read_certificate,
)


def plot_file(
    problem_path: str | Path,
    out: str | Path,
    *,
    witness: str | Path | None = None,
    directions: Sequence[str] = (),
    certificates: Sequence[str | Path] = (),
    certify: bool = False,
    resolution: int = 101,
    span: tuple[float, float] | None = None,
) -> list[Path]:
    """Draw the picture of a problem file (or of the problem a certificate is about) to ``out``.

    Returns the files written: the PNG and, with ``certify``, the certificates next to it (named
    ``OUT_STEM.CLAIM.cert.json``) that the picture cites.
    """
    source = Path(problem_path)
    certs = list(certificates)
    if _is_certificate(source):
        problem = problem_of_certificate(source)
        certs.insert(0, source)
    else:
        problem = read_problem(source)
    facts = facts_from_certificates(problem, certs)
    written: list[Path] = []
    if certify:
        certified_facts, written = _certify(problem, Path(out))
        facts = CertifiedFacts(
            facts.notes + certified_facts.notes,
            facts.witness or certified_facts.witness,
            facts.path,
            facts.descent or certified_facts.descent,
        )
    point = _read_witness(Path(witness), problem) if witness is not None else facts.witness
    figure = plot_problem(
        problem,
        witness=point,
        valley=path_points(facts.path) if facts.path else None,
        descent=facts.descent,
        directions=[_direction_spec(d) for d in directions],
        notes=facts.notes,
        resolution=resolution,
        title=source.name,
        span=span,
    )
    save_png(figure, out)
    return [Path(out), *written]


def _certify(problem: Problem, out: Path) -> tuple[CertifiedFacts, list[Path]]:
    from losscert.verifier.candidate import certify_local_min, certify_spurious
    from losscert.verifier.certificate import write_certificate
    from losscert.verifier.verdict import Status

    verdicts = [certify_local_min(problem)]
    if verdicts[0].status is Status.PROVED:
        verdicts.append(certify_spurious(problem, verdicts[0]))
    files: list[str | None] = []
    written = []
    stem = out.name.removesuffix(".png")
    for verdict in verdicts:
        if verdict.certificate is None:
            files.append(None)
            continue
        path = out.parent / f"{stem}.{verdict.certificate['claim']['kind']}.cert.json"
        write_certificate(verdict.certificate, path)
        files.append(str(path))
        written.append(path)
    return facts_from_verdicts(verdicts, files), written


def _is_certificate(path: Path) -> bool:
    try:
        document = read_json_file(path, "file")
    except InputError:
        return False  # read_problem reports the problem with the file
    return isinstance(document, dict) and document.get("format") == "losscert-certificate"


def _read_witness(path: Path, problem: Problem) -> list[Fraction]:
    """A witness point from a problem file, a certificate's lower_point, or a JSON list."""
    try:  # refuses huge files, bad JSON, deep nesting and repeated keys
        document = read_json_file(path, "witness file")
    except InputError as exc:
        raise InputError(f"--witness {path}: {exc}") from exc
    size = problem.network.num_parameters
    if isinstance(document, dict) and document.get("format") == "losscert-certificate":
        facts = facts_from_certificates(problem, [path])
        if facts.witness is None:
            raise InputError(f"--witness {path}: the certificate has no lower_point step")
        return facts.witness
    if isinstance(document, dict) and document.get("format") == "losscert-problem":
        other = read_problem(path).network
        if other.widths != problem.network.widths:
            raise InputError(
                f"--witness {path}: widths {other.widths}, the problem has {problem.network.widths}"
            )
        return other.parameter_vector()
    if isinstance(document, list) and len(document) == size:
        return [parse_rational(v, f"--witness {path}[{k}]") for k, v in enumerate(document)]
    raise InputError(
        f"--witness {path}: expected a problem file, a certificate with a lower_point step, or a "
        f"JSON list of {size} rationals (one per parameter)"
    )


def _direction_spec(text: str) -> DirectionSpec:
    """A named direction, or a JSON file holding a list of numbers."""
    path = Path(text)
    if text.endswith(".json") or path.is_file():
        try:
            values: Any = read_json_file(path, "direction file")
        except InputError as exc:
            raise InputError(f"--direction {text}: {exc}") from exc
        if not isinstance(values, list):
            raise InputError(f"--direction {text}: expected a JSON list of numbers")
        return values
    return text


__all__ = ["plot_file", "read_certificate"]

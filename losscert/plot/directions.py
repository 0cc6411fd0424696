"""The two directions that span a picture's slice of parameter space.

A direction is named by a spec: ``"witness"`` (from theta* to the witness, which then sits at
coordinate 1), ``"valley"`` (from the start to the end of the valley path), ``"descent"`` (a
certified descent direction, scaled to length ``reference_length``), ``"random"`` or
``"random:SEED"`` (a seeded Gaussian direction, orthogonal to the other direction and as long as
it), ``"auto"``, or a vector of numbers (one per parameter, in the parameter-vector order).
``"auto"`` picks, in order, the witness, the valley, the descent and a random direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.errors import InputError
from losscert.model.rationals import parse_rational
from losscert.plot.landscape import Direction

DirectionSpec = str | Sequence[Any]


def choose_directions(
    specs: Sequence[DirectionSpec],
    origin: np.ndarray,
    witness: np.ndarray | None,
    valley_end: np.ndarray | None,
    descent: np.ndarray | None = None,
) -> tuple[Direction, Direction]:
    """Resolve up to two specs (missing ones are "auto") into two independent directions."""
    if len(specs) > 2:
        raise InputError(f"--direction: a slice has two directions, got {len(specs)}")
    padded = [*specs, *["auto"] * (2 - len(specs))]
    scaled = None
    if descent is not None and np.any(descent):
        scaled = origin + descent * (reference_length(origin) / float(np.linalg.norm(descent)))
    available = {"witness": witness, "valley": valley_end, "descent": scaled}
    chosen: list[Direction] = []
    for k, spec in enumerate(padded):
        if isinstance(spec, str) and spec == "auto":
            used = {d.kind for d in chosen}
            spec = next(
                (kind for kind, end in available.items() if end is not None and kind not in used),
                f"random:{k}",
            )
        chosen.append(_direction(spec, origin, available, chosen))
    first, second = chosen
    basis = np.stack([first.vector, second.vector], axis=1)
    if np.linalg.matrix_rank(basis) < 2:
        raise InputError(
            f"--direction: {first.label!r} and {second.label!r} are parallel; a slice needs two "
            "independent directions"
        )
    return first, second


def _direction(
    spec: DirectionSpec,
    origin: np.ndarray,
    available: dict[str, np.ndarray | None],
    chosen: list[Direction],
) -> Direction:
    if isinstance(spec, str) and spec in available:
        end = available[spec]
        if end is None:
            step = {"witness": "lower_point", "valley": "path", "descent": "descent_direction"}
            raise InputError(
                f"--direction {spec}: there is no {spec} (give --witness, or a certificate with a "
                f"{step[spec]} step)"
            )
        vector = end - origin
        if not np.any(vector):
            raise InputError(f"--direction {spec}: the {spec} is the point itself")
        labels = {
            "witness": "towards the witness",
            "valley": "along the valley",
            "descent": "certified descent",
        }
        return Direction(labels[spec], spec, vector)
    if isinstance(spec, str) and (spec == "random" or spec.startswith("random:")):
        return _random(spec, origin, chosen)
    if isinstance(spec, str):
        raise InputError(
            f"--direction: unknown direction {spec!r}; use witness, valley, random[:SEED] or a "
            "JSON file with one number per parameter"
        )
    values = [parse_rational(v, f"direction[{k}]", allow_float=True) for k, v in enumerate(spec)]
    if len(values) != origin.size:
        raise InputError(
            f"direction: expected {origin.size} numbers (one per parameter), got {len(values)}"
        )
    vector = np.array([float(v) for v in values])
    if not np.any(vector):
        raise InputError("direction: the zero vector is not a direction")
    return Direction("user direction", "user", vector)


def _random(spec: str, origin: np.ndarray, chosen: list[Direction]) -> Direction:
    seed_text = spec.partition(":")[2] or "0"
    try:
        seed = int(seed_text)
    except ValueError:
        raise InputError(f"--direction {spec!r}: the seed must be an integer") from None
    vector = np.random.default_rng(seed).standard_normal(origin.size)
    length = reference_length(origin)
    for other in chosen:  # orthogonal to the direction already chosen, and as long
        vector -= (vector @ other.vector) / (other.vector @ other.vector) * other.vector
        length = float(np.linalg.norm(other.vector))
    vector *= length / float(np.linalg.norm(vector))
    return Direction(f"random (seed {seed})", "random", vector)


def reference_length(origin: np.ndarray) -> float:
    """The length of directions that have none of their own: a quarter of |theta*|, at least 1/4."""
    return 0.25 * max(1.0, float(np.linalg.norm(origin)))


def as_floats(values: Sequence[Fraction] | None) -> np.ndarray | None:
    return None if values is None else np.array([float(v) for v in values])

"""Section 4 of docs/certificate.md: which verified steps conclude which claim."""

from __future__ import annotations

from collections.abc import Callable

from .result import Invalid
from .steps import Steps, Verified


def _of_kind(steps: Steps, kind: str) -> list[Verified]:
    return [s for s in steps.values() if s.kind == kind]


def _citing(steps: Steps, kind: str, cited: Verified) -> list[Verified]:
    return [s for s in _of_kind(steps, kind) if cited.id in s.uses]


def _uniform(pattern: list[list[list[int]]]) -> bool:
    """Every hidden neuron in the same piece on every sample (the linear-collapse condition)."""
    return all(len(set(neuron)) <= 1 for layer in pattern for neuron in layer)


def linear_collapse(steps: Steps) -> str | None:
    """None when the linear-collapse evidence of local_min is present, else what is missing."""
    if not _of_kind(steps, "affine_regression_optimal"):
        return "an affine_regression_optimal step"
    cells = [c for c in _of_kind(steps, "cell") if _citing(steps, "box_in_cell", c)]
    if not cells:
        return "a cell step cited by a box_in_cell step"
    if not any(_uniform(c.facts["pattern"]) for c in cells):
        return "a cell whose pattern puts each hidden neuron in one piece on all samples"
    return None


def strict(steps: Steps) -> str | None:
    for cell in _of_kind(steps, "cell"):
        if cell.facts["margin"] is not None and cell.facts["margin"] <= 0:
            continue
        if _citing(steps, "gradient_zero", cell) and _citing(steps, "hessian_pd", cell):
            return None
    return "a cell step cited by both a gradient_zero and a hessian_pd step"


def smt(steps: Steps) -> str | None:
    if _of_kind(steps, "smt_no_lower_point") or _of_kind(steps, "smt_boundary_no_lower_point"):
        return None
    return "an smt_no_lower_point step (or smt_boundary_no_lower_point on a cell boundary)"


def local_min(steps: Steps) -> str | None:
    routes = {
        "linear collapse": linear_collapse(steps),
        "second order": strict(steps),
        "SMT": smt(steps),
    }
    if any(missing is None for missing in routes.values()):
        return None
    return ", or ".join(f"{missing} ({route})" for route, missing in routes.items())


def lower_point(steps: Steps) -> str | None:
    """A point of strictly lower risk than theta*: theta* is not a global minimum."""
    if any(_citing(steps, "lower_point", base) for base in _of_kind(steps, "risk")):
        return None
    return "a risk step of the point cited by a lower_point step"


def spurious_local_min(steps: Steps) -> str | None:
    return local_min(steps) or lower_point(steps)


def not_local_min(steps: Steps) -> str | None:
    if any(s.facts["coefficient"] < 0 for s in _of_kind(steps, "descent_direction")):
        return None
    return "a descent_direction step with a negative coefficient"


def valley(steps: Steps) -> str | None:
    """A path of local minima of constant risk inside one cell (linear collapse along the path)."""
    if not _of_kind(steps, "affine_regression_optimal"):
        return "an affine_regression_optimal step"
    for constant in _of_kind(steps, "outputs_constant_on_path"):
        inside = steps[constant.facts["path_in_cell"]]
        if _uniform(steps[inside.facts["cell"]].facts["pattern"]):
            return None
    return (
        "an outputs_constant_on_path step citing a path_in_cell step whose cell puts each hidden "
        "neuron in one piece on all samples"
    )


def spurious_valley(steps: Steps) -> str | None:
    return valley(steps) or lower_point(steps)


def global_min(steps: Steps) -> str | None:
    """Linear networks: every network computes an affine map, so R >= R_lin* = R(theta*)."""
    if any(s.facts["linear_network"] for s in _of_kind(steps, "affine_regression_optimal")):
        return None
    return (
        "an affine_regression_optimal step on a network without breakpoints (other routes to "
        "global_min are not in version 1)"
    )


CLAIM_RULES: dict[str, Callable[[Steps], str | None]] = {
    "local_min": local_min,
    "strict_local_min": strict,
    "spurious_local_min": spurious_local_min,
    "not_local_min": not_local_min,
    "valley": valley,
    "spurious_valley": spurious_valley,
    "global_min": global_min,
}
"""Claim kind -> a rule returning None when the steps conclude it, else what is missing."""


def conclude(kind: str, steps: Steps) -> None:
    rule = CLAIM_RULES.get(kind)
    if rule is None:
        raise Invalid(
            f"claim kind {kind!r} is not supported by certificate version 1 "
            f"(supported: {', '.join(CLAIM_RULES)})"
        )
    missing = rule(steps)
    if missing is not None:
        raise Invalid(f"the evidence does not conclude {kind}: it needs {missing}")

"""Section 4 of docs/certificate.md: which verified steps conclude which claim."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from itertools import product
from typing import Any

from .convex import covers_every_network
from .escape_ray import RAY_CLAIM_FIELDS, no_local_min_in_box
from .infimum import global_infimum as global_infimum_rule
from .infimum import infimum_not_attained as infimum_rule
from .minimum_box import BOX_CLAIM_FIELDS, local_min_in_box, spurious_local_min_in_box
from .numbers import exact_keys, rational
from .result import Invalid
from .steps import Steps, Verified

MAX_ADJACENT_COMBINATIONS = 200_000
"""The most (region, sign) combinations the adjacent-cones route of local_min enumerates."""
MAX_SIGN_NEURONS = 16
"""cell_global_min enumerates the 2^{d_1} sign vectors; wider layers are not accepted."""


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


def constant_collapse(steps: Steps) -> str | None:
    """None when the constant-collapse evidence of local_min (since 1.1) is present."""
    for fit in _of_kind(steps, "constant_regression_optimal"):
        if _citing(steps, "box_in_cell", steps[fit.facts["cell"]]):
            return None
    return "a constant_regression_optimal step citing a cell step cited by a box_in_cell step"


def strict(steps: Steps) -> str | None:
    for cell in _of_kind(steps, "cell"):
        if cell.facts["margin"] is not None and cell.facts["margin"] <= 0:
            continue
        if _citing(steps, "gradient_zero", cell) and _citing(steps, "hessian_pd", cell):
            return None
    return "a cell step cited by both a gradient_zero and a hessian_pd step"


def boundary_cover(steps: Steps) -> str | None:
    """None when the convex cover of a boundary point (since 1.1) is present."""
    if _of_kind(steps, "convex_cover_near_boundary"):
        return None
    return "a convex_cover_near_boundary step"


def lifted(steps: Steps) -> str | None:
    """(since 1.1) The lifted gradient is zero in every adjacent pattern (3.24)."""
    if _of_kind(steps, "lifted_gradient_zero"):
        return None
    return "a lifted_gradient_zero step"


def smt(steps: Steps) -> str | None:
    if (
        _of_kind(steps, "smt_no_lower_point")
        or _of_kind(steps, "smt_boundary_no_lower_point")
        or _of_kind(steps, "smt_adjacent_no_lower_point")
        or _of_kind(steps, "smt_one_solver_no_lower_point")
    ):
        return None
    return "an smt_no_lower_point step (or smt_boundary_no_lower_point on a cell boundary)"


def local_min(steps: Steps) -> str | None:
    routes = {
        "linear collapse": linear_collapse(steps),
        "constant collapse": constant_collapse(steps),
        "boundary cover": boundary_cover(steps),
        "second order": strict(steps),
        "SMT": smt(steps),
        "adjacent cones": adjacent_cones(steps),
        "lifted gradient": lifted(steps),
    }
    if any(missing is None for missing in routes.values()):
        return None
    return ", or ".join(f"{missing} ({route})" for route, missing in routes.items())


def adjacent_cones(steps: Steps) -> str | None:
    """One hidden layer, one output (since 1.1): every choice of an adjacent region and a sign per
    neuron (``adjacent_regions``) lies inside the blocks of one convex_lower_bound step whose bound
    is at least R(theta*). Near theta* each neuron lies in the closed cone of one such block, so
    R >= R(theta*) on a neighbourhood: a local minimum, on a cell boundary or not."""
    level = _risk_of_point(steps)
    regions = _of_kind(steps, "adjacent_regions")
    if level is None or not regions:
        return "a risk step and an adjacent_regions step (with convex_lower_bound steps)"
    strong = [
        b.facts["blocks"]
        for b in _of_kind(steps, "convex_lower_bound")
        if b.facts["bound"] >= level
    ]
    options = [
        [(p, s) for p in patterns for s in signs]
        for patterns, signs in zip(
            regions[0].facts["patterns"], regions[0].facts["signs"], strict=True
        )
    ]
    everything = {block for neuron in options for block in neuron}
    if any(everything <= blocks for blocks in strong):
        return None
    count = 1
    for neuron in options:
        count *= len(neuron)
    if count > MAX_ADJACENT_COMBINATIONS:
        return (
            f"one convex_lower_bound step over every adjacent block ({count} combinations are "
            f"more than the {MAX_ADJACENT_COMBINATIONS} enumerated)"
        )
    for number, combination in enumerate(product(*options)):
        if not any(set(combination) <= blocks for blocks in strong):
            signs = [s for _, s in combination]
            return (
                f"a convex_lower_bound step with bound >= the risk over the blocks of "
                f"combination {number} of adjacent regions and signs (signs {signs})"
            )
    return None


def lower_point(steps: Steps) -> str | None:
    """A point of strictly lower risk than theta*: theta* is not a global minimum."""
    if any(_citing(steps, "lower_point", base) for base in _of_kind(steps, "risk")):
        return None
    if _of_kind(steps, "lower_point_below"):  # since 1.1: below a risk_bounds step's lower end
        return None
    return "a risk step of the point cited by a lower_point step (or a lower_point_below step)"


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
    """Linear networks: every network computes an affine map, so R >= R_lin* = R(theta*).
    One hidden layer, one output: the realisable neuron patterns and convex lower bounds that
    cover every choice of d_1 blocks, each at least R(theta*)."""
    if any(s.facts["linear_network"] for s in _of_kind(steps, "affine_regression_optimal")):
        return None
    missing = _all_blocks_bounded(steps, None)
    if missing is None:
        return None
    return (
        "an affine_regression_optimal step on a network without breakpoints, or (one hidden "
        f"layer) {missing}"
    )


def _regions(steps: Steps) -> list[Verified]:
    """The neuron_regions steps, in either encoding (neuron_regions_sparse: since 1.1)."""
    return _of_kind(steps, "neuron_regions") + _of_kind(steps, "neuron_regions_sparse")


def _risk_of_point(steps: Steps) -> Fraction | None:
    risks = _of_kind(steps, "risk")
    return risks[0].facts["value"] if risks else None


def _all_blocks_bounded(steps: Steps, level: Fraction | None) -> str | None:
    """Every network (of the problem's hidden width; of any width when level is given) has
    R >= level (default: R(theta*) from a risk step)."""
    regions = _regions(steps)
    bounds = _of_kind(steps, "convex_lower_bound")
    if not regions or not bounds:
        return "a neuron_regions step and convex_lower_bound steps"
    if level is None:
        level = _risk_of_point(steps)
        if level is None:
            return "a risk step of the point"
    blocks = frozenset((tuple(p), s) for p in regions[0].facts["patterns"] for s in (1, -1))
    hidden = bounds[0].facts["hidden"]
    return covers_every_network(
        blocks, [(b.facts["blocks"], b.facts["bound"]) for b in bounds], hidden, level
    )


def global_lower_bound(steps: Steps, bound: Fraction) -> str | None:
    """Every network of this architecture, of any hidden width: R >= bound."""
    regions = _regions(steps)
    if not regions:
        return "a neuron_regions step"
    blocks = frozenset((tuple(p), s) for p in regions[0].facts["patterns"] for s in (1, -1))
    if any(
        blocks <= b.facts["blocks"] and b.facts["bound"] >= bound
        for b in _of_kind(steps, "convex_lower_bound")
    ):
        return None
    return "a convex_lower_bound step over every realisable block with bound >= the claimed bound"


def cell_global_min(steps: Steps) -> str | None:
    """One hidden layer, one output: R(theta*) is the minimum of R over the closure of its cell.

    Every sign vector of the output weights puts the neurons into the blocks (pi_r, s_r); each
    such set must lie inside one convex_lower_bound step whose bound is at least R(theta*). One
    step over both signs of every pattern covers them all at once (any width, since 1.1);
    otherwise the 2^{d_1} sign vectors are enumerated (at most 16 neurons).
    """
    if any(s.facts["ties"] == 0 for s in _of_kind(steps, "lifted_gradient_zero")):
        return None  # since 1.1, any depth: R >= R(theta*) on the whole open cell (3.24)
    level = _risk_of_point(steps)
    if level is None:
        return "a risk step of the point"
    strong = [
        b.facts["blocks"]
        for b in _of_kind(steps, "convex_lower_bound")
        if b.facts["bound"] >= level
    ]
    for cell in _of_kind(steps, "cell"):
        if len(cell.facts["pattern"]) != 1:
            continue
        patterns = [tuple(p) for p in cell.facts["pattern"][0]]
        every = {(p, s) for p in patterns for s in (1, -1)}
        if any(every <= blocks for blocks in strong):  # since 1.1: one step, any width
            return None
        if len(patterns) > MAX_SIGN_NEURONS:
            continue
        if all(
            any(
                {(p, s) for p, s in zip(patterns, signs, strict=True)} <= blocks
                for blocks in strong
            )
            for signs in product((1, -1), repeat=len(patterns))
        ):
            return None
    return (
        "a lifted_gradient_zero step at a point inside its cell, or "
        "a cell step (one hidden layer) and a convex_lower_bound step with bound >= the risk "
        "over both signs of every neuron's pattern, or (at most "
        f"{MAX_SIGN_NEURONS} neurons), for every sign vector of the output weights, a "
        "convex_lower_bound step over the blocks (pattern_r, sign_r) with bound >= the risk"
    )


def not_global_min(steps: Steps) -> str | None:
    return lower_point(steps)


def not_cell_global_min(steps: Steps) -> str | None:
    """(since 1.1) A point of lower risk than theta* in its cell: a lower_point_in_cell step (one
    hidden layer: a point of the closed cell), or a lower_point whose pattern (every
    pre-activation strictly inside a piece) is a cell step's pattern (a point of the open cell, any
    depth)."""
    if _of_kind(steps, "lower_point_in_cell"):
        return None
    patterns = [c.facts["pattern"] for c in _of_kind(steps, "cell")]
    for point in _of_kind(steps, "lower_point"):
        if point.facts["pattern"] in patterns:
            return None
    return (
        "a lower_point_in_cell step, or a cell step and a lower_point step whose point has the "
        "same pattern (inside the cell)"
    )


def infimum_not_attained(steps: Steps, fields: dict[str, Any]) -> str | None:
    """(since 1.1) Over the networks of the problem's width, inf R = value and no network
    attains it (checker/infimum.py)."""
    value = rational(fields.get("value"), "claim.value")
    regions = _regions(steps)
    blocks = None
    if regions:
        blocks = frozenset((tuple(p), s) for p in regions[0].facts["patterns"] for s in (1, -1))
    return infimum_rule(
        blocks,
        _of_kind(steps, "convex_lower_bound"),
        _of_kind(steps, "limit_family"),
        _of_kind(steps, "unattainable_outputs"),
        value,
    )


def global_infimum(steps: Steps, fields: dict[str, Any]) -> str | None:
    """(since 1.1) Over the networks of the problem's width, inf R = value (checker/infimum.py)."""
    value = rational(fields.get("value"), "claim.value")
    regions = _regions(steps)
    blocks = None
    if regions:
        blocks = frozenset((tuple(p), s) for p in regions[0].facts["patterns"] for s in (1, -1))
    return global_infimum_rule(
        blocks, _of_kind(steps, "convex_lower_bound"), _of_kind(steps, "limit_family"), value
    )


CLAIM_RULES: dict[str, Callable[[Steps], str | None]] = {
    "local_min": local_min,
    "strict_local_min": strict,
    "spurious_local_min": spurious_local_min,
    "not_local_min": not_local_min,
    "valley": valley,
    "spurious_valley": spurious_valley,
    "global_min": global_min,
    "cell_global_min": cell_global_min,
    "not_global_min": not_global_min,
    "not_cell_global_min": not_cell_global_min,
}
"""Claim kind -> a rule returning None when the steps conclude it, else what is missing."""


CLAIM_FIELDS: dict[str, frozenset[str]] = {
    "global_lower_bound": frozenset({"bound"}),
    "local_min_in_box": BOX_CLAIM_FIELDS,
    "spurious_local_min_in_box": BOX_CLAIM_FIELDS,
    "infimum_not_attained": frozenset({"value"}),
    "global_infimum": frozenset({"value"}),
    "no_local_min_in_box": RAY_CLAIM_FIELDS,
}
"""Claim kinds with fields besides ``kind``."""

FIELD_RULES: dict[str, Callable[[Steps, dict[str, Any]], str | None]] = {
    "local_min_in_box": local_min_in_box,
    "spurious_local_min_in_box": spurious_local_min_in_box,
    "infimum_not_attained": infimum_not_attained,
    "global_infimum": global_infimum,
    "no_local_min_in_box": no_local_min_in_box,
}
"""Claim kinds (with fields) -> a rule of the steps and the claim's fields."""


CLAIM_SINCE: dict[str, int] = {
    "not_cell_global_min": 1,
    "local_min_in_box": 1,
    "spurious_local_min_in_box": 1,
    "infimum_not_attained": 1,
    "global_infimum": 1,
    "no_local_min_in_box": 1,
}
"""Claim kinds added after version 1.0 -> the minor version that introduced them."""


def read_claim(value: Any, minor: int = 0) -> tuple[str, dict[str, Any]]:
    """The claim's kind and its other fields (section 4)."""
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        raise Invalid("claim: expected an object with a string kind")
    kind = value["kind"]
    if CLAIM_SINCE.get(kind, 0) > minor:
        raise Invalid(
            f"claim: the kind {kind} exists from version 1.{CLAIM_SINCE[kind]} on; "
            f"the file declares 1.{minor}"
        )
    exact_keys(value, "claim", {"kind", *CLAIM_FIELDS.get(kind, frozenset())})
    return kind, {k: v for k, v in value.items() if k != "kind"}


def conclude(kind: str, steps: Steps, fields: dict[str, Any] | None = None) -> None:
    if kind == "global_lower_bound":
        bound = rational((fields or {}).get("bound"), "claim.bound")
        missing = global_lower_bound(steps, bound)
        if missing is not None:
            raise Invalid(f"the evidence does not conclude {kind}: it needs {missing}")
        return
    if kind in FIELD_RULES:
        missing = FIELD_RULES[kind](steps, fields or {})
        if missing is not None:
            raise Invalid(f"the evidence does not conclude {kind}: it needs {missing}")
        return
    rule = CLAIM_RULES.get(kind)
    if rule is None:
        raise Invalid(
            f"claim kind {kind!r} is not supported by certificate version 1 "
            f"(supported: {', '.join([*CLAIM_RULES, 'global_lower_bound', *FIELD_RULES])})"
        )
    missing = rule(steps)
    if missing is not None:
        raise Invalid(f"the evidence does not conclude {kind}: it needs {missing}")

"""Theorem 1 end to end: assumptions, construction, certificates and verdicts for one instance.

The chain reads top to bottom in :func:`audit_theorem1`: Step 0 (exact affine regression) ->
assumption report -> Stage 1 (linear collapse) and its box radius -> Stage 2 (a lower witness) ->
the valley path -> certificates -> verdicts, each PROVED only after the independent checker
accepted its certificate (losscert.verifier.certified).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from losscert.checker.limits import size_over_limits
from losscert.encodings.box import first_float_fit
from losscert.encodings.cells import Cell
from losscert.errors import InputError, UnsupportedError
from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.theorems.assumptions import AssumptionReport, check_assumptions
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.theorems.theorem1_exp import audit_exp
from losscert.theorems.valley import valley_path
from losscert.verifier.certificate import (
    certified_in,
    new_certificate,
    problem_section,
    rationals,
)
from losscert.verifier.checked_point import CheckedPoint, CheckerRefusal
from losscert.verifier.regression import AffineFit, fit_affine, regression_step
from losscert.verifier.stage2 import Witness, find_witness
from losscert.verifier.verdict import Status, Verdict


@dataclass(frozen=True)
class Theorem1Audit:
    """Everything the audit found for one instance, and one verdict per claim."""

    name: str
    widths: tuple[int, ...]
    activation: str
    loss: str
    n: int
    assumptions: AssumptionReport
    verdicts: dict[str, Verdict]
    stage1_risk: Fraction | None = None
    witness_risk: Fraction | None = None
    radius: Fraction | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> Fraction | None:
        if self.stage1_risk is None or self.witness_risk is None:
            return None
        return self.stage1_risk - self.witness_risk


def audit_theorem1(
    data: Dataset,
    widths: tuple[int, ...],
    activation: Activation,
    loss: Loss,
    *,
    name: str = "instance",
) -> Theorem1Audit:
    """Theorem 1 on ``data`` for the architecture ``widths`` = (d_X, d_1, ..., d_Y).

    Reports which assumptions hold, constructs the spurious local minimum and its valley where
    they do, and returns one :class:`Verdict` per claim in ``verdicts`` (``local_min``,
    ``spurious_local_min``, ``valley``; ``global_min`` for a linear activation), each PROVED only
    with a certificate the checker accepted. Raises InputError when ``widths`` do not fit the data.
    """
    start = time.perf_counter()
    if widths[0] != data.input_dim or widths[-1] != data.output_dim:
        raise InputError(
            f"{name}: widths {widths} do not match the data (d_X = {data.input_dim}, d_Y = {data.output_dim})"
        )
    over = size_over_limits(widths, data.n)
    if over is not None:  # the checker would refuse every certificate: refused before any work
        raise InputError(f"{name}: widths {widths}: {over} (docs/certificate.md, section 7)")
    fit, fit_error = _fit(data, loss)
    report = check_assumptions(data, widths, activation, loss, fit, fit_error)
    verdicts: dict[str, Verdict] = {}
    notes: list[str] = []
    summary: dict[str, Any] = {}
    if fit is None and report.items[0].holds:  # logistic / softmax on overlapping classes
        if len(widths) >= 3 and all(w >= widths[-1] for w in widths[1:-1]):
            verdicts = audit_exp(data, widths, activation, loss, notes)  # box claims
        else:
            why = (
                "no hidden layer"
                if len(widths) < 3
                else "a hidden layer is narrower than the output"
            )
            notes.append(f"no linear collapse possible: {why}")
    elif fit is None or len(widths) < 3 or any(w < widths[-1] for w in widths[1:-1]):
        notes.append("no linear collapse possible: " + ", ".join(a.name for a in report.failing()))
    elif activation.is_linear:
        verdicts["global_min"] = _linear_contrast(data, widths, activation, loss, fit)
        notes.append(
            "linear activation: the collapse point is certified a global minimum, not spurious"
        )
    else:
        verdicts, summary = _construct_and_certify(
            data, widths, activation, loss, fit, report, notes
        )
    return Theorem1Audit(
        name,
        tuple(widths),
        activation.describe(),
        loss.describe(),
        data.n,
        report,
        verdicts,
        summary.get("stage1_risk"),
        summary.get("witness_risk"),
        summary.get("radius"),
        time.perf_counter() - start,
        notes,
    )


def _fit(data: Dataset, loss: Loss) -> tuple[AffineFit | None, str | None]:
    try:
        return fit_affine(data, loss), None
    except UnsupportedError as exc:
        return None, str(exc)


def _construct_and_certify(
    data: Dataset,
    widths: tuple[int, ...],
    activation: Activation,
    loss: Loss,
    fit: AffineFit,
    report: AssumptionReport,
    notes: list[str],
) -> tuple[dict[str, Verdict], dict[str, Any]]:
    choice = choose_collapse(activation, fit)
    network = collapse_network(widths, activation, fit, choice)
    problem = Problem(network, loss, data)
    section = problem_section(problem)  # written into three certificates: made once
    # the checker's reading of the section and its integer evaluator for the risk, the cell, the
    # box and the witness: kept in one session, which the three checks then reuse
    try:
        point = CheckedPoint.of(section)
    except CheckerRefusal as exc:  # fail closed: what the checker cannot read, it cannot prove
        detail = f"the checker refuses the problem section: {exc}"
        claims = ("local_min", "spurious_local_min", "valley")
        return {c: Verdict(Status.UNKNOWN, c, None, "checker_rejected", detail) for c in claims}, {}
    cell = point.cell()
    radius = _box_radius(problem, point, cell)
    stage1_risk = point.risk()
    summary: dict[str, Any] = {"stage1_risk": stage1_risk, "radius": radius}
    if radius is None:
        raise AssertionError("the Stage 1 point has no box inside its cell")  # construction bug
    local = _local_min_steps(stage1_risk, cell, radius, fit)
    verdicts = {"local_min": _verdict("local_min", problem, local, point)}
    theorem_applies = report.all_hold
    witness: Witness | None = None
    if len(widths) >= 3 and widths[1] > widths[-1]:
        witness = find_witness(problem, fit, choice.alpha, spare=widths[-1], exact_risk=point.risk)
    if witness is None:
        notes.append("no exactly lower point found next to the Stage 1 point")
    else:
        summary["witness_risk"] = witness.risk
        claim = "spurious_local_min"
        steps = [
            *local,
            {
                "id": "lower",
                "kind": "lower_point",
                "uses": ["risk"],
                "point": rationals(witness.parameters),
                "risk": rational_string(witness.risk),
            },
        ]
        verdicts[claim] = _verdict(claim, problem, steps, point)
        if not theorem_applies:
            notes.append(
                "a spurious local minimum was found although an assumption fails: "
                + ", ".join(a.name for a in report.failing())
            )
    path = valley_path(widths, activation, fit, choice, data.input_rows())
    valley_steps = [
        local[1],  # the cell
        local[3],  # the affine regression optimum
        {
            "id": "path",
            "kind": "path",
            "denominator": rationals(path.denominator),
            "numerators": [rationals(p) for p in path.numerators],
        },
        {
            "id": "inside",
            "kind": "path_in_cell",
            "uses": ["path", "cell"],
            "margin": rational_string(path.margin),
        },
        {"id": "constant", "kind": "outputs_constant_on_path", "uses": ["inside"]},
    ]
    verdicts["valley"] = _verdict("valley", problem, valley_steps, point)
    return verdicts, summary


def _box_radius(problem: Problem, point: CheckedPoint, cell: Cell) -> Fraction | None:
    """The largest margin / 2^k (k >= 1) whose box the checker accepts (a float screen picks
    the first k to try); None on a boundary point."""
    if cell.on_boundary:
        return None
    rho = cell.margin / 2 if cell.margin is not None else Fraction(1)
    return point.box_radius(cell, rho, first_float_fit(problem, cell, rho))


def _local_min_steps(
    risk: Fraction, cell: Cell, radius: Fraction, fit: AffineFit
) -> list[dict[str, Any]]:
    return [
        {"id": "risk", "kind": "risk", "value": rational_string(risk)},
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [[list(neuron) for neuron in layer] for layer in cell.pieces],
            "margin": None if cell.margin is None else rational_string(cell.margin),
        },
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(radius)},
        regression_step(fit),
    ]


def _verdict(
    claim: str,
    problem: Problem,
    steps: list[dict[str, Any]],
    point: CheckedPoint | None = None,
) -> Verdict:
    certificate = new_certificate(
        problem,
        claim,
        steps,
        {"construction": "Theorem 1 (He, Wang & Tao 2020)"},
        section=None if point is None else point.section,
    )
    return certified_in(None if point is None else point.session, claim, Status.PROVED, certificate)


def _linear_contrast(
    data: Dataset, widths: tuple[int, ...], activation: Activation, loss: Loss, fit: AffineFit
) -> Verdict:
    choice = choose_collapse(activation, fit)
    problem = Problem(collapse_network(widths, activation, fit, choice), loss, data)
    steps: list[dict[str, Any]] = [
        {"id": "risk", "kind": "risk", "value": rational_string(problem.risk())},
        regression_step(fit),
    ]
    return _verdict("global_min", problem, steps)

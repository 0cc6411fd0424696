"""The local minimum near a point that is not exactly critical (a point found by training).

A float point from gradient descent is almost never an exact critical point: its exact gradient
is small, not zero, so ``certify_local_min`` refutes it (correctly, and uselessly). This module
moves the point onto an exact critical point nearby and certifies *that* point, reporting how far
it moved. The routes, tried in this order, each give a rational point that is then certified from
scratch by :func:`~losscert.verifier.candidate.certify_local_min` (nothing here is trusted):

1. **linear collapse** (any depth): every hidden neuron in one piece on every sample, so the
   network is affine on the data; the output layer is solved exactly (hidden layers fixed) so that
   the network computes the optimal affine predictor (the Theorem 1 argument then applies);
2. **cell minimum** (one hidden layer, one output, convex loss): the exact minimiser of the
   point's cell (:func:`~losscert.verifier.global_min.snap_to_cell_minimum`); when it lies on
   the cell's boundary (a kink on a sample), that boundary point, proved by convex bounds on
   every adjacent closed cell (:mod:`losscert.verifier.boundary_minimum`);
3. **Newton** (any depth, differentiable loss): in the reduced coordinates (constant neurons'
   parameters and one rescaling anchor per neuron fixed, as in docs/certificate.md 3.11.1),
   Newton steps on the cell's risk with exact gradients and Hessians, then rational rounding at
   a ladder of denominators; a rounding with an exactly zero gradient is the moved point.

Where no route gives an exactly critical point, the result says so (UNKNOWN). Distances are in
the max norm, |theta' - theta|_inf, exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.checker import calculus
from losscert.checker.box_reduction import free_parameters as box_free_parameters
from losscert.encodings.cells import Cell, locate_cell
from losscert.encodings.derivatives import risk_gradient
from losscert.encodings.exact_linear import solve_with_free
from losscert.errors import UnsupportedError
from losscert.model.loss import Interval
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import to_fraction
from losscert.verifier.boundary_minimum import certify_boundary_minimum, closed_cell_minimum_point
from losscert.verifier.constant_collapse import affine_witness, constant_point
from losscert.verifier.descent import checker_view
from losscert.verifier.regression import fit_affine
from losscert.verifier.search import LowerPoint
from losscert.verifier.smt_route import SmtOptions
from losscert.verifier.verdict import Status, Verdict

NEWTON_STEPS = 8
NEWTON_PARAMETERS = 120
"""Newton builds the exact Hessian of the free parameters: bounded so that it stays quick."""
NEWTON_TOTAL = 300
"""... and the exact jets run over every parameter (the second-order rung's limit)."""
ROUNDING = (10**3, 10**6, 10**9, 10**12)
"""Denominator limits tried when rounding a Newton iterate onto a rational critical point."""
ITERATE_BITS = 64
"""Newton iterates are rounded to multiples of 2^-64 so that their size stays bounded."""
CLAIM = "local_min"


@dataclass(frozen=True)
class MovedPoint:
    """A rational point near the original, and the route that found it."""

    route: str
    problem: Problem


@dataclass(frozen=True)
class NearbyResult:
    """What ``certify`` reports about a point that is not exactly critical.

    ``gradient_size`` is max_a |dR/dtheta_a| at the original point (exact; 0 when it is
    critical, None when R has no gradient there). When a nearby minimum was certified, ``moved``
    is the problem at it, ``distance`` = |theta' - theta|_inf and ``local`` (and ``spurious``)
    the verdicts about it; otherwise ``local`` is UNKNOWN and says what was tried.
    """

    original_risk: Fraction | Interval
    gradient_size: Fraction | None
    local: Verdict
    moved: MovedPoint | None = None
    distance: Fraction | None = None
    spurious: Verdict | None = None
    tried: list[str] = field(default_factory=list)

    @property
    def risk(self) -> Fraction | Interval | None:
        """The moved point's risk: exact, or (logistic / softmax) a rigorous interval."""
        return None if self.moved is None else risk_of(self.moved.problem)


def risk_of(problem: Problem) -> Fraction | Interval:
    """The exact risk, or for the logistic and softmax losses a rigorous rational interval."""
    return problem.risk() if problem.loss.is_rational else problem.risk_bounds()


def gradient_size(problem: Problem) -> Fraction | None:
    """max |dR/dtheta_a| at the point, exact; None on a cell boundary or a loss kink."""
    try:
        gradient = risk_gradient(problem)
    except UnsupportedError:
        return None
    return max((abs(g) for g in gradient), default=Fraction(0))


def distance(a: Problem, b: Problem) -> Fraction:
    """|theta_a - theta_b|_inf, exact."""
    pairs = zip(a.network.parameter_vector(), b.network.parameter_vector(), strict=True)
    return max((abs(x - y) for x, y in pairs), default=Fraction(0))


def certify_nearby(
    problem: Problem,
    options: SmtOptions | None = None,
    *,
    spurious: bool = True,
    seed: int = 0,
) -> NearbyResult:
    """Certify the local minimum near ``problem``'s point (and whether it is spurious).

    Tries each moved point of :func:`nearby_points` in turn; the first one that
    ``certify_local_min`` PROVES is the answer. The verdicts' ``stats`` carry the original
    point's exact risk, the route, the distance and the moved point's risk.
    """
    from losscert.verifier.candidate import certify_local_min, certify_spurious

    options = options or SmtOptions()
    if not problem.loss.is_rational:  # logistic / softmax: always a box (exp_box.py)
        from losscert.verifier.exp_box import certify_exp_nearby

        return certify_exp_nearby(problem, options, spurious=spurious, seed=seed)
    original_risk = problem.risk()
    size = gradient_size(problem)
    tried: list[str] = []
    for moved in nearby_points(problem):
        options.say(f"nearby: trying the {moved.route} point")
        if moved.route == "closed-cell minimum":  # on a boundary: the exact cover, no SMT
            verdict = certify_boundary_minimum(moved.problem)
        else:
            verdict = certify_local_min(moved.problem, options)
        tried.append(f"{moved.route}: {verdict.status.value}")
        if verdict.status is not Status.PROVED:
            continue
        moved_by = distance(problem, moved.problem)
        stats = _stats(original_risk, moved, moved_by)
        stats["prediction_change"] = prediction_change(problem, moved.problem)
        local = _with_stats(verdict, stats)
        lower = None
        if spurious:
            witness = _constant_witness(moved) if moved.route == "constant collapse" else None
            found = certify_spurious(moved.problem, verdict, seed=seed, witness=witness)
            lower = _with_stats(found, stats)
        return NearbyResult(original_risk, size, local, moved, moved_by, lower, tried)
    boxed = _box_route(problem, original_risk, size, tried, spurious, seed)
    if boxed is not None:
        return boxed
    detail = "no exact critical point found nearby" + (
        f" (tried {'; '.join(tried)})" if tried else ""
    )
    unknown = Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)
    return NearbyResult(original_risk, size, unknown, tried=tried)


def _constant_witness(moved: MovedPoint) -> LowerPoint | None:
    """For a constant collapse: the network computing the optimal affine predictor, if lower."""
    witness = affine_witness(moved.problem)
    if witness is None or not witness.risk() < moved.problem.risk():
        return None
    return LowerPoint(witness.network.parameter_vector(), witness.risk())


def _box_route(
    problem: Problem,
    original_risk: Fraction,
    size: Fraction | None,
    tried: list[str],
    spurious: bool,
    seed: int,
) -> NearbyResult | None:
    """A box around a Newton iterate that traps a local minimum (an irrational one, in general)."""
    from losscert.verifier.minimum_box import certify_minimum_in_box, certify_spurious_in_box

    cell = locate_cell(problem)
    if cell.on_boundary:
        return None
    centre = newton_iterate(problem, cell)
    if centre is None:
        tried.append("box: no Newton iterate (the reduced Hessian is singular)")
        return None
    verdict = certify_minimum_in_box(centre)
    tried.append(f"box: {verdict.status.value}")
    if verdict.status is not Status.PROVED:
        tried[-1] += f" ({verdict.detail})"
        return None
    moved = MovedPoint("box", centre)
    moved_by = distance(problem, centre)
    stats = _stats(original_risk, moved, moved_by)
    stats["prediction_change"] = prediction_change(problem, centre)
    local = _with_stats(verdict, stats)
    lower = None
    if spurious:
        lower = _with_stats(certify_spurious_in_box(centre, verdict, seed=seed), stats)
    return NearbyResult(original_risk, size, local, moved, moved_by, lower, tried)


def prediction_change(a: Problem, b: Problem) -> Fraction:
    """max_i |f_b(x_i) - f_a(x_i)|_inf: how far the predictions moved (blind to the rescaling
    symmetry, unlike the distance between parameter vectors)."""
    rows = zip(a.trace().output_rows(), b.trace().output_rows(), strict=True)
    return max(
        (abs(u - v) for fa, fb in rows for u, v in zip(fa, fb, strict=True)), default=Fraction(0)
    )


def _stats(
    original_risk: Fraction | Interval, moved: MovedPoint, moved_by: Fraction
) -> dict[str, Any]:
    return {
        "nearby_route": moved.route,
        "original_risk": original_risk,
        "distance": moved_by,
        "moved_risk": risk_of(moved.problem),
        "moved_point": moved.problem.network.parameter_vector(),
    }


def _with_stats(verdict: Verdict, stats: dict[str, Any]) -> Verdict:
    """The same verdict with more stats (the checked token is kept: the certificate is the same)."""
    return Verdict(
        verdict.status,
        verdict.claim,
        verdict.certificate,
        verdict.reason,
        verdict.detail,
        {**verdict.stats, **stats},
        checked=verdict.checked,
    )


def nearby_points(problem: Problem) -> Iterator[MovedPoint]:
    """Rational points near ``problem``'s point that may be exact critical points, cheapest
    route first (see the module doc). Nothing is promised about them: the caller certifies."""
    cell = locate_cell(problem)
    if cell.on_boundary:
        return
    collapsed = collapse_point(problem, cell)
    if collapsed is not None:
        yield MovedPoint("linear collapse", collapsed)
    constant = constant_point(problem, cell)
    if constant is not None:
        yield MovedPoint("constant collapse", constant)
    snapped = _cell_minimum_point(problem)
    if snapped is not None:
        yield MovedPoint("cell minimum", snapped)
    else:
        closed = closed_cell_minimum_point(problem, cell)
        if closed is not None and locate_cell(closed).on_boundary:
            yield MovedPoint("closed-cell minimum", closed)
    critical = newton_point(problem, cell)
    if critical is not None:
        yield MovedPoint("newton", critical)


def collapse_point(problem: Problem, cell: Cell) -> Problem | None:
    """With every hidden neuron in one piece on every sample: the point whose output layer is
    solved exactly (hidden layers kept) so that the network computes the optimal affine predictor;
    None when the pattern is not uniform or the hidden features cannot express it."""
    if any(len(set(neuron)) > 1 for layer in cell.pieces for neuron in layer):
        return None
    try:
        fit = fit_affine(problem.data, problem.loss)
    except UnsupportedError:
        return None
    net = problem.network
    features = _last_hidden(problem)
    rows = [[*phi, Fraction(1)] for phi in features]
    weights, biases = [], []
    for k in range(net.output_dim):
        current = [*net.weights(net.depth)[k], net.biases(net.depth)[k]]
        target = [u[k] for u in fit.predictions]
        solved = solve_with_free(rows, target, current)
        if solved is None:
            return None
        weights.append(solved[:-1])
        biases.append(solved[-1])
    layers_w = [net.weights(j) for j in range(1, net.depth)] + [weights]
    layers_b = [net.biases(j) for j in range(1, net.depth)] + [biases]
    return problem.with_network(Network.from_rationals(layers_w, layers_b, net.activation))


def _last_hidden(problem: Problem) -> list[list[Fraction]]:
    """The activations feeding the output layer, one row per sample (the inputs when L = 1)."""
    net = problem.network
    if net.depth == 1:
        return problem.data.input_rows()
    z = problem.trace().pre_activations[-1]
    act = net.activation
    values = [[act(to_fraction(v)) for v in row] for row in z.tolist()]
    return [list(column) for column in zip(*values, strict=True)]


def _cell_minimum_point(problem: Problem) -> Problem | None:
    from losscert.verifier.global_min import snap_to_cell_minimum

    try:
        snapped = snap_to_cell_minimum(problem)
    except UnsupportedError:
        return None
    return None if snapped is None else problem.with_network(snapped)


def free_parameters(problem: Problem, cell: Cell) -> list[int]:
    """The parameters left free after fixing constant neurons, inert parameters, the biases of
    linear neurons and one rescaling anchor per neuron (docs/certificate.md 3.20, derived by the
    checker's own code)."""
    view = checker_view(problem)
    pattern = [[[int(k or 0) for k in neuron] for neuron in layer] for layer in cell.pieces]
    return box_free_parameters(view, pattern, Fraction(0))


def newton_point(problem: Problem, cell: Cell, steps: int = NEWTON_STEPS) -> Problem | None:
    """Newton on the free parameters, then rounding; the first rounding that stays in the cell
    with an exactly zero gradient, or None."""
    iterate = newton_iterate(problem, cell, steps)
    if iterate is None:
        return None
    free = free_parameters(problem, cell)
    values = iterate.network.parameter_vector()
    for limit in ROUNDING:
        rounded = list(values)
        for a in free:
            rounded[a] = values[a].limit_denominator(limit)
        candidate = problem.with_network(problem.network.with_parameters(rounded))
        if _critical_in_cell(candidate, cell):
            return candidate
    return None


def newton_iterate(problem: Problem, cell: Cell, steps: int = NEWTON_STEPS) -> Problem | None:
    """The last Newton iterate that stayed in the cell (None when the reduced Hessian is
    singular, the loss has no Hessian, or the first step already leaves the cell)."""
    if problem.network.num_parameters > NEWTON_TOTAL:
        return None  # the exact jets cost n P^2: bounded, like the second-order rung
    free = free_parameters(problem, cell)
    if not free or len(free) > NEWTON_PARAMETERS:
        return None
    current = problem
    moved = False
    for _ in range(steps):
        step = _newton_step(current, free)
        if step is None:
            break
        values = current.network.parameter_vector()
        for a, delta in zip(free, step, strict=True):
            values[a] = _dyadic(values[a] + delta)
        candidate = problem.with_network(problem.network.with_parameters(values))
        if not _same_cell(candidate, cell):
            break
        current, moved = candidate, True
        if not any(step):
            break
    return current if moved else None


def _newton_step(problem: Problem, free: list[int]) -> list[Fraction] | None:
    """-H^{-1} g on the free coordinates (float solve of the exact H and g, rounded)."""
    try:
        jet = calculus.risk_jet(checker_view(problem), 2)
    except Exception:  # a residual on a loss kink: no Hessian here
        return None
    position = {a: k for k, a in enumerate(free)}
    gradient = np.zeros(len(free))
    hessian = np.zeros((len(free), len(free)))
    for a, v in jet.grad.items():
        if a in position:
            gradient[position[a]] = float(v)
    for (a, b), v in jet.hess.items():
        if a in position and b in position:
            hessian[position[a], position[b]] = hessian[position[b], position[a]] = float(v)
    if not np.all(np.isfinite(hessian)) or np.linalg.matrix_rank(hessian) < len(free):
        return None
    step = np.linalg.solve(hessian, -gradient)
    if not np.all(np.isfinite(step)):
        return None
    return [Fraction(float(v)) for v in step]


def _dyadic(value: Fraction) -> Fraction:
    scale = 1 << ITERATE_BITS
    return Fraction(round(value * scale), scale)


def _same_cell(candidate: Problem, cell: Cell) -> bool:
    moved = locate_cell(candidate)
    return not moved.on_boundary and moved.pieces == cell.pieces


def _critical_in_cell(candidate: Problem, cell: Cell) -> bool:
    if not _same_cell(candidate, cell):
        return False
    size = gradient_size(candidate)
    return size is not None and size == 0


def nearby_verdicts(result: NearbyResult | None) -> list[Verdict]:
    """The verdicts about the moved point (local minimum, then spurious), for writing."""
    if result is None:
        return []
    return [v for v in (result.local, result.spurious) if v is not None]

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
3. **least-squares output layer** (any depth, squared loss): the hidden layers kept, the output
   layer solved exactly (:mod:`losscert.verifier.nearby_flat`); this finds minima that are flat
   beyond the known symmetries (a singular reduced Hessian), where Newton has no step;
4. **Newton** (any depth, differentiable loss): in the reduced coordinates (constant neurons'
   parameters and one rescaling anchor per neuron fixed, as in docs/certificate.md 3.11.1),
   Newton steps on the cell's risk with exact gradients and Hessians, then rational rounding at
   a ladder of denominators; a rounding with an exactly zero gradient is the moved point;
5. then the **box** claim around a Newton iterate (an irrational minimum), and last the
   **face** route (:mod:`losscert.verifier.face_minimum`, any depth): ties held on their
   breakpoints, the first layer and the biases solved exactly; its points get the cheap rungs
   first and the SMT rung until NEARBY_SECONDS after the start.

When the minimum of the closed cell is not a local minimum (an adjacent cell descends), the
result says so with a refutation certificate and follows the descent into the adjacent cell
(:mod:`losscert.verifier.nearby_descent`).

Where no route gives an exactly critical point, the result says so (UNKNOWN). Distances are in
the max norm, |theta' - theta|_inf, exact, after each moved point is rescaled neuron by neuron
towards the original (:mod:`losscert.verifier.nearby_rescale`: the same function and risk).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
from losscert.verifier.face_minimum import face_points, is_face_critical
from losscert.verifier.nearby_descent import HOPS, Refuted, follow_descent
from losscert.verifier.nearby_flat import least_squares_output_point
from losscert.verifier.nearby_rescale import rescale_towards
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
FACE_ROUTES = ("face minimum", "linear-block minimum")
"""The face route's names: on a face of the cell (ties held), or inside the cell (none held)."""
FACE_SHRINK = 1000
"""The SMT rung asks about a face point's box shrunk this much (a local minimum needs only some
box; at depth 2 z3 and cvc5 answered 1/1000 of the box where the whole one timed out)."""
NEARBY_SECONDS = 25.0
"""No SMT query about a face point starts later than this after ``certify_nearby`` began (and
none runs past it): the face route comes last and takes what is left."""


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
    ``not_minimum`` is a boundary point near the original (the minimum of the closure of its
    cell) that is *not* a local minimum, with its REFUTED ``local_min`` verdict (a descent
    direction into an adjacent cell); when nothing lower was proved, ``local`` is that verdict
    and ``moved`` that point. When an exact critical point of a face was found but not decided
    (UNKNOWN), ``moved`` is that point and ``local`` UNKNOWN: the point is written for the user.
    """

    original_risk: Fraction | Interval
    gradient_size: Fraction | None
    local: Verdict
    moved: MovedPoint | None = None
    distance: Fraction | None = None
    spurious: Verdict | None = None
    tried: list[str] = field(default_factory=list)
    not_minimum: Refuted | None = None
    not_minimum_distance: Fraction | None = None

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
    from losscert.verifier.candidate import certify_spurious

    started = time.perf_counter()
    opts: SmtOptions = SmtOptions() if options is None else options
    if not problem.loss.is_rational:  # logistic / softmax: always a box (exp_box.py)
        from losscert.verifier.exp_box import certify_exp_nearby

        return certify_exp_nearby(problem, opts, spurious=spurious, seed=seed)
    original_risk = problem.risk()
    size = gradient_size(problem)
    tried: list[str] = []
    refuted: Refuted | None = None

    undecided: list[tuple[MovedPoint, Verdict]] = []  # face points the rungs left open

    def attempt(moved: MovedPoint, smt: SmtOptions | None = None) -> NearbyResult | None:
        nonlocal refuted
        moved = MovedPoint(moved.route, rescale_towards(problem, moved.problem))
        opts.say(f"nearby: trying the {moved.route} point")
        verdict = _certify_moved(moved, opts) if smt is None else _smt_rung(moved, smt)
        if moved.route == "closed-cell minimum" and verdict.status is not Status.PROVED:
            moved, verdict, first = _descend(problem, moved, verdict, opts, tried)
            refuted = refuted or first
        elif verdict.status is Status.REFUTED and locate_cell(moved.problem).on_boundary:
            refuted = refuted or Refuted(moved.problem, verdict, moved.route)
        tried.append(f"{moved.route}: {verdict.status.value}" + _where(problem, moved, verdict))
        if verdict.status is Status.UNKNOWN and moved.route in FACE_ROUTES:
            undecided.append((moved, verdict))
        if verdict.status is not Status.PROVED:
            return None
        moved_by = distance(problem, moved.problem)
        stats = _stats(original_risk, moved, moved_by)
        stats["prediction_change"] = prediction_change(problem, moved.problem)
        local = _with_stats(verdict, stats)
        lower = None
        if spurious:
            witness = _constant_witness(moved) if moved.route == "constant collapse" else None
            found = certify_spurious(moved.problem, verdict, seed=seed, witness=witness)
            lower = _with_stats(found, stats)
        return _result(problem, original_risk, size, local, moved, lower, tried, refuted)

    for moved in nearby_points(problem):
        if (answer := attempt(moved)) is not None:
            return answer
    boxed = _box_route(problem, original_risk, size, tried, spurious, seed)
    if boxed is not None:
        away = None if refuted is None else distance(problem, refuted.problem)
        return replace(boxed, not_minimum=refuted, not_minimum_distance=away)
    # last, the face points: first every cheap rung on each (no SMT), then the SMT rung on those
    # left open, until NEARBY_SECONDS after the start
    face_deadline = started + NEARBY_SECONDS
    if opts.deadline is not None:
        face_deadline = min(face_deadline, opts.deadline)
    smt = replace(opts, deadline=face_deadline)
    opts = replace(opts, deadline=0.0)  # query_timeout() is None: no SMT query starts
    for moved in face_moves(problem):
        if (answer := attempt(moved)) is not None:
            return answer
    first_pass, undecided[:] = list(undecided), []
    for moved, _ in first_pass:
        if smt.query_timeout() is None:
            undecided.append(
                (
                    moved,
                    Verdict(
                        Status.UNKNOWN,
                        CLAIM,
                        reason="budget",
                        detail=(
                            f"no time left for the SMT rung ({NEARBY_SECONDS:g} s after the start)"
                        ),
                    ),
                )
            )
            continue
        if (answer := attempt(moved, smt)) is not None:
            return answer
    if undecided:  # an exact critical point of a face, found but not decided
        moved, verdict = undecided[0]
        detail = verdict.detail.strip().rstrip(";")
        verdict = Verdict(Status.UNKNOWN, CLAIM, reason=verdict.reason, detail=detail)
        return _unproved(problem, original_risk, size, moved, verdict, tried, refuted)
    if refuted is not None:  # plainly: the point near the original is not a local minimum
        moved = MovedPoint(refuted.route, refuted.problem)
        return _unproved(problem, original_risk, size, moved, refuted.verdict, tried, refuted)
    detail = "no exact critical point found nearby" + (
        f" (tried {'; '.join(tried)})" if tried else ""
    )
    unknown = Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)
    return NearbyResult(original_risk, size, unknown, tried=tried)


def _unproved(
    problem: Problem,
    original_risk: Fraction,
    size: Fraction | None,
    moved: MovedPoint,
    verdict: Verdict,
    tried: list[str],
    refuted: Refuted | None,
) -> NearbyResult:
    """A result about a point that is not a proved minimum (REFUTED, or UNKNOWN: found, open)."""
    stats = _stats(original_risk, moved, distance(problem, moved.problem))
    stats["prediction_change"] = prediction_change(problem, moved.problem)
    local = _with_stats(verdict, stats)
    return _result(problem, original_risk, size, local, moved, None, tried, refuted)


def _result(
    problem: Problem,
    original_risk: Fraction,
    size: Fraction | None,
    local: Verdict,
    moved: MovedPoint,
    lower: Verdict | None,
    tried: list[str],
    refuted: Refuted | None,
) -> NearbyResult:
    moved_by = distance(problem, moved.problem)
    away = None if refuted is None else distance(problem, refuted.problem)
    return NearbyResult(original_risk, size, local, moved, moved_by, lower, tried, refuted, away)


def _smt_rung(moved: MovedPoint, options: SmtOptions) -> Verdict:
    """The SMT rung alone at a point whose cheap rungs were run already (inside a cell the
    ladder, whose cheap rungs are quick)."""
    from losscert.verifier.candidate import certify_local_min
    from losscert.verifier.smt_route import smt_boundary_local_min

    cell = locate_cell(moved.problem)
    if cell.on_boundary:
        return smt_boundary_local_min(moved.problem, cell, options, shrink=FACE_SHRINK)
    return certify_local_min(moved.problem, options)


def _certify_moved(moved: MovedPoint, options: SmtOptions) -> Verdict:
    """certify_local_min at a moved point; on a cell boundary of one hidden layer, the exact
    cover of the adjacent closed cells first (no SMT)."""
    from losscert.verifier.candidate import certify_local_min

    if locate_cell(moved.problem).on_boundary:
        verdict = certify_boundary_minimum(moved.problem)
        if verdict.status is Status.PROVED:
            return verdict
        if moved.route.startswith("closed-cell minimum"):
            return verdict  # the caller refutes it (a descent) or follows the descent
    return certify_local_min(moved.problem, options)


def _descend(
    start: Problem, moved: MovedPoint, verdict: Verdict, options: SmtOptions, tried: list[str]
) -> tuple[MovedPoint, Verdict, Refuted | None]:
    """A closed-cell minimum that the cover did not prove: refute it (a descent direction into
    an adjacent cell) and follow the descent, at most HOPS times. The last point tried, its
    verdict, and the first refutation (None when the first point was not refuted). Ties the
    descent leaves in place go to the side of ``start``'s cell (the original point's)."""
    from losscert.verifier.candidate import certify_local_min

    first: Refuted | None = None
    for hop in range(1, HOPS + 1):
        refutation = certify_local_min(moved.problem, options)
        if refutation.status is Status.PROVED:  # the SMT rung proved what the cover could not
            return moved, refutation, first
        if refutation.status is not Status.REFUTED:
            return moved, verdict, first
        current = Refuted(moved.problem, refutation)
        first = first or current
        tried.append(f"{moved.route}: refuted (a descent into an adjacent cell)")
        found = follow_descent(current, _minimum_near, start)
        if found is None:
            break
        found = rescale_towards(start, found)
        moved = MovedPoint(f"closed-cell minimum after {hop} descent hop(s)", found)
        verdict = _certify_moved(moved, options)
        if verdict.status is Status.PROVED:
            break
    return moved, verdict, first


def _minimum_near(problem: Problem) -> Problem | None:
    """The cell minimum of the point's (open) cell, else the minimum of its closure."""
    snapped = _cell_minimum_point(problem)
    if snapped is not None:
        return snapped
    return closed_cell_minimum_point(problem, locate_cell(problem))


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


def face_moves(problem: Problem) -> Iterator[MovedPoint]:
    """Exact critical points of faces of the point's cell near it, any depth (ties held on their
    breakpoints, the linear block solved exactly: :mod:`losscert.verifier.face_minimum`); only
    points that are exactly critical on their face are yielded."""
    cell = locate_cell(problem)
    for point in face_points(problem, cell):
        if is_face_critical(cell, point):
            on_face = locate_cell(point).on_boundary
            yield MovedPoint(FACE_ROUTES[0] if on_face else FACE_ROUTES[1], point)


def _where(problem: Problem, moved: MovedPoint, verdict: Verdict) -> str:
    """For a face point that was not proved: where it is, so that the user sees what was found."""
    if moved.route not in FACE_ROUTES or verdict.status is Status.PROVED:
        return ""
    ties = len(locate_cell(moved.problem).ties)
    return (
        f" ({ties} ties, distance {float(distance(problem, moved.problem)):.3g}, "
        f"risk {float(moved.problem.risk()):.10g}{'' if not verdict.reason else ', ' + verdict.reason})"
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
    fitted = least_squares_output_point(problem, cell)
    if fitted is not None and gradient_size(fitted) == 0:
        yield MovedPoint("least-squares output layer", fitted)
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
    """The verdicts about the moved point (local minimum, then spurious), then the refutation
    of a closed-cell minimum that is not a local minimum, for writing."""
    if result is None:
        return []
    refuted = None if result.not_minimum is None else result.not_minimum.verdict
    if refuted is not None and refuted.certificate is result.local.certificate:
        refuted = None  # the refutation is the answer: written once
    return [v for v in (result.local, result.spurious, refuted) if v is not None]

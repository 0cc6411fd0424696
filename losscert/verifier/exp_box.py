"""The local minimum near a trained point for the logistic and softmax losses (issue 13).

With exp and log in the loss, neither the risk nor any critical point is rational: the route is
always the box claim ``local_min_in_box`` (docs/certificate.md 3.20 with section 2.1). Floats only
search: Newton steps on the free coordinates (gradient and Hessian read off the checker's own
interval jets at the point, at radius 0, so they are accurate to about 2^-128), then mu and rho;
the checker decides. A lower point for ``spurious_local_min_in_box`` comes from float restarts
(:func:`lower_point_search`) and is checked with ``risk_bounds`` / ``lower_point_below``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.checker import minimum_box
from losscert.checker.risk_bounds import enclosure
from losscert.encodings.box import box_radius
from losscert.encodings.cells import Cell, locate_cell
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.descent import checker_view
from losscert.verifier.minimum_box import (
    MIN_RADIUS,
    MU_FRACTIONS,
    RADIUS_FACTOR,
    box_steps,
    claim_fields,
)
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min_in_box"
NEWTON_STEPS = 12
MAX_FREE = minimum_box.MAX_FREE_PARAMETERS
ITERATE_BITS = 64
TARGET_GRADIENT = 1e-14
"""Newton stops once max |g_a| is below this (float noise in the solve stays below it)."""
CLAIM_BITS = 64
"""The claim's bounds are the step's, rounded outward to multiples of 2^-CLAIM_BITS."""


def _pattern(cell: Cell) -> list[list[list[int]]]:
    return [[[int(k or 0) for k in neuron] for neuron in layer] for layer in cell.pieces]


def _float_jet(problem: Problem, cell: Cell, free: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of R on the free coordinates at the point (midpoints of the checker's
    interval jet at radius 0, as floats)."""
    _, g, h = _midpoints(checker_view(problem), _pattern(cell), free, None)
    return g, h


def _midpoints(
    view: Any, pattern: Any, free: list[int], dependent: dict | None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian of R on ``free`` at the point: the midpoints of the checker's
    interval jet at radius 0, as floats (they only choose Newton steps)."""
    jet = minimum_box.box_jet(view, pattern, free, Fraction(0), dependent=dependent)
    position = {a: k for k, a in enumerate(free)}
    g = np.zeros(len(free))
    h = np.zeros((len(free), len(free)))
    for a, v in jet.grad.items():
        if a in position:
            g[position[a]] = float((v.lo + v.hi) / 2)
    for (a, b), v in jet.hess.items():
        if a in position and b in position:
            h[position[a], position[b]] = h[position[b], position[a]] = float((v.lo + v.hi) / 2)
    return float((jet.value.lo + jet.value.hi) / 2), g, h


def free_coordinates(problem: Problem, cell: Cell) -> list[int]:
    return minimum_box.free_parameters(checker_view(problem), _pattern(cell), MIN_RADIUS)


def newton_centre(problem: Problem, cell: Cell) -> tuple[Problem, list[str]]:
    """Newton on the free coordinates (iterates rounded to 2^-64, kept in the cell); returns the
    last iterate and a log of the gradient sizes."""
    free = free_coordinates(problem, cell)
    log: list[str] = []
    current = problem
    for _ in range(NEWTON_STEPS):
        g, h = _float_jet(current, cell, free)
        size = float(np.max(np.abs(g))) if len(g) else 0.0
        log.append(f"{size:.3g}")
        if size < TARGET_GRADIENT or not np.all(np.isfinite(h)):
            break
        try:
            step = np.linalg.solve(h, -g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        values = current.network.parameter_vector()
        for a, delta in zip(free, step, strict=True):
            values[a] = _dyadic(values[a] + Fraction(float(delta)))
        candidate = problem.with_network(problem.network.with_parameters(values))
        moved = locate_cell(candidate)
        if moved.on_boundary or moved.pieces != cell.pieces:
            log.append("left the cell")
            break
        current = candidate
    return current, log


def certify_exp_box(problem: Problem, cell: Cell | None = None) -> Verdict:
    """PROVED local_min_in_box about a box around ``problem``'s point, or UNKNOWN (no Newton)."""
    cell = cell or locate_cell(problem)
    room = None if cell.on_boundary else box_radius(problem, cell)
    if room is None:
        return _unknown("the centre is on a cell boundary")
    free = free_coordinates(problem, cell)
    if not free or len(free) > MAX_FREE:
        return _unknown(f"{len(free)} free parameters (the box step takes 1 to {MAX_FREE})")
    g, h = _float_jet(problem, cell, free)
    smallest = float(np.linalg.eigvalsh(h)[0]) if np.all(np.isfinite(h)) else -1.0
    if not smallest > 0:
        return _unknown(
            f"the Hessian in the free coordinates is not positive definite (smallest eigenvalue "
            f"{smallest:.3g}): the minimum may be at infinity or degenerate{_twins(cell)}"
        )
    return first_trap(
        smallest,
        float(np.linalg.norm(g)),
        room,
        lambda rho, mu: _box_verdict(problem, cell, rho, mu, room),
    )


def first_trap(
    smallest: float,
    norm: float,
    room: Fraction,
    attempt: Callable[[Fraction, Fraction], Verdict],
    widest: Fraction = Fraction(1),
) -> Verdict:
    """Try mu = a share of the Hessian's smallest eigenvalue (MU_FRACTIONS) and the radius
    rho = 3 |g| / mu that traps with it; ``attempt(rho, mu)`` builds and checks the certificate.
    ``widest`` is how much wider than rho the box is in its widest (solved) coordinate, which
    must fit in ``room``. The first PROVED verdict, else UNKNOWN with the last reason."""
    last = "no radius fits"
    for share in MU_FRACTIONS:
        mu = _short(Fraction(smallest) * share)
        rho = max(_round_up(RADIUS_FACTOR * Fraction(norm) / mu + Fraction(1, 2**100)), MIN_RADIUS)
        if rho * widest > room:
            last = (
                f"the trapping radius {float(rho * widest):.3g} exceeds the room {float(room):.3g}"
            )
            continue
        verdict = attempt(rho, mu)
        if verdict.status is Status.PROVED:
            return verdict
        last = verdict.detail or last
    return _unknown(last)


def checked_box(centre: Problem, evidence: list[dict[str, Any]], method: str, view: Any) -> Verdict:
    """The checker's own step functions run over ``evidence`` (its last step, "trap", a box);
    then the claim local_min_in_box with the trap's radius and its bounds rounded outward, and
    the whole certificate checked (:func:`certified`). UNKNOWN when a step is refused."""
    from losscert.checker.result import Invalid
    from losscert.checker.steps import STEP_KINDS, Verified

    done: dict[str, Any] = {}
    try:
        for step in evidence:
            facts = STEP_KINDS[step["kind"]].verify(view, step, done, step["id"])
            uses = tuple(step.get("uses", ()))
            done[step["id"]] = Verified(step["id"], step["kind"], uses, facts)
    except Invalid as exc:  # these parameters do not prove it
        return _unknown(str(exc))
    facts = done["trap"].facts
    lower, upper = _down(facts["lower"]), _up(facts["upper"])
    certificate = new_certificate(centre, CLAIM, evidence, {"method": method})
    certificate["claim"] = claim_fields(CLAIM, facts["radius"], lower, upper)
    return certified(
        CLAIM,
        Status.PROVED,
        certificate,
        method=method,
        radius=facts["radius"],
        lower=lower,
        upper=upper,
    )


def _box_verdict(
    problem: Problem, cell: Cell, rho: Fraction, mu: Fraction, room: Fraction
) -> Verdict:
    view = checker_view(problem)
    pattern = _pattern(cell)
    free = minimum_box.free_parameters(view, pattern, rho)
    try:
        facts = minimum_box.smooth_trap(view, pattern, free, rho, mu, "cell", "trap")
    except Exception as exc:  # the checker's Invalid: this mu / rho does not trap
        return _unknown(str(exc))
    lower, upper = _down(facts["lower"]), _up(facts["upper"])
    certificate = new_certificate(problem, CLAIM, box_steps(cell, rho, mu, room), {"method": "box"})
    certificate["claim"] = claim_fields(CLAIM, rho, lower, upper)
    return certified(
        CLAIM, Status.PROVED, certificate, method="box", radius=rho, lower=lower, upper=upper
    )


def certify_exp_spurious(
    problem: Problem, local: Verdict, witness: list[Fraction] | None
) -> Verdict:
    """Given a PROVED box, ``witness`` (a parameter vector) if its risk is below the box's lower
    bound: risk_bounds of the centre and lower_point_below of the witness."""
    claim = "spurious_local_min_in_box"
    if local.status is not Status.PROVED or local.certificate is None:
        return Verdict(Status.UNKNOWN, claim, reason="unsupported", detail="no proved box")
    if witness is None:
        return _no_witness(claim)
    view = checker_view(problem)
    w_lo, w_hi = enclosure(view, witness, "witness")
    lower = local.stats["lower"]
    if not w_hi < lower:
        return _no_witness(claim, w_lo)
    c_lo, c_hi = enclosure(view, view.point, "risk")
    evidence = [
        *local.certificate["evidence"],
        {
            "id": "risk",
            "kind": "risk_bounds",
            "lower": rational_string(c_lo),
            "upper": rational_string(c_hi),
        },
        {
            "id": "lower",
            "kind": "lower_point_below",
            "uses": ["risk"],
            "point": rationals(witness),
            "upper": rational_string(w_hi),
        },
    ]
    certificate = new_certificate(problem, claim, evidence, {"method": "box", "witness": "search"})
    certificate["claim"] = {**local.certificate["claim"], "kind": claim}
    return certified(claim, Status.PROVED, certificate, witness_risk=w_hi, **local.stats)


def _descend_or_escape(
    problem: Problem, verdict: Verdict, say: Any, tried: list[str]
) -> tuple[Verdict, Problem]:
    """Adam may have stopped short: BFGS further (exp_descent) and the boxes again from there,
    unless it stayed within the radius of an escape ray (exp_rays: no minimum there). Else the
    ray's REFUTED verdict, or ``verdict``."""
    from losscert.verifier.exp_descent import descend
    from losscert.verifier.exp_rays import certify_no_minimum_near
    from losscert.verifier.nearby import distance

    refuted = certify_no_minimum_near(problem)
    if refuted is not None and refuted.status is not Status.REFUTED:  # the checker refused it
        tried.append(f"escape ray: the checker refused the certificate ({refuted.detail})")
        refuted = None
    radius = None if refuted is None else refuted.stats.get("no_minimum_radius")
    say("nearby: BFGS in floats across kinks, then the boxes again")
    descended = descend(problem, tried)
    if descended is not None and (radius is None or distance(problem, descended) > radius):
        found, centre = _cell_and_face(descended, say, tried)
        if found.status is Status.PROVED:
            return found, centre
    if refuted is None:
        return verdict, problem
    shown = "" if radius is None else f" within {float(radius):.3g}"
    tried.append(f"escape ray: no local minimum{shown}: {refuted.status.value}")
    return refuted, problem


def _no_witness(claim: str, risk: Fraction | None = None) -> Verdict:
    detail = "no point of risk below the box's lower bound found by the search"
    if risk is not None:
        detail += f" (best found: {float(risk):.6g})"
    return Verdict(Status.UNKNOWN, claim, reason="budget", detail=detail)


def _twins(cell: Cell) -> str:
    """A note naming hidden neurons of one layer with the same pattern on every sample (ties
    counted as either piece): they can trade weight, so a minimum there is not isolated."""
    notes = []
    for j, layer in enumerate(cell.pieces):
        seen: dict[tuple, int] = {}
        for r, neuron in enumerate(layer):
            key = tuple(neuron)
            if key in seen and any(k for k in key):
                notes.append(f"layer {j + 1} neurons {seen[key]} and {r}")
            seen.setdefault(key, r)
    if not notes:
        return ""
    return (
        "; " + ", ".join(notes) + " have the same pattern on the data (they can trade weight: "
        "a minimum there is not isolated, and no box claim holds)"
    )


def _unknown(detail: str) -> Verdict:
    return Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)


def _dyadic(value: Fraction) -> Fraction:
    scale = 1 << ITERATE_BITS
    return Fraction(round(value * scale), scale)


def _short(value: Fraction) -> Fraction:
    """A short positive rational <= value (8 significant bits)."""
    exponent = value.numerator.bit_length() - value.denominator.bit_length() - 8
    scale = Fraction(2) ** exponent
    return (value // scale) * scale


def _round_up(value: Fraction) -> Fraction:
    exponent = value.numerator.bit_length() - value.denominator.bit_length() - 8
    scale = Fraction(2) ** exponent
    return -(-value // scale) * scale


def _down(value: Fraction) -> Fraction:
    scale = 1 << CLAIM_BITS
    return Fraction((value.numerator * scale) // value.denominator, scale)


def _up(value: Fraction) -> Fraction:
    scale = 1 << CLAIM_BITS
    return Fraction(-((-value.numerator * scale) // value.denominator), scale)


def gradient_bound(problem: Problem, cell: Cell) -> Fraction | None:
    """A rigorous upper bound of max_a |dR/dtheta_a| at the point (the ends of the checker's
    interval gradient), or None on a cell boundary."""
    if cell.on_boundary or problem.network.num_parameters > MAX_FREE:
        return None
    every = list(range(problem.network.num_parameters))
    jet = minimum_box.box_jet(checker_view(problem), _pattern(cell), every, Fraction(0))
    return max((max(-g.lo, g.hi) for g in jet.grad.values()), default=Fraction(0))


def certify_exp_nearby(
    problem: Problem, options: Any = None, *, spurious: bool = True, seed: int = 0
) -> Any:
    """The NearbyResult of a logistic / softmax point: Newton, then the box claim, then (if
    asked) a lower point from float restarts below the box's lower bound."""
    from losscert.verifier.exp_search import lower_point_search
    from losscert.verifier.lifted_box import applies as lifted_applies
    from losscert.verifier.lifted_box import certify_lifted_box
    from losscert.verifier.nearby import (
        MovedPoint,
        NearbyResult,
        _stats,
        _with_stats,
        distance,
        prediction_change,
    )

    say = getattr(options, "say", lambda _message: None)
    original = problem.risk_bounds()
    size = gradient_bound(problem, locate_cell(problem))
    tried: list[str] = []
    verdict, centre = _cell_and_face(problem, say, tried)
    if verdict.status is not Status.PROVED and lifted_applies(problem) is None:
        say("nearby: the lifted box (first-order conditions in u = c w, any flat directions)")
        verdict, centre, log = certify_lifted_box(problem)
        tried.append(f"lifted box: {'; '.join(log)}")
    if verdict.status is not Status.PROVED:
        verdict, centre = _descend_or_escape(problem, verdict, say, tried)
    if verdict.status is not Status.PROVED:
        return NearbyResult(original, size, verdict, tried=tried)
    moved = MovedPoint(str(verdict.stats.get("method", "box")), centre)
    moved_by = distance(problem, centre)
    stats = _stats(original, moved, moved_by)
    stats["prediction_change"] = prediction_change(problem, centre)
    local = _with_stats(verdict, stats)
    lower = None
    if spurious:
        say("nearby: float restarts for a point below the box's lower bound")
        witness = lower_point_search(centre, float(verdict.stats["lower"]), seed=seed)
        lower = _with_stats(certify_exp_spurious(centre, verdict, witness), stats)
    return NearbyResult(original, size, local, moved, moved_by, lower, tried)


def _cell_and_face(problem: Problem, say: Any, tried: list[str]) -> tuple[Verdict, Problem]:
    """Newton and the box in the point's cell, then the face of its near ties (one hidden
    layer): the verdict and the centre it is about."""
    cell = locate_cell(problem)
    verdict = _unknown("the point is on a cell boundary")
    centre = problem
    if not cell.on_boundary:
        say("nearby: Newton on the free coordinates (logistic / softmax: a box claim)")
        centre, log = newton_centre(problem, cell)
        tried.append(f"newton: max |g| {' -> '.join(log)}")
        verdict = certify_exp_box(centre)
        tried.append(f"box: {verdict.status.value}")
        if verdict.status is not Status.PROVED:
            tried[-1] += f" ({verdict.detail})"
    ties = tie_candidates(problem) if problem.network.depth == 2 else []
    if verdict.status is not Status.PROVED and ties:
        say(f"nearby: a minimum on the face of {len(ties)} tie(s) (a sample on a kink)")
        found = face_centre(problem, ties)
        shown = ", ".join(f"neuron {r} sample {i}" for r, i, _ in ties)
        if found is None:
            tried.append(f"face ({shown}): the snapped point has other ties")
        else:
            centre, log = found
            tried.append(f"face ({shown}): newton max |g| {' -> '.join(log)}")
            verdict = certify_face_box(centre, ties)
            tried.append(f"face box: {verdict.status.value}")
            if verdict.status is not Status.PROVED:
                tried[-1] += f" ({verdict.detail})"
    return verdict, centre


# --- a minimum on a cell boundary (docs/certificate.md 3.29) ----------------------------

TIE_TOLERANCE = 1e-3
"""A sample whose float pre-activation is this close to a breakpoint (relative to the neuron's
scale) is taken as a tie candidate when the in-cell box fails."""


def pre_activations(problem: Problem) -> list[list[Fraction]]:
    """z[r][i] of the one hidden layer, exact."""
    net = problem.network
    rows = problem.data.input_rows()
    return [
        [sum((w * x for w, x in zip(weights, row, strict=True)), b) for row in rows]
        for weights, b in zip(net.weights(1), net.biases(1), strict=True)
    ]


def tie_candidates(problem: Problem) -> list[tuple[int, int, Fraction]]:
    """(neuron r, sample i, breakpoint p): per neuron, the sample nearest a breakpoint, if it is
    within TIE_TOLERANCE of it relative to |w_r| |x_i| + 1."""
    act = problem.network.activation
    rows = problem.data.input_rows()
    out = []
    for r, (values, weights) in enumerate(
        zip(pre_activations(problem), problem.network.weights(1), strict=True)
    ):
        best = None
        for i, z in enumerate(values):
            for p in act.breakpoints:
                scale = 1 + float(sum(abs(w * x) for w, x in zip(weights, rows[i], strict=True)))
                gap = abs(float(z - p)) / scale
                if gap < TIE_TOLERANCE and (best is None or gap < best[0]):
                    best = (gap, i, p)
        if best is not None:
            out.append((r, best[1], best[2]))
    return out


def _elimination(problem: Problem, ties: list[tuple[int, int, Fraction]]) -> Any:
    """(checker view, pattern with the ties on their lower piece, free coordinates, the checker's
    eliminated coordinates per tie) or None when a tied neuron has none."""
    from losscert.checker.face_box import eliminated

    view = checker_view(problem)
    cell = locate_cell(problem)
    act = problem.network.activation
    pattern = [[[int(k or 0) for k in neuron] for neuron in layer] for layer in cell.pieces]
    for r, i, p in ties:
        pattern[0][r][i] = act.breakpoints.index(p)
    free = minimum_box.free_parameters(view, pattern, MIN_RADIUS)
    solved = eliminated(view, [(0, r, i, act.breakpoints.index(p)) for r, i, p in ties], free)
    return None if solved is None else (view, pattern, free, solved)


def _snap(problem: Problem, solved: dict) -> Problem:
    """Each eliminated coordinate set to its solved value (exact): the point moves onto the face."""
    values = problem.network.parameter_vector()
    for e, _, constant, rest in solved.values():
        values[e] = constant + sum((c * values[a] for a, c in rest.items()), Fraction(0))
    return problem.with_network(problem.network.with_parameters(values))


def _face_setup(centre: Problem, ties: list[tuple[int, int, Fraction]]) -> Any:
    """(checker view, face pattern, face coordinates, dependent coordinates) or None when the
    point's ties are not exactly the chosen ones."""
    cell = locate_cell(centre)
    tied = {(t.layer - 1, t.neuron, t.sample) for t in cell.ties}  # Tie.layer counts from 1
    if tied != {(0, r, i) for r, i, _ in ties}:
        return None
    found = _elimination(centre, ties)
    if found is None:
        return None
    view, pattern, free, solved = found
    eliminated = {e for e, _, _, _ in solved.values()}
    face = [a for a in free if a not in eliminated]
    dependent = {e: (constant, rest) for e, _, constant, rest in solved.values()}
    return view, pattern, face, dependent


def face_centre(
    problem: Problem, ties: list[tuple[int, int, Fraction]]
) -> tuple[Problem, list[str]] | None:
    """Snap onto the face of the ties, then Newton in the face coordinates."""
    found = _elimination(problem, ties)
    if found is None:
        return None
    solved = found[3]
    current = _snap(problem, solved)
    log: list[str] = []
    for _ in range(NEWTON_STEPS):
        setup = _face_setup(current, ties)
        if setup is None:
            log.append("left the face's cells")
            return (current, log) if log[:-1] else None
        view, pattern, face, dependent = setup
        value, g, h = _midpoints(view, pattern, face, dependent)
        size = float(np.max(np.abs(g))) if len(g) else 0.0
        log.append(f"{size:.3g}")
        if size < TARGET_GRADIENT or not np.all(np.isfinite(h)):
            break
        if not np.linalg.eigvalsh(h)[0] > 0:  # no Newton step towards a saddle
            log.append("face Hessian not positive definite")
            break
        try:
            step = np.linalg.solve(h, -g)
        except np.linalg.LinAlgError:
            break
        candidate = _damped(current, face, step, solved, ties, value)
        if candidate is None:
            log.append("no step lowers the risk on the face")
            break
        current = candidate
    return current, log


def _damped(
    current: Problem, face: list[int], step: np.ndarray, solved: dict, ties: list, value: float
) -> Problem | None:
    """The Newton step, halved up to 6 times until it stays on the face's cells and does not
    raise the (float) risk; None if none does."""
    for halving in range(7):
        values = current.network.parameter_vector()
        for a, delta in zip(face, step / 2**halving, strict=True):
            values[a] = _dyadic(values[a] + Fraction(float(delta)))
        candidate = _snap(current.with_network(current.network.with_parameters(values)), solved)
        setup = _face_setup(candidate, ties)
        if setup is None:
            continue
        if _midpoints(*setup)[0] <= value + 1e-15 * max(1.0, abs(value)):
            return candidate
    return None


def certify_face_box(centre: Problem, ties: list[tuple[int, int, Fraction]]) -> Verdict:
    """PROVED local_min_in_box with a minimum_in_box_on_face step, or UNKNOWN."""
    from losscert.encodings.box import boundary_box_radius

    setup = _face_setup(centre, ties)
    if setup is None:
        return _unknown("the centre is not on exactly the chosen ties")
    view, pattern, face, dependent = setup
    cell = locate_cell(centre)
    room = boundary_box_radius(centre, cell)
    if room is None:
        return _unknown("no box around the boundary point keeps the other samples' pieces")
    _, g, h = _midpoints(view, pattern, face, dependent)
    smallest = float(np.linalg.eigvalsh(h)[0]) if len(face) and np.all(np.isfinite(h)) else -1.0
    if not smallest > 0:
        return _unknown(
            f"the face Hessian is not positive definite (smallest {smallest:.3g}){_twins(cell)}"
        )
    widest = max(
        1 + sum((abs(c) for c in rest.values()), Fraction(0)) for _, rest in dependent.values()
    )

    def attempt(rho: Fraction, mu: Fraction) -> Verdict:
        box_step = {"id": "box", "kind": "box_near_boundary", "radius": rational_string(room)}
        trap = {
            "id": "trap",
            "kind": "minimum_in_box_on_face",
            "uses": ["box"],
            "radius": rational_string(rho),
            "mu": rational_string(mu),
        }
        return checked_box(centre, [box_step, trap], "box on a face", view)

    return first_trap(smallest, float(np.linalg.norm(g)), room, attempt, widest)

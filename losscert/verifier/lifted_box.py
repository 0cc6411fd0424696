"""The nearby minimum of a one-hidden-layer, one-output net whose minima are not isolated
(docs/certificate.md 3.30, ``lifted_minimum_in_box``).

Two hidden neurons with the same pattern on the data trade weight freely, and a ReLU classifier
trained with cross-entropy usually stops with samples on kinks: the boxes of 3.20 / 3.29 then fail
(no isolated minimum on their slice). The lifted box only needs *some* coordinates in which the
risk on the face of the ties is strictly convex: it picks a column basis of the output directions
of the first-layer weights and biases and the output bias (greedy, in floats; the checker
re-checks it exactly), puts the point on the face, runs damped Newton there and lets the checker
decide. An active set in floats chooses the ties: a sample that a Newton step pushes across a
kink becomes a tie, a tie whose multiplier has the wrong sign is released to its better side.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.checker.face_box import eliminated
from losscert.checker.lifted_box import LOSSES, _face_jacobian
from losscert.checker.limits import MAX_JET_WORK
from losscert.checker.minimum_box import MAX_FREE_PARAMETERS, MAX_PARAMETERS
from losscert.checker.problem import forward
from losscert.encodings.box import boundary_box_radius, box_radius
from losscert.encodings.cells import Cell, locate_cell
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.descent import checker_view
from losscert.verifier.exp_box import (
    NEWTON_STEPS,
    TARGET_GRADIENT,
    _dyadic,
    _midpoints,
    checked_box,
    first_trap,
    pre_activations,
    tie_candidates,
)
from losscert.verifier.nearby_rescale import rescale_towards
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min_in_box"
ROUNDS = 40
"""Active-set rounds: each adds or releases one tie."""
BUDGET_SECONDS = 20.0
"""No Newton step, round or box starts after this (the last one started runs to its end: one
step's 30 halvings, one box's three trap trials)."""
RANK_TOLERANCE = 1e-9
"""A column joins the basis when its residual is above this share of its norm."""
RELEASE = Fraction(1, 2**30)
"""How far a released tie's bias is moved to its better side (relative to 1 + |w_r|)."""

SIGN_TOLERANCE = 1e-6
"""A tie is released only when its multiplier is on the wrong side by this share of |g_t|."""
NEAR = 1e-9
"""A converged point with an untied sample this close to a kink (relative to 1 + |w_r| |x_i|)
takes it as a tie."""

FLAT = 1e-12
"""A face Hessian whose eigenvalues span more than 1/FLAT is taken as flat (float noise)."""

Tie = tuple[int, int]  # neuron r, sample i (breakpoint 0)


def applies(problem: Problem) -> str | None:
    """None when the route applies, else why not."""
    net = problem.network
    act = net.activation
    if net.depth != 2 or net.widths[-1] != 1:
        return "the lifted box needs one hidden layer and one output"
    if list(act.breakpoints) != [0] or any(t != 0 for t in act.intercepts):
        return "the lifted box needs a positively homogeneous activation (ReLU, leaky ReLU, abs)"
    if problem.loss.kind not in LOSSES:
        return f"the lifted box does not take the {problem.loss.kind} loss"
    return size_refused(problem)


def size_refused(problem: Problem) -> str | None:
    """Why the checker's box steps would refuse any certificate about this problem (section 7:
    P <= 2,000 and n P^2 <= 2,000,000), checked before the producers' exact work; else None."""
    size = problem.network.num_parameters
    if size > MAX_PARAMETERS:
        return f"{size} parameters: the box steps take at most {MAX_PARAMETERS}"
    n = problem.data.n
    if n * size * size > MAX_JET_WORK:
        return f"n P^2 = {n * size * size} is beyond the box steps' limit of {MAX_JET_WORK}"
    return None


def certify_lifted_box(problem: Problem) -> tuple[Verdict, Problem, list[str]]:
    """(PROVED local_min_in_box about the returned centre, or UNKNOWN; the centre; a log)."""
    why = applies(problem)
    if why is not None:
        return _unknown(why), problem, []
    ties: list[Tie] = [t for r, i, _ in tie_candidates(problem) for t in _group(problem, r, i)]
    log: list[str] = []
    current = problem
    verdict = _unknown("no round")
    deadline = time.perf_counter() + BUDGET_SECONDS
    exhausted = False
    for _ in range(ROUNDS):
        shown = ", ".join(f"n{r}/s{i}" for r, i in ties) or "none"
        centre, event = _newton(current, ties, deadline)
        log.append(f"ties [{shown}]: {event[0]}")
        if event[0] == "cross":
            r, i = event[1]
            if any(r == q for q, _ in ties):
                break
            ties = [*ties, *_group(centre, r, i)]
            current = centre
            continue
        if event[0] != "converged":
            break
        released = _wrong_side(centre, ties)
        if released is not None:
            (r, i), side = released
            log[-1] += f"; release n{r}/s{i} to its {'upper' if side else 'lower'} side"
            ties = [t for t in ties if t[0] != r]
            current = _nudge(centre, r, side)
            continue
        near = _nearest(centre, ties)
        if near is not None:
            log[-1] += f"; n{near[0]}/s{near[1]} is at its kink"
            if any(near[0] == q for q, _ in ties):
                break
            ties = [*ties, *_group(centre, *near)]
            current = centre
            continue
        if time.perf_counter() > deadline:
            log.append(f"budget ({BUDGET_SECONDS:.0f} s) spent before the box")
            break
        verdict = _certify(centre, ties)
        log.append(f"lifted box: {verdict.status.value}")
        if verdict.status is Status.PROVED:
            verdict, centre = _nearer(problem, centre, ties, verdict)
        if verdict.status is not Status.PROVED:
            log[-1] += f" ({verdict.detail})"
        return verdict, centre, log
    else:
        exhausted = True
    over = time.perf_counter() > deadline
    if over:
        why = f"the search stopped at its budget ({log[-1] if log else 'no round'})"
    elif exhausted:
        why = f"the active set of ties did not settle in {ROUNDS} rounds"
    else:
        why = f"the search stopped ({log[-1] if log else 'no round'})"
    reason = "budget" if over else "unsupported"
    return Verdict(Status.UNKNOWN, CLAIM, reason=reason, detail=why), current, log


def _nearer(
    problem: Problem, centre: Problem, ties: list[Tie], verdict: Verdict
) -> tuple[Verdict, Problem]:
    """The centre rescaled neuron by neuron towards the trained point (the same outputs, ties and
    first-order conditions: h(a z) = a h(z)), certified again; kept when that proves too."""
    from losscert.verifier.nearby import distance

    rescaled = rescale_towards(problem, centre)
    if distance(problem, rescaled) >= distance(problem, centre):
        return verdict, centre
    again = _certify(rescaled, ties)
    return (again, rescaled) if again.status is Status.PROVED else (verdict, centre)


# --- coordinates --------------------------------------------------------------------------


def _layer_one(problem: Problem) -> list[int]:
    """Candidate free coordinates in the order tried: the output bias, then each neuron's bias
    and incoming weights."""
    d_in, width = problem.network.widths[0], problem.network.widths[1]
    out = [problem.network.num_parameters - 1]
    for r in range(width):
        out += [width * d_in + r, *(r * d_in + c for c in range(d_in))]
    return out


def _setup(problem: Problem, ties: list[Tie]) -> Any:
    """(checker view, face pattern, face coordinates, dependent coordinates, free coordinates),
    or None when the point's ties are not exactly ``ties`` or no basis is found."""
    cell = locate_cell(problem)
    if {(t.neuron, t.sample) for t in cell.ties} != set(ties):
        return None
    view = checker_view(problem)
    every = sorted(_layer_one(problem))
    quad = [(0, r, i, 0) for r, i in ties]
    solved = eliminated(view, quad, every)
    if solved is None:
        return None
    pattern = [[0 if k is None else int(k) for k in neuron] for neuron in cell.pieces[0]]
    w2 = view.layers(view.point)[1][0][0]
    order = [a for a in _layer_one(problem) if a not in {e for e, *_ in solved.values()}]
    columns = np.array(
        [[float(v) for v in row] for row in _face_jacobian(view, pattern, order, solved, w2)]
    )
    chosen = independent_columns(columns, order)
    if not chosen:
        return None
    face = sorted(chosen)
    free = sorted([*face, *(e for e, *_ in solved.values())])
    again = eliminated(view, quad, free)  # the same coordinates: each is in free
    if again is None:
        return None
    dependent = {e: (constant, rest) for e, _, constant, rest in again.values()}
    return view, [pattern], face, dependent, free


def _group(problem: Problem, r: int, i: int) -> list[Tie]:
    """(r, j) for every sample j with the input of sample i: they sit on the kink together."""
    rows = problem.data.input_rows()
    return [(r, j) for j, row in enumerate(rows) if row == rows[i]]


def independent_columns(columns: np.ndarray, order: list[int]) -> list[int]:
    """Greedy, in floats: the labels (``order``) of the columns that are not (nearly) in the span
    of the ones before them. The checker re-checks independence and the span exactly."""
    chosen: list[int] = []
    basis = np.zeros((columns.shape[0], 0))
    for k, a in enumerate(order):
        column = columns[:, k]
        norm = float(np.linalg.norm(column))
        if norm == 0:
            continue
        residual = column - basis @ (basis.T @ column)
        if np.linalg.norm(residual) > RANK_TOLERANCE * norm:
            chosen.append(a)
            if len(chosen) == MAX_FREE_PARAMETERS:  # the most a box step takes
                break
            basis = np.column_stack([basis, residual / np.linalg.norm(residual)])
    return chosen


def _snap(problem: Problem, ties: list[Tie]) -> Problem:
    """Each tied neuron's bias set so that its tied sample sits exactly on the kink."""
    values = problem.network.parameter_vector()
    d_in, width = problem.network.widths[0], problem.network.widths[1]
    rows = problem.data.input_rows()
    for r, i in ties:
        weights = values[r * d_in : (r + 1) * d_in]
        values[width * d_in + r] = -sum(
            (w * x for w, x in zip(weights, rows[i], strict=True)), Fraction(0)
        )
    return problem.with_network(problem.network.with_parameters(values))


# --- Newton on the face ----------------------------------------------------------------------


def _newton(problem: Problem, ties: list[Tie], deadline: float) -> tuple[Problem, tuple[str, Any]]:
    """Damped Newton in the face coordinates. Returns the last point and ("converged", None),
    ("cross", (r, i)) when a full step sends sample i across neuron r's kink, or (reason, None)
    (also "budget" past ``deadline``)."""
    current = _snap(problem, ties)
    setup = _setup(current, ties)
    if setup is None:
        return current, ("the point has other ties or no basis", None)
    jet = _midpoints(*setup[:4])
    for _ in range(3 * NEWTON_STEPS):
        if time.perf_counter() > deadline:
            return current, (f"budget ({BUDGET_SECONDS:.0f} s) spent", None)
        face = setup[2]
        value, g, h = jet
        if float(np.max(np.abs(g))) < TARGET_GRADIENT:
            return current, ("converged", None)
        try:
            step = np.linalg.solve(h, -g)
        except np.linalg.LinAlgError:
            return current, ("singular face Hessian", None)
        if not np.all(np.isfinite(step)) or float(g @ step) >= 0:
            return current, ("no descent step", None)
        moved = None
        for halving in range(30):
            candidate = _move(current, face, step / 2**halving, ties)
            there = _setup(candidate, ties)  # None: other ties (or no basis) there
            if there is None:
                continue
            crossed = _crossing(current, candidate, ties)
            if crossed is not None:  # stop where the first sample reaches its kink
                share, (r, i) = crossed
                stop = _move(current, face, step * float(share) / 2**halving, ties)
                return stop, ("cross", (r, i))
            trial = _midpoints(*there[:4])  # kept: the next step's jet if accepted
            if trial[0] <= value + 1e-15 * max(1.0, abs(value)):
                moved = (candidate, there, trial)
                break
        if moved is None:
            return current, ("no step lowers the risk on the face", None)
        current, setup, jet = moved
    return current, ("no convergence", None)


def _move(problem: Problem, face: list[int], step: np.ndarray, ties: list[Tie]) -> Problem:
    values = problem.network.parameter_vector()
    for a, delta in zip(face, step, strict=True):
        values[a] = _dyadic(values[a] + Fraction(float(delta)))
    return _snap(problem.with_network(problem.network.with_parameters(values)), ties)


def _crossing(before: Problem, after: Problem, ties: list[Tie]) -> tuple[Fraction, Tie] | None:
    """The untied (neuron, sample) whose pre-activation changes sign first along the step, and
    the share of the step where it does."""
    tied = set(ties)
    first = None
    for r, (za, zb) in enumerate(zip(pre_activations(before), pre_activations(after), strict=True)):
        for i, (a, b) in enumerate(zip(za, zb, strict=True)):
            if (r, i) not in tied and a * b < 0:
                share = a / (a - b)
                if first is None or share < first[0]:
                    first = (share, (r, i))
    return first


def _nearest(problem: Problem, ties: list[Tie]) -> Tie | None:
    """An untied (neuron, sample) within NEAR of its kink, the nearest one, or None."""
    rows = problem.data.input_rows()
    best = None
    tied = set(ties)
    for r, (values, weights) in enumerate(
        zip(pre_activations(problem), problem.network.weights(1), strict=True)
    ):
        for i, z in enumerate(values):
            scale = 1 + float(sum(abs(w * x) for w, x in zip(weights, rows[i], strict=True)))
            gap = abs(float(z)) / scale
            if (r, i) not in tied and gap < NEAR and (best is None or gap < best[0]):
                best = (gap, (r, i))
    return None if best is None else best[1]


def _wrong_side(problem: Problem, ties: list[Tie]) -> tuple[Tie, int] | None:
    """A tie whose multiplier (floats, at the point) has the wrong sign, and the side to release
    it to (0 below, 1 above), or None."""
    if not ties:
        return None
    net = problem.network
    slopes = net.activation.slopes
    rows = [[float(v) for v in row] + [1.0] for row in problem.data.input_rows()]
    view = checker_view(problem)
    out = np.array([float(f[0]) for f in forward(view, view.point).outputs])
    labels = np.array([float(v[0]) for v in problem.data.label_rows()])
    g = _loss_slope(problem, out, labels)
    pre = pre_activations(problem)
    c = [float(v) for v in net.weights(2)[0]]
    groups: dict[int, list[int]] = {}
    for r, i in ties:
        groups.setdefault(r, []).append(i)
    for r, group in groups.items():
        t = group[0]
        x_t = np.array(rows[t])
        rest = sum(
            float(slopes[0 if pre[r][i] < 0 else 1]) * g[i] * float(x_t @ np.array(rows[i]))
            for i in range(len(rows))
            if i not in group
        ) / float(x_t @ x_t)
        g_group = float(sum(g[i] for i in group))
        sign = 1.0 if c[r] > 0 else -1.0
        below = sign * (rest + float(slopes[0]) * g_group)
        above = sign * (rest + float(slopes[1]) * g_group)
        size = SIGN_TOLERANCE * (abs(g_group) + 1e-300)
        if below > size:
            return (r, t), 0
        if above < -size:
            return (r, t), 1
    return None


def _loss_slope(problem: Problem, out: np.ndarray, labels: np.ndarray) -> np.ndarray:
    name = problem.loss.kind
    if name == "logistic":
        return -labels / (1 + np.exp(labels * out))
    if name == "squared":
        return 2 * (out - labels)
    if name == "huber":
        delta = float(problem.loss.delta or 0)
        return np.clip(out - labels, -delta, delta)
    return out - labels


def _nudge(problem: Problem, r: int, side: int) -> Problem:
    values = problem.network.parameter_vector()
    d_in, width = problem.network.widths[0], problem.network.widths[1]
    scale = 1 + sum(abs(w) for w in values[r * d_in : (r + 1) * d_in])
    values[width * d_in + r] += (RELEASE if side else -RELEASE) * scale
    return problem.with_network(problem.network.with_parameters(values))


# --- the certificate ---------------------------------------------------------------------------


def _certify(centre: Problem, ties: list[Tie]) -> Verdict:
    setup = _setup(centre, ties)
    if setup is None:
        return _unknown("the centre is not on exactly the chosen ties")
    view, pattern, face, dependent, free = setup
    cell = locate_cell(centre)
    room = boundary_box_radius(centre, cell) if ties else box_radius(centre, cell)
    if room is None:
        return _unknown("no box around the point keeps the other samples' pieces")
    _, g, h = _midpoints(view, pattern, face, dependent)
    if not np.all(np.isfinite(h)):
        return _unknown("the face Hessian is not finite in floats")
    values = np.linalg.eigvalsh(h)
    smallest = float(values[0])
    if not smallest > FLAT * float(values[-1]):
        return _unknown(_flat(centre, smallest, float(values[-1])))
    widest = max(
        [
            Fraction(1),
            *(1 + sum(map(abs, rest.values()), Fraction(0)) for _, rest in dependent.values()),
        ]
    )

    def attempt(rho: Fraction, mu: Fraction) -> Verdict:
        return checked_box(centre, _steps(cell, ties, room, free, rho, mu), "lifted box", view)

    return first_trap(smallest, float(np.linalg.norm(g)), room, attempt, widest)


def _flat(centre: Problem, smallest: float, largest: float) -> str:
    """Why no box holds when the face Hessian is flat in some direction."""
    detail = (
        f"the risk on the face is flat to float precision in some direction (Hessian "
        f"eigenvalues {smallest:.3g} .. {largest:.3g}, in a basis of independent output directions)"
    )
    if centre.loss.kind != "logistic":
        return detail
    view = checker_view(centre)
    margins = [
        float(f[0] * y[0])
        for f, y in zip(forward(view, view.point).outputs, view.labels, strict=True)
    ]
    widest = max(margins)
    if widest > 25:
        detail += (
            f": samples are classified with margins up to {widest:.3g} (their curvature is below "
            f"e^-{min(widest, 700):.0f}); the risk keeps falling as those margins grow, so the "
            "minimum is probably at infinity, not near this point"
        )
    return detail


def _steps(
    cell: Cell, ties: list[Tie], room: Fraction, free: list[int], rho: Fraction, mu: Fraction
) -> list[dict[str, Any]]:
    trap = {
        "id": "trap",
        "kind": "lifted_minimum_in_box",
        "uses": ["box"],
        "free": free,
        "radius": rational_string(rho),
        "mu": rational_string(mu),
    }
    if ties:
        return [{"id": "box", "kind": "box_near_boundary", "radius": rational_string(room)}, trap]
    pattern = [[[int(k or 0) for k in neuron] for neuron in layer] for layer in cell.pieces]
    margin = None if cell.margin is None else rational_string(cell.margin)
    return [
        {"id": "cell", "kind": "cell", "pattern": pattern, "margin": margin},
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(room)},
        trap,
    ]


def _unknown(detail: str) -> Verdict:
    return Verdict(Status.UNKNOWN, CLAIM, reason="unsupported", detail=detail)

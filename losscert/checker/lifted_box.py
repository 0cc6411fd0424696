"""Section 3.30 of docs/certificate.md (since 1.1): ``lifted_minimum_in_box``.

The box claims of 3.20 / 3.29 need an isolated minimum on a slice fixed by the rescaling
symmetry. A trained net often has two hidden neurons with the same pattern on the data (they
trade weight freely) or other flat directions: its minima form a manifold and those boxes fail.
For one hidden layer, one output and a positively homogeneous activation, the network is linear in
u_r = c_r w~_r and b_2 (MATH section 5), the loss convex in the outputs, so a point is a local
minimum as soon as the loss gradient g at its outputs satisfies first-order conditions in u:

* sum_i g_i = 0 (the output bias);
* per neuron r, E_r = sum_i s_r(i) g_i x~_i lies in the span of the tied x~_t of r (untied
  neurons: E_r = 0), with the multiplier nu_t of each tie on the right side: for c_r > 0,
  nu_t <= 0 (tie sent below 0) and nu_t + (s_1 - s_0) g_T >= 0 (sent above; g_T the sum of g
  over the neuron's tied samples, which have one input); signs reversed when c_r < 0.

The step finds such a point without knowing it: the trap of 3.29 (``minimum_box.interval_trap``) on a
face box over *given* free coordinates F (first-layer weights and biases, output bias; affine in
them, so the trap's critical point theta_m has J^T g(theta_m) = 0 for the face Jacobian J), an exact
check that every equation above is a combination of the rows of J^T (then it holds at theta_m),
and the multipliers' signs over the whole face box (interval arithmetic), so also at theta_m.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import exp_losses, limits
from .face_box import MAX_TIES, eliminated, solved_spread
from .intervals import ZERO, Interval, IntervalJet
from .minimum_box import MAX_FREE_PARAMETERS, MAX_PARAMETERS, _loss, interval_trap
from .numbers import brief, integer, rational, show
from .problem import Problem, forward
from .result import Invalid
from .span import column_space

LOSSES = ("squared", "squared_half", "huber", "logistic")
"""Convex and differentiable in the output (one output): the lifted argument needs a gradient."""
MAX_SPAN_WORK = 20_000_000
"""n (F + (d_X + 1) d_1 + 1) F: the exact elimination of the span check (section 7)."""


def check_lifted_minimum_in_box(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    from .steps import radius_at_most  # steps.py registers this verifier: no cycle

    box, pattern, ties = _cited_box(step, done, sid)
    _check_shape(problem, ties, sid)
    rho = rational(step["radius"], f"{sid}.radius")
    mu = rational(step["mu"], f"{sid}.mu")
    if not mu > 0 or not rho > 0:
        raise Invalid("mu and radius must be positive", step=sid)
    limits.check_jet(problem, sid, hessian=False)
    free = _free(problem, step["free"], sid)
    solved = eliminated(problem, ties, free)
    if solved is None:
        raise Invalid("a tied neuron has no free incoming coordinate to solve for", step=sid)
    spread = solved_spread(solved, rho)
    full = max([rho, *spread.values()])
    radius_at_most(full, box, sid)  # theta_m inside the cited box
    face = [a for a in free if a not in spread]
    if not face or len(face) > MAX_FREE_PARAMETERS:
        raise Invalid(f"{len(face)} free face coordinates: 1 to {MAX_FREE_PARAMETERS}", step=sid)
    n, d_in, width = len(problem.inputs), problem.widths[0], problem.widths[1]
    work = n * (len(face) + (d_in + 1) * width + 1) * len(face)
    if work > MAX_SPAN_WORK:
        raise Invalid(
            f"the span check needs n (F + (d_X + 1) d_1 + 1) F = {work} operations, beyond "
            f"this checker's limit of {MAX_SPAN_WORK}",
            step=sid,
        )
    if problem.loss in exp_losses.EXP_LOSSES:
        exp_losses.check_box_work(n, 1, len(face), sid)
    w2 = problem.layers(problem.point)[1][0][0]
    for _, r, i, _ in ties:
        if w2[r] == 0:
            raise Invalid(
                f"neuron {r} has a tie (sample {i}) and output weight 0: its side of the tie "
                "has no sign",
                step=sid,
            )
    on_face = [[[0 if k is None else k for k in neuron] for neuron in pattern[0]]]
    dependent = {e: (constant, rest) for e, _, constant, rest in solved.values()}
    jacobian = _face_jacobian(problem, on_face[0], face, solved, w2)
    functionals = _sign_functionals(problem, on_face[0], ties)
    conditions = _conditions(problem, on_face[0], ties)
    vectors = [vector for *_, vector in functionals]
    exact_zero = column_space(jacobian, face, conditions, vectors, sid)
    lower, upper = interval_trap(problem, on_face, face, rho, mu, sid, dependent)
    _check_signs(problem, functionals, exact_zero, jacobian, rho, w2, sid)
    return {"radius": full, "lower": lower, "upper": upper}


def _cited_box(step: dict[str, Any], done: Any, sid: str) -> tuple[Any, Any, list]:
    """The cited box_in_cell (no tie; the pattern of its cell) or box_near_boundary."""
    uses = step.get("uses")
    if not isinstance(uses, list) or len(uses) != 1 or uses[0] not in done:
        raise Invalid('"uses" must name one earlier box_in_cell or box_near_boundary', step=sid)
    box = done[uses[0]]
    if box.kind == "box_near_boundary":
        return box, box.facts["pattern"], box.facts["ties"]
    if box.kind == "box_in_cell":
        return box, done[box.facts["cell"]].facts["pattern"], []
    raise Invalid(f"cites a {box.kind} step: expected box_in_cell or box_near_boundary", step=sid)


def _check_shape(problem: Problem, ties: list, sid: str) -> None:
    act = problem.activation
    if problem.depth != 2 or problem.widths[-1] != 1:
        raise Invalid("this step needs one hidden layer and one output", step=sid)
    if act.breakpoints != [0] or any(t != 0 for t in act.intercepts):
        raise Invalid(
            "this step needs a positively homogeneous activation (one breakpoint, at 0, and "
            "intercepts 0)",
            step=sid,
        )
    if problem.loss not in LOSSES:
        raise Invalid(
            f"the {problem.loss} loss: this step needs one of {', '.join(LOSSES)}", step=sid
        )
    if problem.num_parameters > MAX_PARAMETERS:
        raise Invalid(f"more than {MAX_PARAMETERS} parameters", step=sid)
    groups = tie_groups(ties)
    if len(groups) > MAX_TIES or len(ties) > 2 * MAX_TIES:
        raise Invalid(
            f"{len(ties)} ties of {len(groups)} neurons: this step takes at most "
            f"{MAX_TIES} tied neurons and {2 * MAX_TIES} ties",
            step=sid,
        )
    for r, samples in groups.items():
        if any(problem.inputs[i] != problem.inputs[samples[0]] for i in samples):
            raise Invalid(
                f"neuron {r} is tied on samples {samples} with different inputs: this step "
                "takes the ties of one neuron on one input only",
                step=sid,
            )


def tie_groups(ties: list) -> dict[int, list[int]]:
    """Tied neuron -> its tied samples (one input: they move to the same side together)."""
    groups: dict[int, list[int]] = {}
    for _, r, i, _ in ties:
        groups.setdefault(r, []).append(i)
    return groups


def _free(problem: Problem, value: Any, sid: str) -> list[int]:
    """The listed coordinates: increasing, each in W_1, b_1 or b_2."""
    if not isinstance(value, list) or not value:
        raise Invalid(
            f"free must be a non-empty list of parameter indices, got {brief(value)}", step=sid
        )
    d_in, width = problem.widths[0], problem.widths[1]
    layer_one = width * (d_in + 1)
    allowed = set(range(layer_one)) | {problem.num_parameters - 1}
    free = [integer(a, f"{sid}.free[{k}]", 0) for k, a in enumerate(value)]
    for k, a in enumerate(free):
        if a not in allowed:
            raise Invalid(
                f"free[{k}] = {a} is not a first-layer weight or bias or the output bias",
                step=sid,
            )
        if k and a <= free[k - 1]:
            raise Invalid("free must be strictly increasing", step=sid)
    return free


def _coefficient(problem: Problem, a: int, i: int) -> tuple[int, Fraction] | None:
    """(neuron r, d z_r(x_i) / d theta_a) for a first-layer parameter a, else None."""
    d_in = problem.widths[0]
    weights = problem.widths[1] * d_in
    if a < weights:
        return a // d_in, problem.inputs[i][a % d_in]
    if a < weights + problem.widths[1]:
        return a - weights, Fraction(1)
    return None


def _face_jacobian(
    problem: Problem,
    pattern: list[list[int]],
    face: list[int],
    solved: dict[int, tuple[int, Fraction, Fraction, dict[int, Fraction]]],
    w2: list[Fraction],
) -> list[list[Fraction]]:
    """J[i][k] = d f(x_i) / d theta_face[k] on the face (a solved coordinate follows its tie),
    exact; f is affine in these coordinates."""
    slopes = problem.activation.slopes
    out = []
    for i in range(len(problem.inputs)):
        row = []
        for a in face:
            hit = _coefficient(problem, a, i)
            if hit is None:  # the output bias
                row.append(Fraction(1))
                continue
            r, kappa = hit
            if r in solved:
                e, _, _, rest = solved[r]
                kappa += _coefficient(problem, e, i)[1] * rest.get(a, Fraction(0))  # type: ignore[index]
            row.append(w2[r] * slopes[pattern[r][i]] * kappa)
        out.append(row)
    return out


def _conditions(
    problem: Problem, pattern: list[list[int]], ties: list
) -> list[tuple[str, list[Fraction]]]:
    """The equations c . g = 0 of the first-order conditions (see the module docstring): the
    output bias, and per neuron the components of E_r orthogonal to its tied x~_t."""
    slopes = problem.activation.slopes
    n, d_in = len(problem.inputs), problem.widths[0]
    tied = {r: i for _, r, i, _ in ties}
    rows: list[tuple[str, list[Fraction]]] = [("the output bias", [Fraction(1)] * n)]
    lifted = [[*x, Fraction(1)] for x in problem.inputs]
    for r, neuron in enumerate(pattern):
        columns = [[slopes[neuron[i]] * lifted[i][c] for i in range(n)] for c in range(d_in + 1)]
        if r in tied:  # project out x~_t: P = I - x~_t x~_t^T / |x~_t|^2
            t = lifted[tied[r]]
            norm = sum((v * v for v in t), Fraction(0))
            along = [  # x~_t . (s_r(i) x~_i) / |x~_t|^2, once per sample
                sum((t[k] * columns[k][i] for k in range(d_in + 1)), Fraction(0)) / norm
                for i in range(n)
            ]
            columns = [[columns[c][i] - t[c] * along[i] for i in range(n)] for c in range(d_in + 1)]
        for c, column in enumerate(columns):
            rows.append((f"neuron {r} input coordinate {c}", column))
    return rows


def _sign_functionals(
    problem: Problem, pattern: list[list[int]], ties: list
) -> list[tuple[int, list[int], int, list[Fraction]]]:
    """Per tied neuron r (its samples, one input x~_t) and side (0 below the kink, 1 above): the
    coefficients over the samples of nu_t = x~_t . E_r / |x~_t|^2 (E_r on the face pattern, the
    tie on piece 0) and of nu_t + (s_1 - s_0) g_T: (r, samples, side, vector)."""
    slopes = problem.activation.slopes
    lifted = [[*x, Fraction(1)] for x in problem.inputs]
    out = []
    for r, group in tie_groups(ties).items():
        x_t = lifted[group[0]]
        norm = sum((v * v for v in x_t), Fraction(0))
        base = [
            slopes[pattern[r][i]]
            * sum((a * b for a, b in zip(x_t, lifted[i], strict=True)), Fraction(0))
            / norm
            for i in range(len(lifted))
        ]
        for side in (0, 1):
            vector = list(base)
            for i in group:
                vector[i] = slopes[side]  # x~_i . x~_t / |x~_t|^2 = 1 (equal inputs)
            out.append((r, group, side, vector))
    return out


def _check_signs(
    problem: Problem,
    functionals: list[tuple[int, list[int], int, list[Fraction]]],
    exact_zero: list[bool],
    jacobian: list[list[Fraction]],
    rho: Fraction,
    w2: list[Fraction],
    sid: str,
) -> None:
    """sign(c_r) nu_t <= 0 (below) and sign(c_r) (nu_t + (s_1 - s_0) g_T) >= 0 (above) at
    theta_m: a functional whose vector lies in the column space of J is exactly 0 there;
    otherwise its interval over the face box (g enclosed from the outputs' ranges) must have the
    sign."""
    if not functionals:
        return
    outputs = forward(problem, problem.point).outputs
    gradient = []
    for i, (y, f) in enumerate(zip(problem.labels, outputs, strict=True)):
        spread = rho * sum((abs(v) for v in jacobian[i]), Fraction(0))
        jet = IntervalJet(Interval(f[0] - spread, f[0] + spread), {0: Interval.point(Fraction(1))})
        gradient.append(_loss(problem, y, [jet], i).grad.get(0, ZERO))
    for (r, group, side, vector), zero in zip(functionals, exact_zero, strict=True):
        if zero:
            continue
        sign = 1 if w2[r] > 0 else -1
        value = ZERO
        for g, c in zip(gradient, vector, strict=True):
            value = value + g.scale(sign * c)
        if (side == 0 and value.hi > 0) or (side == 1 and value.lo < 0):
            raise Invalid(
                f"the tie of neuron {r} on sample(s) {group}: the multiplier of its "
                f"{'upper' if side else 'lower'} side is not shown to have the right sign on "
                "the box (sign(c_r) nu <= 0 below the kink, sign(c_r) (nu + (s_1 - s_0) g_T) "
                ">= 0 above)",
                step=sid,
                derived=f"[{show(value.lo)}, {show(value.hi)}]",
            )

"""Section 3.20 of docs/certificate.md (since 1.1): ``minimum_in_box``, and the claims
``local_min_in_box`` / ``spurious_local_min_in_box`` (section 4).

A local minimum whose coordinates are irrational cannot be written down; a box around a rational
centre theta* that traps one can. In the *free* coordinates F (constant neurons' parameters and
one rescaling anchor per neuron fixed as in the simplified query of 3.11.1, plus the inert
parameters and linear neurons' biases of ``box_reduction``), on
the slice box B = {theta : theta_a = theta*_a (a not in F), |theta_a - theta*_a| <= rho (a in F)}:

1. an interval Hessian [L, U] of R over B (outward-rounded interval jets, the pattern of the cell
   and one loss piece per residual, both constant on B) and the exact Hessian H and gradient g at
   theta*: with E = max(U - H, H - L) entrywise and M = H - diag(E 1) - mu I, every LDL^T pivot
   of M is positive, so x^T H(theta) x >= mu |x|^2 for every theta in B;
2. mu^2 rho^2 > 4 |g|^2: on the boundary of B (|x|_2 >= |x|_inf = rho),
   R(theta* + x) >= R(theta*) + g.x + mu |x|^2 / 2 > R(theta*).

So R restricted to B attains its minimum inside B, at a local minimum of R on the slice, whose
risk is in [R(theta*) - |g|^2 / (2 mu), R(theta*)]; the rescaling argument of 3.11.1 makes it a
local minimum of R.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import box_reduction, exp_losses, limits
from .calculus import ldl_pivots, risk_jet
from .intervals import ZERO, Interval, IntervalJet
from .numbers import rational, show
from .problem import Problem
from .result import Invalid

MAX_FREE_PARAMETERS = 200
MAX_PARAMETERS = 2000
"""The exact jets at the centre run over every parameter (as for hessian_pd)."""


def free_parameters(problem: Problem, pattern: list[list[list[int]]], rho: Fraction) -> list[int]:
    """The parameters left free at radius rho (the rules of :mod:`.box_reduction`; for the
    softmax loss also the last output row, fixed by the logit shift symmetry)."""
    free = box_reduction.free_parameters(problem, pattern, rho)
    if problem.loss != "softmax_cross_entropy":
        return free
    fixed = set(logit_shift_anchors(problem))
    return [a for a in free if a not in fixed]


def logit_shift_anchors(problem: Problem) -> list[int]:
    """W_L[d_Y - 1][:] and b_L[d_Y - 1]: softmax cross-entropy is unchanged when the same affine
    function of the last hidden layer is added to every logit, (W_L[k], b_L[k]) += (v, c) for all
    k, so subtracting the last row's move from every row puts any point on the slice."""
    index = list(range(problem.num_parameters))
    w, b = problem.layers(index)[-1]
    return [*w[-1], b[-1]]


def box_jet(
    problem: Problem,
    pattern: list[list[list[int]]],
    free: list[int],
    rho: Fraction,
    radii: dict[int, Fraction] | None = None,
    dependent: dict[int, tuple[Fraction, dict[int, Fraction]]] | None = None,
) -> IntervalJet:
    """Enclosures of R, its gradient and Hessian over the slice box (free coordinates +- rho, or
    +- radii[a] where given). A ``dependent`` parameter a is const + sum_c coef_c theta_c (the
    face of 3.29), computed from the other parameters' jets."""
    params = [IntervalJet(Interval.point(v)) for v in problem.point]
    for index in free:
        v = problem.point[index]
        r = rho if radii is None else radii.get(index, rho)
        params[index] = IntervalJet(Interval(v - r, v + r), {index: Interval.point(Fraction(1))})
    for index, (constant, coefficients) in (dependent or {}).items():
        jet = IntervalJet(Interval.point(constant))
        for c, coefficient in coefficients.items():
            jet = jet + params[c].scale(coefficient)
        params[index] = jet
    layers = problem.layers(params)
    act = problem.activation
    total = IntervalJet(ZERO)
    for i, (x, y) in enumerate(zip(problem.inputs, problem.labels, strict=True)):
        a = [IntervalJet(Interval.point(v)) for v in x]
        for j, (w, b) in enumerate(layers):
            z = []
            for wr, br in zip(w, b, strict=True):
                acc = br
                for wc, ac in zip(wr, a, strict=True):
                    acc = acc + wc * ac
                z.append(acc)
            if j == len(layers) - 1:
                total = total + _loss(problem, y, z, i)
                break
            a = []
            for r, zr in enumerate(z):
                k = pattern[j][r][i]
                a.append(zr.scale(act.slopes[k]).shift(act.intercepts[k]))
    return total.scale(Fraction(1, len(problem.inputs)))


def _loss(problem: Problem, y: list[Fraction], f: list[IntervalJet], sample: int) -> IntervalJet:
    """The loss of one sample, on the loss piece every residual keeps over the whole box."""
    if problem.loss in exp_losses.EXP_LOSSES:  # smooth: enclosures of exp/log and derivatives
        return exp_losses.loss_jet(problem.loss, y, f)
    total = IntervalJet(ZERO)
    for k, (yk, fk) in enumerate(zip(y, f, strict=True)):
        r = fk.shift(-yk)
        place = f"sample {sample} output {k}"
        if problem.loss in ("squared", "squared_half"):
            total = total + r * r
        elif problem.loss == "absolute":
            total = total + r.scale(Fraction(_sign(r.value, Fraction(0), place)))
        elif problem.loss == "hinge":
            margin = fk.scale(-yk).shift(Fraction(1))
            if _sign(margin.value, Fraction(0), place) > 0:
                total = total + margin
        else:
            assert problem.delta is not None
            d = problem.delta
            if -d < r.value.lo and r.value.hi < d:
                total = total + (r * r).scale(Fraction(1, 2))
            elif r.value.lo > d or r.value.hi < -d:
                side = 1 if r.value.lo > d else -1
                total = total + r.scale(side * d).shift(-d * d / 2)
            else:
                raise Invalid(
                    f"{place}: over the box the residual reaches +-delta, where the Huber loss "
                    "is not twice differentiable",
                    derived=f"[{show(r.value.lo)}, {show(r.value.hi)}]",
                )
    return total.scale(Fraction(1, 2)) if problem.loss == "squared_half" else total


def _sign(value: Interval, kink: Fraction, place: str) -> int:
    """1 / -1 when the interval lies strictly above / below the loss kink, else Invalid."""
    if value.lo > kink:
        return 1
    if value.hi < kink:
        return -1
    raise Invalid(
        f"{place}: over the box the residual reaches a kink of the loss at {show(kink)}",
        derived=f"[{show(value.lo)}, {show(value.hi)}]",
    )


def cell_box_and_parameters(
    step: dict[str, Any], done: Any, sid: str
) -> tuple[Any, Fraction, Fraction]:
    """The cited cell and box_in_cell (which must cite it), the step's radius (within the box's)
    and its mu > 0: the common head of the in-cell box steps."""
    from .steps import _cited, radius_within  # steps.py registers this verifier: no cycle

    cell = _cited(step, done, "cell", sid)
    box = _cited(step, done, "box_in_cell", sid)
    if box.facts["cell"] != cell.id:
        raise Invalid("the box_in_cell step must cite the cited cell", step=sid)
    rho = radius_within(step, box, sid)
    mu = rational(step["mu"], f"{sid}.mu")
    if not mu > 0:
        raise Invalid("mu must be positive", step=sid, derived=show(mu))
    return cell, rho, mu


def check_minimum_in_box(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    cell, rho, mu = cell_box_and_parameters(step, done, sid)
    if problem.num_parameters > MAX_PARAMETERS:
        raise Invalid(
            f"{problem.num_parameters} parameters: this step handles at most {MAX_PARAMETERS}",
            step=sid,
        )
    limits.check_jet(problem, sid, hessian=False)  # the exact second-order jet costs n P^2
    pattern = cell.facts["pattern"]
    free = free_parameters(problem, pattern, rho)
    if not free or len(free) > MAX_FREE_PARAMETERS:
        raise Invalid(
            f"{len(free)} free parameters: this step needs 1 to {MAX_FREE_PARAMETERS}", step=sid
        )
    if problem.loss in exp_losses.EXP_LOSSES:
        exp_losses.check_box_work(len(problem.inputs), problem.widths[-1], len(free), sid)
        return smooth_trap(problem, pattern, free, rho, mu, cell.id, sid)
    try:
        exact = risk_jet(problem, 2)
        enclosure = box_jet(problem, pattern, free, rho)
    except Invalid as exc:
        raise Invalid(f"R is not twice differentiable on the box: {exc}", step=sid) from None
    _check_curvature(exact.hess, enclosure.hess, free, mu, sid)
    squared = sum((exact.grad.get(a, Fraction(0)) ** 2 for a in free), Fraction(0))
    _check_trap(mu, rho, squared, sid)
    return {
        "radius": rho,
        "lower": exact.value - squared / (2 * mu),
        "upper": exact.value,
        "cell": cell.id,
    }


def smooth_trap(
    problem: Problem,
    pattern: list[list[list[int]]],
    free: list[int],
    rho: Fraction,
    mu: Fraction,
    cell: str,
    sid: str,
) -> dict[str, Any]:
    """The trap for the logistic and softmax losses (section 2.1), as the facts of 3.28."""
    lower, upper = interval_trap(problem, pattern, free, rho, mu, sid)
    return {"radius": rho, "lower": lower, "upper": upper, "cell": cell}


def interval_trap(
    problem: Problem,
    pattern: Any,
    free: list[int],
    rho: Fraction,
    mu: Fraction,
    sid: str,
    dependent: dict[int, tuple[Fraction, dict[int, Fraction]]] | None = None,
) -> tuple[Fraction, Fraction]:
    """The trap of 3.20 with nothing exact at the centre (3.28): H is the midpoint C of the box's
    interval Hessian (|H(theta) - C| <= E = half its width entrywise), |g|^2 is bounded by the
    squares of the ends of the centre's interval gradient, R(theta*) by the centre's interval
    value. The box: ``free`` +- rho, the ``dependent`` coordinates solved from them (the face of
    3.29), the rest at theta*. Returns (lower, upper) = (R_lo - G^2 / (2 mu), R_hi), the bounds
    of the risk of the minimum it traps."""
    try:
        centre = box_jet(problem, pattern, free, Fraction(0), dependent=dependent)
        enclosure = box_jet(problem, pattern, free, rho, dependent=dependent)
    except Invalid as exc:
        raise Invalid(f"R is not twice differentiable on the box: {exc}", step=sid) from None
    middle = {key: (v.lo + v.hi) / 2 for key, v in enclosure.hess.items()}
    _check_curvature(middle, enclosure.hess, free, mu, sid)
    squared = Fraction(0)
    for a in free:
        g = centre.grad.get(a, ZERO)
        squared += max(g.lo * g.lo, g.hi * g.hi)
    _check_trap(mu, rho, squared, sid)
    return centre.value.lo - squared / (2 * mu), centre.value.hi


def _check_trap(mu: Fraction, rho: Fraction, squared: Fraction, sid: str) -> None:
    if not mu * mu * rho * rho > 4 * squared:
        raise Invalid(
            "the box does not trap a minimum: mu^2 rho^2 must exceed 4 |g|^2",
            step=sid,
            expected=f"> {show(4 * squared)}",
            derived=show(mu * mu * rho * rho),
        )


def _check_curvature(
    exact: dict[tuple[int, int], Fraction],
    enclosure: dict[tuple[int, int], Interval],
    free: list[int],
    mu: Fraction,
    sid: str,
) -> None:
    """Every LDL^T pivot of H - diag(E 1) - mu I is positive (H restricted to the free ones)."""
    size = len(free)
    h = [[Fraction(0)] * size for _ in range(size)]
    e = [[Fraction(0)] * size for _ in range(size)]
    for p, a in enumerate(free):
        for q, b in enumerate(free):
            key = (a, b) if a <= b else (b, a)
            h[p][q] = exact.get(key, Fraction(0))
            e[p][q] = enclosure.get(key, ZERO).magnitude(h[p][q])
    for p in range(size):
        h[p][p] -= sum(e[p], Fraction(0)) + mu
    pivots = ldl_pivots(h)
    if len(pivots) < size or pivots[-1] <= 0:
        raise Invalid(
            f"LDL^T pivot {len(pivots) - 1} of H - diag(E 1) - mu I is not positive: the "
            "Hessian is not shown to be at least mu on the box",
            step=sid,
            expected="> 0",
            derived=show(pivots[-1]),
        )


BOX_CLAIM_FIELDS = frozenset({"radius", "lower", "upper"})
BOX_KINDS = (
    "minimum_in_box",
    "minimum_in_box_on_face",
    "lifted_minimum_in_box",
    "affine_minimum_in_box",
)
"""The steps whose facts are a box (radius) trapping a local minimum with risk in [lower, upper]."""


def local_min_in_box(steps: Any, fields: dict[str, Any]) -> str | None:
    """A minimum_in_box step within the claimed radius and risk bounds."""
    radius = rational(fields.get("radius"), "claim.radius")
    lower = rational(fields.get("lower"), "claim.lower")
    upper = rational(fields.get("upper"), "claim.upper")
    for s in steps.values():
        if s.kind not in BOX_KINDS:
            continue
        facts = s.facts
        if facts["radius"] <= radius and lower <= facts["lower"] and facts["upper"] <= upper:
            return None
    return (
        "a minimum_in_box (or minimum_in_box_on_face, lifted_minimum_in_box, "
        "affine_minimum_in_box) step with radius <= the claimed radius and "
        "risk bounds inside the claimed ones"
    )


def spurious_local_min_in_box(steps: Any, fields: dict[str, Any]) -> str | None:
    """local_min_in_box and a lower_point whose risk is below the claimed lower bound."""
    missing = local_min_in_box(steps, fields)
    if missing is not None:
        return missing
    lower = rational(fields.get("lower"), "claim.lower")
    if any(s.kind == "lower_point" and s.facts["risk"] < lower for s in steps.values()):
        return None
    if any(s.kind == "lower_point_below" and s.facts["upper"] < lower for s in steps.values()):
        return None  # since 1.1: an upper bound of the witness's risk below the box's lower bound
    return (
        "a lower_point step whose risk (or a lower_point_below step whose upper bound) is below "
        "the claimed lower bound"
    )

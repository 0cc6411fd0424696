"""Section 3.3X-softmax of docs/certificate.md (since 1.1): ``escape_ray``, and the claim
``no_local_min_in_box`` (section 4).

With the logistic or softmax loss the loss of a sample falls strictly as its right logit rises
(or a wrong one falls), and never reaches its infimum. One hidden layer: if hidden neuron r is,
at every theta of the box |theta - theta*|_inf <= rho, zero or of the helpful sign on every sample
for output k (and strictly helpful on one), then moving W_2[k][r] by s t lowers the risk for every
t > 0 from every such theta, so none of them is a local minimum. The checker reads the signs off
exact intervals of the neuron's pre-activations over the box.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import exp_losses
from .numbers import integer, rational, show
from .problem import Problem
from .result import Invalid

RAY_CLAIM_FIELDS = frozenset({"radius"})


def _activation_range(problem: Problem, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """min and max of h over [lo, hi]: h is piecewise linear, so at the ends or a breakpoint."""
    act = problem.activation
    points = [lo, hi, *(p for p in act.breakpoints if lo < p < hi)]
    values = []
    for z in points:
        k = sum(1 for p in act.breakpoints if p < z)  # the piece of z (either one at a breakpoint)
        values.append(act.slopes[k] * z + act.intercepts[k])
    return min(values), max(values)


def _helps(label: list[Fraction], k: int) -> int:
    """+1 when raising output k lowers this sample's loss, -1 when it raises it (2.1): the
    logistic label 1 (else -1), the softmax one-hot entry of the class (else 0)."""
    return 1 if label[k] == 1 else -1


def check_escape_ray(problem: Problem, step: dict[str, Any], done: Any, sid: str) -> dict[str, Any]:
    if problem.loss not in exp_losses.EXP_LOSSES:
        raise Invalid(
            f"escape_ray needs the logistic or softmax_cross_entropy loss, not {problem.loss} "
            "(a rational loss can grow along the ray)",
            step=sid,
        )
    if problem.depth != 2:
        raise Invalid(
            f"escape_ray needs one hidden layer; the network has {problem.depth - 1}", step=sid
        )
    k = integer(step["output"], f"{sid}.output", 0, problem.widths[2] - 1)
    r = integer(step["neuron"], f"{sid}.neuron", 0, problem.widths[1] - 1)
    sign = integer(step["sign"], f"{sid}.sign", -1, 1)
    if sign == 0:
        raise Invalid(f"{sid}.sign: expected 1 or -1, got 0", step=sid)
    rho = rational(step["radius"], f"{sid}.radius")
    if not rho > 0:
        raise Invalid("the radius must be positive", step=sid, derived=show(rho))
    (w1, b1), _ = problem.layers(problem.point)
    gaining = None
    for i, (x, y) in enumerate(zip(problem.inputs, problem.labels, strict=True)):
        z = sum((w * v for w, v in zip(w1[r], x, strict=True)), b1[r])
        spread = rho * (1 + sum((abs(v) for v in x), Fraction(0)))
        low, high = _activation_range(problem, z - spread, z + spread)
        least = low if sign * _helps(y, k) > 0 else -high  # of s * helps * h over the box
        if least < 0:
            raise Invalid(
                f"sample {i}: somewhere in the box neuron {r}'s activation has the sign that "
                f"makes moving W_2[{k}][{r}] by sign {sign} raise this sample's loss",
                step=sid,
                expected=">= 0 over the box",
                derived=f"activation in [{show(low)}, {show(high)}]",
            )
        if least > 0 and gaining is None:
            gaining = i
    if gaining is None:
        raise Invalid(
            f"no sample's loss falls strictly along the ray: neuron {r}'s activation is 0 "
            "somewhere in the box on every sample",
            step=sid,
        )
    return {"radius": rho, "gaining": gaining}


def no_local_min_in_box(steps: Any, fields: dict[str, Any]) -> str | None:
    """An escape_ray step whose radius is >= the claimed radius."""
    radius = rational(fields.get("radius"), "claim.radius")
    if not radius > 0:
        raise Invalid("claim.radius: must be positive", derived=show(radius))
    if any(s.kind == "escape_ray" and s.facts["radius"] >= radius for s in steps.values()):
        return None
    return "an escape_ray step with radius >= the claimed radius"

"""Section 3.23 of docs/certificate.md (since 1.1): ``convex_cover_near_boundary``.

A point on a cell boundary of a one-hidden-layer network (a kink exactly on a sample, where
training often stops) is a local minimum when every closed cell that touches it has no lower
risk. Inside the cited ``box_near_boundary``, each neuron keeps its pieces on the untied samples,
each tied pre-activation stays between the breakpoints next to its own, and each output weight
with |c_r| > rho keeps its sign; so each neuron lies in the closed region of its pattern with the
ties sent to some side, with one of its allowed signs, and the convex lower bounds of 3.15 over
those blocks bound the risk of every point of the box.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from .numbers import show
from .problem import Problem
from .result import Invalid

MAX_CASES = 4096


def check_convex_cover_near_boundary(
    problem: Problem, step: dict[str, Any], done: Any, sid: str
) -> dict[str, Any]:
    from .steps import _cited  # steps.py registers this verifier: no import cycle

    box = _cited(step, done, "box_near_boundary", sid)
    level = _cited(step, done, "risk", sid).facts["value"]
    if len(problem.widths) != 3 or problem.widths[-1] != 1:
        raise Invalid("this step needs one hidden layer and one output", step=sid)
    bounds = [done[u] for u in step["uses"] if done[u].kind == "convex_lower_bound"]
    strong = [b.facts["blocks"] for b in bounds if b.facts["bound"] >= level]
    rho = box.facts["radius"]
    ties = box.facts["ties"]
    pattern = box.facts["pattern"][0]
    outputs = problem.layers(problem.point)[1][0][0]
    signs = [(1,) if c > rho else (-1,) if c < -rho else (1, -1) for c in outputs]
    cases = 2 ** len(ties)
    for allowed in signs:
        cases *= len(allowed)
    if cases > MAX_CASES:
        raise Invalid(f"{cases} cases (sides times signs) exceed {MAX_CASES}", step=sid)
    for sides in product((0, 1), repeat=len(ties)):
        resolved = [list(neuron) for neuron in pattern]
        for (_, r, i, b), side in zip(ties, sides, strict=True):
            resolved[r][i] = b + side  # piece b is left of breakpoint b, piece b + 1 right
        for chosen in product(*signs):
            need = {(tuple(p), s) for p, s in zip(resolved, chosen, strict=True)}
            if not any(need <= blocks for blocks in strong):
                raise Invalid(
                    "no convex_lower_bound step with bound >= the risk covers the blocks "
                    f"{sorted(need)} (tie sides {list(sides)})",
                    step=sid,
                    expected=f">= {show(level)}",
                )
    return {"box": box.id}

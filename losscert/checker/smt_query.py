"""Section 3.11 of docs/certificate.md: the canonical SMT-LIB 2 query "no lower point in the box".

For a point theta*, its cell pattern and a radius rho, the query asks for parameters p with
|p_a - theta*_a| <= rho for every a, every pre-activation in the *closed* piece the pattern names,
and a risk below R(theta*), the network evaluated with the affine map of each entry's piece. The
checker writes this text itself from the certificate's problem; a certificate's text must equal it
character for character, so the solvers' "unsat" is the only thing taken on trust.

Squared losses give a polynomial risk; absolute, hinge and Huber losses are written with ``ite``
case splits on each residual (still QF_NRA: ``ite`` is part of the core theory).
"""

from __future__ import annotations

from fractions import Fraction

from .problem import Problem, risk
from .result import Invalid
from .smt_reduction import Reduction, reduce_parameters

SMT_LOSSES = ("squared", "squared_half", "absolute", "hinge", "huber")


def literal(value: Fraction) -> str:
    numerator = f"(- {-value.numerator})" if value.numerator < 0 else str(value.numerator)
    if value.denominator == 1:
        return numerator
    return f"(/ {numerator} {value.denominator})"


def no_lower_point_query(
    problem: Problem, pattern: list[list[list[int]]], radius: Fraction, *, simplified: bool = False
) -> str:
    """The canonical text; ``simplified`` gives the query of section 3.11.1 (smt_reduction)."""
    if problem.loss not in SMT_LOSSES:
        raise Invalid(f"the SMT query of version 1 does not cover the {problem.loss} loss")
    if simplified:
        reduction = reduce_parameters(problem, pattern, radius)
    else:
        box = [(v - radius, v + radius) for v in problem.point]
        reduction = Reduction(list(box), [[False] * len(layer) for layer in pattern])
    names = [
        f"p{a}" if bound is not None else literal(value)
        for a, (bound, value) in enumerate(zip(reduction.bounds, problem.point, strict=True))
    ]
    lines = ["(set-logic QF_NRA)"]
    free = [(name, bound) for name, bound in zip(names, reduction.bounds, strict=True) if bound]
    lines += [f"(declare-fun {name} () Real)" for name, _ in free]
    for name, (lo, hi) in free:
        lines.append(f"(assert (<= {literal(lo)} {name} {literal(hi)}))")
    layers = problem.layers(names)
    act = problem.activation
    constraints: list[str] = []
    outputs: list[list[str]] = []
    bindings: list[str] = []
    for i, x in enumerate(problem.inputs):
        a = [literal(v) for v in x]
        for j, (w, b) in enumerate(layers):
            z = [
                f"(+ {br} {' '.join(f'(* {wc} {ac})' for wc, ac in zip(wr, a, strict=True))})"
                for wr, br in zip(w, b, strict=True)
            ]
            if j == len(layers) - 1:
                outputs.append(z)
                break
            a = []
            for r, zr in enumerate(z):
                k = pattern[j][r][i]
                if reduction.constant[j][r]:  # slope 0 on every sample: a constant per sample
                    a.append(literal(act.intercepts[k]))
                    continue
                name = f"z{i}_{j + 1}_{r}"
                bindings.append(f"(define-fun {name} () Real {zr})")
                lower, upper = act.bounds(k)
                if lower is not None:
                    constraints.append(f"(<= {literal(lower)} {name})")
                if upper is not None:
                    constraints.append(f"(<= {name} {literal(upper)})")
                a.append(f"(+ (* {literal(act.slopes[k])} {name}) {literal(act.intercepts[k])})")
    terms = _loss_terms(problem, outputs, bindings)
    lines += bindings
    lines += [f"(assert {c})" for c in constraints]
    scale = len(problem.inputs) * (2 if problem.loss == "squared_half" else 1)
    bound = risk(problem, problem.point) * scale
    lines.append(f"(assert (< (+ 0 {' '.join(terms)}) {literal(bound)}))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"


def _loss_terms(problem: Problem, outputs: list[list[str]], bindings: list[str]) -> list[str]:
    """One term per sample and output whose sum is n R (2n R for squared_half).

    Squared losses write each residual inline, ``(* r r)``. The others name each residual
    ``r<i>_<k>`` = f_k(x_i) - y_ik (hinge: ``m<i>_<k>`` = 1 - y_ik f_k(x_i)) with a define-fun
    appended to ``bindings``, and split cases with ``ite``.
    """
    terms = []
    for i, (f, y) in enumerate(zip(outputs, problem.labels, strict=True)):
        for k, (fk, yk) in enumerate(zip(f, y, strict=True)):
            residual = f"(- {fk} {literal(yk)})"
            if problem.loss in ("squared", "squared_half"):
                terms.append(f"(* {residual} {residual})")
                continue
            if problem.loss == "hinge":
                name = f"m{i}_{k}"
                bindings.append(f"(define-fun {name} () Real (- 1 (* {literal(yk)} {fk})))")
                terms.append(f"(ite (<= 0 {name}) {name} 0)")
                continue
            name = f"r{i}_{k}"
            bindings.append(f"(define-fun {name} () Real {residual})")
            if problem.loss == "absolute":
                terms.append(f"(ite (<= 0 {name}) {name} (- {name}))")
            else:  # huber: r^2/2 on [-delta, delta], delta |r| - delta^2/2 outside
                assert problem.delta is not None
                d, corner = literal(problem.delta), literal(problem.delta**2 / 2)
                terms.append(
                    f"(ite (< {d} {name}) (- (* {d} {name}) {corner}) "
                    f"(ite (< {name} (- {d})) (- (* (- {d}) {name}) {corner}) "
                    f"(* (/ 1 2) (* {name} {name}))))"
                )
    return terms

"""Section 3.11 of docs/certificate.md: the canonical SMT-LIB 2 query "no lower point in the box".

For a point theta*, its cell pattern and a radius rho, the query asks for parameters p with
|p_a - theta*_a| <= rho for every a, every pre-activation in the *closed* piece the pattern names,
and a risk below R(theta*), the network evaluated with the affine map of each entry's piece. The
checker writes this text itself from the certificate's problem; a certificate's text must equal it
character for character, so the solvers' "unsat" is the only thing taken on trust.
Squared losses only (the risk is then a polynomial: QF_NRA).
"""

from __future__ import annotations

from fractions import Fraction

from .problem import Problem, risk
from .result import Invalid

SMT_LOSSES = ("squared", "squared_half")


def literal(value: Fraction) -> str:
    numerator = f"(- {-value.numerator})" if value.numerator < 0 else str(value.numerator)
    if value.denominator == 1:
        return numerator
    return f"(/ {numerator} {value.denominator})"


def no_lower_point_query(problem: Problem, pattern: list[list[list[int]]], radius: Fraction) -> str:
    if problem.loss not in SMT_LOSSES:
        raise Invalid(f"the SMT query of version 1 covers squared losses only, not {problem.loss}")
    names = [f"p{a}" for a in range(problem.num_parameters)]
    lines = ["(set-logic QF_NRA)"]
    lines += [f"(declare-fun {name} () Real)" for name in names]
    for name, value in zip(names, problem.point, strict=True):
        lines.append(f"(assert (<= {literal(value - radius)} {name} {literal(value + radius)}))")
    layers = problem.layers(names)
    act = problem.activation
    constraints: list[str] = []
    residuals: list[str] = []
    bindings: list[str] = []
    for i, (x, y) in enumerate(zip(problem.inputs, problem.labels, strict=True)):
        a = [literal(v) for v in x]
        for j, (w, b) in enumerate(layers):
            z = [
                f"(+ {br} {' '.join(f'(* {wc} {ac})' for wc, ac in zip(wr, a, strict=True))})"
                for wr, br in zip(w, b, strict=True)
            ]
            if j == len(layers) - 1:
                residuals += [f"(- {zk} {literal(yk)})" for zk, yk in zip(z, y, strict=True)]
                break
            a = []
            for r, zr in enumerate(z):
                name = f"z{i}_{j + 1}_{r}"
                bindings.append(f"(define-fun {name} () Real {zr})")
                k = pattern[j][r][i]
                lower, upper = act.bounds(k)
                if lower is not None:
                    constraints.append(f"(<= {literal(lower)} {name})")
                if upper is not None:
                    constraints.append(f"(<= {name} {literal(upper)})")
                a.append(f"(+ (* {literal(act.slopes[k])} {name}) {literal(act.intercepts[k])})")
    lines += bindings
    lines += [f"(assert {c})" for c in constraints]
    scale = len(problem.inputs) * (2 if problem.loss == "squared_half" else 1)
    bound = risk(problem, problem.point) * scale
    squares = " ".join(f"(* {r} {r})" for r in residuals)
    lines.append(f"(assert (< (+ 0 {squares}) {literal(bound)}))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"

"""Test oracle: the naive SMT query "exists theta with R(theta) < bound" for a one-hidden-layer,
one-output network, with the activation as nested ite and no cells. Unlike
``losscert.encodings.naive_smt.naive_query`` the parameters are unbounded (a global question)
and absolute loss is allowed; the terms come from that module."""

from fractions import Fraction

from losscert.encodings.naive_smt import activation_term, smt_rational
from losscert.model.problem import Problem


def lower_risk_query(problem: Problem, bound: Fraction) -> str:
    net = problem.network
    hidden, d_x = net.widths[1], net.input_dim
    names = [f"w{r}_{j}" for r in range(hidden) for j in range(d_x)]
    names += [f"b{r}" for r in range(hidden)] + [f"c{r}" for r in range(hidden)] + ["d"]
    lines = ["(set-logic QF_NRA)"] + [f"(declare-fun {n} () Real)" for n in names]
    terms = []
    rows = zip(problem.data.input_rows(), problem.data.label_rows(), strict=True)
    for i, (x, y) in enumerate(rows):
        outs = []
        for r in range(hidden):
            dot = " ".join(f"(* w{r}_{j} {smt_rational(x[j])})" for j in range(d_x))
            lines.append(f"(define-fun z{i}_{r} () Real (+ b{r} {dot}))")
            outs.append(f"(* c{r} {activation_term(problem.network.activation, f'z{i}_{r}')})")
        lines.append(f"(define-fun r{i} () Real (- (+ d {' '.join(outs)}) {smt_rational(y[0])}))")
        kind = problem.loss.kind
        terms.append(f"(* r{i} r{i})" if kind == "squared" else f"(ite (>= r{i} 0) r{i} (- r{i}))")
    total = smt_rational(bound * problem.data.n)
    lines += [f"(assert (< (+ 0 {' '.join(terms)}) {total}))", "(check-sat)"]
    return "\n".join(lines) + "\n"

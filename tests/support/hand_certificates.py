"""The hand-made certificates of examples/certificates/, built from hand-worked instances.

Numbers the checker re-derives (risks, margins, LDL^T pivots, descent coefficients) are computed
here by a different route: sympy polynomials of the cell (losscert.encodings.polynomial), never the
checker's own code. `python -m tests.support.hand_certificates` rewrites the files.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path
from typing import Any

import sympy

from losscert.encodings.cells import Pattern, adjacent_cells, locate_cell
from losscert.encodings.polynomial import cell_polynomials, cell_risk
from losscert.io import read_problem
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss
from losscert.verifier.certificate import new_certificate, rationals

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "examples" / "certificates"


def _q(value: F) -> str:
    return rationals([value])[0]


def _risk_poly(problem: Problem, pattern: Pattern) -> tuple[sympy.Expr, list[sympy.Symbol]]:
    polys = cell_polynomials(
        problem.network.widths, problem.network.activation, problem.data, pattern
    )
    risk = cell_risk(polys, problem.loss, problem.data)
    return risk.as_expr(), [sympy.Symbol(n) for n in polys.names]


def spurious_relu() -> dict[str, Any]:
    """Theorem 1 on examples/relu_linear_collapse.json: a spurious local minimum.

    theta*: W1 = [[4/5], [0]], b1 = [13/10, 1], W2 = [[1, 0]], b2 = [-1] computes the least-squares
    line u = 4/5 x + 3/10 on x = 0..3 (y = 0, 2, 1, 3): risk 9/20. Every hidden pre-activation is
    >= 1 on the data (margin 1): in the box of radius 1/5 neuron 1 stays above 1 - 4/5 > 0.
    Witness: the spare neuron becomes relu(x - 5/2) with output weight 3/5, which fixes sample 3:
    residuals -3/10, 9/10, -9/10, 0, risk (9 + 81 + 81) / 400 = 171/400 < 9/20.
    """
    problem = read_problem(ROOT / "examples" / "relu_linear_collapse.json")
    witness = [F(4, 5), F(1), F(13, 10), F(-5, 2), F(1), F(3, 5), F(-1)]
    witness_risk = problem.with_network(problem.network.with_parameters(witness)).risk()
    assert witness_risk == F(171, 400)
    cell = locate_cell(problem)
    evidence = [
        {"id": "risk", "kind": "risk", "value": _q(problem.risk())},
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [list(map(list, layer)) for layer in cell.pieces],
            "margin": _q(cell.margin),
        },
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": "1/5"},
        {"id": "regression", "kind": "affine_regression_optimal", "W": [["4/5"]], "b": ["3/10"]},
        {
            "id": "lower",
            "kind": "lower_point",
            "uses": ["risk"],
            "point": rationals(witness),
            "risk": _q(witness_risk),
        },
    ]
    return new_certificate(problem, "spurious_local_min", evidence, {"source": "hand-made example"})


def strict_hardtanh() -> dict[str, Any]:
    """A strict local minimum: f = 2 hardtanh(x) + 1/2 fits x = -2, 0, 1/2, 2 exactly.

    The samples fall in all three pieces of hard-tanh, whose (slope, intercept) pairs (0, -1),
    (1, 0), (0, 1) are not collinear, so the 4 x 4 Jacobian of the outputs in (w, b, c, d) has full
    rank (determinant 4) and the Hessian (2/n) J^T J is positive definite at this zero-risk point.
    """
    net = Network.from_rationals([[[1]], [[2]]], [[0], ["1/2"]], hardtanh(-1, 1))
    inputs = [[F(-2)], [F(0)], [F(1, 2)], [F(2)]]
    labels = [[F(-3, 2)], [F(1, 2)], [F(3, 2)], [F(5, 2)]]
    problem = Problem(net, make_loss("squared"), Dataset.from_rows(inputs, labels))
    assert problem.risk() == 0
    cell = locate_cell(problem)
    risk, symbols = _risk_poly(problem, cell.pattern())
    point = dict(
        zip(
            symbols,
            [sympy.Rational(v.numerator, v.denominator) for v in net.parameter_vector()],
            strict=True,
        )
    )
    hessian = sympy.hessian(risk, symbols).subs(point)
    _, d = hessian.LDLdecomposition(hermitian=False)
    pivots = [F(int(d[k, k].p), int(d[k, k].q)) for k in range(len(symbols))]
    assert all(p > 0 for p in pivots)
    evidence = [
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [list(map(list, layer)) for layer in cell.pieces],
            "margin": _q(cell.margin),
        },
        {"id": "gradient", "kind": "gradient_zero", "uses": ["cell"]},
        {"id": "hessian", "kind": "hessian_pd", "uses": ["cell"], "pivots": rationals(pivots)},
    ]
    return new_certificate(problem, "strict_local_min", evidence, {"source": "hand-made example"})


def descent_from_boundary() -> dict[str, Any]:
    """examples/hardtanh_boundary.json is not a local minimum: moving W1_0_0 down lowers R.

    Neuron 0 sits on hi = 1 at sample 2 (x = 1). Along d = -e_{W1_0_0} its pre-activation on
    sample 2 is 1 - t, which enters the middle piece; the cell polynomial of that adjacent cell,
    restricted to the line, gives R(theta + t d) - R(theta) with a negative linear term.
    """
    problem = read_problem(ROOT / "examples" / "hardtanh_boundary.json")
    names = problem.network.parameter_names()
    direction = [F(0)] * len(names)
    direction[names.index("W1_0_0")] = F(-1)
    entered = next(p for p in adjacent_cells(problem).patterns() if p.piece(1, 0, 2) == 1)
    risk, symbols = _risk_poly(problem, entered)
    t = sympy.Symbol("t")
    line = {
        s: sympy.Rational(v.numerator, v.denominator)
        + t * sympy.Rational(dv.numerator, dv.denominator)
        for s, v, dv in zip(symbols, problem.network.parameter_vector(), direction, strict=True)
    }
    poly = sympy.Poly(
        sympy.expand(risk.subs(line)) - sympy.Rational(*problem.risk().as_integer_ratio()), t
    )
    order = min(m[0] for m in poly.monoms())
    coefficient = poly.coeff_monomial(t**order)
    assert coefficient < 0
    evidence = [
        {
            "id": "descent",
            "kind": "descent_direction",
            "direction": rationals(direction),
            "order": order,
            "coefficient": _q(F(int(coefficient.p), int(coefficient.q))),
        },
    ]
    return new_certificate(problem, "not_local_min", evidence, {"source": "hand-made example"})


def valley_relu() -> dict[str, Any]:
    """The Theorem 1 valley on examples/relu_linear_collapse.json's data with widths 1-3-1: a
    closed-form path of local minima of constant risk inside one cell (built by the audit)."""
    from losscert.theorems import audit_theorem1

    problem = read_problem(ROOT / "examples" / "relu_linear_collapse.json")
    audit = audit_theorem1(problem.data, (1, 3, 1), problem.network.activation, problem.loss)
    certificate = audit.verdicts["valley"].certificate
    assert certificate is not None
    return certificate


BUILDERS = {
    "relu_spurious_local_min": spurious_relu,
    "hardtanh_strict_local_min": strict_hardtanh,
    "hardtanh_boundary_not_local_min": descent_from_boundary,
    "relu_valley": valley_relu,
}


def write_all() -> None:
    from losscert.verifier.certificate import write_certificate

    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        write_certificate(build(), OUT / f"{name}.cert.json")


if __name__ == "__main__":
    write_all()

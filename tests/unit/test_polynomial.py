"""Per-cell polynomials and the multilinearity check on hand-worked instances."""

from fractions import Fraction as F

import pytest
import sympy
from sympy.polys.domains import QQ

from losscert.encodings.cells import Pattern, locate_cell
from losscert.encodings.polynomial import (
    CellPolynomials,
    cell_polynomials,
    cell_risk,
    check_multilinear,
)
from losscert.errors import InputError, NotMultilinearError
from losscert.model import Dataset, Network, Problem, abs_activation, hardtanh, make_loss, relu


def _problem(loss: str = "squared", delta: int | None = None) -> Problem:
    net = Network.from_rationals([[[1, -1], [2, "1/2"]], [[1, 1]]], [[0, "-1/3"], [1]], relu())
    data = Dataset.from_rows([[1, 2], [3, -1], ["0.5", 0], [1, 3]], [[1], [-1], [1], [1]])
    return Problem(net, make_loss(loss, delta), data)


def test_output_polynomial_by_hand() -> None:
    problem = _problem()
    pattern = locate_cell(problem).pattern()
    # sample 1, x = (3, -1): both neurons on the linear piece of ReLU, so
    # f = W2_0_0 (3 W1_0_0 - W1_0_1 + b1_0) + W2_0_1 (3 W1_1_0 - W1_1_1 + b1_1) + b2_0
    polys = cell_polynomials(problem.network.widths, relu(), problem.data, pattern)
    s = sympy.symbols(polys.names)
    n = dict(zip(polys.names, s, strict=True))
    expected = (
        n["W2_0_0"] * (3 * n["W1_0_0"] - n["W1_0_1"] + n["b1_0"])
        + n["W2_0_1"] * (3 * n["W1_1_0"] - n["W1_1_1"] + n["b1_1"])
        + n["b2_0"]
    )
    assert sympy.expand(polys.outputs[1][0].as_expr() - expected) == 0
    # sample 0, x = (1, 2): neuron 0 is on the zero piece and drops out entirely
    assert "W1_0_0" not in str(polys.outputs[0][0].as_expr())
    assert polys.pre_activations[0][1][0].as_expr() == n["W1_1_0"] + 2 * n["W1_1_1"] + n["b1_1"]


def test_constant_pieces_give_constant_terms() -> None:
    # hard-tanh saturated at hi = 1 on sample 0: a = 1 whatever the first layer does
    net = Network.from_rationals([[[5]], [[2]]], [[0], [0]], hardtanh(-1, 1))
    problem = Problem(net, make_loss("squared"), Dataset.from_rows([[1]], [[0]]))
    polys = cell_polynomials(
        net.widths, net.activation, problem.data, locate_cell(problem).pattern()
    )
    w2, b2 = sympy.symbols("W2_0_0 b2_0")
    assert polys.outputs[0][0].as_expr() == w2 + b2
    evidence = check_multilinear(polys)
    assert [d.degree for d in evidence.degrees] == [0, 1]


def test_multilinear_evidence_and_values() -> None:
    problem = _problem()
    polys = cell_polynomials(
        problem.network.widths, relu(), problem.data, locate_cell(problem).pattern()
    )
    evidence = check_multilinear(polys)
    assert evidence.holds
    assert [(d.layer, d.degree) for d in evidence.degrees] == [(1, 1), (2, 1)]
    values = problem.network.parameter_vector()
    outputs = [polys.evaluate(sample[0], values) for sample in polys.outputs]
    assert outputs == [row[0] for row in problem.trace().output_rows()]


def test_a_square_in_one_block_is_reported() -> None:
    problem = _problem()
    polys = cell_polynomials(
        problem.network.widths, relu(), problem.data, locate_cell(problem).pattern()
    )
    w = polys.ring.gens[0]
    bad = CellPolynomials(polys.ring, polys.names, polys.blocks, polys.pre_activations, ((w * w,),))
    with pytest.raises(NotMultilinearError, match="degree 2 in the parameters of layer 1"):
        check_multilinear(bad)


@pytest.mark.parametrize(
    ("loss", "delta"),
    [("squared", None), ("squared_half", None), ("absolute", None), ("hinge", None), ("huber", 2)],
)
def test_cell_risk_matches_the_exact_risk(loss: str, delta: int | None) -> None:
    problem = _problem(loss, delta)
    polys = cell_polynomials(
        problem.network.widths, relu(), problem.data, locate_cell(problem).pattern()
    )
    risk = cell_risk(polys, problem.loss, problem.data)
    values = problem.network.parameter_vector()
    if isinstance(risk, sympy.Expr):
        point = {
            sympy.Symbol(n): sympy.Rational(v.numerator, v.denominator)
            for n, v in zip(polys.names, values, strict=True)
        }
        value = risk.subs(point)
        assert F(int(value.p), int(value.q)) == problem.risk()
    else:
        assert polys.evaluate(risk, values) == problem.risk()


def test_logistic_cell_risk_is_symbolic() -> None:
    problem = _problem("logistic")
    polys = cell_polynomials(
        problem.network.widths, relu(), problem.data, locate_cell(problem).pattern()
    )
    risk = cell_risk(polys, problem.loss, problem.data)
    assert risk.has(sympy.log) and risk.has(sympy.exp)
    point = {
        sympy.Symbol(n): sympy.Rational(v.numerator, v.denominator)
        for n, v in zip(polys.names, problem.network.parameter_vector(), strict=True)
    }
    bounds = problem.risk_bounds()
    assert float(bounds.lo) - 1e-12 <= float(risk.subs(point)) <= float(bounds.hi) + 1e-12


def test_shape_mismatches_are_refused() -> None:
    problem = _problem()
    pattern = locate_cell(problem).pattern()
    with pytest.raises(InputError, match="pattern has layer widths"):
        cell_polynomials((2, 3, 1), relu(), problem.data, pattern)
    with pytest.raises(InputError, match="data has d_X = 2"):
        cell_polynomials((1, 2, 1), relu(), problem.data, pattern)
    short = Pattern(tuple(tuple(neuron[:2] for neuron in layer) for layer in pattern.pieces))
    with pytest.raises(InputError, match="has 2 samples, the data has 4"):
        cell_polynomials(problem.network.widths, relu(), problem.data, short)


def test_evaluate_checks_the_number_of_values() -> None:
    problem = _problem()
    polys = cell_polynomials(
        problem.network.widths, abs_activation(), problem.data, locate_cell(problem).pattern()
    )
    with pytest.raises(InputError, match="expected 9 parameter values, got 1"):
        polys.evaluate(polys.outputs[0][0], [F(1)])
    assert polys.ring.domain == QQ  # exact rationals, never floats

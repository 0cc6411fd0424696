"""Oracle: the checker's convex_lower_bound arithmetic (only the nonzero multipliers' rows, sums
in integers over one denominator) equals the producer's rows and output maps
(losscert.encodings.cell_programs) summed term by term in Fractions, on random data, patterns,
multipliers and subgradients, for activations with one and two breakpoints."""

from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker.convex import _combined, _output_weights
from losscert.checker.problem import read_problem
from losscert.encodings.cell_programs import Block, augmented, block_outputs, block_rows
from losscert.model.activation import hardtanh, leaky_relu, relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.certificate import problem_section

F = Fraction
ACTIVATIONS = {"relu": relu(), "leaky_relu": leaky_relu(), "hardtanh": hardtanh()}
rationals = st.builds(F, st.integers(-9, 9), st.integers(1, 6))


@st.composite
def cases(draw):
    act = ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    xs = [[draw(rationals) for _ in range(d)] for _ in range(n)]
    pattern = tuple(draw(st.integers(0, act.num_pieces - 1)) for _ in range(n))
    sign = draw(st.sampled_from([1, -1]))
    g = [draw(rationals) for _ in range(n)]
    net = Network.from_rationals([[[F(0)] * d], [[F(1)]]], [[F(0)], [F(0)]], act)
    problem = Problem(net, Loss("squared"), Dataset.from_rows(xs, [[F(0)]] * n))
    rows = block_rows(Block(pattern, sign), augmented(xs), act)
    lam = [draw(st.sampled_from([F(0), F(0), F(1, 2), F(3)])) for _ in rows]
    return problem, act, xs, pattern, sign, g, lam


@settings(max_examples=200, deadline=None)
@given(cases())
def test_checker_sums_equal_the_producers_term_by_term(case):
    problem, act, xs, pattern, sign, g, lam = case
    checked = read_problem(problem_section(problem), Path("."))
    rows = block_rows(Block(pattern, sign), augmented(xs), act)
    outs = block_outputs(Block(pattern, sign), augmented(xs), act)
    width = len(rows[0])
    expected_combined = [
        sum((v * r[j] for v, r in zip(lam, rows, strict=True)), F(0)) for j in range(width)
    ]
    expected_target = [
        sum((gi * m[j] for gi, m in zip(g, outs, strict=True)), F(0)) for j in range(width)
    ]
    assert _combined(checked, list(pattern), sign, lam) == expected_combined
    assert _output_weights(checked, list(pattern), g) == expected_target

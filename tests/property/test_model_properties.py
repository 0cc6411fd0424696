"""Property tests of the exact model against independent oracles.

At random rational points of random small architectures (depth 1-4, widths 1-6, every preset
activation), on data chosen so that ties with breakpoints happen:
- the per-cell polynomial evaluated at the point equals the exact forward pass, exactly (and on a
  boundary, so does the polynomial of every adjacent cell, by continuity);
- the reported pattern and ties match a naive scalar Fraction evaluation;
- the margin is the true minimum distance to a breakpoint;
- the float fast path agrees with the exact pass.
"""

from fractions import Fraction as F

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from losscert.encodings.cells import adjacent_cells, locate_cell
from losscert.encodings.polynomial import cell_polynomials, check_multilinear
from losscert.model import (
    Activation,
    Dataset,
    Network,
    Problem,
    abs_activation,
    float_view,
    forward_float,
    hardtanh,
    leaky_relu,
    linear,
    make_loss,
    relu,
    relu6,
)

ACTIVATIONS = [
    relu(),
    leaky_relu(F(1, 10)),
    hardtanh(-1, 1),
    relu6(),
    abs_activation(),
    linear(),
    Activation.from_pieces([-1, 0, 2], [F(1, 2), -1, 2, 0], (0, 1)),
    # breakpoints and pieces off the integers: the integer forward pass scales both
    Activation.from_pieces([F(-1, 2), F(2, 3)], [F(1, 3), F(-3, 2), 2], (0, F(1, 5))),
]

# small denominators and small ranges make exact ties with breakpoints common
rationals = st.builds(F, st.integers(-3, 3), st.sampled_from([1, 1, 2, 3]))


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    depth = draw(st.integers(1, 4))
    widths = [draw(st.integers(1, 3))] + [draw(st.integers(1, 6)) for _ in range(depth - 1)]
    widths.append(draw(st.integers(1, 2)))
    n = draw(st.integers(1, 3))
    activation = draw(st.sampled_from(ACTIVATIONS))
    weights = [
        [[draw(rationals) for _ in range(widths[j])] for _ in range(widths[j + 1])]
        for j in range(depth)
    ]
    biases = [[draw(rationals) for _ in range(widths[j + 1])] for j in range(depth)]
    inputs = [[draw(rationals) for _ in range(widths[0])] for _ in range(n)]
    labels = [[draw(rationals) for _ in range(widths[-1])] for _ in range(n)]
    network = Network.from_rationals(weights, biases, activation)
    return Problem(network, make_loss("squared"), Dataset.from_rows(inputs, labels))


def _naive_pre_activations(problem: Problem) -> list[list[list[F]]]:
    """z[j][r][i] by scalar Fraction loops: an oracle independent of the fmpq batching."""
    net, act = problem.network, problem.network.activation
    out: list[list[list[F]]] = [
        [[F(0)] * problem.data.n for _ in range(w)] for w in net.hidden_widths
    ]
    for i, x in enumerate(problem.data.input_rows()):
        a = list(x)
        for j in range(1, net.depth):
            w, b = net.weights(j), net.biases(j)
            z = [sum((w[r][c] * a[c] for c in range(len(a))), F(0)) + b[r] for r in range(len(b))]
            for r, value in enumerate(z):
                out[j - 1][r][i] = value
            a = [_naive_h(act, v) for v in z]
    return out


def _naive_h(act: Activation, z: F) -> F:
    # evaluate through the piece whose closure holds z, found by a linear scan
    k = sum(1 for p in act.breakpoints if p < z)
    return act.slopes[k] * z + act.intercepts[k]


def _naive_piece(act: Activation, z: F) -> int | None:
    if z in act.breakpoints:
        return None
    return sum(1 for p in act.breakpoints if p < z)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_pattern_ties_and_margin_match_a_naive_evaluation(problem: Problem) -> None:
    act = problem.network.activation
    z = _naive_pre_activations(problem)
    cell = locate_cell(problem)
    trace = problem.trace()
    for j, layer in enumerate(z):  # the integer pass's values, exactly (lazy rationals and scaled)
        assert [[F(str(v)) for v in row] for row in trace.pre_activations[j].tolist()] == layer
        for r, neuron in enumerate(layer):
            assert [trace.pre_activation(j + 1, r, i) for i in range(len(neuron))] == neuron
    expected_pieces = tuple(
        tuple(tuple(_naive_piece(act, v) for v in neuron) for neuron in layer) for layer in z
    )
    assert cell.pieces == expected_pieces
    expected_ties = {
        (j + 1, r, i)
        for j, layer in enumerate(z)
        for r, neuron in enumerate(layer)
        for i, v in enumerate(neuron)
        if v in act.breakpoints
    }
    assert {(t.layer, t.neuron, t.sample) for t in cell.ties} == expected_ties
    for t in cell.ties:
        assert act.breakpoints[t.breakpoint] == z[t.layer - 1][t.neuron][t.sample]
    distances = [
        abs(v - p) for layer in z for neuron in layer for v in neuron for p in act.breakpoints
    ]
    if not distances:
        assert cell.margin is None
    else:
        assert cell.margin == min(distances)
        j, r, i = cell.margin_at  # type: ignore[misc]
        assert min(abs(z[j - 1][r][i] - p) for p in act.breakpoints) == cell.margin


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
@example(  # a boundary point: ReLU neuron exactly at 0 on the only sample
    Problem(
        Network.from_rationals([[[1]], [[2]]], [[0], [1]], relu()),
        make_loss("squared"),
        Dataset.from_rows([[0]], [[1]]),
    )
)
def test_cell_polynomials_equal_the_forward_pass(problem: Problem) -> None:
    net = problem.network
    cell = locate_cell(problem)
    values = net.parameter_vector()
    expected = problem.trace().output_rows()
    patterns = (
        list(adjacent_cells(problem, cell).patterns()) if cell.on_boundary else [cell.pattern()]
    )
    for pattern in patterns[:4]:
        polys = cell_polynomials(net.widths, net.activation, problem.data, pattern)
        assert check_multilinear(polys).holds
        got = [[polys.evaluate(f, values) for f in sample] for sample in polys.outputs]
        assert got == expected
        z = _naive_pre_activations(problem)
        for j, layer in enumerate(polys.pre_activations):
            for r, neuron in enumerate(layer):
                assert [polys.evaluate(p, values) for p in neuron] == z[j][r]


@settings(max_examples=80, deadline=None)
@given(problems())
def test_float_forward_agrees_with_the_exact_forward(problem: Problem) -> None:
    approx = forward_float(*float_view(problem.network), problem.data.to_numpy()[0])
    exact = np.array([[float(v) for v in row] for row in problem.trace().output_rows()])
    np.testing.assert_allclose(approx, exact, rtol=1e-9, atol=1e-9)

"""The numbers behind the pictures, against hand-worked slices and the exact model."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.encodings.cells import locate_cell
from losscert.errors import InputError
from losscert.io import read_problem
from losscert.model.activation import PRESETS
from losscert.model.dataset import Dataset
from losscert.model.loss import make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.plot.directions import choose_directions
from losscert.plot.landscape import Direction, FloatModel, coordinates, kinks, risk_surface
from tests.conftest import EXAMPLES

COLLAPSE = EXAMPLES / "relu_linear_collapse.json"  # W1 = [4/5; 0], b1 = [13/10; 1], x = 0..3


def _unit(size: int, index: int) -> np.ndarray:
    vector = np.zeros(size)
    vector[index] = 1.0
    return vector


def test_hand_worked_boundaries_and_cells() -> None:
    # u moves W1_0_0, v moves b1_0: z_0(x_i) = (4/5 + a) x_i + 13/10 + b. On [-1, 1]^2 the line
    # z_0 = 0, i.e. b = -13/10 - (4/5 + a) x_i, enters the square for x = 2 and x = 3 only; the
    # two lines meet at a = -4/5, b = -13/10, outside it, so they cut the square into 3 cells.
    problem = read_problem(COLLAPSE)
    model = FloatModel(problem)
    size = problem.network.num_parameters
    u = Direction("W1_0_0", "user", _unit(size, 0))
    v = Direction("b1_0", "user", _unit(size, 2))
    surface = risk_surface(model, u, v, (-1.0, 1.0), (-1.0, 1.0), 201)
    crossing = {(b.layer, b.neuron, b.sample) for b in surface.boundaries}
    assert crossing == {(1, 0, 2), (1, 0, 3)}
    assert int(surface.cells.max()) + 1 == 3
    for boundary in surface.boundaries:
        x = problem.data.input_rows()[boundary.sample][0]
        aa, bb = np.meshgrid(surface.a, surface.b)
        assert np.allclose(boundary.values, (0.8 + aa) * float(x) + 1.3 + bb)
    # the risk at the centre is the exact risk 9/20
    assert surface.risk[100, 100] == pytest.approx(9 / 20, abs=1e-12)


def test_witness_sits_at_one_and_its_risk_is_exact() -> None:
    problem = read_problem(COLLAPSE)
    witness = [Fraction(v) for v in ["4/5", "1", "13/10", "-5/2", "1", "3/5", "-1"]]
    model = FloatModel(problem)
    w = np.array([float(v) for v in witness])
    u, v = choose_directions([], model.origin, w, None)
    assert (u.kind, v.kind) == ("witness", "random")
    assert abs(u.vector @ v.vector) < 1e-9 * (u.vector @ u.vector)  # orthogonal, same length
    assert np.linalg.norm(v.vector) == pytest.approx(np.linalg.norm(u.vector))
    (point,), off = coordinates([w], model.origin, u.vector, v.vector)
    assert point == pytest.approx([1.0, 0.0]) and off < 1e-12
    surface = risk_surface(model, u, v, (-0.5, 1.5), (-1.0, 1.0), 101)
    exact = problem.with_network(problem.network.with_parameters(witness)).risk()
    assert exact == Fraction(171, 400)
    assert surface.risk[50, 75] == pytest.approx(float(exact), abs=1e-12)


def test_direction_errors() -> None:
    origin = np.zeros(4)
    with pytest.raises(InputError, match="no witness"):
        choose_directions(["witness"], origin, None, None)
    with pytest.raises(InputError, match="unknown direction 'sideways'"):
        choose_directions(["sideways"], origin, None, None)
    with pytest.raises(InputError, match="expected 4 numbers"):
        choose_directions([["1", "2"]], origin, None, None)
    with pytest.raises(InputError, match="parallel"):
        choose_directions([["1", "0", "0", "0"], ["2", "0", "0", "0"]], origin, None, None)
    with pytest.raises(InputError, match="two directions"):
        choose_directions(["random", "random:1", "random:2"], origin, None, None)


def test_kinks_exact() -> None:
    # neuron 0: x = (0 - 13/10) / (4/5) = -13/8; neuron 1 has w = 0: no kink
    assert kinks(read_problem(COLLAPSE)) == [(0, Fraction(-13, 8))]


# --- property: the float surface agrees with the exact model -------------------------------------

small = st.fractions(min_value=-3, max_value=3, max_denominator=8)


@st.composite
def problems_and_offsets(draw: st.DrawFn) -> tuple[Problem, list[Fraction], list[Fraction]]:
    widths = draw(st.sampled_from([(1, 2, 1), (2, 3, 1), (1, 2, 2, 2)]))
    preset = draw(st.sampled_from(["relu", "abs", "relu6", "linear"]))
    weights = [
        [[draw(small) for _ in range(widths[j])] for _ in range(widths[j + 1])]
        for j in range(len(widths) - 1)
    ]
    biases = [[draw(small) for _ in range(w)] for w in widths[1:]]
    net = Network.from_rationals(weights, biases, PRESETS[preset]())
    n = draw(st.integers(1, 4))
    x = [[draw(small) for _ in range(widths[0])] for _ in range(n)]
    y = [[draw(small) for _ in range(widths[-1])] for _ in range(n)]
    loss = draw(st.sampled_from(["squared", "absolute", "squared_half"]))
    problem = Problem(net, make_loss(loss), Dataset.from_rows(x, y))
    size = net.num_parameters
    return problem, [draw(small) for _ in range(size)], [draw(small) for _ in range(2)]


@settings(max_examples=40, deadline=None)
@given(problems_and_offsets())
def test_float_risk_and_pieces_match_exact_model(
    case: tuple[Problem, list[Fraction], list[Fraction]],
) -> None:
    problem, direction, (a, _) = case
    point = [p + a * d for p, d in zip(problem.network.parameter_vector(), direction, strict=True)]
    moved = problem.with_network(problem.network.with_parameters(point))
    model = FloatModel(problem)
    theta = model.origin + float(a) * np.array([float(d) for d in direction])
    risk, pre = model.evaluate(theta[None, :])
    exact = moved.risk()
    assert risk[0] == pytest.approx(float(exact), rel=1e-9, abs=1e-9)
    cell = locate_cell(moved)
    if cell.margin is not None and cell.margin > Fraction(1, 10**6):
        expected = [k for layer in cell.pieces for neuron in layer for k in neuron]
        assert model.pieces(pre)[0].tolist() == expected

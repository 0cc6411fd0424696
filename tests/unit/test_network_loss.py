"""Networks, the exact forward pass and the losses on hand-worked instances."""

import math
from fractions import Fraction as F

import numpy as np
import pytest
from flint import fmpq_mat

from losscert.errors import InputError, UnsupportedError
from losscert.model import (
    Dataset,
    Network,
    Problem,
    float_view,
    forward,
    forward_float,
    leaky_relu,
    make_loss,
    relu,
)


def _small_net() -> Network:
    # z1 = [[1, -1], [2, 1/2]] x + [0, -1/3];  f = a1_0 + a1_1 + 1
    return Network.from_rationals([[[1, -1], [2, "1/2"]], [[1, 1]]], [[0, "-1/3"], [1]], relu())


def _small_data() -> Dataset:
    return Dataset.from_rows([[1, 2], [3, -1], ["0.5", 0]], [[1], [2], [0]])


def test_forward_pass_by_hand() -> None:
    trace = forward(_small_net(), _small_data().inputs)
    # x = (1, 2): z1 = (-1, 2 + 1 - 1/3) = (-1, 8/3), a1 = (0, 8/3), f = 11/3
    # x = (3, -1): z1 = (4, 6 - 1/2 - 1/3) = (4, 31/6), f = 4 + 31/6 + 1 = 61/6
    # x = (1/2, 0): z1 = (1/2, 1 - 1/3) = (1/2, 2/3), f = 1/2 + 2/3 + 1 = 13/6
    z1 = [[trace.pre_activation(1, r, i) for i in range(3)] for r in range(2)]
    assert z1 == [[-1, 4, F(1, 2)], [F(8, 3), F(31, 6), F(2, 3)]]
    assert trace.output_rows() == [[F(11, 3)], [F(61, 6)], [F(13, 6)]]
    assert trace.pre_activation(1, 1, 0) == F(8, 3)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        # residuals f - y: 8/3, 49/6, 13/6
        (make_loss("squared"), (F(8, 3) ** 2 + F(49, 6) ** 2 + F(13, 6) ** 2) / 3),
        (make_loss("squared_half"), (F(8, 3) ** 2 + F(49, 6) ** 2 + F(13, 6) ** 2) / 6),
        (make_loss("absolute"), (F(8, 3) + F(49, 6) + F(13, 6)) / 3),
        # huber(delta = 3): 8/3 <= 3 -> (8/3)^2 / 2; 49/6 > 3 -> 3 (49/6 - 3/2); 13/6 -> (13/6)^2 / 2
        (make_loss("huber", 3), (F(32, 9) + 3 * (F(49, 6) - F(3, 2)) + F(169, 72)) / 3),
    ],
    ids=["squared", "squared_half", "absolute", "huber"],
)
def test_exact_risk_by_hand(loss, expected: F) -> None:  # type: ignore[no-untyped-def]
    assert Problem(_small_net(), loss, _small_data()).risk() == expected


def test_hinge_risk_by_hand() -> None:
    data = Dataset.from_rows([[1, 2], [3, -1], ["0.5", 0]], [[1], [-1], [1]])
    # y f = 11/3, -61/6, 13/6 -> hinge 0, 1 + 61/6, 0
    assert Problem(_small_net(), make_loss("hinge"), data).risk() == (1 + F(61, 6)) / 3


def test_logistic_bounds_contain_the_float_value() -> None:
    data = Dataset.from_rows([[1, 2], [3, -1], ["0.5", 0]], [[1], [-1], [1]])
    bounds = Problem(_small_net(), make_loss("logistic"), data).risk_bounds()
    outputs = [11 / 3, 61 / 6, 13 / 6]
    value = sum(math.log1p(math.exp(-y * f)) for y, f in zip([1, -1, 1], outputs, strict=True)) / 3
    assert bounds.lo < bounds.hi
    assert float(bounds.lo) <= value + 1e-12 and value - 1e-12 <= float(bounds.hi)
    assert bounds.hi - bounds.lo < F(1, 10**30)


def test_softmax_bounds_contain_the_float_value() -> None:
    net = Network.from_rationals([[[1], [-1]]], [[0, "1/2"]], relu())
    data = Dataset.from_rows([[1], [-2]], [[1, 0], [0, 1]])
    bounds = Problem(net, make_loss("softmax_cross_entropy"), data).risk_bounds()

    # f(1) = (1, -1/2), class 0; f(-2) = (-2, 5/2), class 1
    def ce(f: list[float], c: int) -> float:
        return math.log(sum(math.exp(v) for v in f)) - f[c]

    value = (ce([1, -0.5], 0) + ce([-2, 2.5], 1)) / 2
    assert float(bounds.lo) <= value + 1e-12 and value - 1e-12 <= float(bounds.hi)
    with pytest.raises(UnsupportedError, match="not rational"):
        Problem(net, make_loss("softmax_cross_entropy"), data).risk()


def test_logistic_handles_large_margins_without_overflow() -> None:
    net = Network.from_rationals([[[10**6]]], [[0]], relu())
    data = Dataset.from_rows([[1], [-1]], [[1], [1]])
    bounds = Problem(net, make_loss("logistic"), data).risk_bounds()
    # sample 0: log(1 + e^{-10^6}) ~ 0; sample 1: f = -10^6, log(1 + e^{10^6}) ~ 10^6
    assert F(10**6, 2) - 1 < bounds.lo <= bounds.hi < F(10**6, 2) + 1


def test_rational_loss_bounds_are_a_point() -> None:
    problem = Problem(_small_net(), make_loss("squared"), _small_data())
    bounds = problem.risk_bounds()
    assert bounds.lo == bounds.hi == problem.risk()


def test_float_fast_path_matches_exact() -> None:
    net = Network.from_rationals(
        [[[1, -1], ["1/3", 2], [-2, "1/7"]], [[1, 2, -1], [0, 1, 1]], [[1, -1]]],
        [[0, "1/5", -1], ["1/2", -1], [0]],
        leaky_relu("1/10"),
    )
    data = Dataset.from_rows([[1, 2], [-3, 1], ["0.25", "-0.5"]], [[0], [1], [2]])
    exact = forward(net, data.inputs).outputs.entries()
    approx = forward_float(*float_view(net), data.to_numpy()[0])
    np.testing.assert_allclose(approx[:, 0], [int(v.p) / int(v.q) for v in exact], rtol=1e-12)


def test_parameters_round_trip_and_names() -> None:
    net = _small_net()
    assert net.parameter_names() == [
        "W1_0_0",
        "W1_0_1",
        "W1_1_0",
        "W1_1_1",
        "b1_0",
        "b1_1",
        "W2_0_0",
        "W2_0_1",
        "b2_0",
    ]
    values = net.parameter_vector()
    assert values == [1, -1, 2, F(1, 2), 0, F(-1, 3), 1, 1, 1]
    assert net.with_parameters(values) == net
    moved = net.with_parameters([v + 1 for v in values])
    assert moved.weights(2) == [[2, 2]] and moved.biases(1) == [1, F(2, 3)]
    with pytest.raises(InputError, match="expected 9 parameters, got 2"):
        net.with_parameters([1, 2])


def test_from_numpy_is_exact_or_rounds_on_request() -> None:
    w = [np.array([[0.1]]), np.array([[1.0]])]
    b = [np.array([0.0]), np.array([0.5])]
    exact = Network.from_numpy(w, b, relu())
    assert exact.weights(1) == [[F(0.1)]] and F(0.1) != F(1, 10)
    rounded = Network.from_numpy(w, b, relu(), denominator=10)
    assert rounded.weights(1) == [[F(1, 10)]] and rounded.biases(2) == [F(1, 2)]
    for (w_back, b_back), (w_in, b_in) in zip(
        exact.to_numpy(), zip(w, b, strict=True), strict=True
    ):
        assert np.array_equal(w_back, w_in) and np.array_equal(b_back, b_in)
    with pytest.raises(InputError, match="non-finite"):
        Network.from_numpy([np.array([[np.nan]])], [np.array([0.0])], relu())


def test_dataset_from_numpy_and_back() -> None:
    x = np.array([[0.25, -1.0], [3.0, 0.125]])
    y = np.array([1.5, -2.0])
    data = Dataset.from_numpy(x, y)
    assert data.input_rows() == [[F(1, 4), -1], [3, F(1, 8)]]
    assert data.label_rows() == [[F(3, 2)], [-2]]
    back_x, back_y = data.to_numpy()
    assert np.array_equal(back_x, x) and np.array_equal(back_y[:, 0], y)


def test_network_shape_errors_name_the_layer() -> None:
    with pytest.raises(
        InputError, match=r"layers\[1\]: W has 3 columns, but layer 2 must take the 2"
    ):
        Network.from_rationals([[[1], [1]], [[1, 1, 1]]], [[0, 0], [0]], relu())
    with pytest.raises(InputError, match=r"layers\[0\]: W has 2 rows but b has 1"):
        Network.from_rationals([[[1], [1]]], [[0]], relu())


def test_problem_checks_dimensions() -> None:
    data = Dataset.from_rows([[1]], [[1]])
    with pytest.raises(InputError, match="takes 2 inputs"):
        Problem(_small_net(), make_loss("squared"), data)
    with pytest.raises(InputError, match="2 inputs but 1 labels"):
        Dataset(fmpq_mat(1, 2, [1, 2]), fmpq_mat(1, 1, [1]))


def test_coordinate_subdifferentials_by_hand():
    from fractions import Fraction as F

    from losscert.model.loss import Loss

    assert Loss("squared").coordinate_subdifferential(F(1), F(3)) == (F(4), F(4))
    assert Loss("squared_half").coordinate_subdifferential(F(1), F(3)) == (F(2), F(2))
    huber = Loss("huber", F(1, 2))
    assert huber.coordinate_subdifferential(F(0), F(1, 4)) == (F(1, 4), F(1, 4))
    assert huber.coordinate_subdifferential(F(0), F(-3)) == (F(-1, 2), F(-1, 2))
    assert Loss("absolute").coordinate_subdifferential(F(2), F(2)) == (F(-1), F(1))
    assert Loss("absolute").coordinate_subdifferential(F(2), F(1)) == (F(-1), F(-1))
    hinge = Loss("hinge")
    assert hinge.coordinate_subdifferential(F(1), F(0)) == (F(-1), F(-1))  # margin 1 > 0
    assert hinge.coordinate_subdifferential(F(1), F(2)) == (F(0), F(0))  # margin < 0
    assert hinge.coordinate_subdifferential(F(-1), F(-1)) == (F(0), F(1))  # on the kink

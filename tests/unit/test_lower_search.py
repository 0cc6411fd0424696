"""find_lower_witness and its neighbouring-cell starts (untrusted search, exact replay)."""

from fractions import Fraction as F

import numpy as np

from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.model.forward import float_view
from losscert.verifier.search import find_lower_witness, neighbour_starts


def _dead_neuron() -> Problem:
    """relu(x - 5) + 3/2 on x = 0..3, y = 0, 2, 1, 3: the neuron is dead on every sample, so the
    gradient of R is zero in the cell (b2 is the mean label) and descent from the point or near
    it cannot wake the neuron; R = 5/4, while a live neuron fits the rising trend better."""
    net = Network.from_rationals([[[1]], [[1]]], [[-5], ["3/2"]], relu())
    data = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
    return Problem(net, make_loss("squared"), data)


def _pieces(theta, bps, x):  # type: ignore[no-untyped-def]
    (w, b) = theta[0]
    return np.searchsorted(bps, x @ w.T + b, side="left")


def test_neighbour_starts_flip_the_nearest_sample_first() -> None:
    problem = _dead_neuron()
    params, bps, slopes, intercepts = float_view(problem.network)
    x, _ = problem.data.to_numpy()
    starts = neighbour_starts(params, (bps, slopes, intercepts), x, 4)
    # one neuron, and all its pre-activations (-5 .. -2) lie below the breakpoint 0: one side
    assert len(starts) == 1
    before, after = _pieces(params, bps, x), _pieces(starts[0], bps, x)
    # z = x - 5: the nearest to 0 is sample 3 (z = -2); moving b by 2.2 makes exactly it active
    assert before[:, 0].tolist() == [0, 0, 0, 0] and after[:, 0].tolist() == [0, 0, 0, 1]
    assert abs(starts[0][0][1][0] - (-5 + 2 + 0.2)) < 1e-6
    assert starts[0][1][0].tolist() == params[1][0].tolist()  # nothing else moved


def test_neighbour_starts_cover_both_sides_and_layers() -> None:
    net = Network.from_rationals(
        [[[1], [-1]], [[1, 1], [1, -1]], [[1, 1]]], [[0, 0], [0, 0], [0]], hardtanh(-1, 1)
    )
    problem = Problem(net, make_loss("squared"), Dataset.from_rows([["1/2"], ["-3/4"]], [[0], [1]]))
    params, bps, slopes, intercepts = float_view(problem.network)
    x, _ = problem.data.to_numpy()
    starts = neighbour_starts(params, (bps, slopes, intercepts), x, 100)
    moved = set()
    for theta in starts:
        changed = [
            (j, r)
            for j, ((_, b0), (_, b1)) in enumerate(zip(params, theta, strict=True))
            for r in range(len(b0))
            if b0[r] != b1[r]
        ]
        assert len(changed) == 1  # one bias per start
        moved.add(changed[0])
    assert moved == {(0, 0), (0, 1), (1, 0), (1, 1)}  # every hidden neuron of both layers
    assert len(starts) == len({id(t) for t in starts}) <= 8  # <= 2 sides per hidden neuron


def test_a_dead_neuron_is_woken_only_from_a_neighbouring_cell() -> None:
    problem = _dead_neuron()
    assert find_lower_witness(problem, starts=1, neighbours=0) is None
    found = find_lower_witness(problem, starts=1, neighbours=2)
    assert found is not None and found.risk < problem.risk() == F(5, 4)
    replayed = problem.with_network(problem.network.with_parameters(found.parameters)).risk()
    assert replayed == found.risk  # exact replay of the rationalised floats


def test_split_starts_keep_the_function_and_share_the_outgoing_weights() -> None:
    from losscert.verifier.search import _forward, split_starts

    # widths (1, 3, 1): neurons 0 and 1 used, neuron 2 spare (zero outgoing weight)
    net = Network.from_rationals(
        [[[1], [-1], [2]], [[2, F(1, 2), 0]]], [[F(1, 2), 1, 0], [0]], relu()
    )
    params, bps, slopes, intercepts = float_view(net)
    x = np.array([[-2.0], [-1.0], [0.0], [1.0], [2.0]])
    starts = split_starts(params, 8, np.random.default_rng(0), jitter=0.0)
    assert len(starts) == 2  # the spare takes a copy of neuron 0, then of neuron 1
    before = _forward(params, bps, slopes, intercepts, x)[0]
    for theta in starts:
        assert np.allclose(_forward(theta, bps, slopes, intercepts, x)[0], before)
    first = starts[0]
    assert first[1][0][0, 0] == first[1][0][0, 2] == 1.0  # 2 shared half and half
    assert np.array_equal(first[0][0][2], params[0][0][0])

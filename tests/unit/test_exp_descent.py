"""exp_descent: BFGS in floats before the box routes (logistic / softmax)."""

import math
from fractions import Fraction as F

import pytest

from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.exp_box import gradient_bound
from losscert.verifier.exp_descent import descend
from tests.unit.test_exp_rays import three_classes


def logistic_kink() -> Problem:
    """relu(9/4 x - 2) fed to one logistic output; both end inputs carry both labels, so every
    half-line holds both labels and no ray escapes: the minimum is attained (the neuron live on
    x = 1 only, W_2 relu(w + b) = -log 2, b_2 = log 2: the odds of each side)."""
    net = Network.from_rationals([[[F(9, 4)]], [[F(-9, 4)]]], [[F(-2)], [F(3, 4)]], relu())
    data = Dataset.from_rows([[-1], [-1], [0], [1], [1]], [[-1], [1], [1], [-1], [1]])
    return Problem(net, make_loss("logistic"), data)


def test_descend_reaches_a_critical_point() -> None:
    problem = logistic_kink()
    start = gradient_bound(problem, locate_cell(problem))
    tried: list[str] = []
    moved = descend(problem, tried)
    assert moved is not None
    assert "(converged)" in tried[0]
    end = gradient_bound(moved, locate_cell(moved))  # rigorous: the checker's interval jets
    assert start is not None and end is not None
    assert start > F(1, 100) and end < F(1, 10**8)
    w, b, c, bias = (float(v) for v in moved.network.parameter_vector())
    assert abs(bias - math.log(2)) < 1e-6  # the inactive samples: labels -1, 1, 1
    assert abs(c * max(w + b, 0.0) + bias) < 1e-6  # x = 1: labels -1, 1, so f = 0


def test_descend_does_not_follow_a_ray_to_infinity() -> None:
    # three_classes: lowering W_2[0][0] helps forever; BFGS walks off, which is not "near"
    tried: list[str] = []
    assert descend(three_classes(), tried) is None
    assert "(moved too far)" in tried[0]


@pytest.mark.slow
def test_trained_width_one_softmax_seed_two() -> None:
    # Adam stops at max |g| 3e-4 in a cell whose own minimum is far outside it (Newton leaves
    # it); BFGS moves 0.16 and puts the last inactive sample on the active side, where the
    # minimum of a linear neuron is trapped by the box, and restarts find a lower point.
    from losscert.bench.training import classes_2d, train_classifier
    from losscert.verifier.exp_box import certify_exp_nearby

    inputs, labels = classes_2d(seed=2)
    net = train_classifier((2, 1, 3), inputs, labels, "softmax_cross_entropy", seed=2)
    problem = Problem(net, make_loss("softmax_cross_entropy"), Dataset.from_rows(inputs, labels))
    result = certify_exp_nearby(problem, spurious=True)
    assert result.local.status is Status.PROVED
    assert result.distance is not None and F(1, 10) < result.distance < F(3, 10)
    assert result.spurious is not None and result.spurious.status is Status.PROVED

"""The rescaling representative nearest the original (issue 13): same outputs, same risk."""

from fractions import Fraction as F

from losscert.model import Activation, Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.verifier.nearby import distance
from losscert.verifier.nearby_rescale import rescale_towards

DATA = Dataset.from_rows([[-1], [0], [1], [2]], [[0], [0], [1], [2]])


def _net(w: F, b: F, c: F, activation: Activation | None = None) -> Problem:
    net = Network.from_rationals([[[w], [1]], [[c, 1]]], [[b, 0], [0]], activation or relu())
    return Problem(net, make_loss("squared"), DATA)


def test_a_neuron_scaled_far_away_is_scaled_back() -> None:
    original = _net(F(2), F(2), F(1, 2))
    far = _net(F(200), F(201), F(1, 200))  # the same neuron times 100 (and b moved by 1)
    near = rescale_towards(original, far)
    # candidates a = 1, 2/200 (matches w: gap 1/100 in b), 2/201 (matches b: gaps 2/201 in w,
    # 1/400 in c) and 100 (matches c): 2/201 is nearest; the second neuron keeps a = 1
    assert near.network.parameter_vector() == [F(400, 201), 1, 2, 0, F(201, 400), 1, 0]
    assert near.trace().output_rows() == far.trace().output_rows()
    assert near.risk() == far.risk()
    assert distance(original, near) == F(2, 201) < distance(original, far)


def test_other_activations_and_a_point_already_nearest_are_kept() -> None:
    original = _net(F(2), F(2), F(1, 2), hardtanh(-1, 1))
    far = _net(F(200), F(200), F(1, 200), hardtanh(-1, 1))  # h(a z) != a h(z): no symmetry
    assert rescale_towards(original, far) == far
    same = _net(F(2), F(2), F(1, 2))
    assert rescale_towards(same, same).network == same.network

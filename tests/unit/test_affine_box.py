"""A linear collapse near the affine optimum (docs/certificate.md 3.31, since 1.1): on its cell
the network is one affine map, so a box that traps a point with sum_i g_ik x~_i = 0 for every
output holds a local minimum. Exact for the squared loss (the collapse sits on the rational
optimum: g = 0, lower = upper = R), a box for softmax cross-entropy (irrational optimum)."""

import copy
import random
from fractions import Fraction as F
from itertools import pairwise
from typing import Any

import pytest

from losscert.bench.training import classes_2d
from losscert.checker import check_document
from losscert.checker.risk_bounds import enclosure
from losscert.model import Dataset, Problem, make_loss, relu
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.theorems.theorem1_exp import affine_optimum
from losscert.verifier import Status
from losscert.verifier.affine_box import certify_affine_box
from losscert.verifier.descent import checker_view
from losscert.verifier.regression import fit_affine


def squared_collapse() -> Problem:
    data = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
    loss = make_loss("squared")
    fit = fit_affine(data, loss)  # u = 4/5 x + 3/10, exactly
    network = collapse_network((1, 3, 1), relu(), fit, choose_collapse(relu(), fit))
    return Problem(network, loss, data)


def softmax_collapse() -> Problem:
    data = Dataset.from_rows(*classes_2d(seed=0))
    loss = make_loss("softmax_cross_entropy")
    fit = affine_optimum(data, loss)
    assert fit is not None
    network = collapse_network((2, 4, 3), relu(), fit, choose_collapse(relu(), fit))
    return Problem(network, loss, data)


def test_the_exact_optimum_gives_the_exact_risk() -> None:
    problem = squared_collapse()
    verdict, centre = certify_affine_box(problem)
    assert verdict.status is Status.PROVED, verdict.detail
    assert centre.network.parameter_vector() == problem.network.parameter_vector()
    risk = problem.risk()
    assert risk == F(1, 4) * sum(v * v for v in (F(3, 10), F(-9, 10), F(9, 10), F(-3, 10)))
    assert verdict.stats["lower"] <= risk <= verdict.stats["upper"]
    assert verdict.stats["upper"] - verdict.stats["lower"] <= F(1, 2**60)  # g = 0: only rounding


@pytest.fixture(scope="module")
def softmax() -> tuple[Problem, Any]:
    problem = softmax_collapse()
    verdict, centre = certify_affine_box(problem)
    assert verdict.status is Status.PROVED, verdict.detail
    return centre, verdict


def test_points_of_the_cell_are_never_below_the_certified_minimum(softmax: Any) -> None:
    """Oracle: the checker's rigorous risk enclosure at random points of the box of the cell
    (every parameter moved, W_2 included) stays >= the certified lower bound."""
    centre, verdict = softmax
    view = checker_view(centre)
    room = F(verdict.certificate["evidence"][1]["radius"])
    rng = random.Random(3)
    for _ in range(40):
        theta = [v + room * F(rng.randint(-999, 999), 1000) for v in view.point]
        _, high = enclosure(view, theta, "oracle")
        assert high >= verdict.stats["lower"]


def _trap(cert: dict[str, Any]) -> dict[str, Any]:
    return cert["evidence"][-1]


def _w2(cert: dict[str, Any]) -> int:
    return 2 * 4 + 4  # W_1 (4 x 2) and b_1 (4) come first: the first entry of W_2


MUTATIONS = {  # name -> (change, a fragment of the reason the checker must give)
    "an output-layer weight": (
        lambda c: _trap(c).update(free=sorted([*_trap(c)["free"], _w2(c)])),
        "not a first-layer weight or a bias",
    ),
    "a free coordinate dropped": (
        lambda c: _trap(c).update(free=_trap(c)["free"][1:]),
        "is not implied by the free coordinates",
    ),
    "not increasing": (
        lambda c: _trap(c).update(free=list(reversed(_trap(c)["free"]))),
        "strictly increasing",
    ),
    "a boolean index": (
        lambda c: _trap(c).update(free=[True, *_trap(c)["free"][1:]]),
        "got bool",
    ),
    "mu too large": (lambda c: _trap(c).update(mu="1000"), "pivot"),
    "radius beyond the box": (lambda c: _trap(c).update(radius="1"), "at most the box_in_cell"),
    "claim lower above the box": (
        lambda c: c["claim"].update(upper=c["claim"]["lower"]),
        "does not conclude",
    ),
    "a label moved": (
        lambda c: c["problem"]["data"]["labels"].__setitem__(0, ["0", "0", "1"]),
        "does not trap a minimum",
    ),
    "cites no cell": (lambda c: _trap(c).update(uses=["box"]), "'cell' step"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_one_field_change_is_rejected(softmax: Any, name: str) -> None:
    cert = copy.deepcopy(softmax[1].certificate)
    change, reason = MUTATIONS[name]
    change(cert)
    result = check_document(cert)
    assert not result.valid and reason in result.message, (name, result.message)


def test_the_shift_direction_is_flat_and_the_last_output_row_is_not_needed(softmax: Any) -> None:
    cert = copy.deepcopy(softmax[1].certificate)
    free = _trap(cert)["free"]
    every = sorted(set(free) | set(range(12)) | {12 + 12 + k for k in range(3)})  # W_1, b_1, b_2
    _trap(cert).update(free=every)  # every output's bias: the shift direction is in the span
    result = check_document(cert)
    assert not result.valid and "depends on the earlier ones" in result.message


def test_a_neuron_that_changes_piece_is_refused() -> None:
    problem = squared_collapse()
    verdict, _ = certify_affine_box(problem)
    cert = copy.deepcopy(verdict.certificate)
    cert["problem"]["point"][0] = "-1/1000"  # neuron 0 now changes sign across x = 0..3
    cert["evidence"][0]["pattern"][0][0] = [1, 0, 0, 0]
    result = check_document(cert)
    assert not result.valid


def test_a_dense_softmax_output_layer_moved_off_the_optimum() -> None:
    """Review 6: with every output weight non-zero the free columns span the logit shift, which
    the checker now factors out (centred per sample); and Newton moves the neuron that holds the
    cell's margin, so the certificate must carry the centre's own margin."""
    data = Dataset.from_rows([[0], [1], [2], [3], [1]], [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0]])
    loss = make_loss("softmax_cross_entropy")
    fit = affine_optimum(data, loss)
    assert fit is not None
    network = collapse_network((1, 2, 2), relu(), fit, choose_collapse(relu(), fit))
    values = network.parameter_vector()
    values[0] += F(1, 50)  # W_1[0][0] off the optimum
    values[6] = F(1, 3)  # W_2[1][0]: the output layer is dense
    problem = Problem(network.with_parameters(values), loss, data)
    verdict, centre = certify_affine_box(problem)
    assert verdict.status is Status.PROVED, verdict.detail
    assert centre.network.parameter_vector() != values  # Newton moved the first layer
    assert check_document(verdict.certificate).valid


def _deep_hostile() -> Problem:
    """Widths 1-10-10-10-1, every weight and bias a random number in (1/2, 1) with its own
    1,990-digit denominator (every ReLU active on x = 1: a linear collapse)."""
    from losscert.model import Network

    rng = random.Random(0)

    def big() -> F:
        q = rng.randrange(10**1989, 10**1990)
        return F(rng.randrange(q // 2, q), q)

    widths = [1, 10, 10, 10, 1]
    weights = [[[big() for _ in range(a)] for _ in range(b)] for a, b in pairwise(widths)]
    biases = [[big() for _ in range(b)] for b in widths[1:]]
    network = Network.from_rationals(weights, biases, relu())
    return Problem(network, make_loss("logistic"), Dataset.from_rows([[1]], [[1]]))


def test_the_derivatives_of_a_deep_net_are_bounded_by_the_size_of_the_numbers() -> None:
    """Review 6 F5: this net made the exact back-propagation take 16 s (792,347-bit
    denominators); the checker refuses it at once."""
    import time

    from losscert.checker.affine_box import _check_backward_size
    from losscert.checker.result import Invalid

    view = checker_view(_deep_hostile())
    start = time.perf_counter()
    with pytest.raises(Invalid, match=r"exact derivatives through layers 2\.\.L"):
        _check_backward_size(view, [[F(1)] * 10 for _ in range(3)], "trap")
    assert time.perf_counter() - start < 5


@pytest.mark.slow
def test_the_producer_asks_the_checker_s_question_first() -> None:
    """The producer does not compute the derivatives the checker would refuse (its own exact
    forward pass of this net still takes about 15 s: the model's, not this step's)."""
    verdict, _ = certify_affine_box(_deep_hostile())
    assert verdict.status is Status.UNKNOWN and "beyond the checker's limit" in verdict.detail

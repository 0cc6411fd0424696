"""Non-isolated minima (docs/certificate.md 3.30, since 1.1): the lifted box.

Hand-worked: data x = -1, 0, 1, 2 and two ReLU neurons with the same kink at 0 (twins: w = 1
and 2, output weights a/2 and a/4, so f = a relu(x) + b_2). On the face "sample x = 0 on the
kink", least squares in (a, b_2) gives a = 9/11, b_2 = 7/11 for labels 1, 0, 2, 2; the loss
derivatives g = 2 (f - y) are -8/11, 14/11, -12/11, 6/11, so nu = g_2 + g_3 = -6/11 <= 0 and
nu + g_1 = 8/11 >= 0: a local minimum, on a manifold (the twins trade weight). Labels 1, 0, 1, 3
give a = 13/11, b_2 = 4/11 and nu = +6/11: moving the kink right lowers the risk.
"""

import copy
import random
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.bench.training import classes_1d
from losscert.checker import check_document
from losscert.checker.face_box import check_minimum_on_face
from losscert.checker.steps import STEP_KINDS, Verified
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.certificate import new_certificate
from losscert.verifier.descent import checker_view
from losscert.verifier.exp_box import certify_exp_nearby
from losscert.verifier.lifted_box import certify_lifted_box

XS = [-1, 0, 1, 2]


def twins(labels: list[int], a: F, b2: F) -> Problem:
    net = Network.from_rationals([[[1], [2]], [[a / 2, a / 4]]], [[0, 0], [b2]], relu())
    data = Dataset.from_rows([[x] for x in XS], [[y] for y in labels])
    return Problem(net, make_loss("squared"), data)


def certificate(problem: Problem, free: list[int], radius: str = "1/1000") -> dict[str, Any]:
    evidence = [
        {"id": "box", "kind": "box_near_boundary", "radius": "1/4"},
        {
            "id": "trap",
            "kind": "lifted_minimum_in_box",
            "uses": ["box"],
            "free": free,
            "radius": radius,
            "mu": "1/100",
        },
    ]
    cert = new_certificate(problem, "local_min_in_box", evidence, {"method": "test"})
    cert["claim"] = {"kind": "local_min_in_box", "radius": radius, "lower": "0", "upper": "1"}
    return cert


MINIMUM = twins([1, 0, 2, 2], F(9, 11), F(7, 11))
NOT_MINIMUM = twins([1, 0, 1, 3], F(13, 11), F(4, 11))
FREE = [0, 2, 3, 6]
"""W_1[0][0], both first-layer biases (solved from the ties) and b_2: the second twin's weight
is left at theta*, where the first one's column already spans its direction."""


def _risk(problem: Problem, theta: list[F]) -> F:
    return problem.with_network(problem.network.with_parameters(theta)).risk()


def test_the_twins_minimum_is_proved_where_the_slice_box_fails() -> None:
    result = check_document(certificate(MINIMUM, FREE))
    assert result.valid, result.message
    view = checker_view(MINIMUM)
    box = STEP_KINDS["box_near_boundary"].verify(view, {"radius": "1/4"}, {}, "box")
    done = {"box": Verified("box", "box_near_boundary", (), box)}
    old = {"uses": ["box"], "radius": "1/1000", "mu": "1/100"}
    with pytest.raises(Exception, match=r"pivot|free coordinates"):
        check_minimum_on_face(view, old, done, "trap")  # 3.29: the twins are not isolated


def test_the_facts_are_the_exact_risk_at_an_exact_minimum() -> None:
    cert = certificate(MINIMUM, FREE)
    cert["claim"].update(lower=str(MINIMUM.risk()), upper=str(MINIMUM.risk()))
    assert MINIMUM.risk() == F(1, 4) * sum(v * v for v in (F(4, 11), F(7, 11), F(6, 11), F(3, 11)))
    assert check_document(cert).valid  # g = 0 on the face: lower = upper = R(theta*)


def test_the_wrong_multiplier_sign_is_rejected_and_a_lower_point_exists() -> None:
    result = check_document(certificate(NOT_MINIMUM, FREE))
    assert not result.valid and "multiplier of its lower side" in result.message
    theta = NOT_MINIMUM.network.parameter_vector()
    eps = F(1, 10**6)
    lower = [*theta[:2], -eps, -eps, *theta[4:]]  # both kinks moved right of the sample
    assert _risk(NOT_MINIMUM, lower) < NOT_MINIMUM.risk()


def test_the_minimum_is_a_local_minimum_by_exact_sampling() -> None:
    """Oracle: exact risk at random points near theta* (every parameter moved, both sides of the
    tie), never below R(theta*)."""
    theta = MINIMUM.network.parameter_vector()
    rng = random.Random(5)
    for _ in range(300):
        scale = F(1, 10 ** rng.randint(3, 6))
        moved = [v + scale * F(rng.randint(-1000, 1000), 1000) for v in theta]
        assert _risk(MINIMUM, moved) >= MINIMUM.risk()


def _trap(cert: dict[str, Any]) -> dict[str, Any]:
    return cert["evidence"][-1]


MUTATIONS = {  # name -> (change, a fragment of the reason the checker must give)
    "a dependent twin column": (
        lambda c: _trap(c).update(free=[0, 1, 2, 3, 6]),
        "depends on the earlier ones",
    ),
    "an output weight": (lambda c: _trap(c).update(free=[0, 2, 3, 4, 6]), "not a first-layer"),
    "not increasing": (lambda c: _trap(c).update(free=[2, 0, 3, 6]), "strictly increasing"),
    "a duplicate": (lambda c: _trap(c).update(free=[0, 2, 2, 3, 6]), "strictly increasing"),
    "out of range": (lambda c: _trap(c).update(free=[0, 2, 3, 6, 7]), "not a first-layer"),
    "a boolean index": (lambda c: _trap(c).update(free=[0, 2, 3, True]), "got bool"),
    "empty": (lambda c: _trap(c).update(free=[]), "non-empty list"),
    "no tied bias to solve": (lambda c: _trap(c).update(free=[0, 6]), "no free incoming"),
    "the output bias missing": (
        lambda c: _trap(c).update(free=[0, 2, 3]),
        "condition of the output bias is not implied",
    ),
    "mu too large": (lambda c: _trap(c).update(mu="1000"), "pivot"),
    "radius beyond the box": (lambda c: _trap(c).update(radius="1/2"), "at most the box"),
    "claim lower above the risk": (lambda c: c["claim"].update(lower="1/2"), "does not conclude"),
    "claim radius too small": (
        lambda c: c["claim"].update(radius="1/10000"),
        "does not conclude",
    ),
    "a label moved": (
        lambda c: c["problem"]["data"]["labels"][3].__setitem__(0, "3"),
        "does not trap a minimum",
    ),
    "the point moved off the face": (
        lambda c: c["problem"]["point"].__setitem__(2, "1/100"),
        "reaches outside piece",
    ),
    "cites the wrong step": (lambda c: _trap(c).update(uses=["trap"]), "not an earlier step"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_one_field_change_is_rejected(name: str) -> None:
    cert = copy.deepcopy(certificate(MINIMUM, FREE))
    change, reason = MUTATIONS[name]
    change(cert)
    result = check_document(cert)
    assert not result.valid and reason in result.message, (name, result.message)


def test_a_dependent_column_is_named() -> None:
    cert = certificate(MINIMUM, [0, 1, 2, 3, 6])  # the second twin's weight: proportional
    result = check_document(cert)
    assert not result.valid and "parameter 1 depends on the earlier ones" in result.message


def test_ties_of_one_neuron_on_different_inputs_are_refused() -> None:
    cert = certificate(MINIMUM, FREE)
    cert["problem"]["point"][1] = "0"  # neuron 1 = relu(0 x + 0): on its kink at every sample
    result = check_document(cert)
    assert not result.valid and "with different inputs" in result.message


def test_other_activations_and_losses_are_refused() -> None:
    cert = certificate(MINIMUM, FREE)
    cert["problem"]["activation"]["intercepts"] = ["1", "1"]  # relu + 1: not homogeneous
    result = check_document(cert)
    assert not result.valid and "homogeneous" in result.message


# --- trained logistic classifiers (bench.training, widths 1-4-1) -----------------------------

TRAINED = {
    0: "-4638439/2097152 -6477295/8388608 -3651935/1048576 -9074445/2097152 8185551/2097152 "
    "714379/524288 -2577955/2097152 12411443/2097152 7480993/1048576 4619689/4194304 "
    "16665839/8388608 -2648123/524288 -5372749/8388608",
    (7, 2): "-13232841/8388608 10396729/16777216 3108575/2097152 10398115/8388608 "
    "-12896153/8388608 -4252959/2097152 171599/32768",
    3: "-15151381/4194304 -6771183/4194304 631093/524288 5513801/33554432 -3343213/524288 "
    "7069491/8388608 -2909169/4194304 -11417267/16777216 366053/65536 -6740925/4194304 "
    "-5755709/8388608 8987317/536870912 7577647/4194304",
}
"""Float32 Adam end points of bench.training.train_classifier((1, width, 1), ..., seed) by
seed (width 4) or (seed, width)."""


def classifier(seed: int, width: int = 4) -> Problem:
    inputs, labels = classes_1d(seed=seed)
    values = [F(v) for v in TRAINED[seed if width == 4 else (seed, width)].split()]
    w1, b1, w2 = values[:width], values[width : 2 * width], values[2 * width : 3 * width]
    net = Network.from_rationals([[[v] for v in w1], [w2]], [b1, [values[-1]]], relu())
    return Problem(net, make_loss("logistic"), Dataset.from_rows(inputs, labels))


def test_twin_neurons_on_one_kink_give_a_proved_nearby_minimum() -> None:
    """Seed 0: neurons 0 and 1 end with their kinks on the same sample (twins: a manifold of
    minima); the lifted box proves the minimum, with the twins' ties among its four."""
    verdict, centre, _ = certify_lifted_box(classifier(0))
    assert verdict.status is Status.PROVED, verdict.detail
    trap = verdict.certificate["evidence"][-1]
    assert trap["kind"] == "lifted_minimum_in_box"
    tied = {(t.neuron, t.sample) for t in locate_cell(centre).ties}
    assert {(0, 16), (1, 16)} <= tied
    assert verdict.stats["lower"] <= verdict.stats["upper"]
    assert check_document(verdict.certificate).valid


def test_certify_proves_a_width_four_classifier_spurious() -> None:
    result = certify_exp_nearby(classifier(3))
    assert result.local.status is Status.PROVED
    assert result.local.stats["method"] == "lifted box"
    assert result.spurious is not None and result.spurious.status is Status.PROVED
    assert result.spurious.stats["witness_risk"] < result.local.stats["lower"]


def test_a_neuron_tied_on_two_samples_with_one_input() -> None:
    """classes_1d repeats the end inputs with both labels: a kink on x = -2 ties two samples,
    which move to one side together (one group)."""
    verdict, centre, _ = certify_lifted_box(classifier(7, width=2))
    assert verdict.status is Status.PROVED, verdict.detail
    tied = {(t.neuron, t.sample) for t in locate_cell(centre).ties}
    rows = centre.data.input_rows()
    assert {(1, 0), (1, 18)} <= tied and rows[0] == rows[18]


def test_the_search_stops_at_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import losscert.verifier.lifted_box as lifted

    monkeypatch.setattr(lifted, "BUDGET_SECONDS", 0.0)
    verdict, _, _ = certify_lifted_box(classifier(3))
    assert verdict.status is Status.UNKNOWN and verdict.reason == "budget"


def test_a_derived_radius_of_any_length_is_compared_exactly() -> None:
    """The solved coordinates' radius max(rho, rho_e) is derived, not read: it is compared as a
    fraction (it was turned back into a string and refused past 4,000 characters)."""
    from losscert.checker.steps import radius_at_most

    box = Verified("box", "box_near_boundary", (), {"radius": F(1, 4)})
    long = F(10**2100 - 1, 10**2101 * 7)  # about 4,200 characters
    assert len(str(long)) > 4000
    assert radius_at_most(long, box, "trap") == long
    with pytest.raises(Exception, match="at most the box_near_boundary radius"):
        radius_at_most(F(1, 2) + long, box, "trap")


def test_the_span_check_is_bounded_by_the_size_of_the_numbers() -> None:
    """Section 7: the exact elimination is priced by the size its minors can reach and refused
    before it starts when that is too large (review 7: random 64-bit rationals, 40 x 40, kept a
    Fraction elimination busy for 55 s); short numbers (one denominator per column) pass."""
    import time

    from losscert.checker.span import column_space

    rng = random.Random(7)
    hostile = [
        [F(rng.getrandbits(64), rng.getrandbits(64) | 1) for _ in range(40)] for _ in range(40)
    ]
    start = time.perf_counter()
    with pytest.raises(Exception, match="exact elimination would multiply"):
        column_space(hostile, list(range(40)), [], [], "trap")
    assert time.perf_counter() - start < 5  # refused before the work, not after it
    dyadic = [[F(rng.getrandbits(40), 2**30) for _ in range(12)] for _ in range(30)]
    target = [sum(row[:3], F(0)) for row in dyadic]
    assert column_space(dyadic, list(range(12)), [("a sum", target)], [[F(1)] * 30], "t") == [False]

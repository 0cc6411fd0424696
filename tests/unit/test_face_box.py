"""A local minimum with a sample on a kink (docs/certificate.md 3.29, since 1.1): a width-1
ReLU classifier trained by float32 Adam (seed 7 of bench.training.classes_1d) ends next to the
face w x_2 + b = 0; the box on the face and the one-sided slopes prove the minimum there."""

import copy
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.bench.training import classes_1d
from losscert.checker import check_document
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.exp_box import (
    certify_exp_nearby,
    certify_face_box,
    face_centre,
    tie_candidates,
)

TRAINED = {
    7: ["5602351/8388608", "133811/131072", "1082753/1048576", "-9129683/8388608"],
    0: ["11527627/67108864", "-9423141/16777216", "-13796953/16777216", "-3366695/16777216"],
}
"""Float32 Adam end points (bench.training.train_classifier, widths 1, 1, 1) by seed."""


def trained(seed: int = 7) -> Problem:
    inputs, labels = classes_1d(seed=seed)
    w, b, c, d = (F(v) for v in TRAINED[seed])
    net = Network.from_rationals([[[w]], [[c]]], [[b], [d]], relu())
    return Problem(net, make_loss("logistic"), Dataset.from_rows(inputs, labels))


def _proved() -> Any:
    problem = trained()
    ties = tie_candidates(problem)
    assert [(r, i) for r, i, _ in ties] == [(0, 2)]
    found = face_centre(problem, ties)
    assert found is not None
    centre, _ = found
    verdict = certify_face_box(centre, ties)
    assert verdict.status is Status.PROVED, verdict.detail
    return centre, verdict


def test_the_trained_point_has_a_minimum_on_the_face() -> None:
    centre, verdict = _proved()
    w, b = centre.network.parameter_vector()[:2]
    x = centre.data.input_rows()[2][0]
    assert w * x + b == 0  # the centre is exactly on the face
    trap = verdict.certificate["evidence"][-1]
    assert trap["kind"] == "minimum_in_box_on_face"
    assert verdict.stats["lower"] <= verdict.stats["upper"]
    assert verdict.certificate["minor"] == 1


def test_certify_reaches_it() -> None:
    result = certify_exp_nearby(trained())
    assert result.local.status is Status.PROVED
    assert result.local.stats["method"] == "box on a face"
    assert result.spurious is not None and result.spurious.status is not Status.REFUTED


def test_another_trained_point_is_a_spurious_minimum() -> None:
    result = certify_exp_nearby(trained(0))
    assert result.local.status is Status.PROVED
    assert result.spurious is not None and result.spurious.status is Status.PROVED
    assert result.spurious.stats["witness_risk"] < result.local.stats["lower"]


def _trap(c: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in c["evidence"] if s["kind"] == "minimum_in_box_on_face")


MUTATIONS = {
    "mu too large": lambda c: _trap(c).update(mu="1000"),
    "radius far too small": lambda c: _trap(c).update(radius=str(F(1, 2**300))),
    "radius beyond the box": lambda c: _trap(c).update(radius="1"),
    "claim radius too small": lambda c: c["claim"].update(radius=str(F(_trap(c)["radius"]) / 2)),
    "claim upper below lower": lambda c: c["claim"].update(upper=str(F(c["claim"]["lower"]) - 1)),
    "claim lower too high": lambda c: c["claim"].update(
        lower=str(F(c["claim"]["lower"]) + F(1, 2**40))
    ),
    "point off the face": lambda c: c["problem"]["point"].__setitem__(
        1, str(F(c["problem"]["point"][1]) + F(1, 2**80))
    ),
    "version 1.0": lambda c: c.pop("minor"),
    "a label flipped": lambda c: c["problem"]["data"]["labels"][2].__setitem__(
        0, str(-F(c["problem"]["data"]["labels"][2][0]))
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_one_field_mutations_are_rejected(name: str) -> None:
    certificate = copy.deepcopy(_proved()[1].certificate)
    assert check_document(certificate).valid
    MUTATIONS[name](certificate)
    assert not check_document(certificate).valid, name


def test_a_deeper_network_is_refused() -> None:
    _, verdict = _proved()
    certificate = copy.deepcopy(verdict.certificate)
    certificate["problem"]["widths"] = [1, 1, 1, 1]
    certificate["problem"]["point"] += ["1", "0"]
    assert not check_document(certificate).valid


def test_twin_neurons_are_named_in_the_unknown_detail() -> None:
    from losscert.encodings.cells import Cell
    from losscert.verifier.exp_box import _twins

    cell = Cell(((((1, 0, 1)), (0, 0, 0), (1, 0, 1)),), None, None, ())
    assert "layer 1 neurons 0 and 2 have the same pattern" in _twins(cell)
    dead = Cell((((0, 0, 0), (0, 0, 0)),), None, None, ())
    assert _twins(dead) == ""  # two dead neurons are fixed by the reduction, not twins


def test_sampling_oracle_no_point_of_the_box_is_below_the_certified_lower_bound() -> None:
    """R >= R(theta_m) >= lower on the whole box B' of the proof (fixed coordinates at theta*,
    face coordinates within rho, the solved one within rho_e): at 60 digits, at random points."""
    import random

    import mpmath

    from losscert.verifier.exp_box import _face_setup

    centre, verdict = _proved()
    lower = verdict.stats["lower"]
    trap = verdict.certificate["evidence"][-1]
    rho, full = F(trap["radius"]), F(verdict.certificate["claim"]["radius"])
    setup = _face_setup(centre, tie_candidates(centre))
    assert setup is not None
    face, solved = setup[2], setup[3]  # the slice: every other coordinate stays at theta*
    radii = {a: rho for a in face} | {e: full for e in solved}
    point = centre.network.parameter_vector()
    rows = [row[0] for row in centre.data.input_rows()]
    labels = [row[0] for row in centre.data.label_rows()]
    rng = random.Random(0)
    with mpmath.workdps(60):

        def risk(theta: list[F]) -> mpmath.mpf:
            w, b, c, d = (mpmath.mpf(v.numerator) / v.denominator for v in theta)
            total = mpmath.mpf(0)
            for x, y in zip(rows, labels, strict=True):
                f = c * max(w * x + b, 0) + d
                total += mpmath.log1p(mpmath.exp(-int(y) * f))
            return total / len(rows)

        bound = mpmath.mpf(lower.numerator) / lower.denominator
        for _ in range(200):
            moved = [
                v + radii.get(a, F(0)) * F(rng.randint(-1000, 1000), 1000)
                for a, v in enumerate(point)
            ]
            assert risk(moved) >= bound
        assert risk(point) >= bound

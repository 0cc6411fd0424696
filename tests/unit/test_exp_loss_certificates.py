"""Logistic and softmax cross-entropy in certificates (docs/certificate.md 2.1, since 1.1):
hand-worked instances, the box claim around irrational minima, and one-field mutations."""

import copy
from fractions import Fraction as F
from typing import Any

import mpmath
import pytest

from losscert.checker import check_document, exp_losses
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.certificate import new_certificate
from losscert.verifier.exp_box import certify_exp_box, certify_exp_spurious, newton_centre

ULP = F(1, 2**exp_losses.BITS)


def logistic_line(w: F = F(0), b: F = F(0)) -> Problem:
    """f(x) = w x + b (no hidden layer) on non-separable labels: a unique, irrational minimum."""
    net = Network.from_rationals([[[w]]], [[b]], relu())
    data = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [1], [-1], [1]])
    return Problem(net, make_loss("logistic"), data)


def softmax_line() -> Problem:
    zero = [[F(0)], [F(0)], [F(0)]]
    net = Network.from_rationals([zero], [[F(0), F(0), F(0)]], relu())
    rows = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    data = Dataset.from_rows([[-2], [-1], [0], [1], [2], [3]], rows)
    return Problem(net, make_loss("softmax_cross_entropy"), data)


def dead_neuron(b2: F = F(0)) -> Problem:
    """relu(x - 5) is 0 on every sample: R depends on b2 alone, minimised at log(1/3) (a quarter
    of the labels are 1): a local minimum of risk H(1/4) ~ 0.5623, spurious."""
    net = Network.from_rationals([[[F(1)]], [[F(1)]]], [[F(-5)], [b2]], relu())
    data = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [-1], [-1], [1]])
    return Problem(net, make_loss("logistic"), data)


def _box(problem: Problem) -> Any:
    cell = locate_cell(problem)
    centre, _ = newton_centre(problem, cell)
    verdict = certify_exp_box(centre, cell)
    assert verdict.status is Status.PROVED, verdict.detail
    return centre, verdict


def _mp(value: F) -> mpmath.mpf:
    return mpmath.mpf(value.numerator) / value.denominator


def _mp_risk(w: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf:
    xs, ys = [-1, 0, 1, 2], [-1, 1, -1, 1]
    terms = [mpmath.log1p(mpmath.exp(-y * (w * x + b))) for x, y in zip(xs, ys, strict=True)]
    return mpmath.fsum(terms) / 4


def _mp_logistic_minimum() -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
    """The minimiser by Newton at 60 digits (the gradient by mpmath.diff)."""
    with mpmath.workdps(60):

        def gradient(w: mpmath.mpf, b: mpmath.mpf) -> list[mpmath.mpf]:
            """dR/dw, dR/db = mean of -y sigma(-y f) (x, 1)."""
            xs, ys = [-1, 0, 1, 2], [-1, 1, -1, 1]
            s = [-y / (1 + mpmath.exp(y * (w * x + b))) for x, y in zip(xs, ys, strict=True)]
            return [
                mpmath.fsum(si * x for si, x in zip(s, xs, strict=True)) / 4,
                mpmath.fsum(s) / 4,
            ]

        w, b = mpmath.findroot(gradient, (mpmath.mpf("0.9"), mpmath.mpf("-0.45")))
        return w, b, _mp_risk(w, b)


def test_the_box_contains_the_irrational_logistic_minimum() -> None:
    centre, verdict = _box(logistic_line())
    point = centre.network.parameter_vector()
    rho = verdict.stats["radius"]
    lower, upper = verdict.stats["lower"], verdict.stats["upper"]
    assert lower <= upper and upper - lower < F(1, 2**60)
    with mpmath.workdps(60):
        w, b, risk = _mp_logistic_minimum()
        assert abs(_mp(point[0]) - w) <= _mp(rho)
        assert abs(_mp(point[1]) - b) <= _mp(rho)
        assert _mp(lower) <= risk <= _mp(upper)
    assert verdict.certificate["minor"] == 1
    assert verdict.certificate["problem"]["loss"] == {"kind": "logistic"}


def test_softmax_fixes_the_last_output_row() -> None:
    _, verdict = _box(softmax_line())
    assert check_document(verdict.certificate).valid
    from losscert.checker.minimum_box import free_parameters, logit_shift_anchors
    from losscert.verifier.descent import checker_view

    view = checker_view(softmax_line())
    assert logit_shift_anchors(view) == [2, 5]  # W[2][0] and b[2]
    assert free_parameters(view, [], F(1, 2**60)) == [0, 1, 3, 4]


def test_a_dead_neuron_is_a_spurious_minimum() -> None:
    problem = dead_neuron()
    centre, local = _box(problem)
    # b2 -> log(1/3); R = H(1/4) = log 4 - (3/4) log 3
    with mpmath.workdps(40):
        exact = mpmath.log(4) - mpmath.mpf(3) / 4 * mpmath.log(3)
    lower, upper = local.stats["lower"], local.stats["upper"]
    assert float(lower) <= float(exact) <= float(upper)
    witness = [F(1), F(0), F(2), F(-2)]  # f = 2 relu(x) - 2: risk ~ 0.268
    spurious = certify_exp_spurious(centre, local, witness)
    assert spurious.status is Status.PROVED, spurious.detail
    assert spurious.certificate["claim"]["kind"] == "spurious_local_min_in_box"
    assert spurious.stats["witness_risk"] < F(27, 100)


def _spurious_certificate() -> dict[str, Any]:
    centre, local = _box(dead_neuron())
    spurious = certify_exp_spurious(centre, local, [F(1), F(0), F(2), F(-2)])
    assert check_document(spurious.certificate).valid
    return copy.deepcopy(spurious.certificate)


def _step(c: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in c["evidence"] if s["kind"] == kind)


def _bump(c: dict[str, Any], kind: str, field: str, delta: F) -> None:
    step = _step(c, kind)
    step[field] = str(F(step[field]) + delta)


MUTATIONS = {
    "risk lower one ulp too high": lambda c: _bump(c, "risk_bounds", "lower", ULP),
    "risk upper one ulp too low": lambda c: _bump(c, "risk_bounds", "upper", -ULP),
    "witness upper one ulp too low": lambda c: _bump(c, "lower_point_below", "upper", -ULP),
    "witness upper above the centre's lower": lambda c: _step(c, "lower_point_below").update(
        upper=str(F(_step(c, "risk_bounds")["lower"]) + 1)
    ),
    "witness moved": lambda c: _step(c, "lower_point_below")["point"].__setitem__(3, "5"),
    "claim lower above the box's": lambda c: c["claim"].update(
        lower=str(F(c["claim"]["lower"]) + F(1, 2**40))
    ),
    "claim upper below the box's": lambda c: c["claim"].update(
        upper=str(F(c["claim"]["upper"]) - F(1, 2**40))
    ),
    "mu too large": lambda c: _step(c, "minimum_in_box").update(mu="1000"),
    "radius too small": lambda c: _step(c, "minimum_in_box").update(radius=str(F(1, 2**200))),
    "version 1.0": lambda c: c.pop("minor"),
    "labels 0/1": lambda c: c["problem"]["data"]["labels"][0].__setitem__(0, "0"),
    "an exact risk step": lambda c: c["evidence"].append({"id": "r", "kind": "risk", "value": "1"}),
    "a lower_point citing risk_bounds": lambda c: c["evidence"].append(
        {"id": "l", "kind": "lower_point", "uses": ["risk"], "point": ["0"] * 4, "risk": "0"}
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_one_field_mutations_are_rejected(name: str) -> None:
    certificate = _spurious_certificate()
    MUTATIONS[name](certificate)
    result = check_document(certificate)
    assert not result.valid, name


def test_a_looser_risk_bound_is_accepted() -> None:
    certificate = _spurious_certificate()
    _bump(certificate, "risk_bounds", "lower", -ULP)
    _bump(certificate, "risk_bounds", "upper", ULP)
    assert check_document(certificate).valid


def test_other_step_kinds_are_refused_by_name() -> None:
    problem = dead_neuron(F(-1))
    for kind, fields in (
        ("risk", {"value": "1"}),
        ("gradient_zero", {"uses": ["cell"]}),
        ("descent_direction", {"direction": ["0", "0", "0", "1"], "order": 1, "coefficient": "-1"}),
    ):
        cell = {"id": "cell", "kind": "cell", "pattern": [[[0, 0, 0, 0]]], "margin": "3"}
        certificate = new_certificate(
            problem, "not_local_min", [cell, {"id": "s", "kind": kind, **fields}]
        )
        result = check_document(certificate)
        assert not result.valid
        assert f"the step kind {kind} is not defined for the logistic loss" in result.message


def test_softmax_labels_and_widths_are_checked() -> None:
    _, verdict = _box(softmax_line())
    certificate = copy.deepcopy(verdict.certificate)
    certificate["problem"]["data"]["labels"][0] = ["1", "0", "1"]
    assert "one-hot" in check_document(certificate).message
    certificate = copy.deepcopy(verdict.certificate)
    certificate["problem"]["loss"]["kind"] = "logistic"
    assert "logistic labels are -1 or 1" in check_document(certificate).message


def test_risk_bounds_of_a_rational_loss_contain_the_exact_risk() -> None:
    net = Network.from_rationals([[[F(1)]]], [[F(0)]], relu())
    problem = Problem(net, make_loss("squared"), Dataset.from_rows([[1], [2]], [[0], [0]]))
    step = {"id": "r", "kind": "risk_bounds", "lower": "5/2", "upper": "5/2"}  # (1 + 4) / 2
    assert check_document(new_certificate(problem, "local_min", [step])).message.startswith(
        "the evidence does not conclude"
    )
    step["lower"], step["upper"] = "51/20", "3"
    assert (
        "above the checker's enclosure"
        in check_document(new_certificate(problem, "local_min", [step])).message
    )


def _numbers(value: Any, path: tuple = ()) -> list[tuple]:
    """Every rational string in a document, with its path."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _numbers(v, (*path, k))]
    if isinstance(value, list):
        return [p for k, v in enumerate(value) for p in _numbers(v, (*path, k))]
    if isinstance(value, str) and path and path[-1] not in ("kind", "id", "tool", "method"):
        try:
            F(value)
        except (ValueError, ZeroDivisionError):
            return []
        return [path]
    return []


def test_every_numeric_field_nudged_by_one_ulp_never_crashes() -> None:
    """Each rational of the spurious certificate moved by +-2^-136 in turn: the checker answers
    (valid or invalid, never an exception), and every move that claims more is rejected."""
    original = _spurious_certificate()
    kinds = [step["kind"] for step in original["evidence"]]
    bounds, below = kinds.index("risk_bounds"), kinds.index("lower_point_below")
    claims_more = {  # written at the checker's own enclosure: one ulp more is not shown
        ("evidence", bounds, "lower"): 1,
        ("evidence", bounds, "upper"): -1,
        ("evidence", below, "upper"): -1,
    }
    for path in _numbers(original):
        for sign in (1, -1):
            certificate = copy.deepcopy(original)
            target = certificate
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = str(F(target[path[-1]]) + sign * ULP)
            result = check_document(certificate)
            assert result.status in ("valid", "invalid")
            assert "checker could not evaluate" not in result.message  # a crash caught inside
            if claims_more.get(path) == sign:
                assert not result.valid, path

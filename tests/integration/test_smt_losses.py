"""The SMT rung on absolute, hinge and Huber losses (the canonical query with ite case splits):
planted local minima that only the SMT rung decides, and planted non-minima whose lower points
only the SMT rung finds. Every certificate is accepted by the checker; the fault behaviour of the
rung is the same as for squared losses."""

import json
from fractions import Fraction as F

import pytest

from losscert.backends.base import SmtAnswer
from losscert.checker import check_document
from losscert.model import Dataset, Network, Problem, linear, make_loss, relu
from losscert.verifier import Status, smt_route
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions  # convex=False: these test the SMT rung

from .test_smt_rung import _flat_minimum


def _absolute_minimum() -> Problem:
    """relu(x - 1): the active samples x = 2, 3, 4 are fitted exactly (residuals on the kink of
    |.|: no gradient), the inactive x = -1, 0 have f = b2 = 0 against labels 1 and -1, whose
    losses |1 - b2| + |1 + b2| >= 2 with equality for |b2| <= 1. So R >= 2/5 = R(theta*) on the
    cell: a flat local minimum (ReLU rescaling), which no cheaper rung decides."""
    net = Network.from_rationals([[[1]], [[1]]], [[-1], [0]], relu())
    data = Dataset.from_rows([[-1], [0], [2], [3], [4]], [[1], [-1], [1], [2], [3]])
    return Problem(net, make_loss("absolute"), data)


def _hinge_minimum() -> Problem:
    """2 relu(x - 1): the inactive x = -1, 0 have f = b2 = 0 and labels 1, -1, losses
    max(0, 1 - b2) + max(0, 1 + b2) >= 2; the active x = 2, 3 (label 1) have y f = 2, 4 > 1, loss 0.
    Gradient and Hessian are zero (every loss is locally affine or zero): SMT decides."""
    net = Network.from_rationals([[[1]], [[2]]], [[-1], [0]], relu())
    data = Dataset.from_rows([[-1], [0], [2], [3]], [[1], [-1], [1], [1]])
    return Problem(net, make_loss("hinge"), data)


def _deep_linear_saddle(
    loss: str, bias: str, labels: list[int], delta: str | None = None
) -> Problem:
    """f = w3 (w2 (w1 x + b1) + b2) + b3 at w = b1 = b2 = 0: R is flat to second order (the only
    first-order parameter b3 sits where the loss's slopes cancel: sum_i g_i = 0), and drops at
    third order along (w1, w2, w3) because sum_i g_i x_i != 0. Gradient zero, Hessian positive
    semi-definite: only the SMT rung finds the lower points."""
    net = Network.from_rationals([[[0]], [[0]], [[0]]], [[0], [0], [bias]], linear())
    data = Dataset.from_rows([[0], [1], [2], [3]], [[y] for y in labels])
    return Problem(net, make_loss(loss, delta), data)


PROVED = {
    "absolute": _absolute_minimum,
    "hinge": _hinge_minimum,
}
REFUTED = {
    # residuals 3/2 - y = 3/2, -1/2, 1/2, -3/2: signs +, -, +, -, sum g x = -2
    "absolute": lambda: _deep_linear_saddle("absolute", "3/2", [0, 2, 1, 3]),
    # margins 1 - y 0 = 1 > 0: g = -y = 1, 1, -1, -1, sum g = 0, sum g x = -4
    "hinge": lambda: _deep_linear_saddle("hinge", "0", [-1, -1, 1, 1]),
    # delta 1: residuals 3/2, -1/2, 1/2, -3/2 give g = 1, -1/2, 1/2, -1, sum g x = -5/2
    "huber": lambda: _deep_linear_saddle("huber", "3/2", [0, 2, 1, 3], "1"),
}


@pytest.mark.solver
@pytest.mark.parametrize("loss", sorted(PROVED))
def test_planted_minimum_is_proved_by_smt(loss: str) -> None:
    problem = PROVED[loss]()
    assert problem.risk() > 0
    verdict = certify_local_min(problem, SmtOptions(convex=False, timeout=20))
    assert verdict.status is Status.PROVED, verdict.detail
    assert verdict.stats["method"] == "SMT (z3 and cvc5)"
    doc = json.loads(json.dumps(verdict.certificate))
    result = check_document(doc)
    assert result.valid and len(result.trust_gaps) == 1
    smt = next(s for s in doc["evidence"] if s["kind"] == "smt_no_lower_point")
    assert "(ite " in smt["smtlib"]
    # oracle: exact points of the certified box are never lower
    rho = F(smt["radius"])
    base = problem.network.parameter_vector()
    for k in range(80):
        moved = [v + rho * F(((k * 7 + 3 * a + k * a) % 9) - 4, 4) for a, v in enumerate(base)]
        assert problem.with_network(problem.network.with_parameters(moved)).risk() >= problem.risk()
    # the same text with the bound loosened to <= is no longer the canonical query
    smt["smtlib"] = smt["smtlib"].replace("(assert (< (+ 0", "(assert (<= (+ 0")
    assert "not the canonical query" in check_document(doc).message


@pytest.mark.solver
@pytest.mark.parametrize("loss", sorted(REFUTED))
def test_lower_points_found_by_smt_are_replayed_as_descents(loss: str) -> None:
    problem = REFUTED[loss]()
    verdict = certify_local_min(problem, SmtOptions(convex=False, timeout=3))
    assert verdict.status is Status.REFUTED, verdict.detail
    assert "SMT model" in verdict.stats["method"]
    assert verdict.certificate is not None
    step = verdict.certificate["evidence"][0]
    assert step["kind"] == "descent_direction" and step["order"] == 3
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid
    # oracle: exact steps along the certified direction go strictly below R(theta*)
    base = problem.network.parameter_vector()
    direction = [F(v) for v in step["direction"]]
    risks = [
        problem.with_network(
            problem.network.with_parameters(
                [v + F(1, 2**k) * d for v, d in zip(base, direction, strict=True)]
            )
        ).risk()
        for k in (4, 8, 12)
    ]
    assert all(r < problem.risk() for r in risks)


@pytest.mark.slow
@pytest.mark.solver
def test_a_huber_flat_minimum_is_proved() -> None:
    # residuals of _flat_minimum are at most 1/2 in size: inside Huber's quadratic region
    flat = _flat_minimum((1, 2))
    problem = Problem(flat.network, make_loss("huber", "1"), flat.data)
    verdict = certify_local_min(problem, SmtOptions(convex=False, timeout=30))
    assert verdict.status is Status.PROVED and verdict.stats["method"] == "SMT (z3 and cvc5)"
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (("unknown", "unsat"), "solver_unknown"),
        (("sat", "unsat"), "solvers_disagree"),
        (("unavailable", "unsat"), "unsupported"),
    ],
)
@pytest.mark.parametrize("loss", sorted(PROVED))
def test_faults_stay_unknown(loss: str, statuses: tuple[str, str], expected: str) -> None:
    answers = {
        n: SmtAnswer(n, "1", s, "", 0.0) for n, s in zip(("z3", "cvc5"), statuses, strict=True)
    }
    original = smt_route.solve_with_all
    smt_route.solve_with_all = lambda text, timeout: answers  # type: ignore[assignment]
    try:
        verdict = certify_local_min(PROVED[loss](), SmtOptions(convex=False))
    finally:
        smt_route.solve_with_all = original  # type: ignore[assignment]
    assert verdict.status is Status.UNKNOWN and verdict.reason == expected
    assert verdict.certificate is None

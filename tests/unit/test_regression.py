"""Step 0 for the absolute and hinge losses: a float LP (HiGHS), then an exact certificate.

* the HiGHS adapter on a small table of LPs with known answers, and its failure modes;
* hand-worked L1 / hinge optima, exact (W, b) and subgradients;
* properties on small random data, against two oracles: the independent checker accepts the
  subgradients in a ``global_min`` certificate of a no-hidden-layer linear network, and no random
  exact perturbation of (W, b) has a lower exact risk;
* "never an uncertified fit": a wrong LP answer gives UnsupportedError, not a fit;
* Theorem 1 end to end with the absolute and hinge losses.
"""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction as F
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from losscert.backends.highs_adapter import HighsAdapter, LinearProgram, LpAnswer
from losscert.checker import check_document
from losscert.errors import InputError, UnsupportedError
from losscert.model import Dataset, Network, Problem, linear, make_loss, relu
from losscert.theorems.instances import generated_data
from losscert.theorems.theorem1 import audit_theorem1
from losscert.verifier import Status, regression
from losscert.verifier.certificate import new_certificate, rationals
from losscert.verifier.regression import AffineFit, fit_affine

INF = math.inf

# --- the adapter ----------------------------------------------------------------------------------

# (id, program, status, optimal x or None, row duals or None)
LP_TABLE: list[tuple[str, LinearProgram, str, list[float] | None, list[float] | None]] = [
    (
        # min x s.t. x >= 2: the dual of a >= row at its bound is +1 (c - A^T y = 0)
        "ge_row_dual",
        LinearProgram([1.0], [[(0, 1.0)]], [2.0], [INF], [-INF], [INF]),
        "optimal",
        [2.0],
        [1.0],
    ),
    (
        # min x + y s.t. x + y >= 2, x - y = 1, y >= 0
        "two_rows",
        LinearProgram(
            [1.0, 1.0],
            [[(0, 1.0), (1, 1.0)], [(0, 1.0), (1, -1.0)]],
            [2.0, 1.0],
            [INF, 1.0],
            [-INF, 0.0],
            [INF, INF],
        ),
        "optimal",
        [1.5, 0.5],
        [1.0, 0.0],
    ),
    (
        "infeasible",
        LinearProgram([1.0], [[(0, 1.0)]], [2.0], [1.0], [-INF], [INF]),
        "infeasible",
        None,
        None,
    ),
    ("unbounded", LinearProgram([-1.0], [], [], [], [0.0], [INF]), "unbounded", None, None),
]


@pytest.mark.solver
@pytest.mark.parametrize("case", LP_TABLE, ids=[c[0] for c in LP_TABLE])
def test_highs_answers_the_table(case: Any) -> None:
    _, program, status, x, duals = case
    answer = HighsAdapter().solve_lp(program, time_limit=10)
    assert answer.status == status, answer.reason
    if x is not None:
        assert answer.x == pytest.approx(x) and answer.row_duals == pytest.approx(duals)


@pytest.mark.solver
def test_highs_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    HighsAdapter().solve_lp(LP_TABLE[0][1])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_unknown_status_words_map_to_unknown() -> None:
    assert HighsAdapter().status_of("Optimal") == "optimal"
    assert HighsAdapter().status_of("Bound on objective reached") == "unknown"


def test_a_missing_module_is_unavailable_not_a_crash() -> None:
    class Missing(HighsAdapter):
        module = "losscert_no_such_solver_module"
        distribution = "losscert-no-such-solver"

    answer = Missing().solve_lp(LP_TABLE[0][1])
    assert answer.status == "unavailable" and "not installed" in answer.reason
    assert answer.x is None


@pytest.mark.solver
def test_an_exception_inside_highs_is_an_error_answer() -> None:
    class Broken(HighsAdapter):
        def _solve(self, highs: Any) -> str:
            raise RuntimeError("simulated crash")

    answer = Broken().solve_lp(LP_TABLE[0][1])
    assert answer.status == "error" and "simulated crash" in answer.reason


def test_bad_programs_and_limits_are_input_errors() -> None:
    with pytest.raises(InputError, match="column 3"):
        LinearProgram([1.0], [[(3, 1.0)]], [0.0], [1.0], [0.0], [1.0])
    with pytest.raises(InputError, match="row_upper"):
        LinearProgram([1.0], [[(0, 1.0)]], [0.0], [], [0.0], [1.0])
    with pytest.raises(InputError, match="time limit"):
        HighsAdapter().solve_lp(LP_TABLE[0][1], time_limit=0)


# --- exact helpers of the tests (the oracle) -----------------------------------------------------


def _risk(kind: str, data: Dataset, weight: list[list[F]], bias: list[F]) -> F:
    """R_lin(W, b) computed here, independently of the package."""
    total = F(0)
    for x, y in zip(data.input_rows(), data.label_rows(), strict=True):
        for k, (row, b) in enumerate(zip(weight, bias, strict=True)):
            u = sum((w * v for w, v in zip(row, x, strict=True)), b)
            total += abs(u - y[k]) if kind == "absolute" else max(F(0), 1 - y[k] * u)
    return total / data.n


def _certificate(data: Dataset, kind: str, fit: AffineFit) -> dict[str, Any]:
    """A ``global_min`` certificate of the no-hidden-layer network computing the fit."""
    network = Network.from_rationals([fit.weight], [fit.bias], linear())
    step: dict[str, Any] = {
        "id": "regression",
        "kind": "affine_regression_optimal",
        "W": [rationals(row) for row in fit.weight],
        "b": rationals(fit.bias),
    }
    if fit.subgradients is not None:
        step["subgradients"] = [rationals(row) for row in fit.subgradients]
    problem = Problem(network, make_loss(kind), data)
    return json.loads(json.dumps(new_certificate(problem, "global_min", [step])))


def _data(inputs: list[list[Any]], labels: list[list[Any]]) -> Dataset:
    return Dataset.from_rows(
        [[F(v) for v in x] for x in inputs], [[F(v) for v in y] for y in labels]
    )


# --- hand-worked optima ----------------------------------------------------------------------------


@pytest.mark.solver
def test_l1_line_through_two_of_three_points() -> None:
    # Points (0, 0), (1, 3), (2, 2). A best L1 line passes through two points: through (0, 0) and
    # (2, 2) it misses (1, 3) by 2; the other two pairs miss by 4. (1, 3) lies above the line, so
    # g_1 = sign(u - y) = -1; then g_0 + g_2 = 1 and 2 g_2 = 1 give g_0 = g_2 = 1/2, strictly
    # inside [-1, 1]: the optimum is unique.
    data = _data([[0], [1], [2]], [[0], [3], [2]])
    fit = fit_affine(data, make_loss("absolute"))
    assert fit.weight == [[1]] and fit.bias == [0]
    assert fit.subgradients == [[F(1, 2)], [-1], [F(1, 2)]]
    assert fit.gradients == fit.subgradients
    assert fit.predictions == [[0], [1], [2]] and fit.risk == F(2, 3)
    assert check_document(_certificate(data, "absolute", fit)).valid


@pytest.mark.solver
def test_l1_with_a_constant_input_is_the_median() -> None:
    # x = 0 everywhere: only the bias matters, and the L1 optimum is the median 2 (W is free).
    data = _data([[0], [0], [0]], [[1], [2], [10]])
    fit = fit_affine(data, make_loss("absolute"))
    assert fit.bias == [2] and fit.risk == 3
    assert fit.subgradients == [[1], [0], [-1]]  # sign(u - y) off the kink


@pytest.mark.solver
def test_hinge_unique_optimum_by_convexity() -> None:
    # x = 0, 1, 2 with labels 1, -1, 1. Since u_1 = (u_0 + u_2) / 2 and max(0, 1 - u) is convex,
    # the loss sum is >= 2 max(0, 1 - u_1) + max(0, 1 + u_1) >= 2, with equality only at
    # u_0 = u_1 = u_2 = 1: W = 0, b = 1, risk 2/3. Samples 0 and 2 sit on the kink; the first-order
    # condition g_0 + 1 + g_2 = 0, g_1 + 2 g_2 = 0 gives g_0 = g_2 = -1/2, inside [-1, 0].
    data = _data([[0], [1], [2]], [[1], [-1], [1]])
    fit = fit_affine(data, make_loss("hinge"))
    assert fit.weight == [[0]] and fit.bias == [1] and fit.risk == F(2, 3)
    assert fit.subgradients == [[F(-1, 2)], [1], [F(-1, 2)]]
    assert check_document(_certificate(data, "hinge", fit)).valid


@pytest.mark.solver
def test_hinge_separable_data_has_zero_risk() -> None:
    data = _data([[-2], [-1], [1], [3]], [[-1], [-1], [1], [1]])
    fit = fit_affine(data, make_loss("hinge"))
    assert fit.risk == 0 and check_document(_certificate(data, "hinge", fit)).valid


@pytest.mark.solver
def test_two_outputs_are_fitted_one_by_one() -> None:
    data = _data([[0], [1], [2]], [[0, 1], [3, -1], [2, 1]])
    for kind, labels_ok in (("absolute", True), ("hinge", False)):
        if not labels_ok:
            data = _data([[0], [1], [2]], [[1, 1], [-1, 1], [1, -1]])
        fit = fit_affine(data, make_loss(kind))
        assert fit.subgradients is not None and len(fit.subgradients[0]) == 2
        assert check_document(_certificate(data, kind, fit)).valid


def test_hinge_labels_must_be_signs() -> None:
    with pytest.raises(InputError, match=r"labels\[1\]\[0\].*-1 or 1"):
        fit_affine(_data([[0], [1]], [[1], [2]]), make_loss("hinge"))


@pytest.mark.solver
def test_a_wrong_subgradient_is_rejected_by_the_checker() -> None:
    # the oracle is not vacuous: moving one kink subgradient breaks the first-order condition
    data = _data([[0], [1], [2]], [[0], [3], [2]])
    cert = _certificate(data, "absolute", fit_affine(data, make_loss("absolute")))
    cert["evidence"][0]["subgradients"][0] = ["1/3"]
    result = check_document(cert)
    assert not result.valid and "first-order" in result.message


# --- never an uncertified fit ------------------------------------------------------------------


def _fake_lp(answer: LpAnswer) -> type[HighsAdapter]:
    class Fake(HighsAdapter):
        def solve_lp(self, program: LinearProgram, time_limit: float = 60.0) -> LpAnswer:
            return answer

    return Fake


def test_a_wrong_lp_answer_raises_instead_of_fitting(monkeypatch: pytest.MonkeyPatch) -> None:
    # The optimum is W = 1, b = 0 (above). A float "solution" W = 0, b = 5/2 with zero duals
    # cannot be rounded to a certificate.
    wrong = LpAnswer("highs", "", "optimal", "fake", 0.0, [0.0, 2.5] + [0.0] * 6, [0.0] * 3)
    monkeypatch.setattr(regression, "HighsAdapter", _fake_lp(wrong))
    with pytest.raises(UnsupportedError, match="could not round the LP solution"):
        fit_affine(_data([[0], [1], [2]], [[0], [3], [2]]), make_loss("absolute"))


def test_no_lp_solution_raises_with_the_solver_status(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = LpAnswer("highs", "", "unavailable", "module 'highspy' is not installed", 0.0)
    monkeypatch.setattr(regression, "HighsAdapter", _fake_lp(missing))
    data = _data([[0], [1], [2]], [[1], [-1], [1]])
    with pytest.raises(UnsupportedError, match="unavailable: module 'highspy'"):
        fit_affine(data, make_loss("hinge"))
    audit = audit_theorem1(data, (1, 3, 1), relu(), make_loss("hinge"))
    assert audit.verdicts == {}
    assert not audit.assumptions.items[0].holds  # "regression minimiser exists"


# --- properties on small random data ----------------------------------------------------------

SMALL = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def instances(draw: st.DrawFn) -> tuple[str, Dataset]:
    kind = draw(st.sampled_from(["absolute", "hinge"]))
    n = draw(st.integers(1, 7))
    d_x = draw(st.integers(1, 2))
    d_y = draw(st.integers(1, 2))
    inputs = draw(st.lists(st.lists(SMALL, min_size=d_x, max_size=d_x), min_size=n, max_size=n))
    label = SMALL if kind == "absolute" else st.sampled_from([F(-1), F(1)])
    labels = draw(st.lists(st.lists(label, min_size=d_y, max_size=d_y), min_size=n, max_size=n))
    return kind, Dataset.from_rows(inputs, labels)


PINNED = [
    # every sample on the kink: collinear data fitted exactly (g = 0)
    ("absolute", _data([[0], [1], [2], [3]], [[1], [2], [3], [4]])),
    # more parameters than samples, and a repeated input with different labels
    ("absolute", _data([[1, 2]], [[3]])),
    ("absolute", _data([[1], [1], [2]], [[0], [1], [5]])),
    ("hinge", _data([[1], [1]], [[1], [-1]])),
    # all labels equal: every u >= 1 is optimal
    ("hinge", _data([[0], [1], [2]], [[1], [1], [1]])),
]


@pytest.mark.solver
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
@example(PINNED[0])
@example(PINNED[1])
@example(PINNED[2])
@example(PINNED[3])
@example(PINNED[4])
def test_the_checker_accepts_the_subgradients(case: tuple[str, Dataset]) -> None:
    kind, data = case
    fit = fit_affine(data, make_loss(kind))
    assert fit.risk == _risk(kind, data, fit.weight, fit.bias)
    result = check_document(_certificate(data, kind, fit))
    assert result.valid and result.claim == "global_min", result.message


@pytest.mark.solver
@settings(deadline=None, max_examples=80)
@given(instances(), st.integers(0, 2**32 - 1))
@example(PINNED[2], 0)
@example(PINNED[4], 0)
def test_no_random_perturbation_is_lower(case: tuple[str, Dataset], seed: int) -> None:
    kind, data = case
    fit = fit_affine(data, make_loss(kind))
    rng = random.Random(seed)
    scales = [F(1), F(1, 10), F(1, 1000), F(1, 10**6)]
    for _ in range(200):
        scale = rng.choice(scales)
        weight = [[w + scale * F(rng.randint(-8, 8), 8) for w in row] for row in fit.weight]
        bias = [b + scale * F(rng.randint(-8, 8), 8) for b in fit.bias]
        assert _risk(kind, data, weight, bias) >= fit.risk


# --- Theorem 1 end to end ---------------------------------------------------------------------


def _signs(data: Dataset) -> Dataset:
    return Dataset.from_rows(
        data.input_rows(), [[F(1) if v > 0 else F(-1) for v in y] for y in data.label_rows()]
    )


@pytest.mark.solver
@pytest.mark.parametrize("kind", ["absolute", "hinge"])
@pytest.mark.parametrize(("widths", "n", "seed"), [((2, 4, 1), 8, 0), ((1, 3, 1), 6, 2)])
def test_theorem1_audit_proves_the_local_minimum(
    kind: str, widths: tuple[int, ...], n: int, seed: int
) -> None:
    data = generated_data(n, widths[0], widths[-1], seed)
    if kind == "hinge":
        data = _signs(data)
    audit = audit_theorem1(data, widths, relu(), make_loss(kind))
    for claim in ("local_min", "valley"):
        assert audit.verdicts[claim].status is Status.PROVED, audit.verdicts[claim].detail
    # (A4) fails for a non-differentiable loss: a lower point is a bonus, never promised; but when
    # one is reported it must be a checked proof, never a rejected certificate.
    spurious = audit.verdicts.get("spurious_local_min")
    assert spurious is None or spurious.status is Status.PROVED
    assert any(a.name.startswith("A4") and a.holds is False for a in audit.assumptions.items)


@pytest.mark.solver
def test_theorem1_absolute_can_find_a_spurious_minimum() -> None:
    # pinned: on this instance Stage 2's witness finds an exactly lower point (gap 5/24); on most
    # small generated instances with absolute / hinge loss it does not (its first-order argument
    # assumes a differentiable loss)
    data = generated_data(6, 1, 1, 0)
    audit = audit_theorem1(data, (1, 3, 1), relu(), make_loss("absolute"))
    verdict = audit.verdicts["spurious_local_min"]
    assert verdict.status is Status.PROVED and verdict.certificate is not None
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid

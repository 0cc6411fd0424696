"""CheckedPoint: the producer's cell, risk, box radius and witness from the checker's evaluator
are exactly the ones the producer's own fmpq evaluation finds (ties and margins included)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losscert.encodings.box as box
import losscert.verifier.regression as regression
import losscert.verifier.stage2 as stage2
from losscert.encodings.cells import locate_cell
from losscert.verifier.certificate import problem_section
from losscert.verifier.checked_point import CheckedPoint

from .test_float_screens import CASES, _stage1
from .test_producer_budgets import _deep

fractions = st.builds(F, st.integers(-50, 50), st.integers(1, 30))


@pytest.mark.parametrize("name", sorted(CASES))
def test_cell_risk_box_and_witness_agree_with_the_producer(name: str) -> None:
    widths = CASES[name][1]
    problem, fit, choice = _stage1(*CASES[name])
    point = CheckedPoint.of(problem_section(problem))
    cell = point.cell()
    assert cell == locate_cell(problem)
    assert point.risk() == problem.risk()
    rho = cell.margin / 2 if cell.margin is not None else F(1)
    radius = point.box_radius(cell, rho, box.first_float_fit(problem, cell, rho))
    assert radius is not None and radius == box.box_radius(problem)
    assert not point.box_fits(cell, 2 * radius) or 2 * radius == rho
    found = stage2.find_witness(problem, fit, choice.alpha, widths[-1], exact_risk=point.risk)
    assert found == stage2.find_witness(problem, fit, choice.alpha, widths[-1])
    if found is not None:  # the witness's forward pass is kept for its certificate
        assert tuple(found.parameters) in point.problem.traces


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_the_cell_of_a_point_with_ties(depth: int) -> None:
    problem = _deep(depth, 3, tie=True)
    cell = CheckedPoint.of(problem_section(problem)).cell()
    assert cell.on_boundary and cell.margin == 0
    assert cell == locate_cell(problem)


def test_a_box_too_large_is_refused_by_the_checker() -> None:
    problem, _, _ = _stage1(*CASES["relu-10-8-8-1-n60"])
    point = CheckedPoint.of(problem_section(problem))
    cell = point.cell()
    assert cell.margin is not None
    assert not point.box_fits(cell, 2 * cell.margin)
    assert point.box_radius(cell, cell.margin, 0) is not None


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("shrink", [1, 2**-20, 2**30, 2**150])
def test_the_float_screen_bisection_finds_the_first_fitting_halving(
    name: str, shrink: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem, _, _ = _stage1(*CASES[name])
    cell = locate_cell(problem)
    rho = (cell.margin / 2 if cell.margin is not None else F(1)) * F(shrink)
    calls: list[float] = []
    original = box._float_fits

    def counted(*args):  # type: ignore[no-untyped-def]
        calls.append(args[3])
        return original(*args)

    monkeypatch.setattr(box, "_float_fits", counted)
    found = box.first_float_fit(problem, cell, rho)
    scan = [original(*_screen_args(problem, cell, float(rho) / 2.0**k)) for k in range(200)]
    assert found == (scan.index(True) if True in scan else 0)
    assert len(calls) <= 2 * 8 + 1  # doubling then bisection: O(log k) propagations


def _screen_args(problem, cell, r):  # type: ignore[no-untyped-def]
    import numpy as np

    act = problem.network.activation
    x, _ = problem.data.to_numpy()
    return (
        problem.network.to_numpy(),
        [np.array(p, dtype=int) for p in cell.pieces],
        x.T,
        r,
        np.array([-np.inf, *map(float, act.breakpoints)]),
        np.array([*map(float, act.breakpoints), np.inf]),
        np.array([float(v) for v in act.slopes]),
        np.array([float(v) for v in act.intercepts]),
    )


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(fractions, min_size=3, max_size=3), min_size=1, max_size=3),
    inputs=st.lists(st.lists(fractions, min_size=3, max_size=3), min_size=1, max_size=6),
)
def test_the_fit_predictions_are_the_fraction_dot_products(
    rows: list[list[F]], inputs: list[list[F]]
) -> None:
    expected = [[sum((r[c] * x[c] for c in range(3)), F(0)) for r in rows] for x in inputs]
    assert regression._affine_values(rows, inputs) == expected


@pytest.mark.parametrize(("n", "width", "seed"), [(30, 4, 0), (25, 5, 3)])
def test_the_audit_numbers_agree_with_the_fraction_oracle(n: int, width: int, seed: int) -> None:
    """The audit's numbers now come from the checker's integer evaluator in one session; the
    former Fraction evaluation (tests/support/fraction_checker.py) gives the same risk, pattern,
    margin and witness risk, and accepts the same box."""
    from losscert.checker.numbers import rational
    from losscert.model import make_loss, relu
    from losscert.theorems.instances import generated_data
    from losscert.theorems.theorem1 import audit_theorem1
    from tests.support import fraction_checker as oracle

    widths = (3, width, width, 1)
    audit = audit_theorem1(generated_data(n, 3, 1, seed), widths, relu(), make_loss("squared"))
    certificate = audit.verdicts["spurious_local_min"].certificate
    assert certificate is not None
    problem = CheckedPoint.of(certificate["problem"]).problem
    steps = {s["id"]: s for s in certificate["evidence"]}

    def oracle_risk(theta: list[F]) -> F:
        _, outputs = oracle.forward(problem, theta)
        total = sum(
            ((f[0] - y[0]) ** 2 for f, y in zip(outputs, problem.labels, strict=True)), F(0)
        )
        return total / n

    pre, _ = oracle.forward(problem, problem.point)
    pattern, margin = oracle.pattern_and_margin(problem, pre)
    assert rational(steps["risk"]["value"], "risk") == oracle_risk(problem.point)
    assert steps["cell"]["pattern"] == pattern
    assert rational(steps["cell"]["margin"], "margin") == margin
    lower = [rational(v, "point") for v in steps["lower"]["point"]]
    assert rational(steps["lower"]["risk"], "risk") == oracle_risk(lower)
    rho = rational(steps["box"]["radius"], "radius")
    act = problem.activation

    def region(j: int, r: int, i: int):  # type: ignore[no-untyped-def]
        k = pattern[j][r][i]
        assert k is not None
        return (*act.bounds(k), oracle.affine_image(act, k))

    assert oracle.box_fits(problem, rho, region)


def test_a_section_the_checker_refuses_gives_unknown_verdicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fail closed: if the checker cannot read the audit's problem section, every claim is
    UNKNOWN (checker_rejected) with the checker's message, never an exception."""
    from losscert.checker import session as session_module
    from losscert.checker.result import Invalid
    from losscert.model import make_loss, relu
    from losscert.theorems.instances import generated_data
    from losscert.theorems.theorem1 import audit_theorem1
    from losscert.verifier.verdict import Status

    def refuse(obj, base_dir, minor=0):  # type: ignore[no-untyped-def]
        raise Invalid("problem.point: refused for the test")

    monkeypatch.setattr(session_module, "read_problem", refuse)
    audit = audit_theorem1(generated_data(20, 3, 1, 0), (3, 4, 4, 1), relu(), make_loss("squared"))
    assert {c: v.status for c, v in audit.verdicts.items()} == {
        "local_min": Status.UNKNOWN,
        "spurious_local_min": Status.UNKNOWN,
        "valley": Status.UNKNOWN,
    }
    assert all(v.reason == "checker_rejected" for v in audit.verdicts.values())
    assert "refused for the test" in audit.verdicts["local_min"].detail

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

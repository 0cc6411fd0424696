"""The float screens of the producer (Stage 2 witness, box radius) only skip work: with them, the
audit finds exactly what the exact search alone finds (same radius, same witness), and a loss
without a float form here falls back to the exact search from the start."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import losscert.encodings.box as box
import losscert.verifier.stage2 as stage2
from losscert.encodings.cells import locate_cell
from losscert.model import Problem, make_loss, relu
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.theorems.instances import builtin_instances, generated_data
from losscert.verifier.regression import fit_affine

INSTANCES = {i.name: i for i in builtin_instances()}
NAMES = ["relu-depth2-dy1", "hardtanh-depth3-dy2", "abs-depth4-dy3", "three_pieces-depth5-dy1"]


def _stage1(data, widths, activation, loss):  # type: ignore[no-untyped-def]
    fit = fit_affine(data, loss)
    choice = choose_collapse(activation, fit)
    return Problem(collapse_network(widths, activation, fit, choice), loss, data), fit, choice


def _cases():  # type: ignore[no-untyped-def]
    for name in NAMES:
        i = INSTANCES[name]
        yield name, (i.data(), i.widths, i.activation, i.loss)
    yield (
        "relu-10-8-8-1-n60",
        (generated_data(60, 10, 1, 0), (10, 8, 8, 1), relu(), make_loss("squared")),
    )
    yield (
        "relu-3-6-6-1-n40-absolute",
        (generated_data(40, 3, 1, 1), (3, 6, 6, 1), relu(), make_loss("absolute")),
    )


CASES = dict(_cases())


def _exact_radius(problem: Problem) -> F | None:
    cell = locate_cell(problem)
    rho = cell.margin / 2 if cell.margin is not None else F(1)
    for _ in range(box.MAX_HALVINGS):
        if box.box_fits(problem, cell, rho):
            return rho
        rho /= 2
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_box_radius_is_the_exact_search_radius(name: str) -> None:
    problem, _, _ = _stage1(*CASES[name])
    assert box.box_radius(problem) == _exact_radius(problem)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_witness_is_the_exact_search_witness(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    widths = CASES[name][1]
    problem, fit, choice = _stage1(*CASES[name])
    found = stage2.find_witness(problem, fit, choice.alpha, spare=widths[-1])
    monkeypatch.setattr(stage2, "_first_float_drop", lambda *args: 0)
    exact = stage2.find_witness(problem, fit, choice.alpha, spare=widths[-1])
    assert found == exact


def test_a_loss_without_a_float_form_starts_the_exact_search_at_eps_1() -> None:
    data, widths, activation, _ = CASES["relu-10-8-8-1-n60"]
    problem, fit, _ = _stage1(data, widths, activation, make_loss("huber", F(1, 2)))
    assert (
        stage2._first_float_drop(problem, fit.risk, widths[-1], ([F(0)] * widths[0], F(0)), [F(1)])
        == 0
    )

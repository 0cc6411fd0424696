"""Boundary points of one-hidden-layer networks: realisable side choices, the adjacent_regions
step (docs/certificate.md 3.16, since 1.1) and the adjacent-cones route of local_min (issue 14)."""

from __future__ import annotations

import copy
import itertools
from fractions import Fraction

import pytest

from losscert import checker
from losscert.encodings.cells import adjacent_cells, locate_cell
from losscert.encodings.sign_systems import side_choices, strict_witness
from losscert.model.dataset import Dataset
from losscert.verifier.boundary_cones import decide_by_cones
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions
from losscert.verifier.verdict import Status

from ..support.tie_instances import tied_minimiser

F = Fraction


def test_side_choices_of_points_on_a_line_are_the_2m_threshold_patterns() -> None:
    # u_i = [x_i, 1] with 5 distinct values among 6: sign(a x + b) has 2 * 5 = 10 patterns.
    xs = [-2, -1, -1, 0, 1, 3]
    found = side_choices([[F(x), F(1)] for x in xs])
    assert len(found.realisable) == 10
    for sides, d in found.realisable:
        assert all((d[0] * x + d[1] > 0) == bool(s) for x, s in zip(xs, sides, strict=True))
        assert all(d[0] * x + d[1] != 0 for x in xs)


@pytest.mark.parametrize("seed", range(6))
def test_side_choices_agree_with_the_brute_force_over_all_choices(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    vectors = [[F(rnd.randint(-2, 2)), F(rnd.randint(-2, 2)), F(1)] for _ in range(6)]
    brute = set()
    for sides in itertools.product((0, 1), repeat=len(vectors)):
        signed = [v if s else [-a for a in v] for v, s in zip(vectors, sides, strict=True)]
        if isinstance(strict_witness(signed), tuple):
            brute.add(sides)
    found = side_choices(vectors)
    assert {s for s, _ in found.realisable} == brute
    for prefix, mu in found.pruned:  # each Gordan vector proves its prefix empty
        assert all(m >= 0 for m in mu) and any(mu)
        signed = [v if s else [-a for a in v] for v, s in zip(vectors, prefix, strict=False)]
        assert all(sum(m * u[c] for m, u in zip(mu, signed, strict=False)) == 0 for c in range(3))


@pytest.mark.parametrize(("d", "n", "cells"), [(1, 13, 14), (2, 17, 58)])
def test_the_issue_instances_have_few_realisable_adjacent_cells(d: int, n: int, cells: int) -> None:
    problem = tied_minimiser(d, n)
    cell = locate_cell(problem)
    adjacent = adjacent_cells(problem, cell)
    assert len(cell.ties) == n  # the zero neuron: every sample on the breakpoint
    assert adjacent.complete and adjacent.count == cells


@pytest.mark.parametrize(("d", "n"), [(1, 13), (2, 17)])
def test_a_global_minimiser_with_many_ties_is_proved_a_local_minimum_without_smt(
    d: int, n: int
) -> None:
    problem = tied_minimiser(d, n)
    assert problem.risk() == (F(4, 39) if d == 1 else F(16, 153))  # within-duplicate variance
    verdict = certify_local_min(problem, SmtOptions(lifted=False))  # the cones, not the lifting
    assert verdict.status is Status.PROVED
    assert "adjacent combinations" in verdict.stats["method"]
    document = verdict.certificate
    assert document["minor"] == 1
    kinds = [s["kind"] for s in document["evidence"]]
    assert kinds[:2] == ["risk", "adjacent_regions"] and "smt" not in " ".join(kinds)
    assert checker.check_document(document).valid


def _certificate() -> dict:
    problem = tied_minimiser(1, 13)
    verdict = decide_by_cones(problem, locate_cell(problem))
    assert verdict is not None and verdict.status is Status.PROVED
    return verdict.certificate


def _invalid(document: dict, words: str) -> None:
    result = checker.check_document(document)
    assert result.status == "invalid", result.message
    assert words in result.message, result.message


def test_dropping_a_realisable_side_choice_makes_the_listing_incomplete() -> None:
    document = _certificate()
    mutated = copy.deepcopy(document)
    zero = mutated["evidence"][1]["neurons"][2]
    zero["sides"].pop(3)
    _invalid(mutated, "incomplete")


def test_a_neuron_without_listed_choices_is_invalid() -> None:
    mutated = copy.deepcopy(_certificate())
    mutated["evidence"][1]["neurons"][0]["sides"] = []
    _invalid(mutated, "non-empty list")


def test_a_wrong_gordan_vector_is_invalid() -> None:
    mutated = copy.deepcopy(_certificate())
    entry = mutated["evidence"][1]["neurons"][2]["pruned"][0]
    entry["farkas"] = ["1"] + ["0"] * (len(entry["farkas"]) - 1)  # one x~_i alone is not 0
    _invalid(mutated, "not a Gordan proof")


def test_pruning_a_realisable_prefix_is_impossible() -> None:
    document = _certificate()
    zero = document["evidence"][1]["neurons"][2]
    realisable = zero["sides"][0]
    mutated = copy.deepcopy(document)
    mutated["evidence"][1]["neurons"][2]["pruned"].append(
        {"prefix": realisable[:1], "farkas": ["1"]}
    )
    _invalid(mutated, "not a Gordan proof")


def test_a_bound_below_the_risk_does_not_conclude_local_min() -> None:
    document = _certificate()
    mutated = copy.deepcopy(document)
    mutated["evidence"][0]["value"] = "1"  # the risk step itself fails first
    _invalid(mutated, "risk")
    mutated = copy.deepcopy(document)
    mutated["evidence"] = mutated["evidence"][:2]
    _invalid(mutated, "combination 0 of adjacent regions")


def test_the_step_needs_minor_version_1() -> None:
    document = {**_certificate(), "minor": 0}
    _invalid(document, "from version 1.1 on")


def test_a_zero_output_weight_allows_both_signs_and_a_lower_cone_point_refutes() -> None:
    problem = tied_minimiser(1, 13)
    names = problem.network.parameter_names()
    values = problem.network.parameter_vector()
    values[names.index("W2_0_2")] = F(1)  # the tied neuron now has a non-zero output weight
    moved = problem.with_network(problem.network.with_parameters(values))
    rows = moved.data.input_rows()
    labels = [
        [y[0] + (1 if x[0] > 0 else 0)] for x, y in zip(rows, moved.data.label_rows(), strict=True)
    ]
    shifted = type(moved)(moved.network, moved.loss, Dataset.from_rows(rows, labels))
    verdict = decide_by_cones(shifted, locate_cell(shifted))
    assert verdict is not None and verdict.status is Status.REFUTED
    assert verdict.certificate["evidence"][0]["kind"] == "descent_direction"
    assert checker.check_document(verdict.certificate).valid

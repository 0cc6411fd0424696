"""smt_adjacent_no_lower_point (certificate 1.1): one simplified query per realisable adjacent
cell; unreachable side choices of first-layer neurons pruned by Gordan vectors. The solvers are
replaced by a fake that answers unsat: this tests the producer's choices and the checker's rules,
not the solvers."""

from __future__ import annotations

import copy

import pytest

from losscert import checker
from losscert.backends.smt import SmtAnswer
from losscert.verifier import smt_route
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions
from losscert.verifier.verdict import Status

from ..support.tie_instances import tied_minimiser

FAKE = {n: SmtAnswer(n, "1", "unsat", "", 0.0) for n in ("z3", "cvc5")}


@pytest.fixture
def certificate(monkeypatch: pytest.MonkeyPatch) -> dict:
    sent: list[str] = []

    def fake(text: str, timeout: float) -> dict[str, SmtAnswer]:
        sent.append(text)
        return FAKE

    monkeypatch.setattr(smt_route, "solve_with_all", fake)
    problem = tied_minimiser(1, 5)  # a zero neuron tied on 5 samples with 3 distinct inputs
    verdict = certify_local_min(problem, SmtOptions(convex=False))
    assert verdict.status is Status.PROVED and verdict.certificate is not None
    assert len(sent) == 6  # 2 * 3 threshold patterns, not 2^5 = 32
    return verdict.certificate


def _step(document: dict) -> dict:
    return next(s for s in document["evidence"] if s["kind"] == "smt_adjacent_no_lower_point")


def test_only_realisable_cells_are_queried_and_the_rest_pruned(certificate: dict) -> None:
    step = _step(certificate)
    assert certificate["minor"] == 1
    assert len(step["queries"]) == 6 and step["pruned"] and step["simplified"] is True
    assert all(p["neuron"] == 2 for p in step["pruned"])
    result = checker.check_document(certificate)
    assert result.valid and len(result.trust_gaps) == 1
    # every query the gap rests on is handed to `check --solvers` (labelled by its sides)
    texts = {q["smtlib"] for q in step["queries"]}
    assert len(result.gap_queries) == 6 and {t for _, _, t in result.gap_queries} == texts
    assert all("(sides [" in label for _, label, _ in result.gap_queries)


def test_a_missing_gordan_proof_leaves_a_choice_without_a_query(certificate: dict) -> None:
    mutated = copy.deepcopy(certificate)
    _step(mutated)["pruned"].pop()
    result = checker.check_document(mutated)
    assert result.status == "invalid" and "no query for the side choice" in result.message


def test_a_wrong_gordan_vector_is_invalid(certificate: dict) -> None:
    mutated = copy.deepcopy(certificate)
    entry = _step(mutated)["pruned"][0]
    entry["farkas"] = ["1"] + ["0"] * (len(entry["farkas"]) - 1)
    result = checker.check_document(mutated)
    assert result.status == "invalid" and "not a Gordan proof" in result.message


def test_the_query_text_must_be_the_simplified_canonical_one(certificate: dict) -> None:
    mutated = copy.deepcopy(certificate)
    del _step(mutated)["simplified"]
    result = checker.check_document(mutated)
    assert result.status == "invalid" and "not the canonical query" in result.message


def test_one_unsat_answer_is_not_enough(certificate: dict) -> None:
    mutated = copy.deepcopy(certificate)
    _step(mutated)["queries"][0]["solvers"][1]["answer"] = "unknown"
    result = checker.check_document(mutated)
    assert result.status == "invalid" and "fewer than two" in result.message


def test_the_step_needs_minor_version_1(certificate: dict) -> None:
    result = checker.check_document({**certificate, "minor": 0})
    assert result.status == "invalid" and "from version 1.1 on" in result.message

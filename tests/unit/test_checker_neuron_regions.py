"""The checker's `neuron_regions` step: it accepts what the enumeration produces and rejects a
dropped region, a wrong witness, a bad Farkas vector, a missing pruned prefix, and the rest."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.checker.problem import read_problem
from losscert.checker.result import Invalid
from losscert.checker.steps import STEP_KINDS
from losscert.encodings.arrangement import arrangement_step, neuron_regions

from ..conftest import EXAMPLES

CERTS = EXAMPLES / "certificates"


def _with_regions(name: str) -> dict[str, Any]:
    """An example certificate (valid) with a neuron_regions step of its own data appended: an
    extra verified step does no harm, so the whole certificate is valid exactly when the step is."""
    doc = json.loads((CERTS / f"{name}.cert.json").read_text(encoding="utf-8"))
    problem = doc["problem"]
    inputs = [[F(v) for v in x] for x in problem["data"]["inputs"]]
    bps = [F(p) for p in problem["activation"]["breakpoints"]]
    doc["evidence"].append(arrangement_step(neuron_regions(inputs, bps)))
    return doc


def _regions(doc: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in doc["evidence"] if s["kind"] == "neuron_regions")


def _invalid(doc: dict[str, Any], *fragments: str) -> str:
    result = check_document(doc)
    assert result.status == "invalid", result.message
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result.message


def verify_step(problem: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """The step alone, through the checker's step table (no claim needed)."""
    return STEP_KINDS["neuron_regions"].verify(
        read_problem(problem, Path(".")), step, {}, "regions"
    )


RELU = "relu_spurious_local_min"
HARDTANH = "hardtanh_strict_local_min"


@pytest.mark.parametrize("name", [RELU, HARDTANH])
def test_the_produced_step_is_accepted(name: str) -> None:
    doc = _with_regions(name)
    result = check_document(doc)
    assert result.valid, result.message
    facts = verify_step(doc["problem"], _regions(doc))
    assert len(facts["patterns"]) == len(_regions(doc)["regions"])


def test_relu_example_facts_by_hand() -> None:
    # x = 0, 1, 2, 3 and relu: monotone 0/1 sequences of length 4, 8 of them
    doc = _with_regions(RELU)
    facts = verify_step(doc["problem"], _regions(doc))
    assert facts["patterns"] == (
        (0, 0, 0, 0),
        (0, 0, 0, 1),
        (0, 0, 1, 1),
        (0, 1, 1, 1),
        (1, 0, 0, 0),
        (1, 1, 0, 0),
        (1, 1, 1, 0),
        (1, 1, 1, 1),
    )


@pytest.mark.parametrize("index", range(8))
def test_every_dropped_region_is_caught(index: int) -> None:
    doc = _with_regions(RELU)
    dropped = _regions(doc)["regions"].pop(index)
    message = _invalid(doc, "step regions", "incomplete: prefix [")
    missing = json.loads(message.split("incomplete: prefix ")[1].split("]")[0] + "]")
    assert dropped["pattern"][: len(missing)] == missing  # the first prefix left uncovered


def test_dropped_pruned_prefix_is_caught() -> None:
    doc = _with_regions(HARDTANH)
    assert _regions(doc)["pruned"]
    gone = _regions(doc)["pruned"].pop(0)
    _invalid(doc, "incomplete", str(gone["prefix"]))


def test_wrong_witness() -> None:
    doc = _with_regions(RELU)
    region = _regions(doc)["regions"][1]
    region["witness"] = ["0", "-1"]  # the witness of the all-zero pattern
    _invalid(doc, "regions[1]", "not strictly inside piece 1 on sample 3", "derived: -1")
    doc = _with_regions(RELU)
    _regions(doc)["regions"][0]["witness"] = ["0", "0"]  # on the breakpoint: not strictly inside
    _invalid(doc, "regions[0]", "not strictly inside")


def test_bad_farkas_vectors() -> None:
    base = _with_regions(RELU)
    entry = _regions(base)["pruned"][1]
    assert entry == {"prefix": [0, 1, 0], "farkas": ["1", "2", "1"]}
    for farkas, fragment in [
        (["1", "1", "1"], "is not zero"),
        (["-1", "-2", "-1"], "negative"),
        (["0", "0", "0"], "every multiplier is zero"),
        (["1", "2"], "expected 3 entries"),
        (["1", "2", "1/2"], "is not zero"),
    ]:
        doc = copy.deepcopy(base)
        _regions(doc)["pruned"][1]["farkas"] = farkas
        _invalid(doc, "pruned[1]", fragment)
    doc = copy.deepcopy(base)
    _regions(doc)["pruned"][1]["farkas"] = ["2", "4", "2"]
    assert check_document(doc).valid  # a positive multiple is as good


def test_negative_rhs_sum_is_caught() -> None:
    # with breakpoints -1 and 1 and x = -2, 0, the prefix (1, 0) is not empty (z_0 in (-1, 1),
    # z_1 < -1): its first two constraints add up to 0, but with sum mu b = -2 < 0
    problem = json.loads((CERTS / f"{HARDTANH}.cert.json").read_text(encoding="utf-8"))["problem"]
    inputs = [[F(v) for v in x] for x in problem["data"]["inputs"]]
    step = arrangement_step(neuron_regions(inputs, [F(-1), F(1)]))
    step["pruned"].append({"prefix": [1, 0], "farkas": ["1", "1", "0"]})
    with pytest.raises(Invalid, match="is negative"):
        verify_step(problem, step)


def test_pattern_shape_and_duplicates() -> None:
    for mutate, fragment in [
        (lambda s: s["regions"][0]["pattern"].pop(), "expected 4 piece indices"),
        (lambda s: s["regions"][0]["pattern"].__setitem__(0, 2), "outside [0, 1]"),
        (lambda s: s["regions"][0]["pattern"].__setitem__(0, True), "expected an integer"),
        (lambda s: s["regions"].append(copy.deepcopy(s["regions"][0])), "listed twice"),
        (lambda s: s["pruned"][0]["prefix"].clear(), "outside [1, 4]"),
        (lambda s: s["regions"][0].update(extra=1), "unknown field"),
        (lambda s: s["regions"][0]["witness"].append("1"), "expected 2 entries"),
        (lambda s: s.update(pruned={}), "must be lists"),
    ]:
        doc = _with_regions(RELU)
        mutate(_regions(doc))
        _invalid(doc, fragment)


def test_empty_list_is_incomplete() -> None:
    doc = _with_regions(RELU)
    _regions(doc)["regions"] = []
    _regions(doc)["pruned"] = []
    _invalid(doc, "incomplete: prefix [0]")


def test_only_one_hidden_layer() -> None:
    doc = _with_regions(RELU)
    problem = doc["problem"]
    problem["widths"] = [1, 2, 2, 1]
    problem["point"] = ["0"] * (2 * 2 + 2 * 3 + 3)
    with pytest.raises(Invalid, match="one hidden layer"):
        verify_step(problem, _regions(doc))


def test_extra_pruned_prefix_that_is_empty_is_harmless() -> None:
    doc = _with_regions(RELU)
    extra = {"prefix": [0, 1, 0, 1], "farkas": ["1", "2", "1", "0"]}
    _regions(doc)["pruned"].append(extra)
    assert check_document(doc).valid

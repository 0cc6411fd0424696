"""Section 7 limits of two 1.1 steps, checked before their work (review findings): a valid
certificate becomes invalid, naming the limit, once the limit is set below its size."""

from __future__ import annotations

import json
from typing import Any

import pytest

from losscert import checker
from losscert.checker import limits
from losscert.checker.arrangement import _missing_children
from losscert.verifier import Status
from losscert.verifier.minimum_box import certify_minimum_in_box

from .test_minimum_box import OFF, _hardtanh_fit


def _sparse_regions_certificate(n: int) -> dict[str, Any]:
    """n equal inputs, ReLU, widths [1, 1, 1]: two patterns (all 0, all 1); every other prefix is
    emptied by a two-entry Farkas vector (sample 0 against sample j)."""
    order = [len(p) - 1 for p in _missing_children([tuple([0] * n), tuple([1] * n)], n, 2)]
    zeros = ["0"] * (n + 1)
    return {
        "format": "losscert-certificate",
        "version": 1,
        "minor": 1,
        "problem": {
            "widths": [1, 1, 1],
            "activation": {"breakpoints": ["0"], "slopes": ["0", "1"], "intercepts": ["0", "0"]},
            "loss": {"kind": "squared"},
            "data": {"inputs": [["1"]] * n, "labels": [["0"]] * n},
            "point": ["1", "1", "1", "0"],
        },
        "claim": {"kind": "global_lower_bound", "bound": "0"},
        "evidence": [
            {
                "id": "regions",
                "kind": "neuron_regions_sparse",
                "regions": [["0", "-1"], ["0", "1"]],
                "values": ["1"],
                "farkas": [[0, 0, j, 0] for j in range(1, n)],
                "pruned": [j - 1 for j in order],
            },
            {
                "id": "bound",
                "kind": "convex_lower_bound",
                "blocks": [
                    {"pattern": [k] * n, "sign": s, "multipliers": zeros}
                    for k in (0, 1)
                    for s in (1, -1)
                ],
                "outputs": ["0"] * n,
                "subgradients": ["0"] * n,
                "bound": "0",
            },
        ],
        "provenance": {},
    }


def test_the_sparse_walk_is_limited_by_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 40
    document = _sparse_regions_certificate(n)
    assert checker.check_text(json.dumps(document)).valid
    work = (2 + len(document["evidence"][0]["pruned"])) * n * 2
    monkeypatch.setattr(limits, "MAX_ARRANGEMENT_WORK", work)
    assert checker.check_text(json.dumps(document)).valid  # at the limit: checked
    monkeypatch.setattr(limits, "MAX_ARRANGEMENT_WORK", work - 1)
    result = checker.check_text(json.dumps(document))
    assert result.status == "invalid" and "completeness walk" in result.message


def test_the_box_step_is_limited_by_its_jet_work(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = certify_minimum_in_box(_hardtanh_fit(2 + OFF))
    assert verdict.status is Status.PROVED
    n, size = 4, 4  # four samples; w, b, c, d
    monkeypatch.setattr(limits, "MAX_JET_WORK", n * size * size)
    assert checker.check_document(verdict.certificate).valid
    monkeypatch.setattr(limits, "MAX_JET_WORK", n * size * size - 1)
    result = checker.check_document(verdict.certificate)
    assert result.status == "invalid" and "exact derivatives" in result.message

"""Section 7, MAX_PRODUCT_WORK: the integer forward pass is bounded by the size of its numbers,
not only by n P (review finding F1: parameters with many distinct 250-bit denominators made one
pass over 10 samples take about 40 s while n P was 0.3% of its limit)."""

from __future__ import annotations

import copy
import json
import random
from fractions import Fraction
from typing import Any

import pytest

from losscert import checker
from losscert.checker import limits

from ..conftest import EXAMPLES


def _example() -> dict[str, Any]:
    path = EXAMPLES / "certificates" / "relu_spurious_local_min.cert.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _hostile_point(size: int, bits: int) -> list[str]:
    """``size`` parameters, each with its own odd ``bits``-bit denominator: their common
    denominator has about size * bits bits."""
    rng = random.Random(0)
    return [
        str(
            Fraction(
                rng.randint(2**bits, 2 ** (bits + 1)), 2**bits + 2 * rng.randrange(2**bits) + 1
            )
        )
        for _ in range(size)
    ]


def test_the_examples_are_far_inside_the_limit() -> None:
    assert checker.check_document(_example()).valid


def test_the_limit_is_checked_before_the_product(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_PRODUCT_WORK", 0)
    result = checker.check_document(_example())
    assert result.status == "invalid"
    assert "section 7" in result.message and "exact forward pass" in result.message


def test_a_small_file_with_huge_numbers_is_refused() -> None:
    """Widths 10-32-32-1 and 4 samples (n P = 5,764, a file of about 0.4 MB): with 250-bit
    denominators the second layer's common denominator has about 264,000 bits; without the
    limit this pass takes tens of seconds, with it the certificate is invalid after the first
    layer."""
    doc = copy.deepcopy(_example())
    widths = [10, 32, 32, 1]
    size = sum(widths[j] * (widths[j - 1] + 1) for j in range(1, len(widths)))
    doc["problem"]["widths"] = widths
    doc["problem"]["data"] = {
        "inputs": [[str(Fraction(k + i, 16)) for k in range(10)] for i in range(4)],
        "labels": [["0"]] * 4,
    }
    doc["problem"]["point"] = _hostile_point(size, 250)
    result = checker.check_document(doc)
    assert result.status == "invalid"
    assert "section 7" in result.message and "4 samples" in result.message

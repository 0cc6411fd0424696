"""docs/certificate.md section 7: each checker limit refuses an oversized certificate before
the work it bounds (these certificates took minutes to hours before issue 15), and a certificate
just within every limit is still checked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from losscert.checker import check_document, limits

from ..conftest import EXAMPLES

RELU = {"breakpoints": ["0"], "slopes": ["0", "1"], "intercepts": ["0", "0"]}


def _one_hidden(width: int, n: int, claim: str, evidence: list[dict[str, Any]]) -> dict[str, Any]:
    size = 3 * width + 1
    return {
        "format": "losscert-certificate",
        "version": 1,
        "problem": {
            "widths": [1, width, 1],
            "activation": RELU,
            "loss": {"kind": "squared"},
            "data": {
                "inputs": [[str(i + 1)] for i in range(n)],
                "labels": [[str(i % 3)] for i in range(n)],
            },
            "point": ["1"] * size,
        },
        "claim": {"kind": claim},
        "evidence": evidence,
        "provenance": {},
    }


def _cell(width: int, n: int) -> dict[str, Any]:
    return {"id": "cell", "kind": "cell", "pattern": [[[1] * n] * width], "margin": "2"}


def _quick(document: dict[str, Any]) -> str:
    result = check_document(document)  # before the limits, minutes to hours
    assert result.status == "invalid"
    return result.message


def test_a_hessian_beyond_the_parameter_limit() -> None:
    width = limits.MAX_JET_PARAMETERS // 3 + 1  # P = 3 w + 1 > the limit
    size = 3 * width + 1
    hessian = {"id": "h", "kind": "hessian_pd", "uses": ["cell"], "pivots": ["1"] * size}
    message = _quick(_one_hidden(width, 2, "strict_local_min", [_cell(width, 2), hessian]))
    assert f"beyond the limit of {limits.MAX_JET_PARAMETERS}" in message and "section 7" in message


def test_a_gradient_beyond_the_work_limit() -> None:
    width, n = 600, 10  # P = 1801, n P^2 = 3.2e7: minutes before the limit
    gradient = {"id": "g", "kind": "gradient_zero", "uses": ["cell"]}
    message = _quick(_one_hidden(width, n, "strict_local_min", [_cell(width, n), gradient]))
    assert "n * P^2" in message and str(limits.MAX_JET_WORK) in message


def test_too_many_samples_times_parameters() -> None:
    n = limits.MAX_FORWARD_WORK // 301 + 1  # P = 301
    document = _one_hidden(100, n, "local_min", [{"id": "r", "kind": "risk", "value": "0"}])
    message = _quick(document)
    assert "n * P" in message and str(limits.MAX_FORWARD_WORK) in message


def _valley(degree: int) -> dict[str, Any]:
    document = json.loads((EXAMPLES / "certificates" / "relu_valley.cert.json").read_text())
    path = next(s for s in document["evidence"] if s["kind"] == "path")
    pad = ["0"] * (degree + 1 - len(path["denominator"]))
    path["denominator"] = path["denominator"] + pad
    return document


def test_a_path_beyond_the_degree_limit() -> None:
    message = _quick(_valley(limits.MAX_PATH_DEGREE + 1))
    assert f"degree {limits.MAX_PATH_DEGREE + 1}" in message and "section 7" in message
    # the degree of a path is the length of its lists, whatever the coefficients: padding with
    # zeros within the limit changes nothing
    assert check_document(_valley(limits.MAX_PATH_DEGREE)).valid


@pytest.mark.parametrize("name", sorted(p.name for p in (EXAMPLES / "certificates").glob("*.json")))
def test_the_examples_are_within_every_limit(name: str) -> None:
    document = json.loads((EXAMPLES / "certificates" / name).read_text())
    assert check_document(document, EXAMPLES / "certificates").valid


def test_the_theorem1_speed_rows_are_within_the_limits() -> None:
    """Issue 12's rows (benchmarks/README.md): relu 10-32-32-1 at n = 5000 and 10-128-128-1 at
    n = 250, with the valley's degree-2 path through three layers."""
    assert limits.size_over_limits((10, 32, 32, 1), 5000) is None
    assert limits.size_over_limits((10, 128, 128, 1), 250) is None
    assert limits.MAX_PATH_WORK >= 5000 * 64 * (3 * 2 + 1) ** 2
    assert limits.MAX_PATH_WORK >= 250 * 256 * (3 * 2 + 1) ** 2

"""Exit codes that tell verdicts apart, ``--expect``, JSON error objects and exact numbers with
their decimals, through ``losscert.cli.main``."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from losscert.checker import check_certificate
from losscert.cli import main
from losscert.cli.common import combined_status, exact_json, exact_text, verdict_exit, with_decimals
from tests.conftest import EXAMPLES

COLLAPSE = str(EXAMPLES / "relu_linear_collapse.json")  # a spurious local minimum
BOUNDARY = str(EXAMPLES / "hardtanh_boundary.json")  # not a local minimum (a descent)
LOGISTIC = str(EXAMPLES / "abs_logistic.json")  # the logistic loss: UNKNOWN (unsupported)


def test_verdict_exit_codes_by_hand() -> None:
    assert [verdict_exit(s) for s in ("proved", "refuted", "unknown")] == [0, 1, 3]
    assert [verdict_exit(s, "refuted") for s in ("proved", "refuted", "unknown")] == [1, 0, 3]
    assert [verdict_exit(s, "proved") for s in ("proved", "refuted", "unknown")] == [0, 1, 3]
    assert combined_status(["proved", "unknown"]) == "unknown"
    assert combined_status(["unknown", "refuted"]) == "refuted"
    assert combined_status(["proved", "proved"]) == "proved"
    assert combined_status([]) == "unknown"


def test_exact_numbers_carry_their_decimals() -> None:
    assert exact_text("9/20") == "9/20 (~0.45)" and exact_text("4/2") == "2"
    assert exact_json("-1/3") == {"exact": "-1/3", "decimal": "-0.333333333333"}
    assert exact_json(None) is None
    text = "bound 23/60 < R = 7/15 for leaky_relu:1/100 in dir/1/2"
    assert with_decimals(text) == (
        "bound 23/60 (~0.383333) < R = 7/15 (~0.466667) for leaky_relu:1/100 in dir/1/2"
    )


@pytest.mark.parametrize(
    ("problem", "extra", "code", "verdict"),
    [
        (COLLAPSE, [], 0, "PROVED"),
        (BOUNDARY, [], 1, "REFUTED"),
        (LOGISTIC, [], 3, "UNKNOWN"),
        (BOUNDARY, ["--expect", "refuted"], 0, "REFUTED"),
        (COLLAPSE, ["--expect", "refuted"], 1, "PROVED"),
        (LOGISTIC, ["--expect", "proved"], 3, "UNKNOWN"),
    ],
)
def test_certify_exits_with_its_verdict(
    problem: str, extra: list[str], code: int, verdict: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["certify", problem, *extra]) == code
    assert f"verdict {verdict}" in capsys.readouterr().out


def test_certify_json_is_complete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["certify", COLLAPSE, "--json", "--out", str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["problem"] == COLLAPSE and record["verdict"] == "proved"
    assert record["exit_code"] == 0 and record["name"]
    assert record["risk"] == {"exact": "9/20", "decimal": "0.45", "lower": None, "upper": None}
    local, spurious = record["verdicts"]
    assert local["claim"] == "local_min" and local["status"] == "proved"
    assert spurious["witness_risk"] == {"exact": "1/8", "decimal": "0.125"}
    assert record["written"] == [local["certificate"], spurious["certificate"]]
    assert all(check_certificate(path).valid for path in record["written"])


def test_certify_json_of_a_non_rational_risk_gives_its_bounds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["certify", LOGISTIC, "--json"]) == 3
    risk = json.loads(capsys.readouterr().out)["risk"]
    assert risk["exact"] is None and Fraction(risk["lower"]) < Fraction(risk["upper"])
    assert risk["decimal"] == "1.04796999817"


@pytest.mark.parametrize(
    "argv",
    [
        ["certify", "--json", "missing.json"],
        ["global", "--json", str(EXAMPLES / "leaky_relu_deep_huber.json")],
        ["cells", "--json", "missing.json"],
        ["audit", "theorem1", "--json", "--data", "missing.csv", "--widths", "1,2,1"],
        ["import", "--json", "missing.pt", "--data", "missing.csv", "-o", "out.json"],
        ["plot", "--json", "missing.json", "-o", "out.png"],
        ["certify", "--json", COLLAPSE, "--timeout", "-1"],
    ],
)
def test_errors_under_json_print_an_error_object(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exit:  # a usage error, from argparse
        code = exit.code
    assert code == 2
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["exit_code"] == 2 and error["message"] and error["message"] in captured.err
    assert error["kind"] in ("input", "unsupported", "usage")


def test_errors_without_json_leave_stdout_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["certify", "missing.json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "missing.json" in captured.err


def test_one_hidden_audit_explains_undecided_and_writes_certificates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--out", str(tmp_path), "one-hidden-layer", "--starts", "3"]) == 0
    out = capsys.readouterr().out
    assert "undecided: " in out  # every "undecided" comes with its reason
    written = sorted(tmp_path.glob("*.cell_global_min.cert.json"))
    assert written and f"{len(written)} cell_global_min certificates written" in out
    assert all(check_certificate(path).valid for path in written)
    assert "(min 1/2 (~0.5))" in out  # the table's exact numbers with their decimals


def test_a_truncated_file_is_reported_without_at_at(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.cert.json"
    cut.write_text('{"format": "losscert-certif', encoding="utf-8")
    assert main(["check", str(cut)]) == 2
    out = capsys.readouterr().out
    assert "Unterminated string starting at line 1 column 12" in out and "at at" not in out
    problem = tmp_path / "cut.json"
    problem.write_text('{"format": "losscert-prob', encoding="utf-8")
    assert main(["info", str(problem)]) == 2
    err = capsys.readouterr().err
    assert "Unterminated string starting at line 1 column 12" in err and "at at" not in err


def test_ctrl_c_in_the_audit_keeps_the_finished_instances(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from losscert.theorems import audit

    real = audit.audit_instance
    calls: list[str] = []

    def interrupted_at_the_third(instance):  # type: ignore[no-untyped-def]
        calls.append(instance.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(instance)

    monkeypatch.setattr(audit, "audit_instance", interrupted_at_the_third)
    assert main(["audit", "--out", str(tmp_path)]) == 130
    captured = capsys.readouterr()
    assert calls[0] in captured.out and calls[1] in captured.out  # the table of the two done
    assert calls[2] not in captured.out
    assert "interrupted after 2 of" in captured.err
    written = {p.name.split(".")[0] for p in tmp_path.glob("*.cert.json")}
    assert written == set(calls[:2])

"""`losscert certify` on a softmax point whose risk falls to infinity nearby: the nearby local
minimum is REFUTED by an escape ray, in text and --json, with a certificate that checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from losscert.checker import check_certificate
from losscert.cli import main
from losscert.io.problem_file import write_problem
from tests.unit.test_exp_rays import three_classes


def test_certify_refutes_the_nearby_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem_file = tmp_path / "rays.json"
    write_problem(three_classes(), problem_file, name="escape ray")
    out = tmp_path / "out"
    main(["certify", str(problem_file), "--json", "--out", str(out), "--no-spurious"])
    report = json.loads(capsys.readouterr().out)
    nearby = report["nearby"]
    assert nearby["status"] == "refuted"
    assert nearby["no_minimum_radius"] == "7/12"
    assert "W_2[0][0] -> -infinity" in nearby["no_minimum_why"]
    (written,) = out.glob("*.nearby.no_local_min_in_box.cert.json")
    assert check_certificate(written).valid
    main(["certify", str(problem_file), "--no-spurious"])
    text = capsys.readouterr().out
    assert "nearby local minimum: REFUTED [escape ray]  no local minimum within 0.583" in text


def test_the_nearby_verdict_is_refuted_by_the_ray(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem_file = tmp_path / "rays.json"
    write_problem(three_classes(), problem_file, name="escape ray")
    command = ["certify", str(problem_file), "--no-spurious", "--verdict-of", "nearby"]
    assert main(command) == 1  # refuted: no local minimum within 7/12
    out = capsys.readouterr().out
    assert "verdict REFUTED (nearby local minimum: none within the escape ray's radius)" in out
    assert main([*command, "--expect", "refuted"]) == 0

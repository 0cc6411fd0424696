"""`losscert check` and the pytest plugin on real certificate files."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from losscert.cli import main

from ..conftest import EXAMPLES

CERTS = sorted((EXAMPLES / "certificates").glob("*.cert.json"))


def _tampered(tmp_path: Path) -> Path:
    doc = json.loads(CERTS[0].read_text(encoding="utf-8"))
    doc["evidence"][0]["coefficient" if "coefficient" in doc["evidence"][0] else "value"] = "-1000"
    path = tmp_path / "tampered.cert.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_check_accepts_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *map(str, CERTS)]) == 0
    out = capsys.readouterr().out
    assert (
        out.count(": VALID") == len(CERTS)
        and f"{len(CERTS)} of {len(CERTS)} certificates valid" in out
    )


def test_check_reports_invalid_and_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _tampered(tmp_path)
    junk = tmp_path / "junk.cert.json"
    junk.write_text("{not json", encoding="utf-8")
    assert main(["check", str(CERTS[0]), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: INVALID" in out and "expected: -1000" in out
    assert main(["check", str(junk)]) == 2
    assert "UNREADABLE  not JSON" in capsys.readouterr().out


def test_check_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _tampered(tmp_path)
    assert main(["check", "--json", str(CERTS[1]), str(bad)]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in results] == ["valid", "invalid"]
    assert results[0]["trust_gaps"] == [] and results[0]["claim"]
    assert "-1000" in results[1]["message"]


def test_check_missing_file_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nope.cert.json")]) == 2
    assert "cannot read" in capsys.readouterr().out


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_plugin_collects_certificates_as_test_items(tmp_path: Path) -> None:
    for cert in CERTS:
        shutil.copy(cert, tmp_path / cert.name)
    done = _pytest(tmp_path, ".")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(CERTS)} passed" in done.stdout
    ids = _pytest(tmp_path, ".", "--collect-only").stdout.split()
    assert f"{CERTS[0].name}::check" in ids  # the file's name once, not twice
    assert f"{CERTS[0].name}::{CERTS[0].name}" not in ids
    _tampered(tmp_path)
    done = _pytest(tmp_path, ".")
    assert done.returncode == 1
    assert "certificate" in done.stdout and "tampered.cert.json is invalid" in done.stdout
    assert "expected: -1000" in done.stdout and f"1 failed, {len(CERTS)} passed" in done.stdout


def test_plugin_checks_files_named_with_the_option(tmp_path: Path) -> None:
    elsewhere = tmp_path / "proofs"
    elsewhere.mkdir()
    named = elsewhere / "claim.json"  # not *.cert.json: collected only because it is named
    shutil.copy(CERTS[0], named)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "test_nothing.py").write_text(
        "def test_ok():\n    pass\n", encoding="utf-8"
    )
    done = _pytest(tmp_path / "run", ".", "--certificates", str(named))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_check_of_several_certificates_of_one_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Theorem 1 audit's three certificates and a tampered copy of one, in one call (one
    session): the valid ones are valid, and the tampered one gets the message it gets alone."""
    from losscert.model import make_loss, relu
    from losscert.theorems.instances import generated_data
    from losscert.theorems.theorem1 import audit_theorem1

    audit = audit_theorem1(generated_data(30, 3, 1, 0), (3, 4, 4, 1), relu(), make_loss("squared"))
    files = []
    for claim, verdict in sorted(audit.verdicts.items()):
        assert verdict.certificate is not None, claim
        files.append(tmp_path / f"{claim}.cert.json")
        files[-1].write_text(json.dumps(verdict.certificate), encoding="utf-8")
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    next(s for s in doc["evidence"] if s["kind"] == "box_in_cell")["radius"] = "1000"
    bad = tmp_path / "bad.cert.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["check", "--json", str(bad)]) == 1
    alone = json.loads(capsys.readouterr().out)[0]["message"]
    assert main(["check", "--json", *map(str, files), str(bad)]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in results] == ["valid"] * len(files) + ["invalid"]
    assert results[-1]["message"] == alone and "box reaches outside" in alone

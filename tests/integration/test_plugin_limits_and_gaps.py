"""The pytest plugin (issue 15): a per-file time limit, trust gaps in the terminal summary, and
options to re-run the solvers on them and to fail on any gap left open."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_check_solvers import SAT, UNSAT, _certificate, _forged_boundary_certificate


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _slow_certificate(folder: Path) -> None:
    """Within every checker limit (n P^2 just under it), and tens of seconds to check."""
    width, n = 200, 5
    document = {
        "format": "losscert-certificate",
        "version": 1,
        "problem": {
            "widths": [1, width, 1],
            "activation": {"breakpoints": ["0"], "slopes": ["0", "1"], "intercepts": ["0", "0"]},
            "loss": {"kind": "squared"},
            "data": {"inputs": [[str(i + 1)] for i in range(n)], "labels": [["0"]] * n},
            "point": ["1"] * (3 * width + 1),
        },
        "claim": {"kind": "strict_local_min"},
        "evidence": [
            {"id": "cell", "kind": "cell", "pattern": [[[1] * n] * width], "margin": "2"},
            {"id": "g", "kind": "gradient_zero", "uses": ["cell"]},
        ],
        "provenance": {},
    }
    (folder / "slow.cert.json").write_text(json.dumps(document), encoding="utf-8")


def test_a_slow_certificate_fails_at_the_time_limit(tmp_path: Path) -> None:
    _slow_certificate(tmp_path)
    done = _pytest(tmp_path, ".", "--certificate-timeout", "0.5")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not checked within 0.5 s" in done.stdout and "1 failed" in done.stdout


def test_a_bad_time_limit_is_a_usage_error(tmp_path: Path) -> None:
    done = _pytest(tmp_path, ".", "--certificate-timeout", "soon")
    assert done.returncode == 4 and "expected a number of seconds" in done.stderr


def test_trust_gaps_are_listed_and_can_fail_the_run(tmp_path: Path) -> None:
    forged = _forged_boundary_certificate(tmp_path)
    shutil.move(forged, tmp_path / "forged.cert.json")
    done = _pytest(tmp_path, ".")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "losscert trust gaps" in done.stdout and "[open]" in done.stdout
    assert "1 trust gap(s), 1 open (--certificate-solvers)" in done.stdout
    done = _pytest(tmp_path, ".", "--certificate-fail-on-gaps")
    assert done.returncode == 1 and "trust gaps left open" in done.stdout


@pytest.mark.solver
def test_solvers_refute_the_forged_boundary_certificate(tmp_path: Path) -> None:
    forged = _forged_boundary_certificate(tmp_path)
    shutil.move(forged, tmp_path / "forged.cert.json")
    done = _pytest(tmp_path, ".", "--certificate-solvers", "--certificate-solver-timeout", "20")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "a solver refuted it" in done.stdout and "refuted (z3 sat" in done.stdout


@pytest.mark.solver
def test_solvers_close_a_true_gap(tmp_path: Path) -> None:
    good = _certificate(tmp_path, UNSAT)
    shutil.move(good, tmp_path / "good.cert.json")
    done = _pytest(
        tmp_path,
        ".",
        "--certificate-solvers",
        "--certificate-fail-on-gaps",
        "--certificate-solver-timeout",
        "20",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[closed by z3 and cvc5]" in done.stdout and "1 trust gap(s), 0 open" in done.stdout
    bad = _certificate(tmp_path, SAT)
    shutil.move(bad, tmp_path / "bad.cert.json")
    done = _pytest(tmp_path, ".", "--certificate-solvers", "--certificate-solver-timeout", "20")
    assert done.returncode == 1 and "bad.cert.json" in done.stdout

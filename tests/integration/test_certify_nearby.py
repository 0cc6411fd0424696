"""`losscert certify` on a point that is not exactly critical (issue 13): the exact gradient is
reported, the nearby minimum certified, its certificates written next to the refutation."""

import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from losscert.checker import check_certificate
from losscert.cli import main
from losscert.io import read_problem, write_problem
from losscert.model import Dataset, Network, Problem, make_loss, relu


def _problem_file(folder: Path) -> Path:
    # relu(x + 1) with output weight 4/5 + 1/1000: 1/1000 away from the optimal affine fit
    net = Network.from_rationals(
        [[[1], [-1]], [[F(4, 5) + F(1, 1000), 0]]], [[1, -10], [F(-1, 2)]], relu()
    )
    data = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
    path = folder / "trained.json"
    write_problem(Problem(net, make_loss("squared"), data), path, name="trained")
    return path


def test_certify_moves_to_the_nearby_minimum_and_writes_its_certificates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _problem_file(tmp_path)
    # the exit code is the point's own verdict (REFUTED: not critical), the nearby one is reported
    assert main(["certify", str(path), "--out", str(tmp_path / "certs")]) == 1
    out = capsys.readouterr().out
    assert "local_min: REFUTED" in out
    assert "exact risk of the point: 0.4500075 (= 180003/400000)" in out
    assert "nearby local minimum: PROVED [linear collapse] at distance 0.001" in out
    assert "spurious: PROVED" in out
    names = sorted(p.name for p in (tmp_path / "certs").iterdir())
    assert names == [
        "trained.nearby.json",
        "trained.nearby.local_min.cert.json",
        "trained.nearby.spurious_local_min.cert.json",
        "trained.not_local_min.cert.json",
    ]
    assert all(check_certificate(tmp_path / "certs" / name).valid for name in names[1:])
    assert "nearby point (problem file):" in out
    moved = read_problem(tmp_path / "certs" / "trained.nearby.json")
    assert moved.network.weights(2) == [[F(4, 5), 0]] and moved.risk() == F(9, 20)


def test_json_output_and_the_option_that_turns_it_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _problem_file(tmp_path)
    assert main(["certify", str(path), "--json"]) == 1
    nearby = json.loads(capsys.readouterr().out)["nearby"]
    assert nearby["gradient_size"] == "3/200"
    assert nearby["distance"] == "1/1000" and nearby["risk"] == "9/20"
    assert nearby["route"] == "linear collapse" and nearby["status"] == "proved"
    assert main(["certify", str(path), "--no-nearby"]) == 1
    assert "nearby" not in capsys.readouterr().out


def test_a_closed_cell_minimum_that_descends_is_refuted_then_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.test_nearby_descent import _trained

    path = tmp_path / "kinked.json"
    write_problem(_trained(), path, name="kinked")
    assert main(["certify", str(path), "--out", str(tmp_path / "certs"), "--no-spurious"]) == 1
    out = capsys.readouterr().out
    assert "not a local minimum: the minimum of the closed cell at distance" in out
    assert "nearby local minimum: PROVED [closed-cell minimum after 2 descent hop(s)]" in out
    names = sorted(p.name for p in (tmp_path / "certs").iterdir())
    assert names == [
        "kinked.nearby.json",
        "kinked.nearby.local_min.cert.json",
        "kinked.nearby.not_local_min.cert.json",
        "kinked.not_local_min.cert.json",
    ]
    assert all(check_certificate(tmp_path / "certs" / name).valid for name in names[1:])


def test_the_exit_code_can_follow_the_nearby_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _problem_file(tmp_path)
    assert main(["certify", str(path), "--verdict-of", "nearby"]) == 0  # point REFUTED, near PROVED
    assert "verdict PROVED (nearby local_min and spurious_local_min)" in capsys.readouterr().out
    assert main(["certify", str(path), "--verdict-of", "nearby", "--expect", "refuted"]) == 1
    capsys.readouterr()
    assert main(["certify", str(path), "--json", "--verdict-of", "nearby", "--no-spurious"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["verdict"] == "proved" and record["verdict_of"] == "nearby local_min"


def test_with_no_nearby_search_the_point_verdict_stands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _problem_file(tmp_path)
    assert main(["certify", str(path), "--verdict-of", "nearby", "--no-nearby"]) == 1  # the point's
    assert capsys.readouterr().out.splitlines()[-1].endswith("verdict REFUTED (local_min)")

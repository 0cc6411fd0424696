"""Issue 14, `losscert global` on non-homogeneous activations: the same answer for every file's
point, said as "global minimum X, attained by FILE" or "infimum X, not attained"."""

import json
from pathlib import Path

import pytest

from losscert.checker import check_certificate
from losscert.cli import main
from losscert.io.problem_file import write_problem
from tests.support.nonhomogeneous import DEAD_ZONE, KINKED, KINKED_LABELS, make_problem

POINTS = [(["1"], ["0"], ["1"], "0"), (["-1/2"], ["1/4"], ["2"], "1/3")]


def _files(tmp_path: Path, act, labels) -> list[str]:
    paths = []
    for k, point in enumerate(POINTS):
        path = tmp_path / f"p{k}.json"
        write_problem(make_problem(act, labels, point), path)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("k", range(len(POINTS)))
def test_dead_zone_text_names_the_minimum_certificate(tmp_path, capsys, k) -> None:
    path = _files(tmp_path, DEAD_ZONE, [-2, -1, 0, 1, 2])[k]
    out = tmp_path / "out"
    assert main(["global", path, "--out", str(out)]) == 1  # the point is refuted
    text = capsys.readouterr().out
    certificate = out / f"p{k}.minimum.global_min.cert.json"
    assert f"global minimum: 0, attained by {certificate}" in text
    assert check_certificate(certificate).valid


@pytest.mark.parametrize("k", range(len(POINTS)))
def test_kinked_infimum_not_attained_in_text_and_json(tmp_path, capsys, k) -> None:
    path = _files(tmp_path, KINKED, KINKED_LABELS)[k]
    out = tmp_path / "out"
    assert main(["global", path, "--out", str(out)]) == 1  # refuted by a lower network
    text = capsys.readouterr().out
    assert "infimum: 0, not attained by any network of this width" in text
    assert "global minimum" not in text
    assert main(["global", path, "--json"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["attained"] is False and record["global_minimum"] is None
    assert record["infimum"] == {"exact": "0", "decimal": "0"}
    certificate = out / f"p{k}.infimum_not_attained.cert.json"
    assert check_certificate(certificate).valid

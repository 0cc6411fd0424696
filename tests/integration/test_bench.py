"""`losscert bench` on the tiny tier: every family, planted verdicts met, certificates accepted,
and the reports say so; plus the judging itself on records with a known wrong verdict."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from losscert.bench.instances import FAMILIES, bench_instances
from losscert.bench.report import failures, format_table
from losscert.bench.runner import RunOptions, run_instances, run_unit
from losscert.cli import main
from losscert.encodings.naive_smt import naive_query
from losscert.io.problem_file import problem_from_dict
from losscert.model import Dataset, relu

pytestmark = pytest.mark.solver


def test_tiny_tier_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--tier", "tiny", "--workers", "1", "--out", str(tmp_path)])
    assert code == 0
    for png in ("time_vs_parameters.png", "time_vs_samples.png", "cells_vs_size.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = json.loads((tmp_path / "results.json").read_text())
    records = document["records"]
    assert document["complete"] is True and document["tier"] == "tiny"
    assert {r["family"] for r in records} == set(FAMILIES)
    assert len(records) == len(bench_instances("tiny"))
    assert failures(records) == (0, 0)
    by_name = {r["instance"]: r for r in records}
    assert by_name["strict-min-0"]["verdict"] == "proved"
    assert by_name["saddle-0"]["verdict"] == "refuted"
    assert by_name["boundary-descent"]["verdict"] == "refuted"
    assert by_name["relu-depth2-dy1"]["verdicts"] == {
        "local_min": "proved",
        "spurious_local_min": "proved",
        "valley": "proved",
    }
    assert by_name["control-affine-data"]["verdicts"].get("spurious_local_min") != "proved"
    teacher = by_name["global-relu-h1-n4-teacher"]
    assert teacher["verdict"] == "proved" and teacher["baseline"]["method"] == "subsets"
    assert teacher["baseline"]["answer"] == "proved" and teacher["ratio"] > 0
    assert by_name["global-relu-h1-n4-zero"]["verdict"] == "refuted"
    for r in records:
        if r["verdict"] in ("proved", "refuted"):
            assert r["certificates"] >= 1 and r["certificate_bytes"] > 100
        assert r["seconds"] is not None and r["peak_rss_kib"] > 0
    table = (tmp_path / "table.md").read_text()
    for family in FAMILIES:
        assert f"| {family} |" in table
    total = next(line for line in table.splitlines() if line.startswith("| **all** |"))
    cells = [c.strip() for c in total.split("|")[1:-1]]
    assert cells[1] == str(len(records)) and cells[6] == "0" and cells[7] == "0"
    assert "| theorem1 |" in capsys.readouterr().out


def test_every_instance_is_a_readable_problem_document() -> None:
    for tier in ("tiny", "quick"):
        for inst in bench_instances(tier, seed=3):
            problem = problem_from_dict(json.loads(json.dumps(inst.document)), source=inst.name)
            assert problem.data.n == inst.size["n"]
            assert inst.claim in inst.planted


def test_a_wrong_plant_is_reported_as_wrong() -> None:
    # the saddle planted as a local minimum: the engine refutes it, so the record must be wrong
    saddle = next(i for i in bench_instances("tiny") if i.name == "saddle-0")
    lie = type(saddle)(saddle.family, saddle.name, saddle.document, {"local_min": "proved"})
    record = run_unit(lie, RunOptions(limit=30, baselines=False))
    assert record["verdict"] == "refuted" and record["wrong"] is True
    assert failures([record]) == (1, 0)
    assert "| general_engine | 1 | 0 | 1 | 0 | 0 | 1 | 0 |" in format_table([record])


def test_a_unit_past_its_limit_is_a_timeout_not_a_verdict() -> None:
    inst = next(i for i in bench_instances("tiny") if i.family == "theorem1")
    record = run_unit(inst, RunOptions(limit=1e-4, baselines=False))
    assert record["status"] == "timeout" and record["verdict"] is None and not record["wrong"]


def test_naive_query_text_is_exact() -> None:
    data = Dataset.from_rows([[Fraction(1, 2)]], [[Fraction(-3, 4)]])
    text = naive_query((1, 1, 1), relu(), data, [Fraction(1)] * 4, Fraction(1, 8), Fraction(2), "c")
    assert "(declare-fun W1_0_0 () Real)" in text
    assert "(assert (and (<= (/ 7 8) W1_0_0) (<= W1_0_0 (/ 9 8))))" in text
    assert "(ite (< z1_0 0) 0 z1_0)" in text
    assert "(r0 (- (+ (* W2_0_0 h1_0) b2_0) (- (/ 3 4))))" in text
    assert text.endswith("(check-sat)\n(exit)\n")


def test_an_interrupt_keeps_the_finished_records() -> None:
    instances = [i for i in bench_instances("tiny") if i.family == "general_engine"]
    seen: list[str] = []

    def progress(message: str) -> None:
        seen.append(message)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        run_instances(instances, None, RunOptions(limit=30, baselines=False), progress)
    kept = caught.value.records  # type: ignore[attr-defined]
    assert [r["instance"] for r in kept] == [i.name for i in instances[:2]]


def test_bad_worker_count_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "--tier", "tiny", "--workers", "0", "--out", str(tmp_path)]) == 2
    assert "--workers: expected at least 1 process, got 0" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()


def test_a_unit_that_raises_is_recorded_and_counted_wrong() -> None:
    inst = next(i for i in bench_instances("tiny") if i.family == "theorem1")
    broken = type(inst)("no_such_family", inst.name, inst.document, {"local_min": "proved"})
    record = run_unit(broken, RunOptions(limit=30, baselines=False))
    assert record["status"] == "error" and record["verdict"] is None
    assert record["wrong_detail"] == ["the unit raised KeyError: 'no_such_family'"]
    assert failures([record]) == (1, 0)


def test_json_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from losscert.bench import instances

    first = instances.bench_instances("tiny", 0)[:1]
    monkeypatch.setattr(instances, "bench_instances", lambda tier, seed: first)
    argv = ["bench", "--tier", "tiny", "--workers", "1", "--out", str(tmp_path), "--json"]
    assert main([*argv, "--no-plots", "--no-baselines"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["instances"] == 1 and summary["tier"] == "tiny"
    assert summary["wrong_verdicts"] == 0 and summary["rejected_certificates"] == 0
    assert str(tmp_path / "results.json") in summary["written"]

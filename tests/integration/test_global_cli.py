"""``losscert global`` on the example: a certified cell minimum that is not the global minimum."""

import json
from fractions import Fraction

from losscert.checker import check_certificate
from losscert.cli import main
from tests.conftest import EXAMPLES

EXAMPLE = str(EXAMPLES / "one_hidden_relu.json")


def test_global_refutes_the_example_point_and_writes_checkable_certificates(tmp_path, capsys):
    assert main(["global", EXAMPLE, "--json", "--out", str(tmp_path)]) == 1  # refuted
    record = json.loads(capsys.readouterr().out)
    assert record["global_minimum"] == {"exact": "23/60", "decimal": "0.383333333333"}
    assert record["risk"] == {"exact": "7/15", "decimal": "0.466666666667"}
    assert record["verdict"] == "refuted" and record["exit_code"] == 1
    assert record["claim"] == "not_global_min" and record["status"] == "refuted"
    assert record["cell_global_min"] == "proved"
    kinds = sorted(p.name.split(".", 1)[1].removesuffix(".cert.json") for p in tmp_path.iterdir())
    assert kinds == [
        "cell_global_min",
        "global_lower_bound",
        "minimum.global_min",  # the minimum 23/60, certified at the network attaining it
        "not_global_min",
    ]
    assert record["global_minimum_certificate"].endswith(
        "one_hidden_relu.minimum.global_min.cert.json"
    )
    for path in tmp_path.iterdir():
        assert check_certificate(path).valid
    bound = json.loads((tmp_path / "one_hidden_relu.global_lower_bound.cert.json").read_text())
    assert Fraction(bound["claim"]["bound"]) <= Fraction(23, 60)


def test_global_text_output_and_budget(capsys):
    assert main(["global", EXAMPLE, "--max-programs", "10"]) == 3  # unknown
    out = capsys.readouterr().out
    assert "certified lower bound" in out and "UNKNOWN (budget)" in out
    assert "R = 7/15 (~0.466667)" in out and "verdict UNKNOWN (global_min)" in out


def test_global_expect_turns_the_expected_verdict_into_exit_0(capsys):
    assert main(["global", EXAMPLE, "--expect", "refuted"]) == 0
    assert main(["global", EXAMPLE, "--expect", "proved"]) == 1
    assert main(["global", EXAMPLE, "--expect", "proved", "--max-programs", "10"]) == 3
    capsys.readouterr()


def test_global_rejects_deeper_networks_with_a_clear_error(capsys):
    code = main(["global", str(EXAMPLES / "leaky_relu_deep_huber.json")])
    err = capsys.readouterr().err
    assert code == 2 and "one hidden layer" in err


def test_cells_solve_gives_exact_cell_minima_above_the_global_minimum(capsys):
    assert main(["cells", EXAMPLE, "--solve", "5", "--json", "--count"]) == 0
    minima = json.loads(capsys.readouterr().out)["cell_minima"]
    assert len(minima) == 5
    # both neurons dead on every sample: only b_2 is left, the best constant: the variance 11/12
    assert minima[0] == {
        "patterns": [[0] * 6, [0] * 6],
        "minimum": {"exact": "11/12", "decimal": "0.916666666667"},
    }
    assert all(Fraction(m["minimum"]["exact"]) >= Fraction(23, 60) for m in minima)


def test_ctrl_c_in_the_exact_route_keeps_the_certified_bound(tmp_path, capsys, monkeypatch):
    from losscert.verifier import global_min

    real = global_min._minimise
    calls = []

    def interrupted_in_the_40th_program(problem, blocks):
        calls.append(1)
        if len(calls) == 41:  # the relaxation, 39 of the 276 programs, then Ctrl-C
            raise KeyboardInterrupt
        return real(problem, blocks)

    monkeypatch.setattr(global_min, "_minimise", interrupted_in_the_40th_program)
    assert main(["global", EXAMPLE, "--out", str(tmp_path), "--json"]) == 130
    record = json.loads(capsys.readouterr().out)
    assert record["interrupted"] is True and record["programs"] == 40
    assert record["global_minimum"] is None and record["cell_global_min"] is None
    bound = Fraction(record["lower_bound"]["exact"])
    assert bound <= Fraction(23, 60)  # below the global minimum: a valid bound
    kinds = sorted(p.name.split(".")[1] for p in tmp_path.iterdir())
    assert "global_lower_bound" in kinds
    for path in tmp_path.iterdir():
        assert check_certificate(path).valid
    if record["status"] == "refuted":  # a lower network among the first 39 programs
        assert Fraction(record["lowest_network_risk"]["exact"]) < Fraction(7, 15)
        assert "not_global_min" in kinds
    else:
        assert record["reason"] == "budget" and "interrupted after 39" in record["detail"]

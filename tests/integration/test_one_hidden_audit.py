"""The one-hidden-layer audits on their planted instances, and through the command line."""

import json
from fractions import Fraction

from losscert.cli import main
from losscert.theorems.one_hidden import (
    audit_cell_minima,
    audit_cell_valley,
    one_hidden_instances,
)

INSTANCES = {i.name: i for i in one_hidden_instances()}


def test_all_active_relu_cell_has_two_components_separated_by_a_certified_barrier():
    audit = audit_cell_valley(INSTANCES["relu-all-active-disconnected"].problem)
    # by hand: both signs fit the least-squares line of (0,0), (1,2), (2,1): R = 1/2
    assert audit.by_signs == {(1,): Fraction(1, 2), (-1,): Fraction(1, 2)}
    assert sorted(audit.attained_inside) == [(-1,), (1,)]
    assert audit.barriers == {0: Fraction(2, 3)}  # c = 0 leaves a constant: the variance
    assert audit.reading == "disconnected"


def test_two_active_relu_neurons_are_connected_through_c_r_zero():
    audit = audit_cell_valley(INSTANCES["relu-two-active-connected"].problem)
    # by hand: every sign vector fits the least-squares line (R = 1/2), either neuron alone too,
    # so no barrier exceeds the minimum; flipping one sign passes c_r = 0 at the same risk
    assert set(audit.by_signs.values()) == {Fraction(1, 2)}
    assert len(audit.attained_inside) == 4
    assert audit.barriers == {0: Fraction(1, 2), 1: Fraction(1, 2)}
    assert audit.reading == "connected" and "c_r = 0" in audit.detail


def test_one_sample_relu_cell_is_connected():
    audit = audit_cell_valley(INSTANCES["relu-one-sample-connected"].problem)
    assert audit.by_signs == {(1,): Fraction(0), (-1,): Fraction(8, 9)}
    assert audit.attained_inside == [(1,)]
    assert audit.reading == "connected"


def test_cell_minima_audit_finds_certified_minima_and_no_counterexample():
    for name in ("relu-all-active-disconnected", "hardtanh-two-neurons"):
        audit = audit_cell_minima(INSTANCES[name].problem, starts=6, seed=2)
        assert audit.verdict == "holds"
        assert audit.certified >= 1 and audit.counterexamples == 0
        for key, risk in audit.minima.items():
            point = INSTANCES[name].problem.with_network(audit.points[key])
            assert point.risk() == risk


def test_multi_output_is_reported_open(tmp_path):
    from losscert.model.activation import relu
    from losscert.model.dataset import Dataset
    from losscert.model.loss import Loss
    from losscert.model.network import Network
    from losscert.model.problem import Problem

    net = Network.from_rationals([[[1], [2]], [[1, 1], [1, -1]]], [[1, 1], [0, 0]], relu())
    data = Dataset.from_rows([[0], [1], [2]], [[0, 1], [2, 0], [1, 1]])
    audit = audit_cell_minima(Problem(net, Loss("squared"), data), starts=3)
    assert audit.verdict == "open" and "not convex" in audit.detail


def test_cli_builtin_one_hidden_audit_is_as_planted(capsys):
    assert main(["audit", "one-hidden-layer", "--starts", "3", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    by_name = {r["instance"]: r for r in records}
    assert by_name["relu-all-active-disconnected"]["valleys"][0]["reading"] == "disconnected"
    assert by_name["relu-one-sample-connected"]["valleys"][0]["reading"] == "connected"
    assert all(r["as_expected"] for r in records)


def test_cli_user_data_needs_matching_widths(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n0,0\n1,2\n2,1\n")
    assert main(["audit", "one-hidden-layer", "--data", str(data), "--widths", "2,1,1"]) == 2
    assert "d_X = 2" in capsys.readouterr().err
    code = main(
        ["audit", "one-hidden-layer", "--data", str(data), "--widths", "1,1,1", "--starts", "3"]
    )
    assert code == 0


def test_a_rejected_certificate_is_never_counted_as_a_counterexample(monkeypatch):
    from losscert.theorems import one_hidden
    from losscert.verifier.verdict import Status, Verdict

    def rejected(problem):
        stats = {"cell_minimum_bound": Fraction(0), "risk": problem.risk()}
        return Verdict(Status.UNKNOWN, "cell_global_min", None, "checker_rejected", "", stats)

    monkeypatch.setattr(one_hidden, "certify_cell_global_min", rejected)
    audit = audit_cell_minima(INSTANCES["relu-all-active-disconnected"].problem, starts=4, seed=2)
    assert audit.counterexamples == 0 and audit.verdict == "undecided"
    assert "rejected by the checker" in audit.detail

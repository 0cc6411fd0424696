"""Theorem 1 end to end: every built-in instance meets its planted outcome, every certificate is
accepted by the independent checker, and the negative controls give the right answer."""

import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from losscert.checker import check_document
from losscert.cli import main
from losscert.model import Dataset, relu
from losscert.model.loss import make_loss
from losscert.theorems.audit import audit_instance
from losscert.theorems.instances import THREE_PIECES, Instance, builtin_instances, generated_data
from losscert.verifier import Status

INSTANCES = {i.name: i for i in builtin_instances()}


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_builtin_instance_meets_its_planted_outcome(name: str) -> None:
    outcome = audit_instance(INSTANCES[name])
    assert outcome.as_expected, outcome.failure
    for claim, verdict in outcome.audit.verdicts.items():
        if verdict.status is Status.PROVED:
            assert verdict.certificate is not None
            result = check_document(
                json.loads(json.dumps(verdict.certificate))
            )  # as written to disk
            # a logistic collapse is near an irrational optimum: the claim is its box form
            assert result.valid and result.claim in (claim, f"{claim}_in_box"), result.message
            exp = INSTANCES[name].loss.kind in ("logistic", "softmax_cross_entropy")
            assert (result.claim != claim) == exp


def test_builtin_set_covers_the_acceptance_grid() -> None:
    spurious = [i for i in INSTANCES.values() if "spurious_local_min" in i.expect]
    names = {i.activation.name for i in spurious}
    assert {"relu", "leaky_relu", "hardtanh", "relu6", "abs", "custom"} <= names
    assert {len(i.widths) - 1 for i in spurious} == {2, 3, 4, 5}
    assert {i.widths[-1] for i in spurious} == {1, 2, 3}


def test_the_witness_is_strictly_lower_and_the_gap_positive() -> None:
    outcome = audit_instance(INSTANCES["relu-depth3-dy2"])
    audit = outcome.audit
    assert audit.stage1_risk is not None and audit.witness_risk is not None
    assert (
        audit.witness_risk < audit.stage1_risk
        and audit.gap == audit.stage1_risk - audit.witness_risk
    )


def test_linear_contrast_is_global_not_spurious() -> None:
    audit = audit_instance(INSTANCES["linear-contrast"]).audit
    assert audit.verdicts["global_min"].status is Status.PROVED
    assert "spurious_local_min" not in audit.verdicts
    assert any(
        a.name == "activation has a breakpoint" and a.holds is False
        for a in audit.assumptions.items
    )


def test_affine_data_reports_a1_and_claims_no_spurious_minimum() -> None:
    audit = audit_instance(INSTANCES["control-affine-data"]).audit
    a1 = next(a for a in audit.assumptions.items if a.name.startswith("A1"))
    assert a1.holds is False and a1.detail == "R_lin* = 0"
    assert "spurious_local_min" not in audit.verdicts
    assert audit.stage1_risk == 0


def test_narrow_hidden_layer_reports_a3() -> None:
    audit = audit_instance(INSTANCES["control-narrow-hidden"]).audit
    a3 = next(a for a in audit.assumptions.items if a.name.startswith("A3"))
    assert a3.holds is False and "hidden widths [2, 3], d_Y = 3" in a3.detail
    assert audit.verdicts == {}


@pytest.mark.parametrize("n", [4, 5])
def test_smallest_data_sets(n: int) -> None:
    outcome = audit_instance(
        Instance(f"tiny-{n}", (1, 3, 1), THREE_PIECES, make_loss("squared"), n, 3)
    )
    assert outcome.as_expected, outcome.failure


@pytest.mark.parametrize("widths", [(2, 4, 1), pytest.param((3, 8, 8, 2), marks=pytest.mark.slow)])
def test_a_thousand_samples(widths: tuple[int, ...]) -> None:
    outcome = audit_instance(Instance("n1000", widths, relu(), make_loss("squared"), 1000, 1))
    assert outcome.as_expected, outcome.failure


def test_audit_cli_writes_checkable_certificates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    data.write_text(
        "x1,x2,y\n0,0,1/2\n1,0,5/4\n0,1,-3/4\n1,1,2\n2,1,7/2\n-1,2,0\n", encoding="utf-8"
    )
    out = tmp_path / "certs"
    code = main(
        [
            "audit",
            "theorem1",
            "--data",
            str(data),
            "--widths",
            "2,3,3,1",
            "--activation",
            "hardtanh:-1,1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = capsys.readouterr().out
    assert "PROVED" in table and "all hold" in table
    written = sorted(p.name for p in out.glob("*.cert.json"))
    assert written == [
        "data.local_min.cert.json",
        "data.spurious_local_min.cert.json",
        "data.valley.cert.json",
    ]
    assert main(["check", *map(str, sorted(out.glob("*.cert.json")))]) == 0


def test_audit_cli_json_and_bad_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.csv"
    data.write_text("0,1\n1,3\n2,2\n3,5\n", encoding="utf-8")
    assert (
        main(
            [
                "audit",
                "theorem1",
                "--data",
                str(data),
                "--widths",
                "1,3,1",
                "--json",
                "--activation",
                "custom:-1,1:1/4,1,1/2",
            ]
        )
        == 0
    )
    (result,) = json.loads(capsys.readouterr().out)
    assert result["verdicts"]["spurious_local_min"]["status"] == "proved"
    assert F(result["witness_risk"]) < F(result["stage1_risk"])
    assert main(["audit", "theorem1", "--data", str(data), "--widths", "1,x,1"]) == 2
    assert "--widths" in capsys.readouterr().err
    assert (
        main(
            ["audit", "theorem1", "--data", str(data), "--widths", "1,3,1", "--activation", "swish"]
        )
        == 2
    )
    assert "unknown activation 'swish'" in capsys.readouterr().err


@pytest.mark.solver
@pytest.mark.parametrize("loss", ["absolute", "hinge"])
def test_linear_contrast_with_a_nonsmooth_loss(loss: str) -> None:
    from losscert.model import linear

    data = generated_data(12, 2, 1, 4)
    if loss == "hinge":
        data = Dataset.from_rows(
            data.input_rows(), [[F(1) if y[0] > 0 else F(-1)] for y in data.label_rows()]
        )
    outcome = audit_instance(
        Instance(
            "linear-" + loss,
            (2, 3, 1),
            linear(),
            make_loss(loss),
            12,
            4,
            expect=("global_min",),
            dataset=data,
        )
    )
    assert outcome.as_expected, outcome.failure

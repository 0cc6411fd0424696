"""The ``losscert info`` command, in-process through ``losscert.cli.main`` and as a subprocess."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from losscert.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
COLLAPSE = ROOT / "examples" / "relu_linear_collapse.json"
HARDTANH = ROOT / "examples" / "hardtanh_boundary.json"
ABS_LOGISTIC = ROOT / "examples" / "abs_logistic.json"


# --- an independent reference: forward pass and risk in plain Fractions ---------------------------
#
# Only what the examples need, written from the loss table in losscert/model/loss.py, so that the
# risks the CLI prints are checked against a second implementation, not against themselves.


def _activation(spec: Any) -> Any:
    spec = {"preset": spec} if isinstance(spec, str) else spec
    name = spec["preset"]
    if name == "relu":
        return lambda z: max(z, Fraction(0))
    if name == "relu6":
        return lambda z: min(max(z, Fraction(0)), Fraction(6))
    if name == "abs":
        return abs
    if name == "leaky_relu":
        alpha = Fraction(spec["alpha"])
        return lambda z: z if z > 0 else alpha * z
    if name == "hardtanh":
        lo, hi = Fraction(spec["lo"]), Fraction(spec["hi"])
        return lambda z: min(max(z, lo), hi)
    raise AssertionError(name)


def _rows(values: list[Any]) -> list[list[Fraction]]:
    return [[Fraction(v) for v in (row if isinstance(row, list) else [row])] for row in values]


def _data(
    document: dict[str, Any], base: Path
) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    data = document["data"]
    if "file" not in data:
        return _rows(data["inputs"]), _rows(data["labels"])
    lines = (base / data["file"]).read_text(encoding="utf-8").split()
    table = [line.split(",") for line in lines[1:]]  # header, then one label column
    return [[Fraction(c) for c in row[:-1]] for row in table], [
        [Fraction(row[-1])] for row in table
    ]


def _outputs(document: dict[str, Any], x: list[Fraction]) -> list[Fraction]:
    h = _activation(document["activation"])
    layers = document["network"]["layers"]
    a = x
    for j, layer in enumerate(layers):
        z = [
            sum((Fraction(w) * v for w, v in zip(row, a, strict=True)), Fraction(0)) + Fraction(b)
            for row, b in zip(layer["W"], layer["b"], strict=True)
        ]
        a = z if j == len(layers) - 1 else [h(v) for v in z]
    return a


def reference_risk(path: Path) -> Fraction | float:
    document = json.loads(path.read_text(encoding="utf-8"))
    loss = document["loss"]
    kind, delta = (loss, None) if isinstance(loss, str) else (loss["kind"], Fraction(loss["delta"]))
    xs, ys = _data(document, path.parent)
    total: Fraction | float = Fraction(0)
    for x, y in zip(xs, ys, strict=True):
        for fk, yk in zip(_outputs(document, x), y, strict=True):
            r = fk - yk
            if kind == "squared":
                total += r * r
            elif kind == "squared_half":
                total += r * r / 2
            elif kind == "absolute":
                total += abs(r)
            elif kind == "huber":
                assert delta is not None
                total += r * r / 2 if abs(r) <= delta else delta * (abs(r) - delta / 2)
            elif kind == "logistic":
                total += math.log1p(math.exp(float(-yk * fk)))
            else:
                raise AssertionError(kind)
    return total / len(xs)


def test_reference_risk_of_the_collapse_example_by_hand() -> None:
    # f(x) = relu(4/5 x + 13/10) + 0 * relu(1) - 1 = 4/5 x + 3/10 on x = 0..3 (13/10 > 0 keeps
    # neuron 0 on its linear piece), the least-squares line of y = 0, 2, 1, 3; residuals
    # y - f = -3/10, 9/10, -9/10, 3/10, so R = (9 + 81 + 81 + 9) / 100 / 4 = 180/400 = 9/20.
    assert reference_risk(COLLAPSE) == Fraction(9, 20)


def test_reference_risk_of_the_hardtanh_example_by_hand() -> None:
    # z = (x, x/2 + 1/8) clipped to [-1, 1], f = 2 a_0 - a_1 + 1/2:
    #   x = -1/2: a = (-1/2, -1/8), f = -3/8,  y = 0, r^2 =   9/64
    #   x = 0:    a = (0, 1/8),     f = 3/8,   y = 1, r^2 =  25/64
    #   x = 1:    a = (1, 5/8),     f = 15/8,  y = 1, r^2 =  49/64  (z_0 = 1 = hi: the tie)
    #   x = 3/2:  a = (1, 7/8),     f = 13/8,  y = 0, r^2 = 169/64
    # squared_half: R = (1/(2n)) sum r^2 = 252/64 / 8 = 63/128.
    assert reference_risk(HARDTANH) == Fraction(63, 128)


# --- in-process ------------------------------------------------------------------------------------


def run_info(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["info", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_info_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run_info(capsys, "--json", *args)
    assert code == 0, err
    assert err == ""
    return json.loads(out)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_info_text_on_every_example(capsys: pytest.CaptureFixture[str], example: Path) -> None:
    code, out, err = run_info(capsys, str(example))
    assert code == 0, err
    assert err == ""
    assert out.startswith(str(example))
    risk_lines = [line for line in out.splitlines() if line.strip().startswith("risk")]
    assert len(risk_lines) == 1
    expected = reference_risk(example)
    if isinstance(expected, Fraction):
        text = str(expected)
        assert f"risk        {text}  (~" in risk_lines[0]
    else:
        assert "rigorous interval" in risk_lines[0]
    assert "multilinear affine in each layer block" in out


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_info_json_on_every_example(capsys: pytest.CaptureFixture[str], example: Path) -> None:
    result = run_info_json(capsys, str(example))
    assert list(result) == [str(example)]
    summary = result[str(example)]
    assert set(summary) == {"architecture", "risk", "cell", "multilinear"}
    expected = reference_risk(example)
    risk = summary["risk"]
    if isinstance(expected, Fraction):
        assert Fraction(risk["exact"]) == expected
    else:
        lower, upper = Fraction(risk["lower"]), Fraction(risk["upper"])
        assert lower <= upper
        assert upper - lower < Fraction(1, 10**30)
        assert math.isclose(float(lower), expected, rel_tol=1e-12)
    assert summary["multilinear"]["checked"] is True
    assert summary["multilinear"]["holds"] is True


def test_info_json_relu_linear_collapse(capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_info_json(capsys, str(COLLAPSE))[str(COLLAPSE)]
    # risk: see test_reference_risk_of_the_collapse_example_by_hand
    assert summary["risk"] == {"exact": "9/20"}
    # pre-activations: neuron 0 is 4/5 x + 13/10 in {13/10, 21/10, 29/10, 37/10}, neuron 1 is 1
    # on every sample; the nearest to the ReLU breakpoint 0 is neuron 1 at distance 1 (sample 0
    # first), and every entry is on piece 1 (the linear piece): 2 neurons x 4 samples = 8.
    cell = summary["cell"]
    assert cell["margin"] == "1"
    assert cell["margin_at"] == {"layer": 1, "neuron": 1, "sample": 0}
    assert cell["pattern"] == [{"layer": 1, "pieces": {"1": 8}}]
    assert cell["on_boundary"] is False
    assert cell["ties"] == []
    assert "adjacent_cells" not in cell
    assert summary["architecture"] == {
        "widths": [1, 2, 1],
        "depth": 2,
        "parameters": 7,
        "activation": "relu",
        "loss": "squared: R = (1/n) sum ||f - y||^2",
        "samples": 4,
    }


def test_info_json_hardtanh_boundary(capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_info_json(capsys, str(HARDTANH))[str(HARDTANH)]
    # risk: see test_reference_risk_of_the_hardtanh_example_by_hand
    assert summary["risk"] == {"exact": "63/128"}
    cell = summary["cell"]
    # z_0 = x = 1 on sample 2 sits exactly on hi = 1: one tie, margin 0, and the two cells on
    # either side of that single tie (both realisable) are the adjacent cells.
    assert cell["on_boundary"] is True
    assert cell["margin"] == "0"
    assert cell["ties"] == [{"layer": 1, "neuron": 0, "sample": 2, "breakpoint": "1"}]
    assert cell["adjacent_cells"] == {"count": 2, "complete": True}
    # the 7 other entries: z_0 = -1/2, 0 and z_1 = -1/8, 1/8, 5/8, 7/8 on piece 1; z_0 = 3/2 on piece 2
    assert cell["pattern"] == [{"layer": 1, "pieces": {"1": 6, "2": 1, "tie": 1}}]
    assert summary["multilinear"]["scope"] == "first adjacent cell"


def test_info_text_hardtanh_boundary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_info(capsys, str(HARDTANH))
    assert code == 0
    assert "risk        63/128  (~0.4921875)" in out
    assert "boundary    1 ties; exactly 2 adjacent cells" in out


def test_info_abs_logistic_interval(capsys: pytest.CaptureFixture[str]) -> None:
    # f = |x1 + x2 - 1/2| - |x1 - x2 + 1/3|: f = 1/6, 7/6, -5/6, -1/6 with y = -1, -1, 1, 1, so
    # R = (2 log(1 + e^(1/6)) + log(1 + e^(7/6)) + log(1 + e^(5/6))) / 4.
    expected = (
        2 * math.log1p(math.exp(1 / 6)) + math.log1p(math.exp(7 / 6)) + math.log1p(math.exp(5 / 6))
    ) / 4
    risk = run_info_json(capsys, str(ABS_LOGISTIC))[str(ABS_LOGISTIC)]["risk"]
    assert set(risk) == {"lower", "upper", "approx"}
    assert math.isclose(float(Fraction(risk["lower"])), expected, rel_tol=1e-13)
    assert math.isclose(float(Fraction(risk["upper"])), expected, rel_tol=1e-13)
    assert math.isclose(float(risk["approx"]), expected, rel_tol=1e-11)


def test_info_json_several_files(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_info_json(capsys, *map(str, EXAMPLES))
    assert list(result) == [str(p) for p in EXAMPLES]


def test_no_multilinear_json(capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_info_json(capsys, "--no-multilinear", str(COLLAPSE))[str(COLLAPSE)]
    assert "multilinear" not in summary
    assert summary["risk"] == {"exact": "9/20"}
    assert set(summary) == {"architecture", "risk", "cell"}


def test_no_multilinear_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_info(capsys, "--no-multilinear", str(HARDTANH))
    assert code == 0
    assert "multilinear" not in out
    assert "63/128" in out


def write_bad(tmp_path: Path) -> Path:
    bad = tmp_path / "bad_problem.json"
    document = json.loads(COLLAPSE.read_text(encoding="utf-8"))
    document["loss"] = {"kind": "huber", "delta": "-1"}
    bad.write_text(json.dumps(document), encoding="utf-8")
    return bad


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_bad_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, json_flag: list[str]
) -> None:
    bad = write_bad(tmp_path)
    code, out, err = run_info(capsys, *json_flag, str(bad))
    assert code == 2
    assert err.startswith("losscert info: ")
    assert str(bad) in err
    assert "loss" in err and "huber needs a positive delta, got -1" in err
    assert "Traceback" not in err + out
    if json_flag:  # the file's entry is an error object with the message of stderr
        (entry,) = json.loads(out).values()
        assert entry["error"]["exit_code"] == 2 and entry["error"]["message"] in err
    else:
        assert out == ""


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{", "not valid JSON"),
        ("[]", "top level must be a JSON object"),
        ('{"format": "losscert-problem", "version": 2}', "version"),
    ],
    ids=["not-json", "list", "version"],
)
def test_bad_file_kinds_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, fragment: str
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run_info(capsys, str(bad))
    assert code == 2
    assert "broken.json" in err and fragment in err
    assert "Traceback" not in err
    assert out == ""


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_info(capsys, str(tmp_path / "absent.json"))
    assert code == 2
    assert "absent.json" in err and "cannot read the problem file" in err
    assert out == ""


def test_unhashable_preset_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad_problem.json"
    document = json.loads(COLLAPSE.read_text(encoding="utf-8"))
    document["activation"] = {"preset": ["relu"]}
    bad.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run_info(capsys, str(bad))
    assert code == 2
    assert "bad_problem.json" in err


@pytest.mark.parametrize("order", ["good-first", "bad-first"])
def test_good_and_bad_file_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, order: str
) -> None:
    bad = write_bad(tmp_path)
    files = [str(COLLAPSE), str(bad)] if order == "good-first" else [str(bad), str(COLLAPSE)]
    code, out, err = run_info(capsys, *files)
    assert code == 2
    assert out.startswith(str(COLLAPSE))
    assert "risk        9/20" in out
    assert str(bad) not in out
    assert str(bad) in err and "huber" in err
    assert str(COLLAPSE) not in err
    assert "Traceback" not in err


def test_good_and_bad_file_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = write_bad(tmp_path)
    code, out, err = run_info(capsys, "--json", str(bad), str(COLLAPSE))
    assert code == 2
    result = json.loads(out)
    assert list(result) == [str(bad), str(COLLAPSE)]  # the bad file's entry is its error
    error = result[str(bad)]["error"]
    assert error["exit_code"] == 2 and error["kind"] == "input" and error["message"] in err
    assert result[str(COLLAPSE)]["risk"] == {"exact": "9/20"}
    assert str(bad) in err
    assert "Traceback" not in err


def test_no_problem_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["info"])
    assert info.value.code == 2
    assert "PROBLEM.json" in capsys.readouterr().err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    capsys.readouterr()


# --- as a subprocess -------------------------------------------------------------------------------


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "losscert.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_subprocess_info_json() -> None:
    done = run_module(
        "info", "--json", "examples/relu_linear_collapse.json", "examples/hardtanh_boundary.json"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert result["examples/relu_linear_collapse.json"]["risk"] == {"exact": "9/20"}
    assert result["examples/relu_linear_collapse.json"]["cell"]["margin"] == "1"
    hardtanh = result["examples/hardtanh_boundary.json"]
    assert hardtanh["risk"] == {"exact": "63/128"}
    assert hardtanh["cell"]["on_boundary"] is True
    assert hardtanh["cell"]["adjacent_cells"]["count"] == 2


def test_subprocess_good_and_bad_file(tmp_path: Path) -> None:
    bad = write_bad(tmp_path)
    done = run_module("info", "examples/relu_linear_collapse.json", str(bad))
    assert done.returncode == 2
    assert "risk        9/20" in done.stdout
    assert str(bad) in done.stderr and "huber needs a positive delta" in done.stderr
    assert "Traceback" not in done.stderr


def test_subprocess_bad_file_only(tmp_path: Path) -> None:
    bad = tmp_path / "nan.json"
    bad.write_text(COLLAPSE.read_text(encoding="utf-8").replace('"13/10"', "NaN"), encoding="utf-8")
    done = run_module("info", "--no-multilinear", str(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        "nan.json" in done.stderr
        and "layers[0].b[0]" in done.stderr
        and "non-finite" in done.stderr
    )
    assert "Traceback" not in done.stderr

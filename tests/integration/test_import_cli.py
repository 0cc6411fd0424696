"""``losscert import``: PyTorch state dicts and ONNX files to problem files, and refusals (exit 2)."""

from __future__ import annotations

import json
import pickle
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscert.cli import main
from losscert.io import from_torch, read_problem
from losscert.io.onnx_import import network_from_onnx

DATA = "x,y\n0,0\n1,2\n2,1\n3,3\n"


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


def test_state_dict_to_problem_file(tmp_path: Path, data_csv: Path, capsys: Any) -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Hardtanh(), torch.nn.Linear(3, 1))
    torch.save(model.state_dict(), tmp_path / "model.pt")
    out = tmp_path / "problem.json"
    argv = ["import", str(tmp_path / "model.pt"), "--arch", "1,3,1"]
    argv += ["--activation", "hardtanh:-1,1", "--data", str(data_csv), "-o", str(out)]
    assert main(argv) == 0
    problem = read_problem(out)
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    assert problem.network == from_torch(model, (x, np.array([0.0, 2.0, 1.0, 3.0]))).network
    assert "4 samples" in capsys.readouterr().out
    assert main(["certify", str(out), "--no-spurious"]) == 1  # refuted: untrained, no minimum
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["widths"] == [1, 3, 1] and record["samples"] == 4
    assert record["problem"] == str(out) and record["name"] == "model"
    assert Fraction(record["risk"]["exact"]) == problem.risk()


def test_onnx_to_problem_file(tmp_path: Path, data_csv: Path) -> None:
    import onnx

    helper = onnx.helper
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z"], name="fc1", transB=1),
        helper.make_node("Abs", ["z"], ["a"], name="act"),
        helper.make_node("Gemm", ["a", "W2", "b2"], ["y"], name="fc2", transB=1),
    ]
    weights = {"W1": [[0.5], [-1.5]], "b1": [0.0, 1.0], "W2": [[1.0, 0.25]], "b2": [-0.5]}
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, 1])],
        initializer=[
            onnx.numpy_helper.from_array(np.asarray(v, dtype=np.float32), name=k)
            for k, v in weights.items()
        ],
    )
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    out = tmp_path / "problem.json"
    assert main(["import", str(path), "--data", str(data_csv), "-o", str(out)]) == 0
    assert read_problem(out).network == network_from_onnx(path)
    assert (
        main(["import", str(path), "--arch", "1,2,1", "--data", str(data_csv), "-o", str(out)]) == 2
    )


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).write_text('x')",))


def test_malicious_pickle_exit_2_and_no_code_runs(
    tmp_path: Path, data_csv: Path, capsys: Any
) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"0.weight": _Payload(marker)}))
    out = tmp_path / "problem.json"
    argv = ["import", str(evil), "--arch", "1,1", "--data", str(data_csv), "-o", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "evil.pt" in err and "weights_only=True" in err
    assert not marker.exists() and not out.exists()


def test_unsupported_onnx_op_exit_2(tmp_path: Path, data_csv: Path, capsys: Any) -> None:
    import onnx

    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Tanh", ["x"], ["y"], name="squash")],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, 1])],
    )
    path = tmp_path / "tanh.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    out = tmp_path / "problem.json"
    assert main(["import", str(path), "--data", str(data_csv), "-o", str(out)]) == 2
    assert "node 'squash' (op Tanh) is not supported" in capsys.readouterr().err
    assert not out.exists()


def test_state_dict_needs_arch(tmp_path: Path, data_csv: Path, capsys: Any) -> None:
    (tmp_path / "model.pt").write_bytes(b"")
    argv = ["import", str(tmp_path / "model.pt"), "--data", str(data_csv), "-o", "x.json"]
    assert main(argv) == 2
    assert "--arch" in capsys.readouterr().err
    argv = ["import", str(tmp_path / "model.txt"), "--data", str(data_csv), "-o", "x.json"]
    assert main(argv) == 2


def test_state_dict_needs_its_activation(tmp_path: Path, data_csv: Path, capsys: Any) -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1))
    torch.save(model.state_dict(), tmp_path / "model.pt")
    out = tmp_path / "problem.json"
    argv = ["import", str(tmp_path / "model.pt"), "--arch", "1,2,1", "--data", str(data_csv)]
    assert main([*argv, "-o", str(out)]) == 2  # never read as ReLU
    assert "--activation" in capsys.readouterr().err and not out.exists()
    single = torch.nn.Sequential(torch.nn.Linear(1, 1))  # no hidden layer: nothing to give
    torch.save(single.state_dict(), tmp_path / "affine.pt")
    argv = ["import", str(tmp_path / "affine.pt"), "--arch", "1,1", "--data", str(data_csv)]
    assert main([*argv, "-o", str(out)]) == 0


def test_label_columns_by_name_and_the_split_reported(tmp_path: Path, capsys: Any) -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    torch.save(model.state_dict(), tmp_path / "model.pt")
    data = tmp_path / "yx.csv"
    data.write_text("y,x1,x2\n1,0,1\n2,1,0\n0,2,2\n", encoding="utf-8")
    out = tmp_path / "problem.json"
    argv = ["import", str(tmp_path / "model.pt"), "--arch", "2,2,1", "--activation", "relu"]
    argv += ["--data", str(data), "-o", str(out)]
    assert main([*argv, "--label-columns", "y"]) == 0
    err = capsys.readouterr().err
    assert "inputs 'x1' (column 2), 'x2' (column 3); labels 'y' (column 1)" in err
    assert read_problem(out).data.label_rows() == [[1], [2], [0]]
    out.unlink()
    assert main([*argv, "--label-columns", "2"]) == 2  # 1 input and 2 labels: not the model's
    err = capsys.readouterr().err
    assert "1 input and 2 label columns" in err and "d_X = 2 and d_Y = 1" in err
    assert not out.exists()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter says it is old
def test_onnx_exported_by_torch_without_onnxscript(tmp_path: Path, data_csv: Path) -> None:
    """README's recipe: torch.onnx.export(..., dynamo=False) needs no onnxscript."""
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 3), torch.nn.LeakyReLU(0.01), torch.nn.Linear(3, 1)
    )
    path = tmp_path / "model.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(1, 1),),
        str(path),
        dynamo=False,
        input_names=["x"],
        dynamic_axes={"x": {0: "n"}},
    )
    out = tmp_path / "problem.json"
    assert main(["import", str(path), "--data", str(data_csv), "-o", str(out)]) == 0
    assert read_problem(out).network == from_torch(model, (np.zeros((1, 1)), np.zeros(1))).network

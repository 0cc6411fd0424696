"""ONNX import on models the tests build with onnx's helper API; checked against onnx's own
reference evaluator. onnx is imported inside the tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscert.errors import InputError, UnsupportedError
from losscert.io import from_onnx
from losscert.io.onnx_import import network_from_onnx
from losscert.model.activation import Activation, abs_activation, hardtanh, leaky_relu, relu, relu6


@pytest.fixture(scope="module")
def onnx() -> Any:
    import onnx

    return onnx


def _model(
    onnx: Any, nodes: list[Any], weights: dict[str, np.ndarray], d_in: int, opset: int = 13
) -> Any:
    helper = onnx.helper
    graph = helper.make_graph(
        nodes,
        "net",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, d_in])],
        [helper.make_tensor_value_info(nodes[-1].output[0], onnx.TensorProto.FLOAT, [None, None])],
        initializer=[
            onnx.numpy_helper.from_array(np.asarray(v, dtype=np.float32), name=k)
            for k, v in weights.items()
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _gemm_net(onnx: Any, act_nodes: list[Any], extra: dict[str, Any] | None = None) -> Any:
    """x -> Gemm(W1, b1, transB=1) -> activation -> Gemm(W2, b2, transB=1) -> y."""
    helper = onnx.helper
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"], name="fc1", transB=1),
        *act_nodes,
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["y"], name="fc2", transB=1),
    ]
    weights = {
        "W1": [[0.5], [-1.0]],
        "b1": [1.0, 0.25],
        "W2": [[1.0, -2.0]],
        "b2": [0.75],
        **(extra or {}),
    }
    return _model(onnx, nodes, weights, 1)


def test_hand_worked_gemm_relu(onnx: Any) -> None:
    model = _gemm_net(onnx, [onnx.helper.make_node("Relu", ["z1"], ["a1"], name="act")])
    problem = from_onnx(model, ([[0.0], [1.0], [2.0]], [0.0, 1.0, 4.0]))
    net = problem.network
    assert net.weights(1) == [[Fraction(1, 2)], [Fraction(-1)]]
    assert net.biases(1) == [Fraction(1), Fraction(1, 4)]
    assert net.weights(2) == [[Fraction(1), Fraction(-2)]]
    assert net.activation == relu()
    # the same network as the PyTorch hand-worked test: f = 5/4, 9/4, 11/4; risk 25/16
    assert problem.risk() == Fraction(25, 16)


def _clip(onnx: Any, lo: float | None, hi: float | None) -> tuple[list[Any], dict[str, Any]]:
    inputs = ["z1", "lo" if lo is not None else "", "hi" if hi is not None else ""]
    while inputs[-1] == "":
        inputs.pop()
    node = onnx.helper.make_node("Clip", inputs, ["a1"], name="clip")
    consts = {k: np.float32(v) for k, v in (("lo", lo), ("hi", hi)) if v is not None}
    return [node], consts


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (-1.0, 1.0, hardtanh(-1, 1)),
        (0.0, 6.0, relu6()),
        (-0.5, 0.25, hardtanh(Fraction(-1, 2), Fraction(1, 4))),
        (0.0, None, relu()),
        (-2.0, None, Activation.from_pieces([-2], [0, 1], (-2, -2))),
        (None, 3.0, Activation.from_pieces([3], [1, 0], (3, 3))),
    ],
)
def test_clip_bounds(onnx: Any, lo: Any, hi: Any, expected: Activation) -> None:
    nodes, consts = _clip(onnx, lo, hi)
    assert network_from_onnx(_gemm_net(onnx, nodes, consts)).activation == expected


def test_clip_attributes_of_old_opsets(onnx: Any) -> None:
    node = onnx.helper.make_node("Clip", ["z1"], ["a1"], name="clip", min=-1.0, max=1.0)
    model = _gemm_net(onnx, [node])
    model.opset_import[0].version = 6
    assert network_from_onnx(model).activation == hardtanh(-1, 1)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (("LeakyRelu", {"alpha": 0.2}), leaky_relu(Fraction(1, 5))),
        (("LeakyRelu", {}), leaky_relu(Fraction(1, 100))),
        (("Abs", {}), abs_activation()),
    ],
)
def test_activation_ops(onnx: Any, node: Any, expected: Activation) -> None:
    op, attrs = node
    made = onnx.helper.make_node(op, ["z1"], ["a1"], name="act", **attrs)
    assert network_from_onnx(_gemm_net(onnx, [made])).activation == expected


@pytest.mark.parametrize("seed", [0, 1])
def test_matmul_add_exact_and_matches_reference(onnx: Any, seed: int) -> None:
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(seed)
    helper = onnx.helper
    weights = {
        "W1": rng.standard_normal((3, 5)),  # MatMul: x @ W, so in x out
        "b1": rng.standard_normal(5),
        "W2": rng.standard_normal((5, 4)),
        "b2": rng.standard_normal((1, 4)),
        "W3": rng.standard_normal((2, 4)),  # Gemm with transB = 1: out x in
        "b3": rng.standard_normal(2),
    }
    nodes = [
        helper.make_node("MatMul", ["x", "W1"], ["m1"], name="mm1"),
        helper.make_node("Add", ["m1", "b1"], ["z1"], name="add1"),
        helper.make_node("LeakyRelu", ["z1"], ["a1"], name="act1", alpha=0.1),
        helper.make_node("MatMul", ["a1", "W2"], ["m2"], name="mm2"),
        helper.make_node("Add", ["m2", "b2"], ["z2"], name="add2"),
        helper.make_node("LeakyRelu", ["z2"], ["a2"], name="act2", alpha=0.1),
        helper.make_node("Identity", ["a2"], ["i2"], name="id"),
        helper.make_node("Gemm", ["i2", "W3", "b3"], ["y"], name="fc3", transB=1),
    ]
    model = _model(onnx, nodes, weights, 3)
    x = (rng.standard_normal((6, 3)) * 2).astype(np.float32)
    problem = from_onnx(model, (x, np.zeros((6, 2))))
    net = problem.network
    w32 = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
    assert net.weights(1) == [[Fraction(float(v)) for v in row] for row in w32["W1"].T]
    assert net.biases(2) == [Fraction(float(v)) for v in w32["b2"].reshape(-1)]
    assert net.weights(3) == [[Fraction(float(v)) for v in row] for row in w32["W3"]]
    assert net.activation == leaky_relu(Fraction(1, 10))
    exact = np.array([[float(v) for v in row] for row in problem.trace().output_rows()])
    (reference,) = ReferenceEvaluator(model).run(None, {"x": x})
    assert np.allclose(exact, reference, rtol=1e-5, atol=1e-5)


# --- refusals ---------------------------------------------------------------------------------------


def test_unsupported_op_named(onnx: Any, tmp_path: Path) -> None:
    model = _gemm_net(onnx, [onnx.helper.make_node("Sigmoid", ["z1"], ["a1"], name="squash")])
    with pytest.raises(UnsupportedError, match=r"node 'squash' \(op Sigmoid\) is not supported"):
        network_from_onnx(model)
    path = tmp_path / "sigmoid.onnx"
    onnx.save(model, str(path))
    with pytest.raises(UnsupportedError, match=r"sigmoid\.onnx: node 'squash' \(op Sigmoid\)"):
        network_from_onnx(path)


def test_shapes_that_do_not_chain(onnx: Any) -> None:
    model = _gemm_net(
        onnx, [onnx.helper.make_node("Relu", ["z1"], ["a1"])], {"W2": [[1.0, 2.0, 3.0]]}
    )
    with pytest.raises(
        InputError, match=r"node 'fc2' \(op Gemm\) takes 3 inputs.*'fc1'.*2 outputs"
    ):
        network_from_onnx(model)


def test_weight_that_is_not_constant(onnx: Any) -> None:
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
        "net",
        [
            helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, 2]),
            helper.make_tensor_value_info("W", onnx.TensorProto.FLOAT, [2, 1]),
        ],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, None])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(UnsupportedError, match="one graph input"):
        network_from_onnx(model)


def test_branching_graph_refused(onnx: Any) -> None:
    helper = onnx.helper
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"], name="fc1", transB=1),
        helper.make_node("Relu", ["z1"], ["a1"], name="act"),
        helper.make_node("Add", ["a1", "z1"], ["s"], name="skip"),
        helper.make_node("Gemm", ["s", "W2", "b2"], ["y"], name="fc2", transB=1),
    ]
    weights = {"W1": [[1.0]], "b1": [0.0], "W2": [[1.0]], "b2": [0.0]}
    with pytest.raises(UnsupportedError, match=r"'skip' \(op Add\).*only as the bias of a MatMul"):
        network_from_onnx(_model(onnx, nodes, weights, 1))


def test_gemm_scaling_refused(onnx: Any) -> None:
    helper = onnx.helper
    node = helper.make_node("Gemm", ["x", "W1", "b1"], ["y"], name="fc", transB=1, alpha=2.0)
    with pytest.raises(UnsupportedError, match="alpha = beta = 1"):
        network_from_onnx(_model(onnx, [node], {"W1": [[1.0]], "b1": [0.0]}, 1))


def test_malformed_files(onnx: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\xff\xfe not a protobuf at all \x00\x01")
    with pytest.raises(InputError, match=r"junk\.onnx"):
        network_from_onnx(junk)
    with pytest.raises(InputError, match="no such file"):
        network_from_onnx(tmp_path / "missing.onnx")
    with pytest.raises(InputError, match="ModelProto"):
        network_from_onnx(42)


# --- found by tests/property/test_reader_fuzz.py (issue 15): tracebacks before -----------------


def _with_initializer(onnx: Any, change: Any, tmp_path: Path) -> Path:
    model = _gemm_net(onnx, [onnx.helper.make_node("Relu", ["z1"], ["a1"], name="act")])
    change(model.graph.initializer[0])
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def _long_raw_data(tensor: Any) -> None:
    tensor.raw_data = tensor.raw_data * 2  # four floats for a 2 x 1 matrix: onnx's checker passes


def _unknown_type(tensor: Any) -> None:
    tensor.data_type = 29


def _external(tensor: Any) -> None:
    tensor.data_location = 1  # TensorProto.EXTERNAL: a file next to the model would be read


def _huge(tensor: Any) -> None:
    tensor.dims[:] = [10**7, 1]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (_long_raw_data, "W1.*cannot read the tensor"),
        (_unknown_type, "W1.*cannot read the tensor"),
        (_external, "external"),
        (_huge, "not a valid ONNX model|beyond the limit"),
    ],
)
def test_a_broken_initializer_is_an_input_error(
    onnx: Any, tmp_path: Path, change: Any, fragment: str
) -> None:
    from losscert.io.model_files import read_model_file

    with pytest.raises(InputError, match=fragment):
        read_model_file(_with_initializer(onnx, change, tmp_path), None, None)

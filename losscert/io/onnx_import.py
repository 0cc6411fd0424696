"""ONNX import (the ``onnx`` extra): chains of Gemm / MatMul+Add and piecewise-linear activations.

Supported operators: ``Gemm`` (alpha = beta = 1, transA = 0, either transB), ``MatMul`` with an
optional following ``Add`` of a constant bias, ``Relu``, ``LeakyRelu``, ``Clip`` (any bounds;
``Clip(0, 6)`` is ReLU6), ``Abs`` and ``Identity``. Weights and bounds must be constants
(initializers or ``Constant`` nodes); the graph must be one chain from its single input to its
single output. Anything else is refused with the node's name and operator.

Reading an ONNX file parses a protobuf message: no code runs. Weights become the exact rationals
their floats store; float32 attributes (LeakyRelu's alpha, Clip's bounds) the shortest decimals
that round to them (0.01 -> 1/100, as for PyTorch). onnx is imported inside the functions.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from losscert.errors import InputError, UnsupportedError
from losscert.io.layer_sequence import (
    ActivationItem,
    AffineItem,
    Item,
    network_from_items,
    problem_from,
)
from losscert.model.activation import (
    Activation,
    abs_activation,
    hardtanh,
    leaky_relu,
    linear,
    relu,
    relu6,
)
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Clip", "Abs", "Identity")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise UnsupportedError("ONNX import needs onnx: pip install 'losscert[onnx]'") from exc
    return onnx


def from_onnx(model: Any, data: Any, *, loss: Loss | str = "squared") -> Problem:
    """The problem of an ONNX model (a path or a ``ModelProto``) on ``data`` with ``loss``.

    ``data`` is a :class:`~losscert.model.dataset.Dataset` or a pair (inputs, labels) of arrays.
    """
    return problem_from(network_from_onnx(model), data, loss, "from_onnx")


def network_from_onnx(model: Any) -> Network:
    """The exact :class:`Network` of an ONNX model (a path or a ``ModelProto``)."""
    onnx = _onnx()
    source = "onnx model"
    if isinstance(model, str | Path):
        source = str(model)
        model = read_onnx_model(Path(model))
    if not isinstance(model, onnx.ModelProto):
        raise InputError(
            f"from_onnx: expected a path or an onnx.ModelProto, got {type(model).__name__}"
        )
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # ValidationError and friends
        raise InputError(f"{source}: not a valid ONNX model: {_first_line(exc)}") from exc
    return network_from_items(_GraphWalk(model.graph, source).items(), source)


def read_onnx_model(path: Path) -> Any:
    """Parse an ONNX file (a protobuf message; nothing in it is executed)."""
    onnx = _onnx()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # DecodeError and friends
        raise InputError(f"{path}: cannot read an ONNX model: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


MAX_INITIALIZER_ELEMENTS = 10**6
"""The most numbers in one initializer (a weight matrix or bias); the checker reads at most 10^6
parameters in all."""


def _constant(onnx: Any, tensor: Any, source: str) -> Any:
    """An initializer as an array; InputError for external data (never read from disk), sizes
    beyond the limit, and any tensor onnx cannot convert (unknown types, data of the wrong size)."""
    where = f"{source}: initializer {tensor.name!r}"
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        raise InputError(f"{where}: stored as external data, which is not read")
    count = 1
    for dim in tensor.dims:
        count *= max(int(dim), 0)
    if count > MAX_INITIALIZER_ELEMENTS:
        raise InputError(
            f"{where}: {count} numbers are beyond the limit of {MAX_INITIALIZER_ELEMENTS}"
        )
    try:
        return onnx.numpy_helper.to_array(tensor)
    except Exception as exc:  # unknown data types, data that does not fill the shape
        raise InputError(f"{where}: cannot read the tensor: {_first_line(exc)}") from exc


class _GraphWalk:
    """Follows the one tensor that flows from the graph's input to its output, node by node."""

    def __init__(self, graph: Any, source: str) -> None:
        onnx = _onnx()
        self.source = source
        self.constants = {t.name: _constant(onnx, t, source) for t in graph.initializer}
        inputs = [v.name for v in graph.input if v.name not in self.constants]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise UnsupportedError(
                f"{source}: expected one graph input and one output, got inputs {inputs} and "
                f"outputs {[v.name for v in graph.output]}"
            )
        self.current = inputs[0]
        self.output = graph.output[0].name
        self.nodes = list(graph.node)
        self.result: list[Item] = []
        self.open_matmul = False  # the last item is a MatMul that an Add may still give a bias

    def items(self) -> list[Item]:
        for node in self.nodes:
            if node.op_type == "Constant":
                self._constant(node)
                continue
            self._node(node)
        if self.current != self.output:
            raise InputError(
                f"{self.source}: the chain of nodes ends at {self.current!r}, not at the graph "
                f"output {self.output!r}"
            )
        return self.result

    def _node(self, node: Any) -> None:
        label = f"node {node.name or '(unnamed)'!r} (op {node.op_type})"
        if node.op_type not in SUPPORTED_OPS:
            raise UnsupportedError(
                f"{self.source}: {label} is not supported; supported operators: "
                f"{', '.join(SUPPORTED_OPS)}"
            )
        if not node.input or node.input[0] != self.current or len(node.output) != 1:
            raise UnsupportedError(
                f"{self.source}: {label} does not continue the chain from {self.current!r}; only "
                "a single chain of layers (input -> ... -> output) is supported"
            )
        handler = getattr(self, f"_op_{node.op_type}")
        handler(node, label)
        self.open_matmul = node.op_type == "MatMul"
        self.current = node.output[0]

    def _constant(self, node: Any) -> None:
        onnx = _onnx()
        attrs = {a.name: a for a in node.attribute}
        if "value" not in attrs:
            raise UnsupportedError(
                f"{self.source}: Constant node {node.name!r}: only the 'value' attribute is supported"
            )
        self.constants[node.output[0]] = onnx.numpy_helper.to_array(attrs["value"].t)

    def _const(self, name: str, label: str, what: str) -> np.ndarray:
        if name not in self.constants:
            raise UnsupportedError(
                f"{self.source}: {label}: the {what} {name!r} is not a constant (initializer "
                "or Constant node); only fixed weights can be imported"
            )
        array = self.constants[name]
        if array.dtype.kind != "f":
            raise InputError(f"{self.source}: {label}: the {what} {name!r} has dtype {array.dtype}")
        return array

    def _attributes(self, node: Any) -> dict[str, Any]:
        helper = _onnx().helper
        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    # --- affine operators ----------------------------------------------------------------------

    def _op_Gemm(self, node: Any, label: str) -> None:
        attrs = self._attributes(node)
        if (
            attrs.get("alpha", 1.0) != 1.0
            or attrs.get("beta", 1.0) != 1.0
            or attrs.get("transA", 0)
        ):
            raise UnsupportedError(
                f"{self.source}: {label}: only alpha = beta = 1 and transA = 0 are supported, got "
                f"{ {k: attrs[k] for k in ('alpha', 'beta', 'transA') if k in attrs} }"
            )
        matrix = self._const(node.input[1], label, "weight")
        if matrix.ndim != 2:
            raise InputError(f"{self.source}: {label}: the weight has shape {matrix.shape}")
        weight = matrix if attrs.get("transB", 0) else matrix.T
        bias = np.zeros(weight.shape[0])
        if len(node.input) > 2 and node.input[2]:
            bias = self._bias(node.input[2], weight.shape[0], label)
        self.result.append(AffineItem(label, weight, bias))

    def _op_MatMul(self, node: Any, label: str) -> None:
        matrix = self._const(node.input[1], label, "weight")
        if matrix.ndim != 2:
            raise InputError(f"{self.source}: {label}: the weight has shape {matrix.shape}")
        self.result.append(AffineItem(label, matrix.T, np.zeros(matrix.shape[1])))

    def _op_Add(self, node: Any, label: str) -> None:
        last = self.result[-1] if self.result else None
        if not self.open_matmul or not isinstance(last, AffineItem):
            raise UnsupportedError(
                f"{self.source}: {label}: an Add is supported only as the bias of a MatMul"
            )
        bias = self._bias(node.input[1], last.weight.shape[0], label)
        self.result[-1] = AffineItem(last.name, last.weight, bias)

    def _bias(self, name: str, width: int, label: str) -> np.ndarray:
        array = self._const(name, label, "bias")
        if array.size == 1:
            return np.full(width, float(array.reshape(-1)[0]))
        if array.reshape(-1).shape != (width,) or (array.ndim == 2 and array.shape[0] != 1):
            raise InputError(
                f"{self.source}: {label}: the bias {name!r} has shape {array.shape}, but the layer "
                f"has {width} outputs"
            )
        return array.reshape(-1)

    # --- activations ---------------------------------------------------------------------------

    def _activation(self, label: str, activation: Activation) -> None:
        self.result.append(ActivationItem(label, activation))

    def _op_Relu(self, node: Any, label: str) -> None:
        self._activation(label, relu())

    def _op_Abs(self, node: Any, label: str) -> None:
        self._activation(label, abs_activation())

    def _op_Identity(self, node: Any, label: str) -> None:
        pass  # passes its input through: nothing to record

    def _op_LeakyRelu(self, node: Any, label: str) -> None:
        alpha = _decimal32(self._attributes(node).get("alpha", 0.01), f"{label}.alpha")
        try:
            self._activation(label, leaky_relu(alpha))
        except InputError as exc:
            raise InputError(f"{self.source}: {label}: {exc}") from exc

    def _op_Clip(self, node: Any, label: str) -> None:
        attrs = self._attributes(node)
        bounds: list[Fraction | None] = [None, None]
        for k, key in enumerate(("min", "max")):
            if len(node.input) > k + 1 and node.input[k + 1]:
                value = self._const(node.input[k + 1], label, key)
                bounds[k] = _decimal32(float(value.reshape(-1)[0]), f"{label}.{key}")
            elif key in attrs:  # opset < 11 kept the bounds as attributes
                bounds[k] = _decimal32(attrs[key], f"{label}.{key}")
        try:
            self._activation(label, _clip(bounds[0], bounds[1]))
        except InputError as exc:
            raise InputError(f"{self.source}: {label}: {exc}") from exc


def _clip(lo: Fraction | None, hi: Fraction | None) -> Activation:
    """clip(z, lo, hi) with either bound possibly absent."""
    if lo is not None and hi is not None:
        return relu6() if (lo, hi) == (0, 6) else hardtanh(lo, hi)
    if lo is not None:
        return relu() if lo == 0 else Activation.from_pieces([lo], [0, 1], (lo, lo))
    if hi is not None:
        return Activation.from_pieces([hi], [1, 0], (hi, hi))
    return linear()


def _decimal32(value: Any, where: str) -> Fraction:
    """A float32 attribute as the shortest decimal that rounds to it (0.01 -> 1/100)."""
    number = np.float32(value)
    if not np.isfinite(number):
        raise InputError(f"{where}: got the non-finite value {value!r}")
    return Fraction(str(number))

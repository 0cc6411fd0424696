"""Trained-model files by suffix: PyTorch state dicts (.pt, .pth) and ONNX models (.onnx)."""

from __future__ import annotations

from pathlib import Path

from losscert.errors import InputError
from losscert.io.onnx_import import network_from_onnx
from losscert.io.torch_import import read_torch_network
from losscert.model.activation import Activation, linear
from losscert.model.network import Network

TORCH_SUFFIXES = (".pt", ".pth")


def read_model_file(
    path: str | Path, widths: tuple[int, ...] | None, activation: Activation | None
) -> Network:
    """The network stored in ``path``.

    A state dict holds weights only, so ``.pt`` / ``.pth`` files need ``widths`` (d_X, ..., d_Y)
    and, with a hidden layer, ``activation`` (never assumed: a Sigmoid model read as ReLU would
    be certified as a different network); an ONNX file describes its own architecture, and giving either is an error
    (it would be silently ignored otherwise).
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix in TORCH_SUFFIXES:
        if widths is None:
            raise InputError(
                f"{file}: a PyTorch state dict holds weights only; give the architecture with "
                "--arch D_X,D_1,...,D_Y (and --activation)"
            )
        if activation is None:
            if len(widths) > 2:
                raise InputError(
                    f"{file}: a PyTorch state dict does not record its activation; give the "
                    "one between the nn.Linear layers with --activation (relu, "
                    "leaky_relu:1/100, hardtanh:-1,1, relu6 or linear)"
                )
            activation = linear()  # no hidden layer: no activation is ever applied
        return read_torch_network(file, widths, activation)
    if suffix == ".onnx":
        if widths is not None or activation is not None:
            raise InputError(
                f"{file}: an ONNX model states its own architecture; drop --arch and --activation"
            )
        return network_from_onnx(file)
    raise InputError(f"{file}: expected a PyTorch state dict (.pt, .pth) or an ONNX model (.onnx)")

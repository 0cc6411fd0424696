"""PyTorch import (the ``torch`` extra): ``nn.Sequential`` models and state-dict files.

Supported: ``nn.Linear`` layers with, between them, one of ``nn.ReLU``, ``nn.LeakyReLU``,
``nn.Hardtanh``, ``nn.ReLU6`` or ``nn.Identity`` (a linear network); the same activation in every
hidden layer. Layers are matched by exact type, so a subclass with its own ``forward`` is refused
rather than misread. Weights become the exact rationals their floats store; activation parameters
the decimals they were written as (see :func:`decimal_parameter`).

State-dict files are read with ``torch.load(..., weights_only=True)`` only: PyTorch's restricted
unpickler, which builds tensors and plain containers and refuses every other object, so a file
cannot run code. torch is imported inside the functions that need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from losscert.errors import InputError, UnsupportedError
from losscert.io.layer_sequence import (
    ActivationItem,
    AffineItem,
    Item,
    decimal_parameter,
    network_from_items,
    problem_from,
)
from losscert.model.activation import Activation, hardtanh, leaky_relu, linear, relu, relu6
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem

SUPPORTED_LAYERS = ("Linear", "ReLU", "LeakyReLU", "Hardtanh", "ReLU6", "Identity")


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise UnsupportedError(
            "PyTorch import needs torch: pip install 'losscert[torch]' (pins the CPU-only torch 2.13.0)"
        ) from exc
    return torch


def from_torch(module: Any, data: Any, *, loss: Any = "squared") -> Problem:
    """The problem of a PyTorch model at its current weights, on ``data``, with ``loss``.

    ``module`` is an ``nn.Sequential`` (or a single ``nn.Linear``) of the supported layers;
    ``data`` a :class:`~losscert.model.dataset.Dataset` or a pair (inputs, labels) of tensors or
    arrays, n x d_X and n x d_Y (or n), converted exactly. ``loss`` is a losscert loss (name or
    object) or the PyTorch loss object of training (``nn.MSELoss``, ``nn.L1Loss``,
    ``nn.HuberLoss``, ``nn.BCEWithLogitsLoss``, ``nn.CrossEntropyLoss``; see
    :mod:`losscert.io.torch_losses`). Raises UnsupportedError naming the first layer (or loss) of
    another kind, InputError for shapes that do not chain or data that does not fit.
    """
    network = network_from_torch(module)
    if not isinstance(loss, Loss | str):
        from losscert.io.torch_losses import loss_from_torch

        loss, data = loss_from_torch(loss, data, network.output_dim)
    return problem_from(network, data, loss, "from_torch")


def network_from_torch(module: Any) -> Network:
    """The exact :class:`Network` of an ``nn.Sequential`` of supported layers (see the module doc)."""
    nn = _torch().nn
    if type(module) is nn.Linear:
        layers: list[tuple[str, Any]] = [("layer Linear", module)]
    elif isinstance(module, nn.Sequential):
        layers = [
            (f"layer [{name}] {type(child).__name__}", child)
            for name, child in module.named_children()
        ]
    else:
        raise UnsupportedError(
            f"from_torch: expected an nn.Sequential of {', '.join(SUPPORTED_LAYERS)}, "
            f"got {type(module).__name__}"
        )
    return network_from_items([_item(name, layer) for name, layer in layers], "from_torch")


def _item(name: str, layer: Any) -> Item:
    nn = _torch().nn
    kind = type(layer)
    if kind is nn.Linear:
        weight = layer.weight.detach().cpu()
        _require_float(weight, f"from_torch: {name}")
        out_dim = weight.shape[0]
        bias = (
            layer.bias.detach().cpu().double().numpy()
            if layer.bias is not None
            else _torch().zeros(out_dim, dtype=_torch().float64).numpy()
        )
        return AffineItem(name, weight.double().numpy(), bias)
    for candidate, build in _activation_table(nn).items():
        if kind is candidate:
            try:
                return ActivationItem(name, build(layer, name))
            except InputError as exc:
                raise InputError(f"from_torch: {name}: {exc}") from exc
    raise UnsupportedError(
        f"from_torch: {name} is not supported; supported layers: {', '.join(SUPPORTED_LAYERS)} "
        "(piecewise-linear activations between nn.Linear layers)"
    )


def _activation_table(nn: Any) -> dict[type, Callable[[Any, str], Activation]]:
    """One translation per supported activation module (matched by exact type)."""
    return {
        nn.ReLU: lambda layer, name: relu(),
        nn.LeakyReLU: lambda layer, name: leaky_relu(
            decimal_parameter(layer.negative_slope, f"{name}.negative_slope")
        ),
        nn.Hardtanh: lambda layer, name: hardtanh(
            decimal_parameter(layer.min_val, f"{name}.min_val"),
            decimal_parameter(layer.max_val, f"{name}.max_val"),
        ),
        nn.ReLU6: lambda layer, name: relu6(),
        nn.Identity: lambda layer, name: linear(),
    }


def _require_float(tensor: Any, name: str) -> None:
    if not tensor.dtype.is_floating_point:
        raise InputError(f"from_torch: {name}: weights of dtype {tensor.dtype} are not floats")


# --- state-dict files ------------------------------------------------------------------------------

_KEY = re.compile(r"^(?P<prefix>.*?)(?P<index>\d+)\.(?P<field>weight|bias)$")


def load_state_dict(path: str | Path) -> dict[str, Any]:
    """Tensors of a ``torch.save(model.state_dict(), path)`` file, never unpickling other objects."""
    torch = _torch()
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    try:
        loaded = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError, zip errors: all mean "not accepted"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"{file}: not a state dict of tensors that can be loaded safely "
            f"(torch.load with weights_only=True refused it: {first}); save the weights with "
            "torch.save(model.state_dict(), path)"
        ) from exc
    if not isinstance(loaded, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()
    ):
        raise InputError(
            f"{file}: expected a state dict (a mapping of names to tensors), got {type(loaded).__name__}"
        )
    return dict(loaded)


def network_from_state_dict(
    state: Mapping[str, Any], widths: tuple[int, ...], activation: Activation, source: str
) -> Network:
    """The network ``widths`` with ``activation`` whose weights are those of ``state``.

    The keys must be those of ``nn.Sequential(Linear, act, Linear, ..., Linear)``: for linear
    layer k (from 0), ``{prefix}{2k}.weight`` and optionally ``{prefix}{2k}.bias`` (a model kept
    in an attribute has a prefix such as ``net.``). Any other key is refused by name.
    """
    torch = _torch()
    layers: dict[int, dict[str, Any]] = {}
    prefixes = set()
    for key, tensor in state.items():
        match = _KEY.match(key)
        if match is None or int(match["index"]) % 2:
            raise InputError(
                f"{source}: unexpected key {key!r}; expected the keys of nn.Sequential(Linear, "
                "activation, Linear, ...): 0.weight, 0.bias, 2.weight, 2.bias, ..."
            )
        prefixes.add(match["prefix"])
        layers.setdefault(int(match["index"]) // 2, {})[match["field"]] = tensor
    if len(prefixes) > 1:
        raise InputError(f"{source}: keys with different prefixes {sorted(prefixes)}")
    expected = len(widths) - 1
    if sorted(layers) != list(range(expected)):
        found = ", ".join(f"{prefix}{2 * k}.weight" for k in sorted(layers) for prefix in prefixes)
        raise InputError(
            f"{source}: --arch {','.join(map(str, widths))} has {expected} linear layers, the file "
            f"holds weights for {found or 'none'}"
        )
    items: list[Item] = []
    prefix = prefixes.pop()
    for k in range(expected):
        name = f"{prefix}{2 * k}"
        if "weight" not in layers[k]:
            raise InputError(f"{source}: {name}.bias has no {name}.weight")
        weight = layers[k]["weight"]
        shape = (widths[k + 1], widths[k])
        if tuple(weight.shape) != shape:
            raise InputError(
                f"{source}: {name}.weight has shape {tuple(weight.shape)}, but --arch "
                f"{','.join(map(str, widths))} needs {shape} (out x in) for linear layer {k + 1}"
            )
        _require_float(weight, f"{source}: {name}.weight")
        bias = layers[k].get("bias", torch.zeros(shape[0], dtype=torch.float64))
        if tuple(bias.shape) != (shape[0],):
            raise InputError(
                f"{source}: {name}.bias has shape {tuple(bias.shape)}, expected ({shape[0]},)"
            )
        if k:
            items.append(ActivationItem(f"activation [{2 * k - 1}]", activation))
        items.append(AffineItem(f"layer {name}", weight.double().numpy(), bias.double().numpy()))
    return network_from_items(items, source)


def read_torch_network(
    path: str | Path, widths: tuple[int, ...], activation: Activation
) -> Network:
    """Load a state-dict file safely and build the network ``widths`` with ``activation``."""
    return network_from_state_dict(load_state_dict(path), widths, activation, str(path))

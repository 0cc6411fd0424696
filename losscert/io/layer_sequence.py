"""From a foreign model's layer list (PyTorch modules, ONNX nodes) to an exact :class:`Network`.

Importers translate each layer of a foreign model into one of two neutral items, in order:
:class:`AffineItem` (float weight and bias arrays) or :class:`ActivationItem` (an exact
:class:`Activation`), each carrying the name of the layer it came from. :func:`network_from_items`
then checks the sequence has the shape losscert models (affine, activation, affine, ..., affine,
with one activation everywhere) and converts every float weight to the exact rational it stores.
Every error names the foreign layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from losscert.errors import InputError, UnsupportedError
from losscert.model.activation import Activation, linear
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss, make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import float_to_rational


@dataclass(frozen=True)
class AffineItem:
    """``z = weight @ a + bias``: ``weight`` is out x in, ``bias`` has ``out`` entries (floats).

    ``name`` names the foreign layer in messages ("layer [0] Linear", "node 'fc1' (op Gemm)").
    """

    name: str
    weight: np.ndarray
    bias: np.ndarray


@dataclass(frozen=True)
class ActivationItem:
    name: str
    activation: Activation


Item = AffineItem | ActivationItem


def network_from_items(items: Sequence[Item], source: str) -> Network:
    """The exact network of an alternating sequence affine, activation, ..., affine.

    Raises InputError (bad order, shapes that do not chain, non-finite weights) or
    UnsupportedError (two different activations: losscert networks use one) naming the layer.
    """
    affines, activation = _split(items, source)
    weights, biases = [], []
    previous: AffineItem | None = None
    for item in affines:
        weight, bias = _shaped(item, source)
        if previous is not None and weight.shape[1] != previous.weight.shape[0]:
            raise InputError(
                f"{source}: {item.name} takes {weight.shape[1]} inputs but the layer "
                f"before it, {previous.name}, has {previous.weight.shape[0]} outputs: the shapes "
                "do not chain"
            )
        weights.append(_exact_matrix(weight, f"{source}: {item.name}: weight"))
        biases.append([_exact(v, f"{source}: {item.name}: bias[{r}]") for r, v in enumerate(bias)])
        previous = item
    return Network.from_rationals(weights, biases, activation, where=source)


def _split(items: Sequence[Item], source: str) -> tuple[list[AffineItem], Activation]:
    if not items:
        raise InputError(f"{source}: the model has no layers")
    for position, item in enumerate(items):
        expected = AffineItem if position % 2 == 0 else ActivationItem
        if not isinstance(item, expected):
            raise InputError(f"{source}: {_order_problem(items, position)}")
    if not isinstance(items[-1], AffineItem):
        raise InputError(
            f"{source}: the model ends with the activation {items[-1].name}; losscert networks "
            "end with a linear layer (f(x) = W_L a_{L-1} + b_L)"
        )
    activations = [item for item in items if isinstance(item, ActivationItem)]
    activation = activations[0].activation if activations else linear()
    for item in activations[1:]:
        if _pieces(item.activation) != _pieces(activation):
            raise UnsupportedError(
                f"{source}: {item.name} applies {item.activation.describe()} but "
                f"{activations[0].name} applies {activation.describe()}; losscert networks use "
                "one activation in every hidden layer"
            )
    return [item for item in items if isinstance(item, AffineItem)], activation


def _order_problem(items: Sequence[Item], position: int) -> str:
    item = items[position]
    if isinstance(item, AffineItem):
        return (
            f"{item.name} follows {items[position - 1].name} with no "
            "activation between them; losscert networks apply an activation after every hidden "
            "layer (use an identity activation for a linear network)"
        )
    if position == 0:
        return (
            f"the model starts with the activation {item.name}; it must start with a linear layer"
        )
    return (
        f"the activation {item.name} follows the activation {items[position - 1].name}; "
        "losscert networks apply one activation between two linear layers"
    )


def _pieces(activation: Activation) -> tuple[Any, ...]:
    return (activation.breakpoints, activation.slopes, activation.intercepts)


def _shaped(item: AffineItem, source: str) -> tuple[np.ndarray, np.ndarray]:
    weight = np.asarray(item.weight, dtype=np.float64)
    bias = np.asarray(item.bias, dtype=np.float64).reshape(-1)
    if weight.ndim != 2 or 0 in weight.shape:
        raise InputError(
            f"{source}: {item.name}: expected a 2-D weight matrix, got shape {weight.shape}"
        )
    if bias.shape[0] != weight.shape[0]:
        raise InputError(
            f"{source}: {item.name}: the weight has {weight.shape[0]} rows but the bias "
            f"has {bias.shape[0]} entries"
        )
    return weight, bias


def _exact_matrix(weight: np.ndarray, where: str) -> list[list[Fraction]]:
    return [
        [_exact(v, f"{where}[{r}][{c}]") for c, v in enumerate(row)] for r, row in enumerate(weight)
    ]


def _exact(value: Any, where: str) -> Fraction:
    """The exact rational a float stores (float16 / float32 widen to float64 exactly)."""
    return float_to_rational(float(value), where)


def decimal_parameter(value: float, where: str) -> Fraction:
    """An activation's parameter (a slope, a clip bound) as the decimal it was written as.

    Frameworks keep such parameters as floats: ``LeakyReLU(0.01)`` holds the double nearest 1/100.
    The shortest decimal that rounds back to the float (Python's ``repr``) is what the user wrote,
    so that is the rational losscert uses: 0.01 -> 1/100. Weights, in contrast, are converted
    exactly (they are the numbers training produced, not numbers anyone wrote).
    """
    number = float(value)
    if not np.isfinite(number):
        raise InputError(f"{where}: got the non-finite value {number!r}")
    return Fraction(repr(number))


def dataset_from(data: Any, where: str) -> Dataset:
    """A :class:`Dataset`, or a pair (inputs, labels) of arrays / tensors (floats converted exactly)."""
    if isinstance(data, Dataset):
        return data
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise InputError(
            f"{where}: data must be a losscert Dataset or a pair (inputs, labels), "
            f"got {type(data).__name__}"
        )
    arrays = [_as_array(part, f"{where}[{k}]") for k, part in enumerate(data)]
    return Dataset.from_numpy(arrays[0], arrays[1], where=where)


def _as_array(value: Any, where: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor: copy to the CPU as float64 (exact)
        value = value.detach().cpu().double().numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise InputError(f"{where}: expected numbers, got an array of dtype {array.dtype}")
    if array.ndim not in (1, 2):
        raise InputError(f"{where}: expected a 1-D or 2-D array, got shape {array.shape}")
    return array


def problem_from(network: Network, data: Any, loss: Loss | str, where: str) -> Problem:
    """The problem of an imported network, its data and a loss given by name or object."""
    loss_obj = make_loss(loss) if isinstance(loss, str) else loss
    return Problem(network, loss_obj, dataset_from(data, where))

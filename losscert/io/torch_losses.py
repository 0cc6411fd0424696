"""PyTorch loss objects as losscert losses (the ``torch`` extra).

``from_torch(model, data, loss=nn.MSELoss())`` takes the loss object the training loop used.
Each supported class maps to a losscert loss whose risk is a positive multiple of PyTorch's
(``reduction="mean"`` averages over samples *and* outputs, ``"sum"`` sums them; losscert averages
over samples and sums over outputs), so local minima, their spuriousness and every certificate
are the same. Labels are converted where the conventions differ: ``BCEWithLogitsLoss`` targets
0 / 1 become -1 / 1 (log(1 + exp(-y f)) is then the same loss), ``CrossEntropyLoss`` class
indices become one-hot rows. Options that change the loss itself (weights, ``pos_weight``,
label smoothing, ``reduction="none"``) are refused by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscert.errors import InputError, UnsupportedError
from losscert.io.layer_sequence import decimal_parameter
from losscert.model.loss import Loss, make_loss

SUPPORTED_LOSSES = ("MSELoss", "L1Loss", "HuberLoss", "BCEWithLogitsLoss", "CrossEntropyLoss")


def loss_from_torch(loss: Any, data: Any, outputs: int) -> tuple[Loss, Any]:
    """The losscert loss of a PyTorch loss object, and ``data`` with its labels converted."""
    name = type(loss).__name__
    where = f"from_torch: loss {name}"
    if name not in SUPPORTED_LOSSES or type(loss).__module__.split(".")[0] != "torch":
        raise UnsupportedError(
            f"{where} is not supported; supported: {', '.join(SUPPORTED_LOSSES)} "
            "(or a losscert loss name such as 'squared')"
        )
    _refuse_options(loss, where)
    if name == "MSELoss":
        return make_loss("squared"), data
    if name == "L1Loss":
        return make_loss("absolute"), data
    if name == "HuberLoss":
        return make_loss("huber", decimal_parameter(loss.delta, f"{where}.delta")), data
    inputs, labels = _pair(data, where)
    if name == "BCEWithLogitsLoss":
        return make_loss("logistic"), (inputs, _signs(labels, where))
    return make_loss("softmax_cross_entropy"), (inputs, _one_hot(labels, outputs, where))


def _refuse_options(loss: Any, where: str) -> None:
    if getattr(loss, "reduction", "mean") not in ("mean", "sum"):
        raise UnsupportedError(f"{where}: reduction={loss.reduction!r}; use 'mean' or 'sum'")
    for option in ("weight", "pos_weight"):
        if getattr(loss, option, None) is not None:
            raise UnsupportedError(f"{where}: {option} is not supported (it reweights samples)")
    if getattr(loss, "label_smoothing", 0.0):
        raise UnsupportedError(f"{where}: label_smoothing={loss.label_smoothing} is not supported")


def _pair(data: Any, where: str) -> tuple[Any, np.ndarray]:
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise InputError(f"{where}: data must be a pair (inputs, labels) to convert the labels")
    labels = data[1]
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().double().numpy()
    return data[0], np.asarray(labels, dtype=float)


def _signs(labels: np.ndarray, where: str) -> np.ndarray:
    """0 / 1 targets -> -1 / 1 labels (log(1 + exp(-(2t - 1) f)) is the BCE of the logit f)."""
    bad = ~np.isin(labels, (0.0, 1.0))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{where}: targets must be 0 or 1, got {labels[index]} at {index}")
    return 2 * labels - 1


def _one_hot(labels: np.ndarray, outputs: int, where: str) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n x outputs); one-hot rows are kept as they are."""
    if labels.ndim == 2:
        return labels
    if labels.ndim != 1 or not np.all(np.isin(labels, np.arange(outputs))):
        raise InputError(
            f"{where}: targets must be class indices 0..{outputs - 1} (or one-hot rows)"
        )
    return np.eye(outputs)[labels.astype(int)]

"""The exact model: activations, networks, losses, data, the forward pass and the risk."""

from losscert.model.activation import (
    PRESETS,
    Activation,
    PieceLocation,
    abs_activation,
    hardtanh,
    leaky_relu,
    linear,
    relu,
    relu6,
)
from losscert.model.dataset import Dataset
from losscert.model.forward import ForwardTrace, float_view, forward, forward_float
from losscert.model.loss import LOSS_KINDS, Interval, Loss, exact_risk, make_loss, risk_bounds
from losscert.model.network import Layer, Network, parameter_names
from losscert.model.problem import Problem
from losscert.model.rationals import parse_rational, rational_string

__all__ = [
    "LOSS_KINDS",
    "PRESETS",
    "Activation",
    "Dataset",
    "ForwardTrace",
    "Interval",
    "Layer",
    "Loss",
    "Network",
    "PieceLocation",
    "Problem",
    "abs_activation",
    "exact_risk",
    "float_view",
    "forward",
    "forward_float",
    "hardtanh",
    "leaky_relu",
    "linear",
    "make_loss",
    "parameter_names",
    "parse_rational",
    "rational_string",
    "relu",
    "relu6",
    "risk_bounds",
]

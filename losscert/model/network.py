"""Exact feed-forward networks with piecewise-linear activations.

``z_1 = W_1 x + b_1``, ``a_j = h(z_j)``, ``z_{j+1} = W_{j+1} a_j + b_{j+1}``, ``f(x) = z_L``: any
depth ``L >= 1`` (``L - 1`` hidden layers, the same activation ``h`` in each), any widths, biases
everywhere and a linear output layer. Every weight is an exact rational, stored as a python-flint
``fmpq_mat`` so that the forward pass works on whole layers at once.

Parameters are named ``W{j}_{r}_{c}`` and ``b{j}_{r}``: layer ``j`` counts from 1, row ``r`` and
column ``c`` from 0. The parameter vector lists, layer by layer, ``W_j`` row by row, then ``b_j``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from losscert.errors import InputError
from losscert.model.activation import Activation
from losscert.model.rationals import (
    float_to_rational,
    parse_matrix,
    parse_vector,
    to_fmpq,
    to_fraction,
)


@dataclass(frozen=True)
class Layer:
    """One affine map ``z = W a + b``: ``weight`` is out x in, ``bias`` is out x 1."""

    weight: fmpq_mat
    bias: fmpq_mat

    @property
    def in_dim(self) -> int:
        return int(self.weight.ncols())

    @property
    def out_dim(self) -> int:
        return int(self.weight.nrows())


class Network:
    """A network of exact rational weights; immutable (``with_parameters`` returns a new one)."""

    def __init__(
        self, layers: Sequence[Layer], activation: Activation, *, where: str = "network"
    ) -> None:
        if not layers:
            raise InputError(f"{where}: needs at least one layer")
        for j in range(1, len(layers)):
            if layers[j].in_dim != layers[j - 1].out_dim:
                raise InputError(
                    f"{where}.layers[{j}]: W has {layers[j].in_dim} columns, but layer "
                    f"{j + 1} must take the {layers[j - 1].out_dim} outputs of layer {j}"
                )
        self._layers = tuple(layers)
        self.activation = activation

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def from_rationals(
        cls,
        weights: Sequence[Sequence[Sequence[Any]]],
        biases: Sequence[Sequence[Any]],
        activation: Activation,
        *,
        allow_float: bool = False,
        where: str = "network",
    ) -> Network:
        """Build from nested lists of ints, Fractions, fmpq or strings ("p/q", decimals).

        ``weights[j]`` is layer ``j + 1``'s matrix as a list of rows, ``biases[j]`` its bias vector.
        """
        if len(weights) != len(biases):
            raise InputError(
                f"{where}: {len(weights)} weight matrices but {len(biases)} bias vectors"
            )
        layers = []
        for j, (w, b) in enumerate(zip(weights, biases, strict=True)):
            place = f"{where}.layers[{j}]"
            matrix = parse_matrix(w, f"{place}.W", allow_float)
            vector = parse_vector(b, f"{place}.b", allow_float)
            if len(vector) != len(matrix):
                raise InputError(
                    f"{place}: W has {len(matrix)} rows but b has {len(vector)} entries"
                )
            layers.append(_layer(matrix, vector))
        return cls(layers, activation, where=where)

    @classmethod
    def from_numpy(
        cls,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        activation: Activation,
        *,
        denominator: int | None = None,
        where: str = "network",
    ) -> Network:
        """Build from float arrays: exactly (default) or rounded to multiples of 1/denominator."""
        rational_w = []
        rational_b = []
        for j, (w, b) in enumerate(zip(weights, biases, strict=True)):
            w_arr = np.asarray(w, dtype=float)
            b_arr = np.asarray(b, dtype=float).reshape(-1)
            if w_arr.ndim != 2:
                raise InputError(
                    f"{where}.layers[{j}].W: expected a 2-D array, got shape {w_arr.shape}"
                )
            rational_w.append(
                [
                    [
                        float_to_rational(
                            float(v), f"{where}.layers[{j}].W[{r}][{c}]", denominator=denominator
                        )
                        for c, v in enumerate(row)
                    ]
                    for r, row in enumerate(w_arr)
                ]
            )
            rational_b.append(
                [
                    float_to_rational(
                        float(v), f"{where}.layers[{j}].b[{r}]", denominator=denominator
                    )
                    for r, v in enumerate(b_arr)
                ]
            )
        return cls.from_rationals(rational_w, rational_b, activation, where=where)

    # --- shape --------------------------------------------------------------------------------

    @property
    def layers(self) -> tuple[Layer, ...]:
        return self._layers

    @property
    def depth(self) -> int:
        """L, the number of affine layers (hidden layers + the output layer)."""
        return len(self._layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """(d_X, d_1, ..., d_{L-1}, d_Y)."""
        return (self._layers[0].in_dim, *(layer.out_dim for layer in self._layers))

    @property
    def input_dim(self) -> int:
        return self._layers[0].in_dim

    @property
    def output_dim(self) -> int:
        return self._layers[-1].out_dim

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        return self.widths[1:-1]

    @property
    def num_parameters(self) -> int:
        return sum(layer.out_dim * (layer.in_dim + 1) for layer in self._layers)

    # --- parameters ---------------------------------------------------------------------------

    def parameter_names(self) -> list[str]:
        """Names in parameter-vector order: per layer, ``W{j}_{r}_{c}`` row by row, then ``b{j}_{r}``."""
        return parameter_names(self.widths)

    def parameter_vector(self) -> list[Fraction]:
        values: list[Fraction] = []
        for layer in self._layers:
            values.extend(to_fraction(v) for v in layer.weight.entries())
            values.extend(to_fraction(v) for v in layer.bias.entries())
        return values

    def with_parameters(self, values: Sequence[Fraction | int | fmpq]) -> Network:
        """The same architecture and activation at another point of parameter space."""
        if len(values) != self.num_parameters:
            raise InputError(
                f"network: expected {self.num_parameters} parameters, got {len(values)}"
            )
        layers = []
        pos = 0
        for layer in self._layers:
            n_w = layer.out_dim * layer.in_dim
            w = [to_fmpq(to_fraction(v)) for v in values[pos : pos + n_w]]
            b = [to_fmpq(to_fraction(v)) for v in values[pos + n_w : pos + n_w + layer.out_dim]]
            pos += n_w + layer.out_dim
            layers.append(
                Layer(fmpq_mat(layer.out_dim, layer.in_dim, w), fmpq_mat(layer.out_dim, 1, b))
            )
        return Network(layers, self.activation)

    def weights(self, j: int) -> list[list[Fraction]]:
        """W_j (1-based layer index) as a list of rows of Fractions."""
        return [[to_fraction(v) for v in row] for row in self._layers[j - 1].weight.tolist()]

    def biases(self, j: int) -> list[Fraction]:
        """b_j (1-based layer index) as a list of Fractions."""
        return [to_fraction(v) for v in self._layers[j - 1].bias.entries()]

    def to_numpy(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W_j, b_j) as float64 arrays: for search only, never for a decision."""
        out = []
        for layer in self._layers:
            w = np.array(
                [[_fmpq_float(v) for v in row] for row in layer.weight.tolist()], dtype=float
            )
            b = np.array([_fmpq_float(v) for v in layer.bias.entries()], dtype=float)
            out.append((w.reshape(layer.out_dim, layer.in_dim), b))
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (
            self.activation == other.activation
            and self.widths == other.widths
            and all(
                a.weight == b.weight and a.bias == b.bias
                for a, b in zip(self._layers, other._layers, strict=True)
            )
        )

    def __hash__(self) -> int:
        return hash((self.widths, tuple(self.parameter_vector())))

    def __repr__(self) -> str:
        return f"Network(widths={self.widths}, activation={self.activation.describe()})"


def parameter_names(widths: Sequence[int]) -> list[str]:
    """Parameter names of the architecture ``widths = (d_X, d_1, ..., d_Y)`` in vector order."""
    names: list[str] = []
    for j in range(1, len(widths)):
        d_in, d_out = widths[j - 1], widths[j]
        names.extend(f"W{j}_{r}_{c}" for r in range(d_out) for c in range(d_in))
        names.extend(f"b{j}_{r}" for r in range(d_out))
    return names


def _fmpq_float(v: fmpq) -> float:
    return int(v.p) / int(v.q)


def _layer(matrix: list[list[Fraction]], vector: list[Fraction]) -> Layer:
    rows, cols = len(matrix), len(matrix[0])
    w = fmpq_mat(rows, cols, [to_fmpq(v) for row in matrix for v in row])
    b = fmpq_mat(rows, 1, [to_fmpq(v) for v in vector])
    return Layer(w, b)


__all__ = ["Layer", "Network", "parameter_names"]

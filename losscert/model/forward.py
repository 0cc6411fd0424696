"""The forward pass: exact (whole layers at once, python-flint) and float (numpy, for search).

The exact pass works on all samples together: ``Z_j = W_j A_{j-1} + b_j 1^T`` is computed with
``fmpq_mat`` products per layer, and only the activation is applied entry by entry. This batching
is what makes exact evaluation affordable (see benchmarks/bench_forward.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import fmpq_mat

from losscert.errors import InputError
from losscert.model.network import Network
from losscert.model.rationals import to_fraction


@dataclass(frozen=True)
class ForwardTrace:
    """Every intermediate value of an exact forward pass over n samples.

    ``pre_activations[j - 1]`` is ``z_j`` (d_j x n) for hidden layer j = 1..L-1; ``outputs`` is
    ``f(x_i)`` for every sample (d_Y x n). Entries are python-flint ``fmpq``.
    """

    pre_activations: tuple[fmpq_mat, ...]
    outputs: fmpq_mat

    def pre_activation(self, layer: int, neuron: int, sample: int) -> Fraction:
        """z_{layer, neuron}(x_sample) as a Fraction, layer counted from 1."""
        return to_fraction(self.pre_activations[layer - 1][neuron, sample])

    def output_rows(self) -> list[list[Fraction]]:
        """f(x_i) as Fractions, one row per sample."""
        return [[to_fraction(v) for v in col] for col in self.outputs.transpose().tolist()]


def forward(network: Network, inputs: fmpq_mat) -> ForwardTrace:
    """Exact forward pass of ``inputs`` (d_X x n, one column per sample)."""
    if inputs.nrows() != network.input_dim:
        raise InputError(
            f"forward pass: the network takes {network.input_dim} inputs per sample, "
            f"the data has {inputs.nrows()}"
        )
    n = int(inputs.ncols())
    ones = fmpq_mat(1, n, [1] * n)
    act = network.activation
    current = inputs
    pre: list[fmpq_mat] = []
    for j, layer in enumerate(network.layers):
        z = layer.weight * current + layer.bias * ones
        if j == network.depth - 1:
            return ForwardTrace(tuple(pre), z)
        pre.append(z)
        current = fmpq_mat(z.nrows(), n, act.apply_many(z.entries()))
    raise AssertionError("unreachable: a network has at least one layer")


def forward_float(
    params: list[tuple[np.ndarray, np.ndarray]],
    breakpoints: np.ndarray,
    slopes: np.ndarray,
    intercepts: np.ndarray,
    inputs: np.ndarray,
) -> np.ndarray:
    """Float forward pass for search: ``inputs`` is n x d_X, the result n x d_Y.

    Takes plain arrays (from :func:`float_view`) so that a search loop converts once.
    """
    a = inputs
    for j, (w, b) in enumerate(params):
        # einsum runs numpy's own single-threaded loops: a threaded BLAS spends more CPU than
        # it saves on products this small (5000 x 32 x 32: 8 ms against 1.6 ms of CPU on a
        # loaded 2-core machine), and a search loop makes dozens of them
        z = np.einsum("ij,kj->ik", a, w) + b
        if j == len(params) - 1:
            return z
        piece = np.searchsorted(breakpoints, z, side="left")
        a = slopes[piece] * z + intercepts[piece]
    raise AssertionError("unreachable: a network has at least one layer")


def float_view(
    network: Network,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray, np.ndarray]:
    """The arguments of :func:`forward_float` for ``network``, converted once."""
    act = network.activation
    return (
        network.to_numpy(),
        np.array([float(p) for p in act.breakpoints], dtype=float),
        np.array([float(s) for s in act.slopes], dtype=float),
        np.array([float(t) for t in act.intercepts], dtype=float),
    )

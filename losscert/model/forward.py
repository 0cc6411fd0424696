"""The forward pass: exact (whole layers at once, python-flint) and float (numpy, for search).

The exact pass works on all samples together, in integers: every layer's values are held as an
integer matrix (``fmpz_mat``, one column per sample) over ONE positive denominator, so a layer is
one integer matrix product ``W' A' + b' d 1^T`` after clearing the denominators of ``[W | b]``,
and the activation is applied entry by entry on integers (comparisons with the breakpoints
scaled by the denominator). No gcd is taken per entry: an ``fmpq_mat`` product canonicalises
every entry, which for the long rationals of snapped minima (1000+ bits) was nearly all of the
cost. Once per layer the numerators and the denominator are divided by their common gcd. The
rational matrices (``ForwardTrace.pre_activations``) are built only when a caller asks for them;
:func:`losscert.encodings.cells.locate_cell` reads the integer form directly.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np
from flint import fmpq_mat, fmpz, fmpz_mat

from losscert.errors import InputError
from losscert.model.activation import Activation
from losscert.model.network import Network
from losscert.model.rationals import to_fraction


@dataclass(frozen=True)
class ScaledMatrix:
    """A rational matrix as integer numerators over one positive denominator."""

    nums: fmpz_mat
    den: int

    def rational(self) -> fmpq_mat:
        """The matrix as ``fmpq_mat`` (one canonicalisation per entry: the costly part)."""
        return fmpq_mat(self.nums) / self.den if self.den != 1 else fmpq_mat(self.nums)


@dataclass(frozen=True)
class ForwardTrace:
    """Every intermediate value of an exact forward pass over n samples.

    ``scaled_pre[j - 1]`` is ``z_j`` (d_j x n) for hidden layer j = 1..L-1 in integers over one
    denominator; ``pre_activations`` is the same as ``fmpq_mat`` (built on first use);
    ``outputs`` is ``f(x_i)`` for every sample (d_Y x n, ``fmpq``).
    """

    scaled_pre: tuple[ScaledMatrix, ...]
    outputs: fmpq_mat

    @cached_property
    def pre_activations(self) -> tuple[fmpq_mat, ...]:
        return tuple(z.rational() for z in self.scaled_pre)

    def pre_activation(self, layer: int, neuron: int, sample: int) -> Fraction:
        """z_{layer, neuron}(x_sample) as a Fraction, layer counted from 1."""
        z = self.scaled_pre[layer - 1]
        return Fraction(int(z.nums[neuron, sample]), z.den)

    def output_rows(self) -> list[list[Fraction]]:
        """f(x_i) as Fractions, one row per sample."""
        return [[to_fraction(v) for v in col] for col in self.outputs.transpose().tolist()]


def cleared(matrix: fmpq_mat) -> ScaledMatrix:
    """``matrix`` over the least common denominator of its entries."""
    nums, den = matrix.numer_denom()
    return ScaledMatrix(nums, int(den))


@dataclass(frozen=True)
class ScaledPieces:
    """An activation over common denominators: on piece k, h(num / d) = (S_k num + T_k d) / (e d);
    breakpoint k is P_k / s."""

    thresholds: tuple[int, ...]
    scale: int
    slopes: tuple[int, ...]
    intercepts: tuple[int, ...]
    den: int

    @classmethod
    def of(cls, act: Activation) -> ScaledPieces:
        scale = math.lcm(*(p.denominator for p in act.breakpoints)) if act.breakpoints else 1
        both = [*act.slopes, *act.intercepts]
        den = math.lcm(*(v.denominator for v in both))
        k = len(act.slopes)
        ints = [int(v * den) for v in both]
        return cls(
            tuple(int(p * scale) for p in act.breakpoints),
            scale,
            tuple(ints[:k]),
            tuple(ints[k:]),
            den,
        )

    def pieces(self, nums: list[fmpz], den: int) -> list[int]:
        """The piece of every value num / den (the left one on a breakpoint)."""
        if not self.thresholds:
            return [0] * len(nums)
        if len(self.thresholds) == 1 and self.scale == 1:
            limit = self.thresholds[0] * den
            return [int(v > limit) for v in nums]
        limits = [p * den for p in self.thresholds]
        s = self.scale
        return [bisect.bisect_left(limits, v * s) for v in nums]

    def apply(self, nums: list[fmpz], den: int) -> list[fmpz | int]:
        """Numerators of h(num / den) over ``self.den * den`` (constant and identity pieces skip
        the arithmetic)."""
        pieces = self.pieces(nums, den)
        shifts = [t * den for t in self.intercepts]
        out: list[fmpz | int] = []
        for k, v in zip(pieces, nums, strict=True):
            s, c = self.slopes[k], shifts[k]
            out.append(c if s == 0 else v if s == 1 and c == 0 else s * v + c)
        return out


def _reduced(nums: fmpz_mat, entries: list[fmpz], den: int) -> ScaledMatrix:
    """Numerators and denominator divided by their common gcd (one gcd per layer)."""
    g = math.gcd(den, *map(int, entries)) if den != 1 else 1
    if g == 1:
        return ScaledMatrix(nums, den)
    return ScaledMatrix(fmpz_mat(nums.nrows(), nums.ncols(), [v // g for v in entries]), den // g)


def forward(network: Network, inputs: fmpq_mat) -> ForwardTrace:
    """Exact forward pass of ``inputs`` (d_X x n, one column per sample)."""
    if inputs.nrows() != network.input_dim:
        raise InputError(
            f"forward pass: the network takes {network.input_dim} inputs per sample, "
            f"the data has {inputs.nrows()}"
        )
    n = int(inputs.ncols())
    ones = fmpz_mat(1, n, [1] * n)
    pieces = ScaledPieces.of(network.activation)
    current = cleared(inputs)
    pre: list[ScaledMatrix] = []
    for j, layer in enumerate(network.layers):
        w, b = cleared(layer.weight), cleared(layer.bias)
        den = math.lcm(w.den, b.den)
        # z = (W' a' + b' d 1^T) / (L d) with W = W' / L, b = b' / L and a = a' / d
        wn = w.nums if w.den == den else w.nums * (den // w.den)
        bn = b.nums if b.den == den else b.nums * (den // b.den)
        nums = wn * current.nums + (bn * current.den) * ones
        entries = nums.entries()
        z = _reduced(nums, entries, den * current.den)
        if j == network.depth - 1:
            return ForwardTrace(tuple(pre), z.rational())
        pre.append(z)
        if z.nums is not nums:
            entries = z.nums.entries()
        values = pieces.apply(entries, z.den)
        rows = int(nums.nrows())
        current = ScaledMatrix(fmpz_mat(rows, n, values), pieces.den * z.den)
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

"""The numbers behind the pictures: the risk on a 2-D slice, its cells, a 1-D profile (floats).

A picture shows the risk near the point theta* of a problem on the plane
``theta* + a u + b v``. Everything here is computed in floats, batched over many points with
numpy: pictures illustrate, they never decide. What was *proved* is stated next to a picture from
a certificate the checker accepted (see :mod:`losscert.plot.proofs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from losscert.errors import InputError
from losscert.model.loss import Loss
from losscert.model.problem import Problem

CHUNK_VALUES = 250_000
"""Floats held per layer in one batched forward pass (points x samples x width): about 2 MB, so
that the temporaries stay in cache (measured: 3x faster than 32 MB chunks)."""
MAX_KEPT_VALUES = 8_000_000
"""Grid points x crossing pre-activations kept for the boundary lines (about 64 MB of floats)."""


@dataclass(frozen=True)
class Direction:
    """A direction of parameter space, with its legend label; ``kind`` is witness, valley,
    descent, random or user (witness and valley directions reach their target at coordinate 1)."""

    label: str
    kind: str
    vector: np.ndarray


@dataclass(frozen=True)
class Boundary:
    """A hidden pre-activation z_{layer,neuron}(x_sample) that crosses ``breakpoint`` on the slice;
    ``values`` is z on the grid (the boundary is its level set at ``breakpoint``)."""

    layer: int
    neuron: int
    sample: int
    breakpoint: float
    values: np.ndarray


@dataclass(frozen=True)
class Surface:
    """The risk and the cells on a grid: arrays are indexed [b, a] (rows follow ``b``)."""

    a: np.ndarray
    b: np.ndarray
    risk: np.ndarray
    cells: np.ndarray
    boundaries: tuple[Boundary, ...]
    boundaries_dropped: int


@dataclass(frozen=True)
class Scan:
    """What a batch of parameter vectors gives: the risk of each, a cell label for each (equal
    labels: equal activation patterns), the range of every hidden pre-activation over the batch,
    and the values of the pre-activations asked for (``kept``, one column each)."""

    risk: np.ndarray
    labels: np.ndarray
    low: np.ndarray
    high: np.ndarray
    kept: np.ndarray | None


class FloatModel:
    """The problem in floats, evaluated at many parameter vectors at once (search-grade numbers).

    Memory stays bounded whatever the number of points: they are processed in chunks sized so
    that a layer's batch holds about :data:`CHUNK_VALUES` floats.
    """

    def __init__(self, problem: Problem) -> None:
        net = problem.network
        act = net.activation
        self.widths = net.widths
        self.breakpoints = np.array([float(p) for p in act.breakpoints])
        self.slopes = np.array([float(s) for s in act.slopes])
        self.intercepts = np.array([float(t) for t in act.intercepts])
        self.x, self.y = problem.data.to_numpy()
        self.loss = problem.loss
        self.origin = np.array([float(v) for v in net.parameter_vector()])
        self.num_hidden = self.x.shape[0] * sum(self.widths[1:-1])
        self.chunk = max(1, min(4096, CHUNK_VALUES // (self.x.shape[0] * max(self.widths))))

    def evaluate(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Risk (G,) and hidden pre-activations (G, E) of a few parameter vectors ``thetas``.

        E counts (layer, neuron, sample) in that order: layer by layer, neuron by neuron, sample.
        Holds all G x E values: for many points use :meth:`scan`.
        """
        risks, pres = zip(*(self._chunk(part) for part in self._parts(thetas)), strict=True)
        return np.concatenate(risks), np.concatenate(pres)

    def risk(self, thetas: np.ndarray) -> np.ndarray:
        return np.concatenate([self._chunk(part)[0] for part in self._parts(thetas)])

    def scan(self, thetas: np.ndarray, keep: Sequence[int] = ()) -> Scan:
        """Risk, cell labels and pre-activation ranges of many points, chunk by chunk."""
        risks, labels, kept = [], [], []
        low = np.full(self.num_hidden, np.inf)
        high = np.full(self.num_hidden, -np.inf)
        columns = np.asarray(keep, dtype=int)
        # a pattern's label: its dot product with random 64-bit integers (wrapping); two patterns
        # share a label by chance with probability about 2^-64 per pair: fine for a picture
        mix = np.random.default_rng(0).integers(1, 2**62, size=self.num_hidden, dtype=np.int64)
        for part in self._parts(thetas):
            risk, pre = self._chunk(part)
            risks.append(risk)
            if pre.shape[1]:
                low, high = np.minimum(low, pre.min(axis=0)), np.maximum(high, pre.max(axis=0))
            labels.append(self.pieces(pre).astype(np.int64) @ mix)
            kept.append(pre[:, columns])
        _, ids = np.unique(np.concatenate(labels), return_inverse=True)
        return Scan(
            np.concatenate(risks),
            ids.reshape(-1).astype(int),
            low,
            high,
            np.concatenate(kept) if columns.size else None,
        )

    def _parts(self, thetas: np.ndarray) -> list[np.ndarray]:
        return [thetas[k : k + self.chunk] for k in range(0, thetas.shape[0], self.chunk)]

    def _chunk(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        count = thetas.shape[0]
        a = np.broadcast_to(self.x, (count, *self.x.shape))
        pos = 0
        hidden: list[np.ndarray] = []
        for j in range(1, len(self.widths)):
            d_in, d_out = self.widths[j - 1], self.widths[j]
            w = thetas[:, pos : pos + d_out * d_in].reshape(count, d_out, d_in)
            pos += d_out * d_in
            bias = thetas[:, pos : pos + d_out]
            pos += d_out
            z = np.einsum("gni,goi->gno", a, w) + bias[:, None, :]
            if j == len(self.widths) - 1:
                empty = np.zeros((count, 0))
                pre = np.concatenate(hidden, axis=1) if hidden else empty
                return float_risk(self.loss, z, self.y), pre
            hidden.append(np.transpose(z, (0, 2, 1)).reshape(count, -1))
            a = self._activate(z)
        raise AssertionError("unreachable: a network has at least one layer")

    def _activate(self, z: np.ndarray) -> np.ndarray:
        """h(z) = s_0 z + t_0 + sum_k (s_{k+1} - s_k) max(0, z - p_k): one pass per kink, no
        fancy indexing (the same continuous function as the piece table)."""
        out = self.slopes[0] * z + self.intercepts[0]
        for k, p in enumerate(self.breakpoints):
            out += (self.slopes[k + 1] - self.slopes[k]) * np.maximum(z - p, 0.0)
        return out

    def pieces(self, pre: np.ndarray) -> np.ndarray:
        """The piece index of every pre-activation (a point on a breakpoint counts left)."""
        count = np.zeros(pre.shape, dtype=np.int16)
        for p in self.breakpoints:
            count += pre > p
        return count

    def entry(self, index: int) -> tuple[int, int, int]:
        """(layer, neuron, sample) of column ``index`` of the pre-activations."""
        n = self.x.shape[0]
        for j, width in enumerate(self.widths[1:-1], start=1):
            if index < width * n:
                return j, index // n, index % n
            index -= width * n
        raise IndexError(index)


def float_risk(loss: Loss, outputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """R for outputs (G, n, d_Y) against labels (n, d_Y), in floats, as in losscert.model.loss."""
    r = outputs - labels
    n = labels.shape[0]
    kind = loss.kind
    if kind == "squared":
        per = (r**2).sum(axis=2)
    elif kind == "squared_half":
        per = (r**2).sum(axis=2) / 2
    elif kind == "absolute":
        per = np.abs(r).sum(axis=2)
    elif kind == "hinge":
        per = np.maximum(0.0, 1 - labels * outputs).sum(axis=2)
    elif kind == "huber":
        delta = float(loss.delta or 0)
        quad = np.abs(r) <= delta
        per = np.where(quad, r**2 / 2, delta * (np.abs(r) - delta / 2)).sum(axis=2)
    elif kind == "logistic":
        per = np.logaddexp(0.0, -labels * outputs).sum(axis=2)
    elif kind == "softmax_cross_entropy":
        top = outputs.max(axis=2, keepdims=True)
        lse = np.log(np.exp(outputs - top).sum(axis=2)) + top[..., 0]
        per = lse - (labels * outputs).sum(axis=2)
    else:
        raise InputError(f"no float risk for the loss {kind!r}")
    return per.sum(axis=1) / n


def risk_surface(
    model: FloatModel,
    u: Direction,
    v: Direction,
    a_range: tuple[float, float],
    b_range: tuple[float, float],
    resolution: int,
    max_boundaries: int = 200,
) -> Surface:
    """Risk, cell labels and crossing pre-activations on a resolution x resolution grid.

    A first pass finds the risk, the cells and which pre-activations cross a breakpoint on the
    grid; a second pass keeps the values of (at most ``max_boundaries``) crossing ones.
    """
    a = np.linspace(*a_range, resolution)
    b = np.linspace(*b_range, resolution)
    aa, bb = np.meshgrid(a, b)
    thetas = (
        model.origin[None, :]
        + aa.reshape(-1, 1) * u.vector[None, :]
        + bb.reshape(-1, 1) * v.vector[None, :]
    )
    first = model.scan(thetas)
    crossing = [
        (e, float(p))
        for e in range(model.num_hidden)
        for p in model.breakpoints
        if first.low[e] < p < first.high[e]
    ]
    limit = min(max_boundaries, MAX_KEPT_VALUES // thetas.shape[0])
    drawn = crossing[:limit]
    shape = (resolution, resolution)
    boundaries: tuple[Boundary, ...] = ()
    if drawn:
        kept = model.scan(thetas, keep=[e for e, _ in drawn]).kept
        assert kept is not None
        boundaries = tuple(
            Boundary(*model.entry(e), p, kept[:, k].reshape(shape))
            for k, (e, p) in enumerate(drawn)
        )
    return Surface(
        a,
        b,
        first.risk.reshape(shape),
        first.labels.reshape(shape),
        boundaries,
        len(crossing) - len(drawn),
    )


def coordinates(
    points: Sequence[np.ndarray], origin: np.ndarray, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, float]:
    """Least-squares (a, b) of points on the plane origin + a u + b v, and the largest distance of a
    point from the plane relative to its distance from the origin (0: the points lie on it)."""
    basis = np.stack([u, v], axis=1)
    offsets = np.stack([p - origin for p in points], axis=1)
    coords, *_ = np.linalg.lstsq(basis, offsets, rcond=None)
    residual = basis @ coords - offsets
    scale = np.maximum(np.linalg.norm(offsets, axis=0), 1e-300)
    return coords.T, float((np.linalg.norm(residual, axis=0) / scale).max())


@dataclass(frozen=True)
class Profile:
    """Risk along ``origin + t d``; ``crossings`` are the t where the cell changes."""

    t: np.ndarray
    risk: np.ndarray
    crossings: np.ndarray


def risk_profile(
    model: FloatModel, direction: np.ndarray, t_range: tuple[float, float], points: int = 801
) -> Profile:
    t = np.linspace(*t_range, points)
    scan = model.scan(model.origin[None, :] + t[:, None] * direction[None, :])
    changed = scan.labels[1:] != scan.labels[:-1]
    crossings = (t[1:][changed] + t[:-1][changed]) / 2
    return Profile(t, scan.risk, crossings)


def kinks(problem: Problem) -> list[tuple[int, Fraction]]:
    """Exact inputs x where a hidden neuron of a one-hidden-layer, 1-D-input network sits on a
    breakpoint p: x = (p - b_r) / w_r for every neuron r with w_r != 0, as (neuron, x)."""
    net = problem.network
    if net.depth != 2 or net.input_dim != 1:
        raise InputError("kinks: defined for one hidden layer and one input")
    out: list[tuple[int, Fraction]] = []
    for r, (row, bias) in enumerate(zip(net.weights(1), net.biases(1), strict=True)):
        if row[0] != 0:
            out.extend((r, (p - bias) / row[0]) for p in net.activation.breakpoints)
    return sorted(out, key=lambda item: item[1])

"""The network inside one cell as polynomials in named parameters (sympy, exact over QQ).

Inside the cell of a pattern every activation acts as the affine map ``z -> s z + t`` of its
piece, so each pre-activation and each output ``f_k(x_i)`` is a polynomial in the parameters
``W1_0_0, ..., b{L}_{d_Y - 1}``. The paper's "multilinear cell" claim says the output is affine in
each layer block ``(W_j, b_j)`` separately; :func:`check_multilinear` measures the degree per
block and raises :class:`NotMultilinearError` if any exceeds 1.

Polynomials are sympy ``PolyElement`` objects of one sparse ring (fast arithmetic); use
``ring.to_expr`` / ``as_expr`` for plain sympy expressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, PolyRing, ring

from losscert.encodings.cells import Pattern
from losscert.errors import InputError, NotMultilinearError, UnsupportedError
from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import parameter_names


@dataclass(frozen=True)
class CellPolynomials:
    """Pre-activations and outputs of every sample inside one cell, as polynomials.

    ``pre_activations[j - 1][r][i]`` is z_{j,r}(x_i); ``outputs[i][k]`` is f_k(x_i).
    ``blocks[j - 1]`` lists the generator indices of layer j's parameters (W_j, then b_j).
    """

    ring: PolyRing
    names: tuple[str, ...]
    blocks: tuple[tuple[int, ...], ...]
    pre_activations: tuple[tuple[tuple[PolyElement, ...], ...], ...]
    outputs: tuple[tuple[PolyElement, ...], ...]

    def evaluate(self, poly: PolyElement, values: Sequence[Fraction]) -> Fraction:
        """The exact value of ``poly`` at the parameter vector ``values`` (in ``names`` order)."""
        if len(values) != len(self.names):
            raise InputError(f"expected {len(self.names)} parameter values, got {len(values)}")
        point = [QQ(v.numerator, v.denominator) for v in map(Fraction, values)]
        result = poly.evaluate(list(zip(self.ring.gens, point, strict=True))) if point else poly
        value = QQ.convert(result)
        return Fraction(int(QQ.numer(value)), int(QQ.denom(value)))


@dataclass(frozen=True)
class BlockDegree:
    """The largest total degree of any output in layer ``layer``'s parameters, and where."""

    layer: int
    degree: int
    sample: int
    output: int


@dataclass(frozen=True)
class MultilinearEvidence:
    """Per layer block, the maximal degree of the outputs in that block (each must be <= 1)."""

    degrees: tuple[BlockDegree, ...]

    @property
    def holds(self) -> bool:
        return all(d.degree <= 1 for d in self.degrees)


MAX_POLYNOMIAL_TERMS = 500_000
"""Callers skip building cell polynomials (and say so) beyond about this many terms: sympy
needs tens of seconds and hundreds of MB there, and deep networks grow as the product of widths."""


def polynomial_terms(
    widths: Sequence[int],
    activation: Activation,
    data: Dataset,
    pattern: Pattern,
    *,
    squared_outputs: bool = False,
) -> int:
    """An upper bound on the number of terms :func:`cell_polynomials` builds (every hidden
    pre-activation and output on every sample), counted without building them; with
    ``squared_outputs``, on the terms of the squared residuals (f_k - y_k)^2 instead (the risk).
    z = sum_c W_c a_c + b has a term per term of each a_c (times W_c) and one for b; a = s z + t
    keeps z's terms when s != 0 and adds one when t != 0. Stops counting past
    :data:`MAX_POLYNOMIAL_TERMS`."""
    total = 0
    for i, x in enumerate(data.input_rows()):
        terms = [1 if v != 0 else 0 for v in x]
        for j in range(1, len(widths)):
            z = sum(terms) + 1
            if j == len(widths) - 1:
                total += widths[j] * ((z + 1) ** 2 if squared_outputs else z)
                break
            total += 0 if squared_outputs else widths[j] * z
            terms = []
            for r in range(widths[j]):
                s, t = activation.affine_piece(pattern.piece(j, r, i))
                terms.append((z if s != 0 else 0) + (1 if t != 0 else 0))
        if total > MAX_POLYNOMIAL_TERMS:
            break
    return total


def cell_polynomials(
    widths: Sequence[int], activation: Activation, data: Dataset, pattern: Pattern
) -> CellPolynomials:
    """Build the per-cell polynomials of the architecture ``widths`` on ``data`` for ``pattern``."""
    _check_shape(widths, data, pattern)
    names = tuple(parameter_names(widths))
    poly_ring, *gens = ring(",".join(names), QQ)
    index = {name: g for name, g in zip(names, gens, strict=True)}
    blocks = _blocks(widths)
    pre: list[list[list[PolyElement]]] = [[[] for _ in range(w)] for w in widths[1:-1]]
    outputs = []
    for i, x in enumerate(data.input_rows()):
        a: list[Any] = [QQ(v.numerator, v.denominator) for v in x]
        for j in range(1, len(widths)):
            z = [
                sum((index[f"W{j}_{r}_{c}"] * a[c] for c in range(widths[j - 1])), poly_ring.zero)
                + index[f"b{j}_{r}"]
                for r in range(widths[j])
            ]
            if j == len(widths) - 1:
                outputs.append(tuple(z))
                break
            a = []
            for r, zr in enumerate(z):
                pre[j - 1][r].append(zr)
                s, t = activation.affine_piece(pattern.piece(j, r, i))
                a.append(zr * QQ(s.numerator, s.denominator) + QQ(t.numerator, t.denominator))
    return CellPolynomials(
        poly_ring,
        names,
        blocks,
        tuple(tuple(tuple(neuron) for neuron in layer) for layer in pre),
        tuple(outputs),
    )


def check_multilinear(polys: CellPolynomials) -> MultilinearEvidence:
    """Measure each output's degree in each layer block; raise NotMultilinearError if one is > 1."""
    degrees = []
    for j, block in enumerate(polys.blocks, start=1):
        worst = BlockDegree(j, 0, 0, 0)
        for i, sample in enumerate(polys.outputs):
            for k, poly in enumerate(sample):
                degree = max((sum(monom[g] for g in block) for monom in poly.monoms()), default=0)
                if degree > worst.degree:
                    worst = BlockDegree(j, degree, i, k)
        degrees.append(worst)
    evidence = MultilinearEvidence(tuple(degrees))
    if not evidence.holds:
        bad = next(d for d in degrees if d.degree > 1)
        raise NotMultilinearError(
            f"output {bad.output} on sample {bad.sample} has degree {bad.degree} in the parameters "
            f"of layer {bad.layer}; a cell polynomial must be affine in each layer block"
        )
    return evidence


def cell_risk(polys: CellPolynomials, loss: Loss, data: Dataset) -> PolyElement | sympy.Expr:
    """The risk inside the cell: a polynomial for squared losses, else a sympy expression.

    Absolute, hinge and Huber risks are piecewise polynomial (Abs / Max / Piecewise); logistic and
    softmax cross-entropy involve exp and log.
    """
    n = data.n
    labels = data.label_rows()
    if loss.kind in ("squared", "squared_half"):
        total = polys.ring.zero
        for sample, y in zip(polys.outputs, labels, strict=True):
            for f, yk in zip(sample, y, strict=True):
                r = f - QQ(yk.numerator, yk.denominator)
                total += r * r
        return total * QQ(1, 2 * n if loss.kind == "squared_half" else n)
    per_sample = _SYMBOLIC_LOSSES.get(loss.kind)
    if per_sample is None:
        raise UnsupportedError(f"no symbolic cell risk for the {loss.kind} loss")
    exprs = [
        per_sample(
            loss,
            [sympy.Rational(v.numerator, v.denominator) for v in y],
            [f.as_expr() for f in sample],
        )
        for sample, y in zip(polys.outputs, labels, strict=True)
    ]
    return sympy.Add(*exprs) / n


def _abs_loss(loss: Loss, y: list[sympy.Expr], f: list[sympy.Expr]) -> sympy.Expr:
    return sympy.Add(*(sympy.Abs(fk - yk) for yk, fk in zip(y, f, strict=True)))


def _hinge_loss(loss: Loss, y: list[sympy.Expr], f: list[sympy.Expr]) -> sympy.Expr:
    return sympy.Add(*(sympy.Max(0, 1 - yk * fk) for yk, fk in zip(y, f, strict=True)))


def _huber_loss(loss: Loss, y: list[sympy.Expr], f: list[sympy.Expr]) -> sympy.Expr:
    assert loss.delta is not None
    delta = sympy.Rational(loss.delta.numerator, loss.delta.denominator)
    terms = []
    for yk, fk in zip(y, f, strict=True):
        r = fk - yk
        terms.append(
            sympy.Piecewise(
                (r**2 / 2, sympy.Abs(r) <= delta), (delta * (sympy.Abs(r) - delta / 2), True)
            )
        )
    return sympy.Add(*terms)


def _logistic_loss(loss: Loss, y: list[sympy.Expr], f: list[sympy.Expr]) -> sympy.Expr:
    return sympy.Add(*(sympy.log(1 + sympy.exp(-yk * fk)) for yk, fk in zip(y, f, strict=True)))


def _softmax_loss(loss: Loss, y: list[sympy.Expr], f: list[sympy.Expr]) -> sympy.Expr:
    label = next(k for k, yk in enumerate(y) if yk == 1)
    return sympy.log(sympy.Add(*(sympy.exp(fk) for fk in f))) - f[label]


_SYMBOLIC_LOSSES = {
    "absolute": _abs_loss,
    "hinge": _hinge_loss,
    "huber": _huber_loss,
    "logistic": _logistic_loss,
    "softmax_cross_entropy": _softmax_loss,
}


def _blocks(widths: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    blocks = []
    start = 0
    for j in range(1, len(widths)):
        size = widths[j] * (widths[j - 1] + 1)
        blocks.append(tuple(range(start, start + size)))
        start += size
    return tuple(blocks)


def _check_shape(widths: Sequence[int], data: Dataset, pattern: Pattern) -> None:
    if widths[0] != data.input_dim:
        raise InputError(
            f"cell polynomials: widths start with {widths[0]} but the data has d_X = {data.input_dim}"
        )
    hidden = tuple(widths[1:-1])
    shape = tuple(len(layer) for layer in pattern.pieces)
    if shape != hidden:
        raise InputError(
            f"cell polynomials: the pattern has layer widths {shape}, the network {hidden}"
        )
    for j, layer in enumerate(pattern.pieces, start=1):
        for r, neuron in enumerate(layer):
            if len(neuron) != data.n:
                raise InputError(
                    f"cell polynomials: pattern layer {j} neuron {r} has {len(neuron)} samples, "
                    f"the data has {data.n}"
                )

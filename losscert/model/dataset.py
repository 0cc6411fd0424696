"""Exact training data: inputs x_i in Q^{d_X} and labels y_i in Q^{d_Y}, i = 1..n."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq_mat

from losscert.errors import InputError
from losscert.model.rationals import float_to_rational, parse_matrix, to_fmpq, to_fraction


class Dataset:
    """n samples stored column-wise: ``inputs`` is d_X x n, ``labels`` is d_Y x n (fmpq_mat)."""

    def __init__(self, inputs: fmpq_mat, labels: fmpq_mat) -> None:
        if inputs.ncols() == 0:
            raise InputError("data: has no samples")
        if inputs.ncols() != labels.ncols():
            raise InputError(
                f"data: {inputs.ncols()} inputs but {labels.ncols()} labels; give one label per input"
            )
        self.inputs = inputs
        self.labels = labels
        # rows as Fractions, made once per matrix (the matrices are never changed in place)
        self._row_cache: dict[str, tuple[fmpq_mat, list[list[Fraction]]]] = {}

    @classmethod
    def from_rows(
        cls,
        inputs: Sequence[Sequence[Any]],
        labels: Sequence[Sequence[Any]],
        *,
        allow_float: bool = False,
        where: str = "data",
    ) -> Dataset:
        """One row per sample, as lists of ints, Fractions, fmpq or strings."""
        x = parse_matrix(inputs, f"{where}.inputs", allow_float)
        y = parse_matrix(labels, f"{where}.labels", allow_float)
        if len(x) != len(y):
            raise InputError(
                f"{where}: {len(x)} inputs but {len(y)} labels; give one label row per input row"
            )
        return cls(_columns(x), _columns(y))

    @classmethod
    def from_numpy(
        cls,
        inputs: np.ndarray,
        labels: np.ndarray,
        *,
        denominator: int | None = None,
        where: str = "data",
    ) -> Dataset:
        """From float arrays (n x d_X, n x d_Y or n), exactly or rounded to 1/denominator."""
        x = np.asarray(inputs, dtype=float)
        y = np.asarray(labels, dtype=float)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        rows_x = [
            [
                float_to_rational(float(v), f"{where}.inputs[{i}][{k}]", denominator=denominator)
                for k, v in enumerate(row)
            ]
            for i, row in enumerate(x)
        ]
        rows_y = [
            [
                float_to_rational(float(v), f"{where}.labels[{i}][{k}]", denominator=denominator)
                for k, v in enumerate(row)
            ]
            for i, row in enumerate(y)
        ]
        return cls.from_rows(rows_x, rows_y, where=where)

    @property
    def n(self) -> int:
        return int(self.inputs.ncols())

    @property
    def input_dim(self) -> int:
        return int(self.inputs.nrows())

    @property
    def output_dim(self) -> int:
        return int(self.labels.nrows())

    def input_rows(self) -> list[list[Fraction]]:
        """x_i as lists of Fractions, one per sample (fresh lists; the conversion is done once)."""
        return self._cached_rows("inputs")

    def label_rows(self) -> list[list[Fraction]]:
        return self._cached_rows("labels")

    def _cached_rows(self, name: str) -> list[list[Fraction]]:
        matrix = getattr(self, name)
        cached = self._row_cache.get(name)
        if cached is None or cached[0] is not matrix:
            cached = self._row_cache[name] = (matrix, _rows(matrix))
        return [list(row) for row in cached[1]]

    def to_numpy(self) -> tuple[np.ndarray, np.ndarray]:
        """(X, Y) as n x d float arrays: for search only."""
        x = np.array([[float(v) for v in row] for row in self.input_rows()], dtype=float)
        y = np.array([[float(v) for v in row] for row in self.label_rows()], dtype=float)
        return x, y

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return self.inputs == other.inputs and self.labels == other.labels

    def __hash__(self) -> int:
        return hash((self.n, self.input_dim, self.output_dim))

    def __repr__(self) -> str:
        return f"Dataset(n={self.n}, d_X={self.input_dim}, d_Y={self.output_dim})"


def _columns(rows: list[list[Fraction]]) -> fmpq_mat:
    n, d = len(rows), len(rows[0])
    return fmpq_mat(d, n, [to_fmpq(rows[i][k]) for k in range(d) for i in range(n)])


def _rows(matrix: fmpq_mat) -> list[list[Fraction]]:
    cols = matrix.transpose().tolist()
    return [[to_fraction(v) for v in row] for row in cols]

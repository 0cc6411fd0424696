"""Does the affine logistic / softmax regression attain its minimum? (issue 13, exact.)

Write the affine predictor's margins as a_j . d, one row a_j per (sample, wrong class): for the
logistic loss a_i = y_i (x_i, 1) (per output column), for softmax cross-entropy
a_(i,k) = (e_{c_i} - e_k) (x_i, 1)^T flattened, k != c_i. Each loss term decreases strictly in its
margin and is bounded below, so (Stiemke's alternative, exactly one holds):

* a direction d with A d >= 0 and A d != 0 exists (the data are linearly separable, possibly
  with ties): every risk value is beaten by moving along d, so the infimum is *not attained*
  (Theorem 1's step 0, the affine optimum, does not exist);
* weights mu > 0 with A^T mu = 0 exist (the classes overlap): then no such d exists, the risk is
  coercive modulo directions with A d = 0 (along which it is constant), and *a minimiser exists*
  (irrational in general).

Both are found with the exact simplex of :mod:`losscert.backends.exact_lp` and re-verified here
in exact arithmetic before they are reported: the evidence is the separating direction d, or mu.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from losscert.backends.exact_lp import nonnegative_solution
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.rationals import rational_string

MAX_ROWS = 400
"""Rows of A (samples, times wrong classes for softmax) the exact simplex is given."""


@dataclass(frozen=True)
class Attainment:
    """``attained`` True (overlap, ``weights`` mu > 0 with A^T mu = 0), False (separable,
    ``direction`` d with A d >= 0, != 0), or None (too large to decide here)."""

    attained: bool | None
    detail: str
    direction: list[Fraction] | None = None
    weights: list[Fraction] | None = None


def margin_rows(data: Dataset, loss: Loss, output: int = 0) -> list[list[Fraction]]:
    """The rows a_j (section doc): logistic for one output column, softmax for all."""
    inputs = [[*x, Fraction(1)] for x in data.input_rows()]
    labels = data.label_rows()
    if loss.kind == "logistic":
        return [[y[output] * v for v in x] for x, y in zip(inputs, labels, strict=True)]
    rows = []
    classes = data.output_dim
    for x, y in zip(inputs, labels, strict=True):
        c = y.index(1)
        for k in range(classes):
            if k == c:
                continue
            row = [Fraction(0)] * (classes * len(x))
            for t, v in enumerate(x):
                row[c * len(x) + t] += v
                row[k * len(x) + t] -= v
            rows.append(row)
    return rows


def decide(rows: list[list[Fraction]]) -> Attainment:
    """Stiemke's alternative for A (rows a_j), decided and verified exactly."""
    if len(rows) > MAX_ROWS:
        return Attainment(None, f"{len(rows)} margin rows: beyond the {MAX_ROWS} decided exactly")
    width = len(rows[0])
    # mu = 1 + nu, nu >= 0, A^T nu = -A^T 1
    transposed = [[row[t] for row in rows] for t in range(width)]
    target = [-sum(column, Fraction(0)) for column in transposed]
    nu = nonnegative_solution(transposed, target)
    if nu is not None:
        weights = [1 + v for v in nu]
        if any(
            sum((m * row[t] for m, row in zip(weights, rows, strict=True)), Fraction(0)) != 0
            for t in range(width)
        ):  # the exact re-check failed: fail closed (not an assert: python -O removes those)
            return Attainment(None, "the overlap weights did not verify (an internal error)")
        return Attainment(True, "the classes overlap", weights=weights)
    # d = p - q, s = A d >= 0, sum(s) = 1:  [A, -A, -I] (p, q, s) = 0, [0, 0, 1] (p, q, s) = 1
    n = len(rows)
    system = [
        [*row, *(-v for v in row), *(Fraction(-int(j == i)) for j in range(n))]
        for i, row in enumerate(rows)
    ]
    system.append([*([Fraction(0)] * (2 * width)), *([Fraction(1)] * n)])
    solution = nonnegative_solution(system, [*([Fraction(0)] * n), Fraction(1)])
    if solution is None:  # impossible by Stiemke's theorem: fail closed
        return Attainment(None, "neither alternative was found (an internal error)")
    d = [solution[t] - solution[width + t] for t in range(width)]
    margins = [sum((a * b for a, b in zip(row, d, strict=True)), Fraction(0)) for row in rows]
    if not (all(m >= 0 for m in margins) and any(m > 0 for m in margins)):
        return Attainment(None, "the separating direction did not verify (an internal error)")
    return Attainment(False, "the data are linearly separable", direction=d)


def affine_attainment(data: Dataset, loss: Loss) -> Attainment:
    """For the logistic loss (every output column) or softmax cross-entropy: is the affine
    optimum attained? With the exact evidence in ``detail``."""
    columns = range(data.output_dim) if loss.kind == "logistic" else [0]
    for k in columns:
        result = decide(margin_rows(data, loss, k))
        if result.attained is not True:
            where = f" (output {k})" if loss.kind == "logistic" and data.output_dim > 1 else ""
            if result.direction is not None:
                shown = ", ".join(rational_string(v) for v in result.direction)
                text = (
                    f"linearly separable{where}: the direction d = [{shown}] (W rows then b) has "
                    "every margin >= 0 and one > 0, so the affine risk decreases along d forever: "
                    "its infimum is not attained"
                )
                return Attainment(False, text, direction=result.direction)
            return result
    return Attainment(
        True,
        "the classes overlap (exact weights mu > 0 with sum_j mu_j a_j = 0): no separating "
        "direction exists, so the affine minimiser exists (irrational in general)",
    )

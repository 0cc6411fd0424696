"""Exact first derivatives of the risk inside a cell, whole layers at once (python-flint).

Backpropagation with the activation replaced by the slope of each entry's piece: exact wherever
the point is inside its cell and no residual sits on a kink of the loss. The Hessian is taken from
the checker's jets (losscert.checker.calculus), which the certificate is checked with anyway.
"""

from __future__ import annotations

from fractions import Fraction

from flint import fmpq, fmpq_mat

from losscert.errors import UnsupportedError
from losscert.model.problem import Problem
from losscert.model.rationals import to_fmpq, to_fraction


def _loss_derivative(kind: str, delta: Fraction | None, y: fmpq, f: fmpq, where: str) -> fmpq:
    r = f - y
    if kind == "squared":
        return 2 * r
    if kind == "squared_half":
        return r
    if kind == "huber":
        d = to_fmpq(delta or 0)
        return r if abs(r) <= d else (d if r > 0 else -d)
    if kind == "absolute":
        if r == 0:
            raise UnsupportedError(
                f"{where}: the residual is 0, where the absolute loss has a kink"
            )
        return fmpq(1) if r > 0 else fmpq(-1)
    if kind == "hinge":
        margin = 1 - y * f
        if margin == 0:
            raise UnsupportedError(f"{where}: 1 - y f is 0, where the hinge loss has a kink")
        return -y if margin > 0 else fmpq(0)
    raise UnsupportedError(f"no exact derivative for the {kind} loss")


def risk_gradient(problem: Problem) -> list[Fraction]:
    """The exact gradient of R at the point, in parameter-vector order (interior points only)."""
    net, loss = problem.network, problem.loss
    act = net.activation
    trace = problem.trace()
    n = problem.data.n
    labels = problem.data.labels.tolist()
    outputs = trace.outputs.tolist()
    delta = fmpq_mat(
        net.output_dim,
        n,
        [
            _loss_derivative(
                loss.kind, loss.delta, labels[k][i], outputs[k][i], f"sample {i} output {k}"
            )
            / n
            for k in range(net.output_dim)
            for i in range(n)
        ],
    )
    activations = [problem.data.inputs]
    slopes = []
    for z in trace.pre_activations:
        entries = z.entries()
        pieces = [act.locate(v).piece for v in entries]
        if None in pieces:
            raise UnsupportedError("the point is on a cell boundary: no gradient")
        activations.append(fmpq_mat(z.nrows(), n, act.apply_many(entries)))
        slopes.append([act.affine_piece_fmpq(k)[0] for k in pieces])  # type: ignore[arg-type]
    grads: list[list[Fraction]] = []
    ones = fmpq_mat(n, 1, [1] * n)
    for j in range(net.depth - 1, -1, -1):
        layer = net.layers[j]
        grad_w = delta * activations[j].transpose()
        grad_b = delta * ones
        grads.insert(0, [to_fraction(v) for v in (*grad_w.entries(), *grad_b.entries())])
        if j > 0:
            back = layer.weight.transpose() * delta
            delta = fmpq_mat(
                back.nrows(), n, [a * s for a, s in zip(back.entries(), slopes[j - 1], strict=True)]
            )
    return [v for block in grads for v in block]

"""Exact derivatives and expansions inside a cell: second-order jets and polynomials in t.

A *jet* carries a value with its gradient and Hessian with respect to the parameters (sparse
dicts); arithmetic on jets is the product rule, so running the network on jets gives the exact
gradient and Hessian of the risk where the activation pattern and the loss pieces are fixed.
A *line polynomial* is the list of coefficients of a polynomial in t, for R(theta + t d).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .problem import Problem
from .result import Invalid

ZERO = Fraction(0)


@dataclass
class Jet:
    value: Fraction
    grad: dict[int, Fraction] = field(default_factory=dict)
    hess: dict[tuple[int, int], Fraction] = field(default_factory=dict)

    def __add__(self, other: Jet) -> Jet:
        return Jet(
            self.value + other.value, _add(self.grad, other.grad), _add(self.hess, other.hess)
        )

    def scale(self, c: Fraction) -> Jet:
        if c == 0:
            return Jet(ZERO)
        return Jet(
            c * self.value,
            {k: c * v for k, v in self.grad.items()},
            {k: c * v for k, v in self.hess.items()},
        )

    def shift(self, c: Fraction) -> Jet:
        return Jet(self.value + c, self.grad, self.hess)

    def __mul__(self, other: Jet) -> Jet:
        grad = _add(_scaled(self.grad, other.value), _scaled(other.grad, self.value))
        hess = _add(_scaled(self.hess, other.value), _scaled(other.hess, self.value))
        for i, gi in self.grad.items():
            for j, gj in other.grad.items():
                key = (i, j) if i <= j else (j, i)
                hess[key] = hess.get(key, ZERO) + (2 if i == j else 1) * gi * gj
        return Jet(self.value * other.value, grad, hess)


def _add(a: dict[Any, Fraction], b: dict[Any, Fraction]) -> dict[Any, Fraction]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, ZERO) + v
    return out


def _scaled(a: dict[Any, Fraction], c: Fraction) -> dict[Any, Fraction]:
    return {k: c * v for k, v in a.items()} if c != 0 else {}


def risk_jet(problem: Problem, order: int) -> Jet:
    """R and its derivatives at theta*, with the pattern of theta* (the caller checked it has no
    tie) and the loss pieces of theta* (Invalid if a residual sits on a loss kink that matters for
    this order)."""
    params = [Jet(v, {a: Fraction(1)}) for a, v in enumerate(problem.point)]
    layers = problem.layers(params)
    act = problem.activation
    total = Jet(ZERO)
    for i, (x, y) in enumerate(zip(problem.inputs, problem.labels, strict=True)):
        a = [Jet(v) for v in x]
        for j, (w, b) in enumerate(layers):
            z = []
            for wr, br in zip(w, b, strict=True):
                acc = br
                for wc, ac in zip(wr, a, strict=True):
                    acc = acc + wc * ac
                z.append(acc)
            if j == len(layers) - 1:
                total = total + _loss_jet(problem, y, z, order, i)
                break
            a = []
            for r, zr in enumerate(z):
                k = act.piece(zr.value)
                if k is None:
                    raise Invalid(f"layer {j + 1} neuron {r} sample {i} is on a breakpoint")
                a.append(zr.scale(act.slopes[k]).shift(act.intercepts[k]))
    return total.scale(Fraction(1, len(problem.inputs)))


def _loss_jet(problem: Problem, y: list[Fraction], f: list[Jet], order: int, sample: int) -> Jet:
    total = Jet(ZERO)
    for k, (yk, fk) in enumerate(zip(y, f, strict=True)):
        r = fk.shift(-yk)
        place = f"sample {sample} output {k}"
        if problem.loss in ("squared", "squared_half"):
            total = total + r * r
        elif problem.loss == "absolute":
            if r.value == 0:
                raise Invalid(f"{place}: the residual is 0, where the absolute loss has a kink")
            total = total + r.scale(Fraction(1 if r.value > 0 else -1))
        elif problem.loss == "hinge":
            margin = fk.scale(-yk).shift(Fraction(1))
            if margin.value == 0:
                raise Invalid(f"{place}: 1 - y f is 0, where the hinge loss has a kink")
            if margin.value > 0:
                total = total + margin
        else:
            assert problem.delta is not None
            d = problem.delta
            if abs(r.value) == d and order >= 2:
                raise Invalid(
                    f"{place}: |residual| = delta, where the Huber loss is not twice differentiable"
                )
            if abs(r.value) <= d:
                total = total + (r * r).scale(Fraction(1, 2))
            else:
                total = total + r.scale(Fraction(1 if r.value > 0 else -1) * d).shift(-d * d / 2)
    return total.scale(Fraction(1, 2)) if problem.loss == "squared_half" else total


def dense_hessian(jet: Jet, size: int) -> list[list[Fraction]]:
    h = [[ZERO] * size for _ in range(size)]
    for (i, j), v in jet.hess.items():
        h[i][j] = v
        h[j][i] = v
    return h


def ldl_pivots(matrix: list[list[Fraction]]) -> list[Fraction]:
    """The pivots D of A = L D L^T (Gaussian elimination without pivoting), stopping after the
    first non-positive one: the matrix is then not positive definite, and later pivots are not
    defined."""
    a = [row[:] for row in matrix]
    pivots = []
    for k in range(len(a)):
        pivot = a[k][k]
        pivots.append(pivot)
        if pivot <= 0:
            break
        for i in range(k + 1, len(a)):
            factor = a[i][k] / pivot
            if factor:
                for j in range(k + 1, len(a)):
                    a[i][j] -= factor * a[k][j]
    return pivots


# --- polynomials in t -------------------------------------------------------------------------

Poly = list[Fraction]


def p_add(p: Poly, q: Poly) -> Poly:
    out = [ZERO] * max(len(p), len(q))
    for k, v in enumerate(p):
        out[k] += v
    for k, v in enumerate(q):
        out[k] += v
    return out


def p_mul(p: Poly, q: Poly) -> Poly:
    out = [ZERO] * (len(p) + len(q) - 1) if p and q else []
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] += a * b
    return out


def p_scale(p: Poly, c: Fraction) -> Poly:
    return [c * v for v in p]


def sign_near_zero(p: Poly) -> int:
    """The sign of p(t) for all small t > 0 (0 when p is the zero polynomial)."""
    for v in p:
        if v:
            return 1 if v > 0 else -1
    return 0


def risk_on_line(problem: Problem, direction: list[Fraction]) -> Poly:
    """R(theta* + t d) for all small t > 0, as a polynomial in t."""
    params = [[v, dv] for v, dv in zip(problem.point, direction, strict=True)]
    layers = problem.layers(params)
    total: Poly = [ZERO]
    for x, y in zip(problem.inputs, problem.labels, strict=True):
        a: list[Poly] = [[v] for v in x]
        for j, (w, b) in enumerate(layers):
            z = []
            for wr, br in zip(w, b, strict=True):
                acc = br
                for wc, ac in zip(wr, a, strict=True):
                    acc = p_add(acc, p_mul(wc, ac))
                z.append(acc)
            if j == len(layers) - 1:
                total = p_add(total, _loss_on_line(problem, y, z))
                break
            a = [_activate_on_line(problem, zr) for zr in z]
    return p_scale(total, Fraction(1, len(problem.inputs)))


def _activate_on_line(problem: Problem, z: Poly) -> Poly:
    act = problem.activation
    k = act.piece(z[0])
    if k is None:  # on breakpoint p: the side z(t) takes for small t > 0 (left when z = p)
        index = act.breakpoints.index(z[0])
        k = index + 1 if sign_near_zero(p_add(z, [-z[0]])) > 0 else index
    return p_add(p_scale(z, act.slopes[k]), [act.intercepts[k]])


def _loss_on_line(problem: Problem, y: list[Fraction], f: list[Poly]) -> Poly:
    total: Poly = [ZERO]
    for yk, fk in zip(y, f, strict=True):
        r = p_add(fk, [-yk])
        if problem.loss in ("squared", "squared_half"):
            total = p_add(total, p_mul(r, r))
        elif problem.loss == "absolute":
            total = p_add(total, p_scale(r, Fraction(sign_near_zero(r))))
        elif problem.loss == "hinge":
            margin = p_add(p_scale(fk, -yk), [Fraction(1)])
            if sign_near_zero(margin) > 0:
                total = p_add(total, margin)
        else:
            assert problem.delta is not None
            d = problem.delta
            absolute = p_scale(r, Fraction(sign_near_zero(r)))
            if sign_near_zero(p_add(absolute, [-d])) <= 0:
                total = p_add(total, p_scale(p_mul(r, r), Fraction(1, 2)))
            else:
                total = p_add(total, p_add(p_scale(absolute, d), [-d * d / 2]))
    return p_scale(total, Fraction(1, 2)) if problem.loss == "squared_half" else total

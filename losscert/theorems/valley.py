"""The valley: a closed-form path theta(t), t in [0, 1], through Stage 1 points of one cell.

The scale and offset of the collapse move (alpha(t), c(t)) and a spare neuron of layer 1 gets
incoming weights t w_s; every other parameter follows from the Stage 1 formulas. W_L holds
1/alpha(t), so the path is rational: theta_a(t) = p_a(t) / alpha(t) with polynomial numerators.
Along it every hidden pre-activation stays at least ``margin`` inside its piece and the network
keeps computing the affine regression optimum, so the risk is constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from losscert.model.activation import Activation
from losscert.theorems.collapse import CollapseChoice
from losscert.verifier.regression import AffineFit

Poly = list[Fraction]


@dataclass(frozen=True)
class ValleyPath:
    denominator: Poly
    numerators: list[Poly]
    margin: Fraction  # a lower bound on the distance to the piece ends along the whole path


def _mul(p: Poly, q: Poly) -> Poly:
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def _add(p: Poly, q: Poly) -> Poly:
    out = [Fraction(0)] * max(len(p), len(q))
    for k, v in enumerate(p):
        out[k] += v
    for k, v in enumerate(q):
        out[k] += v
    return out


def _const(v: Fraction) -> Poly:
    return [v]


def valley_path(
    widths: tuple[int, ...],
    activation: Activation,
    fit: AffineFit,
    choice: CollapseChoice,
    inputs: list[list[Fraction]],
) -> ValleyPath:
    d_x, d_y = widths[0], widths[-1]
    spread = max((abs(v) for row in fit.predictions for v in row), default=Fraction(0))
    lower, upper = activation.piece_bounds(choice.piece)
    s, t_k = activation.affine_piece(choice.piece)
    a0, c0 = choice.alpha, choice.c
    reach = max(abs(x[0]) for x in inputs) + 1
    if lower is not None and upper is not None:  # bounded piece: scale up by half, keep c
        alpha, c = [a0, a0 / 2], [c0]
        margin = (upper - lower) / 8
        w_spare = (upper - lower) / (8 * reach)
    else:  # unbounded: alpha from a0 to 2 a0, c moves away from the end by the spread
        alpha = [a0, a0]
        c = (
            [c0]
            if lower is None and upper is None
            else [c0, spread]
            if lower is not None
            else [c0, -spread]
        )
        margin = Fraction(1)
        w_spare = Fraction(1, 2) / reach
    numerators: list[Poly] = []
    alpha_c = _mul(alpha, c)
    # layer 1
    d_1 = widths[1]
    for r in range(d_1):
        for col in range(d_x):
            if r < d_y:
                numerators.append(_mul(_mul(alpha, alpha), _const(fit.weight[r][col])))
            elif r == d_y and col == 0:
                numerators.append(_mul(alpha, [Fraction(0), w_spare]))  # t w_s on the first spare
            else:
                numerators.append(_const(Fraction(0)))
    for r in range(d_1):
        if r < d_y:
            numerators.append(_mul(alpha, _add(_mul(alpha, _const(fit.bias[r])), c)))
        else:
            numerators.append(alpha_c)
    # layers 2 .. L-1
    for j in range(2, len(widths) - 1):
        d_in, d_out = widths[j - 1], widths[j]
        for r in range(d_out):
            for col in range(d_in):
                value = Fraction(1) / s if (r == col and r < d_y) else Fraction(0)
                numerators.append(_mul(alpha, _const(value)))
        for r in range(d_out):
            numerators.append(_mul(alpha, _const(-t_k / s)) if r < d_y else alpha_c)
    # output layer: W_L = 1/(s alpha), b_L = -(s c + t_k)/(s alpha)
    d_last = widths[-2]
    for r in range(d_y):
        for col in range(d_last):
            numerators.append(_const(Fraction(1) / s if col == r else Fraction(0)))
    for _ in range(d_y):
        numerators.append([-v for v in _add(c, _const(t_k / s))])
    return ValleyPath(alpha, numerators, margin / 2)

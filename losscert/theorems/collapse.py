"""Stage 1 of Theorem 1: collapse a network of any depth onto the affine regression optimum.

Pick a piece k of the activation with slope s != 0 and a point c inside it, and a scale alpha > 0
so that alpha u_{i,r} + c stays inside the piece for every prediction u. Then (MATH.md section 3)

    W_1 = [alpha W^ ; 0],         b_1 = [alpha b^ + c 1 ; c 1]
    W_j = [(1/s) I  0 ; 0  0],    b_j = [(c - q/s) 1 ; c 1]         2 <= j <= L-1,  q = s c + t
    W_L = [(1/(s alpha)) I , 0],  b_L = -(q/(s alpha)) 1

puts every hidden pre-activation at alpha u + c (block neurons) or c (spare neurons), inside piece
k on every sample, and the network computes u_i = W^ x_i + b^ exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from losscert.errors import InputError, UnsupportedError
from losscert.model.activation import Activation
from losscert.model.network import Network


class AffineMap(Protocol):
    """What the collapse reads of an affine predictor u = W x + b: the exact minimiser of
    :class:`losscert.verifier.regression.AffineFit`, or a rational map near an irrational one."""

    @property
    def weight(self) -> list[list[Fraction]]: ...  # d_Y x d_X

    @property
    def bias(self) -> list[Fraction]: ...  # d_Y

    @property
    def predictions(self) -> list[list[Fraction]]: ...  # n x d_Y: u_i


@dataclass(frozen=True)
class CollapseChoice:
    """The piece, the point c inside it and the scale alpha of a linear collapse."""

    piece: int
    c: Fraction
    alpha: Fraction

    def q(self, activation: Activation) -> Fraction:
        s, t = activation.affine_piece(self.piece)
        return s * self.c + t


def choose_collapse(activation: Activation, fit: AffineMap) -> CollapseChoice:
    """A piece with non-zero slope (unbounded preferred), c well inside it, alpha small enough.

    The block pre-activations alpha u + c then keep a distance of at least 1 (unbounded piece) or
    a quarter of the piece's width (bounded piece) from its ends.
    """
    pieces = [k for k in range(activation.num_pieces) if activation.slopes[k] != 0]
    if not pieces:
        raise UnsupportedError("the activation is constant: no piece carries a linear map")
    spread = max((abs(v) for row in fit.predictions for v in row), default=Fraction(0))

    def width(k: int) -> Fraction | None:
        lower, upper = activation.piece_bounds(k)
        return None if lower is None or upper is None else upper - lower

    unbounded = [k for k in pieces if width(k) is None]
    if unbounded:
        k = unbounded[-1]
        lower, upper = activation.piece_bounds(k)
        if lower is None and upper is None:
            return CollapseChoice(k, Fraction(0), Fraction(1))
        c = lower + spread + 1 if lower is not None else upper - spread - 1  # type: ignore[operator]
        return CollapseChoice(k, c, Fraction(1))
    k = max(pieces, key=lambda piece: width(piece) or 0)
    lower, upper = activation.piece_bounds(k)
    assert lower is not None and upper is not None
    alpha = (upper - lower) / (4 * spread) if spread else Fraction(1)
    return CollapseChoice(k, (lower + upper) / 2, alpha)


def collapse_network(
    widths: tuple[int, ...], activation: Activation, fit: AffineMap, choice: CollapseChoice
) -> Network:
    """The Stage 1 point for the architecture ``widths`` (every hidden width >= d_Y)."""
    d_y = widths[-1]
    hidden = widths[1:-1]
    if any(w < d_y for w in hidden):
        raise InputError(
            f"linear collapse needs every hidden layer at least as wide as the output ({d_y}); widths {widths}"
        )
    s, _ = activation.affine_piece(choice.piece)
    q = choice.q(activation)
    alpha, c = choice.alpha, choice.c
    weights: list[list[list[Fraction]]] = []
    biases: list[list[Fraction]] = []
    if len(widths) == 2:  # no hidden layer: the network is the affine map itself
        return Network.from_rationals([fit.weight], [fit.bias], activation)
    d_x, d_1 = widths[0], widths[1]
    weights.append(
        [[alpha * v for v in fit.weight[r]] if r < d_y else [Fraction(0)] * d_x for r in range(d_1)]
    )
    biases.append([alpha * fit.bias[r] + c if r < d_y else c for r in range(d_1)])
    for j in range(2, len(widths) - 1):
        d_in, d_out = widths[j - 1], widths[j]
        weights.append(
            [
                [Fraction(1) / s if (r == col and r < d_y) else Fraction(0) for col in range(d_in)]
                for r in range(d_out)
            ]
        )
        biases.append([c - q / s if r < d_y else c for r in range(d_out)])
    d_last = widths[-2]
    weights.append(
        [
            [Fraction(1) / (s * alpha) if col == r else Fraction(0) for col in range(d_last)]
            for r in range(d_y)
        ]
    )
    biases.append([-q / (s * alpha)] * d_y)
    return Network.from_rationals(weights, biases, activation)

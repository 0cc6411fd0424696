"""Continuous piecewise-linear activation functions, exactly.

An activation with ``m`` pieces is given by breakpoints ``p_0 < ... < p_{m-2}``, slopes
``s_0, ..., s_{m-1}`` and its value at one point. Piece ``k`` is the open interval
``(p_{k-1}, p_k)`` (unbounded at the ends) on which ``h(z) = s_k z + t_k``; breakpoint ``j`` sits
between pieces ``j`` and ``j + 1``. Continuity fixes every intercept from the one given value, and a
real kink (``s_j != s_{j+1}``) is required at every breakpoint, so the representation is unique.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from flint import fmpq

from losscert.errors import InputError
from losscert.model.rationals import RationalLike, parse_rational, to_fmpq


@dataclass(frozen=True)
class PieceLocation:
    """Where an exact value sits: inside an open piece, or exactly on a breakpoint.

    Exactly one of ``piece`` and ``breakpoint`` is set. A value on breakpoint ``j`` touches
    pieces ``j`` and ``j + 1``.
    """

    piece: int | None
    breakpoint: int | None

    @property
    def on_breakpoint(self) -> bool:
        return self.breakpoint is not None

    @property
    def touching(self) -> tuple[int, ...]:
        """The pieces whose closure contains the value (one, or two on a breakpoint)."""
        if self.breakpoint is None:
            assert self.piece is not None
            return (self.piece,)
        return (self.breakpoint, self.breakpoint + 1)


@dataclass(frozen=True)
class Activation:
    """A continuous piecewise-linear function, validated on construction.

    ``name`` is the preset name ("relu", "leaky_relu", ...) or "custom"; ``params`` holds the
    preset's arguments so that files can name the preset instead of listing pieces.
    """

    breakpoints: tuple[Fraction, ...]
    slopes: tuple[Fraction, ...]
    intercepts: tuple[Fraction, ...]
    name: str = "custom"
    params: tuple[tuple[str, Fraction], ...] = ()
    _bp_fmpq: tuple[fmpq, ...] = field(init=False, repr=False, compare=False)
    _s_fmpq: tuple[fmpq, ...] = field(init=False, repr=False, compare=False)
    _t_fmpq: tuple[fmpq, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _validate_pieces(self.breakpoints, self.slopes, self.intercepts, self.name)
        object.__setattr__(self, "_bp_fmpq", tuple(to_fmpq(p) for p in self.breakpoints))
        object.__setattr__(self, "_s_fmpq", tuple(to_fmpq(s) for s in self.slopes))
        object.__setattr__(self, "_t_fmpq", tuple(to_fmpq(t) for t in self.intercepts))

    @classmethod
    def from_pieces(
        cls,
        breakpoints: Sequence[RationalLike],
        slopes: Sequence[RationalLike],
        anchor: tuple[RationalLike, RationalLike] = (0, 0),
        *,
        name: str = "custom",
        params: tuple[tuple[str, Fraction], ...] = (),
        where: str = "activation",
    ) -> Activation:
        """Build an activation from breakpoints, slopes and its value ``h(x0) = y0`` at one point."""
        bps = tuple(
            parse_rational(p, f"{where}.breakpoints[{k}]") for k, p in enumerate(breakpoints)
        )
        ss = tuple(parse_rational(s, f"{where}.slopes[{k}]") for k, s in enumerate(slopes))
        x0 = parse_rational(anchor[0], f"{where}.anchor[0]")
        y0 = parse_rational(anchor[1], f"{where}.anchor[1]")
        _validate_pieces(bps, ss, None, name, where)
        return cls(bps, ss, _intercepts_from_anchor(bps, ss, x0, y0), name, params)

    @property
    def num_pieces(self) -> int:
        return len(self.slopes)

    @property
    def is_linear(self) -> bool:
        """True when there is no breakpoint (the "linear network" case)."""
        return not self.breakpoints

    def locate(self, z: Fraction | fmpq | int) -> PieceLocation:
        """The open piece containing ``z``, or the breakpoint ``z`` sits on (exact comparison)."""
        zq = z if isinstance(z, fmpq) else to_fmpq(z)
        k = bisect.bisect_left(self._bp_fmpq, zq)
        if k < len(self._bp_fmpq) and self._bp_fmpq[k] == zq:
            return PieceLocation(piece=None, breakpoint=k)
        return PieceLocation(piece=k, breakpoint=None)

    def piece_index(self, z: fmpq) -> int:
        """The index of a piece whose closure contains ``z`` (the left one on a breakpoint)."""
        return bisect.bisect_left(self._bp_fmpq, z)

    def distance_to_breakpoint(self, z: Fraction | fmpq | int) -> Fraction | None:
        """Exact distance from ``z`` to the nearest breakpoint; None when there is none."""
        if not self.breakpoints:
            return None
        zf = Fraction(int(z.p), int(z.q)) if isinstance(z, fmpq) else Fraction(z)
        k = bisect.bisect_left(self.breakpoints, zf)
        near = [self.breakpoints[j] for j in (k - 1, k) if 0 <= j < len(self.breakpoints)]
        return min(abs(zf - p) for p in near)

    def place_fmpq(self, z: fmpq) -> tuple[int | None, int | None, fmpq | None]:
        """(piece, breakpoint, distance) of ``z`` in one bisection: the open piece containing z or
        None, the breakpoint z sits on or None, the distance to the nearest breakpoint or None
        when there is none (:meth:`locate` and :meth:`distance_to_breakpoint` together)."""
        bps = self._bp_fmpq
        k = bisect.bisect_left(bps, z)
        if k < len(bps) and bps[k] == z:
            return None, k, fmpq(0)
        if not bps:
            return k, None, None
        if k == 0:
            return k, None, bps[0] - z
        if k == len(bps):
            return k, None, z - bps[-1]
        return k, None, min(z - bps[k - 1], bps[k] - z)

    def piece_bounds(self, piece: int) -> tuple[Fraction | None, Fraction | None]:
        """The open interval of piece ``piece`` as (lower, upper); None stands for infinity."""
        if not 0 <= piece < self.num_pieces:
            raise IndexError(f"activation {self.name} has no piece {piece}")
        lower = self.breakpoints[piece - 1] if piece > 0 else None
        upper = self.breakpoints[piece] if piece < len(self.breakpoints) else None
        return lower, upper

    def affine_piece(self, piece: int) -> tuple[Fraction, Fraction]:
        """(slope, intercept) of piece ``piece``."""
        return self.slopes[piece], self.intercepts[piece]

    def affine_piece_fmpq(self, piece: int) -> tuple[fmpq, fmpq]:
        return self._s_fmpq[piece], self._t_fmpq[piece]

    def __call__(self, z: Fraction | fmpq | int) -> Fraction:
        """Exact value h(z)."""
        zq = z if isinstance(z, fmpq) else to_fmpq(z)
        k = self.piece_index(zq)
        value = self._s_fmpq[k] * zq + self._t_fmpq[k]
        return Fraction(int(value.p), int(value.q))

    def apply_many(self, values: list[fmpq]) -> list[fmpq]:
        """Exact h(z) for a list of python-flint rationals (the batched forward pass uses this).

        Pieces that are the identity or a constant skip the arithmetic, and one-breakpoint
        activations skip the bisection: this loop is most of the cost of an exact forward pass.
        """
        maps = [_piece_map(s, t) for s, t in zip(self._s_fmpq, self._t_fmpq, strict=True)]
        if len(self._bp_fmpq) == 0:
            return [maps[0](z) for z in values]
        if len(self._bp_fmpq) == 1:
            p = self._bp_fmpq[0]
            left, right = maps
            return [right(z) if z > p else left(z) for z in values]
        bps = self._bp_fmpq
        return [maps[bisect.bisect_left(bps, z)](z) for z in values]

    def apply_float(self, z: float) -> float:
        k = bisect.bisect_left(self.breakpoints, z)
        return float(self.slopes[k]) * z + float(self.intercepts[k])

    def describe(self) -> str:
        if self.params:
            args = ", ".join(f"{key}={value}" for key, value in self.params)
            return f"{self.name}({args})"
        if self.name != "custom":
            return self.name
        return f"custom(breakpoints={[str(p) for p in self.breakpoints]}, slopes={[str(s) for s in self.slopes]})"


def _piece_map(slope: fmpq, intercept: fmpq) -> Callable[[fmpq], fmpq]:
    if slope == 0:
        return lambda z: intercept
    if slope == 1 and intercept == 0:
        return lambda z: z
    return lambda z: slope * z + intercept


def _validate_pieces(
    breakpoints: tuple[Fraction, ...],
    slopes: tuple[Fraction, ...],
    intercepts: tuple[Fraction, ...] | None,
    name: str,
    where: str = "activation",
) -> None:
    if len(slopes) != len(breakpoints) + 1:
        raise InputError(
            f"{where} ({name}): {len(breakpoints)} breakpoints need {len(breakpoints) + 1} slopes, "
            f"got {len(slopes)}"
        )
    for k in range(len(breakpoints) - 1):
        if not breakpoints[k] < breakpoints[k + 1]:
            raise InputError(
                f"{where} ({name}): breakpoints must be strictly increasing, but breakpoints[{k}] = "
                f"{breakpoints[k]} is not below breakpoints[{k + 1}] = {breakpoints[k + 1]}"
            )
    for k in range(len(breakpoints)):
        if slopes[k] == slopes[k + 1]:
            raise InputError(
                f"{where} ({name}): no kink at breakpoints[{k}] = {breakpoints[k]}: slopes[{k}] and "
                f"slopes[{k + 1}] are both {slopes[k]}; drop the breakpoint"
            )
    if intercepts is None:
        return
    if len(intercepts) != len(slopes):
        raise InputError(f"{where} ({name}): {len(slopes)} slopes need as many intercepts")
    for k, p in enumerate(breakpoints):
        left = slopes[k] * p + intercepts[k]
        right = slopes[k + 1] * p + intercepts[k + 1]
        if left != right:
            raise InputError(
                f"{where} ({name}): discontinuous at breakpoints[{k}] = {p}: "
                f"left value {left}, right value {right}"
            )


def _intercepts_from_anchor(
    breakpoints: tuple[Fraction, ...], slopes: tuple[Fraction, ...], x0: Fraction, y0: Fraction
) -> tuple[Fraction, ...]:
    start = bisect.bisect_left(breakpoints, x0)
    intercepts: list[Fraction] = [Fraction(0)] * len(slopes)
    intercepts[start] = y0 - slopes[start] * x0
    for k in range(start, len(breakpoints)):  # continuity to the right
        p = breakpoints[k]
        intercepts[k + 1] = slopes[k] * p + intercepts[k] - slopes[k + 1] * p
    for k in range(start - 1, -1, -1):  # and to the left
        p = breakpoints[k]
        intercepts[k] = slopes[k + 1] * p + intercepts[k + 1] - slopes[k] * p
    return tuple(intercepts)


# --- presets -------------------------------------------------------------------------------------


def relu() -> Activation:
    """max(0, z)."""
    return Activation.from_pieces([0], [0, 1], (0, 0), name="relu")


def leaky_relu(alpha: RationalLike = Fraction(1, 100)) -> Activation:
    """z for z > 0, alpha z otherwise; alpha = 1 is rejected (no kink)."""
    a = parse_rational(alpha, "leaky_relu.alpha")
    if a == 1:
        raise InputError(
            "leaky_relu.alpha: alpha = 1 leaves no kink (that is the linear activation)"
        )
    return Activation.from_pieces([0], [a, 1], (0, 0), name="leaky_relu", params=(("alpha", a),))


def hardtanh(lo: RationalLike = -1, hi: RationalLike = 1) -> Activation:
    """clip(z, lo, hi) with lo < hi."""
    low = parse_rational(lo, "hardtanh.lo")
    high = parse_rational(hi, "hardtanh.hi")
    if not low < high:
        raise InputError(f"hardtanh: lo = {low} must be below hi = {high}")
    return Activation.from_pieces(
        [low, high], [0, 1, 0], (low, low), name="hardtanh", params=(("lo", low), ("hi", high))
    )


def relu6() -> Activation:
    """clip(z, 0, 6)."""
    return Activation.from_pieces([0, 6], [0, 1, 0], (0, 0), name="relu6")


def abs_activation() -> Activation:
    """|z|."""
    return Activation.from_pieces([0], [-1, 1], (0, 0), name="abs")


def linear() -> Activation:
    """The identity: no breakpoint, one piece (the linear-network contrast)."""
    return Activation.from_pieces([], [1], (0, 0), name="linear")


PRESETS = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "hardtanh": hardtanh,
    "relu6": relu6,
    "abs": abs_activation,
    "linear": linear,
}
"""Preset name -> constructor; keyword arguments are the preset's parameters."""

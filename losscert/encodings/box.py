"""A radius rho such that the box |theta' - theta|_inf <= rho stays inside theta's cell.

Center-radius interval propagation, whole layers at once with python-flint: with every weight and
bias moved by at most rho and the layer input a in [a_c - a_r, a_c + a_r],

    z in  W a_c + b  +-  ( |W| a_r + rho (sum_c |a_c| + a_r) + rho ),

and inside piece k the activation maps the interval to s_k z_c + t_k +- |s_k| z_r. These intervals
contain the endpoint-product intervals of the checker's `box_in_cell` step, so a radius accepted
here is accepted there (up to the checker's rounding, docs/certificate.md 3.3).

The centres are exact; every radius term (rho, |W|, the column masses, |s_k| z_r) is rounded UP to
a multiple of 2^-P, P = RADIUS_BITS binary digits below rho's leading digit. That only widens the
intervals (a radius accepted with rounding is accepted without), and it keeps the radii short
numbers: exact radii inherit the long denominators of the point and of rho, and at n = 5000 the
exact propagation took 8.6 s where the rounded one takes a fraction of that.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import numpy as np
from flint import fmpq, fmpq_mat

from losscert.encodings.cells import Cell, locate_cell
from losscert.model.activation import Activation
from losscert.model.problem import Problem
from losscert.model.rationals import to_fmpq

MAX_HALVINGS = 200
RADIUS_BITS = 64


def _up(value: fmpq, bits: int) -> fmpq:
    """The least multiple of 2^-bits that is >= value."""
    num, den = int(value.p) << bits, int(value.q)
    return fmpq(-(-num // den), 1 << bits)


def box_fits(problem: Problem, cell: Cell, rho: Fraction, *, across_ties: bool = False) -> bool:
    """True when every pre-activation interval of the box of radius rho lies inside its piece.

    With ``across_ties``, a pre-activation on a breakpoint (a tie) may cross it, but must stay
    between the neighbouring breakpoints (the checker's ``box_near_boundary``).
    """
    act = problem.network.activation
    bits = RADIUS_BITS + max(0, rho.denominator.bit_length() - rho.numerator.bit_length() + 1)
    r = _up(to_fmpq(rho), bits)
    trace = problem.trace()
    n = problem.data.n
    centre = problem.data.inputs
    radius = fmpq_mat(centre.nrows(), n, [fmpq(0)] * (centre.nrows() * n))
    ends = [_piece_fmpq(act, k) for k in range(act.num_pieces)]
    for j, layer in enumerate(problem.network.layers[:-1]):
        absolute_w = fmpq_mat(
            layer.weight.nrows(),
            layer.weight.ncols(),
            [_up(abs(v), bits) for v in layer.weight.entries()],
        )
        # sum_c |a_c| + a_r per sample (column), as matrix products, then rounded up
        ones = fmpq_mat(1, centre.nrows(), [1] * centre.nrows())
        absolute_c = fmpq_mat(centre.nrows(), n, [abs(v) for v in centre.entries()])
        column_mass = (ones * absolute_c + ones * radius).entries()
        spread = fmpq_mat(1, n, [r * _up(m, bits) + r for m in column_mass])
        z_c = trace.pre_activations[j]
        z_r = absolute_w * radius + fmpq_mat(layer.out_dim, 1, [1] * layer.out_dim) * spread
        pieces = cell.pieces[j]
        new_centre: list[fmpq] = []
        new_radius: list[fmpq] = []
        rows = zip(
            z_c.tolist(), z_r.tolist(), (z_c - z_r).tolist(), (z_c + z_r).tolist(), strict=True
        )
        for row, (zc_row, zr_row, low_row, high_row) in enumerate(rows):
            for i, k in enumerate(pieces[row]):
                if k is None:
                    if not across_ties or not _straddle(
                        act, zc_row[i], zr_row[i], new_centre, new_radius
                    ):
                        return False
                    continue
                lower, upper, s, t, abs_s = ends[k]
                if (lower is not None and not lower < low_row[i]) or (
                    upper is not None and not high_row[i] < upper
                ):
                    return False
                new_centre.append(s * zc_row[i] + t)
                reach = abs_s * zr_row[i]
                new_radius.append(reach if abs_s.q == 1 else _up(reach, bits))
        centre = fmpq_mat(layer.out_dim, n, new_centre)
        radius = fmpq_mat(layer.out_dim, n, new_radius)
    return True


def _piece_fmpq(act: Activation, k: int) -> tuple[fmpq | None, fmpq | None, fmpq, fmpq, fmpq]:
    """Piece k's bounds (None: unbounded), affine map s z + t and |s|, as python-flint rationals."""
    lower, upper = act.piece_bounds(k)
    s, t = act.affine_piece_fmpq(k)
    return (
        None if lower is None else to_fmpq(lower),
        None if upper is None else to_fmpq(upper),
        s,
        t,
        abs(s),
    )


def _straddle(act: Activation, zc: fmpq, zr: fmpq, centres: list[fmpq], radii: list[fmpq]) -> bool:
    """A tie at breakpoint b = zc: the interval must stay within (p_{b-1}, p_{b+1}); h maps it
    onto [min, max] of h at its ends and at the kink."""
    b = act.locate(zc).breakpoint
    assert b is not None
    bps = act.breakpoints
    if (b > 0 and not to_fmpq(bps[b - 1]) < zc - zr) or (
        b + 1 < len(bps) and not zc + zr < to_fmpq(bps[b + 1])
    ):
        return False
    values = act.apply_many([zc - zr, zc, zc + zr])
    low, high = min(values), max(values)
    centres.append((low + high) / 2)
    radii.append((high - low) / 2)
    return True


def boundary_box_radius(problem: Problem, cell: Cell) -> Fraction | None:
    """The largest rho = d / 2^k (k >= 1) whose box keeps every entry in its piece, the ties
    between their neighbouring breakpoints; d is the smallest distance of a non-tied entry to a
    breakpoint, or of a tie to the next breakpoints. None if none is found."""
    act = problem.network.activation
    distances = [Fraction(1)]
    for j, z in enumerate(problem.trace().pre_activations):
        for row, values in enumerate(z.tolist()):
            for i, v in enumerate(values):
                if cell.pieces[j][row][i] is not None:
                    d = act.distance_to_breakpoint(v)
                    if d is not None:
                        distances.append(d)
    gaps = [b - a for a, b in pairwise(act.breakpoints)]
    rho = min(distances + gaps) / 2
    for _ in range(MAX_HALVINGS):
        if box_fits(problem, cell, rho, across_ties=True):
            return rho
        rho /= 2
    return None


def box_radius(problem: Problem, cell: Cell | None = None) -> Fraction | None:
    """The largest rho = margin / 2^k (k >= 1) that :func:`box_fits`; None on a boundary point."""
    cell = cell or locate_cell(problem)
    if cell.on_boundary:
        return None
    rho = cell.margin / 2 if cell.margin is not None else Fraction(1)
    first = first_float_fit(problem, cell, rho)
    rho /= 2**first
    for _ in range(first, MAX_HALVINGS):
        if box_fits(problem, cell, rho):
            return rho
        rho /= 2
    return None


FLOAT_MARGIN = 1e-9


def first_float_fit(problem: Problem, cell: Cell, rho: Fraction) -> int:
    """The first k for which the box of radius rho / 2^k fits in float arithmetic, with room to
    spare; 0 when none does. Search only: it spares the exact :func:`box_fits` the halvings that
    floats show too large, and whatever it returns is decided by :func:`box_fits` alone."""
    act = problem.network.activation
    params = problem.network.to_numpy()
    x, _ = problem.data.to_numpy()
    lowers = np.array([-np.inf, *map(float, act.breakpoints)])
    uppers = np.array([*map(float, act.breakpoints), np.inf])
    slopes = np.array([float(v) for v in act.slopes])
    intercepts = np.array([float(v) for v in act.intercepts])
    pieces = [np.array(p, dtype=int) for p in cell.pieces]
    r = float(rho)

    def fits(k: int) -> bool:
        return _float_fits(params, pieces, x.T, r / 2.0**k, lowers, uppers, slopes, intercepts)

    # the intervals grow with the radius, so fitting is monotone in k: doubling steps, then
    # bisection, find the first fitting k in O(log k) propagations instead of k + 1
    if fits(0):
        return 0
    low, high = 0, 1  # fits(low) is False
    while not fits(high):
        if high >= MAX_HALVINGS - 1:
            return 0
        low, high = high, min(2 * high, MAX_HALVINGS - 1)
    while high - low > 1:  # fits(high) is True
        middle = (low + high) // 2
        low, high = (low, middle) if fits(middle) else (middle, high)
    return high


def _float_fits(params, pieces, centre, r, lowers, uppers, slopes, intercepts) -> bool:  # type: ignore[no-untyped-def]
    """The centre-radius propagation of :func:`box_fits` in floats, each bound with a margin."""
    radius = np.zeros_like(centre)
    with np.errstate(all="ignore"):
        for (w, b), k in zip(params[:-1], pieces, strict=True):
            # einsum, not a threaded BLAS product (see losscert.model.forward.forward_float)
            z_c = np.einsum("kj,ji->ki", w, centre) + b[:, None]
            spread = r * (np.abs(centre) + radius).sum(axis=0) + r
            z_r = np.einsum("kj,ji->ki", np.abs(w), radius) + spread[None, :]
            room = FLOAT_MARGIN * (1 + np.abs(z_c))
            if not (np.all(z_c - z_r - room > lowers[k]) and np.all(z_c + z_r + room < uppers[k])):
                return False
            centre = slopes[k] * z_c + intercepts[k]
            radius = np.abs(slopes[k]) * z_r
    return True

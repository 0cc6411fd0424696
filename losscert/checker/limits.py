"""Section 7 of docs/certificate.md: the checker's limits, checked before the work they bound.

Every limit is a property of the input that the checker can read off cheaply (sizes, counts,
degrees), chosen so that the work it bounds takes about a minute or less on a laptop core. A
certificate beyond a limit is invalid with a message naming the limit; it is never checked
slowly, and a valid certificate within the limits is never rejected for its size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .result import Invalid

if TYPE_CHECKING:
    from .problem import Problem

MAX_SAMPLES = 100_000
"""n, the number of samples."""
MAX_FORWARD_WORK = 20_000_000
"""n * P: one exact forward pass (risk, cell, box, SMT query text) costs about that many
rational operations. 5,000,000 in the first draft of 1.1, before the integer forward pass
(scaled.py) made a pass at n P = 7.2 million (10-32-32-1, n = 5000) take about a second; the
slowest step it bounds, a box whose every sample falls back to endpoint products, takes about
1.6 microseconds per unit of n P (2.2 s at 1.44 million), so about 30 s at the limit."""
MAX_JET_PARAMETERS = 300
"""P for hessian_pd (an exact P x P LDL^T factorisation)."""
MAX_JET_WORK = 2_000_000
"""n * P^2 for gradient_zero and hessian_pd: forward-mode derivatives carry P (first order) or a
sparse P x P (second order) coefficients through every sample."""
MAX_PATH_DEGREE = 16
"""The degree of a path's polynomials (denominator and numerators)."""
MAX_PATH_WORK = 20_000_000
"""n * (hidden neurons) * (L D + 1)^2 for path_in_cell: one Bernstein conversion of degree up to
L D (depth L, path degree D) per hidden pre-activation and sample. 2,000,000 in the first draft
of 1.1; the Theorem 1 valley at 10-32-32-1, n = 5000 (15.7 million) is checked in seconds."""
MAX_PRODUCT_WORK = 20_000_000_000
"""sum over layers of n d_j (d_{j-1} + 1) (1 + a // 64) (1 + b // 64), a and b the bit lengths of
the largest integer of the layer's parameters over their common denominator and of its inputs
(the previous layer's activations, or the data) over theirs: the integer forward pass, with the
size of the numbers. n P alone does not bound it: parameters with many distinct 250-bit
denominators make one pass at n = 10 take about 40 s (a common denominator of 260,000 bits).
Measured: 0.5-2.6 s of CPU per 10^9 units (the Theorem 1 row at n = 5000 is 2.9 * 10^8), so
under a minute at the limit. Checked per layer before its product, at every point evaluated."""
MAX_ARRANGEMENT_WORK = 50_000_000
"""(regions + pruned entries) * n * (pieces) for neuron_regions_sparse: its completeness walk
builds each child prefix (up to n entries, K + 1 pieces per node) and each pruned child's
constraint list; the dense neuron_regions pays the same in file size. 20,000,000 in the first
draft of 1.1, which refused issue 12's hard-tanh row (d_X 2, n 30: 34.0 million); the walk on the
nonzero Farkas entries checks that row in about 6.5 s, so about 10 s at the limit."""


MAX_WIDTH = 10_000
"""Each layer width d_j (section 2)."""
MAX_PARAMETERS = 10**6
"""P, the number of parameters (section 2)."""


def size_over_limits(widths: list[int] | tuple[int, ...], n: int) -> str | None:
    """Why a problem of these widths and n samples is beyond the limits, or None. Producers call
    it too: a problem whose certificate the checker would refuse is refused up front."""
    wide = [w for w in widths if not 1 <= w <= MAX_WIDTH]
    if wide:
        return f"a layer width of {wide[0]} is beyond the limit of 1..{MAX_WIDTH}"
    size = sum(widths[j] * (widths[j - 1] + 1) for j in range(1, len(widths)))
    if size > MAX_PARAMETERS:
        return f"{size} parameters are beyond the limit of {MAX_PARAMETERS}"
    if n > MAX_SAMPLES:
        return f"{n} samples are beyond the limit of {MAX_SAMPLES}"
    if n * size > MAX_FORWARD_WORK:
        return (
            f"n * P = {n} * {size} = {n * size} is beyond the limit of {MAX_FORWARD_WORK} "
            "for exact evaluation"
        )
    return None


def check_product_work(work: int, n: int) -> None:
    """Section 7: the integer forward pass's work so far (see MAX_PRODUCT_WORK), before a
    layer's product."""
    if work > MAX_PRODUCT_WORK:
        raise Invalid(
            f"an exact forward pass over {n} samples with numbers this large is beyond the limit"
            f" of {MAX_PRODUCT_WORK:,} units (n x layer size x 64-bit words of the numbers"
            " multiplied; docs/certificate.md, section 7)"
        )


def check_problem_size(problem: Problem) -> None:
    """Section 7: the limits on the problem itself (read in section 2)."""
    why = size_over_limits(problem.widths, len(problem.inputs))
    if why is not None:
        raise Invalid(f"problem: {why} (docs/certificate.md, section 7)")


def jet_limit_exceeded(problem: Problem, *, hessian: bool) -> str | None:
    """Why gradient_zero (or hessian_pd) is beyond the limits, or None when it is within."""
    n, size = len(problem.inputs), problem.num_parameters
    if hessian and size > MAX_JET_PARAMETERS:
        return f"a Hessian of {size} parameters is beyond the limit of {MAX_JET_PARAMETERS}"
    if n * size * size > MAX_JET_WORK:
        return (
            f"n * P^2 = {n} * {size}^2 = {n * size * size} is beyond the limit of {MAX_JET_WORK}"
            " for exact derivatives"
        )
    return None


def check_arrangement_work(n: int, regions: int, pruned: int, pieces: int, sid: str) -> None:
    work = (regions + pruned) * n * pieces
    if work > MAX_ARRANGEMENT_WORK:
        raise Invalid(
            f"(regions + pruned) * n * pieces = ({regions} + {pruned}) * {n} * {pieces} = {work} "
            f"is beyond the limit of {MAX_ARRANGEMENT_WORK} for the completeness walk "
            "(docs/certificate.md, section 7)",
            step=sid,
        )


def check_jet(problem: Problem, sid: str, *, hessian: bool) -> None:
    why = jet_limit_exceeded(problem, hessian=hessian)
    if why is not None:
        raise Invalid(f"{why} (docs/certificate.md, section 7)", step=sid)


def check_path_degree(degree: int, sid: str) -> None:
    if degree > MAX_PATH_DEGREE:
        raise Invalid(
            f"a path of degree {degree} is beyond the limit of {MAX_PATH_DEGREE} "
            "(docs/certificate.md, section 7)",
            step=sid,
        )


def check_path_work(problem: Problem, degree: int, sid: str) -> None:
    hidden = sum(problem.widths[1:-1])
    work = len(problem.inputs) * hidden * (problem.depth * degree + 1) ** 2
    if work > MAX_PATH_WORK:
        raise Invalid(
            f"n * (hidden neurons) * (L D + 1)^2 = {work} is beyond the limit of {MAX_PATH_WORK} "
            "(docs/certificate.md, section 7)",
            step=sid,
        )

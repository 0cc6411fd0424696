"""No minimum near the point: a ray along which the logistic / softmax risk falls to infinity.

With an exp/log loss the risk of a sample never reaches its infimum: pushing the right logit up
(or a wrong one down) always helps. When one hidden neuron r is non-zero only on samples that a
single output weight helps, moving that weight W_L[k][r] away (sign s) lowers every one of those
samples' losses and leaves the others alone, for every step length: gradient descent keeps
walking along the ray, and no point where this holds is a local minimum. This is what trained
softmax classifiers of width 4 on overlapping classes do (a neuron whose active samples miss one
class): Adam stops with a gradient of 1e-3 because the gain along the ray decays exponentially.

:func:`escape_ray` finds such a ray exactly (rational pre-activations, exact activation values on
the intervals they range over) for a one-hidden-layer network, with the largest radius rho among
its candidates such that *no* theta with |theta - theta*|_inf <= rho is a local minimum:

- for theta in that box, z_r(x_i; theta) lies in [z_i - rho N_i, z_i + rho N_i] with
  N_i = 1 + sum_c |x_ic| (row r of W_1 and b_1[r] each move by at most rho);
- sample i's loss is non-increasing in t along W_L[k][r] += s t, for all t > 0, when
  s * want_ik * h(z) >= 0 on that interval (want_ik = +1 when raising f_k lowers the loss of
  sample i: the class k of a softmax sample, y_ik = 1 for logistic; -1 otherwise), and strictly
  decreasing when s * want_ik * h(z) > 0 on it (softmax probabilities and sigmoids lie in (0, 1));
- if every sample is non-increasing and one strictly decreasing, R(theta + t d) < R(theta) for
  every t > 0: theta is not a local minimum. Only W_L moves, so no pattern changes and no
  smoothness is needed.

:func:`certify_no_minimum_near` writes it as a certificate (an ``escape_ray`` step concluding
``no_local_min_in_box``, docs/certificate.md 3.32) that the checker re-derives.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate
from losscert.verifier.verdict import Status, Verdict

EXP_LOSSES = ("logistic", "softmax_cross_entropy")


@dataclass(frozen=True)
class EscapeRay:
    """Moving the output layer (W_L | b_L) by t ``direction`` lowers the risk for every t > 0 at
    every theta within ``radius`` (max norm, closed) of the point. ``move`` and ``because`` say
    how and why in words; ``output``, ``neuron``, ``sign`` name the weight of a one-weight ray
    (None for a separation of :mod:`exp_separation`). ``risk``, ``slope`` and ``limit`` are floats
    (information only): the risk at the point, its derivative along the ray there and its limit
    as t -> infinity."""

    direction: tuple[tuple[Fraction, ...], ...]
    radius: Fraction
    move: str
    because: str
    risk: float
    slope: float
    limit: float
    output: int | None = None
    neuron: int | None = None
    sign: int | None = None

    def describe(self) -> str:
        return (
            f"no local minimum within {float(self.radius):.3g} (max norm) of the point: at every "
            f"point there the risk decreases strictly as {self.move} (the minimum is at "
            f"infinity), because {self.because}; from the point the risk falls from "
            f"{self.risk:.6g} towards {self.limit:.6g}, slope {self.slope:.3g}"
        )


def one_weight(problem: Problem, k: int, r: int, sign: int) -> tuple[tuple[Fraction, ...], ...]:
    """The direction that moves W_L[k][r] alone, by ``sign``."""
    d_1, d_y = problem.network.widths[-2], problem.network.widths[-1]
    return tuple(
        tuple(Fraction(sign if (row, col) == (k, r) else 0) for col in range(d_1 + 1))
        for row in range(d_y)
    )


def _wants(problem: Problem) -> list[list[int]]:
    """want[i][k]: +1 when raising output k lowers sample i's loss, else -1."""
    rows = problem.data.label_rows()
    if problem.loss.kind == "logistic":
        return [[1 if y > 0 else -1 for y in row] for row in rows]
    return [[1 if y == 1 else -1 for y in row] for row in rows]


def _range(problem: Problem, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """min and max of the activation over [lo, hi] (exact: ends and inner breakpoints)."""
    act = problem.network.activation
    values = [act(lo), act(hi), *(act(p) for p in act.breakpoints if lo < p < hi)]
    return min(values), max(values)


def _sides(
    problem: Problem, zs: list[Fraction], norms: list[Fraction], rho: Fraction
) -> list[tuple[Fraction, Fraction]]:
    return [_range(problem, z - rho * m, z + rho * m) for z, m in zip(zs, norms, strict=True)]


def _holds(
    ranges: list[tuple[Fraction, Fraction]], wants: list[int], sign: int
) -> tuple[int, ...] | None:
    """The strictly gaining samples, if every sample's loss is non-increasing and one strictly
    decreasing along the ray over these activation ranges; else None."""
    gaining = []
    for i, ((lo, hi), want) in enumerate(zip(ranges, wants, strict=True)):
        low = lo if sign * want > 0 else -hi  # the least value of s * want * h on the range
        if low < 0:
            return None
        if low > 0:
            gaining.append(i)
    return tuple(gaining) or None


def _candidates(problem: Problem, zs: list[Fraction], norms: list[Fraction]) -> list[Fraction]:
    """Radii where an interval's end meets a breakpoint or a zero of a piece (the ranges, and so
    the test, change only there), in increasing order."""
    act = problem.network.activation
    critical = set(act.breakpoints)
    for k in range(act.num_pieces):
        slope, intercept = act.affine_piece(k)
        low, high = act.piece_bounds(k)
        if slope != 0:
            zero = -intercept / slope
            if (low is None or zero > low) and (high is None or zero < high):
                critical.add(zero)
    found = {abs(z - q) / m for z, m in zip(zs, norms, strict=True) for q in critical}
    return sorted(r for r in found if r > 0)


def _radius(
    problem: Problem, zs: list[Fraction], norms: list[Fraction], wants_k: list[int], sign: int
) -> tuple[Fraction, tuple[int, ...]] | None:
    """The largest tested closed radius where the ray works (and the gaining samples at the
    point), or None. The test is monotone in rho and changes only at the candidates, so testing
    each candidate and one radius strictly between consecutive ones finds the supremum up to
    that gap; a binary search over them costs O(n log n) tests of O(n) each."""
    gaining = _holds(_sides(problem, zs, norms, Fraction(0)), wants_k, sign)
    if gaining is None:
        return None
    candidates = _candidates(problem, zs, norms) or [Fraction(1)]
    tests = [candidates[0] / 2]
    for j, rho in enumerate(candidates):
        after = candidates[j + 1] if j + 1 < len(candidates) else 2 * rho
        tests += [rho, (rho + after) / 2]
    low, high = 0, len(tests)  # the test holds on a prefix of ``tests``: binary search
    while low < high:
        middle = (low + high) // 2
        if _holds(_sides(problem, zs, norms, tests[middle]), wants_k, sign) is None:
            high = middle
        else:
            low = middle + 1
    return None if low == 0 else (tests[low - 1], gaining)


def escape_ray(problem: Problem) -> EscapeRay | None:
    """The ray of largest radius (the lowest output, neuron, sign on ties), or None: one hidden
    layer and a logistic or softmax loss only."""
    net = problem.network
    if net.depth != 2 or problem.loss.kind not in EXP_LOSSES:
        return None
    rows = problem.data.input_rows()
    norms = [1 + sum((abs(v) for v in row), Fraction(0)) for row in rows]
    wants = _wants(problem)
    best: tuple[Fraction, int, int, int, tuple[int, ...]] | None = None
    for r, (weights, bias) in enumerate(zip(net.weights(1), net.biases(1), strict=True)):
        zs = [sum((w * v for w, v in zip(weights, row, strict=True)), bias) for row in rows]
        for k in range(len(wants[0])):
            for sign in (1, -1):
                found = _radius(problem, zs, norms, [want[k] for want in wants], sign)
                if found is not None and (best is None or found[0] > best[0]):
                    best = (found[0], k, r, sign, found[1])
    if best is None:
        from losscert.verifier.exp_separation import separation_ray

        return separation_ray(problem)
    radius, k, r, sign, gaining = best
    direction = one_weight(problem, k, r, sign)
    risk, slope, limit = along(problem, direction)
    classes = _classes(problem, gaining)
    move = f"W_2[{k}][{r}] -> {'+infinity' if sign > 0 else '-infinity'}"
    because = (
        f"hidden neuron {r} is non-zero only on samples this weight helps ({len(gaining)} "
        f"samples, of class(es) {list(classes)})"
    )
    return EscapeRay(direction, radius, move, because, risk, slope, limit, k, r, sign)


def _classes(problem: Problem, samples: tuple[int, ...]) -> tuple[int, ...]:
    rows = problem.data.label_rows()
    if problem.loss.kind == "logistic":
        return tuple(sorted({int(rows[i][0]) for i in samples}))
    return tuple(sorted({next(k for k, y in enumerate(rows[i]) if y == 1) for i in samples}))


def along(
    problem: Problem, direction: tuple[tuple[Fraction, ...], ...]
) -> tuple[float, float, float]:
    """Float risk at the point, derivative of R along the ray there, and risk far along it."""
    (w1, b1), (w2, b2) = problem.network.to_numpy()
    x = np.array([[float(v) for v in row] for row in problem.data.input_rows()])
    y = np.array([[float(v) for v in row] for row in problem.data.label_rows()])
    hidden = np.vectorize(problem.network.activation.apply_float)(x @ w1.T + b1)
    move = np.array([[float(v) for v in row] for row in direction])
    logits = hidden @ w2.T + b2
    delta = hidden @ move[:, :-1].T + move[:, -1]
    kind = problem.loss.kind
    with np.errstate(all="ignore"):
        if kind == "logistic":
            dl = -y / (1 + np.exp(y * logits))
        else:
            top = logits.max(axis=1, keepdims=True)
            p = np.exp(logits - top)
            dl = p / p.sum(axis=1, keepdims=True) - y
    slope = float(np.mean(np.sum(dl * delta, axis=1)))
    far = _float_risk(kind, logits + 1e6 * delta, y)
    return _float_risk(kind, logits, y), slope, far


def _float_risk(kind: str, f: np.ndarray, y: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        if kind == "logistic":
            return float(np.mean(np.sum(np.logaddexp(0, -y * f), axis=1)))
        top = f.max(axis=1, keepdims=True)
        total = top[:, 0] + np.log(np.exp(f - top).sum(axis=1))
        return float(np.mean(total - np.sum(y * f, axis=1)))


REFUTED_CLAIM = "local_min_in_box"
"""The verdict's claim: no local minimum lies within the ray's radius of the point."""


def certify_no_minimum_near(problem: Problem) -> Verdict | None:
    """REFUTED ``local_min_in_box`` with a ``no_local_min_in_box`` certificate (an
    ``escape_ray`` step, docs/certificate.md 3.32) when :func:`escape_ray` finds a ray;
    None when it finds none. The checker decides: if it rejected the file, the verdict is
    UNKNOWN ``checker_rejected``."""
    from losscert.checker.escape_ray import MAX_RAY_WORK

    _, d_1, d_y = problem.network.widths if problem.network.depth == 2 else (0, 0, 0)
    if problem.data.n * d_y * d_y * (d_1 + 1) > MAX_RAY_WORK:  # no checkable certificate
        return None
    ray = escape_ray(problem)
    if ray is None:
        return None
    step = {
        "id": "ray",
        "kind": "escape_ray",
        "direction": [[rational_string(v) for v in row] for row in ray.direction],
        "radius": rational_string(ray.radius),
    }
    certificate = new_certificate(problem, "no_local_min_in_box", [step], {"method": "escape ray"})
    certificate["claim"]["radius"] = rational_string(ray.radius)
    detail = ray.describe()
    verdict = certified(
        REFUTED_CLAIM,
        Status.REFUTED,
        certificate,
        method="escape ray",
        no_minimum_radius=ray.radius,
        ray=detail,
    )
    return verdict

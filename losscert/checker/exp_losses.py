"""Section 2.1 of docs/certificate.md (since 1.1): the logistic and softmax cross-entropy losses.

Their risk is not rational, so the checker never compares it exactly: it encloses it in an
interval with rational ends from :mod:`.elementary` (exp and log of rationals, rounded outward)
and compares interval ends in the safe direction. The conventions, per sample:

* ``logistic``: sum_k log(1 + exp(-y_k f_k)), labels y_k in {-1, +1} (a 0/1 target t is
  y = 2 t - 1);
* ``softmax_cross_entropy``: log sum_k exp(f_k) - f_c, the label a one-hot row with 1 at c,
  d_Y >= 2.

Every exp here has a non-positive argument (log-sum-exp shifted by the largest term, exactly), so
nothing overflows; below -MAX_ARGUMENT, exp is enclosed by [0, exp(-MAX_ARGUMENT)].

Only the step kinds in :data:`SUPPORTED_STEPS` accept these losses; every other step kind is
refused by name before its verifier runs (fail closed: a new step kind is refused until someone
shows it sound for them).
"""

from __future__ import annotations

from fractions import Fraction

from .elementary import MAX_ARGUMENT, PRECISION, exp_bounds, log_bounds
from .intervals import ZERO, Interval, IntervalJet
from .result import Invalid

EXP_LOSSES = ("logistic", "softmax_cross_entropy")
LOSS_SINCE = {"logistic": 1, "softmax_cross_entropy": 1}
"""Loss kinds added after version 1.0 -> the minor version that introduced them."""
SUPPORTED_STEPS = frozenset(
    {
        "cell",
        "box_in_cell",
        "box_near_boundary",
        "minimum_in_box",
        "minimum_in_box_on_face",
        "lifted_minimum_in_box",
        "affine_minimum_in_box",
        "risk_bounds",
        "lower_point_below",
        "escape_ray",
    }
)
"""The step kinds whose verifiers are sound for EXP_LOSSES (section 2.1)."""
MAX_LOSS_TERMS = 200_000
"""n * d_Y for the enclosure of the risk (section 7): each term costs a few exp/log series."""
MAX_BOX_WORK = 20_000_000
"""n * d_Y^2 * F^2 (F free parameters) for minimum_in_box with these losses (section 7): the
chain rule through the loss's d_Y x d_Y Hessian for every pair of free parameters and sample."""
BITS = PRECISION + 8
"""Ends of derived intervals are rounded outward to multiples of 2^-BITS."""

Bounds = tuple[Fraction, Fraction]


def check_labels(loss: str, labels: list[list[Fraction]], outputs: int) -> None:
    """Section 2.1: logistic labels are -1 or 1; softmax labels are one-hot rows, d_Y >= 2."""
    if loss == "softmax_cross_entropy" and outputs < 2:
        raise Invalid("problem.widths: softmax_cross_entropy needs at least two outputs")
    for i, y in enumerate(labels):
        if loss == "logistic":
            for k, v in enumerate(y):
                if v not in (-1, 1):
                    raise Invalid(
                        f"problem.data.labels[{i}][{k}]: logistic labels are -1 or 1 "
                        f"(a 0/1 target t is written 2t - 1), got {v}"
                    )
        elif sorted(y) != [0] * (len(y) - 1) + [1]:
            raise Invalid(
                f"problem.data.labels[{i}]: softmax_cross_entropy labels are one-hot rows "
                f"(one 1, the rest 0), got {[str(v) for v in y]}"
            )


def require_support(loss: str, kind: str, sid: str) -> None:
    """Invalid unless the step kind is sound for the loss (always, for the rational losses)."""
    if loss in EXP_LOSSES and kind not in SUPPORTED_STEPS:
        raise Invalid(
            f"the step kind {kind} is not defined for the {loss} loss (its risk is not "
            f"rational); supported: {', '.join(sorted(SUPPORTED_STEPS))}",
            step=sid,
        )


def check_work(n: int, outputs: int, sid: str) -> None:
    if n * outputs > MAX_LOSS_TERMS:
        raise Invalid(
            f"n * d_Y = {n} * {outputs} loss terms with exp/log are beyond the limit of "
            f"{MAX_LOSS_TERMS} (docs/certificate.md, section 7)",
            step=sid,
        )


def check_box_work(n: int, outputs: int, free: int, sid: str) -> None:
    check_work(n, outputs, sid)
    work = n * outputs * outputs * free * free
    if work > MAX_BOX_WORK:
        raise Invalid(
            f"n * d_Y^2 * F^2 = {n} * {outputs}^2 * {free}^2 = {work} is beyond the limit of "
            f"{MAX_BOX_WORK} for the interval jets of the {outputs}-output loss "
            "(docs/certificate.md, section 7)",
            step=sid,
        )


# --- rational arguments ---------------------------------------------------------------------


def _down(value: Fraction) -> Fraction:
    scale = 1 << BITS
    return Fraction((value.numerator * scale) // value.denominator, scale)


def _up(value: Fraction) -> Fraction:
    scale = 1 << BITS
    return Fraction(-((-value.numerator * scale) // value.denominator), scale)


def exp_nonpositive(x: Fraction) -> Bounds:
    """lo <= exp(x) <= hi for x <= 0 (any size: below -MAX_ARGUMENT, [0, exp(-MAX_ARGUMENT)])."""
    if x > 0:
        raise ValueError(f"exp_nonpositive: {x} is positive")  # a checker bug: fail closed
    if x < -MAX_ARGUMENT:
        return Fraction(0), exp_bounds(Fraction(-MAX_ARGUMENT))[1]
    return exp_bounds(x)


def log1p_bounds(lo: Fraction, hi: Fraction) -> Bounds:
    """An enclosure of log(1 + e) for e in [lo, hi], 0 <= lo (log is increasing)."""
    return log_bounds(1 + lo)[0], log_bounds(1 + hi)[1]


def softplus(v: Fraction) -> Bounds:
    """log(1 + exp(v)) = max(v, 0) + log(1 + exp(-|v|)): the exp argument is never positive."""
    e_lo, e_hi = exp_nonpositive(-abs(v))
    l_lo, l_hi = log1p_bounds(e_lo, e_hi)
    top = max(v, Fraction(0))
    return top + l_lo, top + l_hi


def sigmoid(v: Fraction) -> Bounds:
    """1 / (1 + exp(-v)): e / (1 + e) with e = exp(v) for v < 0, 1 / (1 + e), e = exp(-v), else
    (both monotone in e, so the ends of e's enclosure give the ends, rounded outward)."""
    e_lo, e_hi = exp_nonpositive(-abs(v))
    if v < 0:
        return _down(e_lo / (1 + e_lo)), _up(e_hi / (1 + e_hi))
    return _down(1 / (1 + e_hi)), _up(1 / (1 + e_lo))


def sigmoid_slope(t: Fraction) -> Bounds:
    """sigma(t) (1 - sigma(t)) = e / (1 + e)^2 with e = exp(-|t|) in (0, 1], where it increases."""
    e_lo, e_hi = exp_nonpositive(-abs(t))
    return _down(e_lo / (1 + e_lo) ** 2), _up(e_hi / (1 + e_hi) ** 2)


def log_sum_exp_shifted(d: list[Fraction]) -> Bounds:
    """log(1 + sum_j exp(d_j)), shifted exactly by m = max(0, d_j): m + log(exp(-m) + sum
    exp(d_j - m)); every exp argument is <= 0."""
    m = max([Fraction(0), *d])
    lo, hi = exp_nonpositive(-m)
    for dj in d:
        e_lo, e_hi = exp_nonpositive(dj - m)
        lo, hi = lo + e_lo, hi + e_hi
    return m + log_bounds(lo)[0], m + log_bounds(hi)[1]


def sample_loss_bounds(loss: str, y: list[Fraction], f: list[Fraction]) -> Bounds:
    """lo <= l(y, f) <= hi at rational outputs f."""
    if loss == "logistic":
        lo = hi = Fraction(0)
        for yk, fk in zip(y, f, strict=True):
            s_lo, s_hi = softplus(-yk * fk)
            lo, hi = lo + s_lo, hi + s_hi
        return lo, hi
    c = y.index(1)
    return log_sum_exp_shifted([fk - f[c] for k, fk in enumerate(f) if k != c])


def risk_bounds(loss: str, labels: list[list[Fraction]], outputs: list[list[Fraction]]) -> Bounds:
    """lo <= R = (1/n) sum_i l(y_i, f_i) <= hi, both rational."""
    lo = hi = Fraction(0)
    for y, f in zip(labels, outputs, strict=True):
        s_lo, s_hi = sample_loss_bounds(loss, y, f)
        lo, hi = lo + s_lo, hi + s_hi
    n = len(labels)
    return _down(lo / n), _up(hi / n)


# --- intervals of outputs (section 3.20) ----------------------------------------------------


def _logistic_jet(y: list[Fraction], f: list[IntervalJet]) -> IntervalJet:
    """sum_k softplus(v_k), v_k = -y_k f_k: value, slope sigma(v) and curvature sigma (1 - sigma)
    enclosed over v's interval (softplus and sigma increase; sigma (1 - sigma) decreases in |v|)."""
    total = IntervalJet(ZERO)
    for yk, fk in zip(y, f, strict=True):
        v = fk.scale(-yk)
        lo, hi = v.value.lo, v.value.hi
        value = Interval(softplus(lo)[0], softplus(hi)[1])
        slope = Interval(sigmoid(lo)[0], sigmoid(hi)[1])
        near, far = (Fraction(0) if lo <= 0 <= hi else min(abs(lo), abs(hi))), max(abs(lo), abs(hi))
        curvature = Interval(sigmoid_slope(far)[0], sigmoid_slope(near)[1])
        total = total + compose(value, [slope], [[curvature]], [v])
    return total


def softmax_probabilities(z: list[Interval]) -> list[Interval]:
    """p_k = exp(z_k) / sum_j exp(z_j) over the box z_j in [lo_j, hi_j]: p_k = a / (a + b) with
    a = exp(-M), b = sum_{j != k} exp(d_j - M), d_j = z_j - z_k, M = max(0, d_j); it increases in
    a, decreases in b and in every d_j, so the ends of the d_j give the ends of p_k."""
    out = []
    for k, zk in enumerate(z):
        ends = []
        for side in (1, -1):  # the largest differences give the lower end of p_k
            d = [
                (zj.hi - zk.lo) if side == 1 else (zj.lo - zk.hi)
                for j, zj in enumerate(z)
                if j != k
            ]
            m = max([Fraction(0), *d])
            a_lo, a_hi = exp_nonpositive(-m)
            b_lo = b_hi = Fraction(0)
            for dj in d:
                e_lo, e_hi = exp_nonpositive(dj - m)
                b_lo, b_hi = b_lo + e_lo, b_hi + e_hi
            ends.append(_down(a_lo / (a_lo + b_hi)) if side == 1 else _up(a_hi / (a_hi + b_lo)))
        out.append(Interval(ends[0], ends[1]))
    return out


def _softmax_jet(y: list[Fraction], f: list[IntervalJet]) -> IntervalJet:
    """log sum_k exp(f_k) - f_c: gradient p - e_c, Hessian diag(p) - p p^T in the outputs."""
    c = y.index(1)
    z = [fk.value for fk in f]
    d_lo = [zk.lo - z[c].hi for k, zk in enumerate(z) if k != c]
    d_hi = [zk.hi - z[c].lo for k, zk in enumerate(z) if k != c]
    value = Interval(log_sum_exp_shifted(d_lo)[0], log_sum_exp_shifted(d_hi)[1])
    p = softmax_probabilities(z)
    grad = [pk.shift(Fraction(-1)) if k == c else pk for k, pk in enumerate(p)]
    hess = [
        [_diagonal(pk) if k == m else -(pk * pm) for m, pm in enumerate(p)]
        for k, pk in enumerate(p)
    ]
    return compose(value, grad, hess, f)


def _diagonal(p: Interval) -> Interval:
    """t (1 - t) over t in [p.lo, p.hi] (concave, largest at 1/2)."""
    ends = [p.lo * (1 - p.lo), p.hi * (1 - p.hi)]
    top = Fraction(1, 4) if p.lo <= Fraction(1, 2) <= p.hi else max(ends)
    return Interval(_down(min(ends)), _up(top))


def compose(
    value: Interval, grad: list[Interval], hess: list[list[Interval]], inner: list[IntervalJet]
) -> IntervalJet:
    """The jet of h = l(z(theta)) from enclosures of l, its gradient G_k and Hessian H_kl over
    the range of z, and the jets z_k: the chain rule, dh = sum_k G_k dz_k and
    d2h = sum_kl H_kl dz_k dz_l^T + sum_k G_k d2z_k, every product an interval product."""
    out = IntervalJet(value)
    for gk, zk in zip(grad, inner, strict=True):
        for a, v in zk.grad.items():
            term = gk * v
            out.grad[a] = out.grad[a] + term if a in out.grad else term
        for key, v in zk.hess.items():
            term = gk * v
            out.hess[key] = out.hess[key] + term if key in out.hess else term
    for k, zk in enumerate(inner):
        for m, zm in enumerate(inner):
            h = hess[k][m]
            for a, va in zk.grad.items():
                for b, vb in zm.grad.items():
                    if a > b:
                        continue
                    term = h * (va * vb)
                    out.hess[(a, b)] = out.hess[(a, b)] + term if (a, b) in out.hess else term
    return out


def loss_jet(loss: str, y: list[Fraction], f: list[IntervalJet]) -> IntervalJet:
    """Enclosures of one sample's loss, gradient and Hessian over the box of the output jets."""
    return _logistic_jet(y, f) if loss == "logistic" else _softmax_jet(y, f)

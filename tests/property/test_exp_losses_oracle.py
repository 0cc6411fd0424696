"""The checker's enclosures of the logistic and softmax losses (losscert.checker.exp_losses)
against mpmath at 100 digits: every enclosure contains the true value, and is tight."""

from fractions import Fraction as F

import mpmath
from hypothesis import example, given, settings
from hypothesis import strategies as st

from losscert.checker import exp_losses
from losscert.checker.intervals import Interval, IntervalJet

TIGHT = F(1, 2**120)
rationals = st.fractions(min_value=F(-80), max_value=F(80), max_denominator=10**6)
huge = st.fractions(min_value=F(-(10**5)), max_value=F(10**5), max_denominator=7)


def _mp(value: F) -> mpmath.mpf:
    return mpmath.mpf(value.numerator) / value.denominator


def _contains(lo: F, hi: F, reference: mpmath.mpf) -> bool:
    slack = abs(reference) * mpmath.mpf(10) ** -90 + mpmath.mpf(10) ** -95
    return _mp(lo) - slack <= reference <= _mp(hi) + slack


def _exact_width(lo: F, hi: F, scale: F = F(1)) -> bool:
    return lo <= hi and hi - lo <= TIGHT * max(scale, F(1))


@settings(max_examples=80, deadline=None)
@given(st.one_of(rationals, huge))
@example(F(0))
@example(F(-(10**4) - 1))
def test_softplus_sigmoid_and_slope_enclose(v: F) -> None:
    with mpmath.workdps(110):
        x = _mp(v)
        softplus = mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))
        sigma = 1 / (1 + mpmath.exp(-x))
        slope = sigma * (1 - sigma)
        for (lo, hi), reference in (
            (exp_losses.softplus(v), softplus),
            (exp_losses.sigmoid(v), sigma),
            (exp_losses.sigmoid_slope(v), slope),
        ):
            assert lo <= hi and _contains(lo, hi, reference)
    lo, hi = exp_losses.softplus(v)
    assert _exact_width(lo, hi, abs(v))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(rationals, huge), min_size=2, max_size=5), st.data())
def test_softmax_loss_encloses(f: list[F], data: st.DataObject) -> None:
    c = data.draw(st.integers(0, len(f) - 1))
    y = [F(int(k == c)) for k in range(len(f))]
    lo, hi = exp_losses.sample_loss_bounds("softmax_cross_entropy", y, f)
    with mpmath.workdps(110):
        z = [_mp(v) for v in f]
        reference = mpmath.log(mpmath.fsum(mpmath.exp(v - max(z)) for v in z)) + max(z) - z[c]
        assert _contains(lo, hi, reference)
    assert _exact_width(lo, hi, max(abs(v) for v in f))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rationals, rationals), min_size=2, max_size=4), st.data())
def test_softmax_probabilities_enclose_every_point_of_the_box(
    ends: list[tuple[F, F]], data: st.DataObject
) -> None:
    box = [Interval(min(a, b), max(a, b)) for a, b in ends]
    p = exp_losses.softmax_probabilities(box)
    weights = data.draw(st.lists(st.fractions(0, 1), min_size=len(box), max_size=len(box)))
    z = [iv.lo + w * (iv.hi - iv.lo) for iv, w in zip(box, weights, strict=True)]
    with mpmath.workdps(60):
        e = [mpmath.exp(_mp(v) - _mp(max(z))) for v in z]
        total = mpmath.fsum(e)
        for pk, ek in zip(p, e, strict=True):
            assert _contains(pk.lo, pk.hi, ek / total)


def _jet_at(value: F) -> IntervalJet:
    return IntervalJet(Interval.point(value), {0: Interval.point(F(1))})


@settings(max_examples=40, deadline=None)
@given(rationals, st.sampled_from([F(-1), F(1)]))
def test_logistic_jet_derivatives_at_a_point(u: F, y: F) -> None:
    """l(u) = log(1 + exp(-y u)): l' = -y sigma(-y u), l'' = sigma (1 - sigma)."""
    jet = exp_losses.loss_jet("logistic", [y], [_jet_at(u)])
    with mpmath.workdps(110):
        s = 1 / (1 + mpmath.exp(_mp(y * u)))
        assert _contains(jet.grad[0].lo, jet.grad[0].hi, -_mp(y) * s)
        assert _contains(jet.hess[(0, 0)].lo, jet.hess[(0, 0)].hi, s * (1 - s))


def test_compose_hand_worked() -> None:
    """h = l(z1, z2) with z1 = 2 t, z2 = t^2 at t = 3 (jets in one parameter): dh = 2 G1 + 6 G2,
    d2h = 4 H11 + 2 * 12 H12 + 36 H22 + 2 G2."""
    z1 = IntervalJet(Interval.point(F(6)), {0: Interval.point(F(2))})
    z2 = IntervalJet(
        Interval.point(F(9)), {0: Interval.point(F(6))}, {(0, 0): Interval.point(F(2))}
    )
    g = [Interval.point(F(1, 3)), Interval.point(F(-1, 5))]
    h = [
        [Interval.point(F(1)), Interval.point(F(1, 7))],
        [Interval.point(F(1, 7)), Interval.point(F(2))],
    ]
    out = exp_losses.compose(Interval.point(F(0)), g, h, [z1, z2])
    assert out.grad[0] == Interval.point(F(2, 3) - F(6, 5))
    expected = 4 + 2 * 12 * F(1, 7) + 36 * 2 + 2 * F(-1, 5)
    assert out.hess[(0, 0)].lo <= expected <= out.hess[(0, 0)].hi
    assert out.hess[(0, 0)].hi - out.hess[(0, 0)].lo < F(1, 2**100)

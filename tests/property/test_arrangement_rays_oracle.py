"""Oracle: the ray enumeration (losscert.encodings.arrangement_rays) lists exactly the patterns
of the LP prefix-tree search (losscert.encodings.arrangement, itself checked against brute
force), in the same lexicographic order, with witnesses strictly inside (checked here by direct
exact evaluation); and it declines (None) where its argument does not apply."""

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.encodings.arrangement import NeuronRegion, _events, iter_neuron_patterns
from losscert.encodings.arrangement_rays import ray_patterns


def _lp_patterns(inputs, bps):
    return [
        item.pattern
        for item in _events(inputs, bps, None, None, 64)
        if isinstance(item, NeuronRegion)
    ]


def _strictly_inside(x, w, k):
    z = sum((a * b for a, b in zip([*x, F(1)], w, strict=True)), F(0))
    return z > 0 if k == 1 else z < 0


@st.composite
def data(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(d + 1, 9))
    coordinate = st.builds(F, st.integers(-40, 40), st.sampled_from([1, 2, 3, 8]))
    return [[draw(coordinate) for _ in range(d)] for _ in range(n)]


@settings(max_examples=60, deadline=None)
@given(data())
def test_rays_agree_with_the_lp_search_or_decline(inputs):
    fast = ray_patterns(inputs, [F(0)])
    expected = _lp_patterns(inputs, [F(0)])
    assert [r.pattern for r in iter_neuron_patterns(inputs, [F(0)])] == expected
    if fast is None:
        return
    assert [p for p, _ in fast] == expected
    for pattern, w in fast:
        assert all(_strictly_inside(x, w, k) for x, k in zip(inputs, pattern, strict=True))


def test_general_position_data_take_the_ray_path():
    inputs = [[F(1)], [F(3)], [F(-2)], [F(7, 2)]]
    fast = ray_patterns(inputs, [F(0)])
    assert fast is not None and len(fast) == 2 * len(inputs)  # 2n for d_X = 1, distinct x
    inputs = [[F(0), F(0)], [F(1), F(0)], [F(0), F(1)], [F(3), F(5)], [F(-2), F(7)]]
    fast = ray_patterns(inputs, [F(0)])
    assert fast is not None and [p for p, _ in fast] == _lp_patterns(inputs, [F(0)])


def test_it_declines_where_the_argument_does_not_apply():
    assert ray_patterns([[F(1)], [F(2)]], [F(-1), F(1)]) is None  # hard-tanh: not central
    assert ray_patterns([[F(1)], [F(2)]], [F(1)]) is None  # a breakpoint off 0
    assert ray_patterns([[F(1)], [F(1)], [F(2)]], [F(0)]) is None  # a repeated sample
    collinear = [[F(0), F(0)], [F(1), F(1)], [F(2), F(2)], [F(0), F(1)]]
    assert ray_patterns(collinear, [F(0)]) is None  # three samples on a line
    assert ray_patterns([[F(0), F(0)], [F(1), F(0)]], [F(0)]) is None  # n < D: not spanning

"""Oracle: the vertex enumeration (losscert.encodings.arrangement_vertices, breakpoints off 0)
lists exactly the patterns of the LP prefix-tree search (losscert.encodings.arrangement, itself
checked against brute force), in the same lexicographic order, with witnesses strictly inside
(checked here by direct exact evaluation); and it declines (None) where its argument does not
apply."""

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.encodings.arrangement import NeuronRegion, _events, iter_neuron_patterns
from losscert.encodings.arrangement_vertices import vertex_patterns

BREAKPOINTS = [
    [F(-1), F(1)],  # hard-tanh
    [F(0), F(6)],  # relu6
    [F(1, 2)],  # a shifted relu
    [F(-3), F(1, 3), F(2)],  # three breakpoints
]


def _lp_patterns(inputs, bps):
    return [
        item.pattern
        for item in _events(inputs, bps, None, None, 64)
        if isinstance(item, NeuronRegion)
    ]


def _strictly_inside(x, w, k, bps):
    z = sum((a * b for a, b in zip([*x, F(1)], w, strict=True)), F(0))
    return (k == 0 or z > bps[k - 1]) and (k == len(bps) or z < bps[k])


@st.composite
def data(draw):
    d = draw(st.integers(1, 2))
    n = draw(st.integers(d + 1, 7))
    coordinate = st.builds(F, st.integers(-40, 40), st.sampled_from([1, 2, 3, 8]))
    return [[draw(coordinate) for _ in range(d)] for _ in range(n)], draw(
        st.sampled_from(BREAKPOINTS)
    )


@settings(max_examples=60, deadline=None)
@given(data())
def test_vertices_agree_with_the_lp_search_or_decline(case):
    inputs, bps = case
    fast = vertex_patterns(inputs, bps)
    expected = _lp_patterns(inputs, bps)
    assert [r.pattern for r in iter_neuron_patterns(inputs, bps)] == expected
    if fast is None:
        return
    assert [p for p, _ in fast] == expected
    for pattern, w in fast:
        assert all(_strictly_inside(x, w, k, bps) for x, k in zip(inputs, pattern, strict=True))


def test_general_position_hardtanh_takes_the_vertex_path():
    inputs = [[F(0), F(0)], [F(1), F(0)], [F(0), F(1)], [F(3), F(5)], [F(-2), F(7)]]
    bps = [F(-1), F(1)]
    fast = vertex_patterns(inputs, bps)
    assert fast is not None and [p for p, _ in fast] == _lp_patterns(inputs, bps)
    # d_X = 1, distinct x, no tie x_i w + b = +-1 at a vertex: 4n^2 - ... counted by the LP
    inputs = [[F(1)], [F(3)], [F(-2)], [F(7, 2)]]
    fast = vertex_patterns(inputs, bps)
    assert fast is not None and len(fast) == len(_lp_patterns(inputs, bps))


def test_it_declines_where_the_argument_does_not_apply():
    assert vertex_patterns([[F(1)], [F(1)], [F(2)]], [F(-1), F(1)]) is None  # a repeated sample
    collinear = [[F(0), F(0)], [F(1), F(1)], [F(2), F(2)], [F(0), F(1)]]
    assert vertex_patterns(collinear, [F(-1), F(1)]) is None  # three samples on a line
    assert vertex_patterns([[F(0), F(0)], [F(1), F(0)]], [F(-1), F(1)]) is None  # n < D
    # a mixed vertex on a third hyperplane: x = 0, 1, 2 with w x + b = -1, 1 meeting x = 2 at 3
    assert vertex_patterns([[F(0)], [F(1)], [F(2)]], [F(-1), F(1), F(3)]) is None


def test_it_declines_inputs_beyond_its_memory_and_dimension_limits(monkeypatch):
    from losscert.encodings import arrangement_vertices

    bps = [F(-1), F(1)]
    many = [[F(i, 7)] for i in range(200)]  # 200 x 2 x 200 x 2 vertex-sample comparisons
    assert vertex_patterns(many, bps) is None
    monkeypatch.setattr(arrangement_vertices, "MAX_CELLS", 10**9)
    assert vertex_patterns(many[:30], bps) is not None  # the same data, within the limit
    general = [[F(0), F(0)], [F(1), F(0)], [F(0), F(1)], [F(3), F(5)], [F(-2), F(7)]]
    monkeypatch.setattr(arrangement_vertices, "MAX_DIMENSION", 2)  # D = 3 here
    assert vertex_patterns(general, bps) is None

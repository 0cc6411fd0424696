"""path_in_cell's fused loops (losscert/checker/paths.py) against the former term-by-term ones
(tests/support/path_oracle.py): the same pre-activation and output polynomials, coefficient
lists of the same lengths (which the Bernstein degree depends on), and the same first exit, on
random networks, paths (zero, constant and longer numerators mixed) and patterns."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker import paths
from tests.support import path_oracle as oracle

from .test_checker_integer_oracle import problems

polys = st.lists(
    st.builds(F, st.integers(-6, 6), st.sampled_from([1, 2, 3])), min_size=1, max_size=3
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_fused_path_loops_are_the_former_ones(data: st.DataObject) -> None:
    problem = data.draw(problems())
    size = len(problem.point)
    numerators = data.draw(
        st.lists(st.one_of(polys, st.just([F(0)] * 3)), min_size=size, max_size=size)
    )
    denominator = data.draw(st.sampled_from([[F(1)], [F(1), F(1)], [F(2), F(-1), F(1, 2)]]))
    pieces = len(problem.activation.slopes)
    pattern = [
        [
            data.draw(st.lists(st.integers(0, pieces - 1), min_size=n, max_size=n))
            for _ in range(width)
        ]
        for width, n in ((w, len(problem.inputs)) for w in problem.widths[1:-1])
    ]
    q, nums = paths.integer_path(denominator, numerators)
    assert paths.homogenised_forward(problem, q, nums, pattern) == oracle.homogenised_forward(
        problem, q, nums, pattern
    )
    margin = data.draw(st.sampled_from([F(1, 100), F(1, 2), F(3)]))
    assert paths.path_exit(problem, denominator, numerators, pattern, margin) == oracle.path_exit(
        problem, denominator, numerators, pattern, margin
    )

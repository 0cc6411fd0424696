"""The checker's integer arithmetic against its former Fraction arithmetic (tests/support).

- the integer forward pass (losscert/checker/scaled.py) gives exactly the Fraction pass's
  pre-activations, outputs, pattern, margin and risk;
- box_in_cell and box_near_boundary on outward-rounded dyadic intervals (losscert/checker/boxes.py)
  accept no box that the exact endpoint-product propagation rejects (soundness), and, on these
  small-denominator instances where no exact interval end comes within 2^-100 of a bound without
  touching it, accept every box it accepts (the rounding costs nothing here);
- integer Bernstein coefficients decide the same signs as the Fraction ones.
"""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from losscert.checker import boxes, paths
from losscert.checker.problem import (
    Activation,
    Problem,
    forward,
    pattern_and_margin,
    risk,
    sample_loss,
)
from losscert.checker.result import Invalid
from tests.support import fraction_checker as oracle

ACTIVATIONS = {
    "relu": Activation([F(0)], [F(0), F(1)], [F(0), F(0)]),
    "leaky": Activation([F(0)], [F(1, 10), F(1)], [F(0), F(0)]),
    "abs": Activation([F(0)], [F(-1), F(1)], [F(0), F(0)]),
    "hardtanh": Activation([F(-1), F(1)], [F(0), F(1), F(0)], [F(-1), F(0), F(1)]),
    "kinked": Activation([F(1, 2)], [F(2), F(-1)], [F(0), F(3, 2)]),
}
LOSSES = [("squared", None), ("squared_half", None), ("absolute", None), ("huber", F(1, 2))]

small = st.builds(F, st.integers(-8, 8), st.sampled_from([1, 2, 3, 4, 5, 7, 8]))


@st.composite
def problems(draw: st.DrawFn, loss: str = "squared", delta: F | None = None) -> Problem:
    d_x = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    d_y = draw(st.integers(1, 2))
    widths = [d_x, *hidden, d_y]
    n = draw(st.integers(1, 4))
    size = sum(widths[j] * (widths[j - 1] + 1) for j in range(1, len(widths)))
    act = ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]
    inputs = [draw(st.lists(small, min_size=d_x, max_size=d_x)) for _ in range(n)]
    labels = [draw(st.lists(small, min_size=d_y, max_size=d_y)) for _ in range(n)]
    point = draw(st.lists(small, min_size=size, max_size=size))
    return Problem(widths, act, loss, delta, inputs, labels, point)


radii = st.builds(F, st.integers(1, 40), st.sampled_from([3, 16, 64, 100, 1024, 3**7]))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), which=st.sampled_from(LOSSES))
def test_the_integer_forward_pass_is_the_fraction_pass(data: st.DataObject, which) -> None:  # type: ignore[no-untyped-def]
    problem = data.draw(problems(*which))
    pre, outputs = oracle.forward(problem, problem.point)
    trace = forward(problem, problem.point)
    assert trace.pre == pre
    assert trace.outputs == outputs
    assert pattern_and_margin(problem, trace) == oracle.pattern_and_margin(problem, pre)
    expected = sum(
        (sample_loss(problem, y, f) for y, f in zip(problem.labels, outputs, strict=True)), F(0)
    ) / len(problem.inputs)
    assert risk(problem, problem.point) == expected


def _accepts(check) -> bool:  # type: ignore[no-untyped-def]
    try:
        check()
    except Invalid:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(problem=problems(), rho=radii)
@example(  # a box that touches the breakpoint exactly: both reject (strict inequality)
    problem=Problem(
        [1, 1, 1],
        ACTIVATIONS["relu"],
        "squared",
        None,
        [[F(3)]],
        [[F(0)]],
        [F(0), F(1), F(1), F(0)],
    ),
    rho=F(1, 4),
)
def test_box_in_cell_agrees_with_exact_endpoint_products(problem: Problem, rho: F) -> None:
    pattern, _ = pattern_and_margin(problem, forward(problem, problem.point))
    if any(k is None for layer in pattern for neuron in layer for k in neuron):
        return  # on a boundary: box_near_boundary's business
    act = problem.activation

    def region(j: int, r: int, i: int):  # type: ignore[no-untyped-def]
        k = pattern[j][r][i]
        return (*act.bounds(k), oracle.affine_image(act, k))

    exact = oracle.box_fits(problem, rho, region)
    event(f"the exact propagation {'accepts' if exact else 'rejects'}")
    new = _accepts(lambda: boxes.check_box_in_cell(problem, {"radius": f"{rho}"}, pattern, "box"))
    assert not new or exact, "the integer propagation accepts a box the exact one rejects"
    assert new or not exact, "the integer propagation rejects a box the exact one accepts"


@settings(max_examples=300, deadline=None)
@given(problem=problems(), rho=radii, which=st.data())
def test_box_near_boundary_agrees_with_exact_endpoint_products(
    problem: Problem, rho: F, which: st.DataObject
) -> None:
    act = problem.activation
    # tie neuron 0 of layer 1 on sample 0 to a breakpoint by its bias
    b = which.draw(st.integers(0, len(act.breakpoints) - 1))
    d_x, d_1 = problem.widths[0], problem.widths[1]
    w0 = problem.point[:d_x]
    problem.point[d_1 * d_x] = act.breakpoints[b] - sum(
        (w * x for w, x in zip(w0, problem.inputs[0], strict=True)), F(0)
    )
    pre, _ = oracle.forward(problem, problem.point)
    pattern, _ = oracle.pattern_and_margin(problem, pre)

    def region(j: int, r: int, i: int):  # type: ignore[no-untyped-def]
        k = pattern[j][r][i]
        if k is not None:
            return (*act.bounds(k), oracle.affine_image(act, k))
        tie = act.breakpoints.index(pre[j][r][i])
        lower = act.breakpoints[tie - 1] if tie > 0 else None
        upper = act.breakpoints[tie + 1] if tie + 1 < len(act.breakpoints) else None
        return lower, upper, oracle.kink_image(act, tie)

    exact = oracle.box_fits(problem, rho, region)
    event(f"the exact propagation {'accepts' if exact else 'rejects'}")
    new = _accepts(lambda: boxes.check_box_near_boundary(problem, {"radius": f"{rho}"}, "box"))
    assert not new or exact, "the integer propagation accepts a box the exact one rejects"
    assert new or not exact, "the integer propagation rejects a box the exact one accepts"


@settings(max_examples=500, deadline=None)
@given(
    coefficients=st.lists(st.integers(-50, 50), min_size=1, max_size=7),
    strict=st.booleans(),
)
@example(coefficients=[1, -4, 4], strict=False)  # (1 - 2t)^2: zero inside, needs halving
@example(coefficients=[1, -4, 4], strict=True)
def test_integer_bernstein_decides_like_the_fraction_one(
    coefficients: list[int], strict: bool
) -> None:
    fractions = [F(c) for c in coefficients]
    expected = oracle.nonnegative_on_unit_interval(fractions, strict=strict)
    assert paths.nonnegative_on_unit_interval(coefficients, strict=strict) == expected
    assert paths.nonnegative_on_unit_interval(fractions, strict=strict) == expected
    scaled = [F(c, 7) for c in coefficients]  # a positive factor changes no sign
    assert paths.nonnegative_on_unit_interval(scaled, strict=strict) == expected

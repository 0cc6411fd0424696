"""The canonical SMT query (docs/certificate.md 3.11) means what the spec says, for every loss:
evaluated by an independent SMT-LIB evaluator at exact points of the box, its risk term is
n R(theta) (2n R for squared_half) as losscert's own exact risk computes it, the box and cell
assertions hold, and the final comparison is true exactly when R(theta) < R(theta*)."""

from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker.problem import read_problem as read_checker_problem
from losscert.checker.smt_query import SMT_LOSSES, no_lower_point_query
from losscert.encodings.box import box_radius
from losscert.encodings.cells import locate_cell
from losscert.model import (
    Dataset,
    Network,
    Problem,
    abs_activation,
    hardtanh,
    leaky_relu,
    make_loss,
    relu,
)
from losscert.verifier.certificate import problem_section

from ..support import smtlib_eval

LOSSES = {
    "squared": make_loss("squared"),
    "squared_half": make_loss("squared_half"),
    "absolute": make_loss("absolute"),
    "hinge": make_loss("hinge"),
    "huber": make_loss("huber", "1/2"),
}


def test_every_rational_loss_of_version_1_has_a_query() -> None:
    assert set(SMT_LOSSES) == set(LOSSES)


small = st.fractions(min_value=-2, max_value=2, max_denominator=4)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    width = draw(st.integers(1, 3))
    n = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(sorted(LOSSES)))
    act = draw(st.sampled_from([relu(), hardtanh(-1, 1)]))
    w1 = [[draw(small)] for _ in range(width)]
    b1 = [draw(small) for _ in range(width)]
    w2 = [[draw(small) for _ in range(width)]]
    b2 = [draw(small)]
    xs = [[draw(small)] for _ in range(n)]
    if kind == "hinge":
        ys = [[draw(st.sampled_from([F(-1), F(1)]))] for _ in range(n)]
    else:
        ys = [[draw(small)] for _ in range(n)]
    net = Network.from_rationals([w1, w2], [b1, b2], act)
    return Problem(net, LOSSES[kind], Dataset.from_rows(xs, ys))


@settings(max_examples=60, deadline=None)
@given(problem=problems(), data=st.data())
def test_the_query_computes_the_risk_on_the_box(problem: Problem, data: st.DataObject) -> None:
    cell = locate_cell(problem)
    rho = None if cell.on_boundary else box_radius(problem, cell)
    if rho is None:
        return  # a boundary point: the boundary test below covers the side patterns
    view = read_checker_problem(problem_section(problem), Path("."))
    pattern = [[list(neuron) for neuron in layer] for layer in cell.pieces]
    script = smtlib_eval.read(no_lower_point_query(view, pattern, rho))
    assert script.logic == "QF_NRA" and len(script.declared) == problem.network.num_parameters
    base = problem.network.parameter_vector()
    steps = data.draw(st.lists(st.integers(-4, 4), min_size=len(base), max_size=len(base)))
    theta = [v + F(k, 4) * rho for v, k in zip(base, steps, strict=True)]
    values = dict(zip(script.declared, theta, strict=True))
    *held, final = script.assertions
    assert all(smtlib_eval.evaluate(a, script, values) for a in held)  # box and closed cell
    scale = problem.data.n * (2 if problem.loss.kind == "squared_half" else 1)
    moved = problem.with_network(problem.network.with_parameters(theta)).risk()
    assert final[0] == "<"
    assert smtlib_eval.evaluate(final[1], script, values) == scale * moved
    assert smtlib_eval.evaluate(final[2], script, values) == scale * problem.risk()
    assert smtlib_eval.evaluate(final, script, values) == (moved < problem.risk())


def _checker_problem(loss: dict[str, str], labels: list[str], point: list[str]):  # type: ignore[no-untyped-def]
    section = {
        "widths": [1, 1],
        "activation": {"breakpoints": ["0"], "slopes": ["0", "1"], "intercepts": ["0", "0"]},
        "loss": loss,
        "data": {"inputs": [["2"], ["-1"]][: len(labels)], "labels": [[y] for y in labels]},
        "point": point,
    }
    return read_checker_problem(section, Path("."))


HEADER = (
    "(set-logic QF_NRA)\n(declare-fun p0 () Real)\n(declare-fun p1 () Real)\n"
    "(assert (<= (/ 1 2) p0 (/ 3 2)))\n(assert (<= (/ (- 1) 2) p1 (/ 1 2)))\n"
)


@pytest.mark.parametrize(
    ("loss", "labels", "tail"),
    [
        # f = 1 * 2 + 0 = 2 against y = 1: r = 1, Huber(delta 1) = 1/2, n R = 1/2
        (
            {"kind": "huber", "delta": "1"},
            ["1"],
            "(define-fun r0_0 () Real (- (+ p1 (* p0 2)) 1))\n"
            "(assert (< (+ 0 (ite (< 1 r0_0) (- (* 1 r0_0) (/ 1 2)) (ite (< r0_0 (- 1)) "
            "(- (* (- 1) r0_0) (/ 1 2)) (* (/ 1 2) (* r0_0 r0_0))))) (/ 1 2)))\n",
        ),
        # f(2) = 2, f(-1) = -1 against y = 1, -1: hinge 0 + 0, absolute 1 + 0
        (
            {"kind": "hinge"},
            ["1", "-1"],
            "(define-fun m0_0 () Real (- 1 (* 1 (+ p1 (* p0 2)))))\n"
            "(define-fun m1_0 () Real (- 1 (* (- 1) (+ p1 (* p0 (- 1))))))\n"
            "(assert (< (+ 0 (ite (<= 0 m0_0) m0_0 0) (ite (<= 0 m1_0) m1_0 0)) 0))\n",
        ),
        (
            {"kind": "absolute"},
            ["1", "-1"],
            "(define-fun r0_0 () Real (- (+ p1 (* p0 2)) 1))\n"
            "(define-fun r1_0 () Real (- (+ p1 (* p0 (- 1))) (- 1)))\n"
            "(assert (< (+ 0 (ite (<= 0 r0_0) r0_0 (- r0_0)) (ite (<= 0 r1_0) r1_0 (- r1_0))) 1))\n",
        ),
    ],
)
def test_hand_written_queries(loss: dict[str, str], labels: list[str], tail: str) -> None:
    problem = _checker_problem(loss, labels, ["1", "0"])
    text = no_lower_point_query(problem, [], F(1, 2))
    assert text == HEADER + tail + "(check-sat)\n"


# --- the simplified query (docs/certificate.md 3.11.1) ---------------------------------------


@st.composite
def deep_problems(draw: st.DrawFn) -> Problem:
    """One or two hidden layers, every activation kind the reductions treat differently: ReLU
    (dead neurons are silent, rescaling), leaky ReLU and abs (rescaling only), hard-tanh and a
    shifted ReLU (constant neurons, no rescaling)."""
    widths = [1, *draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)), 1]
    n = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(sorted(LOSSES)))
    act = draw(
        st.sampled_from(
            [relu(), leaky_relu("1/4"), abs_activation(), hardtanh(-1, 1), custom_relu()]
        )
    )
    weights = [
        [[draw(small) for _ in range(widths[j - 1])] for _ in range(widths[j])]
        for j in range(1, len(widths))
    ]
    biases = [[draw(small) for _ in range(widths[j])] for j in range(1, len(widths))]
    xs = [[draw(small)] for _ in range(n)]
    if kind == "hinge":
        ys = [[draw(st.sampled_from([F(-1), F(1)]))] for _ in range(n)]
    else:
        ys = [[draw(small)] for _ in range(n)]
    net = Network.from_rationals(weights, biases, act)
    return Problem(net, LOSSES[kind], Dataset.from_rows(xs, ys))


def custom_relu():  # type: ignore[no-untyped-def]
    """max(1, z): slope 0 then 1, value 1 at the kink z = 1 (neither breakpoint nor intercept 0)."""
    from losscert.model.activation import Activation

    return Activation.from_pieces([F(1)], [F(0), F(1)], (F(1), F(1)))


def _layout(widths: list[int]) -> list[tuple[list[list[int]], list[int]]]:
    out, pos = [], 0
    for j in range(1, len(widths)):
        d_in, d_out = widths[j - 1], widths[j]
        w = [list(range(pos + r * d_in, pos + (r + 1) * d_in)) for r in range(d_out)]
        pos += d_in * d_out
        out.append((w, list(range(pos, pos + d_out))))
        pos += d_out
    return out


def _onto_query(
    theta: list[F], base: list[F], widths: list[int], script: smtlib_eval.Script
) -> dict[str, F]:
    """The test's own map of a box point onto the simplified query: rescale each hidden neuron
    that has an undeclared (fixed) incoming parameter from a live source so that it takes its
    theta* value, then put every other undeclared parameter at theta*."""
    theta = list(theta)
    declared = set(script.declared)
    layout = _layout(widths)
    live = [
        [
            any(name.startswith("z") and name.endswith(f"_{j + 1}_{r}") for name in script.defined)
            for r in range(len(b))
        ]
        for j, (_, b) in enumerate(layout[:-1])
    ]
    for j, (w, b) in enumerate(layout[:-1]):
        for r in range(len(b)):
            if not live[j][r]:
                continue
            sources = [a for c, a in enumerate(w[r]) if j == 0 or live[j - 1][c]] + [b[r]]
            anchors = [a for a in sources if f"p{a}" not in declared]
            assert len(anchors) <= 1, anchors
            if anchors:
                factor = base[anchors[0]] / theta[anchors[0]]
                assert factor > 0
                for a in (*w[r], b[r]):
                    theta[a] *= factor
                for row in layout[j + 1][0]:
                    theta[row[r]] /= factor
    for a in range(len(theta)):
        if f"p{a}" not in declared:
            theta[a] = base[a]
    return {f"p{a}": v for a, v in enumerate(theta) if f"p{a}" in declared}


@settings(max_examples=80, deadline=None)
@given(problem=deep_problems(), data=st.data())
def test_the_simplified_query_covers_the_box_with_the_same_risk(
    problem: Problem, data: st.DataObject
) -> None:
    cell = locate_cell(problem)
    rho = None if cell.on_boundary else box_radius(problem, cell)
    if rho is None:
        return
    view = read_checker_problem(problem_section(problem), Path("."))
    pattern = [[list(neuron) for neuron in layer] for layer in cell.pieces]
    text = no_lower_point_query(view, pattern, rho, simplified=True)
    script = smtlib_eval.read(text)
    plain = smtlib_eval.read(no_lower_point_query(view, pattern, rho))
    assert len(script.declared) <= len(plain.declared) and len(text) <= len(
        no_lower_point_query(view, pattern, rho)
    ) + 200 * len(script.declared)
    base = problem.network.parameter_vector()
    steps = data.draw(st.lists(st.integers(-4, 4), min_size=len(base), max_size=len(base)))
    theta = [v + F(k, 4) * rho for v, k in zip(base, steps, strict=True)]
    values = _onto_query(theta, base, problem.network.widths, script)
    *held, final = script.assertions
    assert all(smtlib_eval.evaluate(a, script, values) for a in held)  # bounds and live cells
    scale = problem.data.n * (2 if problem.loss.kind == "squared_half" else 1)
    moved = problem.with_network(problem.network.with_parameters(theta)).risk()
    assert smtlib_eval.evaluate(final[1], script, values) == scale * moved

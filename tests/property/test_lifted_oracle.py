"""The lifted gradient (docs/certificate.md 3.24) against a symbolic oracle.

Oracle: sympy's polynomial of the cell (losscert.encodings.polynomial, not the checker's chain
walk). With g_i = 2 (f_i - y_i) (squared loss), Phi(theta) = sum_i g_i f(x_i; theta) is a
polynomial; the step must hold exactly when Phi is constant. Points: random deep networks
(ReLU, leaky ReLU, hard-tanh: intercepts make chains start in the middle), random points inside
a cell, labels either random or planted (g a random vector of the left null space of the cell's
monomial coefficient matrix, so Phi is constant by construction). A PROVED point is also probed
with exact perturbations inside its cell: none is lower. Mutations: every number of a valid
certificate's problem changed, decided by the same oracle.
"""

from __future__ import annotations

import copy
import random
from fractions import Fraction

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker import check_document
from losscert.encodings.cells import locate_cell
from losscert.encodings.polynomial import cell_polynomials
from losscert.model import Dataset, Network, Problem, hardtanh, leaky_relu, make_loss, relu
from losscert.verifier.certificate import problem_section
from losscert.verifier.lifted import lifted_verdict
from losscert.verifier.verdict import Status

from ..support.deep_flat import deep_flat

F = Fraction
ACTIVATIONS = {"relu": relu, "leaky": lambda: leaky_relu(F(1, 4)), "hardtanh": hardtanh}


def _monomials(problem: Problem) -> tuple[list[dict[tuple[int, ...], Fraction]], list[Fraction]]:
    """Per sample, the output's non-constant monomials and coefficients; and the outputs."""
    net = problem.network
    polys = cell_polynomials(
        net.widths, net.activation, problem.data, locate_cell(problem).pattern()
    )
    rows = []
    for (out,) in polys.outputs:
        rows.append({m: F(int(c.numerator), int(c.denominator)) for m, c in out.terms() if any(m)})
    return rows, [f[0] for f in problem.trace().output_rows()]


def phi_constant(problem: Problem) -> bool:
    rows, outputs = _monomials(problem)
    g = [2 * (f - y[0]) for f, y in zip(outputs, problem.data.label_rows(), strict=True)]
    total: dict[tuple[int, ...], Fraction] = {}
    for gi, row in zip(g, rows, strict=True):
        for m, c in row.items():
            total[m] = total.get(m, F(0)) + gi * c
    return not any(total.values())


def _planted_labels(problem: Problem, rnd: random.Random) -> list[list[Fraction]] | None:
    rows, outputs = _monomials(problem)
    monos = sorted({m for row in rows for m in row})
    matrix = sympy.Matrix([[sympy.Rational(str(row.get(m, 0))) for row in rows] for m in monos])
    null = matrix.nullspace() if monos else [sympy.eye(len(rows))[:, i] for i in range(len(rows))]
    if not null:
        return None
    g = sum((rnd.randint(-3, 3) * v for v in null), sympy.zeros(len(rows), 1))
    return [[f - F(str(g[i])) / 2] for i, f in enumerate(outputs)]


def _instance(data: st.DataObject) -> Problem | None:
    kind = data.draw(st.sampled_from(sorted(ACTIVATIONS)))
    widths = data.draw(st.sampled_from([(1, 2, 2, 1), (2, 2, 1, 1), (1, 1, 2, 1), (1, 2, 1, 2, 1)]))
    rnd = random.Random(data.draw(st.integers(0, 10**6)))
    weights = [
        [[F(rnd.randint(-4, 4), 2) for _ in range(widths[j - 1])] for _ in range(widths[j])]
        for j in range(1, len(widths))
    ]
    biases = [[F(rnd.randint(-4, 4), 4) for _ in range(widths[j])] for j in range(1, len(widths))]
    net = Network.from_rationals(weights, biases, ACTIVATIONS[kind]())
    n = data.draw(st.integers(3, 9))
    rows = [[F(rnd.randint(-6, 6), 3) for _ in range(widths[0])] for _ in range(n)]
    blank = Problem(net, make_loss("squared"), Dataset.from_rows(rows, [[F(0)]] * n))
    if locate_cell(blank).on_boundary:
        return None
    if data.draw(st.booleans()):
        labels = _planted_labels(blank, rnd)
        if labels is None:
            return None
    else:
        labels = [[F(rnd.randint(-4, 4), 2)] for _ in range(n)]
    return Problem(net, make_loss("squared"), Dataset.from_rows(rows, labels))


def _no_lower_point_in_cell(problem: Problem, seed: int) -> bool:
    rnd = random.Random(seed)
    theta = problem.network.parameter_vector()
    pattern = locate_cell(problem).pieces
    risk = problem.risk()
    for k in range(40):
        scale = F(1, 2 ** (1 + k % 12))
        moved = problem.with_network(
            problem.network.with_parameters([a + scale * F(rnd.randint(-8, 8), 8) for a in theta])
        )
        cell = locate_cell(moved)
        if not cell.on_boundary and cell.pieces == pattern and moved.risk() < risk:
            return False
    return True


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_step_holds_exactly_when_phi_is_constant(data: st.DataObject) -> None:
    problem = _instance(data)
    if problem is None:
        return
    verdict = lifted_verdict(problem)
    assert (verdict is not None) == phi_constant(problem)
    if verdict is not None:
        assert verdict.status is Status.PROVED
        assert _no_lower_point_in_cell(problem, data.draw(st.integers(0, 10**6)))


def _mutations(problem: Problem) -> list[tuple[str, Problem]]:
    """Each number of the point, the labels and the inputs changed in four ways."""
    ops = (lambda v: v + 1, lambda v: -v, lambda v: v + F(1, 1000), lambda v: v / 2)
    theta = problem.network.parameter_vector()
    rows, labels = problem.data.input_rows(), problem.data.label_rows()
    out = []
    for k, op in enumerate(ops):
        for a, v in enumerate(theta):
            if op(v) != v:
                moved = [op(u) if b == a else u for b, u in enumerate(theta)]
                out.append(
                    (
                        f"point[{a}] op {k}",
                        problem.with_network(problem.network.with_parameters(moved)),
                    )
                )
        for i in range(len(rows)):
            for name, table in (("labels", labels), ("inputs", rows)):
                if op(table[i][0]) == table[i][0]:
                    continue
                changed = [list(r) for r in table]
                changed[i][0] = op(changed[i][0])
                data = (
                    Dataset.from_rows(rows, changed)
                    if name == "labels"
                    else Dataset.from_rows(changed, labels)
                )
                out.append((f"{name}[{i}] op {k}", Problem(problem.network, problem.loss, data)))
    return out


def test_every_number_of_the_problem_mutated_is_decided_as_the_oracle_says() -> None:
    problem = deep_flat((2, 2), 7, d_x=1)
    verdict = lifted_verdict(problem)
    assert verdict is not None and verdict.certificate is not None
    original = verdict.certificate
    counts = {"rejected": 0, "accepted": 0, "boundary": 0}
    for name, mutated in _mutations(problem):
        document = copy.deepcopy(original)
        document["problem"] = problem_section(mutated)
        valid = check_document(document).valid
        if locate_cell(mutated).on_boundary:  # a new tie: decided with its sides, not here
            counts["boundary"] += 1
            continue
        assert valid == phi_constant(mutated), name
        counts["accepted" if valid else "rejected"] += 1
    assert counts["rejected"] > 3 * counts["accepted"], counts


def _with_tied_samples(problem: Problem, residuals: list[Fraction]) -> Problem | None:
    """Extra samples on the breakpoint of first-layer neurons (x = -b / w, d_X = 1), with the
    given residuals; None when such a sample ties more than one neuron."""
    width = problem.network.widths[1]
    theta = problem.network.parameter_vector()
    w1, b1 = theta[:width], theta[width : 2 * width]  # d_X = 1: one weight per row
    rows, labels = problem.data.input_rows(), problem.data.label_rows()
    for r in range(len(residuals)):
        neuron = r % width
        if w1[neuron] == 0:
            return None
        rows.append([-b1[neuron] / w1[neuron]])
        labels.append([F(0)])
    blank = Problem(problem.network, problem.loss, Dataset.from_rows(rows, labels))
    outputs = blank.trace().output_rows()
    extra = len(residuals)
    labels = labels[:-extra] + [
        [f[0] - e] for f, e in zip(outputs[-extra:], residuals, strict=True)
    ]
    tied = Problem(problem.network, problem.loss, Dataset.from_rows(rows, labels))
    if len(locate_cell(tied).ties) != extra:
        return None
    return tied


def _no_lower_point_nearby(problem: Problem, seed: int) -> bool:
    """Exact perturbations of every size down to 2^-16, across the ties' breakpoints: none that
    keeps every untied pre-activation in its piece (the neighbourhood the step speaks of) is
    lower."""
    rnd = random.Random(seed)
    theta = problem.network.parameter_vector()
    risk = problem.risk()
    pieces = locate_cell(problem).pieces
    for k in range(60):
        scale = F(1, 2 ** (1 + k % 16))
        moved = problem.with_network(
            problem.network.with_parameters([a + scale * F(rnd.randint(-8, 8), 8) for a in theta])
        )
        near = all(
            a is None or a == b
            for layer, other in zip(pieces, locate_cell(moved).pieces, strict=True)
            for n1, n2 in zip(layer, other, strict=True)
            for a, b in zip(n1, n2, strict=True)
        )
        if near and moved.risk() < risk:
            return False
    return True


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    hidden=st.sampled_from([(2, 2), (3, 2), (2, 2, 2)]),
    residuals=st.lists(st.sampled_from([F(0), F(0), F(1, 4), F(-1, 2)]), min_size=1, max_size=3),
)
def test_boundary_points_proved_by_the_lifted_gradient_have_no_lower_point_nearby(
    seed: int, hidden: tuple[int, ...], residuals: list[Fraction]
) -> None:
    problem = _with_tied_samples(deep_flat(hidden, 7, d_x=1, seed=seed % 50), residuals)
    if problem is None:
        return
    verdict = lifted_verdict(problem)
    if not any(residuals):  # zero residuals on the tied samples: every tie is irrelevant
        assert verdict is not None and verdict.status is Status.PROVED
    if verdict is not None:
        assert check_document(verdict.certificate).valid  # type: ignore[arg-type]
        assert _no_lower_point_nearby(problem, seed)

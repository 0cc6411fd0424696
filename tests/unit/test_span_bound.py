"""Exact KKT on an active set (issue 12): kink subgradients and the both-signs relaxation for
absolute / hinge / Huber losses, with hand-worked values, an exact oracle property, and a wide
cell minimum of the absolute loss certified at the point with no program."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert import checker
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import certify_cell_global_min
from losscert.verifier.kink_subgradients import kink_subgradients
from losscert.verifier.span_bound import span_minimum
from losscert.verifier.verdict import Status

F = Fraction
ONES = [[F(1)] * 3]


def test_kink_subgradients_by_hand():
    # g_0 + g_1 + 1 = 0 with g_0, g_1 in [-1, 1]: a solution inside the boxes, exactly
    g = kink_subgradients(ONES, [(F(-1), F(1)), (F(-1), F(1)), (F(1), F(1))])
    assert g is not None
    assert sum(g) == 0 and g[2] == 1
    assert all(-1 <= v <= 1 for v in g)


def test_kink_subgradients_none_when_the_boxes_cannot_balance():
    # two fixed +1 and one kink in [-1, 1]: the sum is at least 1
    assert kink_subgradients(ONES, [(F(1), F(1)), (F(1), F(1)), (F(-1), F(1))]) is None
    # no kink at all and a nonzero sum
    assert kink_subgradients(ONES, [(F(1), F(1)), (F(1), F(1)), (F(-1), F(-1))]) is None


def test_kink_subgradients_second_row():
    # rows 1 and (0, 1, 2, 3): g = (a, b, c, 1) with sums 0 and b + 2c + 3 = 0 in [-1, 1]
    rows = [[F(1)] * 4, [F(0), F(1), F(2), F(3)]]
    g = kink_subgradients(rows, [(F(-1), F(1))] * 3 + [(F(1), F(1))])
    assert g is not None
    assert sum(g) == 0 and g[1] + 2 * g[2] + 3 * g[3] == 0
    assert g == [F(1), F(-1), F(-1), F(1)]  # the only solution with g_3 = 1 and |g_i| <= 1


def test_absolute_over_the_constants_is_the_median():
    found = span_minimum(ONES, [F(0), F(1), F(5)], Loss("absolute"))
    assert found is not None
    outputs, g = found
    assert outputs == [F(1)] * 3
    assert g == [F(1), F(0), F(-1)]  # g_i = sign(o_i - y_i), 0 on the kink


def test_huber_over_the_constants_by_hand():
    # delta 1, labels 0, 0, 10: two quadratic samples, one linear: 2 c - 1 = 0, c = 1/2
    found = span_minimum(ONES, [F(0), F(0), F(10)], Loss("huber", F(1)))
    assert found is not None
    outputs, g = found
    assert outputs == [F(1, 2)] * 3
    assert g == [F(1, 2), F(1, 2), F(-1)]


def test_hinge_over_a_line_interpolates_the_margins():
    # labels -1, -1, 1, 1 at x = 0, 1, 2, 3, fit a + b x: separable, every margin >= 1 at the
    # optimum (risk 0), subgradients 0 off the kinks and a valid choice on them
    rows = [[F(1)] * 4, [F(0), F(1), F(2), F(3)]]
    labels = [F(-1), F(-1), F(1), F(1)]
    found = span_minimum(rows, labels, Loss("hinge"))
    assert found is not None
    outputs, g = found
    assert all(y * o >= 1 for y, o in zip(labels, outputs, strict=True))
    assert sum(g) == 0 and sum(x * v for x, v in zip(rows[1], g, strict=True)) == 0


def _oracle_l1_fit(rows, labels):
    """Brute force: the least sum |o_i - y_i| over all interpolating fits of k samples."""
    from itertools import combinations

    from losscert.encodings.exact_linear import solve_with_free

    n, k = len(labels), len(rows)
    best = None
    basis = [[r[i] for r in rows] for i in range(n)]
    for subset in combinations(range(n), k):
        a = solve_with_free([basis[i] for i in subset], [labels[i] for i in subset], [F(0)] * k)
        if a is None:
            continue
        value = sum(
            abs(sum(b * c for b, c in zip(basis[i], a, strict=True)) - labels[i]) for i in range(n)
        )
        best = value if best is None or value < best else best
    return best


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-4, 4), min_size=4, max_size=7),
    st.lists(st.integers(-6, 6), min_size=7, max_size=7),
)
def test_absolute_fit_equals_the_brute_force_minimum(xs, ys):
    """Property: the exact L1 fit over (1, x) has the least objective over all interpolating
    pairs (an L1 fit's optimum is attained at a vertex), and its g certifies it."""
    labels = [F(y) for y in ys[: len(xs)]]
    rows = [[F(1)] * len(xs), [F(x) for x in xs]]
    found = span_minimum(rows, labels, Loss("absolute"))
    assert found is not None
    outputs, g = found
    value = sum(abs(o - y) for o, y in zip(outputs, labels, strict=True))
    assert value == _oracle_l1_fit(rows if len(set(xs)) > 1 else rows[:1], labels)
    for row in rows:
        assert sum(a * b for a, b in zip(row, g, strict=True)) == 0
    for o, y, v in zip(outputs, labels, g, strict=True):
        low, high = Loss("absolute").coordinate_subdifferential(y, o)
        assert low <= v <= high


def _wide_absolute_cell_minimum(width: int, n: int, noisy: int) -> Problem:
    """A relu teacher whose labels are its own outputs except on ``noisy`` samples: under the
    absolute loss it is a minimum of its cell (checked by the certificate, not assumed)."""
    rng = np.random.default_rng(0)
    xs = rng.integers(-64, 65, size=(n, 3))
    w = rng.integers(-8, 9, size=(width, 3))
    b = rng.integers(-64, 65, size=width) * 4 + 0.5
    c = rng.integers(1, 5, size=width) * rng.choice([-1, 1], size=width)
    clean = np.maximum(xs @ w.T + b, 0) @ c
    noise = rng.integers(-2, 3, size=n)
    noise[noisy:] = 0
    net = Network.from_rationals(
        [[[int(v) for v in r] for r in w], [[int(v) for v in c]]],
        [[F(float(v)) for v in b], [F(0)]],
        relu(),
    )
    data = Dataset.from_rows(
        [[F(int(v)) for v in r] for r in xs],
        [[F(float(a)) + F(int(e), 8)] for a, e in zip(clean, noise, strict=True)],
    )
    return Problem(net, Loss("absolute"), data)


def test_wide_absolute_cell_minimum_is_certified_at_the_point():
    problem = _wide_absolute_cell_minimum(8, 120, 3)
    verdict = certify_cell_global_min(problem)
    assert verdict.status is Status.PROVED
    assert verdict.stats["programs"] == 0  # the point's own KKT conditions, kinks chosen
    certificate = verdict.certificate
    assert checker.check_document(certificate).valid
    # a kink sample's subgradient pushed out of [-1, 1] is rejected by the checker
    step = next(s for s in certificate["evidence"] if s["kind"] == "convex_lower_bound")
    i = next(
        i
        for i, (o, y) in enumerate(zip(step["outputs"], problem.data.label_rows(), strict=True))
        if F(o) == y[0]
    )
    step["subgradients"][i] = "2"
    result = checker.check_document(certificate)
    assert not result.valid and "subdifferential" in result.message


@pytest.mark.slow
def test_width_32_absolute_cell_minimum_without_a_program():
    problem = _wide_absolute_cell_minimum(32, 500, 5)
    verdict = certify_cell_global_min(problem)
    assert verdict.status is Status.PROVED
    assert verdict.stats["programs"] == 0


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3),
    st.lists(st.integers(-3, 3), min_size=24, max_size=24),
    st.lists(st.sampled_from([0, 1, 2]), min_size=8, max_size=8),
    st.integers(4, 8),
)
def test_kink_subgradients_against_the_exact_simplex(rows_count, entries, kinds, n):
    """Property: whatever kink_subgradients returns is in the boxes and orthogonal to every row
    (checked exactly here), and it finds a solution whenever the exact phase-1 simplex of
    losscert.backends.exact_lp says one exists (g = lo + u, u + s = hi - lo, u, s >= 0)."""
    from losscert.backends.exact_lp import nonnegative_solution

    rows = [[F(entries[r * 8 + i]) for i in range(n)] for r in range(rows_count)]
    # kind 0: a kink box [-1, 1]; 1: fixed at 1; 2: fixed at -1
    boxes = [((F(-1), F(1)), (F(1), F(1)), (F(-1), F(-1)))[k] for k in kinds[:n]]
    g = kink_subgradients(rows, boxes)
    lo = [b[0] for b in boxes]
    hi = [b[1] - b[0] for b in boxes]
    matrix = [[*row, *([F(0)] * n)] for row in rows] + [
        [F(int(i == j)) for j in range(n)] + [F(int(i == j)) for j in range(n)] for i in range(n)
    ]
    rhs = [-sum((a * b for a, b in zip(row, lo, strict=True)), F(0)) for row in rows] + list(hi)
    exists = nonnegative_solution(matrix, rhs) is not None
    assert (g is not None) == exists
    if g is not None:
        assert all(low <= v <= high for v, (low, high) in zip(g, boxes, strict=True))
        assert all(sum((a * b for a, b in zip(row, g, strict=True)), F(0)) == 0 for row in rows)

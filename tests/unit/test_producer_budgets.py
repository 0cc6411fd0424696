"""Producers bounded (issue 15): work that grows as the product of the widths is estimated
first and skipped with a budget reason; the estimate is an upper bound (oracle: the polynomials
themselves, built on small networks)."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.encodings.cells import locate_cell
from losscert.encodings.polynomial import MAX_POLYNOMIAL_TERMS, cell_polynomials, polynomial_terms
from losscert.info import summarize
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions


def _deep(depth: int, width: int, *, tie: bool = False) -> Problem:
    """All weights positive: every ReLU is active on inputs 1..4, nothing cancels."""
    widths = [1] + [width] * (depth - 1) + [1]
    weights = [[[F(1, 2)] * widths[j - 1] for _ in range(widths[j])] for j in range(1, len(widths))]
    biases = [[F(1)] * widths[j] for j in range(1, len(widths))]
    if tie:
        biases[0][0] = F(-1)  # z_{1,0}(x = 2) = 1/2 * 2 - 1 = 0: on the breakpoint
    net = Network.from_rationals(weights, biases, relu())
    data = Dataset.from_rows([[1], [2], [3], [4]], [[0], [1], [2], [0]])
    return Problem(net, make_loss("squared"), data)


def test_info_skips_the_multilinearity_check_of_a_deep_network() -> None:
    summary = summarize(_deep(14, 3))
    assert summary["multilinear"]["checked"] is False
    assert summary["multilinear"]["reason"].startswith("budget")
    assert str(MAX_POLYNOMIAL_TERMS) in summary["multilinear"]["reason"]


def test_info_still_checks_a_small_network() -> None:
    summary = summarize(_deep(3, 3))
    assert summary["multilinear"] == {
        "checked": True,
        "scope": "the point's cell",
        "holds": True,
        "degree_per_layer": [1, 1, 1],
    }


def test_certify_on_a_deep_network_with_a_tie_ends() -> None:
    problem = _deep(14, 3, tie=True)
    assert locate_cell(problem).on_boundary
    messages: list[str] = []
    verdict = certify_local_min(problem, SmtOptions(timeout=2, progress=messages.append))
    assert verdict.status in (Status.PROVED, Status.REFUTED, Status.UNKNOWN)
    assert any("skipped (budget)" in m for m in messages)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.integers(0, 2**31),
    st.sampled_from(["relu", "hardtanh"]),
)
def test_the_estimate_bounds_the_polynomials(hidden: list[int], seed: int, kind: str) -> None:
    import random

    rng = random.Random(seed)
    widths = [2, *hidden, 1]

    def value() -> F:
        return F(rng.randint(-3, 3), rng.randint(1, 2))

    weights = [
        [[value() for _ in range(widths[j - 1])] for _ in range(widths[j])]
        for j in range(1, len(widths))
    ]
    biases = [[value() for _ in range(widths[j])] for j in range(1, len(widths))]
    act = relu() if kind == "relu" else hardtanh()
    net = Network.from_rationals(weights, biases, act)
    data = Dataset.from_rows([[value(), value()] for _ in range(3)], [[value()] for _ in range(3)])
    problem = Problem(net, make_loss("squared"), data)
    cell = locate_cell(problem)
    if cell.on_boundary:
        return
    pattern = cell.pattern()
    polys = cell_polynomials(widths, act, data, pattern)
    actual = sum(len(p.terms()) for sample in polys.outputs for p in sample)
    actual += sum(
        len(p.terms()) for layer in polys.pre_activations for neuron in layer for p in neuron
    )
    assert actual <= polynomial_terms(widths, act, data, pattern)
    squared = sum(
        len(((p - y[0]) ** 2).terms())
        for sample, y in zip(polys.outputs, data.label_rows(), strict=True)
        for p in sample
    )
    assert squared <= polynomial_terms(widths, act, data, pattern, squared_outputs=True)

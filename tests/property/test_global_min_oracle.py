"""The certified global minimum of tiny one-hidden-layer networks against independent oracles:
exact evaluation on a rational grid (no grid point is lower; the witness attains the minimum) and
the naive SMT query "exists theta with R(theta) < minimum" (unsat) with the activation as ite."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from losscert import checker
from losscert.backends.z3_adapter import Z3Adapter
from losscert.model.activation import hardtanh, leaky_relu, relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import certify_global_min
from losscert.verifier.verdict import Status
from tests.support.naive_smt import lower_risk_query

F = Fraction
ACTIVATIONS = {"relu": relu, "leaky_relu": leaky_relu, "hardtanh": hardtanh}
GRID = [F(k, 2) for k in range(-6, 7)]


def _problem(activation, loss, hidden=1, d_x=1, n=4, seed=0):
    rng = np.random.default_rng(seed)
    xs = [[F(int(v)) for v in rng.integers(-2, 3, d_x)] for _ in range(n)]
    ys = [[F(int(rng.integers(-3, 4)), 2)] for _ in range(n)]
    net = Network.from_rationals(
        [[[F(1, 3)] * d_x for _ in range(hidden)], [[F(1)] * hidden]],
        [[F(1, 7)] * hidden, [F(0)]],
        ACTIVATIONS[activation](),
    )
    return Problem(net, Loss(loss), Dataset.from_rows(xs, ys))


def _grid_minimum(problem):
    """The smallest exact risk over a grid of every parameter (d_1 = 1, d_X = 1: 4 parameters),
    screened in floats and the best 20 re-evaluated exactly."""
    x, y = problem.data.to_numpy()
    act = problem.network.activation
    values = np.array([float(v) for v in GRID])
    w, b, c, d = np.meshgrid(values, values, values, values, indexing="ij")
    z = w[..., None] * x[:, 0] + b[..., None]
    h = np.vectorize(act.apply_float)(z)
    out = c[..., None] * h + d[..., None]
    r = out - y[:, 0]
    risk = (r**2 if problem.loss.kind == "squared" else np.abs(r)).mean(axis=-1)
    best = np.argsort(risk, axis=None)[:20]
    exact = []
    for flat in best:
        i, j, k, m = np.unravel_index(flat, risk.shape)
        theta = [GRID[i], GRID[j], GRID[k], GRID[m]]
        exact.append(problem.with_network(problem.network.with_parameters(theta)).risk())
    return min(exact)


@pytest.mark.parametrize(
    ("activation", "loss"),
    list(itertools.product(sorted(ACTIVATIONS), ["squared", "absolute"])),
)
def test_certified_minimum_agrees_with_the_grid(activation, loss):
    problem = _problem(activation, loss)
    result = certify_global_min(problem)
    assert result.minimum is not None
    assert result.witness is not None
    assert problem.with_network(result.witness).risk() == result.minimum
    assert _grid_minimum(problem) >= result.minimum  # no grid point beats the certified minimum
    assert result.verdict.status in (Status.PROVED, Status.REFUTED)
    assert checker.check_document(result.verdict.certificate).valid
    assert checker.check_document(result.bound_certificate).valid
    if result.verdict.status is Status.PROVED:
        assert problem.risk() == result.minimum
    else:
        assert problem.risk() > result.minimum


def test_a_global_minimiser_is_proved_global():
    problem = _problem("relu", "squared")
    result = certify_global_min(problem)
    at_minimum = problem.with_network(result.witness)
    again = certify_global_min(at_minimum)
    assert again.verdict.status is Status.PROVED
    assert again.verdict.certificate["claim"]["kind"] == "global_min"
    assert checker.check_document(again.verdict.certificate).valid


def test_two_inputs_two_neurons_bound_is_attained_and_checked():
    problem = _problem("relu", "squared", hidden=2, d_x=2, n=5, seed=3)
    result = certify_global_min(problem)
    assert result.minimum is not None and result.witness is not None
    assert problem.with_network(result.witness).risk() == result.minimum
    assert checker.check_document(result.verdict.certificate).valid


@pytest.mark.solver
@pytest.mark.parametrize("loss", ["squared", "absolute"])
def test_naive_smt_finds_nothing_below_the_certified_minimum(loss):
    problem = _problem("relu", loss, n=3, seed=1)
    result = certify_global_min(problem)
    assert result.minimum is not None
    answer = Z3Adapter().solve_smtlib(lower_risk_query(problem, result.minimum), 30)
    assert answer.status == "unsat", answer.reason
    above = result.minimum + F(1, 100)  # and just above the minimum there is a network
    assert Z3Adapter().solve_smtlib(lower_risk_query(problem, above), 30).status == "sat"


@pytest.mark.slow
@pytest.mark.solver
@pytest.mark.parametrize(
    ("activation", "loss"),
    list(itertools.product(sorted(ACTIVATIONS), ["squared", "absolute"])),
)
def test_naive_smt_never_contradicts_the_certified_minimum(activation, loss):
    """z3 on the naive query: unsat, or no answer in time; never sat below the minimum."""
    problem = _problem(activation, loss, n=3, seed=1)
    result = certify_global_min(problem)
    answer = Z3Adapter().solve_smtlib(lower_risk_query(problem, result.minimum), 20)
    assert answer.status in ("unsat", "unknown", "timeout"), answer.reason

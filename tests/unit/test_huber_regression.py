"""Step 0 for the Huber loss: the exact active-set iteration, including the starts where no
sample sits on the quadratic part (the normal equations of that region read 0 w = b, b != 0).

Oracles: the exact first-order condition sum_i psi(r_i) [x_i; 1] = 0 (psi = clip to [-delta,
delta]) of the convex R_lin, and exact random perturbations that are never lower.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from losscert.checker import check_document
from losscert.cli import main
from losscert.model import Dataset, make_loss, relu
from losscert.theorems.theorem1 import audit_theorem1
from losscert.verifier import Status
from losscert.verifier.regression import fit_affine

HUBER = make_loss("huber", delta=F(1))


def _psi(r: F, delta: F) -> F:
    return max(-delta, min(delta, r))


def _first_order(data: Dataset, delta: F, weight: list[F], bias: F) -> list[F]:
    total = [F(0)] * (data.input_dim + 1)
    for x, y in zip(data.input_rows(), data.label_rows(), strict=True):
        g = _psi(sum((w * v for w, v in zip(weight, x, strict=True)), bias) - y[0], delta)
        for a, v in enumerate([*x, F(1)]):
            total[a] += g * v
    return total


def test_three_identical_inputs_no_sample_quadratic_at_the_start() -> None:
    # least squares predicts -1/3 with residuals -10/3, 5/3, 5/3: all on the linear parts. The
    # optimum, by hand: at u = -3/2 the residuals are -9/2 (psi -1), 1/2, 1/2: -1 + 1/2 + 1/2 = 0
    data = Dataset.from_rows([[2], [2], [2]], [[3], [-2], [-2]])
    fit = fit_affine(data, HUBER)
    assert [u[0] for u in fit.predictions] == [F(-3, 2)] * 3
    assert _first_order(data, F(1), fit.weight[0], fit.bias[0]) == [0, 0]
    # risk: (delta (9/2 - 1/2) + 1/8 + 1/8) / 3 = (4 + 1/4) / 3
    assert fit.risk == F(17, 12)


def test_theorem1_audit_with_huber_on_that_data_gives_verdicts() -> None:
    data = Dataset.from_rows([[2], [2], [2]], [[3], [-2], [-2]])
    audit = audit_theorem1(data, (1, 2, 1), relu(), HUBER)
    assert audit.verdicts, "the audit must end in verdicts"
    for verdict in audit.verdicts.values():  # a decided verdict carries an accepted certificate
        if verdict.status is not Status.UNKNOWN:
            assert check_document(verdict.certificate).valid


rows = st.lists(st.tuples(st.integers(-3, 3), st.integers(-6, 6)), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(rows, st.sampled_from([F(1, 2), F(1), F(3)]))
@example([(2, 3), (2, -2), (2, -2)], F(1))
@example([(0, 5), (0, -5)], F(1))
@example([(1, 9), (1, 9), (1, -9), (-1, 0)], F(1, 2))
def test_the_fit_is_a_global_minimum(samples: list[tuple[int, int]], delta: F) -> None:
    data = Dataset.from_rows([[x] for x, _ in samples], [[y] for _, y in samples])
    loss = make_loss("huber", delta=delta)
    fit = fit_affine(data, loss)
    assert _first_order(data, delta, fit.weight[0], fit.bias[0]) == [0, 0]
    rng = random.Random(len(samples))

    def risk(w: F, b: F) -> F:
        total = F(0)
        for x, y in samples:
            r = abs(w * x + b - y)
            total += r * r / 2 if r <= delta else delta * (r - delta / 2)
        return total / len(samples)

    base = risk(fit.weight[0][0], fit.bias[0])
    assert base == fit.risk
    for _ in range(20):
        dw, db = (F(rng.randint(-40, 40), rng.choice([1, 7, 100])) for _ in range(2))
        assert risk(fit.weight[0][0] + dw, fit.bias[0] + db) >= base


@pytest.mark.parametrize("delta", [F(1, 10), F(1), F(10)])
def test_two_outputs_and_two_inputs(delta: F) -> None:
    data = Dataset.from_rows(
        [[0, 1], [1, 0], [1, 1], [1, 1], [2, 2], [-3, 1]],
        [[9, -9], [0, 1], [5, 5], [-5, 2], [0, 0], [1, 30]],
    )
    fit = fit_affine(data, make_loss("huber", delta=delta))
    for k in range(2):
        column = Dataset.from_rows(data.input_rows(), [[y[k]] for y in data.label_rows()])
        assert _first_order(column, delta, fit.weight[k], fit.bias[k]) == [0, 0, 0]


def test_certify_on_the_stage1_point_prints_verdicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the Theorem 1 stage-1 point for that data: local_min is proved by linear collapse, then
    # the spurious search fits the affine optimum (it crashed there)
    layers = [
        {"W": [["-19/30"], ["0"]], "b": ["34/15", "5/2"]},
        {"W": [["1", "0"]], "b": ["-5/2"]},
    ]
    document = {
        "format": "losscert-problem",
        "version": 1,
        "activation": "relu",
        "loss": {"kind": "huber", "delta": "1"},
        "network": {"layers": layers},
        "data": {"inputs": [["2"], ["2"], ["2"]], "labels": [["3"], ["-2"], ["-2"]]},
    }
    path = tmp_path / "huber.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    # all inputs equal: the affine optimum is the global minimum, so "spurious" is refuted (exit 1)
    assert main(["certify", str(path)]) == 1
    out = capsys.readouterr().out
    assert "local_min: PROVED" in out and "spurious_local_min: REFUTED" in out

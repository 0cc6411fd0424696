"""A review finding (soundness), fixed: ``lower_point_in_cell`` (3.18) treated "every pre-activation in its
closed piece" as "in the closure of the cell". For one hidden layer the two agree (the open cell is
a non-empty product of open polyhedra), but from two hidden layers on the closed-piece set can be
strictly larger than the topological closure, so ``not_cell_global_min`` was accepted although
theta* does minimise R over the closure of its cell. The step now needs one hidden layer.

Instance (hard-tanh, breakpoints -1 and 1; widths [2, 1, 1, 1]; absolute loss):
x = (1, 0), (0, 1), (0, 0); y = 0, 0, 1.
theta*: W1 = [-1/2, 3/2], b1 = 1/2, W2 = -1, b2 = 6/5, W3 = 0, b3 = 0: z1 = (0, 2, 1/2) in pieces
(1, 2, 1), z2 = (6/5, 1/5, 7/10) in pieces (2, 1, 1); f = 0, R = 1/3.

On the open cell z2(x0) - z2(x1) = W2 (a1(x0) - 1) > 0 with a1(x0) < 1, so W2 < 0, hence W2 <= 0
on the closure. There a2 = (1, u1, u2) with u2 - u1 = W2 (a1(x2) - 1) >= 0 and u2 <= 1, so
f = (A, A + e, A + lambda e) with lambda in [0, 1] and
|A| + |A + e| + |A + lambda e - 1| >= 1 + lambda |A| + (1 - lambda) |A + e| >= 1: R >= 1/3 on the
closure, which theta* attains. The claim "theta* does not minimise R over the closure of its cell"
is false.

The lower point W1 = [1, 1], b1 = 0, W2 = 1, b2 = 0, W3 = -1, b3 = 1 has every pre-activation in
its closed piece (z1 = (1, 1, 0), z2 = (1, 1, 0)) and risk 0, but W2 = 1 > 0: it is not in the
closure of the cell.
"""

from __future__ import annotations

from fractions import Fraction as F

from losscert import checker

HARDTANH = {"breakpoints": ["-1", "1"], "slopes": ["0", "1", "0"], "intercepts": ["-1", "0", "1"]}


def _document() -> dict:
    return {
        "format": "losscert-certificate",
        "version": 1,
        "minor": 1,
        "problem": {
            "widths": [2, 1, 1, 1],
            "activation": HARDTANH,
            "loss": {"kind": "absolute"},
            "data": {
                "inputs": [["1", "0"], ["0", "1"], ["0", "0"]],
                "labels": [["0"], ["0"], ["1"]],
            },
            "point": ["-1/2", "3/2", "1/2", "-1", "6/5", "0", "0"],
        },
        "claim": {"kind": "not_cell_global_min"},
        "evidence": [
            {"id": "risk", "kind": "risk", "value": "1/3"},
            {"id": "cell", "kind": "cell", "pattern": [[[1, 2, 1]], [[2, 1, 1]]], "margin": "1/5"},
            {
                "id": "lower",
                "kind": "lower_point_in_cell",
                "uses": ["risk", "cell"],
                "point": ["1", "1", "0", "1", "0", "-1", "1"],
                "risk": "0",
            },
        ],
        "provenance": {},
    }


def _risk_on_open_cell(theta: list[F]) -> F | None:
    """R at theta if theta lies in the open cell of theta*, else None (by hand, no checker code)."""
    wa, wb, b1, w2, b2, w3, b3 = theta
    ht = lambda z: max(F(-1), min(F(1), z))  # noqa: E731
    xs, ys = [(1, 0), (0, 1), (0, 0)], [0, 0, 1]
    z1 = [wa * u + wb * v + b1 for u, v in xs]
    if not (-1 < z1[0] < 1 and z1[1] > 1 and -1 < z1[2] < 1):
        return None
    z2 = [w2 * ht(z) + b2 for z in z1]
    if not (z2[0] > 1 and -1 < z2[1] < 1 and -1 < z2[2] < 1):
        return None
    return sum((abs(w3 * ht(z) + b3 - y) for z, y in zip(z2, ys, strict=True)), F(0)) / 3


def test_the_point_minimises_r_over_sampled_points_of_its_cell() -> None:
    import random

    rnd = random.Random(0)
    seen = 0
    for _ in range(20000):
        theta = [F(rnd.randint(-60, 60), 20) for _ in range(7)]
        value = _risk_on_open_cell(theta)
        if value is not None:
            seen += 1
            assert value >= F(1, 3)
    assert seen > 10


def test_a_closed_piece_point_outside_the_closure_does_not_refute_cell_global_min() -> None:
    result = checker.check_document(_document())
    assert result.status == "invalid", result.message
    assert "one hidden layer" in result.message

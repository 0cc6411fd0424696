"""Neuron patterns on hand-worked instances, the general-position count, and the exact
strict-system decider behind them."""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from fractions import Fraction as F
from typing import Any

import pytest

from losscert.backends.highs_adapter import HighsAdapter, LpAnswer
from losscert.encodings.arrangement import (
    arrangement_step,
    general_position_count,
    iter_neuron_patterns,
    neuron_regions,
    prefix_constraints,
)
from losscert.encodings.cell_counts import in_general_position
from losscert.encodings.strict_systems import decide_strict, farkas_on_support, is_farkas
from losscert.errors import InputError

LINE3 = [[F(0)], [F(1)], [F(2)]]


def _inside(
    inputs: list[list[F]], bps: list[F], pattern: tuple[int, ...], w: tuple[F, ...]
) -> bool:
    for x, k in zip(inputs, pattern, strict=True):
        z = sum((a * b for a, b in zip([*x, F(1)], w, strict=True)), F(0))
        if (k > 0 and not z > bps[k - 1]) or (k < len(bps) and not z < bps[k]):
            return False
    return True


def _monotone(length: int, pieces: int) -> set[tuple[int, ...]]:
    seqs = set(itertools.product(range(pieces), repeat=length))
    return {
        s
        for s in seqs
        if all(a <= b for a, b in itertools.pairwise(s))
        or all(a >= b for a, b in itertools.pairwise(s))
    }


def test_relu_on_three_points_of_a_line_by_hand() -> None:
    # z_i = w x_i + b on x = 0, 1, 2 is an arithmetic progression: the sign pattern is monotone
    # (0 0 0, 0 0 1, 0 1 1, 1 1 1 and the reverses); 0 1 0 and 1 0 1 are empty because
    # z_1 = (z_0 + z_2) / 2, which the multipliers (1, 2, 1) add up to 0 > 0.
    arr = neuron_regions(LINE3, [F(0)])
    patterns = [r.pattern for r in arr.regions]
    assert patterns == sorted(_monotone(3, 2))
    assert len(patterns) == 6
    assert [(p.prefix, p.farkas) for p in arr.pruned] == [
        ((0, 1, 0), (F(1), F(2), F(1))),
        ((1, 0, 1), (F(1), F(2), F(1))),
    ]
    for r in arr.regions:
        assert _inside(LINE3, [F(0)], r.pattern, r.witness)


def test_hardtanh_on_three_points_gives_the_17_monotone_sequences() -> None:
    bps = [F(-1), F(1)]
    arr = neuron_regions(LINE3, bps)
    assert [r.pattern for r in arr.regions] == sorted(_monotone(3, 3))
    assert len(arr.regions) == 17 == general_position_count(3, 1, bps)
    assert in_general_position(LINE3, bps) is True


def test_concurrent_lines_lose_one_region_each() -> None:
    # Breakpoints 0, 1, 2 at x = 0, 1, 2: the lines b = 0, w + b = 1, 2w + b = 2 all pass through
    # (w, b) = (1, 0), and b = 2, w + b = 1, 2w + b = 0 through (-1, 2): two triangles of the
    # generic arrangement collapse, 34 - 2 = 32.
    bps = [F(0), F(1), F(2)]
    assert general_position_count(3, 1, bps) == 1 + 3 * 3 + 3 * 9 - 3 == 34
    assert len(neuron_regions(LINE3, bps).regions) == 32
    assert in_general_position(LINE3, bps) is False


def test_repeated_and_collinear_inputs() -> None:
    repeated = [[F(0)], [F(0)], [F(1)]]
    arr = neuron_regions(repeated, [F(0)])
    assert {r.pattern for r in arr.regions} == {(a, a, b) for a in (0, 1) for b in (0, 1)}
    assert in_general_position(repeated, [F(0)]) is False
    collinear = [[F(k), F(k)] for k in range(3)]
    assert [r.pattern for r in neuron_regions(collinear, [F(0)]).regions] == sorted(_monotone(3, 2))
    assert general_position_count(3, 2, [F(0)]) == 8


def test_independent_inputs_realise_every_pattern() -> None:
    inputs = [[F(1), F(0)], [F(0), F(1)], [F(3), F(5)]]
    bps = [F(-1), F(1)]
    arr = neuron_regions(inputs, bps)
    assert len(arr.regions) == 27 == general_position_count(3, 2, bps)
    assert arr.pruned == ()


def test_no_breakpoint_gives_one_region() -> None:
    arr = neuron_regions(LINE3, [])
    assert [r.pattern for r in arr.regions] == [(0, 0, 0)]
    assert arr.pruned == ()
    assert general_position_count(3, 1, []) == 1


@pytest.mark.parametrize("d_x", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_one_breakpoint_count_is_covers_formula(n: int, d_x: int) -> None:
    cover = 2 * sum(math.comb(n - 1, k) for k in range(d_x + 1))
    assert general_position_count(n, d_x, [F(0)]) == cover


@pytest.mark.parametrize("breakpoints", [[F(3)], [F(-1), F(1)], [F(0), F(1), F(5)]])
def test_few_samples_realise_every_pattern(breakpoints: list[F]) -> None:
    k = len(breakpoints)
    for n in range(1, 4):
        assert general_position_count(n, 2, breakpoints) == (k + 1) ** n


def test_witnesses_are_exact_and_prefix_constraints_follow_the_order() -> None:
    inputs = [[F(1, 3)], [F(-2)], [F(5, 7)], [F(1)]]
    bps = [F(-1), F(1, 2)]
    arr = neuron_regions(inputs, bps)
    for r in arr.regions:
        assert _inside(inputs, bps, r.pattern, r.witness)
    for p in arr.pruned:
        rows, rhs = prefix_constraints(inputs, bps, p.prefix)
        assert len(rows) == len(p.farkas)
        assert is_farkas(rows, rhs, p.farkas)
    rows, rhs = prefix_constraints(inputs, bps, (1, 0))
    assert rows == [(F(1, 3), F(1)), (F(-1, 3), F(-1)), (F(2), F(-1))]
    assert rhs == [F(-1), F(-1, 2), F(1)]


def test_lazy_listing_executor_and_progress_agree() -> None:
    inputs = [[F(k), F(k * k % 7)] for k in range(5)]
    bps = [F(-1), F(1)]
    plain = neuron_regions(inputs, bps, units=4)
    seen: list[tuple[int, int]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        pooled = neuron_regions(
            inputs, bps, executor=pool, progress=lambda d, t: seen.append((d, t)), units=4
        )
    assert pooled == plain
    assert 4 <= seen[-1][1] < len(plain.regions)  # real subtrees, not leaves
    assert list(iter_neuron_patterns(inputs, bps)) == list(plain.regions)
    other = neuron_regions(inputs, bps)  # other units: the same regions (the proofs may differ)
    assert other.regions == plain.regions
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] >= 1


def test_a_process_pool_gives_the_same_arrangement() -> None:
    inputs = [[F(k), F(3 - k * k)] for k in range(6)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = neuron_regions(inputs, [F(0)], executor=pool, units=3)
    assert pooled == neuron_regions(inputs, [F(0)], units=3)


def test_step_json() -> None:
    step = arrangement_step(neuron_regions([[F(1, 2)]], [F(0)]), "cells")
    assert step == {
        "id": "cells",
        "kind": "neuron_regions",
        "regions": [
            {"pattern": [0], "witness": step["regions"][0]["witness"]},  # type: ignore[index]
            {"pattern": [1], "witness": step["regions"][1]["witness"]},  # type: ignore[index]
        ],
        "pruned": [],
    }
    for region in step["regions"]:  # type: ignore[attr-defined]
        assert all(isinstance(v, str) for v in region["witness"])


@pytest.mark.parametrize(
    ("inputs", "bps", "fragment"),
    [
        ([], [F(0)], "no samples"),
        ([[F(1)], [F(1), F(2)]], [F(0)], "inputs[1] has 2 entries"),
        ([[F(1)]], [F(1), F(1)], "breakpoints[0] = 1 is not below breakpoints[1] = 1"),
        ([[]], [F(0)], "d_X = 0"),
    ],
)
def test_bad_input_is_named(inputs: list[list[F]], bps: list[F], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        neuron_regions(inputs, bps)


@pytest.mark.parametrize("answer", ["unavailable", "garbage"])
def test_without_useful_floats_the_exact_route_gives_the_same_patterns(
    answer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Floats only search: with no LP at all, or with LP answers that are nonsense, every child
    # is decided by the exact simplex, and the patterns (with valid proofs) are the same.
    inputs = [[F(1, 3), F(2)], [F(-2), F(1)], [F(5, 7), F(0)], [F(1), F(1)]]
    bps = [F(-1), F(1, 2)]
    expected = neuron_regions(inputs, bps)

    calls = []

    def fake(self: HighsAdapter, program: Any, time_limit: float = 60.0) -> LpAnswer:
        calls.append(1)
        if answer == "unavailable":
            return LpAnswer("highs", "", "unavailable", "test", 0.0)
        width, margin = len(program.cost), 0.25 * (len(calls) % 2)  # both branches, wrongly
        x = [0.5] * (width - 1) + [margin]
        return LpAnswer("highs", "", "optimal", "test", 0.0, x, [1.0] * len(program.rows))

    monkeypatch.setattr(HighsAdapter, "solve_lp", fake)
    exact = neuron_regions(inputs, bps)
    assert [r.pattern for r in exact.regions] == [r.pattern for r in expected.regions]
    assert {p.prefix for p in exact.pruned} == {p.prefix for p in expected.pruned}
    for r in exact.regions:
        assert _inside(inputs, bps, r.pattern, r.witness)
    for p in exact.pruned:
        assert is_farkas(*prefix_constraints(inputs, bps, p.prefix), p.farkas)


def test_huge_numbers_are_refused_by_name() -> None:
    with pytest.raises(InputError, match="beyond the float range"):
        neuron_regions([[F(10) ** 400]], [F(0)])


# --- the exact decider -------------------------------------------------------------------------


def test_decide_strict_by_hand() -> None:
    # w > 0 and -w > 0: empty, 1 * w + 1 * (-w) = 0 and 0 + 0 >= 0
    assert decide_strict([(F(1),), (F(-1),)], [F(0), F(0)]).farkas == (F(1), F(1))
    # w > 1 and -w > -3: the interval (1, 3)
    answer = decide_strict([(F(1),), (F(-1),)], [F(1), F(-3)])
    assert answer.witness is not None and F(1) < answer.witness[0] < F(3)
    # w > 1 and -w > -1: empty although the closed system has w = 1 (a touching Farkas vector)
    assert decide_strict([(F(1),), (F(-1),)], [F(1), F(-1)]).farkas == (F(1), F(1))
    # two dimensions: u + v > 1, -u > 0, -v > 0: empty with multipliers (1, 1, 1)
    rows = [(F(1), F(1)), (F(-1), F(0)), (F(0), F(-1))]
    assert decide_strict(rows, [F(1), F(0), F(0)]).farkas == (F(1), F(1), F(1))
    assert farkas_on_support(rows, [F(1), F(0), F(0)], [0, 1, 2]) == (F(1), F(1), F(1))
    assert farkas_on_support(rows, [F(1), F(0), F(0)], [0, 1]) is None


def test_decide_strict_against_a_grid() -> None:
    # every system of 3 inequalities in 2 unknowns with small integer data: the answer is exact
    # either way, and a Farkas vector never comes where a search over a grid finds a point
    grid = [F(a, 2) for a in range(-12, 13)]
    values = (-1, 0, 2)
    count = 0
    for a in itertools.product(values, repeat=4):
        rows = [(F(a[0]), F(a[1])), (F(a[2]), F(a[3])), (F(-1), F(-1))]
        for rhs in ([F(0), F(0), F(-1)], [F(1), F(-1), F(-3)]):
            answer = decide_strict(rows, rhs)
            found = any(
                all(r[0] * u + r[1] * v > b for r, b in zip(rows, rhs, strict=True))
                for u in grid
                for v in grid
            )
            if answer.witness is not None:
                assert all(
                    r[0] * answer.witness[0] + r[1] * answer.witness[1] > b
                    for r, b in zip(rows, rhs, strict=True)
                )
            else:
                assert answer.farkas is not None and is_farkas(rows, rhs, answer.farkas)
                assert not found, (rows, rhs)
            count += 1
    assert count == 162

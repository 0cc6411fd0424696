"""Neuron patterns against a brute-force oracle and the general-position formula.

Oracle: evaluate the pattern of many rational w~ (a grid, plus random rationals) exactly; every
pattern found must be listed, every listed witness must lie strictly inside its pattern, and the
checker must accept the step. On data in general position (decided exactly) the count must equal
the Zaslavsky formula.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction as F
from pathlib import Path

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from losscert.checker.problem import read_problem
from losscert.checker.steps import STEP_KINDS
from losscert.encodings.arrangement import (
    arrangement_step,
    general_position_count,
    neuron_regions,
)
from losscert.encodings.cell_counts import in_general_position

ACTIVATIONS = {  # name -> breakpoints, slopes, intercepts (as in certificates)
    "relu": (["0"], ["0", "1"], ["0", "0"]),
    "leaky_relu": (["0"], ["1/10", "1"], ["0", "0"]),
    "hardtanh": (["-1", "1"], ["0", "1", "0"], ["-1", "0", "1"]),
    "relu6": (["0", "6"], ["0", "1", "0"], ["0", "0", "6"]),
}


def _pattern(
    inputs: list[list[int]], bps2: list[int], w2: tuple[int, ...]
) -> tuple[int, ...] | None:
    """The pattern of w~ = w2 / 2 (integers, scaled by 2 against 2 p), None on a breakpoint."""
    out = []
    for x in inputs:
        z2 = sum(a * b for a, b in zip(x, w2, strict=False)) + w2[-1]
        if z2 in bps2:
            return None
        out.append(sum(1 for p in bps2 if p < z2))
    return tuple(out)


def _oracle(inputs: list[list[int]], bps: list[F], seed: int) -> set[tuple[int, ...]]:
    d_x = len(inputs[0])
    bps2 = [int(2 * p) for p in bps]
    w_range = range(-8, 9) if d_x == 1 else range(-5, 6)
    b_range = range(-26, 27) if d_x == 1 else range(-16, 17)
    found = set()
    for w in itertools.product(w_range, repeat=d_x):
        for b in b_range:
            pattern = _pattern(inputs, bps2, (*w, b))
            if pattern is not None:
                found.add(pattern)
    rng = random.Random(seed)
    for _ in range(300):  # random rationals with other denominators
        q = rng.randint(1, 9)
        w_tilde = [F(rng.randint(-60, 60), q) for _ in range(d_x + 1)]
        zs = [
            sum((F(a) * v for a, v in zip(x, w_tilde, strict=False)), F(0)) + w_tilde[-1]
            for x in inputs
        ]
        if any(z in bps for z in zs):
            continue
        found.add(tuple(sum(1 for p in bps if p < z) for z in zs))
    return found


def _problem(inputs: list[list[int]], activation: str) -> dict[str, object]:
    bps, slopes, intercepts = ACTIVATIONS[activation]
    d_x = len(inputs[0])
    return {
        "widths": [d_x, 1, 1],
        "activation": {"breakpoints": bps, "slopes": slopes, "intercepts": intercepts},
        "loss": {"kind": "squared"},
        "data": {
            "inputs": [[str(v) for v in x] for x in inputs],
            "labels": [["0"] for _ in inputs],
        },
        "point": ["0"] * (d_x + 3),
    }


samples = st.integers(1, 2).flatmap(
    lambda d: st.lists(st.lists(st.integers(-3, 3), min_size=d, max_size=d), min_size=1, max_size=6)
)


@settings(max_examples=30, deadline=None)
@given(inputs=samples, activation=st.sampled_from(sorted(ACTIVATIONS)), seed=st.integers(0, 99))
@example(inputs=[[0], [1], [2], [3]], activation="relu6", seed=0)
@example(inputs=[[1, 1], [1, 1], [-2, 3], [0, 0]], activation="hardtanh", seed=0)
@example(inputs=[[0, 0], [1, 1], [2, 2], [3, 3], [-1, 2]], activation="relu", seed=0)
def test_every_sampled_pattern_is_listed_and_every_listed_one_is_exact(
    inputs: list[list[int]], activation: str, seed: int
) -> None:
    bps = [F(p) for p in ACTIVATIONS[activation][0]]
    arr = neuron_regions([[F(v) for v in x] for x in inputs], bps)
    listed = [r.pattern for r in arr.regions]
    assert listed == sorted(set(listed))  # each once, in lexicographic order
    missing = _oracle(inputs, bps, seed) - set(listed)
    assert not missing, f"sampled but not listed: {sorted(missing)}"
    for region in arr.regions:  # exact witnesses, evaluated here independently
        zs = [
            sum((F(a) * v for a, v in zip(x, region.witness, strict=False)), F(0))
            + region.witness[-1]
            for x in inputs
        ]
        assert all(
            (k == 0 or z > bps[k - 1]) and (k == len(bps) or z < bps[k])
            for z, k in zip(zs, region.pattern, strict=True)
        )
    problem = read_problem(_problem(inputs, activation), Path("."))
    facts = STEP_KINDS["neuron_regions"].verify(problem, arrangement_step(arr), {}, "regions")
    assert facts["patterns"] == tuple(listed)


@settings(max_examples=25, deadline=None)
@given(
    d_x=st.integers(1, 2),
    n=st.integers(1, 6),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    seed=st.integers(0, 10**6),
)
def test_general_position_count_matches(d_x: int, n: int, activation: str, seed: int) -> None:
    rng = random.Random(seed)
    inputs = [[F(rng.randint(-999, 999), rng.randint(1, 50)) for _ in range(d_x)] for _ in range(n)]
    bps = [F(p) for p in ACTIVATIONS[activation][0]]
    assume(in_general_position(inputs, bps))
    assert len(neuron_regions(inputs, bps).regions) == general_position_count(n, d_x, bps)

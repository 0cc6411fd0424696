"""Benchmark: the one-hidden-layer engines of issue 12, each next to one exact forward pass.

Rows (each on its own generated instance, squared loss, relu):

cell    -- ``certify_cell_global_min`` at a cell minimum: d_X 3, n 500, width ``--width`` (32):
           a random integer teacher (biases off the kinks) with labels = teacher + noise / 8,
           moved onto the exact minimiser of its cell by ``snap_to_cell_minimum`` (not timed);
global  -- ``certify_global_min`` at a planted teacher (risk 0), d_X 2, width 2, n 20 and 40
           (the generator of bench_global.py);
exact   -- ``certify_global_min`` on bench_global.py's noisy instances d_X 2, width 3, n 6
           (seeds 0-2): the relaxation's bound is 0 and needs more than 3 neurons, so the exact
           route runs over subsets of 3 blocks;
kinks   -- ``certify_cell_global_min`` under the absolute loss at a cell minimum (the same
           teacher, labels noisy on 5 of the 500 samples: o_i = y_i on the others, kinks of the
           loss), and under absolute / Huber (delta 1/2) losses at the teacher with all labels
           noisy (not a minimum: the both-signs relaxation over 2 x width blocks, then UNKNOWN
           budget); not in the default rows;
cells   -- ``iter_neuron_patterns`` (what ``losscert cells`` lists), relu, d_X 3, n 50, the data
           of bench_cells.py; with ``--lp-baseline`` also the LP prefix-tree search it replaces
           on such data (in the same run; about two minutes), and both lists compared;
cellsht -- the same for hard-tanh, d_X 2, n 30, 40 and 50 (the vertex enumeration; the LP
           search with ``--lp-baseline`` for n 30 and 40, several minutes; at n 50 these data
           have a tie at a vertex, so both take the LP search); not in the default rows.

For each it prints CPU seconds of the work, CPU seconds of one exact forward pass + risk of the
same problem (``Problem.risk()`` on a fresh Problem), and their ratio, plus the verdict, route
and programs solved. Every PROVED / REFUTED verdict went through the checker (included in the
time). The script uses the public API only, so the same file runs against another checkout
(``PYTHONPATH=/path/to/other/tree python benchmarks/bench_onehidden.py``): that is how the
before / after table in benchmarks/README.md was made, both runs in one shell command.

    python benchmarks/bench_onehidden.py                 # every row (a few minutes on main)
    python benchmarks/bench_onehidden.py --rows cell --width 16

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_global import instance as global_instance

from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import (
    certify_cell_global_min,
    certify_global_min,
    snap_to_cell_minimum,
)


def teacher(
    d_x: int, width: int, n: int, loss: Loss, noisy: int | None = None, seed: int = 0
) -> Problem:
    """The cell row's teacher and data, labels = teacher + noise / 8 on the first ``noisy``
    samples (all when None), at the teacher itself (not snapped)."""
    rng = np.random.default_rng(seed)
    xs = rng.integers(-64, 65, size=(n, d_x))
    w = rng.integers(-8, 9, size=(width, d_x))
    b = rng.integers(-64, 65, size=width) * 4 + 0.5
    c = rng.integers(1, 5, size=width) * rng.choice([-1, 1], size=width)
    clean = np.maximum(xs @ w.T + b, 0) @ c
    noise = rng.integers(-2, 3, size=n)
    if noisy is not None:
        noise[noisy:] = 0
    net = Network.from_rationals(
        [[[int(v) for v in r] for r in w], [[int(v) for v in c]]],
        [[Fraction(v) for v in b], [Fraction(0)]],
        relu(),
    )
    data = Dataset.from_rows(
        [[Fraction(int(v)) for v in r] for r in xs],
        [[Fraction(float(a)) + Fraction(int(e), 8)] for a, e in zip(clean, noise, strict=True)],
    )
    return Problem(net, loss, data)


def cell_instance(d_x: int, width: int, n: int, seed: int = 0) -> Problem | None:
    problem = teacher(d_x, width, n, Loss("squared"), None, seed)
    snapped = snap_to_cell_minimum(problem)
    return None if snapped is None else problem.with_network(snapped)


def forward_seconds(problem: Problem) -> float:
    fresh = problem.with_network(problem.network)
    start = time.process_time()
    fresh.risk()
    return time.process_time() - start


def report(name: str, problem: Problem, work: float, what: str) -> None:
    fwd = forward_seconds(problem)
    print(f"{name:34s} {work:8.2f} s  forward {fwd:7.4f} s  ratio {work / fwd:8.0f}x  {what}")


def row_cell(width: int) -> None:
    problem = cell_instance(3, width, 500)
    if problem is None:
        print(f"cell d3 n500 w{width}: the instance could not be snapped")
        return
    start = time.process_time()
    verdict = certify_cell_global_min(problem)
    work = time.process_time() - start
    status = f"{verdict.status.value} {verdict.reason or ''}".strip()
    report(f"cell_global_min d3 n500 w{width}", problem, work, status)


def row_kinks(width: int) -> None:
    """Losses with kinks or a linear part over 2 x width blocks: absolute at a cell minimum
    (labels noisy on 5 samples only), absolute and Huber (delta 1/2) at a non-minimum (all
    labels noisy: the both-signs relaxation is solved and certified, then 2^width sign vectors
    exceed the budget)."""
    for name, loss, noisy in (
        ("absolute, minimum", Loss("absolute"), 5),
        ("absolute, not a minimum", Loss("absolute"), None),
        ("huber, not a minimum", Loss("huber", Fraction(1, 2)), None),
    ):
        problem = teacher(3, width, 500, loss, noisy)
        start = time.process_time()
        verdict = certify_cell_global_min(problem)
        work = time.process_time() - start
        bound = (verdict.stats or {}).get("cell_relaxation_bound")
        status = f"{verdict.status.value} {verdict.reason or ''}".strip()
        if bound is not None:
            status += f" (relaxation bound {float(bound):.6g} certified)"
        report(f"cell {name} w{width}", problem, work, status)


def row_global(n: int) -> None:
    problem = global_instance(2, 2, n, 0, True)
    start = time.process_time()
    result = certify_global_min(problem, deadline=time.perf_counter() + 600)
    work = time.process_time() - start
    what = f"{result.verdict.status.value} route {result.route} programs {result.programs}"
    report(f"global planted d2 w2 n{n}", problem, work, what)


def row_exact(seed: int, budget: float) -> None:
    problem = global_instance(2, 3, 6, seed, False)
    start = time.process_time()
    result = certify_global_min(problem, max_subsets=10**9, deadline=time.perf_counter() + budget)
    work = time.process_time() - start
    what = (
        f"{result.verdict.status.value} {result.verdict.reason or ''} route {result.route} "
        f"programs {result.programs} minimum {result.minimum}"
    )
    report(f"global exact d2 w3 n6 seed {seed}", problem, work, what)


def row_cells(lp_baseline: bool) -> None:
    from bench_cells import draw_inputs

    from losscert.encodings.arrangement import NeuronRegion, _events, iter_neuron_patterns

    inputs = draw_inputs(50, 3, 12, 1000 * 3 + 50)
    problem = Problem(
        Network.from_rationals([[[0, 0, 0]], [[1]]], [[0], [0]], relu()),
        Loss("squared"),
        Dataset.from_rows(inputs, [[Fraction(0)]] * 50),
    )
    start = time.process_time()
    patterns = [r.pattern for r in iter_neuron_patterns(inputs, [Fraction(0)])]
    work = time.process_time() - start
    report("cells relu d3 n50", problem, work, f"{len(patterns)} patterns")
    if lp_baseline:
        start = time.process_time()
        old = [
            r.pattern
            for r in _events(inputs, [Fraction(0)], None, None, 64)
            if isinstance(r, NeuronRegion)
        ]
        work = time.process_time() - start
        report("cells relu d3 n50, LP search", problem, work, f"{len(old)} patterns")
        assert old == patterns


def row_cells_hardtanh(n: int, lp_baseline: bool) -> None:
    """``iter_neuron_patterns`` for hard-tanh, d_X 2 (bench_cells.py's data): the vertex
    enumeration, and with ``--lp-baseline`` the LP prefix-tree search in the same run."""
    from bench_cells import draw_inputs

    from losscert.encodings.arrangement import NeuronRegion, _events, iter_neuron_patterns
    from losscert.model.activation import hardtanh

    bps = [Fraction(-1), Fraction(1)]
    inputs = draw_inputs(n, 2, 12, 1000 * 2 + n)
    problem = Problem(
        Network.from_rationals([[[0, 0]], [[1]]], [[0], [0]], hardtanh(-1, 1)),
        Loss("squared"),
        Dataset.from_rows(inputs, [[Fraction(0)]] * n),
    )
    start = time.process_time()
    patterns = [r.pattern for r in iter_neuron_patterns(inputs, bps)]
    work = time.process_time() - start
    report(f"cells hardtanh d2 n{n}", problem, work, f"{len(patterns)} patterns")
    if lp_baseline:
        start = time.process_time()
        old = [
            r.pattern for r in _events(inputs, bps, None, None, 64) if isinstance(r, NeuronRegion)
        ]
        work = time.process_time() - start
        report(f"cells hardtanh d2 n{n}, LP search", problem, work, f"{len(old)} patterns")
        assert old == patterns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", default=["cell", "global", "exact", "cells"])
    parser.add_argument("--lp-baseline", action="store_true", help="cells row: time the LP too")
    parser.add_argument("--width", type=int, default=32, help="cell row: hidden width (32)")
    parser.add_argument("--budget", type=float, default=300.0, help="exact row: wall seconds")
    args = parser.parse_args()
    if "cell" in args.rows:
        row_cell(args.width)
    if "kinks" in args.rows:
        row_kinks(args.width)
    if "global" in args.rows:
        for n in (20, 40):
            row_global(n)
    if "exact" in args.rows:
        for seed in (0, 1, 2):
            row_exact(seed, args.budget)
    if "cells" in args.rows:
        row_cells(args.lp_baseline)
    if "cellsht" in args.rows:
        for n in (30, 40, 50):
            row_cells_hardtanh(n, args.lp_baseline and n < 50)


if __name__ == "__main__":
    main()

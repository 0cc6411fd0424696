"""Benchmark: the certified global minimum of one-hidden-layer networks, against brute force.

For each size (d_X, width d_1, n) a random instance (integer inputs in [-3, 3], labels from a
random relu network of width d_1 plus noise, squared loss) is run, in the same process:

(a) ``enumerate`` -- :func:`losscert.encodings.arrangement.neuron_regions`: every realisable neuron
                     pattern with its exact witness / Farkas certificate (patterns per second);
(b) ``losscert``  -- :func:`losscert.verifier.global_min.certify_global_min` (route "auto": the
                     relaxation over every (pattern, sign) block first, the per-subset programs
                     only when its optimum needs more than d_1 neurons);
(c) ``brute``     -- the same with route "subsets": one exact program per choice of d_1 blocks,
                     C(2m, d_1) of them, stopped at ``--budget`` seconds.

Both certified minima must agree when both finish. The ratio brute / losscert is reported where
the relaxation sufficed (route "relaxation", or "point": the KKT conditions at the point itself,
no program); on the exact route losscert stops at the first subset attained at the relaxation's
bound, while the brute force solves them all.

Run from the repository root::

    python benchmarks/bench_global.py                  # the default grid (about 10 minutes)
    python benchmarks/bench_global.py --quick          # three small sizes
    python benchmarks/bench_global.py --json out.json

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import math
import time
from fractions import Fraction
from typing import Any

import numpy as np
from timing import add_run_options, fmt_seconds, machine, run_date, write_json

from losscert.encodings.arrangement import neuron_regions
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import certify_global_min

DEFAULT_SIZES = [
    (1, 1, 10),
    (1, 2, 10),
    (1, 3, 10),
    (1, 1, 20),
    (1, 2, 20),
    (1, 1, 50),
    (1, 2, 50),
    (2, 1, 10),
    (2, 2, 10),
    (2, 1, 20),
    (3, 1, 10),
]
QUICK_SIZES = [(1, 1, 10), (1, 2, 10), (2, 1, 10)]


def instance(d_x: int, width: int, n: int, seed: int, planted: bool) -> Problem:
    """Labels of a random relu network of width d_1 (integer weights, b_j + 1/2 keeps samples
    off the kinks); ``planted``: no noise and the point is that network (a global minimum of
    risk 0), else labels with integer noise in [-1, 1] and the point some other network."""
    rng = np.random.default_rng(seed)
    xs = rng.integers(-3, 4, size=(n, d_x))
    w = rng.integers(-2, 3, size=(width, d_x))
    b = rng.integers(-2, 3, size=width) + 0.5
    c = rng.integers(1, 3, size=width) * rng.choice([-1, 1], size=width)
    clean = np.maximum(xs @ w.T + b, 0) @ c
    ys = clean if planted else clean + rng.integers(-1, 2, size=n)
    act = relu()
    if planted:
        start = Network.from_rationals(
            [[[int(v) for v in row] for row in w], [[int(v) for v in c]]],
            [[Fraction(v).limit_denominator(2) for v in b], [Fraction(0)]],
            act,
        )
    else:
        start = Network.from_rationals(
            [[[Fraction(1, 3)] * d_x for _ in range(width)], [[Fraction(1)] * width]],
            [[Fraction(1, 7)] * width, [Fraction(0)]],
            act,
        )
    data = Dataset.from_rows(
        [[Fraction(int(v)) for v in row] for row in xs],
        [[Fraction(float(v)).limit_denominator(2)] for v in ys],
    )
    return Problem(start, Loss("squared"), data)


def run(size: tuple[int, int, int], budget: float, seed: int, planted: bool) -> dict[str, Any]:
    d_x, width, n = size
    problem = instance(d_x, width, n, seed, planted)
    record: dict[str, Any] = {
        "d_x": d_x,
        "width": width,
        "n": n,
        "kind": "planted" if planted else "noisy",
    }
    t0 = time.perf_counter()
    arrangement = neuron_regions(
        problem.data.input_rows(), list(problem.network.activation.breakpoints)
    )
    enumerate_s = time.perf_counter() - t0
    m = len(arrangement.regions)
    record.update(
        patterns=m,
        enumerate_s=enumerate_s,
        patterns_per_s=m / enumerate_s if enumerate_s else math.inf,
        brute_programs=math.comb(2 * m, min(width, 2 * m)),
    )
    t0 = time.perf_counter()
    ours = certify_global_min(problem, max_subsets=10**9, deadline=t0 + budget)
    record.update(
        losscert_s=time.perf_counter() - t0,
        route=ours.route,
        programs=ours.programs,
        minimum=None if ours.minimum is None else str(ours.minimum),
        losscert_status=ours.verdict.reason or ours.verdict.status.value,
    )
    t0 = time.perf_counter()
    brute = certify_global_min(problem, max_subsets=10**9, route="subsets", deadline=t0 + budget)
    record.update(
        brute_s=time.perf_counter() - t0,
        brute_finished=brute.verdict.reason != "timeout",
        brute_done_programs=brute.programs,
        brute_minimum=None if brute.minimum is None else str(brute.minimum),
    )
    if record["minimum"] is not None and record["brute_minimum"] is not None:
        assert record["minimum"] == record["brute_minimum"], record
    if record["route"] in ("relaxation", "point") and record["brute_finished"]:
        record["ratio"] = record["brute_s"] / record["losscert_s"]
    return record


def table(records: list[dict[str, Any]]) -> str:
    head = (
        "| labels | d_X | d_1 | n | patterns | enumerate (patterns/s) | losscert: route, programs, "
        "time | brute force: programs, time | ratio | global minimum |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in records:
        brute = f"{r['brute_programs']}, {fmt_seconds(r['brute_s'])}"
        if not r["brute_finished"]:
            brute = f"{r['brute_done_programs']} of {r['brute_programs']} in {fmt_seconds(r['brute_s'])} (stopped)"
        ratio = f"{r['ratio']:.0f}x" if "ratio" in r else "-"
        lines.append(
            f"| {r['kind']} | {r['d_x']} | {r['width']} | {r['n']} | {r['patterns']} | "
            f"{fmt_seconds(r['enumerate_s'])} ({r['patterns_per_s']:.0f}/s) | "
            f"{r['route']}, {r['programs']}, {fmt_seconds(r['losscert_s'])} | {brute} | {ratio} | "
            f"{r['minimum'] or r['losscert_status']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per route (60)")
    add_run_options(parser, repeats=None, min_time=None)
    args = parser.parse_args()
    records = []
    for planted in (True, False):
        for size in QUICK_SIZES if args.quick else DEFAULT_SIZES:
            records.append(run(size, args.budget, args.seed, planted))
            print(table(records[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(records))
    meta = {"date": run_date(args), "machine": machine()}
    write_json({"meta": meta, "records": records}, args.json)


if __name__ == "__main__":
    main()

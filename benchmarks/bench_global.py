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
    python benchmarks/bench_global.py --nonhomogeneous # issue 14: the same answer for every point

``--nonhomogeneous`` runs non-homogeneous activations (dead zone, hard-tanh, ReLU6, shifted ReLU,
a kinked activation whose limit no single neuron attains) on x = -2..2, three points per
instance, with the attaining-network search switched off (the behaviour before issue 14) and on,
in the same process: the answer per point ("min X", "inf X" = infimum certified not attained,
"lb X" = only a lower bound) and the time.

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


NONHOMOGENEOUS_POINTS = [
    (["1"], ["0"], ["1"], "0"),
    (["-2"], ["1/3"], ["-1"], "1"),
    (["1/2"], ["-3"], ["3"], "-1/2"),
]


def nonhomogeneous_instances() -> list[tuple[str, Any, list[int], int]]:
    from losscert.model.activation import Activation, hardtanh, relu6

    dead_zone = Activation.from_pieces([-1, 1], [1, 0, 1], (0, 0))
    kinked = Activation.from_pieces([0, 1], [-1, 1, 2], (0, 0))
    shifted = Activation.from_pieces([1], [0, 1], (0, 0))
    noisy = [1, 3, -2, 1, -1]
    return [
        ("dead zone, y = x", dead_zone, [-2, -1, 0, 1, 2], 1),
        ("dead zone", dead_zone, noisy, 1),
        ("hard-tanh", hardtanh(), noisy, 1),
        ("ReLU6", relu6(), noisy, 1),
        ("shifted ReLU", shifted, noisy, 1),
        ("kinked, y = h_inf(x)", kinked, [2, 1, 0, 2, 4], 1),
        ("kinked, above the relaxation", kinked, [-3, -3, -1, 3, -2], 1),
        ("dead zone", dead_zone, noisy, 2),
        ("kinked, y = h_inf(x)", kinked, [2, 1, 0, 2, 4], 2),
    ]


def _answer(result: Any) -> str:
    if result.verdict.reason == "timeout":
        return f"lb {result.lower_bound} (stopped at the budget)"
    if result.minimum is not None:
        return f"min {result.minimum}"
    if result.infimum is not None:
        return f"inf {result.infimum}"
    return f"lb {result.lower_bound}"


def nonhomogeneous(budget: float) -> list[dict[str, Any]]:
    from losscert.verifier import global_min

    records = []
    real_search = global_min.attaining_network
    real_infimum = global_min.infimum_not_attained
    for name, act, labels, width in nonhomogeneous_instances():
        xs = [Fraction(x) for x in range(-2, 3)]
        data = Dataset.from_rows([[x] for x in xs], [[Fraction(y)] for y in labels])
        record: dict[str, Any] = {"instance": name, "width": width}
        for mode in ("before", "after"):
            off = mode == "before"
            global_min.attaining_network = (lambda *a, **k: None) if off else real_search
            global_min.infimum_not_attained = (lambda *a, **k: None) if off else real_infimum
            answers, seconds = [], []
            for w1, b1, c, b2 in NONHOMOGENEOUS_POINTS:
                w1, b1, c = (w1 * width)[:width], (b1 * width)[:width], (c * width)[:width]
                if width == 2:
                    w1, c = [w1[0], "3/2"], [c[0], "-1/2"]
                net = Network.from_rationals([[[w] for w in w1], [c]], [b1, [b2]], act)
                t0 = time.perf_counter()
                result = certify_global_min(
                    Problem(net, Loss("squared"), data), max_subsets=10**9, deadline=t0 + budget
                )
                seconds.append(time.perf_counter() - t0)
                answers.append(_answer(result))
            record[mode] = answers
            record[f"{mode}_s"] = seconds
        global_min.attaining_network = real_search
        global_min.infimum_not_attained = real_infimum
        records.append(record)
        print(nonhomogeneous_table(records[-1:]).splitlines()[-1], flush=True)
    return records


def nonhomogeneous_table(records: list[dict[str, Any]]) -> str:
    head = (
        "| instance | d_1 | before: answer per point | time per point | after: answer per "
        "point | time per point | same answer |"
    )
    lines = [head, "|" + "---|" * 7]
    for r in records:
        same = "yes" if len(set(r["after"])) == 1 else "NO"
        lines.append(
            f"| {r['instance']} | {r['width']} | {'; '.join(r['before'])} | "
            f"{', '.join(fmt_seconds(v) for v in r['before_s'])} | {'; '.join(r['after'])} | "
            f"{', '.join(fmt_seconds(v) for v in r['after_s'])} | {same} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per route (60)")
    parser.add_argument(
        "--nonhomogeneous", action="store_true", help="issue 14's rows (about 5 minutes)"
    )
    add_run_options(parser, repeats=None, min_time=None)
    args = parser.parse_args()
    if args.nonhomogeneous:
        rows = nonhomogeneous(args.budget)
        print()
        print(nonhomogeneous_table(rows))
        meta = {"date": run_date(args), "machine": machine()}
        write_json({"meta": meta, "nonhomogeneous": rows}, args.json)
        return
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

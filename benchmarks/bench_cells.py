"""Benchmark: enumerating one hidden neuron's realisable patterns, and checking the step.

For each input dimension d_X, number of samples n and activation (ReLU: one breakpoint at 0;
hard-tanh: breakpoints -1 and 1) it draws one data set (every coordinate an integer in
[-2^bits, 2^bits] over 2^(bits - 2), with ``numpy.random.default_rng(seed)``), and times:

(a) ``enumerate`` -- ``losscert.encodings.arrangement.neuron_regions`` (exact witnesses and Farkas
                     proofs), once; the HiGHS LPs it solves are counted by a wrapper around
                     ``HighsAdapter.solve_lp``. Above ``--check-limit`` expected patterns, the lazy
                     ``iter_neuron_patterns`` is timed instead (the full arrangement, with every
                     pruned prefix's Farkas vector, would not fit in memory) and (b) is skipped;
(b) ``check``     -- the trusted checker on the ``neuron_regions`` step (through its step table,
                     on the JSON text parsed by the checker's reader), once, and the step's size.

It reports m (the realisable patterns), the general-position count and whether m equals it, the
pruned prefixes, LPs, patterns per second, the cells m^d_1 for d_1 = 1, 2, 3 that those patterns
make, and check / enumerate. A (d_X, activation) series stops once the next size is predicted
(from the last time per pattern and the general-position count) to take longer than ``--budget``.

    python benchmarks/bench_cells.py                         # d_X 1..3, n 10..50, relu + hardtanh
    python benchmarks/bench_cells.py --dims 2 --n 10 20 --activations relu --json out.json

Checks (an AssertionError stops the run): every witness strictly inside its pattern (the checker
does it), the checker accepts the step, m <= the general-position count is *not* assumed; when the
data are decided to be in general position, m must equal it.

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from timing import add_run_options, fmt_bytes, fmt_seconds, machine, run_date, write_json

from losscert.backends.highs_adapter import HighsAdapter
from losscert.checker.numbers import load_json
from losscert.checker.problem import read_problem
from losscert.checker.steps import STEP_KINDS
from losscert.encodings.arrangement import arrangement_step, iter_neuron_patterns, neuron_regions
from losscert.encodings.cell_counts import general_position_count, in_general_position

ACTIVATIONS = {  # name -> (breakpoints, slopes, intercepts) as the checker reads them
    "relu": (["0"], ["0", "1"], ["0", "0"]),
    "hardtanh": (["-1", "1"], ["0", "1", "0"], ["-1", "0", "1"]),
}


def draw_inputs(n: int, d_x: int, bits: int, seed: int) -> list[list[Fraction]]:
    rng = np.random.default_rng(seed)
    ints = rng.integers(-(2**bits), 2**bits, size=(n, d_x), endpoint=True)
    return [[Fraction(int(v), 2 ** (bits - 2)) for v in row] for row in ints]


class LpCounter:
    """Counts HighsAdapter.solve_lp calls (installed for one run, then removed)."""

    def __init__(self) -> None:
        self.calls = 0
        self._original = HighsAdapter.solve_lp

    def __enter__(self) -> LpCounter:
        original = self._original

        def counted(adapter: HighsAdapter, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(adapter, *args, **kwargs)

        HighsAdapter.solve_lp = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        HighsAdapter.solve_lp = self._original  # type: ignore[method-assign]


def problem_section(inputs: list[list[Fraction]], activation: str) -> dict[str, Any]:
    bps, slopes, intercepts = ACTIVATIONS[activation]
    d_x = len(inputs[0])
    return {
        "widths": [d_x, 1, 1],
        "activation": {"breakpoints": bps, "slopes": slopes, "intercepts": intercepts},
        "loss": {"kind": "squared"},
        "data": {
            "inputs": [[f"{v.numerator}/{v.denominator}" for v in x] for x in inputs],
            "labels": [["0"] for _ in inputs],
        },
        "point": ["0"] * (d_x + 3),
    }


def run_one(d_x: int, n: int, activation: str, args: argparse.Namespace) -> dict[str, Any]:
    inputs = draw_inputs(n, d_x, args.bits, args.seed + 1000 * d_x + n)
    bps = [Fraction(p) for p in ACTIVATIONS[activation][0]]
    expected = general_position_count(n, d_x, bps)
    row: dict[str, Any] = {"d_x": d_x, "n": n, "activation": activation, "gp_count": expected}
    full = expected <= args.check_limit
    with LpCounter() as lps:
        start = time.perf_counter()
        if full:
            arrangement = neuron_regions(inputs, bps)
            m, pruned = len(arrangement.regions), len(arrangement.pruned)
        else:
            m, pruned = sum(1 for _ in iter_neuron_patterns(inputs, bps)), None
        seconds = time.perf_counter() - start
    row.update(patterns=m, pruned=pruned, lps=lps.calls, enumerate_s=seconds)
    row["patterns_per_s"] = m / seconds
    row["cells"] = {str(w): m**w for w in (1, 2, 3)}
    start = time.perf_counter()
    row["general_position"] = in_general_position(inputs, bps, max_work=args.gp_work)
    row["gp_test_s"] = time.perf_counter() - start
    if row["general_position"]:
        assert m == expected, f"general position but {m} != {expected} patterns"
    if full:
        text = json.dumps(arrangement_step(arrangement))
        problem = read_problem(problem_section(inputs, activation), Path("."))
        start = time.perf_counter()
        step = load_json(text)
        facts = STEP_KINDS["neuron_regions"].verify(problem, step, {}, "regions")
        row["check_s"] = time.perf_counter() - start
        row["step_bytes"] = len(text.encode("utf-8"))
        assert len(facts["patterns"]) == m
    return row


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for activation in args.activations:
        for d_x in args.dims:
            per_pattern = None
            for n in sorted(args.n):
                bps = [Fraction(p) for p in ACTIVATIONS[activation][0]]
                if per_pattern is not None:
                    predicted = per_pattern * general_position_count(n, d_x, bps)
                    if predicted > args.budget:
                        skip = {"d_x": d_x, "n": n, "activation": activation, "skipped": predicted}
                        rows.append(skip)
                        print(format_row(skip), flush=True)
                        continue
                row = run_one(d_x, n, activation, args)
                per_pattern = row["enumerate_s"] / row["patterns"]
                rows.append(row)
                print(format_row(row), flush=True)
    return rows


HEADER = (
    "| act | d_X | n | m | GP count | GP? | pruned | LPs | enumerate | patterns/s | "
    "cells d_1=2 | cells d_1=3 | check | check/enum | step size |\n"
    "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
    "---: | ---: |"
)


def format_row(row: dict[str, Any]) -> str:
    head = f"| {row['activation']} | {row['d_x']} | {row['n']} |"
    if "skipped" in row:
        return f"{head} skipped (predicted {fmt_seconds(row['skipped'])}) |"
    gp = {True: "yes", False: "no", None: "-"}[row["general_position"]]
    pruned = "-" if row["pruned"] is None else str(row["pruned"])
    check = fmt_seconds(row["check_s"]) if "check_s" in row else "-"
    ratio = f"{row['check_s'] / row['enumerate_s']:.2f}" if "check_s" in row else "-"
    size = fmt_bytes(row["step_bytes"]) if "step_bytes" in row else "-"
    return (
        f"{head} {row['patterns']} | {row['gp_count']} | {gp} | {pruned} | {row['lps']} | "
        f"{fmt_seconds(row['enumerate_s'])} | {row['patterns_per_s']:.0f} | "
        f"{row['cells']['2']} | {row['cells']['3']} | {check} | {ratio} | {size} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[1, 2, 3], help="d_X values")
    parser.add_argument("--n", type=int, nargs="+", default=[10, 20, 30, 40, 50], help="samples")
    parser.add_argument(
        "--activations", nargs="+", default=sorted(ACTIVATIONS), choices=sorted(ACTIVATIONS)
    )
    parser.add_argument("--bits", type=int, default=12, help="inputs over 2^(bits-2); default 12")
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds a size may take (predicted)"
    )
    parser.add_argument(
        "--check-limit",
        type=int,
        default=30_000,
        help="enumerate fully and check only up to this general-position count; default 30000",
    )
    parser.add_argument(
        "--gp-work", type=int, default=300_000, help="subsets the general-position test may try"
    )
    add_run_options(parser, repeats=None, min_time=None)
    args = parser.parse_args(argv)
    if min(args.dims) < 1 or min(args.n) < 1 or args.bits < 2:
        parser.error("--dims and --n must be positive, --bits at least 2")
    print(HEADER, flush=True)
    result = {
        "date": run_date(args),
        "machine": machine(highspy=HighsAdapter().version()),
        "runs": run_all(args),
    }
    write_json(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

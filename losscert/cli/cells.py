"""``losscert cells``: count (and list) the cells of a one-hidden-layer problem."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from losscert.cli.common import EXIT_OK, add_json_option, exact_json, exact_text

if TYPE_CHECKING:
    from losscert.encodings.arrangement import NeuronRegion
    from losscert.encodings.cell_counts import CellCounts
    from losscert.model.problem import Problem


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cells = commands.add_parser(
        "cells",
        help="count (and list) the cells of a one-hidden-layer problem: realisable neuron patterns",
        description="Every activation pattern one hidden neuron can realise on the problem's data, "
        "found exactly (a witness weight vector strictly inside each), their number m, the "
        "m^d_1 cells of the layer and the general-position count for comparison.",
    )
    cells.add_argument("problem", metavar="PROBLEM.json")
    shown = cells.add_mutually_exclusive_group()
    shown.add_argument(
        "--neuron-patterns",
        action="store_true",
        help="also list every realisable pattern with its exact witness (streamed as found)",
    )
    shown.add_argument(
        "--count", action="store_true", help="only the counts (skip the general-position test)"
    )
    add_json_option(cells)
    cells.add_argument("--workers", type=int, default=1, metavar="N", help="processes (default 1)")
    cells.add_argument(
        "--solve",
        type=int,
        default=0,
        metavar="K",
        help="also the exact minimum of the risk over the first K cells (up to neuron "
        "permutation), each from its certified convex programs",
    )
    cells.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from losscert.encodings.arrangement import iter_neuron_patterns
    from losscert.encodings.cell_counts import (
        cell_counts,
        enumeration_over_budget,
        hidden_layer_data,
    )
    from losscert.errors import InputError
    from losscert.io.problem_file import read_problem

    if args.workers < 1:
        raise InputError(f"--workers: expected a positive number of processes, got {args.workers}")
    problem = read_problem(args.problem)
    data = hidden_layer_data(problem, args.problem)
    over = enumeration_over_budget(len(data.inputs), len(data.inputs[0]), data.breakpoints)
    if over is not None:  # refused up front (exit 2) rather than an enumeration without end
        raise InputError(f"{args.problem}: {over}")
    progress = _cells_progress(sys.stderr.isatty())
    with contextlib.ExitStack() as stack:
        pool = (
            stack.enter_context(ProcessPoolExecutor(max_workers=args.workers))
            if args.workers > 1
            else None
        )
        regions = iter_neuron_patterns(
            data.inputs, data.breakpoints, executor=pool, progress=progress
        )
        if args.json:
            print(f'{{"problem": {json.dumps(args.problem)},', flush=True)
        # the first K cells (lexicographic multisets) use only the first K + 1 patterns
        keep = args.solve + 1 if args.solve > 0 else 0
        m, first = _stream_patterns(regions, args.json, args.neuron_patterns, keep)
    counts = cell_counts(data, m, decide_general_position=not args.count)
    minima = _cell_minima(problem, first, args.solve) if args.solve > 0 else []
    if args.json:
        solved = f', "cell_minima": {json.dumps(minima)}' if minima else ""
        print(f' "counts": {json.dumps(counts.as_dict())}{solved}}}')
    else:
        print(_format_cell_counts(args.problem, counts, tested=not args.count))
        for entry in minima:
            print(f"  cell {entry['patterns']}: minimum {exact_text(minimum_of(entry))}")
    return EXIT_OK


def minimum_of(entry: dict[str, Any]) -> str:
    return str(entry["minimum"]["exact"])


def _cell_minima(
    problem: Problem, patterns: list[tuple[int, ...]], count: int
) -> list[dict[str, Any]]:
    """The exact minima of the first ``count`` cells (multisets of neuron patterns)."""
    from losscert.verifier.global_min import pattern_cell_minimum

    width = problem.network.widths[1]
    out: list[dict[str, Any]] = []
    for cell in itertools.islice(itertools.combinations_with_replacement(patterns, width), count):
        minimum, _ = pattern_cell_minimum(problem, list(cell))
        out.append({"patterns": [list(p) for p in cell], "minimum": exact_json(minimum)})
    return out


def _stream_patterns(
    regions: Iterator[NeuronRegion], as_json: bool, listed: bool, keep: int = 0
) -> tuple[int, list[tuple[int, ...]]]:
    """Print each pattern as it comes (when ``listed``); return how many there were and the
    first ``keep`` of them."""
    from losscert.model.rationals import rational_string

    m = 0
    first: list[tuple[int, ...]] = []
    if as_json and listed:
        print(' "neuron_patterns": [')
    for region in regions:
        if listed:
            witness = [rational_string(v) for v in region.witness]
            if as_json:
                entry = json.dumps({"pattern": list(region.pattern), "witness": witness})
                print(f"  {',' if m else ' '}{entry}")
            else:
                print(f"pattern {' '.join(map(str, region.pattern))}  witness {' '.join(witness)}")
        if m < keep:
            first.append(region.pattern)
        m += 1
    if as_json and listed:
        print(" ],")
    return m, first


def _format_cell_counts(path: str, counts: CellCounts, *, tested: bool) -> str:
    general = {True: "yes", False: "no", None: "not decided (too many subsets)"}[
        counts.general_position
    ]
    lines = [
        f"{path}: one hidden layer, d_X = {counts.input_dim}, width {counts.width}, "
        f"n = {counts.samples}, {counts.breakpoints} breakpoint(s)",
        f"  realisable neuron patterns m: {counts.neuron_patterns}",
        f"  cells m^{counts.width}: {counts.cells} "
        f"(up to neuron permutation: {counts.cells_up_to_permutation})",
        f"  general-position count: {counts.general_position_patterns}",
    ]
    if tested:
        lines.append(f"  data in general position: {general}")
    return "\n".join(lines)


def _cells_progress(terminal: bool) -> Callable[[int, int], None]:
    """Progress of the enumeration: units of work done and time left. On a terminal one line,
    rewritten in place; elsewhere (a log) a line every 5 s, and none for a run shorter than that."""
    from losscert.progress import Progress

    ticker: list[Progress] = []

    def say(line: str) -> None:
        if terminal:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def update(done: int, total: int) -> None:
        if not ticker:
            every = 0.5 if terminal else 5.0
            ticker.append(Progress(say, "cells", total, unit="units of work", every=every))
        progress = ticker[0]
        if done < total or terminal or progress.last > progress.start:
            progress.update(done)
        if done >= total and terminal:
            print(file=sys.stderr)

    return update

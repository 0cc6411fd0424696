"""Shared timing and reporting for the benchmark scripts (imported as a sibling module: run the scripts as
``python benchmarks/<script>.py``)."""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any


def measure(
    fn: Callable[[], Any], repeats: int, min_time: float, warmup: bool = True
) -> dict[str, Any]:
    """Median and min seconds per call over ``repeats`` (perf_counter, gc off as in timeit).

    Each repeat runs ``number`` calls, with ``number`` chosen so that a repeat lasts at least
    ``min_time`` seconds (so that microsecond float passes are above the timer's noise).
    """
    if warmup:
        fn()
    number = 1
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        while True:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time or number >= 1 << 20:
                break
            number *= max(2, min(10, math.ceil(min_time / max(elapsed, 1e-9))))
        times = [elapsed / number]
        for _ in range(repeats - 1):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            times.append((time.perf_counter() - t0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "repeats": len(times),
        "calls_per_repeat": number,
    }


def fmt_seconds(s: float, places: tuple[int, int, int] = (3, 2, 1)) -> str:
    """Seconds as s / ms / us with the given decimal places for each unit."""
    if abs(s) >= 1:
        return f"{s:.{places[0]}f} s"
    if abs(s) >= 1e-3:
        return f"{s * 1e3:.{places[1]}f} ms"
    return f"{s * 1e6:.{places[2]}f} us"


def fmt_bytes(b: int, places: int = 1) -> str:
    return f"{b / 1e6:.{places}f} MB" if b >= 1e6 else f"{b / 1e3:.1f} kB"


# --- the harness every script shares: options, the machine record, the JSON file ---------------


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    repeats: int | None = 5,
    min_time: float | None = 0.05,
    seed_help: str = "numpy default_rng seed; default 0",
    profile_help: str | None = None,
) -> None:
    """--seed, --repeats (unless None), --min-time (unless None), --json PATH, --date and, with
    ``profile_help``, --profile: the options every benchmark script takes."""
    parser.add_argument("--seed", type=int, default=0, help=seed_help)
    if repeats is not None:
        parser.add_argument(
            "--repeats", type=int, default=repeats, help=f"timed repeats; default {repeats}"
        )
    if min_time is not None:
        parser.add_argument(
            "--min-time",
            type=float,
            default=min_time,
            help=f"each repeat loops a call until it lasts this many seconds; default {min_time}",
        )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    if profile_help is not None:
        parser.add_argument("--profile", action="store_true", help=profile_help)
    parser.add_argument("--date", help="date to record (default: today)")


def run_date(args: argparse.Namespace) -> str:
    """``--date``, else today (ISO)."""
    return getattr(args, "date", None) or datetime.date.today().isoformat()


def machine(**more: Any) -> dict[str, Any]:
    """The machine record of a result file: CPUs, platform, Python, python-flint, numpy and
    losscert versions, and ``more`` (solver versions, say)."""
    import flint
    import numpy as np

    from losscert import __version__

    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_flint": flint.__version__,
        "numpy": np.__version__,
        "losscert": __version__,
        **more,
    }


def write_json(result: Any, path: str | None, **options: Any) -> None:
    """Write ``result`` to ``path`` (indented, newline-terminated); nothing when ``path`` is None."""
    if path is None:
        return
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2, **options)
        fh.write("\n")

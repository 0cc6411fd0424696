"""Shared timing and reporting for the benchmark scripts (imported as a sibling module: run the scripts as
``python benchmarks/<script>.py``)."""

from __future__ import annotations

import gc
import math
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

"""Benchmark: trained PyTorch classifiers certified as a user would (issue 13).

For each seed: ``nn.Sequential(Linear(1, W), ReLU(), Linear(W, 1))`` trained with
``nn.BCEWithLogitsLoss`` and Adam (2000 steps at each of the rates 0.01, 0.001, 0.0001) on
``losscert.bench.training.classes_1d(seed)`` (20 samples, noisy labels), imported with
``from_torch``, written as a problem file and certified by one ``losscert certify --json``
command in a subprocess (wall clock includes the interpreter start). Prints one row per seed:
time, exit code, the nearby minimum's status, route and distance, and the spurious verdict.

Run from the repository root (needs the ``torch`` extra)::

    python benchmarks/bench_torch_classifiers.py --width 4 --seeds 0-9

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=4)
    parser.add_argument("--seeds", type=_seeds, default=_seeds("0-9"), help="e.g. 0-9")
    args = parser.parse_args()
    from losscert.bench.training import train_torch_classifier
    from losscert.io.problem_file import write_problem

    print("| seed | time | exit | nearby | route | distance | spurious |")
    print("|---|---|---|---|---|---|---|")
    proved = spurious = 0
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            path = Path(folder) / f"w{args.width}s{seed}.json"
            problem = train_torch_classifier(args.width, seed)
            write_problem(problem, path, name=path.stem)  # type: ignore[arg-type]
            start = time.perf_counter()
            run = subprocess.run(
                [sys.executable, "-m", "losscert", "certify", str(path), "--json"],
                capture_output=True,
                text=True,
                timeout=600,
            )
            seconds = time.perf_counter() - start
            near = json.loads(run.stdout)["nearby"] or {}
            proved += near.get("status") == "proved"
            spurious += near.get("spurious") == "proved"
            print(
                f"| {seed} | {seconds:.1f} s | {run.returncode} | {near.get('status')} | "
                f"{near.get('route', '-')} | {near.get('distance_decimal', '-')} | "
                f"{near.get('spurious', '-')} |"
            )
    total = len(args.seeds)
    print(f"\nwidth {args.width}: {proved} of {total} PROVED, {spurious} spurious PROVED")
    return 0


if __name__ == "__main__":
    sys.exit(main())

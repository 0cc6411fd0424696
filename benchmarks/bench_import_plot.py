"""Benchmark: PyTorch import (exact conversion) and the pictures (float surface, full figure).

Times, for a few sizes, in one run:

(a) ``from_torch``   -- the exact conversion of an ``nn.Sequential`` of random weights;
(b) ``surface``      -- :func:`losscert.plot.landscape.risk_surface` on a resolution^2 grid
                        (batched float forward passes, cell labels, crossing pre-activations);
(c) ``figure + png`` -- :func:`losscert.plot_problem` then :func:`losscert.save_png`.

Run from the repository root (needs the torch and plot extras)::

    python benchmarks/bench_import_plot.py
    python benchmarks/bench_import_plot.py --resolution 61 --repeats 3

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from timing import fmt_seconds, measure

from losscert import from_torch, plot_problem, save_png
from losscert.plot.directions import choose_directions
from losscert.plot.landscape import FloatModel, risk_surface

SIZES = [((1, 4, 1), 6), ((1, 32, 1), 50), ((8, 16, 16, 1), 100), ((8, 32, 32, 1), 300)]


def _model(widths: tuple[int, ...], torch: object) -> object:
    nn = torch.nn  # type: ignore[attr-defined]
    layers: list[object] = []
    for j in range(1, len(widths)):
        layers.append(nn.Linear(widths[j - 1], widths[j]))
        if j < len(widths) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=101)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.manual_seed(0)
    print(f"resolution {args.resolution}, median (min) of {args.repeats} repeats")
    print("| widths | n | params | from_torch | surface | figure + png |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    for widths, n in SIZES:
        model = _model(widths, torch)
        x = torch.randn(n, widths[0])
        y = torch.randn(n, widths[-1])
        problem = from_torch(model, (x, y))
        convert = measure(lambda: from_torch(model, (x, y)), args.repeats, 0.05)  # noqa: B023
        floats = FloatModel(problem)
        u, v = choose_directions(["random:0", "random:1"], floats.origin, None, None)
        grid = measure(
            lambda: risk_surface(floats, u, v, (-1, 1), (-1, 1), args.resolution),  # noqa: B023
            args.repeats,
            0.0,
        )
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "p.png"

            def draw() -> None:
                save_png(plot_problem(problem, resolution=args.resolution), out)  # noqa: B023

            picture = measure(draw, args.repeats, 0.0)
        cells = len(np.unique(risk_surface(floats, u, v, (-1, 1), (-1, 1), 21).cells))
        row = [convert, grid, picture]
        shown = " | ".join(f"{fmt_seconds(r['median_s'])} ({fmt_seconds(r['min_s'])})" for r in row)
        print(
            f"| {widths} | {n} | {problem.network.num_parameters} | {shown} |  cells on 21^2: {cells}"
        )


if __name__ == "__main__":
    main()

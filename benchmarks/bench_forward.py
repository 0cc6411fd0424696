"""Benchmark: exact forward pass + risk (python-flint) against float (numpy) and naive Fractions.

Builds a random ReLU network with small-denominator rational weights (integers over 2^bits) and
random rational data, then times, in the same run and on the same instance:

(a) ``exact``    -- :func:`losscert.model.forward` + :func:`losscert.model.exact_risk`
                    (batched ``fmpq_mat`` products, the public API);
(b) ``float``    -- :func:`losscert.model.forward_float` on the arrays of
                    :func:`losscert.model.float_view` + a numpy squared-loss mean;
(c) ``fraction`` -- a naive exact pass with :class:`fractions.Fraction` scalar loops, sample by
                    sample; at the requested n when one pass is projected to take less than
                    ``--fraction-budget`` seconds, otherwise at a smaller n (labelled with its n).

It asserts that the exact and float risks agree to 1e-9 relative and that the Fraction risk equals
the flint one exactly, then prints a table (median and min over ``--repeats``) and the ratios.

Run from the repository root::

    python benchmarks/bench_forward.py                 # depth 3, width 16, n 1000, d_X 8
    python benchmarks/bench_forward.py --n 100 --json out.json
    python benchmarks/bench_forward.py --profile       # also cProfile one exact pass

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import gc
import io
import itertools
import math
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from timing import add_run_options, machine, measure, run_date, write_json
from timing import fmt_seconds as _fmt_seconds

from losscert.model import (
    Dataset,
    Network,
    Problem,
    exact_risk,
    float_view,
    forward,
    forward_float,
    make_loss,
    relu,
)

D_Y = 1
REL_TOL = 1e-9


# --- instance ---------------------------------------------------------------------------------


def build_instance(
    depth: int, width: int, n: int, d_x: int, bits: int, seed: int
) -> tuple[Network, Dataset]:
    """A random ReLU network (depth - 1 hidden layers of ``width``) and n random samples.

    Every weight, bias, input and label is an integer over 2^bits. Weight numerators are drawn
    from [-s, s] with s ~ 2^bits / sqrt(fan_in), so that activations stay of order one.
    """
    if depth < 1:
        raise SystemExit("--depth must be at least 1")
    rng = np.random.default_rng(seed)
    den = 2**bits
    widths = [d_x, *([width] * (depth - 1)), D_Y]
    weights: list[list[list[Fraction]]] = []
    biases: list[list[Fraction]] = []
    for fan_in, fan_out in itertools.pairwise(widths):
        s = max(1, math.ceil(den / math.sqrt(fan_in)))
        w = rng.integers(-s, s, size=(fan_out, fan_in), endpoint=True)
        b = rng.integers(-(den // 4), den // 4, size=fan_out, endpoint=True)
        weights.append([[Fraction(int(v), den) for v in row] for row in w])
        biases.append([Fraction(int(v), den) for v in b])
    network = Network.from_rationals(weights, biases, relu())
    x = rng.integers(-den, den, size=(n, d_x), endpoint=True)
    y = rng.integers(-den, den, size=(n, D_Y), endpoint=True)
    data = Dataset.from_rows(
        [[Fraction(int(v), den) for v in row] for row in x],
        [[Fraction(int(v), den) for v in row] for row in y],
    )
    return network, data


# --- the three computations -------------------------------------------------------------------


def exact_pass(network: Network, data: Dataset) -> Fraction:
    """(a) The public API: batched exact forward pass, then the exact squared-loss risk."""
    trace = forward(network, data.inputs)
    return exact_risk(make_loss("squared"), data.labels, trace.outputs)


def float_pass(view: Any, x: np.ndarray, y: np.ndarray) -> float:
    """(b) numpy forward pass on the converted arrays, then the squared-loss mean."""
    params, breakpoints, slopes, intercepts = view
    out = forward_float(params, breakpoints, slopes, intercepts, x)
    return float(np.mean(np.sum((out - y) ** 2, axis=1)))


class FractionModel:
    """(c) The same network as nested lists of Fractions, evaluated by scalar loops."""

    def __init__(self, network: Network) -> None:
        self.weights = [network.weights(j) for j in range(1, network.depth + 1)]
        self.biases = [network.biases(j) for j in range(1, network.depth + 1)]
        act = network.activation
        self.breakpoints = list(act.breakpoints)
        self.slopes = list(act.slopes)
        self.intercepts = list(act.intercepts)

    def risk(
        self, x_rows: Sequence[Sequence[Fraction]], y_rows: Sequence[Sequence[Fraction]]
    ) -> Fraction:
        last = len(self.weights) - 1
        total = Fraction(0)
        for x, y in zip(x_rows, y_rows, strict=True):
            a = list(x)
            for j, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
                z = []
                for r, row in enumerate(w):
                    s = b[r]
                    for c, v in enumerate(row):
                        s += v * a[c]
                    z.append(s)
                if j == last:
                    a = z
                    break
                a = []
                for v in z:
                    k = bisect.bisect_left(self.breakpoints, v)
                    a.append(self.slopes[k] * v + self.intercepts[k])
            for fk, yk in zip(a, y, strict=True):
                d = fk - yk
                total += d * d
        return total / len(x_rows)


# --- timing -----------------------------------------------------------------------------------


def measure_fraction(fn: Callable[[], Any], repeats: int, total_budget: float) -> dict[str, Any]:
    """Single calls (no warm-up; they are slow), stopping early past ``total_budget`` seconds."""
    times: list[float] = []
    gc.collect()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if sum(times) >= total_budget:
            break
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "repeats": len(times),
        "calls_per_repeat": 1,
    }


def fraction_size(n: int, seconds_per_sample: float, budget: float) -> int:
    """n itself when one pass fits the budget, else the largest 1-2-5 number that does."""
    if seconds_per_sample * n <= budget:
        return n
    fit = max(1, int(budget / seconds_per_sample))
    best = 1
    for decade in range(0, 10):
        for m in (1, 2, 5):
            if m * 10**decade <= fit:
                best = m * 10**decade
    return min(best, n)


def subset(data: Dataset, m: int) -> tuple[Dataset, list[list[Fraction]], list[list[Fraction]]]:
    x_rows, y_rows = data.input_rows()[:m], data.label_rows()[:m]
    return Dataset.from_rows(x_rows, y_rows), x_rows, y_rows


# --- reporting --------------------------------------------------------------------------------


def max_bits(values: Sequence[Fraction]) -> tuple[int, int]:
    return (
        max(abs(v.numerator).bit_length() for v in values),
        max(v.denominator.bit_length() for v in values),
    )


def profile_exact(network: Network, data: Dataset, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    exact_pass(network, data)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def run(args: argparse.Namespace) -> dict[str, Any]:
    network, data = build_instance(
        args.depth, args.width, args.n, args.inputs, args.bits, args.seed
    )
    loss = make_loss("squared")
    n = data.n

    # (a) exact, through the public API; and once through a fresh Problem as a cross-check
    exact = exact_pass(network, data)
    assert Problem(network, loss, data).risk() == exact, "Problem.risk() disagrees with forward"
    t_exact = measure(lambda: exact_pass(network, data), args.repeats, args.min_time)
    outputs = forward(network, data.inputs).outputs
    t_fwd = measure(lambda: forward(network, data.inputs), args.repeats, args.min_time)
    t_risk = measure(lambda: exact_risk(loss, data.labels, outputs), args.repeats, args.min_time)

    # (b) float: conversion once (timed once, apart), then the forward pass + risk
    t0 = time.perf_counter()
    view = float_view(network)
    x_np, y_np = data.to_numpy()
    convert_s = time.perf_counter() - t0
    approx = float_pass(view, x_np, y_np)
    t_float = measure(lambda: float_pass(view, x_np, y_np), args.repeats, args.min_time)

    rel_err = abs(approx - float(exact)) / max(abs(float(exact)), sys.float_info.min)
    assert rel_err <= REL_TOL, (
        f"exact risk {float(exact)!r} and float risk {approx!r} differ by {rel_err:.3e} relative"
    )

    # (c) naive Fractions: pilot on a few samples, then at n or at a smaller n within budget
    model = FractionModel(network)
    pilot_m = min(n, 20)
    _, px, py = subset(data, pilot_m)
    t0 = time.perf_counter()
    model.risk(px, py)
    per_sample = (time.perf_counter() - t0) / pilot_m
    m = fraction_size(n, per_sample, args.fraction_budget)
    if m == n:
        sub_data, fx, fy = data, data.input_rows(), data.label_rows()
        exact_m, t_exact_m = exact, t_exact
    else:
        sub_data, fx, fy = subset(data, m)
        exact_m = exact_pass(network, sub_data)
        t_exact_m = measure(lambda: exact_pass(network, sub_data), args.repeats, args.min_time)
    frac = model.risk(fx, fy)
    assert frac == exact_m, f"Fraction risk {frac} differs from the flint risk {exact_m} (n = {m})"
    t_frac = measure_fraction(lambda: model.risk(fx, fy), args.repeats, 3 * args.fraction_budget)

    out_values = [Fraction(int(v.p), int(v.q)) for v in outputs.entries()]
    out_num_bits, out_den_bits = max_bits(out_values)
    result: dict[str, Any] = {
        "date": run_date(args),
        "machine": machine(),
        "instance": {
            "depth": network.depth,
            "widths": list(network.widths),
            "parameters": network.num_parameters,
            "n": n,
            "d_X": network.input_dim,
            "d_Y": network.output_dim,
            "activation": network.activation.describe(),
            "loss": "squared",
            "denominator": 2**args.bits,
            "seed": args.seed,
        },
        "risk": {
            "exact": f"{exact.numerator}/{exact.denominator}",
            "float": approx,
            "relative_difference": rel_err,
            "numerator_bits": abs(exact.numerator).bit_length(),
            "denominator_bits": exact.denominator.bit_length(),
            "max_output_numerator_bits": out_num_bits,
            "max_output_denominator_bits": out_den_bits,
        },
        "timings": {
            "exact": {"n": n, **t_exact},
            "exact_forward_only": {"n": n, **t_fwd},
            "exact_risk_only": {"n": n, **t_risk},
            "float": {"n": n, **t_float, "one_off_conversion_s": convert_s},
            "fraction": {"n": m, **t_frac},
        },
        "ratios": {
            "exact_over_float_median": t_exact["median_s"] / t_float["median_s"],
            "exact_over_float_min": t_exact["min_s"] / t_float["min_s"],
            "fraction_over_exact_median": t_frac["median_s"] / t_exact_m["median_s"],
            "fraction_over_exact_min": t_frac["min_s"] / t_exact_m["min_s"],
            "fraction_n": m,
        },
    }
    if m != n:
        result["timings"]["exact_at_fraction_n"] = {"n": m, **t_exact_m}
    return result


def report(result: dict[str, Any]) -> str:
    inst, risk, tim, rat = result["instance"], result["risk"], result["timings"], result["ratios"]
    lines = [
        f"bench_forward  {result['date']}  cpus={result['machine']['cpu_count']}  "
        f"python {result['machine']['python']}  python-flint {result['machine']['python_flint']}  "
        f"numpy {result['machine']['numpy']}",
        f"instance: widths {tuple(inst['widths'])}, {inst['parameters']} parameters, "
        f"n = {inst['n']}, {inst['activation']}, squared loss, "
        f"entries over {inst['denominator']}, seed {inst['seed']}",
        f"risk: numerator {risk['numerator_bits']} bits, "
        f"denominator {risk['denominator_bits']} bits "
        f"(outputs f(x_i): up to {risk['max_output_numerator_bits']}/"
        f"{risk['max_output_denominator_bits']} bits); float relative difference "
        f"{risk['relative_difference']:.2e}",
        "",
        f"{'method':<32} {'n':>6} {'repeats':>8} {'median':>12} {'min':>12}",
    ]
    labels = {
        "exact": "(a) exact forward + risk",
        "exact_forward_only": "    of which forward",
        "exact_risk_only": "    of which exact_risk",
        "float": "(b) float forward + risk",
        "exact_at_fraction_n": "(a) exact forward + risk",
        "fraction": "(c) Fraction scalar loops",
    }
    for key, label in labels.items():
        if key not in tim:
            continue
        t = tim[key]
        lines.append(
            f"{label:<32} {t['n']:>6} {t['repeats']:>8} {fmt_seconds(t['median_s']):>12} "
            f"{fmt_seconds(t['min_s']):>12}"
        )
    lines += [
        "",
        f"float one-off conversion (float_view + Dataset.to_numpy): "
        f"{fmt_seconds(tim['float']['one_off_conversion_s'])}",
        f"exact / float     : {rat['exact_over_float_median']:.1f}x (median), "
        f"{rat['exact_over_float_min']:.1f}x (min)",
        f"Fraction / exact  : {rat['fraction_over_exact_median']:.1f}x (median), "
        f"{rat['fraction_over_exact_min']:.1f}x (min), at n = {rat['fraction_n']}",
        "checks: |exact - float| <= 1e-9 relative; Fraction risk == flint risk; "
        "Problem.risk() == forward + exact_risk",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--depth", type=int, default=3, help="affine layers L (L-1 hidden); default 3"
    )
    parser.add_argument("--width", type=int, default=16, help="hidden width; default 16")
    parser.add_argument("--n", type=int, default=1000, help="number of samples; default 1000")
    parser.add_argument("--inputs", type=int, default=8, help="input dimension d_X; default 8")
    parser.add_argument(
        "--bits", type=int, default=6, help="entries are integers over 2^bits; default 6"
    )
    parser.add_argument(
        "--fraction-budget",
        type=float,
        default=30.0,
        help="max projected seconds for one Fraction pass before n is reduced; default 30",
    )
    add_run_options(parser, profile_help="cProfile one exact pass and print it")
    args = parser.parse_args(argv)
    if args.n < 1 or args.width < 1 or args.inputs < 1 or args.repeats < 1 or args.bits < 1:
        parser.error("--n, --width, --inputs, --repeats and --bits must be positive")

    result = run(args)
    print(report(result))
    if args.profile:
        network, data = build_instance(
            args.depth, args.width, args.n, args.inputs, args.bits, args.seed
        )
        print("\ncProfile of one exact pass (forward + exact_risk), by cumulative time:")
        print(profile_exact(network, data, 15))
    write_json(result, args.json)
    return 0


def fmt_seconds(s: float) -> str:
    return _fmt_seconds(s, (3, 3, 1))


if __name__ == "__main__":
    raise SystemExit(main())

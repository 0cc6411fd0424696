"""Flat minima with risk > 0 strictly inside a cell, at any depth (issue 14).

ReLU, widths (d_X, *hidden, 1), seeded. Collinear triples (x, x + d, x + 2 d) whose two ends have
the same activation pattern in every hidden layer (then the whole segment has it), residuals
k (1, -2, 1) / 8 on each triple, 0 on the other samples: inside the cell the network is affine in
x on each triple, so the residuals are orthogonal to every output the cell can compute and R is
>= R(theta*) on the whole cell. benchmarks/bench_certify.py's ``deep_flat_instance`` builds the
same family with numpy's generator.
"""

from __future__ import annotations

import random
from fractions import Fraction

from losscert.model import Dataset, Network, Problem, make_loss, relu

F = Fraction


def _pattern(
    weights: list[list[list[Fraction]]], biases: list[list[Fraction]], x: list[Fraction]
) -> tuple[bool, ...] | None:
    out: list[bool] = []
    a = x
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        z = [
            sum((c * v for c, v in zip(row, a, strict=True)), bias)
            for row, bias in zip(w, b, strict=True)
        ]
        if any(v == 0 for v in z):
            return None
        out += [v > 0 for v in z]
        a = [max(v, F(0)) for v in z]
    return tuple(out)


def deep_flat(hidden: tuple[int, ...], n: int, d_x: int = 2, seed: int = 0) -> Problem:
    """The planted flat minimum; n // 3 triples, the rest zero-residual samples."""
    rnd = random.Random(seed)
    widths = (d_x, *hidden, 1)

    def entry(low: int = -8, high: int = 8) -> Fraction:
        return F(rnd.choice([v for v in range(low, high + 1) if v != 0]), 8)

    for _ in range(400):
        weights = [
            [[entry() for _ in range(widths[j - 1])] for _ in range(widths[j])]
            for j in range(1, len(widths))
        ]
        biases = [
            [entry() / 2 + (F(1, 2) if j > 1 else 0) for _ in range(widths[j])]
            for j in range(1, len(widths))
        ]
        inputs: list[list[Fraction]] = []
        noise: list[Fraction] = []
        patterns = []
        for _ in range(n // 3):
            for _ in range(400):
                x = [F(rnd.randint(-16, 16), 8) for _ in range(d_x)]
                step = [F(rnd.choice([-2, -1, 1, 2]), 8) for _ in range(d_x)]
                triple = [[c + k * s for c, s in zip(x, step, strict=True)] for k in range(3)]
                ends = _pattern(weights, biases, triple[0]), _pattern(weights, biases, triple[2])
                if ends[0] is not None and ends[0] == ends[1]:
                    break
            else:
                raise RuntimeError("no triple inside one region")
            k = rnd.choice([-2, -1, 1, 2])
            inputs += triple
            noise += [F(k, 8), F(-2 * k, 8), F(k, 8)]
            patterns.append(ends[0])
        while len(inputs) < n:
            x = [F(rnd.randint(-16, 16), 8) for _ in range(d_x)]
            p = _pattern(weights, biases, x)
            if p is not None:
                inputs.append(x)
                noise.append(F(0))
                patterns.append(p)
        neurons = sum(hidden)
        if any(not any(p[r] for p in patterns) for r in range(neurons)):
            continue  # a dead neuron
        if not any(len({p[r] for p in patterns}) == 2 for r in range(neurons)):
            continue  # no mixed neuron: the linear collapse would decide it
        net = Network.from_rationals(weights, biases, relu())
        blank = Problem(net, make_loss("squared"), Dataset.from_rows(inputs, [[F(0)]] * n))
        outputs = blank.trace().output_rows()
        labels = [[f[0] - e] for f, e in zip(outputs, noise, strict=True)]
        return Problem(net, make_loss("squared"), Dataset.from_rows(inputs, labels))
    raise RuntimeError(f"no draw without a dead neuron and with a mixed one, {widths}")

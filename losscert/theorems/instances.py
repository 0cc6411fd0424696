"""Generated instances for the Theorem 1 audit, each with the outcome planted by construction.

Data are small rationals drawn from a seeded generator, so every run sees the same instances and
the exact arithmetic stays cheap. ``expect`` names the claims that must be PROVED (and, for the
negative controls, the assumption that must fail).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from losscert.model.activation import (
    Activation,
    abs_activation,
    hardtanh,
    leaky_relu,
    linear,
    relu,
    relu6,
)
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss, make_loss

THREE_PIECES = Activation.from_pieces([-1, 1], [Fraction(1, 4), 1, Fraction(1, 2)], (0, 0))
"""A user-given activation with three pieces and no zero slope."""

SPURIOUS = ("local_min", "spurious_local_min", "valley")


@dataclass(frozen=True)
class Instance:
    name: str
    widths: tuple[int, ...]
    activation: Activation
    loss: Loss
    n: int
    seed: int
    expect: tuple[str, ...] = SPURIOUS
    fails: str | None = None  # the assumption a negative control must report as failing
    affine_labels: bool = False  # labels from an affine map: (A1) fails
    planted: bool = True  # False for a user's instance: no expected outcome to compare with
    dataset: Dataset | None = None  # given data (a user's instance); else generated from the seed

    def data(self) -> Dataset:
        if self.dataset is not None:
            return self.dataset
        return generated_data(
            self.n, self.widths[0], self.widths[-1], self.seed, affine=self.affine_labels
        )


def overlapping_classes() -> Dataset:
    """Labels -1 / 1 on x = -2, -7/4, ..., 2: negative left of 0 and positive right of it, every
    fourth one flipped, so no affine map separates them and the affine logistic optimum exists
    (and is irrational)."""
    xs = [Fraction(k, 4) for k in range(-8, 9)]
    ys = [(1 if x > 0 else -1) * (-1 if k % 4 == 1 else 1) for k, x in enumerate(xs)]
    return Dataset.from_rows([[x] for x in xs], [[y] for y in ys])


def interleaved_classes() -> Dataset:
    """A 4 x 4 grid in the plane with one-hot labels of (i + j) mod 3: the classes interleave,
    so the affine softmax optimum exists (and is irrational)."""
    rows = [[Fraction(i, 2), Fraction(j, 2)] for i in range(4) for j in range(4)]
    labels = [[int((i + j) % 3 == c) for c in range(3)] for i in range(4) for j in range(4)]
    return Dataset.from_rows(rows, labels)


def generated_data(n: int, d_x: int, d_y: int, seed: int, *, affine: bool = False) -> Dataset:
    """n distinct inputs with entries k/4 (|k| <= 4 n), labels k/4 (|k| <= 8); or affine labels."""
    rng = random.Random(seed)
    seen: set[tuple[Fraction, ...]] = set()
    inputs: list[list[Fraction]] = []
    while len(inputs) < n:
        x = tuple(Fraction(rng.randint(-4 * n, 4 * n), 4) for _ in range(d_x))
        if x not in seen:
            seen.add(x)
            inputs.append(list(x))
    if affine:
        w = [[Fraction(rng.randint(-3, 3), 2) for _ in range(d_x)] for _ in range(d_y)]
        labels = [
            [sum((w[k][c] * x[c] for c in range(d_x)), Fraction(1, 3)) for k in range(d_y)]
            for x in inputs
        ]
    else:
        labels = [[Fraction(rng.randint(-8, 8), 4) for _ in range(d_y)] for _ in range(n)]
    return Dataset.from_rows(inputs, labels)


def builtin_instances() -> list[Instance]:
    """The built-in audit: every preset and a three-piece activation, depths 2-5, d_Y 1-3,
    plus the linear contrast and two negative controls."""
    squared = make_loss("squared")
    presets = [
        ("relu", relu()),
        ("leaky_relu", leaky_relu(Fraction(1, 10))),
        ("hardtanh", hardtanh(-1, 1)),
        ("relu6", relu6()),
        ("abs", abs_activation()),
        ("three_pieces", THREE_PIECES),
    ]
    shapes = [(2, 4, 1), (2, 5, 5, 2), (3, 5, 5, 5, 3), (1, 3, 3, 3, 3, 1)]
    out = []
    for k, (label, act) in enumerate(presets):
        for m, widths in enumerate(shapes):
            n = (8, 20, 12, 40)[m]
            out.append(
                Instance(
                    f"{label}-depth{len(widths) - 1}-dy{widths[-1]}",
                    widths,
                    act,
                    squared,
                    n,
                    100 * k + m,
                )
            )
    out.append(Instance("relu-huber-depth2", (2, 4, 1), relu(), make_loss("huber", 1), 30, 7))
    out.append(Instance("relu-n200", (3, 6, 2), relu(), make_loss("squared_half"), 200, 11))
    out.append(
        Instance(
            "relu-logistic-depth2",
            (1, 2, 1),
            relu(),
            make_loss("logistic"),
            17,
            0,
            expect=("local_min", "spurious_local_min"),  # box claims; no valley for exp losses
            dataset=overlapping_classes(),
        )
    )
    out.append(
        Instance(
            "relu-softmax-depth3",
            (2, 4, 4, 3),
            relu(),
            make_loss("softmax_cross_entropy"),
            16,
            0,
            expect=("local_min", "spurious_local_min"),
            dataset=interleaved_classes(),
        )
    )
    out.append(
        Instance("linear-contrast", (2, 4, 4, 1), linear(), squared, 20, 5, expect=("global_min",))
    )
    out.append(
        Instance(
            "control-affine-data",
            (2, 4, 1),
            relu(),
            squared,
            10,
            6,
            expect=("local_min", "valley"),
            fails="A1 no affine map fits the data",
            affine_labels=True,
        )
    )
    out.append(
        Instance(
            "control-narrow-hidden",
            (2, 2, 3, 3),
            relu(),
            squared,
            10,
            8,
            expect=(),
            fails="A3 hidden layers wider than the output",
        )
    )
    return out

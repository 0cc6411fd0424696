"""Seeded training for the ``trained`` benchmark family: Adam in float32, in numpy.

The family asks what a user asks: train a small ReLU regression net until the loss stops moving,
then certify the point training found. PyTorch is an optional extra, so the few lines of Adam
live here (the update of Kingma and Ba, 2015, with PyTorch's defaults), in float32 as a framework
would train. Only the search is in floats: the trained weights become exact rationals.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from losscert.model.activation import relu
from losscert.model.network import Network

ANSCOMBE_X = (10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5)
ANSCOMBE_X4 = (8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8)
ANSCOMBE_Y = {
    "anscombe1": (8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68),
    "anscombe2": (9.14, 8.14, 8.74, 8.77, 9.26, 8.10, 6.13, 3.10, 9.13, 7.26, 4.74),
    "anscombe3": (7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73),
    "anscombe4": (6.58, 5.76, 7.71, 8.84, 8.47, 7.04, 5.25, 12.50, 5.56, 7.91, 6.89),
}
"""Anscombe's quartet (Anscombe 1973), typed in: four tables with the same affine fit."""


def kinked(n: int = 21) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """|x| + x/2 on a grid of [-5/2, 5/2], labels moved by +3/10 / -1/5: a kink to fit."""
    xs = [Fraction(i, 4) for i in range(-(n // 2), n // 2 + 1)]
    ys = [
        abs(x) + x / 2 + (Fraction(3, 10) if i % 3 == 0 else Fraction(-1, 5))
        for i, x in enumerate(xs)
    ]
    return [[x] for x in xs], [[y] for y in ys]


def anscombe(table: str) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """Inputs and labels of one table, as the decimals printed in the paper."""
    xs = ANSCOMBE_X4 if table == "anscombe4" else ANSCOMBE_X
    return [[Fraction(x)] for x in xs], [[Fraction(str(y))] for y in ANSCOMBE_Y[table]]


def _start(
    inputs: list[list[Fraction]],
    labels: list[list[Fraction]],
    widths: tuple[int, ...],
    seed: int,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The data in float32 and the seeded initial parameters (PyTorch's Linear default:
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weights then bias, layer by layer)."""
    rng = np.random.default_rng(seed)
    x = np.array([[float(v) for v in row] for row in inputs], dtype=np.float32)
    y = np.array([[float(v) for v in row] for row in labels], dtype=np.float32)
    params: list[np.ndarray] = []
    for fan_in, fan_out in itertools.pairwise(widths):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return x, y, params


class _Adam:
    """Adam in float32 (beta 0.9 / 0.999, eps 1e-8), updating ``params`` in place."""

    def __init__(self, params: list[np.ndarray]) -> None:
        self.params = params
        self.first = [np.zeros_like(p) for p in params]
        self.second = [np.zeros_like(p) for p in params]

    def step(self, grads: list[np.ndarray], t: int, rate: float) -> None:
        for k, g in enumerate(grads):
            g = g.astype(np.float32)
            self.first[k] = np.float32(0.9) * self.first[k] + np.float32(0.1) * g
            self.second[k] = np.float32(0.999) * self.second[k] + np.float32(0.001) * g * g
            m = self.first[k] / np.float32(1 - 0.9**t)
            v = self.second[k] / np.float32(1 - 0.999**t)
            update = np.float32(rate) * m / (np.sqrt(v) + np.float32(1e-8))
            self.params[k] = np.asarray(self.params[k] - update, dtype=np.float32)


def _network(params: list[np.ndarray]) -> Network:
    """The exact network of float32 parameters (weights and biases alternate)."""
    weights = [[[Fraction(float(v)) for v in row] for row in w] for w in params[0::2]]
    biases = [[Fraction(float(v)) for v in b] for b in params[1::2]]
    return Network.from_rationals(weights, biases, relu())


def train_relu(
    widths: tuple[int, ...],
    inputs: list[list[Fraction]],
    labels: list[list[Fraction]],
    *,
    seed: int,
    steps: int = 4000,
    rate: float = 0.01,
) -> Network:
    """Adam (float32, full batch, mean squared error) from a seeded uniform initialisation
    (PyTorch's Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))); the exact trained network."""
    x, y, params = _start(inputs, labels, widths, seed)
    adam = _Adam(params)
    for t in range(1, steps + 1):
        adam.step(_gradients(params, x, y), t, rate)
    return _network(params)


def _gradients(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Backpropagation of the mean squared error (mean over samples and outputs)."""
    activations, pre = [x], []
    for j in range(0, len(params), 2):
        z = activations[-1] @ params[j].T + params[j + 1]
        pre.append(z)
        activations.append(np.maximum(z, 0) if j + 2 < len(params) else z)
    delta = 2 * (activations[-1] - y) / np.float32(y.size)
    grads: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(params)
    for j in range(len(params) - 2, -1, -2):
        grads[j] = delta.T @ activations[j // 2]
        grads[j + 1] = delta.sum(axis=0)
        if j > 0:
            delta = (delta @ params[j]) * (pre[j // 2 - 1] > 0)
    return grads


def classes_1d(n: int = 20, seed: int = 0) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """n - 2 inputs on a grid of [-2, 2] with noisy labels -1 / 1 (P(1) = sigmoid(2 x)), and the
    two end inputs repeated with the other label: every half-line holds both classes, so no ReLU
    neuron can push one class alone to infinity (the minimum is attained)."""
    rng = np.random.default_rng(100 + seed)
    m = n - 2
    xs = [Fraction(-2) + Fraction(4 * i, m - 1) for i in range(m)]
    ys = [1 if rng.random() < 1 / (1 + np.exp(-2 * float(x))) else -1 for x in xs]
    xs += [xs[0], xs[-1]]
    ys += [-ys[0], -ys[m - 1]]
    return [[x] for x in xs], [[Fraction(y)] for y in ys]


def classes_2d(n: int = 21, seed: int = 0) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """Three overlapping Gaussian classes in the plane (centres on a circle, spread 1), one-hot
    labels; inputs rounded to multiples of 1/64."""
    rng = np.random.default_rng(200 + seed)
    centres = [(0.0, 1.0), (-0.87, -0.5), (0.87, -0.5)]
    inputs, labels = [], []
    for i in range(n):
        c = i % 3
        point = np.array(centres[c]) + rng.standard_normal(2)
        inputs.append([Fraction(round(float(v) * 64), 64) for v in point])
        labels.append([Fraction(int(k == c)) for k in range(3)])
    return inputs, labels


def train_classifier(
    widths: tuple[int, ...],
    inputs: list[list[Fraction]],
    labels: list[list[Fraction]],
    loss: str,
    *,
    seed: int,
    steps: int = 2000,
) -> Network:
    """Adam in float32 (full batch; learning rate 0.01, then 0.001, then 0.0001, ``steps`` each)
    on the ``logistic`` (labels -1 / 1) or ``softmax_cross_entropy`` (one-hot) loss, from the
    same seeded initialisation as :func:`train_relu`; the exact trained network."""
    from losscert.verifier.exp_search import loss_gradients

    x, y, params = _start(inputs, labels, widths, seed)
    adam = _Adam(params)
    t = 0
    for rate in (0.01, 0.001, 0.0001):
        for _ in range(steps):
            t += 1
            adam.step(loss_gradients(params, relu(), loss, x, y)[1], t, rate)
    return _network(params)


def train_torch_classifier(width: int, seed: int) -> object:
    """What a PyTorch user does (needs the ``torch`` extra): ``Sequential(Linear(1, width),
    ReLU(), Linear(width, 1))`` trained with ``BCEWithLogitsLoss`` and Adam (2000 steps at each
    of the rates 0.01, 0.001, 0.0001) on :func:`classes_1d` (0 / 1 targets), imported with
    ``from_torch``: the exact problem at the trained point."""
    import torch

    from losscert.io.torch_import import from_torch

    torch.manual_seed(seed)
    inputs, labels = classes_1d(seed=seed)
    x = torch.tensor([[float(v) for v in row] for row in inputs], dtype=torch.float32)
    y = torch.tensor([[(float(row[0]) + 1) / 2] for row in labels])  # 0 / 1 targets
    model = torch.nn.Sequential(
        torch.nn.Linear(1, width), torch.nn.ReLU(), torch.nn.Linear(width, 1)
    )
    loss = torch.nn.BCEWithLogitsLoss()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for rate in (0.01, 0.001, 0.0001):
        for group in optimiser.param_groups:
            group["lr"] = rate
        for _ in range(2000):
            optimiser.zero_grad()
            loss(model(x), y).backward()
            optimiser.step()
    return from_torch(model, (x, y), loss=loss)

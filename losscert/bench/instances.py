"""Benchmark instances: plain problem documents with the verdicts planted by construction.

Every instance is a version-1 problem document (losscert.io.problem_file), so other tools can read
it, plus its theorem family and the planted expectation: claim -> "proved", "refuted" or
"not_proved" (a claim that must not be PROVED), and for the negative controls the assumption that
must be reported as failing. The first planted claim is the instance's headline claim.

Families (each in every tier; the full tier, 530 instances, repeats them on more data):

- ``theorem1``: the Theorem 1 audit (losscert.theorems.instances), every preset activation;
  local_min and spurious_local_min planted PROVED. The document's point is the zero network: the
  audit builds its own point (the Stage 1 collapse), so only data, widths, activation and loss count.
- ``valley``: the same audit on other data; the valley claim planted PROVED.
- ``linear_contrast``: a linear activation; the collapse point is planted a global minimum.
- ``assumption_fails``: affine labels (A1) or a hidden layer narrower than the output (A3);
  spurious_local_min planted not PROVED and the named assumption reported as failing.
- ``one_hidden_cell_min``: one hidden layer, the point snapped onto a minimiser of its cell
  (search, at generation time); cell_global_min planted PROVED (MATH.md section 5).
- ``one_hidden_global``: labels made by a teacher network; at the teacher (risk 0) global_min is
  planted PROVED, at the zero network (risk > 0) REFUTED.
- ``trained``: points found by seeded Adam in float32 (losscert.bench.training) for ReLU
  regression nets of one and two hidden layers on Anscombe's quartet and on a kinked table, and
  (issue 13) width-4 ReLU classifiers with the logistic loss (noisy 1D labels) and softmax
  cross-entropy (three overlapping classes in the plane); the nearby minimum of ``certify`` (losscert.verifier.nearby). Nothing is planted (training decides
  where the point lands): the family reports the share answered, and every certificate is
  re-checked; a REFUTED nearby claim would be a bug (the route never refutes).
- ``general_engine``: certify_local_min on points whose nature is known by hand: strict minima
  (an exact hard-tanh fit with a full-rank Jacobian), saddles (a linear net at zero with
  cov(x, y) != 0), a descending boundary point, a boundary minimum (exact fit, SMT rung).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from losscert.errors import InputError
from losscert.io.problem_file import problem_to_dict
from losscert.model.activation import Activation, hardtanh, linear, relu
from losscert.model.dataset import Dataset
from losscert.model.loss import make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.theorems.instances import Instance, builtin_instances

FAMILIES = (
    "theorem1",
    "valley",
    "linear_contrast",
    "assumption_fails",
    "one_hidden_cell_min",
    "one_hidden_global",
    "general_engine",
    "trained",
)
TIERS = ("tiny", "quick", "full")
FULL_THEOREM1_SEEDS = 40
"""The full tier repeats the built-in Theorem 1 shapes on this many other data sets."""
FULL_GLOBAL_SEEDS = 40
"""The full tier adds this many small teacher networks (each a teacher and a zero instance)."""


@dataclass(frozen=True)
class BenchInstance:
    """One unit of the benchmark: a problem document, its family and the planted verdicts."""

    family: str
    name: str
    document: dict[str, Any]
    planted: dict[str, str]
    fails: str | None = None
    size: dict[str, Any] = field(default_factory=dict)

    @property
    def claim(self) -> str:
        return next(iter(self.planted))


def bench_instances(tier: str, seed: int = 0) -> list[BenchInstance]:
    """The instances of ``tier`` ("tiny" for tests, "quick" for CI, "full"), generated from
    ``seed``; every family is represented in every tier."""
    if tier not in TIERS:
        raise InputError(f"--tier: expected one of {', '.join(TIERS)}, got {tier!r}")
    rng = random.Random(seed)
    out: list[BenchInstance] = []
    out += _theorem1_family(tier, rng)
    out += _contrast_and_controls(tier, rng)
    out += _cell_min_family(tier, rng)
    out += _global_family(tier, rng)
    out += _general_family(tier, rng)
    out += _trained_family(tier, seed)
    return out


# --- Theorem 1, valley, linear contrast, controls --------------------------------------------


def _audit_instance(family: str, inst: Instance, planted: dict[str, str]) -> BenchInstance:
    widths = inst.widths
    zero = Network.from_rationals(
        [[[0] * widths[j - 1] for _ in range(widths[j])] for j in range(1, len(widths))],
        [[0] * widths[j] for j in range(1, len(widths))],
        inst.activation,
    )
    problem = Problem(zero, inst.loss, inst.data())
    return BenchInstance(
        family,
        inst.name,
        problem_to_dict(problem, name=inst.name),
        planted,
        inst.fails,
        {"widths": list(widths), "parameters": zero.num_parameters, "n": inst.n},
    )


def _theorem1_family(tier: str, rng: random.Random) -> list[BenchInstance]:
    builtin = [i for i in builtin_instances() if i.fails is None and not i.activation.is_linear]
    if tier == "tiny":
        chosen = [builtin[0]]
    elif tier == "quick":  # one per activation, smallest shape, plus two deeper ones
        chosen = [i for i in builtin if "depth2" in i.name and "huber" not in i.name]
        chosen += [i for i in builtin if i.name in ("relu-depth3-dy2", "abs-depth4-dy3")]
    else:
        chosen = list(builtin)
        squared = make_loss("squared")
        for n in (50, 100, 200, 500, 1000):  # the n sweep (n up to 1000)
            chosen.append(Instance(f"relu-depth2-n{n}", (2, 4, 1), relu(), squared, n, 1000 + n))
        for depth in (2, 3, 4, 5):  # the depth sweep at n = 30
            widths = (2, *([4] * (depth - 1)), 1)
            chosen.append(Instance(f"relu-depth{depth}-w4-n30", widths, relu(), squared, 30, depth))
        for k in range(FULL_THEOREM1_SEEDS):  # the built-in shapes on other data
            base = builtin[k % len(builtin)]
            seed = rng.randrange(10**6)
            chosen.append(
                Instance(
                    f"{base.name}-seed{seed}", base.widths, base.activation, base.loss, base.n, seed
                )
            )
    spurious = {"spurious_local_min": "proved", "local_min": "proved"}
    out = [_audit_instance("theorem1", i, spurious) for i in chosen]
    valley_count = {"tiny": 1, "quick": 2, "full": 50}[tier]
    for k in range(valley_count):
        act = (relu(), hardtanh(-1, 1))[k % 2]
        seed = rng.randrange(10**6)
        widths = (2, 3 + k % 3, 1)
        inst = Instance(
            f"valley-{act.name}-{k}", widths, act, make_loss("squared"), 10 + 5 * (k % 6), seed
        )
        out.append(_audit_instance("valley", inst, {"valley": "proved"}))
    return out


def _contrast_and_controls(tier: str, rng: random.Random) -> list[BenchInstance]:
    count = {"tiny": 1, "quick": 2, "full": 20}[tier]
    squared = make_loss("squared")
    out = []
    for k in range(count):
        widths = (2, 3 + k % 4, 3 + k % 4, 1)
        inst = Instance(
            f"linear-contrast-{k}",
            widths,
            linear(),
            squared,
            12 + 4 * (k % 4),
            rng.randrange(10**6),
        )
        out.append(
            _audit_instance(
                "linear_contrast",
                inst,
                {"global_min": "proved", "spurious_local_min": "not_proved"},
            )
        )
    controls = [i for i in builtin_instances() if i.fails is not None]
    for inst in controls[: max(1, count)]:
        out.append(_audit_instance("assumption_fails", inst, {"spurious_local_min": "not_proved"}))
    if tier != "tiny":
        for k in range(count - 1):
            inst = Instance(
                f"control-affine-{k}",
                (2, 4, 1),
                relu(),
                squared,
                8 + 4 * (k % 4),
                rng.randrange(10**6),
                fails="A1 no affine map fits the data",
                affine_labels=True,
            )
            out.append(
                _audit_instance("assumption_fails", inst, {"spurious_local_min": "not_proved"})
            )
    return out


# --- one hidden layer ------------------------------------------------------------------------


def _one_hidden(
    w: list[Fraction], b: list[Fraction], c: list[Fraction], d: Fraction, act: Activation
) -> Network:
    return Network.from_rationals([[[v] for v in w], [c]], [b, [d]], act)


def _small(rng: random.Random, low: int, high: int, den: int = 2) -> Fraction:
    return Fraction(rng.randint(low, high), den)


def _one_hidden_instance(
    family: str, name: str, problem: Problem, planted: dict[str, str]
) -> BenchInstance:
    net = problem.network
    size = {"widths": list(net.widths), "parameters": net.num_parameters, "n": problem.data.n}
    return BenchInstance(family, name, problem_to_dict(problem, name=name), planted, None, size)


def _cell_min_family(tier: str, rng: random.Random) -> list[BenchInstance]:
    from losscert.verifier.global_min import snap_to_cell_minimum

    count = {"tiny": 1, "quick": 3, "full": 10}[tier]
    out: list[BenchInstance] = []
    attempts = 0
    while len(out) < count and attempts < 20 * count:
        attempts += 1
        hidden = 1 + len(out) % 3
        n = 4 + 2 * len(out)
        act = (relu(), hardtanh(-1, 1))[attempts % 2]
        xs = sorted({_small(rng, -8, 8) for _ in range(3 * n)})[:n]
        if len(xs) < n:
            continue
        ys = [_small(rng, -4, 4) for _ in xs]
        net = _one_hidden(
            [_small(rng, -4, 4) or Fraction(1) for _ in range(hidden)],
            [_small(rng, -4, 4) for _ in range(hidden)],
            [_small(rng, 1, 4) * (1 if r % 2 == 0 else -1) for r in range(hidden)],
            Fraction(0),
            act,
        )
        data = Dataset.from_rows([[x] for x in xs], [[y] for y in ys])
        problem = Problem(net, make_loss("squared"), data)
        try:
            snapped = snap_to_cell_minimum(problem)
        except Exception:  # a point the search cannot snap is skipped: generation is search
            continue
        if snapped is None:
            continue
        name = f"cell-min-{act.name}-h{hidden}-n{n}-{len(out)}"
        out.append(
            _one_hidden_instance(
                "one_hidden_cell_min",
                name,
                problem.with_network(snapped),
                {"cell_global_min": "proved"},
            )
        )
    return out


def _global_family(tier: str, rng: random.Random) -> list[BenchInstance]:
    sizes = {
        "tiny": [(1, 4)],
        "quick": [(1, 4), (2, 4), (2, 6)],
        "full": [(1, 4), (2, 4), (2, 6), (2, 8), (3, 6), (3, 8)]
        + [(1 + k % 2, 4 + 2 * (k % 2)) for k in range(FULL_GLOBAL_SEEDS)],
    }[tier]
    out: list[BenchInstance] = []
    for index, (hidden, n) in enumerate(sizes):
        xs = [Fraction(k - n // 2) for k in range(n)]  # distinct integers
        teacher = _one_hidden(
            [Fraction(1) if r % 2 == 0 else Fraction(-1) for r in range(hidden)],
            [_small(rng, -3, 3) for _ in range(hidden)],
            [_small(rng, 1, 4) * (1 if r % 2 == 0 else -1) for r in range(hidden)],
            _small(rng, -2, 2),
            relu(),
        )
        labels = (
            Problem(
                teacher,
                make_loss("squared"),
                Dataset.from_rows([[x] for x in xs], [[0] for _ in xs]),
            )
            .trace()
            .output_rows()
        )
        if len({row[0] for row in labels}) < 2:
            continue  # constant labels: the zero network would be a global minimum too
        data = Dataset.from_rows([[x] for x in xs], labels)
        problem = Problem(teacher, make_loss("squared"), data)
        name = f"global-relu-h{hidden}-n{n}" + (f"-{index}" if index >= 6 else "")
        out.append(
            _one_hidden_instance(
                "one_hidden_global", f"{name}-teacher", problem, {"global_min": "proved"}
            )
        )
        zero = _one_hidden(
            [Fraction(0)] * hidden,
            [Fraction(0)] * hidden,
            [Fraction(0)] * hidden,
            Fraction(0),
            relu(),
        )
        out.append(
            _one_hidden_instance(
                "one_hidden_global",
                f"{name}-zero",
                problem.with_network(zero),
                {"global_min": "refuted"},
            )
        )
    return out


# --- the general engine (certify_local_min) ---------------------------------------------------


def _general_family(tier: str, rng: random.Random) -> list[BenchInstance]:
    count = {"tiny": 1, "quick": 2, "full": 130}[tier]
    squared = make_loss("squared")
    out: list[BenchInstance] = []
    for k in range(count):
        # c hardtanh(x) + d fits the four samples; the Jacobian has rank 4 whenever c != 0, so
        # the Hessian J^T J (2/n) is positive definite at this exact fit: a strict local minimum
        c = _small(rng, 1, 6) * rng.choice((1, -1))
        d = _small(rng, -4, 4)
        net = Network.from_rationals([[[1]], [[c]]], [[0], [d]], hardtanh(-1, 1))
        xs = [Fraction(-2), Fraction(0), Fraction(1, 2), Fraction(2)]
        ys = [c * max(Fraction(-1), min(Fraction(1), x)) + d for x in xs]
        data = Dataset.from_rows([[x] for x in xs], [[y] for y in ys])
        out.append(
            _one_hidden_instance(
                "general_engine",
                f"strict-min-{k}",
                Problem(net, squared, data),
                {"local_min": "proved"},
            )
        )
        # c (w x + b) + d at w = b = c = 0, d = mean(y): the w-c block of the Hessian is
        # [[0, g], [g, 0]] with g = -(2/n) sum (y_i - mean) x_i != 0: a saddle
        while True:
            ys = [_small(rng, -6, 6) for _ in range(4 + k % 8)]
            xs = [Fraction(i) for i in range(len(ys))]
            mean = sum(ys, Fraction(0)) / len(ys)
            if sum((y - mean) * x for x, y in zip(xs, ys, strict=True)) != 0:
                break
        net = Network.from_rationals([[[0]], [[0]]], [[0], [mean]], linear())
        data = Dataset.from_rows([[x] for x in xs], [[y] for y in ys])
        out.append(
            _one_hidden_instance(
                "general_engine",
                f"saddle-{k}",
                Problem(net, squared, data),
                {"local_min": "refuted"},
            )
        )
    out.append(_general_boundary_descent())
    if tier != "tiny":
        out.append(_general_boundary_minimum())
    return out


def _general_boundary_descent() -> BenchInstance:
    """examples/hardtanh_boundary.json: neuron 0 sits on hi = 1 at x = 1; the risk descends into
    one adjacent cell (its exact gradient there is non-zero)."""
    net = Network.from_rationals(
        [[[1], [Fraction(1, 2)]], [[2, -1]]],
        [[0, Fraction(1, 8)], [Fraction(1, 2)]],
        hardtanh(-1, 1),
    )
    xs = [Fraction(-1, 2), Fraction(0), Fraction(1), Fraction(3, 2)]
    data = Dataset.from_rows([[x] for x in xs], [[0], [1], [1], [0]])
    problem = Problem(net, make_loss("squared_half"), data)
    return _one_hidden_instance(
        "general_engine", "boundary-descent", problem, {"local_min": "refuted"}
    )


def _general_boundary_minimum() -> BenchInstance:
    """relu(x) on x = 0 is a tie and the labels are fitted exactly (R = 0): a minimum on every
    side, decided by the SMT rung."""
    net = Network.from_rationals([[[1]], [[1]]], [[0], [0]], relu())
    data = Dataset.from_rows([[0], [1], [2]], [[0], [1], [2]])
    problem = Problem(net, make_loss("squared"), data)
    return _one_hidden_instance(
        "general_engine", "boundary-minimum", problem, {"local_min": "proved"}
    )


# --- trained points ---------------------------------------------------------------------------

CLASSIFIERS = tuple(
    (table, (d_x, width, d_y))
    for table, d_x, d_y in (("classes1d", 1, 1), ("classes2d", 2, 3))
    for width in (1, 2, 4)
)
"""Classifier tables (logistic: classes1d; softmax cross-entropy: classes2d) and widths."""
TRAINED: dict[str, list[tuple[str, tuple[int, ...], int]]] = {
    "tiny": [("anscombe2", (1, 4, 1), 0)],
    "quick": [
        ("anscombe2", (1, 4, 1), 0),
        ("anscombe4", (1, 4, 1), 0),
        ("anscombe2", (1, 4, 4, 1), 0),
        ("kinked", (1, 4, 1), 3),
        ("kinked", (1, 4, 1), 0),  # a closed-cell minimum that descends: two hops
        ("kinked", (1, 2, 1, 1), 2),
        ("kinked", (1, 3, 3, 1), 1),  # two hidden layers
        ("classes1d", (1, 2, 1), 0),  # logistic (issue 13)
        ("classes1d", (1, 4, 1), 3),  # logistic, twins on one kink: the lifted box
        ("classes2d", (2, 1, 3), 0),  # softmax cross-entropy (issue 13)
    ],
    "full": [
        *(
            (table, widths, s)
            for table in ("anscombe1", "anscombe2", "anscombe3", "anscombe4", "kinked")
            for widths in ((1, 4, 1), (1, 4, 4, 1), (1, 2, 1, 1), (1, 3, 3, 1))
            for s in range(3)
        ),
        *((table, widths, s) for table, widths in CLASSIFIERS for s in range(3)),
    ],
}
"""(table, widths, training seed) per tier."""


def _trained_family(tier: str, seed: int) -> list[BenchInstance]:
    from losscert.bench.training import (
        anscombe,
        classes_1d,
        classes_2d,
        kinked,
        train_classifier,
        train_relu,
    )

    out = []
    for table, widths, start in TRAINED[tier]:
        planted = {"nearby_local_min": "unplanted", "local_min": "refuted"}
        if table.startswith("classes"):  # a classifier: no rational point is critical
            data = classes_1d if table == "classes1d" else classes_2d
            inputs, labels = data(seed=seed + start)
            loss = "logistic" if table == "classes1d" else "softmax_cross_entropy"
            net = train_classifier(widths, inputs, labels, loss, seed=seed + start)
            planted = {"nearby_local_min": "unplanted", "local_min": "unplanted"}
        else:
            inputs, labels = kinked() if table == "kinked" else anscombe(table)
            net = train_relu(widths, inputs, labels, seed=seed + start, steps=4000)
            loss = "squared"
        problem = Problem(net, make_loss(loss), Dataset.from_rows(inputs, labels))
        name = f"{table}-{'-'.join(map(str, widths))}-seed{seed + start}"
        out.append(_one_hidden_instance("trained", name, problem, planted))
    return out

"""Benchmark: `certify_local_min` rung by rung, against the parameter count P and the sample count n.

Every instance is planted from a seed (``numpy.random.default_rng``), with a one-hidden-layer
network (widths (d_X, w, 1), d_X = 2 by default, so P = w (d_X + 2) + 1) and the squared loss. Each
instance is built so that exactly one rung of the ladder should decide it:

(1) first order   ReLU, a random point with random labels: the gradient is not zero -> REFUTED;
(2) second order  hard-tanh(-1, 1), labels = the network's own outputs (risk 0), each neuron with
                  samples in all three pieces and a Jacobian of full column rank P (checked in
                  floats before the run; the ladder decides exactly) -> PROVED strict_local_min.
                  ReLU cannot give one: its rescaling (w_r, b_r, v_r) -> (c w_r, c b_r, v_r / c)
                  keeps R constant, so the Hessian is always singular. Needs n >= P;
(3) linear collapse  ReLU, random data, the Theorem 1 Stage 1 point: ``fit_affine`` (exact least
                  squares) and ``collapse_network`` -> PROVED local_min;
(4) SMT           ReLU, a flat minimum with non-zero risk: the ``_flat_minimum`` construction of
                  tests/integration/test_smt_rung.py for width w and n samples. The residuals lie
                  in the null space of J^T (J the output Jacobian), of the kind that spans it in
                  that test's instance: affine dependencies among inputs inside one activation
                  region. Here the inputs come in floor(n/3) collinear triples (x, x + d, x + 2 d),
                  each inside one region, with residuals eps k (1, -2, 1). The network is affine in
                  x on a region, so the residuals are orthogonal to every output and every output
                  derivative, at theta* and at every point of the cell: the gradient is zero, the
                  Hessian is (2/n) J^T J (singular, by the rescaling), and R >= R(theta*) on the
                  whole cell. No neuron is dead and at least one is active on some samples and
                  inactive on others, so the linear collapse does not apply -> PROVED by z3 AND
                  cvc5.

For each instance the script records the verdict, ``verdict.stats["method"]``, the wall time of
``certify_local_min(problem, SmtOptions(timeout=--timeout))`` (repeated with ``timing.measure``
when one run is under --repeat-below and makes no solver call) and its split over the ladder's
stages (timing wrappers set around the functions ``certify_local_min`` calls, for the duration of
one run), and, for the SMT rung, every call of ``solve_with_all`` with each solver's answer and
time. Side by side, on each SMT-rung instance, it sends the *plain* whole-network query to the same
two solvers with the same timeout: "is there a theta with |theta - theta*|_inf <= rho and
R(theta) < R(theta*)?", rho the radius of the ladder's last SMT try (the one it proved with, or
the smallest it tried), ReLU as ``ite``, no cell constraints, no simplification, in QF_NRA text written here; and the
*unsimplified* canonical query (spec 3.11, without the reductions of 3.11.1 that the ladder's
simplified query uses) at the same radius, to show what the simplification changes. Two pinned copies
(rho = 0, with ``<`` and with ``<=``) must be unsat and sat: they check that the plain text
computes R(theta*) exactly.

A verdict that contradicts the planted truth (REFUTED on a planted minimum, PROVED on a point with
a non-zero gradient) is a bug: the run writes the problem to --failures and prints its path.

Sizes: for each n in increasing order, widths in increasing order. Routes stop separately: a route
that took longer than --timeout or gave no answer at (n0, P0) is skipped at every (n, P) with
n >= n0 and P >= P0. The routes are each rung's ladder, and on the SMT instances "ours z3" and
"ours cvc5" (the simplified canonical query), "unsimplified z3" and "unsimplified cvc5", and
"plain z3" and "plain cvc5". Once the ladder has stopped on
the SMT instances, its first query (the canonical text at the box radius, asserted equal to what
the ladder sent) goes alone to the solvers that have not stopped on it, next to the plain query at
the same radius; the two run side by side when their solver processes fit the cores. Once one
solver has stopped on a route, the other is called alone, through the same backend adapter that
``solve_with_all`` uses. Run from the repository root::

    python benchmarks/bench_certify.py                 # n 10, 100, 1000; P 5..81; ~14 min
    python benchmarks/bench_certify.py --quick         # n 10, 100; P 5..17; timeout 10 s
    python benchmarks/bench_certify.py --json out.json --smt-dir /tmp/queries
    python benchmarks/bench_certify.py --deep-flat --n 10   # flat minima without solvers, ~10 s

``--deep-flat`` runs only the flat minima of the SMT rung at depth 3 (``deep_flat_instance``,
P = 30, 58, 105) and one hidden layer (P = 81, 161) through the ladder as it is (the lifted
gradient), side by side with the ladder before it (``SmtOptions(lifted=False)``; at depth 3 the
SMT rung, run only with ``--deep-flat-smt-budget`` seconds per instance).

This is a benchmark, not a test. It imports no solver: SMT text goes to
``losscert.backends.smt.solve_with_all``, which runs each solver in its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import itertools
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from timing import add_run_options, machine, measure, run_date, write_json
from timing import fmt_seconds as _fmt_seconds

import losscert.verifier.candidate as candidate
import losscert.verifier.descent as descent_module
import losscert.verifier.smt_route as smt_route
from losscert.backends.smt import ADAPTERS, SmtAnswer, solve_with_all
from losscert.checker.problem import read_problem as checker_problem
from losscert.checker.smt_query import no_lower_point_query
from losscert.encodings.box import box_radius
from losscert.encodings.cells import locate_cell
from losscert.io import write_problem
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss, relu
from losscert.theorems.collapse import choose_collapse, collapse_network
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.certificate import problem_section
from losscert.verifier.regression import fit_affine

RUNGS = ("first order", "second order", "linear collapse", "SMT")
EXPECTED = {
    # rung: (status, certificate claim, method fragment)
    "first order": (Status.REFUTED, "not_local_min", "first order"),
    "second order": (Status.PROVED, "strict_local_min", "second order"),
    "linear collapse": (Status.PROVED, "local_min", "linear collapse"),
    "SMT": (Status.PROVED, "local_min", "SMT"),
}
MAX_DRAWS = 400


class PlantingError(RuntimeError):
    """No draw within MAX_DRAWS gave an instance with the planted property."""


PROBES = 16


def fr(value: Any, den: int) -> Fraction:
    return Fraction(int(value), den)


# --- planted instances ------------------------------------------------------------------------


@dataclass
class Instance:
    rung: str
    problem: Problem
    width: int
    n: int
    draws: int  # how many draws the planting needed
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> int:
        return self.problem.network.num_parameters


def _rng(seed: int, rung: str, width: int, n: int) -> np.random.Generator:
    return np.random.default_rng([seed, RUNGS.index(rung), width, n])


def _random_layer1(
    rng: np.random.Generator, width: int, d_x: int, den: int
) -> tuple[list[list[Fraction]], list[Fraction]]:
    """Rows with entries in [-1, 1] (no zero row), biases in [-1/2, 1/2]; all over den."""
    rows = []
    for _ in range(width):
        row = [0] * d_x
        while not any(row):
            row = [int(v) for v in rng.integers(-den, den, size=d_x, endpoint=True)]
        rows.append([fr(v, den) for v in row])
    bias = [fr(v, den) for v in rng.integers(-den // 2, den // 2, size=width, endpoint=True)]
    return rows, bias


def _nonzero(rng: np.random.Generator, size: int, den: int) -> list[Fraction]:
    """Entries in [-1, 1] \\ {0} over den."""
    out = []
    for _ in range(size):
        v = 0
        while v == 0:
            v = int(rng.integers(-den, den, endpoint=True))
        out.append(fr(v, den))
    return out


def _inputs(
    rng: np.random.Generator,
    n: int,
    d_x: int,
    den: int,
    layer1: tuple[list[list[Fraction]], list[Fraction]] | None = None,
    breakpoints: Sequence[Fraction] = (),
) -> list[list[Fraction]]:
    """n inputs in [-2, 2]^d_x over den; with ``layer1``, each redrawn until none of its
    pre-activations sits on a breakpoint (no tie)."""
    out: list[list[Fraction]] = []
    while len(out) < n:
        x = [fr(v, den) for v in rng.integers(-2 * den, 2 * den, size=d_x, endpoint=True)]
        if layer1 is None or all(
            _pre(row, b, x) not in breakpoints for row, b in zip(*layer1, strict=True)
        ):
            out.append(x)
    return out


def _pre(row: list[Fraction], bias: Fraction, x: list[Fraction]) -> Fraction:
    return bias + sum((w * v for w, v in zip(row, x, strict=True)), Fraction(0))


def _problem(
    network: Network, inputs: list[list[Fraction]], labels: list[list[Fraction]]
) -> Problem:
    return Problem(network, make_loss("squared"), Dataset.from_rows(inputs, labels))


def _outputs(network: Network, inputs: list[list[Fraction]]) -> list[list[Fraction]]:
    blank = _problem(network, inputs, [[Fraction(0)]] * len(inputs))
    return blank.trace().output_rows()


def first_order_instance(width: int, n: int, d_x: int, den: int, seed: int) -> Instance:
    """ReLU at a random point, random labels in [-1, 1]: expected REFUTED at first order."""
    rng = _rng(seed, "first order", width, n)
    for draw in range(1, MAX_DRAWS + 1):
        w1, b1 = _random_layer1(rng, width, d_x, den)
        net = Network.from_rationals([w1, [_nonzero(rng, width, den)]], [b1, [fr(0, den)]], relu())
        inputs = _inputs(rng, n, d_x, den, (w1, b1), relu().breakpoints)
        labels = [[fr(v, den)] for v in rng.integers(-den, den, size=n, endpoint=True)]
        problem = _problem(net, inputs, labels)
        if not locate_cell(problem).on_boundary:
            return Instance("first order", problem, width, n, draw)
    raise PlantingError("first order: every draw put a pre-activation on 0")


def _hardtanh_jacobian(
    w1: list[list[Fraction]], b1: list[Fraction], v: list[Fraction], inputs: list[list[Fraction]]
) -> np.ndarray:
    """The float output Jacobian (n x P) in parameter-vector order: W1 rows, b1, W2, b2."""
    rows = []
    for x in inputs:
        dw, db, dv = [], [], []
        for row, b, vr in zip(w1, b1, v, strict=True):
            z = float(_pre(row, b, x))
            inside = 1.0 if -1 < z < 1 else 0.0
            dw.extend(float(vr) * inside * float(c) for c in x)
            db.append(float(vr) * inside)
            dv.append(max(-1.0, min(1.0, z)))
        rows.append([*dw, *db, *dv, 1.0])
    return np.array(rows)


def _hardtanh_piece(z: Fraction) -> int | None:
    """0, 1, 2 for z < -1, -1 < z < 1, z > 1; None on a breakpoint."""
    if z in (-1, 1):
        return None
    return 0 if z < -1 else (1 if z < 1 else 2)


def strict_instance(width: int, n: int, d_x: int, den: int, seed: int) -> Instance:
    """hard-tanh(-1, 1), labels = outputs (risk 0), every neuron with samples in its three pieces
    and a Jacobian of full column rank: H = (2/n) J^T J is positive definite."""
    rng = _rng(seed, "second order", width, n)
    act = hardtanh(-1, 1)
    for draw in range(1, MAX_DRAWS + 1):
        w1, b1 = _random_layer1(rng, width, d_x, den)
        # rescale each row so that its pre-activations span about [-3, 3] on the input box
        w1 = [[3 * c / (2 * sum(abs(e) for e in row)) for c in row] for row in w1]
        v = _nonzero(rng, width, den)
        inputs = _inputs(rng, n, d_x, den, (w1, b1), act.breakpoints)
        pieces_ok = all(
            {_hardtanh_piece(_pre(row, b, x)) for x in inputs} == {0, 1, 2}
            for row, b in zip(w1, b1, strict=True)
        )
        if not pieces_ok:
            continue
        jac = _hardtanh_jacobian(w1, b1, v, inputs)
        size = width * (d_x + 2) + 1
        if np.linalg.matrix_rank(jac) < size:
            continue
        net = Network.from_rationals([w1, [v]], [b1, [fr(1, 2 * den)]], act)
        problem = _problem(net, inputs, _outputs(net, inputs))
        if not locate_cell(problem).on_boundary:
            sv = np.linalg.svd(jac, compute_uv=False)
            return Instance(
                "second order",
                problem,
                width,
                n,
                draw,
                {"jacobian_cond": float(sv[0] / sv[-1])},
            )
    raise PlantingError(f"second order: no full-rank hard-tanh draw for w = {width}, n = {n}")


def collapse_instance(width: int, n: int, d_x: int, den: int, seed: int) -> Instance:
    """ReLU, random data, the Stage 1 point of Theorem 1 on the exact least-squares fit."""
    rng = _rng(seed, "linear collapse", width, n)
    inputs = _inputs(rng, n, d_x, den)
    labels = [[fr(v, den)] for v in rng.integers(-den, den, size=n, endpoint=True)]
    data = Dataset.from_rows(inputs, labels)
    loss = make_loss("squared")
    fit = fit_affine(data, loss)
    choice = choose_collapse(relu(), fit)
    net = collapse_network((d_x, width, 1), relu(), fit, choice)
    problem = Problem(net, loss, data)
    assert problem.trace().output_rows() == fit.predictions, "the collapse does not compute u"
    return Instance(
        "linear collapse", problem, width, n, 1, {"c": str(choice.c), "alpha": str(choice.alpha)}
    )


def flat_instance(width: int, n: int, d_x: int, den: int, seed: int) -> Instance:
    """ReLU, a flat minimum with risk > 0 (see the module docstring, rung 4)."""
    rng = _rng(seed, "SMT", width, n)
    eps = Fraction(1, den)
    for draw in range(1, MAX_DRAWS + 1):
        w1, b1 = _random_layer1(rng, width, d_x, den)
        v = _nonzero(rng, width, den)

        def pattern(
            x: list[Fraction], w1: list[list[Fraction]] = w1, b1: list[Fraction] = b1
        ) -> tuple[bool, ...] | None:
            zs = [_pre(row, b, x) for row, b in zip(w1, b1, strict=True)]
            return None if any(z == 0 for z in zs) else tuple(z > 0 for z in zs)

        inputs: list[list[Fraction]] = []
        noise: list[Fraction] = []
        patterns = []
        for _ in range(n // 3):
            for _ in range(MAX_DRAWS):
                x = [fr(c, den) for c in rng.integers(-2 * den, 2 * den, size=d_x, endpoint=True)]
                step = [0] * d_x
                while not any(step):
                    step = [int(c) for c in rng.integers(-2, 2, size=d_x, endpoint=True)]
                triple = [
                    [c + k * fr(s, den) for c, s in zip(x, step, strict=True)] for k in range(3)
                ]
                ends = pattern(triple[0]), pattern(triple[2])
                if ends[0] is not None and ends[0] == ends[1]:
                    break
            else:
                raise PlantingError("SMT: no triple inside one activation region")
            k = int(rng.choice([-2, -1, 1, 2]))
            inputs += triple
            noise += [eps * k, -2 * eps * k, eps * k]
            patterns.append(ends[0])
        while len(inputs) < n:
            x = [fr(c, den) for c in rng.integers(-2 * den, 2 * den, size=d_x, endpoint=True)]
            p = pattern(x)
            if p is not None:
                inputs.append(x)
                noise.append(Fraction(0))
                patterns.append(p)
        mixed = sum(len({p[r] for p in patterns}) == 2 for r in range(width))
        dead = sum(not any(p[r] for p in patterns) for r in range(width))
        if mixed == 0 or dead > 0:
            continue
        net = Network.from_rationals([w1, [v]], [b1, [fr(1, 2 * den)]], relu())
        outputs = _outputs(net, inputs)
        labels = [[f[0] - e] for f, e in zip(outputs, noise, strict=True)]
        problem = _problem(net, inputs, labels)
        assert not locate_cell(problem).on_boundary
        return Instance("SMT", problem, width, n, draw, {"triples": n // 3, "mixed_neurons": mixed})
    raise PlantingError(f"SMT: no draw with a mixed neuron and none dead, w = {width}, n = {n}")


def deep_flat_instance(hidden: Sequence[int], n: int, d_x: int, den: int, seed: int) -> Instance:
    """ReLU, widths (d_x, *hidden, 1): the flat minimum of :func:`flat_instance` at any depth.

    Collinear triples (x, x + d, x + 2 d) whose two ends have the same pattern in every hidden
    layer (then the whole segment has it: layer 1's region is convex, and with layer 1's pattern
    fixed layer 2's pre-activations are affine along the segment, and so on), residuals
    eps k (1, -2, 1) on each triple and 0 on the other samples. No hidden neuron is dead and one
    at least is mixed, so neither collapse applies; the kernel of J^T J is far larger than the
    rescaling symmetry, so the Hessian test cannot prove it either."""
    rng = np.random.default_rng([seed, 7, *hidden, n])
    eps = Fraction(1, den)
    widths = (d_x, *hidden, 1)
    for draw in range(1, MAX_DRAWS + 1):
        weights, biases = [], []
        for j in range(1, len(widths) - 1):
            w, b = _random_layer1(rng, widths[j], widths[j - 1], den)
            weights.append(w)
            biases.append([v + Fraction(1, 2) if j > 1 else v for v in b])  # fewer dead neurons
        weights.append([_nonzero(rng, widths[-2], den)])
        biases.append([fr(1, 2 * den)])

        def pattern(
            x: list[Fraction], weights: list[Any] = weights, biases: list[Any] = biases
        ) -> tuple[bool, ...] | None:
            out: list[bool] = []
            a = x
            for w, b in zip(weights[:-1], biases[:-1], strict=True):
                zs = [_pre(row, bias, a) for row, bias in zip(w, b, strict=True)]
                if any(z == 0 for z in zs):
                    return None
                out += [z > 0 for z in zs]
                a = [max(z, Fraction(0)) for z in zs]
            return tuple(out)

        inputs: list[list[Fraction]] = []
        noise: list[Fraction] = []
        patterns = []
        for _ in range(n // 3):
            for _ in range(MAX_DRAWS):
                x = [fr(c, den) for c in rng.integers(-2 * den, 2 * den, size=d_x, endpoint=True)]
                step = [0] * d_x
                while not any(step):
                    step = [int(c) for c in rng.integers(-2, 2, size=d_x, endpoint=True)]
                triple = [
                    [c + k * fr(s, den) for c, s in zip(x, step, strict=True)] for k in range(3)
                ]
                ends = pattern(triple[0]), pattern(triple[2])
                if ends[0] is not None and ends[0] == ends[1]:
                    break
            else:
                raise PlantingError("deep flat: no triple inside one activation region")
            k = int(rng.choice([-2, -1, 1, 2]))
            inputs += triple
            noise += [eps * k, -2 * eps * k, eps * k]
            patterns.append(ends[0])
        while len(inputs) < n:
            x = [fr(c, den) for c in rng.integers(-2 * den, 2 * den, size=d_x, endpoint=True)]
            p = pattern(x)
            if p is not None:
                inputs.append(x)
                noise.append(Fraction(0))
                patterns.append(p)
        neurons = sum(hidden)
        mixed = sum(len({p[r] for p in patterns}) == 2 for r in range(neurons))
        dead = sum(not any(p[r] for p in patterns) for r in range(neurons))
        if mixed == 0 or dead > 0:
            continue
        net = Network.from_rationals(weights, biases, relu())
        outputs = _outputs(net, inputs)
        labels = [[f[0] - e] for f, e in zip(outputs, noise, strict=True)]
        problem = _problem(net, inputs, labels)
        assert not locate_cell(problem).on_boundary
        return Instance(
            "SMT", problem, hidden[0], n, draw, {"hidden": list(hidden), "mixed_neurons": mixed}
        )
    raise PlantingError(f"deep flat: no draw with a mixed neuron and none dead, {widths}, n {n}")


BUILDERS: dict[str, Callable[[int, int, int, int, int], Instance]] = {
    "first order": first_order_instance,
    "second order": strict_instance,
    "linear collapse": collapse_instance,
    "SMT": flat_instance,
}


def feasible(rung: str, width: int, n: int, d_x: int) -> str | None:
    """Why a (rung, size) cannot be planted, or None."""
    size = width * (d_x + 2) + 1
    if rung == "second order" and n < size:
        return f"n < P ({n} < {size}): a zero-risk strict minimum needs rank J = P <= n"
    if rung == "SMT" and n < 4:
        return "needs a triple and one more sample"
    return None


# --- instrumented ladder ----------------------------------------------------------------------


@dataclass
class Recorder:
    stages: dict[str, float] = field(default_factory=dict)
    smt_calls: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@contextlib.contextmanager
def instrumented(recorder: Recorder) -> Iterator[None]:
    """Timing wrappers around the functions certify_local_min calls (module globals)."""
    originals: list[tuple[Any, str, Any]] = []

    def wrap(module: Any, name: str, stage: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                recorder.stages[stage] = recorder.stages.get(stage, 0.0) + (
                    time.perf_counter() - t0
                )

        originals.append((module, name, original))
        setattr(module, name, timed)

    def solve(text: str, timeout: float) -> dict[str, SmtAnswer]:
        t0 = time.perf_counter()
        answers = original_solve(text, timeout)
        recorder.smt_calls.append(
            {
                "wall_s": time.perf_counter() - t0,
                "bytes": len(text),
                "answers": {
                    name: {"status": a.status, "seconds": a.seconds, "reason": a.reason}
                    for name, a in answers.items()
                },
            }
        )
        recorder.texts.append(text)
        return answers

    wrap(candidate, "locate_cell", "cell")
    wrap(candidate, "risk_gradient", "gradient")
    wrap(candidate, "_second_order", "second order")
    wrap(candidate, "_linear_collapse", "linear collapse")
    wrap(candidate, "smt_local_min", "SMT")
    wrap(candidate, "descent_verdict", "descent")  # also called inside "second order"
    for module in (candidate, descent_module, smt_route):  # inside the stages above
        wrap(module, "certified", "checker")
    original_solve = smt_route.solve_with_all
    originals.append((smt_route, "solve_with_all", original_solve))
    smt_route.solve_with_all = solve
    try:
        yield
    finally:
        for module, name, original in reversed(originals):
            setattr(module, name, original)


def certify(problem: Problem, timeout: float, *, convex: bool = False) -> Any:
    """``certify_local_min`` with a solver timeout per query (SmtOptions, or the older keyword).

    ``convex`` False (the default) skips the one-hidden-layer convex-program route where the
    ladder has it, so that this benchmark keeps measuring the SMT rung on its flat minima;
    :func:`run_ladder` times the convex route beside it."""
    if "options" in inspect.signature(certify_local_min).parameters:
        extra = {"convex": convex} if "convex" in smt_route.SmtOptions.__dataclass_fields__ else {}
        return certify_local_min(problem, smt_route.SmtOptions(timeout=timeout, **extra))
    return certify_local_min(problem, timeout=timeout)  # type: ignore[call-arg]


def run_ladder(instance: Instance, args: argparse.Namespace) -> dict[str, Any]:
    problem = instance.problem
    recorder = Recorder()
    with instrumented(recorder):
        t0 = time.perf_counter()
        verdict = certify(problem, args.timeout)
        wall = time.perf_counter() - t0
    smt_step = next(
        (
            s
            for s in (verdict.certificate or {}).get("evidence", [])
            if s.get("kind") == "smt_no_lower_point"
        ),
        None,
    )
    tried = re.findall(r"radius ([-0-9/]+):", verdict.detail)
    record: dict[str, Any] = {
        "smt_radius": smt_step["radius"] if smt_step else (tried[-1] if tried else None),
        "status": verdict.status.value,
        "claim": (verdict.certificate or {}).get("claim", {}).get("kind"),
        "method": verdict.stats.get("method", ""),
        "reason": verdict.reason,
        "detail": verdict.detail[:400],
        "wall_s": wall,
        "stages": recorder.stages,
        "smt_calls": recorder.smt_calls,
    }
    record["smt_texts"] = recorder.texts
    if recorder.smt_calls and args.smt_dir:
        base = Path(args.smt_dir) / f"n{instance.n}_w{instance.width}"
        base.mkdir(parents=True, exist_ok=True)
        for k, text in enumerate(recorder.texts):
            (base / f"ours.{k}.smt2").write_text(text, encoding="utf-8")
    if verdict.status is not Status.UNKNOWN and not recorder.smt_calls and wall < args.repeat_below:
        timing = measure(lambda: certify(problem, args.timeout), args.repeats, args.min_time)
        record["timing"] = timing
    record["check"] = check_verdict(instance, verdict)
    if instance.rung == "SMT" and "convex" in smt_route.SmtOptions.__dataclass_fields__:
        t0 = time.perf_counter()  # the same point through the convex route (no solver)
        convex = certify(problem, args.timeout, convex=True)
        record["convex"] = {
            "status": convex.status.value,
            "method": convex.stats.get("method", ""),
            "wall_s": time.perf_counter() - t0,
        }
    return record


def check_verdict(instance: Instance, verdict: Any) -> dict[str, Any]:
    """Compare with the planted truth; exact probes of the certificate's box or direction."""
    problem = instance.problem
    status, claim, method = EXPECTED[instance.rung]
    certificate = verdict.certificate or {}
    out: dict[str, Any] = {"as_planted": False, "wrong": False}
    if verdict.status is Status.UNKNOWN:
        return out
    wrong = verdict.status is not status  # REFUTED a minimum, or PROVED a descent point
    out["wrong"] = wrong
    out["as_planted"] = (
        not wrong
        and certificate.get("claim", {}).get("kind") == claim
        and method in verdict.stats.get("method", "")
    )
    base = problem.network.parameter_vector()
    risk = problem.risk()
    rng = np.random.default_rng(len(base))

    def risk_at(point: list[Fraction]) -> Fraction:
        return problem.with_network(problem.network.with_parameters(point)).risk()

    if verdict.status is Status.REFUTED:
        step = certificate["evidence"][0]
        direction = [Fraction(d) for d in step["direction"]]
        lower = any(
            risk_at([b + Fraction(1, 2**k) * d for b, d in zip(base, direction, strict=True)])
            < risk
            for k in range(4, 60, 4)
        )
        out["probe"] = "a step along the direction is lower" if lower else "NO LOWER STEP FOUND"
        out["wrong"] = wrong or not lower
        return out
    radius = next(
        (
            Fraction(s["radius"])
            for s in reversed(certificate.get("evidence", []))
            if s.get("kind") in ("smt_no_lower_point", "box_in_cell")
        ),
        Fraction(1, 2**12),
    )
    lower = 0
    for _ in range(PROBES):
        steps = rng.integers(-4, 4, size=len(base), endpoint=True)
        point = [b + radius * Fraction(int(s), 4) for b, s in zip(base, steps, strict=True)]
        r = risk_at(point)
        if r < risk or (claim == "strict_local_min" and r == risk and any(steps)):
            lower += 1
    out["probe"] = f"{PROBES} exact points in the box of radius {radius}: {lower} lower"
    out["wrong"] = wrong or lower > 0
    return out


# --- the plain whole-network query ------------------------------------------------------------


def smt_rational(value: Fraction) -> str:
    num = f"(- {-value.numerator})" if value.numerator < 0 else str(value.numerator)
    return num if value.denominator == 1 else f"(/ {num} {value.denominator})"


def _activation_term(act: Any, z: str) -> str:
    """The activation as nested ``ite`` over its pieces (ReLU: (ite (<= z 0) 0 z))."""

    def piece(k: int) -> str:
        s, t = act.slopes[k], act.intercepts[k]
        if s == 0:
            return smt_rational(t)
        body = z if s == 1 else f"(* {smt_rational(s)} {z})"
        return body if t == 0 else f"(+ {body} {smt_rational(t)})"

    term = piece(act.num_pieces - 1)
    for k in range(act.num_pieces - 2, -1, -1):
        term = f"(ite (<= {z} {smt_rational(act.breakpoints[k])}) {piece(k)} {term})"
    return term


def plain_query(problem: Problem, radius: Fraction, relation: str = "<") -> str:
    """exists p with |p - theta*|_inf <= radius and n R(p) {relation} n R(theta*): the whole
    network per sample, the activation as ite, no cell constraints, no simplification."""
    net = problem.network
    point = net.parameter_vector()
    names = [f"p{a}" for a in range(len(point))]
    lines = ["(set-logic QF_NRA)"]
    lines += [f"(declare-fun {p} () Real)" for p in names]
    lines += [
        f"(assert (<= {smt_rational(v - radius)} {p} {smt_rational(v + radius)}))"
        for p, v in zip(names, point, strict=True)
    ]
    layers = []  # per layer: (rows of weight names, bias names)
    pos = 0
    for d_in, d_out in itertools.pairwise(net.widths):
        w = [names[pos + r * d_in : pos + (r + 1) * d_in] for r in range(d_out)]
        pos += d_in * d_out
        layers.append((w, names[pos : pos + d_out]))
        pos += d_out
    residuals = []
    for i, (x, y) in enumerate(
        zip(problem.data.input_rows(), problem.data.label_rows(), strict=True)
    ):
        a = [smt_rational(v) for v in x]
        for j, (w, b) in enumerate(layers):
            z = [
                f"(+ {bn} {' '.join(f'(* {wn} {an})' for wn, an in zip(row, a, strict=True))})"
                for row, bn in zip(w, b, strict=True)
            ]
            if j == len(layers) - 1:
                residuals += [f"(- {zk} {smt_rational(yk)})" for zk, yk in zip(z, y, strict=True)]
                break
            a = []
            for r, zr in enumerate(z):
                zname, hname = f"z{i}_{j + 1}_{r}", f"h{i}_{j + 1}_{r}"
                lines.append(f"(define-fun {zname} () Real {zr})")
                lines.append(
                    f"(define-fun {hname} () Real {_activation_term(net.activation, zname)})"
                )
                a.append(hname)
    bound = problem.risk() * problem.data.n
    squares = " ".join(f"(* {r} {r})" for r in residuals)
    lines.append(f"(assert ({relation} (+ 0 {squares}) {smt_rational(bound)}))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"


def _answers(answers: dict[str, SmtAnswer]) -> dict[str, Any]:
    return {
        name: {"status": a.status, "seconds": a.seconds, "reason": a.reason}
        for name, a in answers.items()
    }


def solve_live(text: str, timeout: float, solvers: Sequence[str]) -> dict[str, SmtAnswer]:
    """``solve_with_all`` when every solver is still live on the plain route; once one has
    stopped, the other one alone, through the same backend adapter that solve_with_all uses."""
    if set(solvers) == set(ADAPTERS):
        return solve_with_all(text, timeout)
    return {name: ADAPTERS[name]().solve_smtlib(text, timeout) for name in solvers}


def check_plain_encoding(
    instance: Instance, args: argparse.Namespace, solvers: Sequence[str]
) -> dict[str, Any]:
    """The plain text pinned at theta* (rho = 0): '<' must be unsat and '<=' sat."""
    pinned = {}
    for relation, expected in (("<", "unsat"), ("<=", "sat")):
        text = plain_query(instance.problem, Fraction(0), relation)
        answers = solve_live(text, args.timeout, solvers)
        pinned[relation] = {n: a.status for n, a in answers.items()}
        bad = [n for n, a in answers.items() if a.status not in (expected, "unknown")]
        if bad:
            raise AssertionError(
                f"plain encoding: at theta* with {relation!r}, {bad} did not answer {expected}"
            )
    return pinned


def run_queries(
    jobs: dict[str, tuple[str, list[str]]], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """{label: record} for each (text, solvers) job. The jobs run side by side when their solver
    processes together fit the cores (as z3 and cvc5 do inside solve_with_all), else in turn."""

    def one(text: str, solvers: list[str]) -> dict[str, Any]:
        t0 = time.perf_counter()
        answers = solve_live(text, args.timeout, solvers)
        return {
            "bytes": len(text),
            "wall_s": time.perf_counter() - t0,
            "answers": _answers(answers),
            "raw": answers,
        }

    processes = sum(len(solvers) for _, solvers in jobs.values())
    if len(jobs) > 1 and processes <= (os.cpu_count() or 1):
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {label: pool.submit(one, *job) for label, job in jobs.items()}
            out = {label: future.result() for label, future in futures.items()}
        for record in out.values():
            record["concurrent"] = True
        return out
    return {label: one(*job) for label, job in jobs.items()}


def _replay(instance: Instance, answers: dict[str, SmtAnswer]) -> list[dict[str, Any]]:
    """A sat answer on a planted minimum: its model's point, replayed exactly."""
    problem = instance.problem
    replays = []
    for a in answers.values():
        values = dict(a.model)
        if a.status == "sat" and all(f"p{k}" in values for k in range(instance.parameters)):
            point = [Fraction(values[f"p{k}"]) for k in range(instance.parameters)]
            r = problem.with_network(problem.network.with_parameters(point)).risk()
            replays.append({"solver": a.solver, "risk": str(r), "lower": r < problem.risk()})
    return replays


# --- the sweep --------------------------------------------------------------------------------


def _failed(record: dict[str, Any], timeout: float) -> bool:
    return record["status"] == "unknown" or record["wall_s"] > timeout


def _solver_failed(answer: dict[str, Any], timeout: float) -> bool:
    return answer["status"] not in ("sat", "unsat") or answer["seconds"] > timeout


def _dump_failure(instance: Instance, args: argparse.Namespace, why: str) -> str:
    folder = Path(args.failures)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{instance.rung.replace(' ', '_')}_n{instance.n}_w{instance.width}.json"
    write_problem(instance.problem, path, name=f"bench_certify {instance.rung}")
    print(f"!!! WRONG VERDICT ({why}); problem written to {path}", file=sys.stderr)
    return str(path)


class Sweep:
    """Which route stopped where: a route is skipped at (n, w) once it stopped at some
    (n0, w0) with n0 <= n and w0 <= w."""

    def __init__(self) -> None:
        self.stops: dict[str, list[tuple[int, int]]] = {}

    def stop(self, route: str, n: int, w: int) -> None:
        self.stops.setdefault(route, []).append((n, w))

    def skipped(self, route: str, n: int, w: int) -> bool:
        return any(n >= n0 and w >= w0 for n0, w0 in self.stops.get(route, []))


def canonical_query(problem: Problem, radius: Fraction, *, simplified: bool = True) -> str:
    """The SMT rung's own query at ``radius`` (what the ladder sends on its first try: the
    simplified one, spec 3.11.1), or with ``simplified=False`` the unsimplified canonical query."""
    cell = locate_cell(problem)
    pattern = [[list(neuron) for neuron in layer] for layer in cell.pattern().pieces]
    return no_lower_point_query(
        checker_problem(problem_section(problem), Path(".")),
        pattern,
        radius,
        simplified=simplified,
    )


def query_size(text: str) -> dict[str, int]:
    """Bytes, declared real variables and assertions of an SMT-LIB text."""
    return {
        "bytes": len(text),
        "variables": text.count("(declare-fun "),
        "assertions": text.count("(assert "),
    }


def run_smt_size(
    instance: Instance, args: argparse.Namespace, sweep: Sweep, row: dict[str, Any]
) -> None:
    """The ladder (while it has not stopped), else the canonical query alone to the solvers that
    have not stopped on it; then the plain query to the solvers that have not stopped on it."""
    n, w = instance.n, instance.width
    problem = instance.problem
    rho = box_radius(problem)
    assert rho is not None
    ours_answers: dict[str, Any] = {}
    jobs: dict[str, tuple[str, list[str]]] = {}
    if not sweep.skipped("ladder", n, w):
        ours = run_ladder(instance, args)
        row["ours"] = ours
        texts = ours.pop("smt_texts")
        if texts:
            assert texts[0] == canonical_query(problem, rho), "not the ladder's first query"
            ours_answers = ours["smt_calls"][-1]["answers"]
        if _failed(ours, args.timeout):
            sweep.stop("ladder", n, w)
        radius = _last_radius(ours, instance)
    else:
        radius = rho
        live = [name for name in ADAPTERS if not sweep.skipped(f"ours {name}", n, w)]
        if live:
            jobs["canonical"] = (canonical_query(problem, radius), live)
    live = [name for name in ADAPTERS if not sweep.skipped(f"unsimplified {name}", n, w)]
    if live:
        jobs["unsimplified"] = (canonical_query(problem, radius, simplified=False), live)
    live = [name for name in ADAPTERS if not sweep.skipped(f"plain {name}", n, w)]
    if live:
        pinned = check_plain_encoding(instance, args, live)
        jobs["plain"] = (plain_query(problem, radius), live)
    row["sizes"] = {
        "ours": query_size(canonical_query(problem, radius)),
        "unsimplified": query_size(canonical_query(problem, radius, simplified=False)),
        "plain": query_size(plain_query(problem, radius)),
    }
    if args.smt_dir:
        base = Path(args.smt_dir) / f"n{n}_w{w}"
        base.mkdir(parents=True, exist_ok=True)
        for label, (text, _) in jobs.items():
            (base / f"{label}.smt2").write_text(text, encoding="utf-8")
    results = run_queries(jobs, args)
    for label, record in results.items():
        raw = record.pop("raw")
        record["radius"] = str(radius)
        record["replays"] = _replay(instance, raw)
        if any(r["lower"] for r in record["replays"]):
            row["failure_file"] = _dump_failure(instance, args, f"the {label} query found lower")
        row[label] = record
    if "canonical" in results:
        ours_answers = results["canonical"]["answers"]
    for name, answer in ours_answers.items():
        if _solver_failed(answer, args.timeout):
            sweep.stop(f"ours {name}", n, w)
    if "unsimplified" in results:
        for name, answer in row["unsimplified"]["answers"].items():
            if _solver_failed(answer, args.timeout):
                sweep.stop(f"unsimplified {name}", n, w)
        row["ratios_unsimplified"] = _ratios(ours_answers, row["unsimplified"]["answers"])
    if "plain" in results:
        row["plain"]["pinned"] = pinned
        for name, answer in row["plain"]["answers"].items():
            if _solver_failed(answer, args.timeout):
                sweep.stop(f"plain {name}", n, w)
        row["ratios"] = _ratios(ours_answers, row["plain"]["answers"])


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    sweep = Sweep()
    started = time.perf_counter()

    def smt_done(n: int, w: int) -> bool:
        return all(
            sweep.skipped(route, n, w)
            for route in [
                "ladder",
                *(f"{k} {name}" for k in ("ours", "unsimplified", "plain") for name in ADAPTERS),
            ]
        )

    for n in args.n:
        for rung in args.rungs:
            for w in args.widths:
                size = w * (args.inputs + 2) + 1
                row: dict[str, Any] = {"rung": rung, "n": n, "width": w, "P": size}
                why = feasible(rung, w, n, args.inputs)
                if why is not None:
                    rows.append({**row, "skipped": why})
                    continue
                if (rung == "SMT" and smt_done(n, w)) or (
                    rung != "SMT" and sweep.skipped(rung, n, w)
                ):
                    rows.append({**row, "skipped": "stopped at a smaller size"})
                    continue
                t0 = time.perf_counter()
                try:
                    instance = BUILDERS[rung](w, n, args.inputs, 2**args.bits, args.seed)
                except PlantingError as exc:
                    rows.append({**row, "skipped": f"not planted: {exc}"})
                    print(f"[{rung:<15}] n={n:<5} w={w:<3} P={size:<3} {exc}", flush=True)
                    continue
                row["build_s"] = time.perf_counter() - t0
                row["draws"] = instance.draws
                row["notes"] = instance.notes
                row["risk"] = str(instance.problem.risk())
                if rung == "SMT":
                    run_smt_size(instance, args, sweep, row)
                else:
                    row["ours"] = run_ladder(instance, args)
                    row["ours"].pop("smt_texts")
                    if _failed(row["ours"], args.timeout):
                        sweep.stop(rung, n, w)
                if row.get("ours", {}).get("check", {}).get("wrong"):
                    row["failure_file"] = _dump_failure(
                        instance, args, row["ours"]["check"].get("probe", "")
                    )
                rows.append(row)
                print(_progress(row), flush=True)
    return {
        "date": run_date(args),
        "machine": machine(solvers=_solver_versions()),
        "settings": {
            "inputs": args.inputs,
            "bits": args.bits,
            "seed": args.seed,
            "timeout": args.timeout,
            "widths": args.widths,
            "n": args.n,
            "rungs": args.rungs,
            "repeats": args.repeats,
        },
        "total_s": time.perf_counter() - started,
        "stops": {route: sorted(sizes) for route, sizes in sweep.stops.items()},
        "rows": rows,
    }


def _last_radius(ours: dict[str, Any], instance: Instance) -> Fraction:
    """The radius of the ladder's last SMT try: the proving one, or the smallest one tried."""
    if ours.get("smt_radius"):
        return Fraction(ours["smt_radius"])
    rho = box_radius(instance.problem)
    assert rho is not None
    return rho / smt_route.SHRINK ** max(0, len(ours["smt_calls"]) - 1)


def _ratios(ours: dict[str, Any], plain: dict[str, Any]) -> dict[str, Any]:
    """plain seconds / ours seconds per solver (ours: the ladder's last try, same radius); a
    side that gave no answer makes the ratio a bound ('>=' or '<=')."""
    out = {}
    for name, a in plain.items():
        o = ours.get(name)
        if o is None or o["seconds"] <= 0:
            continue
        plain_ok, ours_ok = a["status"] in ("sat", "unsat"), o["status"] in ("sat", "unsat")
        if not plain_ok and not ours_ok:
            continue
        bound = "" if plain_ok and ours_ok else (">=" if ours_ok else "<=")
        out[name] = {"ratio": a["seconds"] / o["seconds"], "bound": bound}
    return out


def _solver_versions() -> dict[str, str]:
    return {name: cls().version() for name, cls in ADAPTERS.items()}


# --- reporting --------------------------------------------------------------------------------


def _time_cell(ours: dict[str, Any]) -> str:
    if "timing" in ours:
        t = ours["timing"]
        return f"{fmt_seconds(t['median_s'])} ({fmt_seconds(t['min_s'])})"
    return fmt_seconds(ours["wall_s"])


def _verdict_cell(ours: dict[str, Any]) -> str:
    if ours["status"] == "unknown":
        return f"UNKNOWN ({ours['reason']})"
    mark = "" if ours["check"]["as_planted"] else " [not as planted]"
    if ours["check"]["wrong"]:
        mark = " [WRONG]"
    return f"{ours['status'].upper()} {ours['claim']}{mark}"


def _solver_cell(answer: dict[str, Any] | None, plain: dict[str, Any] | None = None) -> str:
    if answer is None:
        return "stopped before" if plain is not None else "-"
    word = answer["status"]
    return f"{word} {fmt_seconds(answer['seconds'])}"


def _smt_cells(row: dict[str, Any]) -> dict[str, str]:
    """The SMT table's cells for one size (ladder row, or canonical query alone)."""
    ours, canonical = row.get("ours"), row.get("canonical")
    plain = row.get("plain", {})
    if ours is not None:
        answers = ours["smt_calls"][-1]["answers"] if ours["smt_calls"] else {}
        head = {
            "verdict": _verdict_cell(ours),
            "method": ours["method"] or "-",
            "wall": fmt_seconds(ours["wall_s"]),
            "tries": str(len(ours["smt_calls"])),
        }
    else:
        answers = canonical["answers"] if canonical else {}
        head = {"verdict": "ladder stopped before", "method": "-", "wall": "-", "tries": "-"}
    unsimplified = row.get("unsimplified", {})

    def r(name: str, key: str = "ratios") -> str:
        ratio = row.get(key, {})
        if name not in ratio:
            return "-"
        return f"{ratio[name]['bound']}{ratio[name]['ratio']:.1f}x"

    sizes = row.get("sizes")
    size_cell = (
        " / ".join(
            f"{sizes[k]['variables']} v, {sizes[k]['bytes'] / 1000:.0f} kB"
            for k in ("ours", "unsimplified", "plain")
        )
        if sizes
        else "-"
    )

    radius = (
        plain.get("radius") or (canonical or {}).get("radius") or (ours or {}).get("smt_radius")
    )
    return {
        **head,
        "radius": str(radius or "-"),
        "sizes": size_cell,
        **{f"ours {k}": _solver_cell(answers.get(k), None if ours else {}) for k in ADAPTERS},
        **{
            f"unsimplified {k}": _solver_cell(unsimplified.get("answers", {}).get(k), {})
            for k in ADAPTERS
        },
        **{f"plain {k}": _solver_cell(plain.get("answers", {}).get(k), {}) for k in ADAPTERS},
        **{f"ratio unsimplified {k}": r(k, "ratios_unsimplified") for k in ADAPTERS},
        **{f"ratio {k}": r(k) for k in ADAPTERS},
    }


def _progress(row: dict[str, Any]) -> str:
    head = f"[{row['rung']:<15}] n={row['n']:<5} w={row['width']:<3} P={row['P']:<3} "
    if row["rung"] != "SMT":
        ours = row["ours"]
        return head + f"{_verdict_cell(ours)}  {ours['method']!r}  {_time_cell(ours)}"
    c = _smt_cells(row)
    return head + "  ".join(f"{k}: {v}" for k, v in c.items())


STAGES = ("cell", "gradient", "descent", "second order", "linear collapse", "SMT", "checker")

SMT_COLUMNS = (
    ("verdict", "ladder verdict"),
    ("method", "method"),
    ("wall", "ladder wall"),
    ("tries", "SMT tries"),
    ("radius", "radius"),
    ("sizes", "variables, size: ours / unsimplified / plain"),
    ("ours z3", "ours: z3"),
    ("ours cvc5", "ours: cvc5"),
    ("unsimplified z3", "unsimplified: z3"),
    ("unsimplified cvc5", "unsimplified: cvc5"),
    ("plain z3", "plain: z3"),
    ("plain cvc5", "plain: cvc5"),
    ("ratio unsimplified z3", "unsimplified/ours z3"),
    ("ratio unsimplified cvc5", "unsimplified/ours cvc5"),
    ("ratio z3", "plain/ours z3"),
    ("ratio cvc5", "plain/ours cvc5"),
)


def report(result: dict[str, Any]) -> str:
    m, s = result["machine"], result["settings"]
    lines = [
        f"bench_certify  {result['date']}  cpus={m['cpu_count']}  python {m['python']}  "
        f"python-flint {m['python_flint']}  z3 {m['solvers'].get('z3', '?')}  "
        f"cvc5 {m['solvers'].get('cvc5', '?')}",
        f"widths (d_X={s['inputs']}, w, 1), squared loss, entries over {2 ** s['bits']}, "
        f"seed {s['seed']}, solver timeout {s['timeout']:g} s; total {result['total_s']:.0f} s",
    ]
    for rung in s["rungs"]:
        lines += ["", f"## {rung}", ""]
        if rung == "SMT":
            lines.append("| n | P | " + " | ".join(title for _, title in SMT_COLUMNS) + " |")
            lines.append("| ---: | ---: |" + " --- |" * len(SMT_COLUMNS))
        else:
            lines.append(
                "| n | P | verdict | method | time, median (min) "
                "| of which (checker and descent lie inside the other stages) |"
            )
            lines.append("| ---: | ---: | --- | --- | --- | --- |")
        for row in result["rows"]:
            if row["rung"] != rung:
                continue
            if "skipped" in row:
                if not row["skipped"].startswith("n < P"):
                    lines.append(f"| {row['n']} | {row['P']} | skipped: {row['skipped']} |")
                continue
            if rung == "SMT":
                cells = _smt_cells(row)
                lines.append(
                    f"| {row['n']} | {row['P']} | "
                    + " | ".join(cells[key] for key, _ in SMT_COLUMNS)
                    + " |"
                )
            else:
                ours = row["ours"]
                stages = ", ".join(
                    f"{k} {fmt_seconds(ours['stages'][k])}"
                    for k in STAGES
                    if ours["stages"].get(k, 0.0) >= 1e-3
                )
                lines.append(
                    f"| {row['n']} | {row['P']} | {_verdict_cell(ours)} | {ours['method']} "
                    f"| {_time_cell(ours)} | {stages} |"
                )
    lines += ["", "where each route stopped (first (n, P) without an answer within the timeout):"]
    inputs = s["inputs"]
    for route, sizes in sorted(result.get("stops", {}).items()):
        where = ", ".join(f"(n={n}, P={w * (inputs + 2) + 1})" for n, w in sizes)
        lines.append(f"  {route}: {where}")
    wrong = [row for row in result["rows"] if row.get("failure_file")]
    lines += ["", f"wrong verdicts: {len(wrong)}"]
    lines += [f"  {row['rung']} n={row['n']} P={row['P']}: {row['failure_file']}" for row in wrong]
    return "\n".join(lines)


DEEP_FLAT = ((3, 4), (5, 6), (8, 8))  # P = 30, 58, 105 at d_X 2
ONE_HIDDEN_FLAT = (20, 40)  # P = 81, 161 at d_X 2


def run_deep_flat(args: argparse.Namespace) -> dict[str, Any]:
    """The flat minima without solvers (issue 14): per instance, side by side in one run, the
    ladder as it is (``certify``: the lifted gradient first), the lifted route alone, the checker
    on its certificate, and the ladder before the lifted gradient (``SmtOptions(lifted=False)``:
    the Hessian, then the cones for one hidden layer, the SMT rung for depth 3, every query under
    --timeout, the whole rung under --deep-flat-smt-budget; 0 skips it at depth 3), and the cones
    alone (one hidden layer: ``decide_by_cones``)."""
    from losscert.checker import check_document
    from losscert.verifier.boundary_cones import decide_by_cones
    from losscert.verifier.lifted import lifted_verdict

    den = 2**args.bits
    rows: list[dict[str, Any]] = []
    cases = [("deep", h) for h in DEEP_FLAT] + [("one hidden", (w,)) for w in ONE_HIDDEN_FLAT]
    for family, hidden in cases:
        n = args.n[0]
        if family == "deep":
            instance = deep_flat_instance(hidden, n, args.inputs, den, args.seed)
        else:
            instance = flat_instance(hidden[0], n, args.inputs, den, args.seed)
        problem = instance.problem
        row: dict[str, Any] = {"family": family, "hidden": list(hidden), "n": n}
        row["P"] = problem.network.num_parameters
        t0 = time.perf_counter()
        verdict = certify(problem, args.timeout, convex=True)
        row["ladder"] = {
            "status": verdict.status.value,
            "method": verdict.stats.get("method", ""),
            "wall_s": time.perf_counter() - t0,
        }
        row["lifted"] = measure(lambda p=problem: lifted_verdict(p), args.repeats, args.min_time)
        document = verdict.certificate
        if document is not None:
            row["check"] = measure(
                lambda d=document: check_document(d), args.repeats, args.min_time
            )
        if family == "one hidden":
            t0 = time.perf_counter()
            cones = decide_by_cones(problem, locate_cell(problem))
            row["cones"] = {
                "status": None if cones is None else cones.status.value,
                "wall_s": time.perf_counter() - t0,
            }
        if family == "one hidden" or args.deep_flat_smt_budget > 0:
            t0 = time.perf_counter()  # the ladder before the lifted gradient (lifted=False)
            options = smt_route.SmtOptions(
                timeout=args.timeout,
                deadline=t0 + max(args.deep_flat_smt_budget, args.timeout),
                lifted=False,
            )
            before = certify_local_min(problem, options)
            row["before"] = {
                "status": before.status.value,
                "method": before.stats.get("method", ""),
                "reason": before.reason,
                "wall_s": time.perf_counter() - t0,
            }
        rows.append(row)
        print(_deep_flat_line(row), flush=True)
    return {"rows": rows}


def _deep_flat_line(row: dict[str, Any]) -> str:
    before = row.get("before")
    was = "not run"
    if before:
        how = before["method"] or before["reason"] or ""
        was = f"{before['status']} ({how}) in {fmt_seconds(before['wall_s'])}"
    cones = row.get("cones")
    check = row.get("check", {}).get("median_s")
    return (
        f"| {row['family']} {row['hidden']} | {row['P']} | {row['ladder']['status']} "
        f"in {fmt_seconds(row['ladder']['wall_s'])} | "
        f"{fmt_seconds(row['lifted']['median_s'])} | "
        f"{'-' if check is None else fmt_seconds(check)} | {was} | "
        f"{'-' if cones is None else fmt_seconds(cones['wall_s'])} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10, 100, 1000], help="sample counts")
    parser.add_argument(
        "--widths",
        type=int,
        nargs="+",
        default=[1, 2, 4, 8, 16, 20],
        help="hidden widths w (P = w (d_X + 2) + 1); default 1 2 4 8 16 20",
    )
    parser.add_argument("--inputs", type=int, default=2, help="input dimension d_X; default 2")
    parser.add_argument(
        "--rungs", nargs="+", choices=RUNGS, default=list(RUNGS), help="rungs to run (all)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds per solver call (ladder and plain query), and the stop rule; default 60",
    )
    parser.add_argument("--quick", action="store_true", help="n 10 100, widths 1 2 4, timeout 10")
    parser.add_argument(
        "--bits", type=int, default=4, help="entries are integers over 2^bits; default 4"
    )
    parser.add_argument(
        "--repeat-below",
        type=float,
        default=1.0,
        help="repeat a (non-SMT) certification with `measure` when one run is shorter; default 1",
    )
    parser.add_argument(
        "--deep-flat",
        action="store_true",
        help="only the flat minima without solvers: depth 3 (P 30, 58, 105) and one hidden "
        "layer (P 81, 161), n = the first --n",
    )
    parser.add_argument(
        "--deep-flat-smt-budget",
        type=float,
        default=0.0,
        help="with --deep-flat: seconds for the SMT rung per depth-3 instance (0 skips it)",
    )
    add_run_options(parser)
    parser.add_argument("--smt-dir", metavar="DIR", help="write every SMT query sent to DIR")
    parser.add_argument(
        "--failures",
        metavar="DIR",
        default="bench_certify_failures",
        help="where a wrong verdict's problem is written; default ./bench_certify_failures",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.widths, args.timeout = [10, 100], [1, 2, 4], 10.0
    args.n, args.widths = sorted(set(args.n)), sorted(set(args.widths))
    if min(args.n) < 1 or min(args.widths) < 1 or args.inputs < 1 or args.timeout <= 0:
        parser.error("--n, --widths, --inputs and --timeout must be positive")
    args.rungs = [r for r in RUNGS if r in args.rungs]
    if args.deep_flat:
        print("| instance | P | ladder | lifted alone | check | ladder before | cones alone |")
        print("|---|---:|---|---:|---:|---|---:|")
        deep = run_deep_flat(args)
        deep.update(date=run_date(args), machine=machine(), settings=vars(args))
        write_json(deep, args.json, default=str)
        return 0

    result = run(args)
    print()
    print(report(result))
    write_json(result, args.json, default=str)
    return 1 if any(row.get("failure_file") for row in result["rows"]) else 0


def fmt_seconds(s: float) -> str:
    return _fmt_seconds(s, (2, 1, 0))


if __name__ == "__main__":
    raise SystemExit(main())

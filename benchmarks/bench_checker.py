"""Benchmark: checking a spurious-local-minimum certificate against one exact forward pass + risk.

For each n it builds one instance (random rational data, squared loss, one hidden ReLU layer) and
the Theorem 1 point on it, exactly:

* Stage 1 (theta*): the least-squares affine fit (W^, b^), solved from the exact normal equations
  with python-flint ``fmpq_mat.solve``. Hidden neuron 0 carries ``alpha u + c`` with
  ``u = W^ x + b^`` on ReLU's linear piece (c makes every pre-activation >= 1); the other hidden
  neurons are spare (zero incoming weights, bias 1, zero outgoing weights); the output layer
  undoes the shift, so the network computes u on every sample.
* Stage 2 (the lower point): spare neuron 1 becomes ``relu(x_1 - tau)``, with tau midway between
  two consecutive distinct values of x_1, and output weight ``+-eps``; eps is halved until the
  exact risk (``losscert.model.Problem.risk()``) is strictly below R(theta*).

The certificate (risk, cell, box_in_cell, affine_regression_optimal, lower_point; claim
``spurious_local_min``) is built with ``losscert.verifier.certificate.new_certificate``. Its box
radius is the largest power of two that the checker accepts, found by halving. The script asserts
that ``losscert.checker.check_document`` finds it valid, then times, on the same instance:

(a) ``check``  -- ``check_document`` on the whole certificate (and ``check_text`` on its JSON,
                  which adds the parse);
(b) ``prefix`` -- ``check_document`` on the certificate cut after k = 0..4 steps (k = 0 is the
                  layout and problem sections alone); differences of medians give each step;
(c) ``floor``  -- ``Problem(network, loss, data).risk()`` on a fresh Problem: one exact batched
                  forward pass + risk with python-flint, nothing cached.

and reports check / floor and the certificate's size. Run from the repository root::

    python benchmarks/bench_checker.py                       # n = 10, 100, 1000; d_X 3, width 8
    python benchmarks/bench_checker.py --n 100 --json out.json
    python benchmarks/bench_checker.py --profile             # also cProfile one check, largest n

This is a benchmark, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import math
import pstats
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq_mat
from timing import add_run_options, machine, measure, run_date, write_json
from timing import fmt_bytes as _fmt_bytes
from timing import fmt_seconds as _fmt_seconds

from losscert.checker import check_document, check_text
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.model.rationals import to_fraction
from losscert.verifier.certificate import new_certificate, rationals

D_Y = 1
ALPHA = Fraction(1)
MAX_EPS_HALVINGS = 60
MAX_RADIUS_HALVINGS = 64
STEP_LABELS = ("risk", "cell", "box_in_cell", "affine_regression_optimal", "lower_point")


# --- instance: data and the Theorem 1 points ---------------------------------------------------


def build_data(n: int, d_x: int, bits: int, seed: int) -> Dataset:
    """n samples; every input and label is an integer in [-2^bits, 2^bits] over 2^bits."""
    rng = np.random.default_rng(seed)
    den = 2**bits
    x = rng.integers(-den, den, size=(n, d_x), endpoint=True)
    y = rng.integers(-den, den, size=(n, D_Y), endpoint=True)
    return Dataset.from_rows(
        [[Fraction(int(v), den) for v in row] for row in x],
        [[Fraction(int(v), den) for v in row] for row in y],
    )


def augmented_inputs(data: Dataset) -> fmpq_mat:
    """[X; 1^T], (d_X + 1) x n."""
    n = data.n
    return fmpq_mat(data.input_dim + 1, n, [*data.inputs.entries(), *([1] * n)])


def least_squares(data: Dataset) -> tuple[list[Fraction], Fraction]:
    """(W^, b^) minimising sum_i (W x_i + b - y_i)^2: A A^T beta = A y^T with A = [X; 1^T]."""
    a = augmented_inputs(data)
    gram = a * a.transpose()
    rhs = a * data.labels.transpose()
    try:
        beta = gram.solve(rhs)
    except ZeroDivisionError as exc:
        raise SystemExit("the inputs are affinely dependent: no unique least-squares fit") from exc
    assert a * (a.transpose() * beta - data.labels.transpose()) == fmpq_mat(
        data.input_dim + 1, 1, [0] * (data.input_dim + 1)
    ), "the normal equations do not hold"
    values = [to_fraction(v) for v in beta.entries()]
    return values[:-1], values[-1]


def stage1_network(
    data: Dataset, w_hat: list[Fraction], b_hat: Fraction, width: int
) -> tuple[Network, Fraction]:
    """theta*: neuron 0 = relu(alpha u + c) with every alpha u_i + c >= 1; output (a - c) / alpha."""
    d_x = data.input_dim
    u = [sum((w * xc for w, xc in zip(w_hat, x, strict=True)), b_hat) for x in data.input_rows()]
    c = 1 - ALPHA * min(u)
    w1 = [[ALPHA * w for w in w_hat]] + [[Fraction(0)] * d_x for _ in range(width - 1)]
    b1 = [ALPHA * b_hat + c] + [Fraction(1)] * (width - 1)
    w2 = [[1 / ALPHA] + [Fraction(0)] * (width - 1)]
    b2 = [-c / ALPHA]
    return Network.from_rationals([w1, w2], [b1, b2], relu()), c


def stage2_witness(problem: Problem) -> dict[str, Any] | None:
    """A point of strictly lower risk: spare neuron 1 = relu(x_1 - tau), output weight +-eps.

    tau runs over the midpoints between consecutive distinct values of x_1 (middle ones first);
    for each, both signs, eps = 1, 1/2, 1/4, ... (at most MAX_EPS_HALVINGS halvings). None when
    no candidate lowers the risk.
    """
    network = problem.network
    names = network.parameter_names()
    at_w, at_b, at_out = names.index("W1_1_0"), names.index("b1_1"), names.index("W2_0_1")
    theta = network.parameter_vector()
    base = problem.risk()
    values = sorted({row[0] for row in problem.data.input_rows()})
    taus = [(p + q) / 2 for p, q in itertools.pairwise(values)]
    middle = (len(taus) - 1) / 2
    order = sorted(range(len(taus)), key=lambda k: (abs(k - middle), k))
    evaluations = 0
    for tried, k in enumerate(order, start=1):
        tau = taus[k]
        for sign in (1, -1):
            eps = Fraction(1)
            for _ in range(MAX_EPS_HALVINGS + 1):
                point = list(theta)
                point[at_w], point[at_b], point[at_out] = Fraction(1), -tau, sign * eps
                risk = problem.with_network(network.with_parameters(point)).risk()
                evaluations += 1
                if risk < base:
                    return {
                        "point": point,
                        "risk": risk,
                        "tau": tau,
                        "output_weight": sign * eps,
                        "taus_tried": tried,
                        "taus_available": len(taus),
                        "risk_evaluations": evaluations,
                    }
                eps /= 2
    return None


def certificate(
    problem: Problem,
    w_hat: list[Fraction],
    b_hat: Fraction,
    radius: Fraction,
    witness: dict[str, Any] | None,
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """The spurious_local_min certificate (or, without a witness, the local_min one)."""
    cell = locate_cell(problem)
    assert not cell.ties and cell.margin is not None, "theta* sits on a ReLU breakpoint"
    evidence: list[dict[str, Any]] = [
        {"id": "risk", "kind": "risk", "value": rationals([problem.risk()])[0]},
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [list(map(list, layer)) for layer in cell.pieces],
            "margin": rationals([cell.margin])[0],
        },
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rationals([radius])[0]},
        {
            "id": "regression",
            "kind": "affine_regression_optimal",
            "W": [rationals(w_hat)],
            "b": rationals([b_hat]),
        },
    ]
    claim = "local_min"
    if witness is not None:
        claim = "spurious_local_min"
        evidence.append(
            {
                "id": "lower",
                "kind": "lower_point",
                "uses": ["risk"],
                "point": rationals(witness["point"]),
                "risk": rationals([witness["risk"]])[0],
            }
        )
    return new_certificate(problem, claim, evidence, provenance)


def largest_radius(
    problem: Problem, w_hat: list[Fraction], b_hat: Fraction, margin: Fraction
) -> tuple[Fraction, int]:
    """The largest power of two the checker accepts as box radius, halving from >= margin.

    Each trial checks a whole local_min certificate (cell, box, regression); acceptance is
    monotone in the radius (smaller boxes nest), so the first accepted radius is the largest.
    """
    radius = Fraction(2) ** math.ceil(math.log2(margin))
    for trial in range(1, MAX_RADIUS_HALVINGS + 1):
        doc = certificate(problem, w_hat, b_hat, radius, None, {})
        doc["evidence"] = [s for s in doc["evidence"] if s["kind"] != "risk"]
        if check_document(doc).valid:
            return radius, trial
        radius /= 2
    raise SystemExit(f"no box radius down to 2^-{MAX_RADIUS_HALVINGS} passes the checker")


# --- timing -----------------------------------------------------------------------------------


def truncated(doc: dict[str, Any], k: int) -> dict[str, Any]:
    return {**doc, "evidence": doc["evidence"][:k]}


# --- one size ---------------------------------------------------------------------------------


def run_one(n: int, args: argparse.Namespace) -> dict[str, Any]:
    data = build_data(n, args.inputs, args.bits, args.seed)
    loss = make_loss("squared")
    w_hat, b_hat = least_squares(data)
    network, shift = stage1_network(data, w_hat, b_hat, args.width)
    problem = Problem(network, loss, data)
    margin = locate_cell(problem).margin
    assert margin == 1, f"the margin of theta* should be 1, got {margin}"
    max_l1 = max(sum(abs(v) for v in row) for row in data.input_rows())

    t0 = time.perf_counter()
    radius, radius_trials = largest_radius(problem, w_hat, b_hat, margin)
    radius_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    witness = stage2_witness(problem)
    witness_s = time.perf_counter() - t0

    instance = {
        "n": n,
        "widths": list(network.widths),
        "parameters": network.num_parameters,
        "d_X": args.inputs,
        "activation": "relu",
        "loss": "squared",
        "denominator": 2**args.bits,
        "seed": args.seed,
        "alpha": str(ALPHA),
        "shift_c_bits": [abs(shift.numerator).bit_length(), shift.denominator.bit_length()],
        "risk_theta_star_bits": [
            abs(problem.risk().numerator).bit_length(),
            problem.risk().denominator.bit_length(),
        ],
        "radius": str(radius),
        "radius_sufficient_bound": str(margin / (1 + max_l1)),
        "radius_trials": radius_trials,
        "radius_search_s": radius_s,
    }
    result: dict[str, Any] = {"instance": instance}
    if witness is None:
        result["witness"] = None
        result["skipped"] = "no tau and eps found with a strictly lower exact risk"
        return result
    result["witness"] = {
        "tau": str(witness["tau"]),
        "output_weight": str(witness["output_weight"]),
        "risk_drop": str(problem.risk() - witness["risk"]),
        "taus_tried": witness["taus_tried"],
        "taus_available": witness["taus_available"],
        "risk_evaluations": witness["risk_evaluations"],
        "search_s": witness_s,
    }

    provenance = {"source": "benchmarks/bench_checker.py", "seed": args.seed, "n": n}
    doc = certificate(problem, w_hat, b_hat, radius, witness, provenance)
    verdict = check_document(doc)
    assert verdict.valid, f"the checker rejects the certificate: {verdict.message}"
    text = json.dumps(doc)
    assert check_text(text).valid
    strings = [
        s for s in _strings(doc["problem"]) + _strings(doc["evidence"]) if s[:1] in "-0123456789"
    ]
    result["certificate"] = {
        "bytes": len(text.encode("utf-8")),
        "steps": len(doc["evidence"]),
        "longest_rational_chars": max(len(s) for s in strings),
        "message": verdict.message,
    }

    # (b) prefixes first (k = 0..4 are invalid by construction: they stop before the claim)
    prefixes = []
    for k in range(len(doc["evidence"])):
        part = truncated(doc, k)
        outcome = check_document(part)
        assert outcome.status == "invalid" and outcome.steps_checked == k, outcome.message
        prefixes.append(
            {
                "steps": k,
                **measure(lambda part=part: check_document(part), args.repeats, args.min_time),
            }
        )
    # (a) the whole certificate, as a document and as JSON text
    t_check = measure(lambda: check_document(doc), args.repeats, args.min_time)
    t_text = measure(lambda: check_text(text), args.repeats, args.min_time)
    prefixes.append({"steps": len(doc["evidence"]), **t_check})
    # (c) the floor: a fresh Problem, one exact forward pass + risk
    assert Problem(network, loss, data).risk() == problem.risk()
    t_floor = measure(lambda: Problem(network, loss, data).risk(), args.repeats, args.min_time)

    breakdown = {"layout_and_problem": prefixes[0]["median_s"]}
    for k, label in enumerate(STEP_LABELS, start=1):
        breakdown[label] = prefixes[k]["median_s"] - prefixes[k - 1]["median_s"]
    result["timings"] = {
        "check_document": t_check,
        "check_text": t_text,
        "floor_problem_risk": t_floor,
        "prefixes": prefixes,
        "step_medians_s": breakdown,
    }
    result["ratios"] = {
        "check_over_floor_median": t_check["median_s"] / t_floor["median_s"],
        "check_over_floor_min": t_check["min_s"] / t_floor["min_s"],
        "check_text_over_floor_median": t_text["median_s"] / t_floor["median_s"],
    }
    return result


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


# --- reporting --------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    machine = result["machine"]
    lines = [
        f"bench_checker  {result['date']}  cpus={machine['cpu_count']}  python {machine['python']}"
        f"  python-flint {machine['python_flint']}  numpy {machine['numpy']}",
        "",
        f"{'n':>6} {'params':>7} {'size':>10} {'radius':>7} {'check_document':>22} "
        f"{'check_text':>12} {'floor Problem.risk()':>22} {'check/floor':>12}",
    ]
    for run in result["runs"]:
        inst = run["instance"]
        if run["witness"] is None:
            lines.append(f"{inst['n']:>6} {inst['parameters']:>7}  no witness: {run['skipped']}")
            continue
        tim, rat = run["timings"], run["ratios"]
        check, text, floor = tim["check_document"], tim["check_text"], tim["floor_problem_risk"]
        lines.append(
            f"{inst['n']:>6} {inst['parameters']:>7} {fmt_bytes(run['certificate']['bytes']):>10} "
            f"{inst['radius']:>7} "
            f"{fmt_seconds(check['median_s']) + ' (' + fmt_seconds(check['min_s']) + ')':>22} "
            f"{fmt_seconds(text['median_s']):>12} "
            f"{fmt_seconds(floor['median_s']) + ' (' + fmt_seconds(floor['min_s']) + ')':>22} "
            f"{rat['check_over_floor_median']:>11.0f}x"
        )
    lines += ["", "per step (difference of prefix medians):"]
    header = ["layout_and_problem", *STEP_LABELS]
    lines.append(f"{'n':>6} " + " ".join(f"{h[:16]:>16}" for h in header))
    for run in result["runs"]:
        if run["witness"] is None:
            continue
        steps = run["timings"]["step_medians_s"]
        lines.append(
            f"{run['instance']['n']:>6} " + " ".join(f"{fmt_seconds(steps[h]):>16}" for h in header)
        )
    lines += ["", "instances:"]
    for run in result["runs"]:
        inst, wit = run["instance"], run["witness"]
        line = (
            f"  n = {inst['n']}: widths {tuple(inst['widths'])}, radius {inst['radius']} "
            f"({inst['radius_trials']} trials; sufficient bound {inst['radius_sufficient_bound']}), "
            f"R(theta*) {inst['risk_theta_star_bits'][0]}/{inst['risk_theta_star_bits'][1]} bits"
        )
        if wit is not None:
            line += (
                f"; witness tau {wit['tau']}, output weight {wit['output_weight']} "
                f"({wit['taus_tried']} of {wit['taus_available']} taus, "
                f"{wit['risk_evaluations']} risk evaluations); longest rational "
                f"{run['certificate']['longest_rational_chars']} chars"
            )
        lines.append(line)
    lines.append(
        "checks: every certificate is valid under check_document and check_text "
        "before timing; prefixes stop with exactly k steps checked"
    )
    return "\n".join(lines)


def profile_check(n: int, args: argparse.Namespace, top: int) -> str:
    data = build_data(n, args.inputs, args.bits, args.seed)
    w_hat, b_hat = least_squares(data)
    network, _ = stage1_network(data, w_hat, b_hat, args.width)
    problem = Problem(network, make_loss("squared"), data)
    radius, _ = largest_radius(problem, w_hat, b_hat, Fraction(1))
    doc = certificate(problem, w_hat, b_hat, radius, stage2_witness(problem), {})
    profiler = cProfile.Profile()
    profiler.enable()
    outcome = check_document(doc)
    profiler.disable()
    assert outcome.valid, outcome.message
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--n",
        type=int,
        nargs="+",
        default=[10, 100, 1000],
        help="numbers of samples; default 10 100 1000",
    )
    parser.add_argument("--inputs", type=int, default=3, help="input dimension d_X; default 3")
    parser.add_argument(
        "--width",
        type=int,
        default=8,
        help="hidden width (>= 2: neuron 0 fits, neuron 1 is the witness); default 8",
    )
    parser.add_argument(
        "--bits", type=int, default=6, help="inputs and labels are integers over 2^bits; default 6"
    )
    add_run_options(
        parser, profile_help="cProfile one check_document at the largest n and print it"
    )
    args = parser.parse_args(argv)
    if min(args.n) < 1 or args.inputs < 1 or args.repeats < 1 or args.bits < 1:
        parser.error("--n, --inputs, --repeats and --bits must be positive")
    if args.width < 2:
        parser.error("--width must be at least 2 (a fitting neuron and a spare one)")
    if min(args.n) < args.inputs + 2:
        parser.error("--n must exceed d_X + 1 so that the least-squares fit is unique")

    result: dict[str, Any] = {
        "date": run_date(args),
        "machine": machine(),
        "runs": [run_one(n, args) for n in args.n],
    }
    print(report(result))
    if args.profile:
        print(f"\ncProfile of one check_document at n = {max(args.n)}, by cumulative time:")
        print(profile_check(max(args.n), args, 15))
    write_json(result, args.json)
    return 0


def fmt_seconds(s: float) -> str:
    return _fmt_seconds(s, (3, 2, 1))


def fmt_bytes(b: int) -> str:
    return _fmt_bytes(b, 2)


if __name__ == "__main__":
    raise SystemExit(main())

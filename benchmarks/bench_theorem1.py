"""Benchmark: the Theorem 1 audit (build + certify) against one naive z3 query over the network.

For each instance size (depth L, hidden width w, n samples; d_X = 2, d_Y = 1, ReLU, squared loss,
data from ``losscert.theorems.instances.generated_data``) it runs, in the same run and on the same
instance:

(a) ``losscert`` -- ``audit_theorem1``: exact regression, Stage 1 collapse, cell, box radius rho,
                    Stage 2 witness, valley path, three certificates (local_min,
                    spurious_local_min, valley), each checked by the independent checker. Wall
                    time, split into construction and checker time (and by stage) by timing
                    wrappers set around the calls that ``audit_theorem1`` makes;
(b) ``naive``    -- ONE SMT-LIB 2 query in QF_NRA over the whole network, answered by z3 through
                    ``losscert.backends.z3_adapter`` (child process, hard time limit): "is there a
                    theta with |theta - theta*|_inf <= rho and R(theta) < R(theta*)?", with theta*
                    and rho the point and radius of (a)'s local_min certificate. ReLU is an
                    ``ite``, every intermediate term a ``let`` binding, every constant an exact
                    rational ``(/ p q)``. The expected answer is unsat.

Before each naive query, the same encoder is run with the box shrunk to a point (rho = 0): at
theta* the query must be unsat, at the certificate's lower point (the Stage 2 witness) sat. These
two "pinned" queries check the encoding both ways, and their time is the floor for getting the
script into z3. Every "sat" comes with the solver's model (``SmtAnswer.model``), which is replayed
exactly with ``losscert.model.Problem``: in the box, and of exact risk below R(theta*)? At the
witness that must hold; on the naive query it would mean that losscert's certificate is wrong.

Sizes: one dimension at a time around a base, plus the largest corner. Along each dimension the
values run in increasing order, and a route is skipped at a size once it exceeded ``--cap`` seconds
(or, for the naive route, gave no sat / unsat) at a smaller value of that dimension. The base and
the corner always run both routes. Run from the repository root::

    python benchmarks/bench_theorem1.py                  # default sweep, about 10 minutes
    python benchmarks/bench_theorem1.py --quick          # depth 2-3, width 4-8, n 10-100, 10 s
    python benchmarks/bench_theorem1.py --json out.json --smt-dir /tmp/queries

This is a benchmark, not a test: nothing here runs under pytest. It does not import z3; only the
backend adapter does, in its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from timing import add_run_options, machine, run_date, write_json
from timing import fmt_bytes as _fmt_bytes
from timing import fmt_seconds as _fmt_seconds

import losscert.checker
import losscert.theorems.theorem1 as theorem1
from losscert.backends.z3_adapter import Z3Adapter
from losscert.encodings.naive_smt import naive_query
from losscert.model import (
    Activation,
    Dataset,
    Loss,
    Network,
    Problem,
    make_loss,
    parameter_names,
    relu,
)
from losscert.theorems.instances import generated_data
from losscert.verifier.checked_point import CheckedPoint
from losscert.verifier.verdict import Status

D_Y = 1
DIMENSIONS = ("depth", "width", "n")
CLAIMS = ("local_min", "spurious_local_min", "valley")
PINNED_TIMEOUT = 60.0
Size = tuple[int, int, int]  # (depth L, hidden width, n)

STAGES: tuple[tuple[Any, str, str], ...] = (
    (theorem1, "_fit", "fit"),
    (theorem1, "collapse_network", "collapse"),
    (theorem1, "problem_section", "section"),
    (CheckedPoint, "cell", "cell"),
    (theorem1, "_box_radius", "box radius"),
    (theorem1, "find_witness", "witness"),
    (theorem1, "valley_path", "valley path"),
    (theorem1, "new_certificate", "certificates"),
    (losscert.checker, "check_document", "check"),
)
"""(module, attribute, label): the calls of ``audit_theorem1`` that are timed one by one.

``theorem1`` looks these names up in its own module at call time, and
``losscert.verifier.certificate.certified`` calls ``losscert.checker.check_document`` through the
module, so replacing the attributes for the duration of one audit times every call. Nothing else
is changed; the wrappers add about a microsecond per call."""


# --- (a) losscert: the audit, timed by stage ----------------------------------------------------


class StageClock:
    """Seconds per stage label, and checker seconds per claim, while :meth:`installed` is active."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock  # wall time (perf_counter) or CPU time (process_time)
        self.seconds: dict[str, float] = {label: 0.0 for _, _, label in STAGES}
        self.check_by_claim: dict[str, float] = {}

    def _wrap(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = self.clock()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = self.clock() - t0
                self.seconds[label] += elapsed
                if label == "check":
                    claim = str(args[0].get("claim", {}).get("kind", "?"))
                    self.check_by_claim[claim] = self.check_by_claim.get(claim, 0.0) + elapsed

        return timed

    @contextlib.contextmanager
    def installed(self) -> Iterator[StageClock]:
        saved: list[tuple[Any, str, Any]] = []
        try:
            for module, attribute, label in STAGES:
                original = getattr(module, attribute)
                saved.append((module, attribute, original))
                setattr(module, attribute, self._wrap(original, label))
            yield self
        finally:
            for module, attribute, original in reversed(saved):
                setattr(module, attribute, original)


def timed_audit(
    data: Dataset,
    widths: tuple[int, ...],
    activation: Activation,
    loss: Loss,
    name: str,
    timer: Callable[[], float] = time.perf_counter,
) -> tuple[theorem1.Theorem1Audit, dict[str, Any]]:
    """One ``audit_theorem1`` call, gc off (as in timeit), with its stage times (wall seconds,
    or CPU seconds with ``timer=time.process_time``)."""
    clock = StageClock(timer)
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        with clock.installed():
            t0 = timer()
            audit = theorem1.audit_theorem1(data, widths, activation, loss, name=name)
            total = timer() - t0
    finally:
        if gc_was_enabled:
            gc.enable()
    stages = dict(clock.seconds)
    stages["other"] = total - sum(stages.values())
    return audit, {"total_s": total, "stages": stages, "check_by_claim": clock.check_by_claim}


def audit_signature(audit: theorem1.Theorem1Audit) -> tuple[Any, ...]:
    return (
        tuple((c, v.status.value, v.reason) for c, v in sorted(audit.verdicts.items())),
        audit.radius,
        audit.stage1_risk,
        audit.witness_risk,
    )


def run_losscert(size: Size, args: argparse.Namespace) -> dict[str, Any]:
    depth, width, n = size
    widths = architecture(size, args.inputs)
    data = generated_data(n, args.inputs, D_Y, args.seed)
    loss, activation = make_loss("squared"), relu()
    name = f"depth{depth}-width{width}-n{n}"
    audit, first = timed_audit(data, widths, activation, loss, name)
    runs = [first]
    if first["total_s"] < args.repeat_below:
        for _ in range(args.repeats - 1):
            again, timing = timed_audit(data, widths, activation, loss, name)
            assert audit_signature(again) == audit_signature(audit), f"{name}: audits differ"
            runs.append(timing)
    totals = [r["total_s"] for r in runs]
    checks = [r["stages"]["check"] for r in runs]
    stage_medians = {k: statistics.median(r["stages"][k] for r in runs) for k in first["stages"]}
    claim_medians = {
        c: statistics.median(r["check_by_claim"].get(c, 0.0) for r in runs)
        for c in first["check_by_claim"]
    }
    verdicts = {
        c: v.status.value if v.reason is None else f"unknown({v.reason})"
        for c, v in audit.verdicts.items()
    }
    local = audit.verdicts.get("local_min")
    certificate = local.certificate if local is not None and local.status is Status.PROVED else None
    lower = audit.verdicts.get("spurious_local_min")
    witness_point = None
    if lower is not None and lower.certificate is not None:
        steps = [s for s in lower.certificate["evidence"] if s["kind"] == "lower_point"]
        witness_point = [Fraction(v) for v in steps[0]["point"]]
    theta_star = None
    if certificate is not None:
        theta_star = [Fraction(v) for v in certificate["problem"]["point"]]
        risk_step = next(s for s in certificate["evidence"] if s["kind"] == "risk")
        assert Fraction(risk_step["value"]) == audit.stage1_risk, f"{name}: risk step differs"
        assert certificate["problem"]["widths"] == list(widths), f"{name}: widths differ"
    median_total = statistics.median(totals)
    return {
        "instance": instance_record(size, widths, n, args),
        "verdicts": verdicts,
        "all_proved": all(verdicts.get(c) == "proved" for c in CLAIMS),
        "notes": audit.notes,
        "radius": None if audit.radius is None else str(audit.radius),
        "stage1_risk": None if audit.stage1_risk is None else str(audit.stage1_risk),
        "witness_risk": None if audit.witness_risk is None else str(audit.witness_risk),
        "timings": {
            "runs": len(runs),
            "total_median_s": median_total,
            "total_min_s": min(totals),
            "check_median_s": statistics.median(checks),
            "construction_median_s": statistics.median(
                t - c for t, c in zip(totals, checks, strict=True)
            ),
            "stage_medians_s": stage_medians,
            "check_by_claim_median_s": claim_medians,
            # the parts that the local_min claim alone needs (the naive query asks only that)
            "local_min_part_median_s": sum(
                stage_medians[k] for k in ("fit", "collapse", "cell", "box radius")
            )
            + claim_medians.get("local_min", 0.0),
        },
        "exceeded_cap": median_total > args.cap,
        # kept for the naive route, dropped before JSON output
        "_data": data,
        "_theta_star": theta_star,
        "_witness": witness_point,
        "_radius": audit.radius,
        "_risk": audit.stage1_risk,
    }


def architecture(size: Size, d_x: int) -> tuple[int, ...]:
    depth, width, _ = size
    return (d_x, *([width] * (depth - 1)), D_Y)


def instance_record(
    size: Size, widths: tuple[int, ...], n: int, args: argparse.Namespace
) -> dict[str, Any]:
    return {
        "depth": size[0],
        "width": size[1],
        "n": n,
        "widths": list(widths),
        "parameters": len(parameter_names(widths)),
        "d_X": args.inputs,
        "d_Y": D_Y,
        "activation": "relu",
        "loss": "squared",
        "seed": args.seed,
    }


# --- (b) the naive query ------------------------------------------------------------------------


def classify(status: str, reason: str) -> str:
    """sat / unsat as answered; unknown split into timeout (own limit or kill) and unknown."""
    if status in ("sat", "unsat", "error", "unavailable"):
        return status
    lowered = reason.lower()
    if "timeout" in lowered or "canceled" in lowered or "hard limit" in lowered:
        return "timeout"
    return "unknown"


def solve(text: str, timeout: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    answer = Z3Adapter().solve_smtlib(text, timeout)
    wall = time.perf_counter() - t0
    return {
        "answer": classify(answer.status, answer.reason),
        "status": answer.status,
        "reason": answer.reason,
        "solver_s": answer.seconds,
        "wall_s": wall,
        "z3": answer.version,
        "_model": dict(answer.model),  # the declared constants' values on "sat", else empty
    }


def replay(
    widths: tuple[int, ...],
    data: Dataset,
    centre: Sequence[Fraction],
    rho: Fraction,
    risk: Fraction,
    model: dict[str, str],
) -> dict[str, Any]:
    """Replay a "sat" model exactly: is it in the box, and is its exact risk below ``risk``?

    A parameter the model leaves out is free in z3's eyes; it is set to the centre (in the box).
    """
    if not model:
        return {"replayed": False, "why": "the adapter returned no model"}
    names = parameter_names(widths)
    values = [Fraction(model[a]) if a in model else c for a, c in zip(names, centre, strict=True)]
    zeros = [
        ([[0] * widths[j - 1] for _ in range(widths[j])], [0] * widths[j])
        for j in range(1, len(widths))
    ]
    shape = Network.from_rationals([w for w, _ in zeros], [b for _, b in zeros], relu())
    exact = Problem(shape.with_parameters(values), make_loss("squared"), data).risk()
    distance = max(abs(v - c) for v, c in zip(values, centre, strict=True))
    return {
        "replayed": True,
        "missing_from_model": sum(a not in model for a in names),
        "in_box": distance <= rho,
        "distance_inf": str(distance),
        "risk": str(exact),
        "below": exact < risk,
        "confirms_sat": distance <= rho and exact < risk,
    }


def run_naive(size: Size, record: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    widths = tuple(record["instance"]["widths"])
    data, theta_star = record["_data"], record["_theta_star"]
    rho, risk = record["_radius"], record["_risk"]
    if theta_star is None or rho is None:
        return {"skipped": "losscert certified no local minimum, so there is no rho"}
    label = f"depth {size[0]}, widths {widths}, n = {size[2]}"
    activation = relu()
    t0 = time.perf_counter()
    text = naive_query(
        widths, activation, data, theta_star, rho, risk, f"naive query, {label}, rho = {rho}"
    )
    build_s = time.perf_counter() - t0
    out: dict[str, Any] = {"query_bytes": len(text.encode()), "build_s": build_s}
    if args.smt_dir:
        directory = Path(args.smt_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"naive_depth{size[0]}_width{size[1]}_n{size[2]}.smt2"
        path.write_text(text, encoding="utf-8")
        out["query_path"] = str(path)
    if args.encoding_check:
        pinned = {}
        for where, point, expected in (
            ("theta*", theta_star, "unsat"),
            ("witness", record["_witness"], "sat"),
        ):
            if point is None:
                pinned[where] = {"skipped": "no lower point"}
                continue
            pin = naive_query(
                widths, activation, data, point, Fraction(0), risk, f"pinned at {where}, {label}"
            )
            result = solve(pin, PINNED_TIMEOUT)
            assert result["answer"] in (expected, "timeout"), (
                f"{label}: the query pinned at {where} answered {result['answer']} "
                f"({result['reason']}), expected {expected}: the encoding is wrong"
            )
            if result["answer"] == "sat":
                result["replay"] = replay(widths, data, point, Fraction(0), risk, result["_model"])
                assert result["replay"].get("confirms_sat", True), (
                    f"{label}: the model of the query pinned at {where} does not replay: "
                    f"{result['replay']}"
                )
            pinned[where] = {"expected": expected, **result}
        out["pinned"] = pinned
    out.update(solve(text, args.naive_timeout))
    out["end_to_end_s"] = build_s + out["wall_s"]
    out["exceeded_cap"] = out["answer"] not in ("sat", "unsat") or out["end_to_end_s"] > args.cap
    if out["answer"] == "sat":
        out["replay"] = replay(widths, data, theta_star, rho, risk, out["_model"])
        out["warning"] = "z3 answered sat, but losscert certified that no such theta exists: " + (
            "the exact replay CONFIRMS the model, so losscert's certificate is wrong"
            if out["replay"].get("confirms_sat")
            else f"the exact replay does not confirm the model ({out['replay']})"
        )
    return out


# --- the sweep ----------------------------------------------------------------------------------


def with_value(size: Size, dimension: str, value: int) -> Size:
    depth, width, n = size
    return {
        "depth": (value, width, n),
        "width": (depth, value, n),
        "n": (depth, width, value),
    }[dimension]


def as_size(values: Sequence[int]) -> Size:
    return (values[0], values[1], values[2])


def sweep(args: argparse.Namespace, progress: Callable[[str], None]) -> dict[str, Any]:
    values = {"depth": sorted(args.depths), "width": sorted(args.widths), "n": sorted(args.ns)}
    base = as_size(args.base)
    corner = None if args.no_corner else as_size(args.corner)
    records: dict[Size, dict[str, Any]] = {}
    skipped: list[dict[str, Any]] = []

    def run(size: Size, routes: set[str], why: str) -> None:
        if size not in records:
            if "losscert" not in routes:
                return
            progress(f"{size}: losscert ({why})")
            records[size] = {**run_losscert(size, args), "sweeps": []}
            tim = records[size]["timings"]
            progress(
                f"{size}: losscert {tim['total_median_s']:.3f} s (median of {tim['runs']}), "
                f"{records[size]['verdicts']}"
            )
        record = records[size]
        record["sweeps"].append(why)
        if "naive" in routes and "naive" not in record and not args.no_naive:
            progress(f"{size}: naive query, timeout {args.naive_timeout:g} s")
            naive = record["naive"] = run_naive(size, record, args)
            progress(
                f"{size}: naive {naive.get('answer', naive.get('skipped'))} "
                f"in {naive.get('end_to_end_s', 0.0):.2f} s"
            )

    run(base, {"losscert", "naive"}, "base")
    for dimension in DIMENSIONS:
        for value in values[dimension]:
            size = with_value(base, dimension, value)
            if size == base:
                run(size, {"losscert", "naive"}, dimension)
                continue
            routes = set()
            for route in ("losscert", "naive"):
                blockers = [
                    u
                    for u in values[dimension]
                    if u < value and exceeded(records.get(with_value(base, dimension, u)), route)
                ]
                if blockers:
                    skipped.append(
                        {
                            "size": list(size),
                            "route": route,
                            "dimension": dimension,
                            "because_of": blockers[0],
                        }
                    )
                else:
                    routes.add(route)
            run(size, routes, dimension)
    if corner is not None:
        run(corner, {"losscert", "naive"}, "corner")
    return {
        "base": list(base),
        "corner": None if corner is None else list(corner),
        "values": values,
        "records": records,
        "skipped": skipped,
    }


def exceeded(record: dict[str, Any] | None, route: str) -> bool:
    if record is None:
        return False
    if route == "losscert":
        return bool(record["exceeded_cap"])
    naive = record.get("naive")
    return naive is not None and bool(naive.get("exceeded_cap"))


def largest_within_cap(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per dimension and route: the largest value run within the cap, and the first that was not."""
    base = as_size(result["base"])
    out: dict[str, dict[str, Any]] = {}
    for dimension in DIMENSIONS:
        out[dimension] = {}
        for route in ("losscert", "naive"):
            ok, first_over = None, None
            for value in result["values"][dimension]:
                record = result["records"].get(with_value(base, dimension, value))
                if record is None or (route == "naive" and "naive" not in record):
                    continue
                if route == "naive" and "skipped" in record["naive"]:
                    continue
                if exceeded(record, route):
                    first_over = value if first_over is None else first_over
                elif first_over is None:
                    ok = value
            out[dimension][route] = {"largest_within_cap": ok, "first_over_cap": first_over}
    return out


# --- reporting --------------------------------------------------------------------------------


def ratio_cell(record: dict[str, Any]) -> str:
    naive = record.get("naive")
    if naive is None or "skipped" in naive:
        return "-"
    ratio = naive["end_to_end_s"] / record["timings"]["total_median_s"]
    return f"{ratio:.3g}x" if naive["answer"] in ("sat", "unsat") else f">{ratio:.3g}x"


def replay_note(replayed: dict[str, Any] | None) -> str:
    if replayed is None:
        return ""
    if not replayed["replayed"]:
        return f" ({replayed['why']})"
    verdict = "confirmed" if replayed["confirms_sat"] else "NOT confirmed"
    return f" (model replayed exactly: {verdict})"


def public(value: Any) -> Any:
    """``value`` without the keys that start with "_" (data, points, models), for the JSON."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


def ordered(result: dict[str, Any]) -> list[tuple[Size, dict[str, Any]]]:
    return sorted(result["records"].items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1]))


def report(result: dict[str, Any]) -> str:
    machine = result["machine"]
    lines = [
        f"bench_theorem1  {result['date']}  cpus={machine['cpu_count']}  python {machine['python']}"
        f"  python-flint {machine['python_flint']}  losscert {machine['losscert']}",
        f"base {tuple(result['base'])}, corner {result['corner'] and tuple(result['corner'])} "
        f"(depth, width, n); cap {result['options']['cap']:g} s, naive timeout "
        f"{result['options']['naive_timeout']:g} s",
        "",
        f"{'depth':>5} {'widths':<22} {'params':>6} {'n':>5} {'losscert med (min)':>22} "
        f"{'constr.':>9} {'checker':>9} {'verdicts':>9} {'rho':>12} "
        f"{'naive':>8} {'naive total':>12} {'z3 solver':>10} {'query':>8} {'naive/losscert':>14}",
    ]
    for size, record in ordered(result):
        inst, tim = record["instance"], record["timings"]
        naive = record.get("naive", {"skipped": "not run"})
        proved = sum(v == "proved" for v in record["verdicts"].values())
        rho = record["radius"] or "-"
        rho = rho if len(rho) <= 12 else f"{float(Fraction(rho)):.4g}"
        if "skipped" in naive:
            naive_cells = f"{'skipped':>8} {'-':>12} {'-':>10} {'-':>8}"
        else:
            naive_cells = (
                f"{naive['answer']:>8} {fmt_seconds(naive['end_to_end_s']):>12} "
                f"{fmt_seconds(naive['solver_s']):>10} {fmt_bytes(naive['query_bytes']):>8}"
            )
        lines.append(
            f"{size[0]:>5} {'-'.join(map(str, inst['widths'])):<22} {inst['parameters']:>6} "
            f"{size[2]:>5} "
            f"{fmt_seconds(tim['total_median_s']) + ' (' + fmt_seconds(tim['total_min_s']) + ')':>22} "
            f"{fmt_seconds(tim['construction_median_s']):>9} {fmt_seconds(tim['check_median_s']):>9} "
            f"{str(proved) + '/' + str(len(CLAIMS)) + ' PROVED':>9} {rho:>12} {naive_cells} "
            f"{ratio_cell(record):>14}"
        )
    lines += ["", "losscert by stage (medians):"]
    stage_names = [label for _, _, label in STAGES] + ["other"]
    lines.append(f"{'size':<16} " + " ".join(f"{s[:12]:>12}" for s in stage_names))
    for size, record in ordered(result):
        stages = record["timings"]["stage_medians_s"]
        lines.append(
            f"{size!s:<16} " + " ".join(f"{fmt_seconds(stages[s]):>12}" for s in stage_names)
        )
    lines += [
        "",
        "checker by claim (medians); local_min part = fit + collapse + cell + box radius + "
        "check(local_min):",
    ]
    for size, record in ordered(result):
        claims = record["timings"]["check_by_claim_median_s"]
        lines.append(
            f"  {size}: "
            + ", ".join(f"{c} {fmt_seconds(s)}" for c, s in claims.items())
            + f"; local_min part {fmt_seconds(record['timings']['local_min_part_median_s'])}"
        )
    lines += ["", "naive route details:"]
    for size, record in ordered(result):
        naive = record.get("naive")
        if naive is None:
            continue
        if "skipped" in naive:
            lines.append(f"  {size}: skipped: {naive['skipped']}")
            continue
        pinned = naive.get("pinned", {})
        pins = "; ".join(
            f"pinned at {w}: {p['answer']} (expected {p['expected']}) in {fmt_seconds(p['wall_s'])}"
            + replay_note(p.get("replay"))
            if "answer" in p
            else f"pinned at {w}: {p['skipped']}"
            for w, p in pinned.items()
        )
        lines.append(
            f"  {size}: {naive['answer']} ({naive['reason']}); build {fmt_seconds(naive['build_s'])}, "
            f"adapter wall {fmt_seconds(naive['wall_s'])}, in the solver process "
            f"{fmt_seconds(naive['solver_s'])}; {pins}"
        )
        if "warning" in naive:
            lines.append(f"  WARNING {size}: {naive['warning']}")
    for item in result["skipped"]:
        lines.append(
            f"  skipped {item['route']} at {tuple(item['size'])}: along {item['dimension']}, "
            f"{item['because_of']} already exceeded the cap"
        )
    lines += ["", "largest size within the cap, per dimension (others at the base):"]
    for dimension, routes in result["largest_within_cap"].items():
        cells = []
        for route, found in routes.items():
            cells.append(
                f"{route} not run"
                if found["largest_within_cap"] is None and found["first_over_cap"] is None
                else f"{route} {found['largest_within_cap'] if found['largest_within_cap'] is not None else 'none'}"
                + (
                    f" (first over: {found['first_over_cap']})"
                    if found["first_over_cap"] is not None
                    else ""
                )
            )
        lines.append(f"  {dimension:<6}: " + "; ".join(cells))
    not_proved = [s for s, r in ordered(result) if not r["all_proved"]]
    lines.append(
        "checks: audits repeat identically; the risk step equals R(theta*)"
        + (
            "; pinned queries answer unsat at theta* and sat at the witness"
            if any("pinned" in r.get("naive", {}) for r in result["records"].values())
            else ""
        )
        + (f"; NOT ALL PROVED at {not_proved}" if not_proved else "; all claims PROVED everywhere")
    )
    return "\n".join(lines)


# --- speed (issue 12): the audit and `check` against one exact forward pass -------------------

SPEED_INPUTS = 10


def stage1_problem(data: Dataset, widths: tuple[int, ...], loss: Loss) -> Problem:
    """The Stage 1 point's problem, built as ``audit_theorem1`` builds it (untimed)."""
    fit, _ = theorem1._fit(data, loss)
    assert fit is not None
    activation = relu()
    choice = theorem1.choose_collapse(activation, fit)
    return Problem(theorem1.collapse_network(widths, activation, fit, choice), loss, data)


def cpu_seconds(fn: Callable[[], Any], repeats: int = 1) -> tuple[float, Any]:
    """The least CPU time (process_time, gc off) of ``repeats`` calls, and the last result."""
    best, out = math.inf, None
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.process_time()
            out = fn()
            best = min(best, time.process_time() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best, out


def run_speed_size(width: int, n: int, args: argparse.Namespace) -> dict[str, Any]:
    widths = (SPEED_INPUTS, width, width, D_Y)
    data = generated_data(n, SPEED_INPUTS, D_Y, args.seed)
    loss = make_loss("squared")
    problem = stage1_problem(data, widths, loss)
    # the floor: a fresh Problem (nothing cached), one exact batched forward pass + risk
    floor, risk = cpu_seconds(lambda: Problem(problem.network, loss, data).risk(), 3)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    audit, timing = timed_audit(
        data, widths, relu(), loss, f"speed-{width}-{n}", timer=time.process_time
    )
    audit_cpu, audit_wall = time.process_time() - cpu0, time.perf_counter() - wall0
    assert audit.stage1_risk == risk, "the audit's Stage 1 point differs from the floor's"
    checks: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for claim, verdict in sorted(audit.verdicts.items()):
            if verdict.certificate is None:
                continue
            path = Path(folder) / f"{claim}.cert.json"
            path.write_text(json.dumps(verdict.certificate), encoding="utf-8")
            seconds, result = cpu_seconds(
                lambda path=path: losscert.checker.check_certificate(path)
            )
            assert result.valid, f"{claim}: the checker rejects the certificate: {result.message}"
            checks[claim] = {
                "cpu_s": seconds,
                "bytes": path.stat().st_size,
                "ratio": seconds / floor,
            }
    return {
        "widths": list(widths),
        "parameters": len(parameter_names(widths)),
        "n": n,
        "verdicts": {c: v.status.value for c, v in audit.verdicts.items()},
        "floor_cpu_s": floor,
        "audit_cpu_s": audit_cpu,
        "audit_wall_s": audit_wall,
        "audit_ratio": audit_cpu / floor,
        "audit_stages_cpu_s": timing["stages"],
        "audit_check_cpu_s": timing["check_by_claim"],
        "check": checks,
    }


def run_speed(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [(32, n) for n in args.speed_ns]
    sizes += [
        (w, args.speed_ns[0]) for w in args.speed_widths if (w, args.speed_ns[0]) not in sizes
    ]
    runs = []
    for width, n in sizes:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] speed: width {width}, n {n}", file=sys.stderr)
        runs.append(run_speed_size(width, n, args))
    return {"runs": runs, "load_before": os.getloadavg(), "machine": machine()}


def report_speed(result: dict[str, Any]) -> str:
    lines = [
        f"bench_theorem1 --speed  losscert {result['machine']['losscert']}  cpus={os.cpu_count()}  "
        f"load average at the end {tuple(round(v, 2) for v in os.getloadavg())}",
        "CPU seconds (process_time); floor = a fresh Problem's exact batched forward pass + risk "
        "of the Stage 1 network (least of 3); ratio = time / floor",
        "",
        f"{'widths':<14} {'params':>6} {'n':>5} {'floor':>8} {'audit':>9} {'ratio':>7} "
        f"{'audit wall':>10}  " + "  ".join(f"{'check ' + c:>26}" for c in CLAIMS),
    ]
    for run in result["runs"]:
        cells = []
        for claim in CLAIMS:
            c = run["check"].get(claim)
            cells.append(
                "-".rjust(26)
                if c is None
                else f"{fmt_seconds(c['cpu_s'])} {c['ratio']:>6.1f}x {fmt_bytes(c['bytes']):>8}".rjust(
                    26
                )
            )
        lines.append(
            f"{'-'.join(map(str, run['widths'])):<14} {run['parameters']:>6} {run['n']:>5} "
            f"{fmt_seconds(run['floor_cpu_s']):>8} {fmt_seconds(run['audit_cpu_s']):>9} "
            f"{run['audit_ratio']:>6.1f}x {fmt_seconds(run['audit_wall_s']):>10}  "
            + "  ".join(cells)
        )
    lines.append("")
    lines.append("the audit by stage, CPU seconds (checker: per claim, in one session)")
    for run in result["runs"]:
        stages = "  ".join(
            f"{k} {v:.2f}" for k, v in run["audit_stages_cpu_s"].items() if v >= 0.005
        )
        claims = "  ".join(f"{k} {v:.2f}" for k, v in run["audit_check_cpu_s"].items())
        lines.append(f"{'-'.join(map(str, run['widths']))} n {run['n']}: {stages}  [{claims}]")
    bad = [r for r in result["runs"] if any(v != "proved" for v in r["verdicts"].values())]
    lines.append(
        "checks: every certificate is valid when read back from its file"
        + (f"; NOT ALL PROVED at {[r['widths'] for r in bad]}" if bad else "; all claims PROVED")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="depths 2 3, widths 4 8, n 10 100, base (3, 8, 100), no corner, "
        "naive timeout 10 s (explicit options still win)",
    )
    parser.add_argument("--depths", type=int, nargs="+", help="affine layers L; default 2 3 4 5")
    parser.add_argument("--widths", type=int, nargs="+", help="hidden widths; default 4 8 16 32")
    parser.add_argument("--ns", type=int, nargs="+", help="numbers of samples; default 10 100 1000")
    parser.add_argument(
        "--base",
        type=int,
        nargs=3,
        metavar=("DEPTH", "WIDTH", "N"),
        help="the size each sweep varies around; default 3 8 100",
    )
    parser.add_argument(
        "--corner",
        type=int,
        nargs=3,
        metavar=("DEPTH", "WIDTH", "N"),
        help="the extra large size; default the largest of each list",
    )
    parser.add_argument("--no-corner", action="store_true", help="do not run the corner")
    parser.add_argument(
        "--cap",
        type=float,
        default=60.0,
        help="seconds; past this a route is skipped at larger values of the dimension; default 60",
    )
    parser.add_argument(
        "--naive-timeout",
        type=float,
        help="z3 time limit for the naive query in seconds; default 60 (10 quick)",
    )
    parser.add_argument("--no-naive", action="store_true", help="run losscert only")
    parser.add_argument(
        "--no-encoding-check",
        dest="encoding_check",
        action="store_false",
        help="skip the two pinned queries that check the encoding",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="audit runs per size when one takes under --repeat-below; default 3",
    )
    parser.add_argument(
        "--repeat-below",
        type=float,
        default=30.0,
        help="repeat audits shorter than this many seconds; default 30",
    )
    parser.add_argument("--inputs", type=int, default=2, help="input dimension d_X; default 2")
    parser.add_argument("--smt-dir", metavar="DIR", help="also write each naive query to DIR")
    add_run_options(parser, repeats=None, min_time=None, seed_help="generated_data seed; default 0")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--speed",
        action="store_true",
        help="instead of the sweep: the issue 12 rows (relu, d_X 10, two hidden layers): audit "
        "and check of each certificate against one exact forward pass + risk, in CPU seconds",
    )
    parser.add_argument(
        "--speed-ns", type=int, nargs="+", default=[250, 1000], help="--speed: n; default 250 1000"
    )
    parser.add_argument(
        "--speed-widths",
        type=int,
        nargs="+",
        default=[8, 32, 128],
        help="--speed: hidden widths at the first n (the growth row); default 8 32 128",
    )
    args = parser.parse_args(argv)
    if args.speed:
        speed = run_speed(args)
        print(report_speed(speed))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(speed, fh, indent=2)
                fh.write("\n")
        return 0
    quick = args.quick
    args.depths = args.depths or ([2, 3] if quick else [2, 3, 4, 5])
    args.widths = args.widths or ([4, 8] if quick else [4, 8, 16, 32])
    args.ns = args.ns or ([10, 100] if quick else [10, 100, 1000])
    args.base = args.base or [3, 8, 100]
    args.no_corner = args.no_corner or (quick and args.corner is None)
    args.corner = args.corner or [max(args.depths), max(args.widths), max(args.ns)]
    args.naive_timeout = args.naive_timeout or (10.0 if quick else 60.0)
    if min([*args.depths, args.base[0], args.corner[0]]) < 2:
        parser.error("depths must be at least 2 (one hidden layer)")
    if min([*args.widths, args.base[1], args.corner[1]]) <= D_Y:
        parser.error(f"hidden widths must exceed d_Y = {D_Y}")
    if min([*args.ns, args.base[2], args.corner[2]]) < args.inputs + 2:
        parser.error("n must exceed d_X + 1 (else an affine map fits the data)")
    if args.naive_timeout <= 0 or args.cap <= 0 or args.repeats < 1 or args.inputs < 1:
        parser.error("--naive-timeout, --cap, --repeats and --inputs must be positive")
    for name, lst, k in (
        ("depths", args.depths, 0),
        ("widths", args.widths, 1),
        ("ns", args.ns, 2),
    ):
        if args.base[k] not in lst:
            parser.error(f"the base value {args.base[k]} must be one of --{name}")

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    result = sweep(args, progress)
    result["largest_within_cap"] = largest_within_cap(result)
    result.update(
        {
            "date": run_date(args),
            "machine": machine(),
            "options": {
                "cap": args.cap,
                "naive_timeout": args.naive_timeout,
                "repeats": args.repeats,
                "repeat_below": args.repeat_below,
                "encoding_check": args.encoding_check,
                "seed": args.seed,
            },
            "total_run_s": time.perf_counter() - started,
        }
    )
    print(report(result))
    print(f"\ntotal run time {fmt_seconds(result['total_run_s'])}")
    if args.json:
        serial = {
            **result,
            "records": [{"size": list(size), **public(record)} for size, record in ordered(result)],
        }
        write_json(serial, args.json)
    return 0


def fmt_seconds(s: float) -> str:
    return _fmt_seconds(s, (2, 1, 0))


def fmt_bytes(b: int) -> str:
    return _fmt_bytes(b, 1)


if __name__ == "__main__":
    raise SystemExit(main())

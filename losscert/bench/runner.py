"""Running benchmark instances: one unit of work per instance, through any Executor.

A unit (:func:`run_unit`) reads the instance's problem document, runs the family's public API
call under a time limit, re-checks every certificate produced with the independent checker, and
compares the verdicts with the planted ones. It returns a plain, JSON-ready record. The baselines
run in the same unit, right after losscert, on the same instance.

The time limit is a SIGALRM timer when the unit runs in a process's main thread (a process pool
worker); elsewhere (a thread of a Dask worker) the unit is timed and a unit past its limit is
recorded as a timeout all the same, only later. A unit past its limit never yields a verdict.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from losscert.bench.instances import BenchInstance
from losscert.checker import check_document
from losscert.io.problem_file import problem_from_dict
from losscert.model.problem import Problem
from losscert.verifier.verdict import Status, Verdict


@dataclass(frozen=True)
class RunOptions:
    """How a unit may spend time (passed to the worker with the instance)."""

    limit: float = 60.0  # seconds for losscert on one instance
    baseline_limit: float = 10.0  # seconds for one baseline query or enumeration
    baselines: bool = True


class UnitTimeout(BaseException):
    """Raised by the timer inside a unit that ran past its limit (a BaseException, so that no
    ``except Exception`` inside the library turns it into a verdict)."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # no signals here: the caller compares the elapsed time with the limit
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise UnitTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_unit(instance: BenchInstance, options: RunOptions) -> dict[str, Any]:
    """The record of one instance (see :func:`new_record` for its fields)."""
    record = new_record(instance)
    problem = problem_from_dict(instance.document, source=instance.name)
    start = time.perf_counter()
    try:
        with _time_limit(options.limit):
            verdicts, extra = FAMILY_RUNS[instance.family](problem, instance)
    except UnitTimeout:
        verdicts, extra = None, {}
    except Exception as exc:  # a crash is a bug: recorded, and counted with the wrong verdicts
        record["status"] = "error"
        record["seconds"] = time.perf_counter() - start
        record["wrong"] = True
        record["wrong_detail"].append(f"the unit raised {type(exc).__name__}: {exc}")
        return record
    seconds = time.perf_counter() - start
    record["seconds"] = seconds
    record["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if verdicts is None or seconds > options.limit:
        record["status"] = "timeout"
        record["detail"] = f"no verdict within the limit of {options.limit:g} s"
        return record
    record.update(extra.get("record", {}))
    _judge(record, instance, verdicts)
    if options.baselines and "baseline" in extra:
        record["baseline"] = extra["baseline"](options.baseline_limit)
        _ratio(record)
    return record


def new_record(instance: BenchInstance) -> dict[str, Any]:
    return {
        "family": instance.family,
        "instance": instance.name,
        "size": instance.size,
        "claim": instance.claim,
        "planted": dict(instance.planted),
        "verdict": None,  # of the headline claim: proved, refuted, unknown(reason)
        "verdicts": {},
        "status": "done",  # or timeout, or error (counted as wrong)
        "wrong": False,
        "wrong_detail": [],
        "certificates": 0,
        "certificates_valid": True,
        "rejected": [],
        "certificate_bytes": 0,
        "seconds": None,
        "peak_rss_kib": None,
        "cells": None,
        "baseline": None,
        "ratio": None,
    }


def _word(verdict: Verdict) -> str:
    if verdict.status is Status.UNKNOWN:
        return f"unknown({verdict.reason})"
    return verdict.status.value


def _judge(record: dict[str, Any], instance: BenchInstance, verdicts: dict[str, Any]) -> None:
    """Re-check every certificate, then compare the verdicts with the planted ones."""
    for claim, verdict in verdicts.items():
        if claim == "_fails":
            continue
        record["verdicts"][claim] = _word(verdict)
        if verdict.certificate is None:
            continue
        text = json.dumps(verdict.certificate)
        record["certificates"] += 1
        record["certificate_bytes"] += len(text.encode())
        result = check_document(json.loads(text))
        if not result.valid:
            record["certificates_valid"] = False
            record["rejected"].append(f"{claim}: {result.message}")
    record["verdict"] = record["verdicts"].get(instance.claim, "unknown(not_attempted)")
    wrong = record["wrong_detail"]
    for claim, expected in instance.planted.items():
        got = record["verdicts"].get(claim, "not attempted")
        if got in ("proved", "refuted") and expected == "not_proved" and got == "proved":
            wrong.append(f"{claim}: planted not PROVED, got PROVED")
        elif got in ("proved", "refuted") and expected in ("proved", "refuted") and got != expected:
            wrong.append(f"{claim}: planted {expected}, got {got}")
    if instance.fails is not None and instance.fails not in verdicts.get("_fails", ()):
        wrong.append(f"assumption {instance.fails!r} planted failing, reported holding")
    record["wrong"] = bool(wrong)


def _ratio(record: dict[str, Any]) -> None:
    base = record["baseline"]
    if base and base.get("finished") and record["seconds"]:
        record["ratio"] = base["seconds"] / record["seconds"]


# --- one function per family ------------------------------------------------------------------

FamilyResult = tuple[dict[str, Any], dict[str, Any]]


def _theorem1(problem: Problem, instance: BenchInstance) -> FamilyResult:
    from losscert.bench.baselines import naive_theorem1
    from losscert.theorems.theorem1 import audit_theorem1

    net = problem.network
    audit = audit_theorem1(
        problem.data, net.widths, net.activation, problem.loss, name=instance.name
    )
    verdicts: dict[str, Any] = dict(audit.verdicts)
    verdicts["_fails"] = tuple(a.name for a in audit.assumptions.failing())
    extra: dict[str, Any] = {}
    local = audit.verdicts.get("local_min")
    if (
        local is not None
        and local.certificate is not None
        and audit.radius is not None
        and audit.stage1_risk is not None
        and problem.loss.kind in ("squared", "squared_half")
    ):
        point = [Fraction(v) for v in local.certificate["problem"]["point"]]
        radius, risk = audit.radius, audit.stage1_risk

        def baseline(limit: float) -> dict[str, Any]:
            return naive_theorem1(problem, point, radius, risk, limit)

        extra["baseline"] = baseline
    return verdicts, extra


def _cell_min(problem: Problem, instance: BenchInstance) -> FamilyResult:
    from losscert.verifier.global_min import certify_cell_global_min

    verdict = certify_cell_global_min(problem)
    return {"cell_global_min": verdict}, {
        "record": {"cells": {"programs": verdict.stats.get("programs")}}
    }


def _global(problem: Problem, instance: BenchInstance) -> FamilyResult:
    from losscert.bench.baselines import brute_force_global
    from losscert.verifier.global_min import certify_global_min

    result = certify_global_min(problem)
    cells = {"patterns": result.patterns, "programs": result.programs}

    def baseline(limit: float) -> dict[str, Any]:
        return brute_force_global(problem, result.verdict, limit)

    return {"global_min": result.verdict}, {"record": {"cells": cells}, "baseline": baseline}


def _general(problem: Problem, instance: BenchInstance) -> FamilyResult:
    from losscert.verifier.candidate import certify_local_min
    from losscert.verifier.smt_route import SmtOptions

    verdict = certify_local_min(problem, SmtOptions(timeout=20.0))
    method = verdict.stats.get("method")
    return {"local_min": verdict}, {"record": {"method": method}}


def _trained(problem: Problem, instance: BenchInstance) -> FamilyResult:
    from losscert.verifier.candidate import certify_local_min
    from losscert.verifier.nearby import certify_nearby
    from losscert.verifier.smt_route import SmtOptions

    options = SmtOptions(timeout=20.0)
    original = certify_local_min(problem, options)
    verdicts: dict[str, Any] = {"local_min": original}
    result = certify_nearby(problem, options, spurious=True)
    verdicts["nearby_local_min"] = result.local
    if result.spurious is not None:
        verdicts["nearby_spurious"] = result.spurious
    route = result.local.stats.get("method") if result.moved is None else result.moved.route
    return verdicts, {"record": {"method": route}}  # "escape ray" when refuted by one


FAMILY_RUNS: dict[str, Callable[[Problem, BenchInstance], FamilyResult]] = {
    "theorem1": _theorem1,
    "valley": _theorem1,
    "linear_contrast": _theorem1,
    "assumption_fails": _theorem1,
    "one_hidden_cell_min": _cell_min,
    "one_hidden_global": _global,
    "general_engine": _general,
    "trained": _trained,
}


# --- the loop over instances -------------------------------------------------------------------


def run_instances(
    instances: list[BenchInstance],
    executor: Executor | None,
    options: RunOptions,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Every instance's record, in the instances' order. On KeyboardInterrupt the records
    finished so far are attached to the exception (``exc.records``) before it propagates."""
    say = progress or (lambda _message: None)
    records: dict[int, dict[str, Any]] = {}
    total = len(instances)
    try:
        if executor is None:
            for k, inst in enumerate(instances):
                records[k] = run_unit(inst, options)
                say(_progress_line(len(records), total, records[k]))
        else:
            futures: dict[Future[dict[str, Any]], int] = {
                executor.submit(run_unit, inst, options): k for k, inst in enumerate(instances)
            }
            for future in as_completed(futures):
                k = futures[future]
                records[k] = future.result()
                say(_progress_line(len(records), total, records[k]))
    except KeyboardInterrupt as exc:
        exc.records = [records[k] for k in sorted(records)]  # type: ignore[attr-defined]
        raise
    return [records[k] for k in sorted(records)]


def _progress_line(done: int, total: int, record: dict[str, Any]) -> str:
    verdict = record["verdict"] if record["status"] == "done" else record["status"].upper()
    flag = "  << WRONG" if record["wrong"] else ""
    flag += "  << CERTIFICATE REJECTED" if not record["certificates_valid"] else ""
    return (
        f"[{done}/{total}] {record['family']:<20} {record['instance']:<28} "
        f"{verdict:<22} {record['seconds']:7.2f} s{flag}"
    )


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

"""The baselines losscert is measured against, run in the same unit on the same instance.

- Theorem 1 local minimality: the naive SMT route (losscert.encodings.naive_smt): one QF_NRA
  query over the whole network, "a theta in the certificate's box with R(theta) < R(theta*)?",
  answered by z3 through losscert.backends (a child process killed at the limit). The expected
  answer is unsat; a sat would contradict losscert's certificate and is reported as such.
- One-hidden-layer global minima: brute force, ``certify_global_min(route="subsets")``, one
  convex program per choice of d_1 blocks, stopped at the limit.

Each returns a JSON-ready dict with ``finished`` (the baseline reached the answer losscert
certified), ``seconds`` and what it answered.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from losscert.encodings.naive_smt import naive_query
from losscert.model.problem import Problem
from losscert.verifier.verdict import Status, Verdict


def naive_theorem1(
    problem: Problem, point: Sequence[Fraction], radius: Fraction, risk: Fraction, limit: float
) -> dict[str, Any]:
    from losscert.backends.z3_adapter import Z3Adapter

    net = problem.network
    start = time.perf_counter()
    text = naive_query(
        net.widths,
        net.activation,
        problem.data,
        point,
        radius,
        risk,
        f"naive query: widths {net.widths}, n = {problem.data.n}, rho = {radius}",
        loss=problem.loss.kind,
    )
    answer = Z3Adapter().solve_smtlib(text, limit)
    seconds = time.perf_counter() - start
    return {
        "method": "naive_smt",
        "answer": answer.status,
        "reason": answer.reason,
        "finished": answer.status == "unsat",
        "contradicts": answer.status == "sat",
        "seconds": seconds,
        "query_bytes": len(text.encode()),
    }


def brute_force_global(problem: Problem, verdict: Verdict, limit: float) -> dict[str, Any]:
    from losscert.verifier.global_min import certify_global_min

    start = time.perf_counter()
    result = certify_global_min(problem, route="subsets", deadline=start + limit)
    seconds = time.perf_counter() - start
    got = result.verdict
    decided = got.status is not Status.UNKNOWN
    return {
        "method": "subsets",
        "answer": got.status.value if decided else f"unknown({got.reason})",
        "finished": decided and got.status is verdict.status,
        "contradicts": decided
        and verdict.status is not Status.UNKNOWN
        and got.status is not verdict.status,
        "seconds": seconds,
        "programs": result.programs,
    }

"""Is a proved local minimum spurious? Decided from certified global information first, then by
an untrusted search for a lower point (replayed exactly).

* **Linear networks** (an activation without breakpoints): every parameter computes an affine map,
  so the optimal affine predictor's risk R_lin* is a lower bound; when the point computes the
  optimal affine predictor it is a global minimum (``global_min`` PROVED, so ``spurious_local_min``
  is REFUTED).
* **One hidden layer, one output, a convex loss**: the global machinery
  (:func:`losscert.verifier.global_min.certify_global_min`): a certified global minimum equal to
  R(theta*) refutes spuriousness with its ``global_min`` certificate; a replayed network of lower
  risk proves it (the local-minimum evidence, a ``risk`` step and a ``lower_point``).
* **Otherwise**: Theorem 1's Stage-2 move, then :func:`losscert.verifier.search.lower_witness`.

A REFUTED verdict of ``spurious_local_min`` carries the ``global_min`` certificate: "theta* is
a global minimum", hence no point is lower.
"""

from __future__ import annotations

import math
import time
from typing import Any

from losscert.errors import UnsupportedError
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.global_min import certify_global_min, require_one_hidden_layer
from losscert.verifier.regression import fit_affine, regression_step
from losscert.verifier.search import LowerPoint
from losscert.verifier.verdict import Status, Verdict

CLAIM = "spurious_local_min"
MAX_GLOBAL_WORK = 10_000
"""The global route runs only when (a neuron's patterns on the data, estimated by
2 sum_{k <= d} C(n - 1, k)) x n is at most this: the enumeration costs about that many small
LPs (measured 2026-12-02: d 1, n 100, 150 patterns: 27 s; d 2, n 30, 868 patterns: 13 s)."""
GLOBAL_SECONDS = 120.0


def spurious_from_global(
    problem: Problem, local: Verdict, *, deadline: float | None = None
) -> Verdict | None:
    """PROVED / REFUTED from certified global information, or None when there is none."""
    if not problem.network.activation.breakpoints:
        return _linear(problem)
    try:
        require_one_hidden_layer(problem)
    except UnsupportedError:
        return None
    n, d = problem.data.n, problem.data.input_dim
    if n * 2 * sum(math.comb(n - 1, k) for k in range(min(d, n - 1) + 1)) > MAX_GLOBAL_WORK:
        return None
    limit = deadline if deadline is not None else time.perf_counter() + GLOBAL_SECONDS
    result = certify_global_min(problem, deadline=limit)
    verdict = result.verdict
    if verdict.status is Status.PROVED and verdict.certificate is not None:
        return _not_spurious(verdict.certificate, "one hidden layer: certified global minimum")
    if verdict.status is Status.REFUTED and result.witness is not None:
        lower = LowerPoint(
            result.witness.parameter_vector(), problem.with_network(result.witness).risk()
        )
        return spurious_with_witness(problem, local, lower, "global minimum (convex programs)")
    return None


def _linear(problem: Problem) -> Verdict | None:
    try:
        fit = fit_affine(problem.data, problem.loss)
    except UnsupportedError:
        return None
    if problem.trace().output_rows() != fit.predictions:
        return None  # R(theta*) > R_lin*: whether a narrow layer can reach lower is left to search
    steps = [regression_step(fit)]
    certificate = new_certificate(
        problem, "global_min", steps, {"method": "linear network at the least-squares fit"}
    )
    return _not_spurious(certificate, "linear network: the optimal affine predictor")


def _not_spurious(certificate: dict[str, Any], how: str) -> Verdict:
    """REFUTED spurious_local_min, backed by a global_min certificate (re-checked here)."""
    return certified(CLAIM, Status.REFUTED, certificate, method=how)


def spurious_with_witness(
    problem: Problem, local: Verdict, witness: LowerPoint, how: str
) -> Verdict:
    """PROVED spurious_local_min: the local-minimum evidence and a point of lower risk."""
    assert local.certificate is not None
    evidence = [
        *local.certificate["evidence"],
        {"id": "risk", "kind": "risk", "value": rational_string(problem.risk())},
        {
            "id": "lower",
            "kind": "lower_point",
            "uses": ["risk"],
            "point": rationals(witness.parameters),
            "risk": rational_string(witness.risk),
        },
    ]
    evidence = _unique_ids(evidence)
    certificate = new_certificate(
        problem, CLAIM, evidence, {"method": local.stats.get("method", ""), "witness": how}
    )
    return certified(CLAIM, Status.PROVED, certificate, witness_risk=witness.risk, witness=how)


def _unique_ids(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The local evidence may hold its own ``risk`` step (the convex route): keep the first."""
    seen: set[str] = set()
    out = []
    for step in evidence:
        if step["id"] in seen:
            if step["kind"] == "risk":
                continue
            raise AssertionError(f"two evidence steps share the id {step['id']!r}")
        seen.add(step["id"])
        out.append(step)
    return out

"""Local minima without solvers at any depth: the lifted gradient (docs/certificate.md 3.24).

In a cell the network is linear in its chain monomials (products of one weight per layer along a
path, losscert.checker.lifted) and the risk is convex in the outputs. When the loss gradient at
theta* is orthogonal to every chain's output vector, R(theta) >= R(theta*) on the whole cell: the
flat minima strictly inside a cell that the SMT rung could not answer at depth 3 (the residuals
orthogonal to every output the cell can compute). On a cell boundary the same holds in every
adjacent pattern; only the ties that can change the answer (a sample with a non-zero loss
gradient, below a layer that transmits on that sample) are enumerated.

The test is exact and cheap (rational inner products over the samples); the producer runs the
checker's own test first and writes a certificate only when it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from losscert.checker import lifted
from losscert.checker.problem import Problem as CheckerProblem
from losscert.checker.problem import forward
from losscert.checker.result import Invalid
from losscert.model.problem import Problem
from losscert.verifier.certificate import CHECKABLE_LOSSES, certified, new_certificate, rationals
from losscert.verifier.descent import checker_view
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min"
METHOD = "lifted gradient (no solver)"
PRODUCER_WORK = 2_000_000
"""The producer gives up sooner than the checker's limit: the test runs on every point that
reaches it, and most points that fail it fail within a few chains."""


def lifted_verdict(
    problem: Problem,
    *,
    say: Callable[[str], None] | None = None,
    view: CheckerProblem | None = None,
    claim: str = CLAIM,
) -> Verdict | None:
    """PROVED ``claim`` with a ``lifted_gradient_zero`` certificate, or None when the lifted
    gradient is not zero (or the test is beyond the checker's limits): the caller goes on.
    ``claim`` is ``local_min`` (any point) or ``cell_global_min`` (a point inside its cell: R >=
    R(theta*) on the whole cell, any depth)."""
    if problem.loss.kind not in CHECKABLE_LOSSES:
        return None
    view = view or checker_view(problem)
    step: dict[str, Any] = {"id": "lifted", "kind": "lifted_gradient_zero", "ties": []}
    if view.loss in ("absolute", "hinge"):
        step["subgradients"] = [rationals(row) for row in _subgradients(view)]
    try:
        g = lifted.loss_gradients(view, step, "lifted")
        pattern, ties = lifted.point_ties(view)
        if claim == "cell_global_min" and ties:
            _say(say, "lifted gradient: the point is on a cell boundary")
            return None
        relevant = lifted.relevant_ties(view, pattern, ties, g)
        groups = lifted.tie_groups(view, relevant)
        if 2 ** len(groups) > lifted.MAX_SIDE_CHOICES:
            _say(say, f"lifted gradient: {len(groups)} groups of relevant ties, beyond the limit")
            return None
        budget = lifted.Budget(min(PRODUCER_WORK, lifted.MAX_LIFTED_WORK))
        for _, full in lifted.side_patterns(pattern, ties, groups):
            failure = lifted.first_failure(view, full, g, budget, "lifted")
            if failure is not None:
                _say(say, f"lifted gradient: not zero ({failure[0]})")
                return None
    except Invalid as exc:  # beyond the work limit
        _say(say, f"lifted gradient: {exc}")
        return None
    step["ties"] = [[j + 1, r, i] for j, r, i, _ in relevant]
    certificate = new_certificate(
        problem,
        claim,
        [step],
        {"method": "lifted gradient", "ties": len(ties), "relevant_ties": len(relevant)},
    )
    return certified(claim, Status.PROVED, certificate, method=METHOD)


def _subgradients(view: CheckerProblem) -> list[list[Fraction]]:
    """The derivative where the loss has one, 0 on a kink (inside both subdifferentials)."""
    out = []
    for y, f in zip(view.labels, forward(view, view.point).outputs, strict=True):
        row = []
        for yk, fk in zip(y, f, strict=True):
            if view.loss == "absolute":
                row.append(Fraction((fk > yk) - (fk < yk)))
            else:
                row.append(-yk if 1 - yk * fk > 0 else Fraction(0))
        out.append(row)
    return out


def _say(say: Callable[[str], None] | None, message: str) -> None:
    if say is not None:
        say(message)

"""Mutation testing of `infimum_not_attained` (1.1) and its steps `limit_family` and
`unattainable_outputs`, on the kinked activation's certificate (tests/support/nonhomogeneous.py).

- `limit_family`, step by step: every single entry of base / growth / vanishing / limit_risk is
  changed, and an oracle that does not use the checker decides: growth outside layer 1 or
  vanishing outside W_2 is refused by the rule; otherwise the exact outputs of theta(s) at two
  huge s (10^40, 10^80) show whether they diverge, and if they converge the limit risk must match
  the claimed one (within 10^-30; the error is O(1/s)).
- `unattainable_outputs` and the claim, whole document: every single-field change is rejected (a
  changed g entry breaks sum g = 0 or G^T lambda = M^T g; a changed multiplier changes
  G^T lambda, every cone row being non-zero; a changed output, pattern or sign leaves the bound's
  outputs or a block uncovered; a changed value or a missing step leaves the claim unproved).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from fractions import Fraction as F
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.checker.problem import read_problem as checker_problem
from losscert.checker.result import Invalid
from losscert.checker.steps import STEP_KINDS
from losscert.verifier.global_min import certify_global_min

from ..support.nonhomogeneous import KINKED, KINKED_LABELS, make_problem

VALUE_OPS = {
    "+1": lambda v: v + 1,
    "-1": lambda v: v - 1,
    "*2": lambda v: 2 * v,
    "+1/1000": lambda v: v + F(1, 1000),
}


def q(value: F) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


@cache
def _document() -> dict[str, Any]:
    result = certify_global_min(make_problem(KINKED, KINKED_LABELS, (["1"], ["0"], ["1"], "0")))
    assert result.infimum_certificate is not None
    return result.infimum_certificate


def _step(document: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in document["evidence"] if s["kind"] == kind)


def test_the_certificate_is_valid() -> None:
    result = check_document(_document())
    assert result.valid, result.message


# --- limit_family -----------------------------------------------------------------------------


def _oracle_limit(problem: Any, base: list[F], growth: list[F], vanishing: list[F]) -> F | None:
    """The risk of lim theta(s), from exact forward passes at s = 10^40 and 10^80; None when the
    outputs diverge. Independent of the checker's piece-by-piece limit."""
    from losscert.checker.problem import forward

    def outputs(s: F) -> list[F]:
        theta = [b + s * g + v / s for b, g, v in zip(base, growth, vanishing, strict=True)]
        trace = forward(problem, theta)
        return [F(o) for o in _outputs_of(trace, problem, theta)]

    far, farther = outputs(F(10) ** 40), outputs(F(10) ** 80)
    if any(abs(a - b) > F(1, 10**20) for a, b in zip(far, farther, strict=True)):
        return None
    n = len(problem.inputs)
    return sum(((o - y[0]) ** 2 for o, y in zip(farther, problem.labels, strict=True)), F(0)) / n


def _outputs_of(trace: Any, problem: Any, theta: list[F]) -> list[F]:
    """The network's outputs at theta (the forward pass written out: one hidden layer)."""
    del trace
    (w1, b1), (w2, b2) = problem.layers(theta)
    act = problem.activation
    out = []
    for x in problem.inputs:
        total = b2[0]
        for r in range(len(b1)):
            z = sum((a * b for a, b in zip(w1[r], x, strict=True)), b1[r])
            k = sum(1 for p in act.breakpoints if p < z)
            total += w2[0][r] * (act.slopes[k] * z + act.intercepts[k])
        out.append(total)
    return out


def _family_mutations() -> Iterator[tuple[str, dict[str, Any]]]:
    step = _step(_document(), "limit_family")
    for name in ("base", "growth", "vanishing"):
        for index, value in enumerate(step[name]):
            for op, change in VALUE_OPS.items():
                mutated = copy.deepcopy(step)
                mutated[name][index] = q(change(F(value)))
                yield f"{name}[{index}] {op}", mutated
    for op, change in VALUE_OPS.items():
        mutated = copy.deepcopy(step)
        mutated["limit_risk"] = q(change(F(step["limit_risk"])))
        yield f"limit_risk {op}", mutated


@pytest.mark.parametrize(("label", "mutated"), list(_family_mutations()))
def test_limit_family_mutations_against_the_oracle(label: str, mutated: dict[str, Any]) -> None:
    document = _document()
    problem = checker_problem(document["problem"], Path("."))
    size = problem.num_parameters
    first_layer = problem.widths[1] * (problem.widths[0] + 1)
    w2 = range(first_layer, first_layer + problem.widths[1])
    growth = [F(v) for v in mutated["growth"]]
    vanishing = [F(v) for v in mutated["vanishing"]]
    misplaced = any(growth[i] for i in range(first_layer, size)) or any(
        vanishing[i] for i in range(size) if i not in w2
    )
    expected = (
        None
        if misplaced
        else _oracle_limit(problem, [F(v) for v in mutated["base"]], growth, vanishing)
    )
    try:
        facts = STEP_KINDS["limit_family"].verify(problem, mutated, {}, "family")
    except Invalid:
        accepted = None
    else:
        accepted = facts["limit_risk"]
    if expected is None:
        assert accepted is None, label
    elif expected == F(mutated["limit_risk"]) or abs(expected - F(mutated["limit_risk"])) < F(
        1, 10**30
    ):
        assert accepted == F(mutated["limit_risk"]), label
    else:
        assert accepted is None, label


# --- unattainable_outputs and the claim, whole document -------------------------------------


def _document_mutations() -> Iterator[tuple[str, dict[str, Any]]]:
    document = _document()
    index = next(
        i for i, s in enumerate(document["evidence"]) if s["kind"] == "unattainable_outputs"
    )
    step = document["evidence"][index]
    for o in range(len(step["outputs"])):
        for op in ("+1", "+1/1000"):
            mutated = copy.deepcopy(document)
            value = F(step["outputs"][o])
            mutated["evidence"][index]["outputs"][o] = q(VALUE_OPS[op](value))
            yield f"outputs[{o}] {op}", mutated
    for c in range(len(step["covers"])):  # each field of each cover
        cover = step["covers"][c]
        for i, value in enumerate(cover["g"]):
            mutated = copy.deepcopy(document)
            mutated["evidence"][index]["covers"][c]["g"][i] = q(F(value) + 1)
            yield f"covers[{c}].g[{i}] +1", mutated
        block = cover["blocks"][0]
        for m, value in enumerate(block["multipliers"]):
            mutated = copy.deepcopy(document)
            target = mutated["evidence"][index]["covers"][c]["blocks"][0]
            target["multipliers"][m] = q(F(value) + F(1, 1000))
            yield f"covers[{c}].multipliers[{m}] +1/1000", mutated
        for k, piece in enumerate(block["pattern"]):
            mutated = copy.deepcopy(document)
            target = mutated["evidence"][index]["covers"][c]["blocks"][0]
            target["pattern"][k] = (piece + 1) % 3
            yield f"covers[{c}].pattern[{k}]", mutated
        mutated = copy.deepcopy(document)
        mutated["evidence"][index]["covers"][c]["blocks"][0]["sign"] = -block["sign"]
        yield f"covers[{c}].sign", mutated
    mutated = copy.deepcopy(document)
    del mutated["evidence"][index]["covers"][len(step["covers"]) // 2]
    yield "a cover removed", mutated
    for position, step_ in enumerate(document["evidence"]):
        if step_["kind"] == "convex_lower_bound":  # each subset's bound (above the value or at it)
            mutated = copy.deepcopy(document)
            del mutated["evidence"][position]
            yield f"without {step_['id']}", mutated
    for value in ("1/1000", "-1/1000"):
        mutated = copy.deepcopy(document)
        mutated["claim"]["value"] = value
        yield f"claim value {value}", mutated
    for kind in ("limit_family", "convex_lower_bound", "unattainable_outputs"):
        mutated = copy.deepcopy(document)
        mutated["evidence"] = [s for s in mutated["evidence"] if s["kind"] != kind]
        yield f"without {kind}", mutated
    mutated = copy.deepcopy(document)
    mutated["minor"] = 0
    yield "declared 1.0", mutated
    mutated = copy.deepcopy(document)
    mutated["problem"]["loss"] = {"kind": "absolute"}
    yield "absolute loss", mutated


@pytest.mark.parametrize(("label", "mutated"), list(_document_mutations()))
def test_every_mutation_of_the_cover_or_the_claim_is_rejected(
    label: str, mutated: dict[str, Any]
) -> None:
    result = check_document(mutated)
    assert not result.valid, label


def test_the_sign_row_multiplier_must_be_positive_when_g_dot_outputs_is_zero() -> None:
    document = copy.deepcopy(_document())
    step = _step(document, "unattainable_outputs")
    outputs = [F(v) for v in step["outputs"]]
    for cover in step["covers"]:
        dot = sum((F(g) * o for g, o in zip(cover["g"], outputs, strict=True)), F(0))
        block = cover["blocks"][0]
        if dot == 0 and F(block["multipliers"][0]) > 0:
            block["multipliers"][0] = "0"
            break
    else:
        pytest.skip("every cover has g . o* < 0")
    result = check_document(document)
    assert not result.valid


# --- global_infimum (absolute loss: the value without a decision on attainment) ---------------


@cache
def _infimum_document() -> dict[str, Any]:
    problem = make_problem(KINKED, KINKED_LABELS, (["1"], ["0"], ["1"], "0"), loss="absolute")
    result = certify_global_min(problem)
    assert result.infimum == 0 and result.infimum_attained is None
    assert result.infimum_certificate is not None
    assert result.infimum_certificate["claim"] == {"kind": "global_infimum", "value": "0"}
    return result.infimum_certificate


def _infimum_mutations() -> Iterator[tuple[str, dict[str, Any]]]:
    document = _infimum_document()
    for value in ("1/1000", "-1/1000", "1"):
        mutated = copy.deepcopy(document)
        mutated["claim"]["value"] = value
        yield f"claim value {value}", mutated
    for position, step in enumerate(document["evidence"]):
        if step["kind"] in ("convex_lower_bound", "limit_family"):
            mutated = copy.deepcopy(document)
            del mutated["evidence"][position]
            yield f"without {step['id']}", mutated
    family = next(i for i, s in enumerate(document["evidence"]) if s["kind"] == "limit_family")
    for op in ("+1", "+1/1000"):
        mutated = copy.deepcopy(document)
        step = mutated["evidence"][family]
        step["limit_risk"] = q(VALUE_OPS[op](F(step["limit_risk"])))
        yield f"limit_risk {op}", mutated
        mutated = copy.deepcopy(document)
        step = mutated["evidence"][family]
        step["base"][-1] = q(VALUE_OPS[op](F(step["base"][-1])))  # b_2 moves every output
        yield f"b_2 {op}", mutated
    mutated = copy.deepcopy(document)
    mutated["minor"] = 0
    yield "declared 1.0", mutated


def test_the_global_infimum_certificate_is_valid() -> None:
    result = check_document(_infimum_document())
    assert result.valid, result.message


@pytest.mark.parametrize(("label", "mutated"), list(_infimum_mutations()))
def test_every_mutation_of_a_global_infimum_is_rejected(
    label: str, mutated: dict[str, Any]
) -> None:
    assert not check_document(mutated).valid, label

"""Mutation testing of the checker's `neuron_regions` step (docs/certificate.md 3.14).

From the step the enumeration produces for the data of two example certificates (ReLU and
hard-tanh, one hidden layer), every single-field mutation is generated (each rational v -> v+1,
v-1, -v, 2v, v+1/1000, v-1/1000, v/2; each piece index +-1, as a bool, as a string; entries of a
list swapped, dropped or repeated; regions and pruned prefixes dropped or duplicated) and
classified *without asking the checker* by ``reference_valid``, a plain re-reading of the spec:
witnesses evaluated directly, Farkas vectors summed directly, completeness over the explicit set
of all prefixes. The checker must accept exactly the mutations the reference accepts (some are
harmless: a witness moved a little stays inside), and the test asserts that both kinds occur.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable, Iterator
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.checker.problem import read_problem
from losscert.checker.result import Invalid
from losscert.checker.steps import STEP_KINDS
from losscert.encodings.arrangement import arrangement_step, neuron_regions

from ..conftest import EXAMPLES

RATIONAL = re.compile(r"[+-]?[0-9]+(/[0-9]+)?")
NAMES = ("relu_spurious_local_min", "hardtanh_strict_local_min")


def _num(value: Any) -> F | None:
    if not isinstance(value, str) or not RATIONAL.fullmatch(value):
        return None
    p, _, q = value.partition("/")
    return None if q and int(q) == 0 else F(int(p), int(q) if q else 1)


def _ints(value: Any, low: int, high: int) -> tuple[int, ...] | None:
    if not isinstance(value, list) or any(
        type(k) is not int or not low <= k <= high for k in value
    ):
        return None
    return tuple(value)


def _constraints(
    xs: list[list[F]], bps: list[F], prefix: tuple[int, ...]
) -> list[tuple[list[F], F]]:
    out = []
    for x, k in zip(xs, prefix, strict=False):
        if k > 0:
            out.append((x, bps[k - 1]))
        if k < len(bps):
            out.append(([-v for v in x], -bps[k]))
    return out


def reference_valid(problem: dict[str, Any], step: dict[str, Any]) -> bool:
    xs = [[F(v) for v in x] + [F(1)] for x in problem["data"]["inputs"]]
    bps = [F(p) for p in problem["activation"]["breakpoints"]]
    n, dim, top = len(xs), len(xs[0]), len(bps)
    if set(step) != {"id", "kind", "regions", "pruned"}:
        return False
    if not isinstance(step["regions"], list) or not isinstance(step["pruned"], list):
        return False
    patterns = []
    for region in step["regions"]:
        if not isinstance(region, dict) or set(region) != {"pattern", "witness"}:
            return False
        pattern = _ints(region["pattern"], 0, top)
        w = region["witness"]
        if pattern is None or len(pattern) != n or not isinstance(w, list) or len(w) != dim:
            return False
        values = [_num(v) for v in w]
        if any(v is None for v in values):
            return False
        for a, b in _constraints(xs, bps, pattern):
            if not sum((u * v for u, v in zip(a, values, strict=True)), F(0)) > b:  # type: ignore[operator]
                return False
        patterns.append(pattern)
    if len(set(patterns)) != len(patterns):
        return False
    pruned = set()
    for entry in step["pruned"]:
        if not isinstance(entry, dict) or set(entry) != {"prefix", "farkas"}:
            return False
        prefix = _ints(entry["prefix"], 0, top)
        if prefix is None or not 1 <= len(prefix) <= n:
            return False
        cons = _constraints(xs, bps, prefix)
        if not isinstance(entry["farkas"], list) or len(entry["farkas"]) != len(cons):
            return False
        mu = [_num(v) for v in entry["farkas"]]
        if any(v is None or v < 0 for v in mu) or not any(mu):
            return False
        total = [
            sum((m * a[c] for (a, _), m in zip(cons, mu, strict=True)), F(0)) for c in range(dim)
        ]  # type: ignore[operator]
        if any(total) or sum((m * b for (_, b), m in zip(cons, mu, strict=True)), F(0)) < 0:  # type: ignore[operator]
            return False
        pruned.add(prefix)
    prefixes = {p[:j] for p in patterns for j in range(n + 1)} | {()}
    return all(
        (*p, k) in prefixes or (*p, k) in pruned
        for p in prefixes
        if len(p) < n
        for k in range(top + 1)
    )


def _base(name: str) -> dict[str, Any]:
    doc = json.loads((EXAMPLES / "certificates" / f"{name}.cert.json").read_text(encoding="utf-8"))
    problem = doc["problem"]
    inputs = [[F(v) for v in x] for x in problem["data"]["inputs"]]
    bps = [F(p) for p in problem["activation"]["breakpoints"]]
    doc["evidence"].append(arrangement_step(neuron_regions(inputs, bps)))
    return doc


def _q(v: F) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def _mutations(step: dict[str, Any]) -> Iterator[tuple[str, Callable[[], dict[str, Any]]]]:
    """(label, a function making the mutated step): copies are made only when asked for."""

    def variant(label: str, change: Any) -> tuple[str, Callable[[], dict[str, Any]]]:
        def make() -> dict[str, Any]:
            new = copy.deepcopy(step)
            change(new)
            return new

        return label, make

    for field, inner, key in (("regions", "witness", "pattern"), ("pruned", "farkas", "prefix")):
        entries = step[field]
        for e in range(len(entries)):
            yield variant(f"{field}[{e}] dropped", lambda s, f=field, e=e: s[f].pop(e))
            yield variant(f"{field}[{e}] repeated", lambda s, f=field, e=e: s[f].append(s[f][e]))
            numbers = entries[e][inner]
            for c, text in enumerate(numbers):
                v = F(text)
                for new in {v + 1, v - 1, -v, 2 * v, v + F(1, 1000), v - F(1, 1000), v / 2} - {v}:
                    t = _q(new)
                    yield variant(
                        f"{field}[{e}].{inner}[{c}] {text} -> {t}",
                        lambda s, f=field, e=e, i=inner, c=c, t=t: s[f][e][i].__setitem__(c, t),
                    )
            for c in range(len(numbers) - 1):
                if numbers[c] != numbers[c + 1]:
                    yield variant(
                        f"{field}[{e}].{inner} swap {c}",
                        lambda s, f=field, e=e, i=inner, c=c: s[f][e][i].insert(
                            c + 1, s[f][e][i].pop(c)
                        ),
                    )
            yield variant(
                f"{field}[{e}].{inner} last dropped",
                lambda s, f=field, e=e, i=inner: s[f][e][i].pop(),
            )
            yield variant(
                f"{field}[{e}].{inner} extra 0",
                lambda s, f=field, e=e, i=inner: s[f][e][i].append("0"),
            )
            for c, k in enumerate(entries[e][key]):
                for new_k in (k + 1, k - 1, bool(k), str(k)):
                    yield variant(
                        f"{field}[{e}].{key}[{c}] {k} -> {new_k!r}",
                        lambda s, f=field, e=e, key=key, c=c, v=new_k: s[f][e][key].__setitem__(
                            c, v
                        ),
                    )
            yield variant(
                f"{field}[{e}].{key} extended",
                lambda s, f=field, e=e, key=key: s[f][e][key].append(0),
            )


@pytest.mark.parametrize(
    ("name", "stride"),
    [
        (NAMES[0], 1),
        (NAMES[1], 7),  # every 7th of its 2640 mutations by default ...
        pytest.param(NAMES[1], 1, marks=pytest.mark.slow),  # ... and all of them in the slow run
    ],
)
def test_checker_agrees_with_the_reference_on_every_mutation(name: str, stride: int) -> None:
    doc = _base(name)
    assert check_document(doc).valid
    step = doc["evidence"][-1]
    assert reference_valid(doc["problem"], step)
    problem = read_problem(doc["problem"], Path("."))
    harmless, caught = [], 0
    for number, (label, make) in enumerate(itertools.islice(_mutations(step), 0, None, stride)):
        mutated = make()
        expected = reference_valid(doc["problem"], mutated)
        try:
            STEP_KINDS["neuron_regions"].verify(problem, mutated, {}, "regions")
            valid, message = True, ""
        except Invalid as exc:
            valid, message = False, exc.report()
        assert valid == expected, f"{label}: checker says {valid}: {message}"
        if number % 10 == 0:  # and now and then the whole certificate, through the main routine
            result = check_document({**doc, "evidence": [*doc["evidence"][:-1], mutated]})
            assert result.valid == expected and (expected or result.status == "invalid"), label
        if expected:
            harmless.append(label)
        else:
            assert message, label
            caught += 1
    assert caught > 100
    assert harmless  # e.g. a witness moved by 1/1000 inside its region
    assert all(
        "witness" in h or ("repeated" in h and "pruned" in h) or "farkas" in h for h in harmless
    ), harmless


def test_reference_is_not_vacuous() -> None:
    # each kind of defect the step must catch, on the ReLU example, by hand
    doc = _base(NAMES[0])
    problem, step = doc["problem"], doc["evidence"][-1]
    for defect in (
        lambda s: s["regions"].pop(),
        lambda s: s["pruned"].pop(),
        lambda s: s["regions"][0]["witness"].__setitem__(1, "1"),
        lambda s: s["pruned"][0]["farkas"].__setitem__(0, "5"),
    ):
        broken = copy.deepcopy(step)
        defect(broken)
        assert not reference_valid(problem, broken)
    assert list(itertools.islice(_mutations(step), 1))

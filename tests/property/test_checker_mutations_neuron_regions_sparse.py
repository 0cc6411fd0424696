"""Mutation testing of the checker's `neuron_regions_sparse` step (docs/certificate.md 3.19,
since 1.1), and its equivalence with the 1.0 step `neuron_regions`.

The reference decodes a sparse step into the 1.0 form *without the checker's code*: patterns by
evaluating each witness directly, the prefixes to prove empty as the sorted set of children of
all prefixes of the listed patterns that start none of them, Farkas vectors expanded from the
tables; then the 1.0 reference (``reference_valid`` of the 1.0 mutation test) judges it. Every
single-field mutation of the step (each value v -> v+1, -v, v/2, 0; each index or value number
+-1, as a bool, as a string; list entries dropped, repeated or swapped) must be accepted by the
checker exactly when the reference accepts it.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import check_document
from losscert.checker.problem import read_problem
from losscert.checker.result import Invalid
from losscert.checker.steps import STEP_KINDS
from losscert.encodings.arrangement import (
    arrangement_step,
    neuron_regions,
    sparse_arrangement_step,
)

from ..conftest import EXAMPLES
from .test_checker_mutations_neuron_regions import NAMES, _constraints, _num, _q, reference_valid


def _is_int(value: Any) -> bool:
    return type(value) is int


def decode(problem: dict[str, Any], step: dict[str, Any]) -> dict[str, Any] | None:
    """The 1.0 step that the sparse step stands for, or None when it is malformed."""
    xs = [[F(v) for v in x] + [F(1)] for x in problem["data"]["inputs"]]
    bps = [F(p) for p in problem["activation"]["breakpoints"]]
    n, dim, top = len(xs), len(xs[0]), len(bps)
    if set(step) != {"id", "kind", "regions", "values", "farkas", "pruned"}:
        return None
    if not all(isinstance(step[k], list) for k in ("regions", "values", "farkas", "pruned")):
        return None
    regions = []
    for w in step["regions"]:
        if not isinstance(w, list) or len(w) != dim or any(_num(v) is None for v in w):
            return None
        values = [_num(v) for v in w]
        z = [sum((a * v for a, v in zip(x, values, strict=True)), F(0)) for x in xs]  # type: ignore[misc]
        if any(v in bps for v in z):
            return None
        pattern = tuple(sum(1 for p in bps if p < v) for v in z)
        regions.append({"pattern": list(pattern), "witness": list(w)})
    if not regions:
        return None
    values = [_num(v) for v in step["values"]]
    if any(v is None or v <= 0 for v in values):
        return None
    table = []
    for entry in step["farkas"]:
        if not isinstance(entry, list) or not entry or len(entry) % 2:
            return None
        idx, nums = entry[0::2], entry[1::2]
        if not all(_is_int(m) for m in idx + nums) or any(m < 0 for m in idx):
            return None
        if any(a >= b for a, b in itertools.pairwise(idx)):
            return None
        if any(not 0 <= j < len(values) for j in nums):
            return None
        table.append(dict(zip(idx, (values[j] for j in nums), strict=True)))
    patterns = {tuple(r["pattern"]) for r in regions}
    prefixes = {p[:j] for p in patterns for j in range(n + 1)}
    missing = sorted(
        (*p, k) for p in prefixes if len(p) < n for k in range(top + 1) if (*p, k) not in prefixes
    )
    if len(missing) != len(step["pruned"]):
        return None
    pruned = []
    for prefix, f in zip(missing, step["pruned"], strict=True):
        if not _is_int(f) or not 0 <= f < len(table):
            return None
        length = len(_constraints(xs, bps, prefix))
        if any(m >= length for m in table[f]):
            return None
        mu = [table[f].get(m, F(0)) for m in range(length)]
        pruned.append({"prefix": list(prefix), "farkas": [_q(v) for v in mu]})
    return {"id": step["id"], "kind": "neuron_regions", "regions": regions, "pruned": pruned}


def sparse_reference_valid(problem: dict[str, Any], step: dict[str, Any]) -> bool:
    decoded = decode(problem, step)
    return decoded is not None and reference_valid(problem, decoded)


def _base(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads((EXAMPLES / "certificates" / f"{name}.cert.json").read_text(encoding="utf-8"))
    problem = doc["problem"]
    inputs = [[F(v) for v in x] for x in problem["data"]["inputs"]]
    bps = [F(p) for p in problem["activation"]["breakpoints"]]
    arr = neuron_regions(inputs, bps)
    dense = {**doc, "evidence": [*doc["evidence"], arrangement_step(arr)]}
    sparse = {**doc, "minor": 1, "evidence": [*doc["evidence"], sparse_arrangement_step(arr)]}
    return dense, sparse


def _mutations(step: dict[str, Any]) -> Iterator[tuple[str, Callable[[], dict[str, Any]]]]:
    def variant(label: str, change: Any) -> tuple[str, Callable[[], dict[str, Any]]]:
        def make() -> dict[str, Any]:
            new = copy.deepcopy(step)
            change(new)
            return new

        return label, make

    def set_at(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
        def change(s: dict[str, Any]) -> None:
            node = s
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value

        return change

    for field in ("regions", "values", "farkas", "pruned"):
        entries = step[field]
        for e in range(len(entries)):
            yield variant(f"{field}[{e}] dropped", lambda s, f=field, e=e: s[f].pop(e))
            yield variant(f"{field}[{e}] repeated", lambda s, f=field, e=e: s[f].append(s[f][e]))
            if e + 1 < len(entries) and entries[e] != entries[e + 1]:
                yield variant(
                    f"{field} swap {e}", lambda s, f=field, e=e: s[f].insert(e + 1, s[f].pop(e))
                )
    for r, w in enumerate(step["regions"]):
        for c, text in enumerate(w):
            v = F(text)
            for new in {v + 1, -v, v / 2, v + F(1, 1000)} - {v}:
                yield variant(f"regions[{r}][{c}] -> {new}", set_at(("regions", r, c), _q(new)))
    for j, text in enumerate(step["values"]):
        v = F(text)
        for new in {v + 1, -v, v / 2, F(0)} - {v}:
            yield variant(f"values[{j}] -> {new}", set_at(("values", j), _q(new)))
    for f, entry in enumerate(step["farkas"]):
        for c, k in enumerate(entry):
            for new_k in (k + 1, k - 1, bool(k), str(k)):
                yield variant(f"farkas[{f}][{c}] {k} -> {new_k!r}", set_at(("farkas", f, c), new_k))
        yield variant(
            f"farkas[{f}] last pair dropped",
            lambda s, f=f: s["farkas"][f].__delitem__(slice(-2, None)),
        )
    for t, k in enumerate(step["pruned"]):
        for new_k in (k + 1, k - 1, bool(k), str(k)):
            yield variant(f"pruned[{t}] {k} -> {new_k!r}", set_at(("pruned", t), new_k))


@pytest.mark.parametrize(("name", "stride"), [(NAMES[0], 1), (NAMES[1], 5)])
def test_checker_agrees_with_the_reference_on_every_mutation(name: str, stride: int) -> None:
    _, sparse = _base(name)
    step = sparse["evidence"][-1]
    assert check_document(sparse).valid
    assert sparse_reference_valid(sparse["problem"], step)
    problem = read_problem(sparse["problem"], Path("."))
    harmless, caught = [], 0
    for number, (label, make) in enumerate(itertools.islice(_mutations(step), 0, None, stride)):
        mutated = make()
        expected = sparse_reference_valid(sparse["problem"], mutated)
        try:
            STEP_KINDS["neuron_regions_sparse"].verify(problem, mutated, {}, "regions")
            valid, message = True, ""
        except Invalid as exc:
            valid, message = False, exc.report()
        assert valid == expected, f"{label}: checker says {valid}: {message}"
        if number % 10 == 0:
            result = check_document({**sparse, "evidence": [*sparse["evidence"][:-1], mutated]})
            assert result.valid == expected, label
        if expected:
            harmless.append(label)
        else:
            caught += 1
    assert caught > 100
    assert harmless  # e.g. a witness moved by 1/1000 inside its region


@pytest.mark.parametrize("name", NAMES)
def test_sparse_and_dense_steps_state_the_same_regions(name: str) -> None:
    """Oracle: the 1.0 step of the same arrangement; the reference decodes the sparse one into
    exactly the 1.0 step (same regions, same pruned prefixes and Farkas vectors)."""
    dense, sparse = _base(name)
    problem = read_problem(dense["problem"], Path("."))
    facts_dense = STEP_KINDS["neuron_regions"].verify(problem, dense["evidence"][-1], {}, "r")
    facts_sparse = STEP_KINDS["neuron_regions_sparse"].verify(
        problem, sparse["evidence"][-1], {}, "r"
    )
    assert facts_dense == facts_sparse
    decoded = decode(sparse["problem"], sparse["evidence"][-1])
    assert decoded is not None
    expected = dense["evidence"][-1]
    assert decoded["regions"] == expected["regions"]
    assert sorted(map(json.dumps, decoded["pruned"])) == sorted(map(json.dumps, expected["pruned"]))
    assert len(json.dumps(sparse["evidence"][-1])) < len(json.dumps(expected))


def test_the_sparse_kind_needs_minor_1() -> None:
    _, sparse = _base(NAMES[0])
    assert check_document(sparse).valid
    old = {k: v for k, v in sparse.items() if k != "minor"}
    result = check_document(old)
    assert not result.valid and "1.1" in result.message

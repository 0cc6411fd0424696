"""Section 3.21 of docs/certificate.md: ``smt_adjacent_no_lower_point`` (since 1.1).

The boundary query of 3.13 for the *realisable* side choices only: a first-layer neuron's side
choices that its own row cannot reach are pruned with Gordan vectors (as in 3.16), and the
queries may be the simplified canonical ones of 3.11.1.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Any

from . import smt_query
from .arrangement import Samples, _farkas_valid, _multipliers
from .numbers import exact_keys, integer
from .problem import Problem
from .result import Invalid

MAX_NEURON_TIES = 20
"""The most ties of one neuron whose 2^t side choices the checker enumerates."""
MAX_QUERIES = 4096


def check_smt_adjacent(
    problem: Problem, step: dict[str, Any], done: dict[str, Any], sid: str
) -> dict[str, Any]:
    from .steps import (  # steps.py registers this module
        _cited,
        check_delegated_smt,
        radius_within,
        simplified_flag,
    )

    box = _cited(step, done, "box_near_boundary", sid)
    ties = box.facts["ties"]
    rho = radius_within(step, box, sid)
    simplified = simplified_flag(step, sid)
    groups: dict[tuple[int, int], list[int]] = {}
    for t, (j, r, _i, _b) in enumerate(ties):
        groups.setdefault((j, r), []).append(t)
    pruned = _pruned(problem, step["pruned"], ties, groups, sid)
    allowed = []
    for key, members in groups.items():
        if len(members) > MAX_NEURON_TIES:
            raise Invalid(f"neuron {key} has {len(members)} ties, beyond this checker", step=sid)
        prefixes = pruned.get(key, [])
        allowed.append(
            [
                sides
                for sides in product((0, 1), repeat=len(members))
                if not any(sides[: len(p)] == p for p in prefixes)
            ]
        )
    queried = _queries(problem, step["queries"], box, ties, rho, simplified, sid)
    gaps = []
    for count, combo in enumerate(product(*allowed), start=1):
        if count > MAX_QUERIES:
            raise Invalid(f"more than {MAX_QUERIES} adjacent cells, beyond this checker", step=sid)
        sides = [0] * len(ties)
        for members, part in zip(groups.values(), combo, strict=True):
            for t, side in zip(members, part, strict=True):
                sides[t] = side
        if tuple(sides) not in queried:
            raise Invalid(
                f"no query for the side choice {sides}, which no pruned prefix excludes", step=sid
            )
        query = queried[tuple(sides)]
        statement = f"no lower point in the closed cell of sides {sides}"
        check_delegated_smt(problem, {**query, "statement": statement}, done, sid)
        index = list(queried).index(tuple(sides))
        gaps.append((f"{sid}.queries[{index}] (sides {sides})", query["smtlib"]))
    return {
        "radius": rho,
        "trust_gap": f"{sid}: {len(gaps)} SMT queries (one per realisable adjacent cell), "
        "each unsat for two solvers",
        "smt_queries": tuple(gaps),  # what `check --solvers` re-runs to close the gap
    }


def _pruned(
    problem: Problem,
    entries: Any,
    ties: list[tuple[int, int, int, int]],
    groups: dict[tuple[int, int], list[int]],
    sid: str,
) -> dict[tuple[int, int], list[tuple[int, ...]]]:
    """Per first-layer neuron, the side prefixes proved unreachable by a Gordan vector."""
    if not isinstance(entries, list):
        raise Invalid("pruned: expected a list", step=sid)
    samples = Samples.of(problem)
    out: dict[tuple[int, int], list[tuple[int, ...]]] = {}
    for m, entry in enumerate(entries):
        where = f"{sid}.pruned[{m}]"
        entry = exact_keys(entry, where, {"neuron", "prefix", "farkas"})
        r = integer(entry["neuron"], f"{where}.neuron", 0)
        members = groups.get((0, r))
        if members is None:
            raise Invalid(f"{where}.neuron: first-layer neuron {r} has no ties", step=sid)
        prefix = entry["prefix"]
        if not isinstance(prefix, list) or not 1 <= len(prefix) <= len(members):
            raise Invalid(f"{where}.prefix: expected 1 to {len(members)} sides", step=sid)
        sides = tuple(integer(s, f"{where}.prefix[{k}]", 0, 1) for k, s in enumerate(prefix))
        constraints = [
            (ties[t][2], 1 if side else -1, Fraction(0))
            for t, side in zip(members, sides, strict=False)
        ]
        mu = _multipliers(entry["farkas"], f"{where}.farkas", len(constraints))
        failure = _farkas_valid(samples, constraints, mu)
        if failure is not None:
            raise Invalid(f"{where}: not a Gordan proof for the prefix: {failure}", step=sid)
        out.setdefault((0, r), []).append(sides)
    return out


def _queries(
    problem: Problem,
    queries: Any,
    box: Any,
    ties: list[tuple[int, int, int, int]],
    rho: Fraction,
    simplified: bool,
    sid: str,
) -> dict[tuple[int, ...], dict[str, Any]]:
    if not isinstance(queries, list) or not queries:
        raise Invalid("queries: expected a non-empty list", step=sid)
    out: dict[tuple[int, ...], dict[str, Any]] = {}
    for q, query in enumerate(queries):
        where = f"{sid}.queries[{q}]"
        query = exact_keys(query, where, {"sides", "smtlib", "solvers"})
        raw = query["sides"]
        if not isinstance(raw, list) or len(raw) != len(ties):
            raise Invalid(f"{where}.sides: expected {len(ties)} entries, each 0 or 1", step=sid)
        sides = tuple(integer(s, f"{where}.sides[{k}]", 0, 1) for k, s in enumerate(raw))
        if sides in out:
            raise Invalid(f"{where}.sides: {list(sides)} appears twice", step=sid)
        pattern = [[list(neuron) for neuron in layer] for layer in box.facts["pattern"]]
        for (j, r, i, b), side in zip(ties, sides, strict=True):
            pattern[j][r][i] = b + side
        expected = smt_query.no_lower_point_query(problem, pattern, rho, simplified=simplified)
        if query["smtlib"] != expected:
            raise Invalid(
                f"{where}: the SMT-LIB text is not the canonical query for these sides", step=sid
            )
        out[sides] = query
    return out

"""Mutation testing of the checker on the newer step kinds: the SMT steps (`smt_no_lower_point`,
plain and simplified; `box_near_boundary` with `smt_boundary_no_lower_point`; `delegated_smt`)
and the valley steps (`path`, `path_in_cell`, `outputs_constant_on_path`).

Valid certificates come from the certify route (the SMT answers are stubbed as "unsat": the
checker never runs a solver, it checks the text and counts two unsat answers) and from the
example valley certificate. Every single-field mutation is classified without asking the checker:

- SMT certificates: every number of the problem appears in the canonical query (data, labels,
  theta* in the bounds or as a fixed literal, the pieces, R(theta*)), so any change of a value
  there must be rejected, as must any change of the query text, of an SMT radius, of a pattern,
  margin, side or citation, of a solver's answer, and of the `simplified` flag. A box radius is a
  bound: a larger one is decided by the closed form of a one-hidden-layer box (below), a smaller
  one is below the SMT radius and rejected. Extra solvers, other versions and a reordering of the
  boundary queries change nothing and must be accepted.
- the valley: every coefficient of the path and the margin bound, decided by an exact oracle
  (theta(0), the sign of the linear denominator at 0 and 1, the in-cell margins as quadratics on
  [0, 1], and constant outputs as a polynomial identity checked at more points than its degree).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction as F
from functools import cache
from typing import Any

import pytest

from losscert.backends.base import SmtAnswer
from losscert.checker import check_document
from losscert.verifier import smt_route
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions

from ..conftest import EXAMPLES
from ..integration.test_certify import _boundary_minimum
from ..integration.test_smt_rung import _flat_minimum

REJECT, ACCEPT, BY_VALUE = "reject", "accept", "by value"
VALUE_OPS: dict[str, Callable[[F], F]] = {
    "+1": lambda v: v + 1,
    "-1": lambda v: v - 1,
    "negated": lambda v: -v,
    "*2": lambda v: 2 * v,
    "+1/1000": lambda v: v + F(1, 1000),
    "/2": lambda v: v / 2,
}


def q(value: F) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


def _stubbed(problem: Any, options: SmtOptions) -> dict[str, Any]:
    fake = {n: SmtAnswer(n, "1.0", "unsat", "", 0.0) for n in ("z3", "cvc5")}
    original = smt_route.solve_with_all
    smt_route.solve_with_all = lambda text, timeout: fake  # type: ignore[assignment]
    try:
        verdict = certify_local_min(problem, options)
    finally:
        smt_route.solve_with_all = original  # type: ignore[assignment]
    assert verdict.certificate is not None, verdict.detail
    return json.loads(json.dumps(verdict.certificate))


@cache
def originals() -> dict[str, dict[str, Any]]:
    flat = _flat_minimum((1, 2))
    with_delegated = _stubbed(flat, SmtOptions(convex=False, simplify=False))
    smt = next(s for s in with_delegated["evidence"] if s["kind"] == "smt_no_lower_point")
    with_delegated["evidence"].append(
        {
            "id": "extra",
            "kind": "delegated_smt",
            "smtlib": smt["smtlib"],
            "solvers": smt["solvers"],
            "statement": "the same query, carried as supporting evidence",
        }
    )
    return {
        "smt simplified": _stubbed(flat, SmtOptions(convex=False)),
        "smt plain + delegated": with_delegated,
        # the 1.0 boundary step: every side choice, plain queries (1.1's is in test_smt_adjacent)
        "smt boundary": _stubbed(_boundary_minimum(), SmtOptions(convex=False, simplify=False)),
        "valley": json.loads((EXAMPLES / "certificates" / "relu_valley.cert.json").read_text()),
    }


@dataclass(frozen=True)
class Mutation:
    cert: str
    name: str
    doc: dict[str, Any]
    rule: str

    @property
    def key(self) -> str:
        return f"{self.cert}: {self.name}"


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _replaced(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    _get(new, path[:-1])[path[-1]] = value
    return new


def _rational_paths(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in ("id", "kind", "uses", "smtlib", "statement", "solvers"):
                yield from _rational_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _rational_paths(v, (*path, i))
    elif isinstance(node, str) or type(node) is int:
        yield path


def _step_paths(doc: dict[str, Any], kind: str) -> list[int]:
    return [k for k, s in enumerate(doc["evidence"]) if s["kind"] == kind]


# --- one-hidden-layer oracles ---------------------------------------------------------------


def _first_layer(problem: dict[str, Any], theta: list[F]) -> list[list[F]]:
    """z_r(x_i) of the only hidden layer: pre[r][i]."""
    d_x, width = problem["widths"][0], problem["widths"][1]
    w = [theta[r * d_x : (r + 1) * d_x] for r in range(width)]
    b = theta[width * d_x : width * d_x + width]
    xs = [[F(v) for v in x] for x in problem["data"]["inputs"]]
    return [
        [sum((wc * xc for wc, xc in zip(w[r], x, strict=True)), b[r]) for x in xs]
        for r in range(width)
    ]


def box_holds(problem: dict[str, Any], rho: F, boundary: bool) -> bool:
    """ReLU, one hidden layer: over the box, z_r(x_i) ranges over z* +- rho (|x_i|_1 + 1) exactly;
    each must stay strictly on its side of 0 (a tied z* = 0 may cross: ReLU has no other kink)."""
    if rho <= 0:
        return False
    theta = [F(v) for v in problem["point"]]
    xs = [[F(v) for v in x] for x in problem["data"]["inputs"]]
    for row in _first_layer(problem, theta):
        for z, x in zip(row, xs, strict=True):
            spread = rho * (sum(abs(v) for v in x) + 1)
            if z == 0 and boundary:
                continue
            if not (z - spread > 0 or z + spread < 0):
                return False
    return True


def valley_holds(doc: dict[str, Any]) -> bool:
    """The valley certificate's path, decided exactly for its one-hidden-layer ReLU problem with a
    pattern of all-active neurons (the cell of the example): see the module docstring."""
    problem = doc["problem"]
    path = next(s for s in doc["evidence"] if s["kind"] == "path")
    margin = F(next(s for s in doc["evidence"] if s["kind"] == "path_in_cell")["margin"])
    den = [F(c) for c in path["denominator"]]
    nums = [[F(c) for c in p] for p in path["numerators"]]
    if margin <= 0 or len(den) > 2:
        return False
    value = lambda p, t: sum((c * t**k for k, c in enumerate(p)), F(0))  # noqa: E731
    if not (value(den, F(0)) > 0 and value(den, F(1)) > 0):
        return False
    point = [F(v) for v in problem["point"]]
    if [p[0] / den[0] for p in nums] != point:
        return False
    if all(value(p, F(1)) / value(den, F(1)) == point[a] for a, p in enumerate(nums)) and all(
        len(p) == 1 or p[1:] == [v * den[1] / den[0] for v in p[:1]] for p in nums
    ):
        return False  # a constant path (as rationals): no valley
    ts = [F(k, 16) for k in range(17)]
    thetas = [[value(p, t) / value(den, t) for p in nums] for t in ts]
    outputs = [_outputs(problem, theta) for theta in thetas]
    if any(o != outputs[0] for o in outputs):  # degree <= 4 in t after clearing q^2: 17 points
        return False
    for a in range(problem["widths"][1]):  # N_z(t) - m q(t) >= 0 on [0, 1]: a quadratic
        for i in range(len(problem["data"]["inputs"])):
            g = [t for t in _z_numerator(problem, nums, a, i)]
            g = [g[k] - margin * (den[k] if k < len(den) else 0) for k in range(max(len(g), 2))]
            if not _nonnegative_on_unit_interval(g):
                return False
    return True


def _z_numerator(problem: dict[str, Any], nums: list[list[F]], r: int, i: int) -> list[F]:
    """Coefficients of N(t) = sum_c W[r][c](t) x_c + b[r](t) (numerators over the same q)."""
    d_x, width = problem["widths"][0], problem["widths"][1]
    x = [F(v) for v in problem["data"]["inputs"][i]]
    terms = [(nums[r * d_x + c], x[c]) for c in range(d_x)] + [(nums[width * d_x + r], F(1))]
    out = [F(0)] * max(len(p) for p, _ in terms)
    for p, scale in terms:
        for k, c in enumerate(p):
            out[k] += c * scale
    return out


def _nonnegative_on_unit_interval(g: list[F]) -> bool:
    g = g + [F(0)] * (3 - len(g))
    if len(g) > 3:
        raise NotImplementedError("quadratics only")
    c, b, a = g
    points = [F(0), F(1)]
    if a > 0 and 0 < -b / (2 * a) < 1:
        points.append(-b / (2 * a))
    return all(a * t * t + b * t + c >= 0 for t in points)


def _outputs(problem: dict[str, Any], theta: list[F]) -> list[F]:
    """f(x_i) with every hidden neuron on ReLU's active piece (the example's cell)."""
    d_x, width = problem["widths"][0], problem["widths"][1]
    pre = _first_layer(problem, theta)
    start = width * d_x + width
    c, b2 = theta[start : start + width], theta[start + width]
    return [sum((c[r] * pre[r][i] for r in range(width)), b2) for i in range(len(pre[0]))]


# --- mutations ---------------------------------------------------------------------------------


def mutations(cert: str) -> Iterator[Mutation]:
    doc = originals()[cert]
    boundary = cert == "smt boundary"

    def m(name: str, new: dict[str, Any], rule: str) -> Mutation:
        return Mutation(cert, name, new, rule)

    problem_paths = [] if cert == "valley" else list(_rational_paths(doc["problem"], ("problem",)))
    for path in problem_paths + list(_rational_paths(doc["evidence"], ("evidence",))):
        old = _get(doc, path)
        where = ".".join(map(str, path))
        if type(old) is int:  # widths, pattern entries, sides
            for delta in (1, -1):
                yield m(f"{where} {delta:+d}", _replaced(doc, path, old + delta), REJECT)
            continue
        if old is None or not isinstance(old, str) or old in ("true", "false"):
            continue
        value = F(old)
        for op, fn in VALUE_OPS.items():
            if fn(value) == value:
                continue
            new = _replaced(doc, path, q(fn(value)))
            step = doc["evidence"][path[1]] if path[0] == "evidence" else None
            if step is not None and step["kind"] in ("box_in_cell", "box_near_boundary"):
                rule = BY_VALUE if fn(value) > value else REJECT  # smaller: below the SMT radius
            elif cert == "valley" and step is not None and step["kind"] in ("path", "path_in_cell"):
                rule = BY_VALUE
            else:
                rule = REJECT
            yield m(f"{where} {op}", new, rule)
    for k, step in enumerate(doc["evidence"]):
        rest = [s for j, s in enumerate(doc["evidence"]) if j != k]
        essential = step["kind"] != "delegated_smt"
        yield m(f"drop {step['id']}", {**doc, "evidence": rest}, REJECT if essential else ACCEPT)
        for u in step.get("uses", []):
            cut = copy.deepcopy(doc)
            cut["evidence"][k]["uses"] = [v for v in step["uses"] if v != u]
            yield m(f"{step['id']} drops its citation of {u}", cut, REJECT)
    for claim in ("strict_local_min", "spurious_local_min", "not_local_min", "valley", "local_min"):
        if claim != doc["claim"]["kind"]:
            # section 4: local_min is concluded by SMT, linear collapse (a box_in_cell) or strict
            # evidence; the valley's path_in_cell is none of these, so even local_min is refused
            yield m(f"claim {claim}", {**doc, "claim": {"kind": claim}}, REJECT)
    yield from _smt_mutations(cert, doc, boundary)


def _smt_entries(doc: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """(label, path) of every object holding smtlib + solvers."""
    out = []
    for k, step in enumerate(doc["evidence"]):
        if "smtlib" in step:
            out.append((step["id"], ("evidence", k)))
        for j, _ in enumerate(step.get("queries", [])):
            out.append((f"{step['id']}.queries[{j}]", ("evidence", k, "queries", j)))
    return out


TEXT_EDITS: dict[str, Callable[[str], str]] = {
    "a digit changed": lambda t: t.replace("(/ 1 ", "(/ 2 ", 1) if "(/ 1 " in t else t + " ",
    "the last assertion dropped": lambda t: (
        "\n".join(line for line in t.splitlines() if not line.startswith("(assert (< (+ 0")) + "\n"
    ),
    "< made <=": lambda t: t.replace("(assert (< (+ 0", "(assert (<= (+ 0"),
    "a trailing space": lambda t: t + " ",
    "a piece constraint dropped": lambda t: (
        "\n".join(
            line
            for k, line in enumerate(t.splitlines())
            if not (line.startswith("(assert (<= 0 z"))
        )
        + "\n"
    ),
    "the bound halved": lambda t: t.rsplit(")", 3)[0] + " 0))\n(check-sat)\n",
}


def _smt_mutations(cert: str, doc: dict[str, Any], boundary: bool) -> Iterator[Mutation]:
    if cert == "valley":
        return
    for label, path in _smt_entries(doc):
        delegated = _get(doc, path).get("kind") == "delegated_smt"
        text = _get(doc, path)["smtlib"]
        for name, edit in TEXT_EDITS.items():
            edited = edit(text)
            if edited != text:
                yield Mutation(
                    cert,
                    f"{label}.smtlib {name}",
                    _replaced(doc, (*path, "smtlib"), edited),
                    ACCEPT if delegated else REJECT,
                )
        solvers = _get(doc, path)["solvers"]
        for j in range(len(solvers)):
            for answer in ("sat", "unknown", "UNSAT", "unsat "):
                new = copy.deepcopy(solvers)
                new[j]["answer"] = answer
                yield Mutation(
                    cert,
                    f"{label}.solvers[{j}] {answer!r}",
                    _replaced(doc, (*path, "solvers"), new),
                    REJECT,
                )
            new = copy.deepcopy(solvers)
            new[j]["version"] = "99"
            yield Mutation(
                cert,
                f"{label}.solvers[{j}] version",
                _replaced(doc, (*path, "solvers"), new),
                ACCEPT,
            )
            yield Mutation(
                cert,
                f"{label}.solvers[{j}] dropped",
                _replaced(doc, (*path, "solvers"), [e for i, e in enumerate(solvers) if i != j]),
                REJECT,
            )
        same = copy.deepcopy(solvers)
        same[1]["name"] = same[0]["name"]
        yield Mutation(
            cert,
            f"{label}.solvers one name twice",
            _replaced(doc, (*path, "solvers"), same),
            REJECT,
        )
        extra = [*solvers, {"name": "yices", "version": "2", "answer": "sat"}]
        yield Mutation(
            cert,
            f"{label}.solvers a third says sat",
            _replaced(doc, (*path, "solvers"), extra),
            ACCEPT,
        )
    for k, step in enumerate(doc["evidence"]):
        if step["kind"] == "smt_no_lower_point":
            for value in (not step.get("simplified", False), "true", 1, None):
                yield Mutation(
                    cert,
                    f"{step['id']}.simplified = {value!r}",
                    _replaced(doc, ("evidence", k, "simplified"), value),
                    REJECT,
                )
        if step["kind"] == "smt_boundary_no_lower_point":
            queries = step["queries"]
            yield Mutation(
                cert,
                "queries reversed",
                _replaced(doc, ("evidence", k, "queries"), queries[::-1]),
                ACCEPT,
            )
            yield Mutation(
                cert,
                "a query dropped",
                _replaced(doc, ("evidence", k, "queries"), queries[1:]),
                REJECT,
            )
            yield Mutation(
                cert,
                "a query twice",
                _replaced(doc, ("evidence", k, "queries"), [queries[0], queries[0]]),
                REJECT,
            )
            swapped = copy.deepcopy(queries)
            swapped[0]["sides"], swapped[1]["sides"] = swapped[1]["sides"], swapped[0]["sides"]
            yield Mutation(
                cert,
                "sides swapped between queries",
                _replaced(doc, ("evidence", k, "queries"), swapped),
                REJECT,
            )
            for value in (2, True, -1, [], [0, 0]):
                bad = copy.deepcopy(queries)
                bad[0]["sides"] = value if isinstance(value, list) else [value]
                yield Mutation(
                    cert,
                    f"sides {value!r}",
                    _replaced(doc, ("evidence", k, "queries"), bad),
                    REJECT,
                )


def expected_valid(mutation: Mutation) -> bool:
    if mutation.rule != BY_VALUE:
        return mutation.rule == ACCEPT
    doc = mutation.doc
    if mutation.cert == "valley":
        return valley_holds(doc)
    box = next(s for s in doc["evidence"] if s["kind"] in ("box_in_cell", "box_near_boundary"))
    return box_holds(doc["problem"], F(box["radius"]), box["kind"] == "box_near_boundary")


@cache
def outcomes() -> tuple[tuple[Mutation, bool, str, str], ...]:
    out = []
    for cert in originals():
        for mut in mutations(cert):
            result = check_document(copy.deepcopy(mut.doc))
            out.append((mut, expected_valid(mut), result.status, result.message))
    return tuple(out)


@pytest.mark.parametrize(
    "cert", ["smt simplified", "smt plain + delegated", "smt boundary", "valley"]
)
def test_the_originals_are_valid(cert: str) -> None:
    doc = originals()[cert]
    assert check_document(copy.deepcopy(doc)).status == "valid"
    assert cert != "valley" or valley_holds(doc)


def test_mutations_are_unique_and_change_the_document() -> None:
    keys = [mut.key for mut, *_ in outcomes()]
    assert len(keys) == len(set(keys))
    for mut, *_ in outcomes():
        assert json.dumps(mut.doc, sort_keys=True) != json.dumps(
            originals()[mut.cert], sort_keys=True
        ), mut.key


@pytest.mark.parametrize(
    "cert", ["smt simplified", "smt plain + delegated", "smt boundary", "valley"]
)
def test_every_mutation_that_changes_the_claim_is_rejected(cert: str) -> None:
    wrong = [
        f"{mut.key}: {status}: {message[:160]}"
        for mut, valid, status, message in outcomes()
        if mut.cert == cert and not valid and (status == "valid" or not message.strip())
    ]
    assert not wrong, f"{len(wrong)} mutations accepted:\n" + "\n".join(wrong[:40])


@pytest.mark.parametrize(
    "cert", ["smt simplified", "smt plain + delegated", "smt boundary", "valley"]
)
def test_harmless_mutations_are_accepted(cert: str) -> None:
    wrong = [
        f"{mut.key}: {status}: {message[:160]}"
        for mut, valid, status, message in outcomes()
        if mut.cert == cert and valid and status != "valid"
    ]
    assert not wrong, f"{len(wrong)} harmless mutations refused:\n" + "\n".join(wrong[:40])


def test_mutation_counts(capsys: pytest.CaptureFixture[str]) -> None:
    per_cert: dict[str, list[int]] = {}
    for mut, valid, _, _ in outcomes():
        counts = per_cert.setdefault(mut.cert, [0, 0, 0])
        counts[0] += 1
        counts[1] += not valid
        counts[2] += valid
    with capsys.disabled():
        print(
            "\nnewer-step mutations: "
            + "; ".join(
                f"{c}: {t} ({r} must be rejected, {h} harmless)"
                for c, (t, r, h) in per_cert.items()
            )
        )
    assert all(t >= 60 and r >= 40 for t, r, _ in per_cert.values()), per_cert
    assert any(h > 0 for cert, (_, _, h) in per_cert.items() if cert == "valley")

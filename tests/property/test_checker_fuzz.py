"""Fuzzing the certificate checker: whatever it is given, it answers.

Random bytes and text, random JSON, text edits and subtree replacements of the three valid
hand-made certificates, wrong JSON types in every field, floats / NaN / Infinity anywhere, huge
integers and rationals, deep nesting, random extra evidence steps. For every input the checker must
return a CheckResult with status "valid", "invalid" or "unreadable" and a non-empty message,
never raise, and never fall into its fail-closed catch-all ("checker could not evaluate ...", which
means an unexpected exception inside the checker).

"valid" is allowed only when the spec allows it, decided without the checker: the document must
equal the original up to what section 6 says changes nothing (provenance, ids renamed with their
citations) and the spelling of rationals, or differ from it only in numbers that the independent
reference of test_checker_mutations.py still finds exactly true (e.g. a smaller box radius).
Regression tests for the checker bugs this fuzzing found (all fixed) are at the end.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from losscert.checker import CheckResult, check_certificate, check_document, check_text

from .test_checker_mutations import (
    CATCH_ALL,
    CERTS,
    CLAIM_STAYS_TRUE,
    LABEL_KEYS,
    NAMES,
    RATIONAL,
    SPURIOUS,
    STRICT,
    Path_,
    get,
    load,
    q,
    rational_paths,
    reference_valid,
)

ORIGINALS = {name: load(name) for name in NAMES}
TEXTS = {name: (CERTS / f"{name}.cert.json").read_text(encoding="utf-8") for name in NAMES}
INT_LIMIT = "Exceeds the limit (4300 digits)"  # the signature of the bug pinned below
STATUSES = {"valid", "invalid", "unreadable"}


# --- what may legitimately stay valid ------------------------------------------------------------


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def _numbers(node: Any, fn: Any) -> Any:
    """Apply fn to every rational-looking string that is not a label (id, kind, uses)."""
    if isinstance(node, dict):
        return {k: (v if k in LABEL_KEYS else _numbers(v, fn)) for k, v in node.items()}
    if isinstance(node, list):
        return [_numbers(v, fn) for v in node]
    if isinstance(node, str) and RATIONAL.fullmatch(node):
        return fn(node)
    return node


def _canonical_rational(text: str) -> str:
    if len(text) > 4000:
        return text
    p, _, d = text.partition("/")
    return text if d and int(d) == 0 else q(F(int(p), int(d) if d else 1))


def normalize(doc: Any, *, numbers: Any = _canonical_rational) -> str:
    """The document up to section 6 (provenance, ids renamed together with their citations) and
    the spelling of rationals, as canonical JSON (type-strict: true is not 1, 1.0 is not 1)."""
    if not isinstance(doc, dict):
        return json.dumps(doc, sort_keys=True)
    doc = copy.deepcopy(doc)
    if isinstance(doc.get("provenance"), dict) and not _has_float(doc["provenance"]):
        doc["provenance"] = "<free-form object>"
    evidence = doc.get("evidence")
    if isinstance(evidence, list) and all(
        isinstance(s, dict) and isinstance(s.get("id"), str) and s["id"] for s in evidence
    ):
        ids = [s["id"] for s in evidence]
        if len(set(ids)) == len(ids):
            names = {sid: f"<step {k}>" for k, sid in enumerate(ids)}
            for step in evidence:
                step["id"] = names[step["id"]]
                if isinstance(step.get("uses"), list):
                    step["uses"] = [
                        names.get(u, u) if isinstance(u, str) else u for u in step["uses"]
                    ]
    for key in ("problem", "evidence"):
        if key in doc:
            doc[key] = _numbers(doc[key], numbers)
    return json.dumps(doc, sort_keys=True)


def _forgiven(cert: str, doc: Any) -> Any:
    """The document with two differences that are no reason for alarm here undone:
    - a weaker claim whose evidence is in the certificate (CLAIM_STAYS_TRUE of the mutation tests);
    - citations of a step of the wrong kind next to the right one: a known checker bug (it accepts
      them), pinned by test_a_citation_of_the_wrong_kind_is_refused, not a soundness problem."""
    original = ORIGINALS[cert]
    if not isinstance(doc, dict):
        return doc
    doc = copy.deepcopy(doc)
    if doc.get("claim") in [{"kind": k} for (c, k) in CLAIM_STAYS_TRUE if c == cert]:
        doc["claim"] = copy.deepcopy(original["claim"])
    steps = doc.get("evidence")
    if isinstance(steps, list) and len(steps) == len(original["evidence"]):
        kind_of = {
            s["id"]: s.get("kind")
            for s in steps
            if isinstance(s, dict) and isinstance(s.get("id"), str)
        }
        old_kind = {s["id"]: s["kind"] for s in original["evidence"]}
        for step, old in zip(steps, original["evidence"], strict=True):
            if isinstance(step, dict) and isinstance(step.get("uses"), list) and "uses" in old:
                wanted = {old_kind[u] for u in old["uses"]}
                step["uses"] = [
                    u
                    for u in step["uses"]
                    if not (isinstance(u, str) and u in kind_of and kind_of[u] not in wanted)
                ]
    return doc


def may_be_valid(cert: str, doc: Any) -> bool:
    original = ORIGINALS[cert]
    doc = _forgiven(cert, doc)
    if normalize(doc) == normalize(original):
        return True  # nothing the spec reads has changed
    skeleton = normalize(doc, numbers=lambda s: "<rational>")
    if skeleton == normalize(original, numbers=lambda s: "<rational>"):
        return reference_valid(doc)  # only numbers changed: are they all still exactly true?
    return False


def parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def answers(result: CheckResult, *, tolerate_int_limit: bool = False) -> None:
    """A proper answer: a known status, a message, and not the fail-closed catch-all."""
    assert isinstance(result, CheckResult)
    assert result.status in STATUSES, result
    if currently_in_test_context():
        event(f"status {result.status}")
    assert isinstance(result.message, str) and result.message.strip(), result
    if result.message.startswith(CATCH_ALL):
        # the only tolerated catch-all is the bug pinned by test_huge_derived_numbers_are_reported
        assert tolerate_int_limit and INT_LIMIT in result.message, result.message


def not_wrongly_valid(cert: str, doc: Any, result: CheckResult) -> None:
    if result.status == "valid":
        assert doc is not None and may_be_valid(cert, doc), f"accepted: {json.dumps(doc)[:3000]}"
        if currently_in_test_context():
            event("valid, and the spec agrees")


def refused(result: CheckResult) -> None:
    answers(result)
    assert result.status in ("invalid", "unreadable"), result.message


def all_paths(doc: Any, path: Path_ = ()) -> list[Path_]:
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += all_paths(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += all_paths(v, (*path, i))
    return out


PATHS = {name: all_paths(doc) for name, doc in ORIGINALS.items()}
RATIONAL_PATHS = {name: rational_paths(doc) for name, doc in ORIGINALS.items()}


def put(doc: dict[str, Any], path: Path_, value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    new = copy.deepcopy(doc)
    get(new, path[:-1])[path[-1]] = copy.deepcopy(value)
    return new


def with_token(cert: str, path: Path_, token: str) -> str:
    """The certificate's JSON text with the value at path replaced by a raw JSON token."""
    marker = "@@token@@"
    return json.dumps(put(ORIGINALS[cert], path, marker)).replace(json.dumps(marker), token)


# --- strategies ------------------------------------------------------------------------------

GOOD_RATIONALS = st.one_of(
    st.integers(-20, 20).map(str),
    st.builds(lambda p, d: f"{p}/{d}", st.integers(-30, 30), st.integers(1, 12)),
    st.sampled_from(["0", "1", "-1", "1/2", "9/20", "1/5", "-17/32", "+1", "01"]),
)
RATIONALS = GOOD_RATIONALS | st.sampled_from(["1/0", "1.5", "1e3", "", " 1", "1/-2"])
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    RATIONALS,
)
JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)


@st.composite
def cert_and_path(draw: st.DrawFn, paths: dict[str, list[Path_]] = PATHS) -> tuple[str, Path_]:
    cert = draw(st.sampled_from(NAMES))
    return cert, draw(st.sampled_from(paths[cert]))


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- not a certificate at all ----------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FAST
@given(data=st.binary(max_size=3000))
def test_random_bytes(scratch: Path, data: bytes) -> None:
    file = scratch / "random.cert.json"
    file.write_bytes(data)
    for result in (check_certificate(file), check_text(data.decode("latin-1"))):
        refused(result)


@FAST
@given(text=st.text(max_size=2000))
def test_random_text(text: str) -> None:
    refused(check_text(text))


@FAST
@given(value=JSON)
def test_random_json(value: Any) -> None:
    refused(check_text(json.dumps(value)))
    refused(check_document(copy.deepcopy(value)))


@FAST
@given(
    doc=st.fixed_dictionaries(
        {
            "format": st.just("losscert-certificate"),
            "version": st.just(1),
            "problem": JSON,
            "claim": JSON,
            "evidence": JSON,
            "provenance": JSON,
        }
    )
)
def test_random_documents_of_the_right_format(doc: dict[str, Any]) -> None:
    refused(check_document(copy.deepcopy(doc)))
    refused(check_text(json.dumps(doc)))


# --- malformed and edited JSON text ------------------------------------------------------------

EDIT_CHARS = '{}[],:"\\/-+.e 0123456789aZ\n\u00e9'


@st.composite
def edited_text(draw: st.DrawFn) -> tuple[str, str]:
    cert = draw(st.sampled_from(NAMES))
    text = TEXTS[cert]
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(["delete", "insert", "replace", "swap", "truncate", "digit", "digit"])
        )
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        char = draw(st.sampled_from(EDIT_CHARS))
        digits = [k for k, c in enumerate(text) if c.isdigit()]
        if op == "digit" and digits:  # change one digit of a number: values, widths, pattern, order
            pos = draw(st.sampled_from(digits))
            text = text[:pos] + draw(st.sampled_from("0123456789")) + text[pos + 1 :]
        elif op == "delete":
            text = text[:pos] + text[pos + 1 :]
        elif op == "insert":
            text = text[:pos] + char + text[pos:]
        elif op == "replace":
            text = text[:pos] + char + text[pos + 1 :]
        elif op == "swap" and pos + 1 < len(text):
            text = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        elif op == "truncate":
            text = text[:pos]
    return cert, text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=edited_text())
def test_edited_certificate_text(case: tuple[str, str]) -> None:
    cert, text = case
    result = check_text(text)
    answers(result)
    not_wrongly_valid(cert, parse(text), result)


@pytest.mark.parametrize("cert", NAMES)
def test_every_proper_prefix_is_unreadable(cert: str) -> None:
    text = TEXTS[cert].rstrip()
    for end in range(0, len(text), 7):
        result = check_text(text[:end])
        answers(result)
        assert result.status == "unreadable", (end, result.message)


# --- wrong types, floats, NaN and Infinity in every field ----------------------------------------

WRONG_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**80,
    1.5,
    "",
    "x",
    "1/0",
    [],
    {},
    [[]],
    {"k": "1"},
]


@pytest.mark.parametrize("cert", NAMES)
def test_every_field_with_every_wrong_type(cert: str) -> None:
    checked = 0
    for path in PATHS[cert]:
        for value in WRONG_VALUES:
            doc = put(ORIGINALS[cert], path, value)
            result = check_document(copy.deepcopy(doc))
            answers(result)
            not_wrongly_valid(cert, doc, result)
            if isinstance(value, float):
                assert result.status != "valid"
            checked += 1
    assert checked >= 400


@FAST
@given(where=cert_and_path(), value=JSON)
def test_subtree_replaced_by_random_json(where: tuple[str, Path_], value: Any) -> None:
    cert, path = where
    doc = put(ORIGINALS[cert], path, value)
    for result in (check_document(copy.deepcopy(doc)), check_text(json.dumps(doc))):
        answers(result)
        not_wrongly_valid(cert, doc, result)
        if _has_float(value):
            assert result.status != "valid", result.message


@FAST
@given(where=cert_and_path(), value=FLOATS, wrap=st.sampled_from(["bare", "list", "object"]))
def test_a_float_anywhere_is_refused(where: tuple[str, Path_], value: float, wrap: str) -> None:
    """Section 1: a JSON float, NaN or Infinity *anywhere* (provenance included) is invalid."""
    cert, path = where
    inner: Any = value if wrap == "bare" else [value] if wrap == "list" else {"f": value}
    doc = put(ORIGINALS[cert], path, inner)
    refused(check_document(copy.deepcopy(doc)))
    refused(check_text(json.dumps(doc)))


@FAST
@given(
    where=cert_and_path(),
    token=st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-Infinity",
            "1e400",
            "-0.0",
            "1.0",
            "1E2",
            "2.5e-3",
            "[NaN]",
            '{"a": Infinity}',
        ]
    ),
)
def test_nan_and_infinity_tokens_anywhere_are_refused(where: tuple[str, Path_], token: str) -> None:
    cert, path = where
    refused(check_text(with_token(cert, path, token)))


@pytest.mark.parametrize("cert", NAMES)
def test_a_float_in_provenance_is_refused(cert: str) -> None:
    for token in ("NaN", "Infinity", "0.5", "1e3"):
        refused(check_text(with_token(cert, ("provenance", "tool"), token)))


# --- huge integers and huge rationals ------------------------------------------------------------


@pytest.mark.parametrize("cert", NAMES)
def test_huge_rationals_in_every_rational_field(cert: str) -> None:
    for path in RATIONAL_PATHS[cert]:
        for huge in ("1" * 20000, "9" * 5000 + "/7", "1/" + "3" * 4100, "1" * 4001):
            result = check_text(json.dumps(put(ORIGINALS[cert], path, huge)))
            refused(result)
            assert "beyond the limit" in result.message, result.message


def test_a_4000_character_rational_is_read() -> None:
    """Section 1 refuses rationals *longer* than 4,000 characters: 4,000 is fine."""
    doc = copy.deepcopy(ORIGINALS[SPURIOUS])
    doc["evidence"][0]["value"] = "0" * 3996 + "9/20"  # 9/20 with leading zeros
    assert len(doc["evidence"][0]["value"]) == 4000
    assert check_text(json.dumps(doc)).status == "valid"
    doc["evidence"][0]["value"] = "0" + doc["evidence"][0]["value"]
    result = check_text(json.dumps(doc))
    assert result.status == "invalid" and "beyond the limit" in result.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    where=cert_and_path(RATIONAL_PATHS),
    digits=st.text(alphabet="0123456789", min_size=1, max_size=12000),
    denominator=st.one_of(st.none(), st.text(alphabet="0123456789", min_size=1, max_size=6000)),
)
def test_huge_random_rationals(
    where: tuple[str, Path_], digits: str, denominator: str | None
) -> None:
    cert, path = where
    value = digits if denominator is None else f"{digits}/{denominator}"
    doc = put(ORIGINALS[cert], path, value)
    result = check_text(json.dumps(doc))
    answers(result, tolerate_int_limit=True)
    not_wrongly_valid(cert, doc, result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=cert_and_path(), digits=st.integers(1, 6000), sign=st.sampled_from(["", "-"]))
def test_huge_json_integers_anywhere(where: tuple[str, Path_], digits: int, sign: str) -> None:
    cert, path = where
    text = with_token(cert, path, sign + "7" * digits)
    result = check_text(text)
    answers(result)
    not_wrongly_valid(cert, parse(text), result)
    if digits > 4300:
        assert result.status == "unreadable", result.message


# --- deep nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100000 + "]" * 100000,
        "[" * 100000,
        '{"a": ' * 100000 + "1" + "}" * 100000,
        '[{"a": ' * 50000 + "1" + "}]" * 50000,
    ],
    ids=["lists", "unterminated", "objects", "mixed"],
)
def test_deeply_nested_text_is_unreadable(text: str) -> None:
    result = check_text(text)
    answers(result)
    assert result.status == "unreadable", result.message


@pytest.mark.parametrize("cert", NAMES)
@pytest.mark.parametrize("depth", [300, 100000])
def test_deep_nesting_in_every_top_level_and_rational_field(cert: str, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    paths = [(k,) for k in ORIGINALS[cert]] + RATIONAL_PATHS[cert][::3] + [("evidence", 0, "id")]
    for path in paths:
        result = check_text(with_token(cert, path, nested))
        refused(result)
        if depth > 10000:
            assert result.status == "unreadable", (path, result.message)


def test_deep_nesting_in_a_pattern() -> None:
    doc = copy.deepcopy(ORIGINALS[STRICT])
    text = json.dumps(doc).replace(
        json.dumps(doc["evidence"][0]["pattern"]), "[" * 400 + "1" + "]" * 400
    )
    assert "[" * 400 in text
    refused(check_text(text))


# --- random extra evidence steps (every verifier must answer, not crash) ---------------------

KINDS = [
    "risk", "cell", "box_in_cell", "affine_regression_optimal", "lower_point", "gradient_zero", "hessian_pd",
    "descent_direction", "delegated_smt", "path", "path_in_cell", "outputs_constant_on_path",
]  # fmt: skip


def _size(cert: str) -> int:
    w = ORIGINALS[cert]["problem"]["widths"]
    return sum(w[j] * (w[j - 1] + 1) for j in range(1, len(w)))


@st.composite
def extra_steps(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    cert = draw(st.sampled_from(NAMES))
    size = _size(cert)
    ids = [s["id"] for s in ORIGINALS[cert]["evidence"]]
    vec = st.lists(GOOD_RATIONALS, min_size=size, max_size=size) | st.lists(
        RATIONALS, max_size=size + 2
    )
    uses = st.lists(st.sampled_from([*ids, "nowhere"]), min_size=1, max_size=2)
    ints = st.recursive(st.integers(-1, 3), lambda c: st.lists(c, max_size=4), max_leaves=12)
    if draw(st.booleans()):  # a path, a path_in_cell and outputs_constant_on_path citing them
        point = [F(v) for v in ORIGINALS[cert]["problem"]["point"]]
        denominator = draw(st.lists(GOOD_RATIONALS, min_size=1, max_size=3))
        q0 = draw(st.sampled_from([F(1), F(2), F(1, 3)]))
        if draw(st.booleans()):
            denominator[0] = q(q0)
        numerators = []
        for a in range(size):
            tail = draw(st.lists(GOOD_RATIONALS, max_size=3))
            numerators.append(
                [q(point[a] * q0), *tail]
                if draw(st.integers(0, 4))
                else draw(st.lists(RATIONALS, max_size=3))
            )
        cell = next(
            (s["id"] for s in ORIGINALS[cert]["evidence"] if s["kind"] == "cell"), "nowhere"
        )
        return cert, [
            {"id": "P", "kind": "path", "denominator": denominator, "numerators": numerators},
            {
                "id": "PIC",
                "kind": "path_in_cell",
                "uses": draw(st.sampled_from([["P", cell], [cell, "P"], ["P"]])),
                "margin": draw(RATIONALS),
            },
            {"id": "OC", "kind": "outputs_constant_on_path", "uses": ["PIC"]},
        ]
    kind = draw(st.sampled_from(KINDS))
    fields = {
        "risk": {"value": RATIONALS},
        "cell": {"pattern": ints, "margin": st.none() | RATIONALS},
        "box_in_cell": {"uses": uses, "radius": RATIONALS},
        "affine_regression_optimal": {"W": st.lists(vec, max_size=2), "b": vec},
        "lower_point": {"uses": uses, "point": vec, "risk": RATIONALS},
        "gradient_zero": {"uses": uses},
        "hessian_pd": {"uses": uses, "pivots": vec},
        "descent_direction": {
            "direction": vec,
            "order": st.integers(-1, 5),
            "coefficient": RATIONALS,
        },
        "delegated_smt": {
            "smtlib": st.text(max_size=40),
            "solvers": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from(["z3", "cvc5", "x"]),
                        "version": st.text(max_size=5),
                        "answer": st.sampled_from(["unsat", "sat", "unknown"]),
                    }
                ),
                max_size=3,
            ),
            "statement": st.text(max_size=20),
        },
        "path": {
            "denominator": vec,
            "numerators": st.lists(st.lists(RATIONALS, max_size=3), min_size=size, max_size=size),
        },
        "path_in_cell": {"uses": uses, "margin": RATIONALS},
        "outputs_constant_on_path": {"uses": uses},
    }[kind]
    step = {"id": "extra", "kind": kind, **{k: draw(v) for k, v in fields.items()}}
    return cert, [step]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=extra_steps(), at_end=st.booleans())
def test_random_extra_steps(case: tuple[str, list[dict[str, Any]]], at_end: bool) -> None:
    """Appended steps may verify ("extra verified steps do no harm") or not; either way the
    checker answers properly. Put first, a step citing anything is refused."""
    cert, steps = case
    doc = copy.deepcopy(ORIGINALS[cert])
    doc["evidence"] = [*doc["evidence"], *steps] if at_end else [*steps, *doc["evidence"]]
    result = check_document(doc)
    answers(result)
    event(
        f"{steps[0]['kind']}: {result.message.split(':')[0 if result.status == 'valid' else 1][:40]}"
    )
    if not at_end and any(s.get("uses") for s in steps[:1]):
        assert result.status == "invalid"


# =================================================================================================
# Known checker bugs (do not fix here)
# =================================================================================================


@pytest.mark.parametrize("digits", [2200, 4000])
def test_huge_derived_numbers_are_reported(digits: int) -> None:
    doc = copy.deepcopy(ORIGINALS[SPURIOUS])
    doc["problem"]["point"][0] = "9" * digits
    result = check_text(json.dumps(doc))
    assert result.status == "invalid"
    assert not result.message.startswith(CATCH_ALL), result.message


def test_a_nul_character_in_the_data_path() -> None:
    doc = copy.deepcopy(ORIGINALS[SPURIOUS])
    doc["problem"]["data"] = {"path": "a\u0000b", "sha256": "0" * 64}
    result = check_text(json.dumps(doc))
    assert result.status == "invalid"
    assert not result.message.startswith(CATCH_ALL), result.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a POSIX FIFO")
def test_a_data_path_naming_a_fifo_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    doc = copy.deepcopy(ORIGINALS[SPURIOUS])
    doc["problem"]["data"] = {"path": "fifo", "sha256": "0" * 64}
    (tmp_path / "c.cert.json").write_text(json.dumps(doc), encoding="utf-8")
    code = f"from losscert.checker import check_certificate; print(check_certificate({str(tmp_path / 'c.cert.json')!r}).status)"
    try:  # subprocess.run kills the child on timeout
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=5, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("check_certificate did not return within 5 s")
    assert done.stdout.strip() == "invalid", done.stderr


def _nested(depth: int, leaf: Any = 0) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize(
    ("cert", "index", "field"), [(STRICT, 0, "pattern"), (SPURIOUS, 0, "value")]
)
def test_check_document_with_deep_nesting(cert: str, index: int, field: str) -> None:
    doc = copy.deepcopy(ORIGINALS[cert])
    doc["evidence"][index][field] = _nested(5000)
    result = check_document(doc)
    assert result.status == "invalid"
    assert not result.message.startswith(CATCH_ALL), result.message


def test_check_document_with_a_huge_int_in_the_pattern_does_not_raise() -> None:
    doc = copy.deepcopy(ORIGINALS[STRICT])
    doc["evidence"][0]["pattern"] = [[[10**5000, 1, 1, 2]]]
    try:
        result = check_document(doc)
    except ValueError as exc:
        pytest.fail(f"check_document raised {type(exc).__name__}: {str(exc)[:80]}")
    answers(result)


@pytest.mark.parametrize("path", [("evidence", 0, "value"), ("problem", "widths", 0), ("version",)])
def test_check_document_with_a_huge_int_is_reported(path: Path_) -> None:
    doc = put(ORIGINALS[SPURIOUS], path, 10**5000)
    result = check_document(doc)
    assert result.status in ("invalid", "unreadable")
    assert not result.message.startswith(CATCH_ALL), result.message


def test_the_valid_criterion_itself() -> None:
    """may_be_valid (the judge of every "valid" answer above) on cases decided by hand."""
    doc = copy.deepcopy(ORIGINALS[SPURIOUS])
    assert may_be_valid(SPURIOUS, doc)
    doc["provenance"] = {"anything": [1, "x"]}
    doc["evidence"][3]["id"] = "renamed"  # not cited
    doc["evidence"][0]["value"] = "18/40"
    assert may_be_valid(SPURIOUS, doc)
    doc["evidence"][2]["radius"] = "1/8"  # smaller box: the reference decides
    assert may_be_valid(SPURIOUS, doc)
    for path, value in [
        (("evidence", 2, "radius"), "1/4"),
        (("evidence", 0, "value"), "9/21"),
        (("evidence", 1, "id"), "renamed"),  # cited by the box
        (("provenance",), {"x": 0.5}),
        (("evidence", 1, "pattern", 0, 0, 0), True),
        (("claim", "kind"), "strict_local_min"),
        (("problem", "widths", 0), 1.0),
    ]:
        assert not may_be_valid(SPURIOUS, put(ORIGINALS[SPURIOUS], path, value)), path
    assert may_be_valid(SPURIOUS, put(ORIGINALS[SPURIOUS], ("claim", "kind"), "local_min"))
    # the known bug (extra citation of the wrong kind) is forgiven, a dangling citation is not
    assert may_be_valid(
        SPURIOUS, put(ORIGINALS[SPURIOUS], ("evidence", 2, "uses"), ["risk", "cell"])
    )
    assert not may_be_valid(
        SPURIOUS, put(ORIGINALS[SPURIOUS], ("evidence", 2, "uses"), ["nowhere", "cell"])
    )

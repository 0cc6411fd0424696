"""Fuzzing every reader (issue 15): problem files, CSV and NPZ data, PyTorch and ONNX model files,
and certificates through the checker and `losscert check`.

Every input must end in an accepted value or a refusal the package raises on purpose
(InputError / UnsupportedError, exit code 2 at the CLI; for certificates a status of valid,
invalid or unreadable without the checker's catch-all): never another exception (a traceback).
And nothing invalid may be accepted: where an input is known to be invalid without the reader
(a number outside the grammar, a key repeated in one object, a certificate that no longer states
what was proved), it must be refused; where a number is in the grammar, its exact value must be
what an independent reference parser gives.

The default run takes a few dozen inputs per reader; the campaign (over 10,000 inputs in all,
about 2,000 per reader) is marked slow: `pytest -m slow tests/property/test_reader_fuzz.py`.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscert.checker import check_text
from losscert.cli import main
from losscert.errors import InputError, UnsupportedError
from losscert.io import read_problem
from losscert.io.model_files import read_model_file
from losscert.model import relu

from ..conftest import EXAMPLES
from .test_checker_fuzz import may_be_valid
from .test_checker_mutations import NAMES as MODELLED

FAST = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CAMPAIGN = settings(
    max_examples=2_100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

BASE: dict[str, Any] = {
    "format": "losscert-problem",
    "version": 1,
    "activation": "relu",
    "loss": "squared",
    "network": {
        "layers": [
            {"W": [["1"], ["-1/2"]], "b": ["0", "1/3"]},
            {"W": [["2", "1"]], "b": ["-1"]},
        ]
    },
    "data": {"inputs": [["0"], ["1"], ["5/2"]], "labels": [["0"], ["1"], ["-1"]]},
}
# places where any rational is a valid value (squared loss: labels too)
NUMBER_PATHS: list[tuple[Any, ...]] = [
    ("network", "layers", 0, "W", 0, 0),
    ("network", "layers", 0, "W", 1, 0),
    ("network", "layers", 0, "b", 1),
    ("network", "layers", 1, "W", 0, 1),
    ("network", "layers", 1, "b", 0),
    ("data", "inputs", 2, 0),
    ("data", "labels", 1, 0),
]


# --- the independent reference for the number grammar (README, "Numbers") --------------------

_DIGITS = "0123456789"
_REF_EXACT = re.compile(r"(?a)^[+-]?[0-9]+(?:/[0-9]+)?$")
_REF_DECIMAL = re.compile(r"(?a)^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def reference_value(text: str) -> Fraction | None:
    """The exact value of ``text`` under the grammar and its limits, or None when refused."""
    if len(text) > 4000 or not all(c in _DIGITS + "+-/.eE" for c in text):
        return None
    if _REF_EXACT.match(text):
        top, _, bottom = text.partition("/")
        if bottom and int(bottom) == 0:
            return None
        value = Fraction(int(top), int(bottom or "1"))
    elif _REF_DECIMAL.match(text):
        mantissa, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > 1000:
            return None
        sign = -1 if mantissa.startswith("-") else 1
        whole, _, frac = mantissa.lstrip("+-").partition(".")
        value = sign * Fraction(
            int(whole or "0") * 10 ** len(frac) + int(frac or "0"), 10 ** len(frac)
        )
        value *= Fraction(10) ** int(exponent or "0")
    else:
        return None
    limit = 10**4000
    return value if abs(value.numerator) < limit and value.denominator < limit else None


# --- outcomes ----------------------------------------------------------------------------------


def outcome(read: Callable[[], Any]) -> Any:
    """The value read, or None for a refusal on purpose; any other exception fails the test."""
    try:
        return read()
    except (InputError, UnsupportedError):
        return None


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _get(problem: Any, path: tuple[Any, ...]) -> Fraction:
    if path[0] == "network":
        layer, kind = path[2] + 1, path[3]
        values = problem.network.weights(layer) if kind == "W" else [problem.network.biases(layer)]
        return values[path[4]][path[5]] if kind == "W" else values[0][path[4]]
    rows = problem.data.input_rows() if path[1] == "inputs" else problem.data.label_rows()
    return rows[path[2]][path[3]]


# --- strategies --------------------------------------------------------------------------------

NUMBERISH = st.text(
    alphabet=st.sampled_from([*"0123456789+-/.eE_ x", "\u0663", "\uff11", "\u00b2", "\u2212"]),
    max_size=12,
)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    NUMBERISH,
    st.text(max_size=8),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _subtree_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _subtree_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _subtree_paths(child, (*prefix, index))
    return out


SUBTREES = _subtree_paths(BASE)


# --- problem files -----------------------------------------------------------------------------


def _number_in_a_problem(tmp_path: Path, where: tuple[Any, ...], text: str) -> None:
    path = _write(tmp_path, "p.json", json.dumps(_set(BASE, where, text)))
    problem = outcome(lambda: read_problem(path))
    expected = reference_value(text)
    if expected is None:
        assert problem is None, f"{text!r} is outside the grammar but was accepted"
    else:
        assert problem is not None, f"{text!r} is in the grammar but was refused"
        assert _get(problem, where) == expected


def _subtree_in_a_problem(tmp_path: Path, where: tuple[Any, ...], value: Any) -> None:
    path = _write(tmp_path, "p.json", json.dumps(_set(BASE, where, value)))
    outcome(lambda: read_problem(path))


def _edited_problem_text(tmp_path: Path, cut: int, length: int, insert: str) -> None:
    text = json.dumps(BASE)
    cut %= len(text)
    path = _write(tmp_path, "p.json", text[:cut] + insert + text[cut + length :])
    outcome(lambda: read_problem(path))


def _repeated_key(tmp_path: Path, where: int, value: Any) -> None:
    """A key repeated in one object: refused whatever the values (the reader would keep one)."""
    paths = [p for p in SUBTREES if isinstance(p[-1], str)]
    target = paths[where % len(paths)]
    text = json.dumps(BASE)
    key = json.dumps(target[-1])
    # repeat the first occurrence of the key inside its object: "key": X -> "key": V, "key": X
    position = text.index(key + ":")
    doubled = text[:position] + f"{key}: {json.dumps(value)}, " + text[position:]
    path = _write(tmp_path, "p.json", doubled)
    assert outcome(lambda: read_problem(path)) is None


@FAST
@given(st.sampled_from(NUMBER_PATHS), NUMBERISH)
def test_problem_numbers(tmp_path: Path, where: tuple[Any, ...], text: str) -> None:
    _number_in_a_problem(tmp_path, where, text)


@FAST
@given(st.sampled_from(SUBTREES), JSON_VALUE)
def test_problem_subtrees(tmp_path: Path, where: tuple[Any, ...], value: Any) -> None:
    _subtree_in_a_problem(tmp_path, where, value)


@FAST
@given(st.integers(0, 10**6), st.integers(0, 6), st.text(max_size=6))
def test_problem_text_edits(tmp_path: Path, cut: int, length: int, insert: str) -> None:
    _edited_problem_text(tmp_path, cut, length, insert)


@FAST
@given(st.integers(0, 100), JSON_LEAF)
def test_problem_repeated_keys(tmp_path: Path, where: int, value: Any) -> None:
    _repeated_key(tmp_path, where, value)


# --- CSV ---------------------------------------------------------------------------------------

CSV_CELL = st.one_of(NUMBERISH, st.sampled_from(["1", "-2/3", "0.5", "x", "", " 4 ", '"7"']))


def _csv(tmp_path: Path, rows: list[list[str]]) -> None:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    _write(tmp_path, "data.csv", text)
    path = _write(tmp_path, "p.json", json.dumps(dict(BASE, data={"file": "data.csv"})))
    problem = outcome(lambda: read_problem(path))
    body = [r for r in rows if any(c.strip() for c in r)][1:]  # the first row may be a header
    if problem is not None:
        # oracle: a data row cell outside the grammar is never accepted
        for row in body:
            for cell in row:
                stripped = cell.strip().strip('"')
                assert reference_value(stripped) is not None, f"cell {cell!r} was accepted"


@FAST
@given(st.lists(st.lists(CSV_CELL, min_size=2, max_size=2), min_size=1, max_size=5))
def test_csv_files(tmp_path: Path, rows: list[list[str]]) -> None:
    _csv(tmp_path, rows)


# --- NPZ ---------------------------------------------------------------------------------------


def _npz_bytes(arrays: dict[str, np.ndarray], compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


VALID_NPZ = _npz_bytes({"inputs": np.array([[0], [1], [2]]), "labels": np.array([0, 1, -1])}, False)
DTYPES = ["<i8", ">i4", "u1", "<f8", "<f4", "?", "<c16", "<U3", "O", "<m8", "V4"]


def _npz(tmp_path: Path, content: bytes) -> None:
    _write(tmp_path, "data.npz", content)
    path = _write(tmp_path, "p.json", json.dumps(dict(BASE, data={"file": "data.npz"})))
    problem = outcome(lambda: read_problem(path))
    if problem is not None:  # oracle: what numpy itself reads, when it reads numbers
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            x, y = archive["inputs"], archive["labels"]
        assert x.dtype.kind in "iu" and y.dtype.kind in "iu"
        assert problem.data.input_rows() == [
            [Fraction(int(v)) for v in row] for row in x.reshape(len(x), -1)
        ]


@FAST
@given(st.integers(0, 10**6), st.integers(0, 255), st.integers(0, 3))
def test_npz_byte_edits(tmp_path: Path, at: int, byte: int, how: int) -> None:
    at %= len(VALID_NPZ)
    if how == 0:
        content = VALID_NPZ[:at] + bytes([byte]) + VALID_NPZ[at + 1 :]
    elif how == 1:
        content = VALID_NPZ[:at]
    elif how == 2:
        content = VALID_NPZ[:at] + bytes([byte]) * 8 + VALID_NPZ[at:]
    else:
        content = VALID_NPZ[at:]
    _npz(tmp_path, content)


@FAST
@given(
    st.sampled_from(DTYPES),
    st.lists(st.integers(0, 3), min_size=0, max_size=3),
    st.booleans(),
    st.sampled_from(["inputs", "labels", "other"]),
)
def test_npz_members(
    tmp_path: Path, dtype: str, shape: list[int], compressed: bool, which: str
) -> None:
    arrays: dict[str, np.ndarray] = {
        "inputs": np.array([[0], [1], [2]]),
        "labels": np.array([0, 1, -1]),
    }
    try:
        arrays[which] = np.zeros(shape, dtype=dtype)
    except (TypeError, ValueError):
        return
    if dtype == "O":
        with zipfile.ZipFile(tmp_path / "data.npz", "w") as archive:
            buffer = io.BytesIO()
            np.save(buffer, arrays[which], allow_pickle=True)
            archive.writestr(f"{which}.npy", buffer.getvalue())
        path = _write(tmp_path, "p.json", json.dumps(dict(BASE, data={"file": "data.npz"})))
        assert outcome(lambda: read_problem(path)) is None
        return
    _npz(tmp_path, _npz_bytes(arrays, compressed))


# --- model files -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_bytes() -> dict[str, bytes]:
    torch = pytest.importorskip("torch")
    onnx = pytest.importorskip("onnx")
    net = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    helper = onnx.helper
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"], name="fc1", transB=1),
        helper.make_node("Relu", ["z1"], ["a1"], name="act"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["y"], name="fc2", transB=1),
    ]
    weights = {"W1": [[0.5], [-1.0]], "b1": [1.0, 0.25], "W2": [[1.0, -2.0]], "b2": [0.75]}
    graph = helper.make_graph(
        nodes,
        "net",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, None])],
        initializer=[
            onnx.numpy_helper.from_array(np.asarray(v, dtype=np.float32), name=k)
            for k, v in weights.items()
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return {".pt": buffer.getvalue(), ".onnx": model.SerializeToString()}


def _model(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = _write(tmp_path, f"model{suffix}", content)
    widths, act = ((1, 2, 1), relu()) if suffix == ".pt" else (None, None)
    network = outcome(lambda: read_model_file(path, widths, act))
    if network is not None:
        assert network.widths == (1, 2, 1)


@FAST
@given(st.sampled_from([".pt", ".onnx"]), st.integers(0, 10**6), st.integers(0, 255), st.booleans())
def test_model_file_edits(
    tmp_path: Path, model_bytes: dict[str, bytes], suffix: str, at: int, byte: int, cut: bool
) -> None:
    valid = model_bytes[suffix]
    at %= len(valid)
    content = valid[:at] if cut else valid[:at] + bytes([byte]) + valid[at + 1 :]
    _model(tmp_path, suffix, content)


# --- certificates ------------------------------------------------------------------------------

CERTIFICATES = sorted((EXAMPLES / "certificates").glob("*.cert.json"))
CERT_TEXTS = {p.name: p.read_text(encoding="utf-8") for p in CERTIFICATES}


def _same_statement(original: Any, edited: Any) -> bool:
    """Problem and claim unchanged up to the spelling of rationals: what the file states."""

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, str) and reference_value(value) is not None:
            return reference_value(value)
        return value

    return all(norm(original.get(k)) == norm(edited.get(k)) for k in ("problem", "claim"))


def _may_be_valid(name: str, edited_text: str) -> bool:
    """Oracle for "valid": for the three certificates the mutation tests model, their reference
    (every number still exactly true, or nothing the spec reads changed); for the valley, the same
    problem and claim (any path the checker verifies proves the claim)."""
    edited = json.loads(edited_text)
    stem = name.removesuffix(".cert.json")
    if stem in MODELLED:
        return may_be_valid(stem, edited)
    return isinstance(edited, dict) and _same_statement(json.loads(CERT_TEXTS[name]), edited)


def _certificate(tmp_path: Path, name: str, cut: int, length: int, insert: str) -> None:
    text = CERT_TEXTS[name]
    cut %= len(text)
    edited = text[:cut] + insert + text[cut + length :]
    result = check_text(edited, base_dir=EXAMPLES / "certificates")
    assert result.status in ("valid", "invalid", "unreadable")
    assert "checker could not evaluate" not in result.message
    if result.status == "valid":
        assert _may_be_valid(name, edited), edited[max(cut - 40, 0) : cut + 40]


@FAST
@given(
    st.sampled_from(sorted(CERT_TEXTS)),
    st.integers(0, 10**7),
    st.integers(0, 4),
    st.text(max_size=4),
)
def test_certificate_edits(tmp_path: Path, name: str, cut: int, length: int, insert: str) -> None:
    _certificate(tmp_path, name, cut, length, insert)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(CERT_TEXTS)), st.integers(0, 10**7), st.text(max_size=3))
def test_check_cli_never_raises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, cut: int, insert: str
) -> None:
    text = CERT_TEXTS[name]
    cut %= len(text)
    path = _write(tmp_path, "c.cert.json", text[:cut] + insert + text[cut + 1 :])
    assert main(["check", str(path)]) in (0, 1, 2)
    capsys.readouterr()


def test_cli_info_on_fuzzed_problems_exits_0_or_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for k, text in enumerate(["4_0/5_0", "1e9999", "\u0663", "1/0", "0.5", "-7/3"]):
        path = _write(tmp_path, f"p{k}.json", json.dumps(_set(BASE, NUMBER_PATHS[0], text)))
        expected = 0 if reference_value(text) is not None else 2
        assert main(["info", "--no-multilinear", str(path)]) == expected
        assert "Traceback" not in capsys.readouterr().err


# --- the campaign (slow): about 2,100 inputs per reader, over 10,000 in all ---------------------


@pytest.mark.slow
@CAMPAIGN
@given(st.sampled_from(NUMBER_PATHS), NUMBERISH, st.sampled_from(SUBTREES), JSON_VALUE)
def test_campaign_problem_files(
    tmp_path: Path, where: tuple[Any, ...], text: str, subtree: tuple[Any, ...], value: Any
) -> None:
    _number_in_a_problem(tmp_path, where, text)
    _subtree_in_a_problem(tmp_path, subtree, value)
    _repeated_key(tmp_path, len(text), value if not isinstance(value, (dict, list)) else 1)


@pytest.mark.slow
@CAMPAIGN
@given(st.lists(st.lists(CSV_CELL, min_size=2, max_size=2), min_size=1, max_size=6))
def test_campaign_csv(tmp_path: Path, rows: list[list[str]]) -> None:
    _csv(tmp_path, rows)


@pytest.mark.slow
@CAMPAIGN
@given(st.integers(0, 10**6), st.integers(0, 255), st.integers(0, 3))
def test_campaign_npz(tmp_path: Path, at: int, byte: int, how: int) -> None:
    test_npz_byte_edits.hypothesis.inner_test(tmp_path, at, byte, how)  # type: ignore[attr-defined]


@pytest.mark.slow
@CAMPAIGN
@given(st.sampled_from([".pt", ".onnx"]), st.integers(0, 10**6), st.integers(0, 255), st.booleans())
def test_campaign_model_files(
    tmp_path: Path, model_bytes: dict[str, bytes], suffix: str, at: int, byte: int, cut: bool
) -> None:
    test_model_file_edits.hypothesis.inner_test(tmp_path, model_bytes, suffix, at, byte, cut)  # type: ignore[attr-defined]


@pytest.mark.slow
@CAMPAIGN
@given(
    st.sampled_from(sorted(CERT_TEXTS)),
    st.integers(0, 10**7),
    st.integers(0, 4),
    st.text(max_size=4),
)
def test_campaign_certificates(
    tmp_path: Path, name: str, cut: int, length: int, insert: str
) -> None:
    _certificate(tmp_path, name, cut, length, insert)

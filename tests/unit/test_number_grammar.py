"""One number grammar for problem files, data files and certificates (README "Numbers",
docs/certificate.md section 1), its limits, and the strict JSON and NPZ readers.

Each case was accepted, crashed or ran unbounded before issue 15: every one must now be an
InputError naming the file and the field (exit code 2 through the CLI), or, in a certificate, an
invalid / unreadable verdict.
"""

from __future__ import annotations

import json
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscert.checker import check_text
from losscert.cli import main
from losscert.errors import InputError
from losscert.io import read_problem
from losscert.io.npz_files import MAX_ARRAY_ELEMENTS, MAX_MEMBER_BYTES
from losscert.model.rationals import MAX_DECIMAL_EXPONENT, MAX_NUMBER_DIGITS, parse_rational

from ..conftest import EXAMPLES

BASE: dict[str, Any] = {
    "format": "losscert-problem",
    "version": 1,
    "activation": "relu",
    "loss": "squared",
    "network": {"layers": [{"W": [["1"]], "b": ["0"]}, {"W": [["1"]], "b": ["0"]}]},
    "data": {"inputs": [["0"], ["1"]], "labels": [["0"], ["1"]]},
}
FIELD = "network.layers[0].W[0][0]"

REFUSED = [
    "4_0/5_0",  # underscores: Fraction() reads them
    "1_000",
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "\uff11/2",  # FULLWIDTH DIGIT ONE
    " 3",  # no spaces in the grammar (CSV cells are stripped by the CSV reader)
    "3 ",
    "1e9999",  # read, then crashed when printed
    "1e-9999",
    f"1e{MAX_DECIMAL_EXPONENT + 1}",
    "1" * (MAX_NUMBER_DIGITS + 1),
    f"1/{'9' * (MAX_NUMBER_DIGITS + 1)}",
    "0x10",
    "1/-2",
    "+-1",
    ".",
    "e5",
    "1/2/3",
    "1.5/2",
    "inf",
    "",
]
ACCEPTED = [
    ("-2/7", Fraction(-2, 7)),
    ("+3", Fraction(3)),
    ("0.1", Fraction(1, 10)),
    ("1.", Fraction(1)),
    (".5", Fraction(1, 2)),
    ("-1.25e-2", Fraction(-1, 80)),
    ("2E+3", Fraction(2000)),
    (f"1e{MAX_DECIMAL_EXPONENT}", Fraction(10**MAX_DECIMAL_EXPONENT)),
    ("9" * MAX_NUMBER_DIGITS, Fraction(int("9" * MAX_NUMBER_DIGITS))),
]


@pytest.mark.parametrize("text", REFUSED)
def test_outside_the_grammar_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="W\\[0\\]\\[0\\]"):
        parse_rational(text, FIELD)


@pytest.mark.parametrize(("text", "value"), ACCEPTED)
def test_inside_the_grammar_is_exact(text: str, value: Fraction) -> None:
    assert parse_rational(text, FIELD) == value


def test_a_json_integer_obeys_the_digit_limit() -> None:
    assert parse_rational(10**MAX_NUMBER_DIGITS - 1, FIELD) == 10**MAX_NUMBER_DIGITS - 1
    with pytest.raises(InputError, match="digits"):
        parse_rational(10**MAX_NUMBER_DIGITS, FIELD)


def _write(tmp_path: Path, text: str, name: str = "p.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _cli_refuses(path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    assert main(["info", "--no-multilinear", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and path.name in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize("text", ["4_0/5_0", "\u0663", "1e9999", "1e-9999"])
def test_problem_file_numbers_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    document = json.loads(json.dumps(BASE))
    document["network"]["layers"][0]["W"][0][0] = text
    _cli_refuses(_write(tmp_path, json.dumps(document)), capsys, FIELD)


def test_repeated_keys_in_a_problem_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(BASE).replace('"loss": "squared"', '"loss": "squared", "loss": "absolute"')
    assert text.count('"loss"') == 2
    with pytest.raises(InputError, match="'loss' appears twice"):
        read_problem(_write(tmp_path, text))
    _cli_refuses(tmp_path / "p.json", capsys, "appears twice")


def test_a_json_integer_literal_beyond_4300_digits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(BASE).replace('"W": [["1"]]', '"W": [[' + "7" * 5000 + "]]", 1)
    _cli_refuses(_write(tmp_path, text), capsys, "4300")


def test_a_json_integer_beyond_the_digit_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(BASE).replace('"W": [["1"]]', '"W": [[' + "7" * 4100 + "]]", 1)
    _cli_refuses(_write(tmp_path, text), capsys, FIELD, "digits")


# --- NPZ ------------------------------------------------------------------------------------------


def _npz_problem(tmp_path: Path) -> Path:
    document = dict(BASE, data={"file": "data.npz"})
    return _write(tmp_path, json.dumps(document))


def _npy(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_an_npz_member_that_is_not_npy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(tmp_path / "data.npz", "w") as archive:
        archive.writestr("inputs.npy", b"hello, not an array")
        archive.writestr("labels.npy", _npy(np.array([0, 1])))
    _cli_refuses(_npz_problem(tmp_path), capsys, "data.npz['inputs']", "not an .npy array")


def test_an_npz_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = np.zeros(MAX_MEMBER_BYTES // 8 + 1024, dtype=np.int64)
    with zipfile.ZipFile(tmp_path / "data.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inputs.npy", _npy(big))
        archive.writestr("labels.npy", _npy(np.array([0, 1])))
    assert (tmp_path / "data.npz").stat().st_size < MAX_MEMBER_BYTES // 100
    _cli_refuses(_npz_problem(tmp_path), capsys, "decompressed", str(MAX_MEMBER_BYTES))


def test_an_npy_header_that_declares_more_than_its_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    honest = _npy(np.array([[0], [1]], dtype=np.int64))
    forged = honest.replace(b"(2, 1)", b"(9999999999, 1)")
    assert forged != honest
    with zipfile.ZipFile(tmp_path / "data.npz", "w") as archive:
        archive.writestr("inputs.npy", forged)
        archive.writestr("labels.npy", _npy(np.array([0, 1])))
    _cli_refuses(_npz_problem(tmp_path), capsys, "declares shape", str(MAX_ARRAY_ELEMENTS))


def test_a_valid_npz_still_reads(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "data.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inputs.npy", _npy(np.array([[0], [1]], dtype=np.int32)))
        archive.writestr("labels.npy", _npy(np.array([0, 1], dtype=">i8")))
    problem = read_problem(_npz_problem(tmp_path))
    assert problem.data.input_rows() == [[0], [1]] and problem.data.label_rows() == [[0], [1]]


def test_csv_cells_may_carry_spaces(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("x, y\n 0 , 1/2\n1,\t-0.25\n", encoding="utf-8")
    document = dict(BASE, data={"file": "data.csv", "label_columns": 1})
    problem = read_problem(_write(tmp_path, json.dumps(document)))
    assert problem.data.label_rows() == [[Fraction(1, 2)], [Fraction(-1, 4)]]


# --- certificates share the exact form ------------------------------------------------------------

CERTIFICATE = EXAMPLES / "certificates" / "relu_spurious_local_min.cert.json"


@pytest.mark.parametrize("text", ["4_0/5_0", "\u0663", "1e9999", "0.5", " 3", "1/0"])
def test_certificate_numbers_use_the_exact_form(text: str) -> None:
    document = json.loads(CERTIFICATE.read_text(encoding="utf-8"))
    document["problem"]["point"][0] = text
    result = check_text(json.dumps(document))
    assert result.status == "invalid" and "point[0]" in result.message


def test_a_certificate_integer_literal_beyond_4300_digits_is_unreadable() -> None:
    text = CERTIFICATE.read_text(encoding="utf-8").replace(
        '"version": 1', '"version": ' + "1" * 5000
    )
    assert check_text(text).status == "unreadable"

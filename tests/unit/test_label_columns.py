"""CSV data: which columns are labels is said (``--label-columns``) or is the last one, never
fitted to the architecture, and the split is reported."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from losscert.errors import InputError
from losscert.io.data_files import describe_columns, parse_label_columns, read_dataset


@pytest.fixture
def yx(tmp_path: Path) -> Path:
    path = tmp_path / "yx.csv"
    path.write_text("y,x1,x2\n1/2,0,1\n3,1,0\n-1,2,2\n", encoding="utf-8")
    return path


def test_parse_label_columns() -> None:
    assert parse_label_columns("2") == 2
    assert parse_label_columns("y") == ["y"]
    assert parse_label_columns("y1, y2") == ["y1", "y2"]
    with pytest.raises(InputError, match="--label-columns"):
        parse_label_columns("y,,z")


def test_labels_by_name_wherever_they_are(yx: Path) -> None:
    data = read_dataset(yx, 1, label_columns=["y"], input_dim=2)
    assert data.label_rows() == [[Fraction(1, 2)], [Fraction(3)], [Fraction(-1)]]
    assert data.input_rows()[0] == [Fraction(0), Fraction(1)]
    assert describe_columns(yx, ["y"]) == (
        f"{yx}: inputs 'x1' (column 2), 'x2' (column 3); labels 'y' (column 1)"
    )


def test_by_default_the_last_column_alone_is_the_label(yx: Path) -> None:
    data = read_dataset(yx)
    assert (data.input_dim, data.output_dim) == (2, 1)
    assert data.label_rows()[0] == [Fraction(1)]  # x2 of the first row
    assert describe_columns(yx).endswith("labels 'x2' (column 3)")


def test_widths_that_contradict_the_file_are_an_error_not_a_re_split(yx: Path) -> None:
    # 3 columns fit d_X = 1, d_Y = 2 too, but the file says 2 inputs and 1 label
    with pytest.raises(InputError, match=r"2 input and 1 label columns.*d_X = 1 and d_Y = 2"):
        read_dataset(yx, 2, input_dim=1)
    data = read_dataset(yx, 2, label_columns=2, input_dim=1)  # said explicitly: fine
    assert (data.input_dim, data.output_dim) == (1, 2)


def test_unknown_names_and_other_formats(yx: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no column 'z'"):
        describe_columns(yx, ["z"])
    other = tmp_path / "d.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="only CSV files"):
        read_dataset(other, label_columns=1)

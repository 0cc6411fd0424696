"""Error paths of the problem-file reader and the CSV / NPZ data readers, plus positive cases.

Every rejected input must raise :class:`losscert.errors.InputError` whose message names the
problem file (where there is one), the field and the bad value. Each failing case writes a small
problem file into ``tmp_path`` and reads it back with :func:`read_problem`.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import re
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscert.errors import InputError
from losscert.io import problem_from_dict, read_problem, write_problem
from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.loss import make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
PROBLEM_NAME = "bad_problem.json"
DELETE = object()  # marks a top-level key to drop in ``make``

# A valid problem: relu, 1 -> 2 -> 1, two samples. Every failing case changes one thing.
BASE: dict[str, Any] = {
    "format": "losscert-problem",
    "version": 1,
    "activation": "relu",
    "loss": "squared",
    "network": {
        "layers": [
            {"W": [["1"], ["-1"]], "b": ["0", "1/2"]},
            {"W": [["1", "1"]], "b": ["0"]},
        ]
    },
    "data": {"inputs": [["0"], ["1"]], "labels": [["0"], ["1"]]},
}


def make(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE with top-level keys replaced (or dropped with DELETE)."""
    document = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is DELETE:
            document.pop(key)
        else:
            document[key] = value
    return document


def with_layers(*layers: dict[str, Any]) -> dict[str, Any]:
    return make(network={"layers": list(layers)})


def write_doc(tmp_path: Path, document: Any, name: str = PROBLEM_NAME) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def read_error(path: Path) -> str:
    """Read ``path``, expect InputError naming the file, and return the message.

    The directory part of paths is cut out of the returned message, so that a fragment cannot
    match the test's own tmp_path (whose name contains the test name).
    """
    with pytest.raises(InputError) as info:
        read_problem(path)
    message = str(info.value)
    assert path.name in message, message
    return message.replace(str(path.parent), "<dir>")


def assert_names(message: str, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def check(tmp_path: Path, document: Any, *fragments: str) -> str:
    message = read_error(write_doc(tmp_path, document))
    assert_names(message, *fragments)
    return message


def data_file_doc(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return make(data=data, **changes)


def test_base_document_is_valid(tmp_path: Path) -> None:
    problem = read_problem(write_doc(tmp_path, BASE))
    assert problem.network.widths == (1, 2, 1)
    assert problem.data.n == 2


# --- JSON and the top level ----------------------------------------------------------------------


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / PROBLEM_NAME
    path.write_text('{"format": "losscert-problem",\n  oops}', encoding="utf-8")
    assert_names(read_error(path), "not valid JSON", "line 2")


def test_empty_file_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / PROBLEM_NAME
    path.write_text("", encoding="utf-8")
    assert_names(read_error(path), "not valid JSON", "line 1 column 1")


def test_missing_problem_file(tmp_path: Path) -> None:
    assert_names(read_error(tmp_path / "nowhere.json"), "cannot read the problem file")


def test_problem_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / PROBLEM_NAME
    path.write_bytes(b'{"format": "\xff\xfe"}')
    assert_names(read_error(path), "cannot read the problem file")


def test_deeply_nested_json_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / PROBLEM_NAME
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    read_error(path)


@pytest.mark.parametrize(
    ("document", "type_name"),
    [([1, 2], "list"), ("problem", "str"), (3, "int"), (None, "NoneType")],
)
def test_top_level_not_an_object(tmp_path: Path, document: Any, type_name: str) -> None:
    check(tmp_path, document, "top level must be a JSON object", type_name)


def test_top_level_not_an_object_problem_from_dict() -> None:
    with pytest.raises(
        InputError, match=r"^<problem>: the top level must be a JSON object, got list"
    ):
        problem_from_dict([])


def test_problem_from_dict_names_the_source() -> None:
    with pytest.raises(InputError, match=r"^mysource: unknown field 'colour'"):
        problem_from_dict(make(colour="red"), source="mysource")


def test_unknown_top_level_field(tmp_path: Path) -> None:
    check(tmp_path, make(colour="red"), "unknown field 'colour'", "known fields")


@pytest.mark.parametrize("value", ["other-format", None, 1])
def test_wrong_format(tmp_path: Path, value: Any) -> None:
    check(tmp_path, make(format=value), "format", "'losscert-problem'", f"got {value!r}")


def test_format_missing(tmp_path: Path) -> None:
    check(tmp_path, make(format=DELETE), "format", "got None")


@pytest.mark.parametrize("value", [2, 0, "1", None])
def test_wrong_version(tmp_path: Path, value: Any) -> None:
    check(tmp_path, make(version=value), "version", f"got {value!r}")


def test_version_true_is_rejected(tmp_path: Path) -> None:
    check(tmp_path, make(version=True), "version", "True")


@pytest.mark.parametrize("key", ["activation", "loss", "network", "data"])
def test_missing_section(tmp_path: Path, key: str) -> None:
    check(tmp_path, make(**{key: DELETE}), f"missing field {key!r}")


# --- activation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["sigmoid", {"preset": "sigmoid"}, {"preset": None}])
def test_unknown_activation_preset(tmp_path: Path, spec: Any) -> None:
    name = spec if isinstance(spec, str) else spec["preset"]
    check(
        tmp_path, make(activation=spec), "activation.preset", f"unknown activation {name!r}", "relu"
    )


def test_unhashable_activation_preset(tmp_path: Path) -> None:
    check(tmp_path, make(activation={"preset": ["relu"]}), "activation.preset", "['relu']")


@pytest.mark.parametrize(
    ("spec", "bad"),
    [
        ({"preset": "relu", "alpha": "1/2"}, "'alpha'"),
        ({"preset": "leaky_relu", "beta": "1/2"}, "'beta'"),
        ({"preset": "hardtanh", "lo": "-1", "top": "1"}, "'top'"),
        ({"preset": "abs", "breakpoints": ["0"]}, "'breakpoints'"),
    ],
)
def test_preset_with_unknown_parameter(tmp_path: Path, spec: dict[str, Any], bad: str) -> None:
    check(tmp_path, make(activation=spec), "activation", spec["preset"], f"no parameter {bad}")


def test_preset_parameter_not_a_number(tmp_path: Path) -> None:
    spec = {"preset": "leaky_relu", "alpha": "a tenth"}
    check(tmp_path, make(activation=spec), "activation.alpha", "'a tenth'")


@pytest.mark.parametrize("alpha", ["1", 1, "2/2"])
def test_leaky_relu_alpha_one_has_no_kink(tmp_path: Path, alpha: Any) -> None:
    spec = {"preset": "leaky_relu", "alpha": alpha}
    check(tmp_path, make(activation=spec), "activation", "leaky_relu.alpha", "no kink")


def test_leaky_relu_alpha_one_names_alpha(tmp_path: Path) -> None:
    check(tmp_path, make(activation={"preset": "leaky_relu", "alpha": "1"}), "alpha")


@pytest.mark.parametrize(("lo", "hi"), [("1", "1"), ("2", "1"), ("0", "-1/2")])
def test_hardtanh_lo_not_below_hi(tmp_path: Path, lo: str, hi: str) -> None:
    spec = {"preset": "hardtanh", "lo": lo, "hi": hi}
    check(
        tmp_path,
        make(activation=spec),
        "activation",
        "hardtanh",
        f"lo = {lo} must be below",
        f"hi = {hi}",
    )


def test_hardtanh_lo_not_below_hi_names_lo_and_hi(tmp_path: Path) -> None:
    message = check(tmp_path, make(activation={"preset": "hardtanh", "lo": "2", "hi": "1"}))
    assert re.search(r"\blo\b", message), message
    assert re.search(r"\bhi\b", message), message


@pytest.mark.parametrize("spec", [5, ["relu"], None])
def test_activation_wrong_type(tmp_path: Path, spec: Any) -> None:
    check(tmp_path, make(activation=spec), "activation", "preset name or an object", repr(spec))


def test_custom_breakpoints_out_of_order(tmp_path: Path) -> None:
    spec = {"breakpoints": ["1", "0"], "slopes": ["0", "1", "2"]}
    check(
        tmp_path,
        make(activation=spec),
        "activation",
        "strictly increasing",
        "breakpoints[0] = 1 is not below breakpoints[1] = 0",
    )


def test_custom_equal_breakpoints(tmp_path: Path) -> None:
    spec = {"breakpoints": ["1/2", "0.5"], "slopes": ["0", "1", "2"]}
    check(tmp_path, make(activation=spec), "strictly increasing", "breakpoints[0] = 1/2")


@pytest.mark.parametrize(
    ("breakpoints", "slopes", "fragment"),
    [
        (["0"], ["0", "1", "2"], "1 breakpoints need 2 slopes, got 3"),
        (["0", "1"], ["0", "1"], "2 breakpoints need 3 slopes, got 2"),
        ([], ["1", "2"], "0 breakpoints need 1 slopes, got 2"),
    ],
)
def test_custom_slopes_count_mismatch(
    tmp_path: Path, breakpoints: list[str], slopes: list[str], fragment: str
) -> None:
    spec = {"breakpoints": breakpoints, "slopes": slopes}
    check(tmp_path, make(activation=spec), "activation", fragment)


def test_custom_equal_adjacent_slopes(tmp_path: Path) -> None:
    spec = {"breakpoints": ["0", "1"], "slopes": ["0", "1", "1"]}
    check(
        tmp_path,
        make(activation=spec),
        "activation",
        "no kink at breakpoints[1] = 1",
        "slopes[1] and slopes[2] are both 1",
    )


def test_custom_unknown_field(tmp_path: Path) -> None:
    spec = {"breakpoints": ["0"], "slopes": ["0", "1"], "kink": "yes"}
    check(tmp_path, make(activation=spec), "activation", "unknown field 'kink'")


def test_custom_without_slopes(tmp_path: Path) -> None:
    check(tmp_path, make(activation={"breakpoints": ["0"]}), "activation", "slopes")


def test_custom_breakpoints_not_a_list(tmp_path: Path) -> None:
    spec = {"breakpoints": "0", "slopes": ["0", "1"]}
    check(tmp_path, make(activation=spec), "activation.breakpoints", "expected a list", "'0'")


def test_custom_breakpoint_not_a_number(tmp_path: Path) -> None:
    spec = {"breakpoints": ["zero"], "slopes": ["0", "1"]}
    check(tmp_path, make(activation=spec), "activation.breakpoints[0]", "'zero'")


def test_custom_slope_not_a_number(tmp_path: Path) -> None:
    spec = {"breakpoints": ["0"], "slopes": ["0", "steep"]}
    check(tmp_path, make(activation=spec), "activation.slopes[1]", "'steep'")


@pytest.mark.parametrize("anchor", ["0", ["0"], ["0", "0", "0"]])
def test_custom_bad_anchor(tmp_path: Path, anchor: Any) -> None:
    spec = {"breakpoints": ["0"], "slopes": ["0", "1"], "anchor": anchor}
    check(tmp_path, make(activation=spec), "activation.anchor", repr(anchor))


# --- loss ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["cross_entropy", {"kind": "mse"}])
def test_unknown_loss(tmp_path: Path, spec: Any) -> None:
    kind = spec if isinstance(spec, str) else spec["kind"]
    check(tmp_path, make(loss=spec), "loss.kind", f"unknown loss {kind!r}", "squared")


@pytest.mark.parametrize("spec", [5, {"delta": "1"}, None])
def test_loss_wrong_shape(tmp_path: Path, spec: Any) -> None:
    check(tmp_path, make(loss=spec), "loss", "kind", repr(spec))


@pytest.mark.parametrize("spec", ["huber", {"kind": "huber"}])
def test_huber_without_delta(tmp_path: Path, spec: Any) -> None:
    check(tmp_path, make(loss=spec), "loss", "huber", "positive delta", "got None")


@pytest.mark.parametrize("delta", ["0", 0, "-1/2", -3])
def test_huber_delta_not_positive(tmp_path: Path, delta: Any) -> None:
    check(
        tmp_path,
        make(loss={"kind": "huber", "delta": delta}),
        "loss",
        "huber",
        "positive delta",
        f"got {delta}",
    )


def test_huber_delta_not_a_number(tmp_path: Path) -> None:
    check(tmp_path, make(loss={"kind": "huber", "delta": "big"}), "loss.delta", "'big'")


@pytest.mark.parametrize("kind", ["squared", "absolute"])
def test_delta_on_a_loss_without_one(tmp_path: Path, kind: str) -> None:
    check(tmp_path, make(loss={"kind": kind, "delta": "3/2"}), "loss", kind, "no delta", "3/2")


def test_loss_unknown_field(tmp_path: Path) -> None:
    spec = {"kind": "huber", "delta": "1", "scale": "2"}
    check(tmp_path, make(loss=spec), "loss", "unknown field 'scale'")


# --- network -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "network",
    [{"layers": []}, {"layers": "W"}, {"layers": {"W": [["1"]]}}, {}, [], None],
    ids=["empty", "string", "object", "no-layers", "list", "null"],
)
def test_network_layers_not_a_non_empty_list(tmp_path: Path, network: Any) -> None:
    check(tmp_path, make(network=network), "network.layers", "non-empty list")


@pytest.mark.parametrize(
    "layer",
    [{"W": [["1"]]}, {"b": ["0"]}, {"W": [["1"]], "b": ["0"], "c": ["0"]}, [["1"]]],
    ids=["no-b", "no-W", "extra", "not-object"],
)
def test_layer_not_exactly_w_and_b(tmp_path: Path, layer: Any) -> None:
    check(tmp_path, with_layers(layer), "network.layers[0]", 'exactly "W" and "b"', repr(layer))


def test_second_layer_missing_b(tmp_path: Path) -> None:
    document = with_layers({"W": [["1"]], "b": ["0"]}, {"W": [["1"]]})
    check(tmp_path, document, "network.layers[1]", "{'W': [['1']]}")


def test_w_ragged_rows(tmp_path: Path) -> None:
    document = with_layers(
        {"W": [["1", "2"], ["3"]], "b": ["0", "0"]}, {"W": [["1", "1"]], "b": ["0"]}
    )
    check(tmp_path, document, "network.layers[0].W", "row 1 has 1 entries but row 0 has 2")


@pytest.mark.parametrize(
    "w", ["1", [], [[]], ["1", "2"]], ids=["string", "no-rows", "empty-row", "flat"]
)
def test_w_not_a_matrix(tmp_path: Path, w: Any) -> None:
    check(tmp_path, with_layers({"W": w, "b": ["0"]}), "network.layers[0].W")


def test_b_not_a_list(tmp_path: Path) -> None:
    check(tmp_path, with_layers({"W": [["1"]], "b": "0"}), "network.layers[0].b", "'0'")


def test_w_and_b_row_mismatch(tmp_path: Path) -> None:
    document = with_layers({"W": [["1"], ["2"]], "b": ["0"]}, {"W": [["1", "1"]], "b": ["0"]})
    check(tmp_path, document, "network.layers[0]", "W has 2 rows but b has 1 entries")


def test_consecutive_layer_shape_mismatch(tmp_path: Path) -> None:
    # layer 1 (layers[0]) has 2 outputs, layer 2 (layers[1]) takes 3 inputs
    document = with_layers(
        {"W": [["1"], ["1"]], "b": ["0", "0"]}, {"W": [["1", "1", "1"]], "b": ["0"]}
    )
    with pytest.raises(InputError) as info:
        read_problem(write_doc(tmp_path, document))
    assert_names(str(info.value), "network.layers[1]", "W has 3 columns", "2 outputs of layer 1")


def test_consecutive_layer_shape_mismatch_names_the_file(tmp_path: Path) -> None:
    document = with_layers(
        {"W": [["1"], ["1"]], "b": ["0", "0"]}, {"W": [["1", "1", "1"]], "b": ["0"]}
    )
    check(tmp_path, document, "network.layers[1]", "W has 3 columns")


def test_network_data_input_dim_mismatch(tmp_path: Path) -> None:
    data = {"inputs": [["0", "1"], ["1", "0"]], "labels": [["0"], ["1"]]}
    check(tmp_path, make(data=data), "problem", "takes 1 inputs", "each data input has 2")


def test_network_data_output_dim_mismatch(tmp_path: Path) -> None:
    data = {"inputs": [["0"], ["1"]], "labels": [["0", "1"], ["1", "0"]]}
    check(tmp_path, make(data=data), "problem", "has 1 outputs", "each label has 2 entries")


# --- numbers -------------------------------------------------------------------------------------


def with_number(value: Any, **changes: Any) -> dict[str, Any]:
    """BASE with ``value`` as W_1[0][0] (field network.layers[0].W[0][0])."""
    document = make(**changes)
    document["network"]["layers"][0]["W"][0][0] = value
    return document


FIELD = "network.layers[0].W[0][0]"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_constants(tmp_path: Path, constant: str) -> None:
    path = tmp_path / PROBLEM_NAME
    text = json.dumps(with_number("PLACEHOLDER")).replace('"PLACEHOLDER"', constant)
    path.write_text(text, encoding="utf-8")
    message = read_error(path)
    assert_names(message, FIELD, "non-finite", "only finite rationals")


def test_json_nan_constant_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / PROBLEM_NAME
    path.write_text(json.dumps(with_number("X")).replace('"X"', "NaN"), encoding="utf-8")
    assert_names(read_error(path), FIELD)


@pytest.mark.parametrize("value", [0.5, 1.0, 1e-3])
def test_json_float_without_float_input(tmp_path: Path, value: float) -> None:
    check(tmp_path, with_number(value), FIELD, f"got the float {value!r}", "float input")


def test_json_float_in_data_without_float_input(tmp_path: Path) -> None:
    data = {"inputs": [["0"], [0.25]], "labels": [["0"], ["1"]]}
    check(tmp_path, make(data=data), "data.inputs[1][0]", "0.25")


def test_json_float_overflowing_to_infinity(tmp_path: Path) -> None:
    path = tmp_path / PROBLEM_NAME
    text = json.dumps(with_number("X", float_input=True)).replace('"X"', "1e400")
    path.write_text(text, encoding="utf-8")
    assert_names(read_error(path), FIELD, "non-finite number inf")


@pytest.mark.parametrize("text", ["abc", "1/0", "", "1/2/3", "0x10", "one"])
def test_non_numeric_string(tmp_path: Path, text: str) -> None:
    check(tmp_path, with_number(text), FIELD, f"cannot read {text!r}")


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "+Infinity", " inf "])
def test_nan_and_inf_strings(tmp_path: Path, text: str) -> None:
    check(tmp_path, with_number(text), FIELD, repr(text), "not a finite rational number")


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(tmp_path: Path, value: bool) -> None:
    check(tmp_path, with_number(value), FIELD, f"boolean {value!r}")


def test_boolean_in_bias(tmp_path: Path) -> None:
    document = make()
    document["network"]["layers"][1]["b"] = [True]
    check(tmp_path, document, "network.layers[1].b[0]", "boolean True")


def test_boolean_label(tmp_path: Path) -> None:
    check(
        tmp_path,
        make(data={"inputs": [["0"], ["1"]], "labels": [False, "1"]}),
        "data.labels[0][0]",
        "boolean False",
    )


@pytest.mark.parametrize("value", [None, {"p": 1, "q": 2}], ids=["null", "object"])
def test_other_json_types_are_not_numbers(tmp_path: Path, value: Any) -> None:
    check(tmp_path, with_number(value), FIELD, repr(value))


@pytest.mark.parametrize(
    "spec",
    [
        1,
        0,
        "yes",
        None,
        "round",
        {"round_to_denominator": 0},
        {"round_to_denominator": -10},
        {"round_to_denominator": True},
        {"round_to_denominator": 2.5},
        {"round_to_denominator": "10"},
        {"round_to_denominator": 10, "mode": "even"},
        {},
    ],
)
def test_bad_float_input(tmp_path: Path, spec: Any) -> None:
    check(tmp_path, make(float_input=spec), "float_input", f"got {spec!r}")


# --- inline data ---------------------------------------------------------------------------------


def test_empty_inputs(tmp_path: Path) -> None:
    check(tmp_path, make(data={"inputs": [], "labels": []}), "data.inputs", "has no rows")


def test_empty_labels(tmp_path: Path) -> None:
    check(tmp_path, make(data={"inputs": [["0"]], "labels": []}), "data.labels", "has no rows")


def test_empty_input_row(tmp_path: Path) -> None:
    check(
        tmp_path,
        make(data={"inputs": [[], []], "labels": ["0", "1"]}),
        "data.inputs[0]",
        "is empty",
    )


@pytest.mark.parametrize(
    ("inputs", "labels", "fragment"),
    [
        ([["0"], ["1"]], [["0"], ["1"], ["2"]], "2 inputs but 3 labels"),
        ([["0"], ["1"], ["2"]], ["0"], "3 inputs but 1 labels"),
    ],
)
def test_inputs_labels_count_mismatch(
    tmp_path: Path, inputs: list[Any], labels: list[Any], fragment: str
) -> None:
    check(tmp_path, make(data={"inputs": inputs, "labels": labels}), "data", fragment)


@pytest.mark.parametrize(
    "data",
    [
        {"inputs": [["0"]]},
        {"labels": ["0"]},
        {"inputs": [["0"]], "labels": ["0"], "weights": ["1"]},
    ],
    ids=["no-labels", "no-inputs", "extra"],
)
def test_inline_data_wrong_keys(tmp_path: Path, data: dict[str, Any]) -> None:
    check(tmp_path, make(data=data), "data", '"inputs" and "labels"')


@pytest.mark.parametrize("data", [[["0"]], "data.csv", None])
def test_data_not_an_object(tmp_path: Path, data: Any) -> None:
    check(tmp_path, make(data=data), "data", "expected an object", repr(data))


def test_ragged_inputs(tmp_path: Path) -> None:
    data = {"inputs": [["0"], ["1", "2"]], "labels": ["0", "1"]}
    check(tmp_path, make(data=data), "data.inputs", "row 1 has 2 entries but row 0 has 1")


def test_mixed_flat_and_nested_labels(tmp_path: Path) -> None:
    data = {"inputs": [["0"], ["1"]], "labels": [["0"], "1"]}
    check(tmp_path, make(data=data), "data.labels[1]", "'1'")


@pytest.mark.parametrize(
    ("kind", "bad"), [("hinge", "0"), ("hinge", "1/2"), ("logistic", "2"), ("logistic", "-1/3")]
)
def test_sign_losses_need_labels_plus_minus_one(tmp_path: Path, kind: str, bad: str) -> None:
    data = {"inputs": [["0"], ["1"]], "labels": [["1"], [bad]]}
    check(tmp_path, make(loss=kind, data=data), "data.labels[1][0]", kind, "-1 or 1", f"got {bad}")


def softmax_doc(labels: list[list[str]]) -> dict[str, Any]:
    layers = [
        {"W": [["1"], ["-1"]], "b": ["0", "0"]},
        {"W": [["1", "0"], ["0", "1"]], "b": ["0", "0"]},
    ]
    return make(
        loss="softmax_cross_entropy",
        network={"layers": layers},
        data={"inputs": [["0"], ["1"]], "labels": labels},
    )


@pytest.mark.parametrize(
    "bad",
    [["1", "1"], ["0", "0"], ["1/2", "1/2"], ["-1", "1"], ["2", "0"]],
)
def test_softmax_labels_not_one_hot(tmp_path: Path, bad: list[str]) -> None:
    check(tmp_path, softmax_doc([["1", "0"], bad]), "data.labels[1]", "one-hot", repr(bad))


def test_softmax_one_hot_labels_accepted(tmp_path: Path) -> None:
    problem = read_problem(write_doc(tmp_path, softmax_doc([["1", "0"], ["0", "1"]])))
    assert problem.data.label_rows() == [[1, 0], [0, 1]]


def test_hinge_labels_plus_minus_one_accepted(tmp_path: Path) -> None:
    data = {"inputs": [["0"], ["1"]], "labels": ["-1", 1]}
    problem = read_problem(write_doc(tmp_path, make(loss="hinge", data=data)))
    assert problem.data.label_rows() == [[-1], [1]]


# --- data files: common --------------------------------------------------------------------------


def write_csv(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_CSV = "x,y\n0,0\n1,1\n"


def test_data_file_missing(tmp_path: Path) -> None:
    check(tmp_path, data_file_doc({"file": "nope.csv"}), "data.file", "nope.csv", "does not exist")


def test_data_file_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    check(tmp_path, data_file_doc({"file": "dir.csv"}), "data.file", "dir.csv", "does not exist")


@pytest.mark.parametrize("name", ["", 5, None, ["data.csv"]])
def test_data_file_not_a_path(tmp_path: Path, name: Any) -> None:
    check(tmp_path, data_file_doc({"file": name}), "data.file", f"got {name!r}")


def test_data_file_wrong_sha256(tmp_path: Path) -> None:
    write_csv(tmp_path, GOOD_CSV)
    expected = "ab" * 32
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "sha256": expected}),
        "data.sha256",
        "data.csv",
        expected,
        "changed",
    )


@pytest.mark.parametrize("digest", ["abc", "", 123, None, "a" * 65])
def test_data_file_sha256_malformed(tmp_path: Path, digest: Any) -> None:
    write_csv(tmp_path, GOOD_CSV)
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "sha256": digest}),
        "data.sha256",
        "64 hex digits",
        f"got {digest!r}",
    )


def test_data_file_right_sha256_upper_case(tmp_path: Path) -> None:
    import hashlib

    path = write_csv(tmp_path, GOOD_CSV)
    digest = hashlib.sha256(path.read_bytes()).hexdigest().upper()
    problem = read_problem(
        write_doc(tmp_path, data_file_doc({"file": "data.csv", "sha256": digest}))
    )
    assert problem.data.n == 2


@pytest.mark.parametrize("name", ["data.txt", "data.json", "data"])
def test_data_file_wrong_suffix(tmp_path: Path, name: str) -> None:
    write_csv(tmp_path, GOOD_CSV, name=name)
    check(tmp_path, data_file_doc({"file": name}), "data.file", name, "neither .csv nor .npz")


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_ragged_line(tmp_path: Path) -> None:
    write_csv(tmp_path, "x,y\n0,0\n1\n")
    check(
        tmp_path,
        data_file_doc({"file": "data.csv"}),
        "data.file",
        "data.csv line 3 has 1 columns, expected 2",
    )


def test_csv_ragged_line_without_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "0,0\n1,1\n2,2,2\n")
    check(
        tmp_path, data_file_doc({"file": "data.csv"}), "data.csv line 3 has 3 columns, expected 2"
    )


def test_csv_ragged_line_number_counts_blank_lines(tmp_path: Path) -> None:
    write_csv(tmp_path, "x,y\n\n0,0\n\n1\n")
    check(tmp_path, data_file_doc({"file": "data.csv"}), "data.csv line 5 ")


def test_csv_non_numeric_cell(tmp_path: Path) -> None:
    write_csv(tmp_path, "x,y\n0,0\n1,abc\n")
    with pytest.raises(InputError) as info:
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.csv"})))
    # the problem file, the data field, the CSV file, its line and column, and the bad cell
    assert_names(str(info.value), PROBLEM_NAME, "data: data.csv line 3 column 2", "'abc'")


def test_csv_non_numeric_cell_without_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "0,0\n1,1\nnan,2\n")
    with pytest.raises(InputError) as info:
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.csv"})))
    assert_names(str(info.value), "data.csv line 3 column 1", "'nan'")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "holds no data rows"),
        ("\n \n", "holds no data rows"),
        ("x,y\n", "has a header but no data rows"),
    ],
)
def test_csv_without_data_rows(tmp_path: Path, text: str, fragment: str) -> None:
    write_csv(tmp_path, text)
    check(tmp_path, data_file_doc({"file": "data.csv"}), "data.file", "data.csv", fragment)


def test_csv_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes(b"x,y\n0,\xff\n")
    check(tmp_path, data_file_doc({"file": "data.csv"}), "data.file", "cannot read", "data.csv")


def test_csv_with_byte_order_mark_keeps_first_row(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes("0,0\n1,1\n".encode("utf-8-sig"))
    problem = read_problem(write_doc(tmp_path, data_file_doc({"file": "data.csv"})))
    assert problem.data.n == 2


@pytest.mark.parametrize("count", [0, 2, 3, -1])
def test_csv_label_columns_count_out_of_range(tmp_path: Path, count: int) -> None:
    write_csv(tmp_path, GOOD_CSV)
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "label_columns": count}),
        "data.label_columns",
        f"{count} label columns do not fit a table of 2 columns",
    )


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [(5, "no column 5"), (-1, "no column -1"), ("z", "no column 'z'"), (1.0, "no column 1.0")],
)
def test_csv_label_columns_unknown_entry(tmp_path: Path, entry: Any, fragment: str) -> None:
    write_csv(tmp_path, GOOD_CSV)
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "label_columns": [entry]}),
        "data.label_columns",
        fragment,
        "the header is ['x', 'y']",
    )


def test_csv_label_column_name_without_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "0,0\n1,1\n")
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "label_columns": ["y"]}),
        "data.label_columns",
        "no column 'y'",
        "no header",
    )


@pytest.mark.parametrize("spec", ["y", True, [], None, {"y": 1}])
def test_csv_label_columns_wrong_type(tmp_path: Path, spec: Any) -> None:
    write_csv(tmp_path, GOOD_CSV)
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "label_columns": spec}),
        "data.label_columns",
        f"got {spec!r}",
    )


def test_csv_every_column_a_label(tmp_path: Path) -> None:
    write_csv(tmp_path, GOOD_CSV)
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "label_columns": ["x", 1]}),
        "data.label_columns",
        "every column of",
        "data.csv",
        "no inputs left",
    )


def test_csv_unknown_field(tmp_path: Path) -> None:
    write_csv(tmp_path, GOOD_CSV)
    check(
        tmp_path,
        data_file_doc({"file": "data.csv", "inputs": "x"}),
        "data",
        "unknown field 'inputs' for a CSV file",
    )


# --- NPZ -----------------------------------------------------------------------------------------


def write_npz(tmp_path: Path, name: str = "data.npz", **arrays: Any) -> Path:
    path = tmp_path / name
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def test_npz_missing_key(tmp_path: Path) -> None:
    write_npz(tmp_path, X=np.array([[0], [1]]), Y=np.array([0, 1]))
    check(
        tmp_path,
        data_file_doc({"file": "data.npz"}),
        "data.inputs",
        "data.npz",
        "no array 'inputs'",
        "['X', 'Y']",
    )


def test_npz_missing_labels_key(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.array([[0], [1]]), Y=np.array([0, 1]))
    check(
        tmp_path,
        data_file_doc({"file": "data.npz", "labels": "targets"}),
        "data.labels",
        "no array 'targets'",
    )


def test_npz_float_array_without_float_input(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.array([[0.0], [0.5]]), labels=np.array([0, 1]))
    with pytest.raises(InputError) as info:
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"})))
    assert_names(str(info.value), "data.npz['inputs']", "float64", "float_input")


def test_npz_float_labels_without_float_input(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.array([[0], [1]]), labels=np.array([0.0, 1.0], dtype=np.float32))
    with pytest.raises(InputError, match=r"data\.npz\['labels'\].*float32"):
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"})))


class _Booby:
    """Pickles to a call of os.mkdir(marker): unpickling it leaves a visible trace."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.mkdir, (self.marker,))


def test_npz_object_array_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    inputs = np.empty((2, 1), dtype=object)
    inputs[0, 0] = _Booby(marker)
    inputs[1, 0] = 1
    write_npz(tmp_path, inputs=inputs, labels=np.array([0, 1]))
    check(
        tmp_path,
        data_file_doc({"file": "data.npz"}),
        "data.npz['inputs']",
        "object",
        "without pickles",
    )
    assert not marker.exists(), "the object array was unpickled"


@pytest.mark.parametrize("content", [b"hello, this is not a zip", b""], ids=["text", "empty"])
def test_npz_not_a_zip(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "data.npz").write_bytes(content)
    check(tmp_path, data_file_doc({"file": "data.npz"}), "data.file", "data.npz", "cannot read")


TRUNCATED_ZIP = b"PK\x03\x04 broken zip"


def test_npz_truncated_zip(tmp_path: Path) -> None:
    (tmp_path / "data.npz").write_bytes(TRUNCATED_ZIP)
    path = write_doc(tmp_path, data_file_doc({"file": "data.npz"}))
    # np.load leaks its file handle on this path (see the xfail below): collect it here, so that
    # the ResourceWarning does not surface in a later test
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        message = read_error(path)
        gc.collect()
    assert_names(message, "data.file", "data.npz", "cannot read", "zip")


def test_npz_truncated_zip_closes_the_file(tmp_path: Path) -> None:
    (tmp_path / "data.npz").write_bytes(TRUNCATED_ZIP)
    path = write_doc(tmp_path, data_file_doc({"file": "data.npz"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError):
            read_problem(path)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_npz_that_is_an_npy_file(tmp_path: Path) -> None:
    with (tmp_path / "data.npz").open("wb") as handle:
        np.save(handle, np.array([[0], [1]]))
    check(tmp_path, data_file_doc({"file": "data.npz"}), "data.file", "data.npz")


@pytest.mark.parametrize(
    ("array", "fragment"),
    [
        (np.array([[True], [False]]), "dtype bool"),
        (np.array([[1j], [2j]]), "dtype complex128"),
        (np.array([["a"], ["b"]]), "dtype <U1"),
    ],
    ids=["bool", "complex", "str"],
)
def test_npz_non_numeric_dtype(tmp_path: Path, array: np.ndarray, fragment: str) -> None:
    write_npz(tmp_path, inputs=array, labels=np.array([0, 1]))
    with pytest.raises(InputError) as info:
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"})))
    assert_names(str(info.value), "data.npz['inputs']", "integers or floats", fragment)


def test_npz_three_dimensional(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.zeros((2, 1, 1), dtype=np.int64), labels=np.array([0, 1]))
    with pytest.raises(InputError, match=r"data\.npz\['inputs'\].*shape \(2, 1, 1\)"):
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"})))


def test_npz_nan_with_float_input(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.array([[0.0], [np.nan]]), labels=np.array([0, 1]))
    with pytest.raises(InputError) as info:
        read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"}, float_input=True)))
    assert_names(str(info.value), "data.npz['inputs'][1][0]", "non-finite number nan")


def test_npz_unknown_field(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.array([[0], [1]]), labels=np.array([0, 1]))
    check(
        tmp_path,
        data_file_doc({"file": "data.npz", "label_columns": 1}),
        "data",
        "unknown field 'label_columns' for an NPZ file",
    )


# --- positive cases ------------------------------------------------------------------------------


def test_float_input_true_converts_floats_exactly(tmp_path: Path) -> None:
    problem = read_problem(write_doc(tmp_path, with_number(0.1, float_input=True)))
    value = problem.network.weights(1)[0][0]
    assert value == Fraction(0.1)  # the binary double nearest 0.1, exactly
    assert value != Fraction(1, 10)
    assert value.denominator == 2**55


def test_float_input_exact_is_the_same_as_true(tmp_path: Path) -> None:
    problem = read_problem(write_doc(tmp_path, with_number(0.1, float_input="exact")))
    assert problem.network.weights(1)[0][0] == Fraction(0.1)


def test_float_input_round_to_denominator(tmp_path: Path) -> None:
    document = with_number(0.1, float_input={"round_to_denominator": 10})
    document["network"]["layers"][0]["b"] = [0.26, "0.26"]  # floats rounded, strings never
    problem = read_problem(write_doc(tmp_path, document))
    assert problem.network.weights(1)[0][0] == Fraction(1, 10)
    assert problem.network.biases(1) == [Fraction(3, 10), Fraction(13, 50)]


def test_float_input_applies_to_data_and_activation(tmp_path: Path) -> None:
    document = make(
        float_input=True,
        activation={"preset": "leaky_relu", "alpha": 0.25},
        data={"inputs": [[0.5], [1]], "labels": [0.75, -2]},
    )
    problem = read_problem(write_doc(tmp_path, document))
    assert dict(problem.network.activation.params) == {"alpha": Fraction(1, 4)}
    assert problem.data.input_rows() == [[Fraction(1, 2)], [1]]
    assert problem.data.label_rows() == [[Fraction(3, 4)], [-2]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1", Fraction(1, 10)),
        ("-2/7", Fraction(-2, 7)),
        ("1e-3", Fraction(1, 1000)),
        ("6/4", Fraction(3, 2)),
        ("-0.125", Fraction(-1, 8)),
    ],
)
def test_decimal_strings_are_exact(tmp_path: Path, text: str, expected: Fraction) -> None:
    problem = read_problem(write_doc(tmp_path, with_number(text)))
    assert problem.network.weights(1)[0][0] == expected


def test_json_integers_are_exact(tmp_path: Path) -> None:
    big = 10**30 + 1
    problem = read_problem(write_doc(tmp_path, with_number(big)))
    assert problem.network.weights(1)[0][0] == big


def test_flat_labels_accepted_for_one_output(tmp_path: Path) -> None:
    flat = read_problem(
        write_doc(tmp_path, make(data={"inputs": [["0"], ["1"]], "labels": ["0", 1]}))
    )
    nested = read_problem(write_doc(tmp_path, BASE, name="nested.json"))
    assert flat.data == nested.data
    assert flat.data.output_dim == 1


def test_csv_with_and_without_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "x,y\n0,1/2\n1,-0.25\n", name="with.csv")
    write_csv(tmp_path, "0,1/2\n\n1,-0.25\n", name="without.csv")
    with_header = read_problem(
        write_doc(tmp_path, data_file_doc({"file": "with.csv"}), name="a.json")
    )
    without = read_problem(
        write_doc(tmp_path, data_file_doc({"file": "without.csv"}), name="b.json")
    )
    assert with_header.data == without.data
    assert with_header.data.input_rows() == [[0], [1]]
    assert with_header.data.label_rows() == [[Fraction(1, 2)], [Fraction(-1, 4)]]


def test_csv_label_columns_by_name_and_index(tmp_path: Path) -> None:
    write_csv(tmp_path, "y,x\n1,0\n0,1\n")
    by_name = read_problem(
        write_doc(tmp_path, data_file_doc({"file": "data.csv", "label_columns": ["y"]}))
    )
    by_index = read_problem(
        write_doc(
            tmp_path, data_file_doc({"file": "data.csv", "label_columns": [0]}), name="idx.json"
        )
    )
    assert by_name.data == by_index.data
    assert by_name.data.input_rows() == [[0], [1]]
    assert by_name.data.label_rows() == [[1], [0]]


def test_csv_data_file_in_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_csv(tmp_path / "sub", GOOD_CSV)
    problem = read_problem(write_doc(tmp_path, data_file_doc({"file": "sub/data.csv"})))
    assert problem.data.n == 2


def test_problem_from_dict_resolves_data_against_base_dir(tmp_path: Path) -> None:
    write_csv(tmp_path, GOOD_CSV)
    problem = problem_from_dict(data_file_doc({"file": "data.csv"}), base_dir=tmp_path)
    assert problem.data.label_rows() == [[0], [1]]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_npz_integer_arrays(tmp_path: Path, dtype: type) -> None:
    write_npz(
        tmp_path, inputs=np.array([[0], [3]], dtype=dtype), labels=np.array([1, 2], dtype=dtype)
    )
    problem = read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"})))
    assert problem.data.input_rows() == [[0], [3]]
    assert problem.data.label_rows() == [[1], [2]]


def test_npz_custom_keys_and_2d_labels(tmp_path: Path) -> None:
    write_npz(tmp_path, X=np.array([[0], [1]]), Y=np.array([[5], [-5]]))
    problem = read_problem(
        write_doc(tmp_path, data_file_doc({"file": "data.npz", "inputs": "X", "labels": "Y"}))
    )
    assert problem.data.label_rows() == [[5], [-5]]


def test_npz_float_arrays_with_float_input(tmp_path: Path) -> None:
    write_npz(tmp_path, inputs=np.array([[0.1], [1.0]]), labels=np.array([0.5, 1.0]))
    exact = read_problem(write_doc(tmp_path, data_file_doc({"file": "data.npz"}, float_input=True)))
    assert exact.data.input_rows() == [[Fraction(0.1)], [1]]
    rounded = read_problem(
        write_doc(
            tmp_path,
            data_file_doc({"file": "data.npz"}, float_input={"round_to_denominator": 10}),
            name="r.json",
        )
    )
    assert rounded.data.input_rows() == [[Fraction(1, 10)], [1]]


# --- writing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_round_trip_examples(tmp_path: Path, example: Path) -> None:
    original = read_problem(example)
    out = tmp_path / "copy.json"
    write_problem(original, out, name="copy")
    again = read_problem(out)
    assert again.network == original.network
    assert again.data == original.data
    assert again.loss == original.loss
    assert again.network.activation == original.network.activation
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json"]


def test_examples_exist() -> None:
    assert len(EXAMPLES) >= 5


def test_round_trip_custom_activation(tmp_path: Path) -> None:
    # pieces: slope 1/2 below -1, 2 on (-1, 3), -1 above 3; value 1 at x = 0
    activation = Activation.from_pieces(["-1", "3"], ["1/2", "2", "-1"], ("0", "1"))
    network = Network.from_rationals([[["1"]], [["2"]]], [["0"], ["1/3"]], activation)
    problem = Problem(
        network, make_loss("huber", "1/4"), Dataset.from_rows([["0"], ["5"]], [["1"], ["2"]])
    )
    out = tmp_path / "custom.json"
    write_problem(problem, out)
    again = read_problem(out)
    assert again.network == problem.network
    assert again.network.activation == activation
    assert again.loss == problem.loss
    assert again.data == problem.data


def test_write_problem_replaces_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    out.write_text("old", encoding="utf-8")
    write_problem(read_problem(write_doc(tmp_path, BASE)), out)
    assert read_problem(out).network.widths == (1, 2, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [PROBLEM_NAME, "p.json"]


def test_write_problem_failure_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = read_problem(write_doc(tmp_path, BASE))

    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("losscert.io.json_files.os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_problem(problem, tmp_path / "out.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == [PROBLEM_NAME]


# At commit 7f38e00 this failed (mkstemp's 0600 survived the rename); the working tree fixes it.
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_write_problem_respects_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        out = tmp_path / "p.json"
        write_problem(read_problem(write_doc(tmp_path, BASE)), out)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_csv_first_row_mixing_text_and_numbers_is_not_a_silent_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "0,abc\n1,2\n")
    check(
        tmp_path,
        data_file_doc({"file": "data.csv"}),
        "data.csv line 1 column 2",
        "'abc'",
        "mixes text and numbers",
    )


@pytest.mark.parametrize("text", ["1e10000000", "-2.5E+99999", "1e" + "9" * 5000])
def test_huge_decimal_exponents_are_refused_quickly(tmp_path: Path, text: str) -> None:
    # Fraction("1e10000000") would spend seconds building 10^10^7; the reader refuses instead
    check(tmp_path, with_number(text), FIELD, "beyond")


def test_moderate_decimal_exponents_are_exact(tmp_path: Path) -> None:
    path = write_doc(tmp_path, with_number("25e-3"))
    assert read_problem(path).network.weights(1)[0][0] == Fraction(1, 40)

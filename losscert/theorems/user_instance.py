"""A user's Theorem 1 instance from command-line specs: data file, widths, activation, loss."""

from __future__ import annotations

from pathlib import Path

from losscert.errors import InputError
from losscert.io.data_files import LabelColumns, read_dataset
from losscert.model.activation import PRESETS, Activation
from losscert.model.loss import Loss, make_loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import parse_rational
from losscert.theorems.instances import Instance
from losscert.theorems.one_hidden import OneHiddenInstance


def parse_widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InputError(
            f"--widths: expected comma-separated positive integers, got {text!r}"
        ) from None
    if len(widths) < 2 or any(w < 1 for w in widths):
        raise InputError(
            f"--widths: expected at least two positive integers (d_X,...,d_Y), got {text!r}"
        )
    return widths


def parse_activation(text: str) -> Activation:
    """relu, leaky_relu:1/10, hardtanh:-1,1, relu6, abs, linear, custom:BREAKPOINTS:SLOPES[:X0,Y0]."""
    name, _, rest = text.partition(":")
    where = f"--activation {text!r}"
    if name == "custom":
        parts = rest.split(":")
        if len(parts) not in (2, 3):
            raise InputError(f"{where}: expected custom:BREAKPOINTS:SLOPES[:X0,Y0]")
        breakpoints = [p for p in parts[0].split(",") if p]
        slopes = parts[1].split(",")
        anchor = tuple(parts[2].split(",")) if len(parts) == 3 else ("0", "0")
        if len(anchor) != 2:
            raise InputError(f"{where}: the anchor is X0,Y0")
        return Activation.from_pieces(breakpoints, slopes, (anchor[0], anchor[1]), where=where)
    if name not in PRESETS:
        raise InputError(
            f"{where}: unknown activation {name!r}; presets: {', '.join(PRESETS)}, or custom"
        )
    args = [parse_rational(a, where) for a in rest.split(",")] if rest else []
    keywords = {"leaky_relu": ("alpha",), "hardtanh": ("lo", "hi")}.get(name, ())
    if len(args) > len(keywords):
        raise InputError(f"{where}: {name} takes {len(keywords)} parameter(s)")
    return PRESETS[name](**dict(zip(keywords, args, strict=False)))


def parse_loss(text: str) -> Loss:
    name, _, rest = text.partition(":")
    if name == "huber":
        if not rest:
            raise InputError("--loss: huber needs a delta, e.g. huber:1")
        return make_loss("huber", parse_rational(rest, f"--loss {text!r}"))
    if rest:
        raise InputError(f"--loss {text!r}: {name} takes no parameter")
    return make_loss(name)


def theorem1_instance(
    data: str,
    widths: str,
    activation: str,
    loss: str,
    name: str | None,
    label_columns: LabelColumns | None = None,
) -> Instance:
    shape = parse_widths(widths)
    dataset = read_dataset(Path(data), shape[-1], label_columns=label_columns, input_dim=shape[0])
    return Instance(
        name or Path(data).stem,
        shape,
        parse_activation(activation),
        parse_loss(loss),
        dataset.n,
        0,
        planted=False,
        dataset=dataset,
    )


def user_one_hidden_instance(
    data: str, widths: str, activation: str, loss: str, label_columns: LabelColumns | None = None
) -> OneHiddenInstance:
    """The one-hidden-layer audit on a user's data; the point (for the valley audit) is the zero
    network, replaced by the cells of the certified minima the audit finds."""
    shape = parse_widths(widths)
    if len(shape) != 3:
        raise InputError(f"--widths: the one-hidden-layer audit needs D_X,D_1,D_Y, got {widths!r}")
    dataset = read_dataset(Path(data), shape[-1], label_columns=label_columns, input_dim=shape[0])
    act = parse_activation(activation)
    d_x, d_1, d_y = shape
    zero = Network.from_rationals(
        [[[0] * d_x for _ in range(d_1)], [[0] * d_1 for _ in range(d_y)]],
        [[0] * d_1, [0] * d_y],
        act,
    )
    return OneHiddenInstance(Path(data).stem, Problem(zero, parse_loss(loss), dataset))

"""``losscert import``: a trained PyTorch state dict or ONNX model plus data -> a problem file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from losscert.cli.common import (
    EXIT_OK,
    add_json_option,
    add_label_columns_option,
    exact_json,
    exact_text,
    read_labelled_data,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help="a trained PyTorch (.pt state dict) or ONNX model plus data -> a problem file",
        description="Weights are converted to the exact rationals their floats store. State dicts "
        "are loaded with torch.load(weights_only=True) only; ONNX files are parsed, never run.",
    )
    parser.add_argument("model", metavar="MODEL", help="model.pt / model.pth or model.onnx")
    parser.add_argument(
        "--data", required=True, metavar="FILE", help="CSV, NPZ (integer arrays) or problem JSON"
    )
    add_label_columns_option(parser)
    parser.add_argument(
        "--arch",
        default=None,
        metavar="D_X,D_1,...,D_Y",
        help="widths of nn.Sequential(Linear, act, ..., Linear) (state dicts only)",
    )
    parser.add_argument(
        "--activation",
        default=None,
        metavar="SPEC",
        help="relu, leaky_relu:1/100, hardtanh:-1,1, relu6 or linear: the activation between "
        "the nn.Linear layers (state dicts only; required there, a state dict does not record it)",
    )
    parser.add_argument(
        "--loss",
        default="squared",
        metavar="SPEC",
        help="squared, squared_half, absolute, hinge or huber:DELTA",
    )
    parser.add_argument("--name", default=None, help="problem name (default: the model's stem)")
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="PROBLEM.json")
    add_json_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.errors import InputError
    from losscert.io.data_files import read_dataset
    from losscert.io.model_files import read_model_file
    from losscert.io.problem_file import write_problem
    from losscert.model.problem import Problem
    from losscert.theorems.user_instance import parse_activation, parse_loss, parse_widths

    try:
        widths = None if args.arch is None else parse_widths(args.arch)
    except InputError as exc:  # the parser is shared with `audit theorem1 --widths`
        raise InputError(str(exc).replace("--widths", "--arch")) from None
    activation = None if args.activation is None else parse_activation(args.activation)
    network = read_model_file(args.model, widths, activation)
    spec, columns = read_labelled_data(args.data, args.label_columns)
    data = read_dataset(
        Path(args.data),
        network.output_dim,
        label_columns=spec,
        input_dim=network.input_dim,
        expected_by=f"the model {args.model}",
    )
    try:
        problem = Problem(network, parse_loss(args.loss), data)
    except InputError as exc:
        raise InputError(f"{args.model} with {args.data}: {exc}") from exc
    name = args.name or Path(args.model).stem
    write_problem(problem, args.out, name=name)
    risk = problem.risk() if problem.loss.is_rational else None
    if args.json:
        record = {
            "problem": str(args.out),
            "name": name,
            "model": args.model,
            "data": args.data,
            "widths": list(problem.network.widths),
            "activation": problem.network.activation.name,
            "loss": args.loss,
            "samples": data.n,
            "columns": columns,
            "risk": exact_json(risk),
        }
        print(json.dumps(record, indent=2))
        return EXIT_OK
    print(
        f"{args.out}: {problem.network!r}, {data.n} samples, exact risk {exact_text(risk)}"
        if risk is not None
        else f"{args.out}: {problem.network!r}, {data.n} samples"
    )
    return EXIT_OK

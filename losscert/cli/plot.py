"""``losscert plot``: pictures of the loss surface near a point, with what was proved about it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from losscert.cli.common import EXIT_OK, add_json_option


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "plot",
        help="pictures of the loss surface near a point, with what was proved about it",
        description="The risk on a 2-D slice of parameter space (cells shaded, boundaries drawn, "
        "candidate, witness and valley path marked), the 1-D profile towards the witness, and "
        "for one hidden layer with 1-D inputs the network function and its kinks. Claims are "
        "stated only from certificates the checker accepts.",
    )
    parser.add_argument(
        "problem", metavar="PROBLEM.json", help="a problem file, or a certificate (its problem)"
    )
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="OUT.png")
    parser.add_argument(
        "--witness",
        default=None,
        metavar="W",
        help="a lower point: a problem file, a certificate with a lower_point step, or a JSON list",
    )
    parser.add_argument(
        "--direction",
        action="append",
        default=[],
        metavar="D",
        help="witness, valley, descent, random[:SEED] or a JSON file of numbers (give up to two)",
    )
    parser.add_argument(
        "--certificate",
        action="append",
        default=[],
        metavar="FILE",
        help="a certificate about this point; checked, then stated next to the pictures",
    )
    parser.add_argument(
        "--certify",
        action="store_true",
        help="run losscert certify first; its certificates are written next to OUT.png",
    )
    parser.add_argument(
        "--resolution", type=int, default=101, metavar="N", help="grid points per axis (10-400)"
    )
    parser.add_argument(
        "--range",
        type=plot_range,
        default=None,
        metavar="LO,HI",
        help="the slice coordinates a, b and the profile's t from LO to HI (zoom in with a "
        "small range, e.g. -0.01,0.01; default: -0.5,1.5 towards a witness or valley, a range "
        "where a certified descent visibly descends, else -1,1)",
    )
    add_json_option(parser)
    parser.set_defaults(run=run)


def plot_range(text: str) -> tuple[float, float]:
    """An argparse type: ``LO,HI`` with LO < HI, finite."""
    parts = text.split(",")
    try:
        low, high = (float(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        low = high = None
    if low is None or high is None or not (-1e12 < low < high < 1e12):
        raise argparse.ArgumentTypeError(
            f"expected LO,HI with LO < HI (e.g. -0.1,0.1), got {text!r}"
        )
    return (low, high)


def run(args: argparse.Namespace) -> int:
    from losscert.errors import InputError
    from losscert.plot.plot_file import plot_file

    if not 10 <= args.resolution <= 400:
        raise InputError(f"--resolution: expected 10 to 400 grid points, got {args.resolution}")
    written = plot_file(
        args.problem,
        args.out,
        witness=args.witness,
        directions=args.direction,
        certificates=args.certificate,
        certify=args.certify,
        resolution=args.resolution,
        span=args.range,
    )
    if args.json:
        print(json.dumps({"problem": args.problem, "written": [str(p) for p in written]}, indent=2))
        return EXIT_OK
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK

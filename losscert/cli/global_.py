"""``losscert global``: one hidden layer, one output: the certified global minimum."""

from __future__ import annotations

import argparse
import json

from losscert.cli.common import (
    EXIT_OK,
    add_json_option,
    add_out_dir_option,
    problem_stem,
    write_certificates,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    global_ = commands.add_parser(
        "global",
        help="one hidden layer, one output: the certified global minimum, and is the point one?",
        description="Enumerates the realisable neuron patterns, solves the convex program over "
        "every (pattern, output-weight sign) block and certifies its optimum exactly; when the "
        "optimum needs more neurons than the network has, one program per choice of d_1 blocks.",
    )
    global_.add_argument("problem", metavar="PROBLEM.json")
    add_out_dir_option(global_)
    add_json_option(global_)
    global_.add_argument(
        "--max-programs",
        type=int,
        default=5000,
        metavar="N",
        help="the most per-subset programs the exact route may solve (default 5000)",
    )
    global_.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.io.problem_file import read_problem
    from losscert.theorems.audit import stderr_progress
    from losscert.verifier.global_min import (
        certify_cell_global_min,
        certify_global_min,
        require_one_hidden_layer,
    )

    problem = read_problem(args.problem)
    require_one_hidden_layer(problem)  # UnsupportedError: exit 2 with the reason
    stem = problem_stem(args.problem)
    result = certify_global_min(problem, max_subsets=args.max_programs, progress=stderr_progress)
    verdict = result.verdict
    cell = certify_cell_global_min(problem)
    written = write_certificates(
        [verdict.certificate, result.bound_certificate, cell.certificate], args.out, stem
    )
    record = {
        "problem": args.problem,
        "patterns": result.patterns,
        "programs": result.programs,
        "route": result.route,
        "global_minimum": None if result.minimum is None else str(result.minimum),
        "lower_bound": None if result.lower_bound is None else str(result.lower_bound),
        "risk": str(problem.risk()),
        "claim": verdict.certificate["claim"]["kind"] if verdict.certificate else verdict.claim,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "detail": verdict.detail,
        "cell_global_min": cell.status.value,
        "cell_detail": cell.detail,
        "written": written,
    }
    if args.json:
        print(json.dumps(record, indent=2))
        return EXIT_OK
    print(
        f"{args.problem}: {result.patterns} realisable neuron patterns, route {result.route} "
        f"({result.programs} convex programs)"
    )
    if result.minimum is not None:
        print(f"  global minimum: {result.minimum} (~{float(result.minimum):.6g}), attained")
    elif result.lower_bound is not None:
        print(f"  certified lower bound: {result.lower_bound} (~{float(result.lower_bound):.6g})")
    reason = f" ({verdict.reason})" if verdict.reason else ""
    print(
        f"  the point: R = {record['risk']}: {record['claim']}: "
        f"{verdict.status.value.upper()}{reason}  {verdict.detail}".rstrip()
    )
    cell_reason = f" ({cell.reason})" if cell.reason else ""
    print(f"  its cell: cell_global_min: {cell.status.value.upper()}{cell_reason}  {cell.detail}")
    for path in written:
        print(f"  certificate: {path}")
    return EXIT_OK

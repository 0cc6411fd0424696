"""``losscert global``: one hidden layer, one output: the certified global minimum."""

from __future__ import annotations

import argparse
import json

from losscert.cli.common import (
    EXIT_INTERRUPTED,
    add_expect_option,
    add_json_option,
    add_out_dir_option,
    exact_json,
    exact_text,
    problem_name,
    problem_stem,
    verdict_exit,
    with_decimals,
    write_certificates,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    global_ = commands.add_parser(
        "global",
        help="one hidden layer, one output: the certified global minimum, and is the point one?",
        description="Enumerates the realisable neuron patterns, solves the convex program over "
        "every (pattern, output-weight sign) block and certifies its optimum exactly; when the "
        "optimum needs more neurons than the network has, one program per choice of d_1 blocks. "
        "The verdict is that of global_min for the point: exit 0 PROVED, 1 REFUTED, 3 UNKNOWN, "
        "2 bad input.",
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
    add_expect_option(global_)
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
    cell = None if result.interrupted else certify_cell_global_min(problem)
    written = write_certificates(
        [verdict.certificate, result.bound_certificate, None if cell is None else cell.certificate],
        args.out,
        stem,
    )
    # the reported minimum, backed by a global_min certificate at the network that attains it
    backing = result.minimum_certificate
    separate = backing is not None and backing is not verdict.certificate
    minimum_files = write_certificates([backing if separate else None], args.out, f"{stem}.minimum")
    written += minimum_files
    infimum_files = write_certificates([result.infimum_certificate], args.out, stem)
    written += infimum_files
    status = verdict.status.value
    lowest = None if result.witness is None else problem.with_network(result.witness).risk()
    record = {
        "problem": args.problem,
        "name": problem_name(args.problem),
        "verdict": status,
        "exit_code": verdict_exit(status, args.expect),
        "patterns": result.patterns,
        "programs": result.programs,
        "route": result.route,
        "global_minimum": exact_json(result.minimum),
        "global_minimum_certificate": minimum_files[0] if minimum_files else None,
        "infimum": exact_json(result.infimum),
        "infimum_certificate": infimum_files[0] if infimum_files else None,
        "attained": (
            True
            if result.minimum is not None
            else False
            if result.infimum is not None and result.infimum_attained is False
            else None
        ),
        "lower_bound": exact_json(result.lower_bound),
        "lowest_network_risk": exact_json(lowest),
        "risk": exact_json(problem.risk()),
        "claim": verdict.certificate["claim"]["kind"] if verdict.certificate else verdict.claim,
        "status": status,
        "reason": verdict.reason,
        "detail": verdict.detail,
        "cell_global_min": cell and cell.status.value,
        "cell_reason": cell and cell.reason,
        "cell_detail": cell and cell.detail,
        "written": written,
        "interrupted": result.interrupted,
    }
    code = EXIT_INTERRUPTED if result.interrupted else verdict_exit(status, args.expect)
    if args.json:
        print(json.dumps(record, indent=2))
        return code
    print(
        f"{args.problem}: {result.patterns} realisable neuron patterns, route {result.route} "
        f"({result.programs} convex programs)"
    )
    if result.minimum is not None:
        at = "the point itself" if not separate else "a network of this width"
        if separate and minimum_files:
            at = minimum_files[0]
        print(
            f"  global minimum: {exact_text(result.minimum)}, attained by {at} "
            "(global_min certificate checked)"
        )
    elif result.infimum is not None and result.infimum_attained is False:
        where = f": {infimum_files[0]}" if infimum_files else ""
        print(
            f"  infimum: {exact_text(result.infimum)}, not attained by any network of this width "
            f"(infimum_not_attained certificate checked{where})"
        )
    elif result.infimum is not None:
        where = f": {infimum_files[0]}" if infimum_files else ""
        print(
            f"  infimum: {exact_text(result.infimum)} (global_infimum certificate checked{where}); "
            "no network attaining it found, and none excluded"
        )
    elif result.lower_bound is not None:
        print(
            f"  certified lower bound: {exact_text(result.lower_bound)} (no attaining network found)"
        )
    if lowest is not None and result.minimum is None:
        print(f"  lowest network found: R = {exact_text(lowest)}")
    reason = f" ({verdict.reason})" if verdict.reason else ""
    print(
        f"  the point: R = {exact_text(problem.risk())}: {record['claim']}: "
        f"{status.upper()}{reason}  {with_decimals(verdict.detail)}".rstrip()
    )
    if cell is not None:
        cell_reason = f" ({cell.reason})" if cell.reason else ""
        print(
            f"  its cell: cell_global_min: {cell.status.value.upper()}{cell_reason}  "
            f"{with_decimals(cell.detail)}".rstrip()
        )
    for path in written:
        print(f"  certificate: {path}")
    if result.interrupted:
        print(f"{args.problem}: interrupted; the certified bounds above are kept")
    print(f"{args.problem}: verdict {status.upper()} (global_min)")
    return code

"""``losscert audit``: construct and certify the paper's spurious local minima.

Subcommands: none (the built-in Theorem 1 audit), ``theorem1`` (your data and architecture) and
``one-hidden-layer`` (cell minima and valley connectivity).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from losscert.cli.common import EXIT_CLAIM_FAILED, EXIT_OK, add_json_option, add_out_dir_option


def add_parser(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser(
        "audit",
        help="construct and certify the paper's spurious local minima (built-in instances by default)",
        description="Without a subcommand: the built-in Theorem 1 audit over every preset activation, "
        "depths 2-5 and output widths 1-3, with the linear contrast and negative controls.",
    )
    _audit_options(audit)
    audit.set_defaults(run=run)
    audit_kinds = audit.add_subparsers(dest="kind")
    theorem1 = audit_kinds.add_parser("theorem1", help="Theorem 1 on your data and architecture")
    theorem1.add_argument("--data", required=True, metavar="FILE", help="CSV, NPZ or problem JSON")
    theorem1.add_argument("--widths", required=True, metavar="D_X,D_1,...,D_Y")
    theorem1.add_argument(
        "--activation",
        default="relu",
        metavar="SPEC",
        help="relu, leaky_relu:1/10, hardtanh:-1,1, relu6, abs, linear, "
        "or custom:BREAKPOINTS:SLOPES (comma-separated, e.g. custom:-1,1:1/4,1,1/2)",
    )
    theorem1.add_argument(
        "--loss",
        default="squared",
        metavar="SPEC",
        help="squared, squared_half, absolute, hinge or huber:DELTA",
    )
    theorem1.add_argument(
        "--name", default=None, help="instance name (default: the data file's stem)"
    )
    _audit_options(theorem1)
    one_hidden = audit_kinds.add_parser(
        "one-hidden-layer",
        help="local minima of a cell are cell minima; is the valley of a cell connected?",
        description="Without --data: built-in instances with planted answers (one where the "
        "minima of a cell are disconnected inside it, one where they are connected).",
    )
    one_hidden.add_argument("--data", default=None, metavar="FILE", help="CSV, NPZ or problem JSON")
    one_hidden.add_argument("--widths", default=None, metavar="D_X,D_1,D_Y")
    one_hidden.add_argument("--activation", default="relu", metavar="SPEC")
    one_hidden.add_argument("--loss", default="squared", metavar="SPEC")
    one_hidden.add_argument("--starts", type=int, default=12, metavar="N", help="descents (12)")
    one_hidden.add_argument("--seed", type=int, default=0)
    add_json_option(one_hidden, what="a table")


def _audit_options(parser: argparse.ArgumentParser) -> None:
    add_out_dir_option(parser)
    add_json_option(parser, what="a table")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="processes (default 1)")


def run(args: argparse.Namespace) -> int:
    if args.kind == "one-hidden-layer":
        return _one_hidden(args)
    from concurrent.futures import ProcessPoolExecutor

    from losscert.theorems.audit import format_table, outcome_to_dict, run_audits, stderr_progress
    from losscert.theorems.instances import builtin_instances
    from losscert.theorems.user_instance import theorem1_instance

    if args.kind == "theorem1":
        instance = theorem1_instance(args.data, args.widths, args.activation, args.loss, args.name)
        instances = [instance]
    else:
        instances = builtin_instances()
    out: Path | None = args.out
    if args.workers > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            outcomes = run_audits(instances, pool, out, stderr_progress)
    else:
        outcomes = run_audits(instances, None, out, stderr_progress)
    if args.json:
        print(json.dumps([outcome_to_dict(o) for o in outcomes], indent=2))
    else:
        print(format_table(outcomes))
        if out is not None:
            print(f"certificates written to {out}/ (re-check: losscert check {out}/*.cert.json)")
    return EXIT_OK if all(o.as_expected for o in outcomes) else EXIT_CLAIM_FAILED


def _one_hidden(args: argparse.Namespace) -> int:
    from losscert.errors import InputError
    from losscert.theorems.audit import stderr_progress
    from losscert.theorems.one_hidden import (
        audit_one_hidden,
        format_reports,
        one_hidden_instances,
        report_to_dict,
    )
    from losscert.theorems.user_instance import user_one_hidden_instance

    if args.data is None:
        instances = one_hidden_instances()
    else:
        if args.widths is None:
            raise InputError("--widths is required with --data (e.g. --widths 1,2,1)")
        instances = [user_one_hidden_instance(args.data, args.widths, args.activation, args.loss)]
    reports = []
    for instance in instances:
        stderr_progress(f"auditing {instance.name}")
        reports.append(audit_one_hidden(instance, starts=args.starts, seed=args.seed))
    if args.json:
        print(json.dumps([report_to_dict(r) for r in reports], indent=2))
    else:
        print(format_reports(reports))
    return EXIT_OK if all(r.as_expected for r in reports) else EXIT_CLAIM_FAILED

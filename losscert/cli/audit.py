"""``losscert audit``: construct and certify the paper's spurious local minima.

Subcommands: none (the built-in Theorem 1 audit), ``theorem1`` (your data and architecture) and
``one-hidden-layer`` (cell minima and valley connectivity).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losscert.cli.common import (
    EXIT_CLAIM_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_expect_option,
    add_label_columns_option,
    read_labelled_data,
    verdict_exit,
    with_decimals,
)

if TYPE_CHECKING:
    from losscert.model.problem import Problem
    from losscert.theorems.one_hidden import OneHiddenReport
    from losscert.verifier.verdict import Verdict


def add_parser(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser(
        "audit",
        help="construct and certify the paper's spurious local minima (built-in instances by default)",
        description="Without a subcommand: the built-in Theorem 1 audit over every preset activation, "
        "depths 2-5 and output widths 1-3, with the linear contrast and negative controls.",
    )
    _audit_options(audit)
    audit.set_defaults(run=run, out=None, json=False, workers=1)
    audit_kinds = audit.add_subparsers(dest="kind")
    theorem1 = audit_kinds.add_parser(
        "theorem1",
        help="Theorem 1 on your data and architecture",
        description="Checks Theorem 1's assumptions on your data, constructs the spurious local "
        "minimum and its valley where they hold, and certifies them. The verdict is that of "
        "spurious_local_min: exit 0 PROVED, 1 REFUTED, 3 UNKNOWN, 2 bad input.",
    )
    theorem1.add_argument("--data", required=True, metavar="FILE", help="CSV, NPZ or problem JSON")
    theorem1.add_argument("--widths", required=True, metavar="D_X,D_1,...,D_Y")
    add_label_columns_option(theorem1)
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
    _audit_options(theorem1, inherited=True)
    add_expect_option(theorem1)
    one_hidden = audit_kinds.add_parser(
        "one-hidden-layer",
        help="local minima of a cell are cell minima; is the valley of a cell connected?",
        description="Without --data: built-in instances with planted answers (one where the "
        "minima of a cell are disconnected inside it, one where they are connected).",
    )
    one_hidden.add_argument("--data", default=None, metavar="FILE", help="CSV, NPZ or problem JSON")
    one_hidden.add_argument("--widths", default=None, metavar="D_X,D_1,D_Y")
    add_label_columns_option(one_hidden)
    one_hidden.add_argument("--activation", default="relu", metavar="SPEC")
    one_hidden.add_argument("--loss", default="squared", metavar="SPEC")
    one_hidden.add_argument("--starts", type=int, default=12, metavar="N", help="descents (12)")
    one_hidden.add_argument("--seed", type=int, default=0)
    _audit_options(one_hidden, inherited=True, workers=False)


def _audit_options(
    parser: argparse.ArgumentParser, *, inherited: bool = False, workers: bool = True
) -> None:
    """--out, --json, --workers. A subcommand's copies default to the parent's values
    (``audit --out DIR theorem1`` and ``audit theorem1 --out DIR`` mean the same)."""
    keep: dict[str, Any] = {"default": argparse.SUPPRESS} if inherited else {}
    parser.add_argument("--out", type=Path, metavar="DIR", help="write certificates here", **keep)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table", **keep)
    if workers:
        parser.add_argument(
            "--workers", type=int, metavar="N", help="processes (default 1)", **keep
        )


def run(args: argparse.Namespace) -> int:
    if args.kind == "one-hidden-layer":
        return _one_hidden(args)
    from concurrent.futures import ProcessPoolExecutor

    from losscert.theorems.audit import format_table, outcome_to_dict, run_audits, stderr_progress
    from losscert.theorems.instances import builtin_instances
    from losscert.theorems.user_instance import theorem1_instance

    if args.kind == "theorem1":
        spec, _ = read_labelled_data(args.data, args.label_columns)
        instance = theorem1_instance(
            args.data, args.widths, args.activation, args.loss, args.name, spec
        )
        instances = [instance]
    else:
        instances = builtin_instances()
    out: Path | None = args.out
    try:
        if args.workers > 1:
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                outcomes = run_audits(instances, pool, out, stderr_progress)
        else:
            outcomes = run_audits(instances, None, out, stderr_progress)
    except KeyboardInterrupt as exc:  # show what finished (its certificates are written)
        done = getattr(exc, "outcomes", [])
        if done and not args.json:
            print(format_table(done))
        print(f"losscert audit: interrupted after {len(done)} of {len(instances)} instances",
              file=sys.stderr)  # fmt: skip
        return EXIT_INTERRUPTED
    code = EXIT_OK if all(o.as_expected for o in outcomes) else EXIT_CLAIM_FAILED
    if args.kind == "theorem1":
        status = _theorem1_status(outcomes[0].audit.verdicts)
        code = code if code != EXIT_OK else verdict_exit(status, args.expect)
    if args.json:
        print(json.dumps([outcome_to_dict(o) for o in outcomes], indent=2))
    else:
        print(format_table(outcomes))
        if out is not None:
            print(f"certificates written to {out}/ (re-check: losscert check {out}/*.cert.json)")
        if args.kind == "theorem1":
            print(f"{instances[0].name}: verdict {status.upper()} (spurious_local_min)")
    return code


def _theorem1_status(verdicts: dict[str, Verdict]) -> str:
    """The verdict of ``audit theorem1``: that of the constructed spurious local minimum."""
    verdict = verdicts.get("spurious_local_min")
    return "unknown" if verdict is None else verdict.status.value


def _one_hidden(args: argparse.Namespace) -> int:
    from losscert.errors import InputError
    from losscert.progress import Progress
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
        spec, _ = read_labelled_data(args.data, args.label_columns)
        instances = [
            user_one_hidden_instance(args.data, args.widths, args.activation, args.loss, spec)
        ]
    reports = []
    written: list[str] = []
    ticker = Progress(stderr_progress, "audit one-hidden-layer", len(instances), every=0)
    for k, instance in enumerate(instances):
        ticker.update(k, f"auditing {instance.name}")
        report = audit_one_hidden(instance, starts=args.starts, seed=args.seed)
        reports.append(report)
        written += _write_cell_minima(instance.problem, report, args.out)
    ticker.update(len(instances))
    if args.json:
        records = [{**report_to_dict(r), "why_undecided": _why_undecided(r)} for r in reports]
        if args.out is not None:
            records.append({"written": written})
        print(json.dumps(records, indent=2))
    else:
        print(with_decimals(format_reports(reports)))
        for report in reports:
            for line in _why_undecided(report):
                print(f"  {report.name}: {with_decimals(line)}")
        if args.out is not None:
            print(f"{len(written)} cell_global_min certificates written to {args.out}/")
    return EXIT_OK if all(r.as_expected for r in reports) else EXIT_CLAIM_FAILED


def _why_undecided(report: OneHiddenReport) -> list[str]:
    """One line per audit of ``report`` that reads "undecided": what was missing."""
    lines = []
    minima = report.cell_minima
    if minima.verdict == "undecided":
        lines.append(
            f"(i) undecided: no counterexample, but no cell minimum was certified either "
            f"({minima.detail}); try more --starts or another --seed"
        )
    elif minima.verdict == "open":
        lines.append(f"(i) open: {minima.detail}")
    for k, valley in enumerate(report.valleys):
        if valley.reading == "undecided":
            where = "the point's cell" if k == 0 else f"the cell of certified minimum {k}"
            lines.append(f"(ii) {where} undecided: {valley.detail}")
    return lines


def _write_cell_minima(problem: Problem, report: OneHiddenReport, out: Path | None) -> list[str]:
    """With --out: a cell_global_min certificate for each certified cell minimum of audit (i),
    certified again from its point (the audit keeps the points, not the certificates)."""
    from losscert.verifier.certificate import write_certificate
    from losscert.verifier.global_min import certify_cell_global_min

    if out is None:
        return []
    written = []
    for k, network in enumerate(report.cell_minima.points.values(), start=1):
        verdict = certify_cell_global_min(problem.with_network(network))
        if verdict.certificate is not None:
            out.mkdir(parents=True, exist_ok=True)
            kind = verdict.certificate["claim"]["kind"]
            path = out / f"{report.name}.cell{k}.{kind}.cert.json"
            write_certificate(verdict.certificate, path)
            written.append(str(path))
    return written

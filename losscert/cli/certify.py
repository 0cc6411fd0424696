"""``losscert certify``: is the point of a problem file a local minimum? spurious?"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from losscert.cli.common import (
    EXIT_OK,
    add_json_option,
    add_out_dir_option,
    positive_seconds,
    problem_stem,
    write_certificates,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    certify = commands.add_parser(
        "certify",
        help="is the point of a problem file a local minimum? spurious? (with certificates)",
    )
    certify.add_argument("problem", metavar="PROBLEM.json")
    add_out_dir_option(certify)
    add_json_option(certify)
    certify.add_argument(
        "--no-spurious", action="store_true", help="skip the search for a lower point"
    )
    certify.add_argument("--seed", type=int, default=0, help="seed of the lower-point search")
    certify.add_argument(
        "--smt-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="write every SMT query sent to the solvers here (SMT-LIB 2)",
    )
    certify.add_argument(
        "--budget",
        type=positive_seconds,
        default=None,
        help="overall seconds for the SMT rung (no query starts after it; default: none)",
    )
    certify.add_argument(
        "--timeout",
        type=positive_seconds,
        default=30.0,
        help="seconds per SMT query and solver (default 30)",
    )
    certify.add_argument(
        "--no-simplify",
        action="store_true",
        help="send the plain canonical query (no fixed parameters, no rescaling anchors)",
    )
    certify.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.io.problem_file import read_problem
    from losscert.theorems.audit import stderr_progress
    from losscert.verifier.candidate import certify_local_min, certify_spurious
    from losscert.verifier.smt_route import SmtOptions
    from losscert.verifier.verdict import Status

    problem = read_problem(args.problem)
    stem = problem_stem(args.problem)
    options = SmtOptions(
        timeout=args.timeout,
        deadline=None if args.budget is None else time.perf_counter() + args.budget,
        smt_dir=args.smt_dir,
        name=stem,
        progress=stderr_progress,
        simplify=not args.no_simplify,
    )
    verdicts = [certify_local_min(problem, options)]
    if not args.no_spurious and verdicts[0].status is Status.PROVED:
        verdicts.append(certify_spurious(problem, verdicts[0], seed=args.seed))
    written = write_certificates([v.certificate for v in verdicts], args.out, stem)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "claim": v.claim,
                        "status": v.status.value,
                        "reason": v.reason,
                        "detail": v.detail,
                        "method": v.stats.get("method"),
                        "certificate_claim": v.certificate["claim"]["kind"]
                        if v.certificate
                        else None,
                    }
                    for v in verdicts
                ]
                + ([{"written": written}] if written else []),
                indent=2,
            )
        )
    else:
        for v in verdicts:
            how = f" [{v.stats['method']}]" if v.stats.get("method") else ""
            reason = f" ({v.reason})" if v.reason else ""
            print(f"{args.problem}: {v.claim}: {v.status.value.upper()}{reason}{how}  {v.detail}")
        for path in written:
            print(f"  certificate: {path}")
    return EXIT_OK

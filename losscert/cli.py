"""The ``losscert`` command line: a thin layer over the public API.

Exit codes: 0 success; 1 a checked claim failed (an invalid certificate); 2 bad input, an
unreadable file or an unsupported construct (the message on stderr, no traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from losscert.backends.smt import rerun_delegated_steps
from losscert.checker import check_certificate
from losscert.errors import InputError, LosscertError, UnsupportedError
from losscert.info import format_summary, summarize
from losscert.io.problem_file import read_problem
from losscert.theorems.audit import format_table, outcome_to_dict, run_audits, stderr_progress
from losscert.theorems.instances import builtin_instances
from losscert.theorems.user_instance import theorem1_instance
from losscert.verifier.candidate import certify_local_min, certify_spurious
from losscert.verifier.certificate import write_certificate
from losscert.verifier.smt_route import SmtOptions
from losscert.verifier.verdict import Status

EXIT_OK = 0
EXIT_CLAIM_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="losscert",
        description="Certificates for claims about loss surfaces of piecewise-linear networks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser(
        "info", help="architecture, exact risk, cell and multilinearity of problem files"
    )
    info.add_argument("problems", nargs="+", metavar="PROBLEM.json")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.add_argument(
        "--no-multilinear",
        action="store_true",
        help="skip the per-cell polynomial check (it grows with depth, width and samples)",
    )
    check = commands.add_parser(
        "check", help="re-verify certificate files with exact arithmetic alone (no solver)"
    )
    check.add_argument("certificates", nargs="+", metavar="FILE.cert.json")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.add_argument(
        "--solvers",
        action="store_true",
        help="also re-run z3 and cvc5 on every delegated SMT step (closes those trust gaps)",
    )
    check.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=60.0,
        help="seconds per solver run with --solvers",
    )
    certify = commands.add_parser(
        "certify",
        help="is the point of a problem file a local minimum? spurious? (with certificates)",
    )
    certify.add_argument("problem", metavar="PROBLEM.json")
    certify.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="write certificates here"
    )
    certify.add_argument("--json", action="store_true", help="print JSON instead of text")
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
        type=_positive_seconds,
        default=None,
        help="overall seconds for the SMT rung (no query starts after it; default: none)",
    )
    certify.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=30.0,
        help="seconds per SMT query and solver (default 30)",
    )
    certify.add_argument(
        "--no-simplify",
        action="store_true",
        help="send the plain canonical query (no fixed parameters, no rescaling anchors)",
    )
    audit = commands.add_parser(
        "audit",
        help="construct and certify the paper's spurious local minima (built-in instances by default)",
        description="Without a subcommand: the built-in Theorem 1 audit over every preset activation, "
        "depths 2-5 and output widths 1-3, with the linear contrast and negative controls.",
    )
    _audit_options(audit)
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
    return parser


def _audit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="write certificates here"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="processes (default 1)")


def _certify(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    stem = Path(args.problem).name.removesuffix(".json")
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
    written = []
    for verdict in verdicts:
        if args.out is not None and verdict.certificate is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"{stem}.{verdict.certificate['claim']['kind']}.cert.json"
            write_certificate(verdict.certificate, path)
            written.append(str(path))
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


def _audit(args: argparse.Namespace) -> int:
    if args.kind == "theorem1":
        instance = theorem1_instance(args.data, args.widths, args.activation, args.loss, args.name)
        instances = [instance]
    else:
        instances = builtin_instances()
    if args.workers > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            outcomes = run_audits(instances, pool, args.out, stderr_progress)
    else:
        outcomes = run_audits(instances, None, args.out, stderr_progress)
    if args.json:
        print(json.dumps([outcome_to_dict(o) for o in outcomes], indent=2))
    else:
        print(format_table(outcomes))
        if args.out is not None:
            print(
                f"certificates written to {args.out}/ (re-check: losscert check {args.out}/*.cert.json)"
            )
    return EXIT_OK if all(o.as_expected for o in outcomes) else EXIT_CLAIM_FAILED


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _check(args: argparse.Namespace) -> int:
    results = []
    status = EXIT_OK
    for path in args.certificates:
        result = check_certificate(path)
        entry: dict[str, object] = {"file": path, **result.as_dict()}
        if args.solvers and result.valid:
            reruns = rerun_delegated_steps(path, timeout=args.timeout)
            entry["solver_reruns"] = reruns
            if any(answer != "unsat" for step in reruns.values() for answer in step.values()):
                entry["status"] = "invalid"
                entry["message"] = f"{result.message}; a solver did not confirm unsat: {reruns}"
        if entry["status"] != "valid":
            status = EXIT_CLAIM_FAILED if entry["status"] == "invalid" else EXIT_BAD_INPUT
        results.append(entry)
        if not args.json:
            print(_format_check(entry))
    if args.json:
        print(json.dumps(results, indent=2))
    elif len(results) > 1:
        valid = sum(1 for r in results if r["status"] == "valid")
        print(f"{valid} of {len(results)} certificates valid")
    return status


def _format_check(entry: dict[str, object]) -> str:
    head = f"{entry['file']}: {str(entry['status']).upper()}"
    gaps = entry.get("trust_gaps") or []
    lines = [f"{head}  {entry['message']}".rstrip()]
    for gap in gaps:  # type: ignore[attr-defined]
        lines.append(f"  trust gap: {gap}")
    return "\n".join(lines)


def _info(args: argparse.Namespace) -> int:
    status = EXIT_OK
    results = {}
    for path in args.problems:
        try:
            summary = summarize(read_problem(path), multilinear=not args.no_multilinear)
        except (InputError, UnsupportedError) as exc:
            print(f"losscert info: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            continue
        except LosscertError as exc:
            print(f"losscert info: {path}: {exc}", file=sys.stderr)
            status = max(status, EXIT_CLAIM_FAILED)
            continue
        if args.json:
            results[path] = summary
        else:
            print(format_summary(path, summary))
    if args.json:
        print(json.dumps(results, indent=2))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "info":
            return _info(args)
        if args.command == "check":
            return _check(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "certify":
            return _certify(args)
    except (InputError, UnsupportedError) as exc:
        print(f"losscert {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("losscert: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `losscert info ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())

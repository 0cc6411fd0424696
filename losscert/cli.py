"""The ``losscert`` command line: a thin layer over the public API.

Exit codes: 0 success; 1 a checked claim failed (an invalid certificate); 2 bad input, an
unreadable file or an unsupported construct (the message on stderr, no traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

from losscert.backends.smt import rerun_delegated_steps
from losscert.checker import check_certificate
from losscert.encodings.arrangement import NeuronRegion, iter_neuron_patterns
from losscert.encodings.cell_counts import CellCounts, cell_counts, hidden_layer_data
from losscert.errors import InputError, LosscertError, UnsupportedError
from losscert.info import format_summary, summarize
from losscert.io.problem_file import read_problem, write_problem
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.theorems.audit import format_table, outcome_to_dict, run_audits, stderr_progress
from losscert.theorems.instances import builtin_instances
from losscert.theorems.one_hidden import (
    audit_one_hidden,
    format_reports,
    one_hidden_instances,
    report_to_dict,
)
from losscert.theorems.user_instance import theorem1_instance, user_one_hidden_instance
from losscert.verifier.candidate import certify_local_min, certify_spurious
from losscert.verifier.certificate import write_certificate
from losscert.verifier.global_min import (
    certify_cell_global_min,
    certify_global_min,
    pattern_cell_minimum,
    require_one_hidden_layer,
)
from losscert.verifier.nearby import certify_nearby, nearby_verdicts
from losscert.verifier.nearby_report import format_nearby, nearby_to_dict
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
        "--no-nearby",
        action="store_true",
        help="on a point that is not exactly critical, do not certify the local minimum near it",
    )
    certify.add_argument(
        "--no-simplify",
        action="store_true",
        help="send the plain canonical query (no fixed parameters, no rescaling anchors)",
    )
    global_ = commands.add_parser(
        "global",
        help="one hidden layer, one output: the certified global minimum, and is the point one?",
        description="Enumerates the realisable neuron patterns, solves the convex program over "
        "every (pattern, output-weight sign) block and certifies its optimum exactly; when the "
        "optimum needs more neurons than the network has, one program per choice of d_1 blocks.",
    )
    global_.add_argument("problem", metavar="PROBLEM.json")
    global_.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="write certificates here"
    )
    global_.add_argument("--json", action="store_true", help="print JSON instead of text")
    global_.add_argument(
        "--max-programs",
        type=int,
        default=5000,
        metavar="N",
        help="the most per-subset programs the exact route may solve (default 5000)",
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
    one_hidden.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _import_parser(commands)
    _plot_parser(commands)

    _cells_parser(commands)
    _bench_parser(commands)
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
    nearby = None  # issue 13: a point that is not exactly critical -> the minimum near it
    if not args.no_nearby and str(verdicts[0].stats.get("method") or "").startswith("first order"):
        nearby = certify_nearby(problem, options, spurious=not args.no_spurious, seed=args.seed)
    written = []
    for position, verdict in enumerate(verdicts + nearby_verdicts(nearby)):
        if args.out is not None and verdict.certificate is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            near = ".nearby" if position >= len(verdicts) else ""
            path = args.out / f"{stem}{near}.{verdict.certificate['claim']['kind']}.cert.json"
            write_certificate(verdict.certificate, path)
            written.append(str(path))
    moved_file = None
    if args.out is not None and nearby is not None and nearby.moved is not None:
        moved_file = args.out / f"{stem}.nearby.json"  # the moved point: to plot, re-certify
        write_problem(nearby.moved.problem, moved_file, name=f"{stem} (nearby minimum)")
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
                + (
                    [{"nearby": nearby_to_dict(nearby), "nearby_problem": str(moved_file)}]
                    if nearby
                    else []
                )
                + ([{"written": written}] if written else []),
                indent=2,
            )
        )
    else:
        for v in verdicts:
            how = f" [{v.stats['method']}]" if v.stats.get("method") else ""
            reason = f" ({v.reason})" if v.reason else ""
            print(f"{args.problem}: {v.claim}: {v.status.value.upper()}{reason}{how}  {v.detail}")
        for line in format_nearby(nearby) if nearby else []:
            print(line)
        for path in written:
            print(f"  certificate: {path}")
        if moved_file is not None:
            print(f"  nearby point (problem file): {moved_file}")
    return EXIT_OK


def _audit_one_hidden(args: argparse.Namespace) -> int:
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


def _audit(args: argparse.Namespace) -> int:
    if args.kind == "one-hidden-layer":
        return _audit_one_hidden(args)
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


def _global(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    require_one_hidden_layer(problem)  # UnsupportedError: exit 2 with the reason
    stem = Path(args.problem).name.removesuffix(".json")
    result = certify_global_min(problem, max_subsets=args.max_programs, progress=stderr_progress)
    verdict = result.verdict
    cell = certify_cell_global_min(problem)
    written = []
    if args.out is not None:
        for certificate in (verdict.certificate, result.bound_certificate, cell.certificate):
            if certificate is not None:
                args.out.mkdir(parents=True, exist_ok=True)
                path = args.out / f"{stem}.{certificate['claim']['kind']}.cert.json"
                write_certificate(certificate, path)
                written.append(str(path))
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


# --- losscert import -----------------------------------------------------------------------------


def _import_parser(commands: argparse._SubParsersAction) -> None:
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
        help="relu (default), leaky_relu:1/100, hardtanh:-1,1, relu6, linear (state dicts only)",
    )
    parser.add_argument(
        "--loss",
        default="squared",
        metavar="SPEC",
        help="squared, squared_half, absolute, hinge or huber:DELTA",
    )
    parser.add_argument("--name", default=None, help="problem name (default: the model's stem)")
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="PROBLEM.json")


def _import(args: argparse.Namespace) -> int:
    from losscert.io.data_files import read_dataset
    from losscert.io.model_files import read_model_file
    from losscert.io.problem_file import write_problem
    from losscert.theorems.user_instance import parse_activation, parse_loss, parse_widths

    try:
        widths = None if args.arch is None else parse_widths(args.arch)
    except InputError as exc:  # the parser is shared with `audit theorem1 --widths`
        raise InputError(str(exc).replace("--widths", "--arch")) from None
    activation = None if args.activation is None else parse_activation(args.activation)
    network = read_model_file(args.model, widths, activation)
    data = read_dataset(Path(args.data), network.output_dim)
    try:
        problem = Problem(network, parse_loss(args.loss), data)
    except InputError as exc:
        raise InputError(f"{args.model} with {args.data}: {exc}") from exc
    write_problem(problem, args.out, name=args.name or Path(args.model).stem)
    print(
        f"{args.out}: {problem.network!r}, {data.n} samples, exact risk {float(problem.risk()):.6g}"
        if problem.loss.is_rational
        else f"{args.out}: {problem.network!r}, {data.n} samples"
    )
    return EXIT_OK


# --- losscert plot -------------------------------------------------------------------------------


def _plot_parser(commands: argparse._SubParsersAction) -> None:
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


def _plot(args: argparse.Namespace) -> int:
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
    )
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


# --- losscert cells ---------------------------------------------------------------------------


def _cells_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cells = commands.add_parser(
        "cells",
        help="count (and list) the cells of a one-hidden-layer problem: realisable neuron patterns",
        description="Every activation pattern one hidden neuron can realise on the problem's data, "
        "found exactly (a witness weight vector strictly inside each), their number m, the "
        "m^d_1 cells of the layer and the general-position count for comparison.",
    )
    cells.add_argument("problem", metavar="PROBLEM.json")
    shown = cells.add_mutually_exclusive_group()
    shown.add_argument(
        "--neuron-patterns",
        action="store_true",
        help="also list every realisable pattern with its exact witness (streamed as found)",
    )
    shown.add_argument(
        "--count", action="store_true", help="only the counts (skip the general-position test)"
    )
    cells.add_argument("--json", action="store_true", help="print JSON instead of text")
    cells.add_argument("--workers", type=int, default=1, metavar="N", help="processes (default 1)")
    cells.add_argument(
        "--solve",
        type=int,
        default=0,
        metavar="K",
        help="also the exact minimum of the risk over the first K cells (up to neuron "
        "permutation), each from its certified convex programs",
    )


def _cells(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise InputError(f"--workers: expected a positive number of processes, got {args.workers}")
    problem = read_problem(args.problem)
    data = hidden_layer_data(problem, args.problem)
    progress = _cells_progress if sys.stderr.isatty() else None
    with contextlib.ExitStack() as stack:
        pool = (
            stack.enter_context(ProcessPoolExecutor(max_workers=args.workers))
            if args.workers > 1
            else None
        )
        regions = iter_neuron_patterns(
            data.inputs, data.breakpoints, executor=pool, progress=progress
        )
        if args.json:
            print(f'{{"problem": {json.dumps(args.problem)},', flush=True)
        # the first K cells (lexicographic multisets) use only the first K + 1 patterns
        keep = args.solve + 1 if args.solve > 0 else 0
        m, first = _stream_patterns(regions, args.json, args.neuron_patterns, keep)
    counts = cell_counts(data, m, decide_general_position=not args.count)
    minima = _cell_minima(problem, first, args.solve) if args.solve > 0 else []
    if args.json:
        solved = f', "cell_minima": {json.dumps(minima)}' if minima else ""
        print(f' "counts": {json.dumps(counts.as_dict())}{solved}}}')
    else:
        print(_format_cell_counts(args.problem, counts, tested=not args.count))
        for entry in minima:
            print(f"  cell {entry['patterns']}: minimum {entry['minimum']}")
    return EXIT_OK


def _cell_minima(
    problem: Problem, patterns: list[tuple[int, ...]], count: int
) -> list[dict[str, object]]:
    """The exact minima of the first ``count`` cells (multisets of neuron patterns)."""
    width = problem.network.widths[1]
    out: list[dict[str, object]] = []
    for cell in itertools.islice(itertools.combinations_with_replacement(patterns, width), count):
        minimum, _ = pattern_cell_minimum(problem, list(cell))
        out.append({"patterns": [list(p) for p in cell], "minimum": str(minimum)})
    return out


def _stream_patterns(
    regions: Iterator[NeuronRegion], as_json: bool, listed: bool, keep: int = 0
) -> tuple[int, list[tuple[int, ...]]]:
    """Print each pattern as it comes (when ``listed``); return how many there were and the
    first ``keep`` of them."""
    m = 0
    first: list[tuple[int, ...]] = []
    if as_json and listed:
        print(' "neuron_patterns": [')
    for region in regions:
        if listed:
            witness = [rational_string(v) for v in region.witness]
            if as_json:
                entry = json.dumps({"pattern": list(region.pattern), "witness": witness})
                print(f"  {',' if m else ' '}{entry}")
            else:
                print(f"pattern {' '.join(map(str, region.pattern))}  witness {' '.join(witness)}")
        if m < keep:
            first.append(region.pattern)
        m += 1
    if as_json and listed:
        print(" ],")
    return m, first


def _format_cell_counts(path: str, counts: CellCounts, *, tested: bool) -> str:
    general = {True: "yes", False: "no", None: "not decided (too many subsets)"}[
        counts.general_position
    ]
    lines = [
        f"{path}: one hidden layer, d_X = {counts.input_dim}, width {counts.width}, "
        f"n = {counts.samples}, {counts.breakpoints} breakpoint(s)",
        f"  realisable neuron patterns m: {counts.neuron_patterns}",
        f"  cells m^{counts.width}: {counts.cells} "
        f"(up to neuron permutation: {counts.cells_up_to_permutation})",
        f"  general-position count: {counts.general_position_patterns}",
    ]
    if tested:
        lines.append(f"  data in general position: {general}")
    return "\n".join(lines)


def _cells_progress(done: int, total: int) -> None:
    print(
        f"\rcells: {done}/{total} units of work", end="\n" if done == total else "", file=sys.stderr
    )


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


# --- losscert bench ------------------------------------------------------------------------------

BENCH_LIMITS = {"tiny": (30.0, 1.0), "quick": (60.0, 3.0), "full": (600.0, 20.0)}
"""Per tier: seconds for losscert on one instance, seconds for one baseline run."""
DASK_CONNECT_SECONDS = 10


def _bench_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "bench",
        help="every theorem family on generated instances with planted verdicts, with baselines",
        description="Runs every instance through the public API with a time limit, re-checks "
        "every certificate with the checker, compares each verdict with the planted one and "
        "runs the baselines (naive SMT, brute force) on the same instances. Writes results.json "
        "and table.md (and plots) to --out; exits 1 on any wrong verdict or rejected certificate.",
    )
    parser.add_argument("--tier", choices=("tiny", "quick", "full"), default="quick")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=None, metavar="N", help="processes (default: CPU count)"
    )
    where.add_argument(
        "--dask", default=None, metavar="SCHEDULER", help="a Dask scheduler address (tcp://...)"
    )
    parser.add_argument("--out", type=Path, default=Path("losscert-bench"), metavar="DIR")
    parser.add_argument("--seed", type=int, default=0, help="instance generator seed")
    parser.add_argument(
        "--limit", type=_positive_seconds, default=None, help="seconds per instance"
    )
    parser.add_argument(
        "--baseline-limit", type=_positive_seconds, default=None, help="seconds per baseline run"
    )
    parser.add_argument("--no-baselines", action="store_true", help="losscert alone")
    parser.add_argument("--no-plots", action="store_true", help="no PNG files")


def _bench(args: argparse.Namespace) -> int:
    from losscert.bench.instances import bench_instances
    from losscert.bench.report import failures, format_table, write_reports
    from losscert.bench.runner import RunOptions, run_instances
    from losscert.bench.runner import stderr_progress as bench_progress

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers: expected at least 1 process, got {args.workers}")
    limit, baseline_limit = BENCH_LIMITS[args.tier]
    options = RunOptions(
        limit=args.limit or limit,
        baseline_limit=args.baseline_limit or baseline_limit,
        baselines=not args.no_baselines,
    )
    instances = bench_instances(args.tier, args.seed)
    meta = {
        "tier": args.tier,
        "seed": args.seed,
        "limit": options.limit,
        "baseline_limit": options.baseline_limit,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"losscert bench: {len(instances)} instances, tier {args.tier}", file=sys.stderr)
    try:
        with _bench_executor(args) as executor:
            records = run_instances(instances, executor, options, bench_progress)
    except KeyboardInterrupt as exc:
        done = getattr(exc, "records", [])
        for path in write_reports(done, meta, args.out, complete=False):
            print(f"wrote {path} ({len(done)} of {len(instances)} instances)", file=sys.stderr)
        raise
    written = write_reports(records, meta, args.out, complete=True)
    if not args.no_plots:
        from losscert.bench.plots import write_plots

        written += write_plots(records, args.out)
    print(format_table(records))
    for path in written:
        print(f"wrote {path}")
    wrong, rejected = failures(records)
    if wrong or rejected:
        print(
            f"losscert bench: {wrong} wrong verdicts, {rejected} rejected certificates",
            file=sys.stderr,
        )
        return EXIT_CLAIM_FAILED
    return EXIT_OK


@contextlib.contextmanager
def _bench_executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    """A Dask executor for --dask, else a process pool (none for --workers 1)."""
    if args.dask is not None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--dask needs the distributed package: pip install 'losscert[dask]'"
            ) from None
        try:
            client = Client(args.dask, timeout=DASK_CONNECT_SECONDS)
        except (OSError, ValueError) as exc:
            raise InputError(f"--dask: cannot reach the scheduler {args.dask!r}: {exc}") from None
        with client:
            yield client.get_executor()
        return
    workers = args.workers or os.cpu_count() or 1
    if workers == 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
        if args.command == "import":
            return _import(args)
        if args.command == "plot":
            return _plot(args)
        if args.command == "global":
            return _global(args)

        if args.command == "cells":
            return _cells(args)
        if args.command == "bench":
            return _bench(args)
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

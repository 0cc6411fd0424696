"""``losscert bench``: every theorem family on generated instances with planted verdicts."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from losscert.cli.common import EXIT_CLAIM_FAILED, EXIT_OK, add_json_option, positive_seconds

if TYPE_CHECKING:
    from concurrent.futures import Executor

BENCH_LIMITS = {"tiny": (30.0, 1.0), "quick": (60.0, 3.0), "full": (600.0, 20.0)}
"""Per tier: seconds for losscert on one instance, seconds for one baseline run."""
DASK_CONNECT_SECONDS = 10


def add_parser(commands: argparse._SubParsersAction) -> None:
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
    parser.add_argument("--limit", type=positive_seconds, default=None, help="seconds per instance")
    parser.add_argument(
        "--baseline-limit", type=positive_seconds, default=None, help="seconds per baseline run"
    )
    parser.add_argument("--no-baselines", action="store_true", help="losscert alone")
    parser.add_argument("--no-plots", action="store_true", help="no PNG files")
    add_json_option(parser, what="the table (the full records stay in results.json)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from losscert.bench.instances import bench_instances
    from losscert.bench.report import failures, format_table, write_reports
    from losscert.bench.runner import RunOptions, run_instances
    from losscert.bench.runner import stderr_progress as bench_progress
    from losscert.errors import InputError

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
    wrong, rejected = failures(records)
    if args.json:
        summary = {
            **meta,
            "instances": len(records),
            "wrong_verdicts": wrong,
            "rejected_certificates": rejected,
            "written": [str(p) for p in written],
        }
        print(json.dumps(summary, indent=2))
    else:
        print(format_table(records))
        for path in written:
            print(f"wrote {path}")
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
    from concurrent.futures import ProcessPoolExecutor

    from losscert.errors import InputError

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

"""Benchmark reports: results.json (one record per instance) and a Markdown table by family.

The table's ``wrong`` and ``rejected`` columns must be 0: :func:`failures` counts them and the
CLI exits non-zero when they are not. Ratios are baseline seconds / losscert seconds on the same
instance, over the instances where the baseline reached losscert's answer within its limit;
"only losscert" counts the instances where losscert decided and the baseline did not finish.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

from losscert.bench.instances import FAMILIES
from losscert.io.json_files import write_json_atomic, write_text_atomic

RESULTS = "results.json"
TABLE = "table.md"


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def results_document(
    records: list[dict[str, Any]], meta: dict[str, Any], *, complete: bool
) -> dict[str, Any]:
    return {
        "format": "losscert-bench",
        "version": 1,
        "complete": complete,
        **meta,
        "machine": machine(),
        "records": records,
    }


def failures(records: list[dict[str, Any]]) -> tuple[int, int]:
    """(wrong verdicts, rejected certificates) over all records; a unit that raised counts as
    a wrong verdict."""
    wrong = sum(1 for r in records if r["wrong"])
    rejected = sum(len(r["rejected"]) for r in records)
    return wrong, rejected


def _count(records: list[dict[str, Any]], word: str) -> int:
    return sum(
        1 for r in records if r["status"] == "done" and (r["verdict"] or "").startswith(word)
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _times(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def _baseline_cells(records: list[dict[str, Any]]) -> tuple[str, str, str]:
    ran = [r for r in records if r.get("baseline")]
    if not ran:
        return "-", "-", "-"
    method = ran[0]["baseline"]["method"]
    ratios = [r["ratio"] for r in ran if r["ratio"] is not None]
    only = sum(
        1
        for r in ran
        if not r["baseline"]["finished"] and (r["verdict"] or "") in ("proved", "refuted")
    )
    if ratios:
        median = _times(statistics.median(ratios))
    else:  # nothing finished: the baseline's time at its limit bounds the ratio from below
        bounds = [r["baseline"]["seconds"] / r["seconds"] for r in ran if r["seconds"]]
        median = f">= {_times(statistics.median(bounds))} (lower bound)" if bounds else "-"
    return f"{method}: {len(ratios)}/{len(ran)} finished", median, str(only)


def format_table(records: list[dict[str, Any]]) -> str:
    """The Markdown table, one row per family in FAMILIES order, then a total row."""
    header = (
        "| family | instances | proved | refuted | unknown | timeout | wrong | rejected "
        "| median time | baseline | median ratio | only losscert |"
    )
    lines = [header, "|" + "---|" * 12]
    groups = [(f, [r for r in records if r["family"] == f]) for f in FAMILIES]
    groups.append(("**all**", records))
    for family, rows in groups:
        if not rows:
            continue
        times = [r["seconds"] for r in rows if r["status"] == "done"]
        wrong, rejected = failures(rows)
        base, ratio, only = _baseline_cells(rows) if family != "**all**" else ("", "", "")
        lines.append(
            f"| {family} | {len(rows)} | {_count(rows, 'proved')} | {_count(rows, 'refuted')} "
            f"| {_count(rows, 'unknown')} | {sum(r['status'] == 'timeout' for r in rows)} "
            f"| {wrong} | {rejected} | {_seconds(statistics.median(times) if times else None)} "
            f"| {base} | {ratio} | {only} |"
        )
    return "\n".join(lines) + "\n"


def format_details(records: list[dict[str, Any]]) -> str:
    """Per instance: sizes, verdicts, time, memory, certificate bytes, baseline; and failures."""
    lines = [
        "| family | instance | parameters | n | verdict | seconds | peak RSS | certificate "
        "| baseline | ratio |",
        "|" + "---|" * 10,
    ]
    for r in records:
        size = r["size"]
        base = r.get("baseline") or {}
        answer = f"{base['answer']} in {_seconds(base['seconds'])}" if base else "-"
        ratio = _times(r["ratio"]) if r["ratio"] is not None else "-"
        verdict = r["verdict"] if r["status"] == "done" else r["status"]
        rss = f"{r['peak_rss_kib'] / 1024:.0f} MiB" if r["peak_rss_kib"] else "-"
        lines.append(
            f"| {r['family']} | {r['instance']} | {size.get('parameters', '-')} "
            f"| {size.get('n', '-')} | {verdict} | {_seconds(r['seconds'])} | {rss} "
            f"| {r['certificate_bytes']} B | {answer} | {ratio} |"
        )
    bad = [r for r in records if r["wrong"] or r["rejected"]]
    for r in bad:
        lines.append(f"\n**{r['instance']}**: {'; '.join(r['wrong_detail'] + r['rejected'])}")
    return "\n".join(lines) + "\n"


def write_reports(
    records: list[dict[str, Any]], meta: dict[str, Any], out_dir: Path, *, complete: bool
) -> list[Path]:
    """results.json and table.md in ``out_dir``, each written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / RESULTS
    write_json_atomic(results_document(records, meta, complete=complete), results)
    table = out_dir / TABLE
    title = f"# losscert bench, tier {meta.get('tier')}" + ("" if complete else " (interrupted)")
    host = machine()
    about = (
        f"Started {meta.get('started')}; seed {meta.get('seed')}; limits {meta.get('limit')} s "
        f"per instance, {meta.get('baseline_limit')} s per baseline run; {host['cpus']} CPUs, "
        f"{host['processor']}, {host['platform']}, Python {host['python']}."
    )
    write_text_atomic(
        f"{title}\n\n{about}\n\n{format_table(records)}\n## Instances\n\n{format_details(records)}",
        table,
    )
    return [results, table]

"""Benchmark plots (PNG, matplotlib with the Agg backend, imported only when plotting).

- ``time_vs_parameters.png`` and ``time_vs_samples.png``: seconds per instance against its number
  of parameters / samples, one series per method (losscert per family, and each baseline where it
  ran; a baseline that did not finish is drawn at its limit with an open marker);
- ``cells_vs_size.png``: realisable neuron patterns and convex programs per one-hidden-layer
  instance, against its number of parameters.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def write_plots(records: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """The PNG files written to ``out_dir`` (none, with a note on stderr, without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("losscert bench: matplotlib is not installed: no plots", file=sys.stderr)
        return []
    written = []
    for key, label in (("parameters", "parameters"), ("n", "samples n")):
        path = out_dir / f"time_vs_{'parameters' if key == 'parameters' else 'samples'}.png"
        figure, axes = plt.subplots(figsize=(10, 4.8))
        _time_series(axes, records, key)
        axes.set_xlabel(label)
        axes.set_ylabel("seconds per instance")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    path = out_dir / "cells_vs_size.png"
    figure, axes = plt.subplots(figsize=(7, 4.5))
    rows = [r for r in records if r.get("cells") and r["cells"].get("patterns") is not None]
    for field, marker in (("patterns", "o"), ("programs", "s")):
        axes.scatter(
            [r["size"]["parameters"] for r in rows],
            [r["cells"][field] for r in rows],
            marker=marker,
            label=f"{field} (one_hidden_global)",
        )
    axes.set_xlabel("parameters")
    axes.set_ylabel("count")
    axes.set_yscale("log")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    written.append(path)
    return written


def _time_series(axes: Any, records: list[dict[str, Any]], key: str) -> None:
    families = sorted({r["family"] for r in records})
    for family in families:
        rows = [r for r in records if r["family"] == family and r["status"] == "done"]
        rows = [r for r in rows if r["size"].get(key) is not None and r["seconds"]]
        if not rows:
            continue
        points = axes.scatter(
            [r["size"][key] for r in rows],
            [r["seconds"] for r in rows],
            s=14,
            label=f"losscert: {family}",
        )
        colour = points.get_facecolor()[0]
        based = [r for r in rows if r.get("baseline")]
        if not based:
            continue
        method = based[0]["baseline"]["method"]
        for finished, fill in ((True, colour), (False, "none")):
            part = [r for r in based if bool(r["baseline"]["finished"]) is finished]
            if part:
                axes.scatter(
                    [r["size"][key] for r in part],
                    [r["baseline"]["seconds"] for r in part],
                    s=22,
                    marker="^",
                    facecolors=fill,
                    edgecolors=colour,
                    label=f"baseline {method} ({family}){'' if finished else ', did not finish'}",
                )

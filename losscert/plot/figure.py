"""Drawing the pictures with matplotlib (the ``plot`` extra), always on the Agg canvas (no screen).

:func:`plot_problem` returns a ``matplotlib.figure.Figure`` with two or three panels and, under
them, the lines saying what was proved (claim and certificate file) or that nothing was:

1. the risk on the slice theta* + a u + b v: each cell shaded, cell boundaries drawn as lines,
   risk contours, the candidate theta*, the witness and the valley path marked;
2. the 1-D profile of the risk from theta* to the witness (or along the first direction), with the
   cell boundaries it crosses and the exact risks at both ends;
3. for one hidden layer and 1-D inputs: the data, the network function and its kinks.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from losscert.errors import UnsupportedError
from losscert.model.forward import float_view, forward_float
from losscert.model.problem import Problem
from losscert.plot.directions import DirectionSpec, as_floats, choose_directions
from losscert.plot.landscape import (
    Direction,
    FloatModel,
    Surface,
    coordinates,
    kinks,
    risk_profile,
    risk_surface,
)
from losscert.plot.proofs import ProofNote

PANEL_INCHES = (5.6, 6.2)
DPI = 100
NOTHING_PROVED = (
    "Nothing is proved about this point: no certificate was given "
    "(pass --certificate FILE, or --certify to run losscert certify)."
)
FLOAT_DISCLAIMER = (
    "Pictures are drawn in floating point; only the claims above, each with the certificate "
    "file the checker accepted, are proofs."
)


def _matplotlib() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # no screen: render to files only
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise UnsupportedError("pictures need matplotlib: pip install 'losscert[plot]'") from exc
    return Figure


def plot_problem(
    problem: Problem,
    *,
    witness: Sequence[Fraction] | None = None,
    valley: Sequence[Sequence[float]] | None = None,
    descent: Sequence[Fraction] | None = None,
    directions: Sequence[DirectionSpec] = (),
    notes: Sequence[ProofNote] = (),
    resolution: int = 101,
    title: str | None = None,
    span: tuple[float, float] | None = None,
) -> Any:
    """The figure for ``problem``'s point (see the module doc); nothing is saved.

    ``span`` is the range of the slice coordinates a, b and of the profile's t (default: -0.5 to
    1.5 along a witness or valley, so that both ends show; along a descent, a range that shows
    where it descends, found by a float scan; else -1 to 1).

    ``witness`` is a parameter vector (exact); ``valley`` points theta(t) along a valley path
    (floats, t from 0 to 1); ``descent`` a descent direction; ``directions`` up to two direction
    specs (see :mod:`losscert.plot.directions`); ``notes`` the checked claims to state next to
    the pictures. The caller is responsible for ``notes``: build them with
    :func:`losscert.plot.proofs.facts_from_certificates` so that only checked claims appear.
    """
    figure_class = _matplotlib()
    model = FloatModel(problem)
    witness_f = as_floats(witness)
    valley_f = [np.asarray(p, dtype=float) for p in valley] if valley else None
    u, v = choose_directions(
        directions, model.origin, witness_f, valley_f[-1] if valley_f else None, as_floats(descent)
    )
    with_function = problem.network.depth == 2 and problem.network.input_dim == 1
    panels = 3 if with_function else 2
    figure = figure_class(figsize=(PANEL_INCHES[0] * panels, PANEL_INCHES[1]), dpi=DPI)
    axes = figure.subplots(1, panels)
    margin = 1.0 / (PANEL_INCHES[0] * panels)  # one inch for the y labels
    figure.subplots_adjust(left=margin, right=0.98, top=0.88, bottom=0.30, wspace=0.28)
    a_range = span or _range(u, model)
    b_range = span or _range(v, model)
    surface = risk_surface(model, u, v, a_range, b_range, resolution)
    _draw_slice(axes[0], surface, model, u, v, witness_f, valley_f)
    _draw_profile(axes[1], problem, model, u, witness, valley_f, span)
    if with_function:
        _draw_function(axes[2], problem, witness)
    _draw_notes(figure, problem, notes, title)
    return figure


def _range(direction: Direction, model: FloatModel) -> tuple[float, float]:
    if direction.kind in ("witness", "valley"):
        return (-0.5, 1.5)
    if direction.kind == "descent":
        return descent_range(model, direction.vector)
    return (-1.0, 1.0)


def descent_range(model: FloatModel, direction: np.ndarray) -> tuple[float, float]:
    """A range of t in which the risk on theta* + t d visibly descends: -1.5 t* to 1.5 t*, for
    the t* in 2^-40 ... 1 of least float risk (a certified descent may descend only very
    near theta*, invisible on -1 to 1). Search only: the picture claims nothing from it."""
    steps = np.array([2.0**-k for k in range(41)])
    risks = model.risk(model.origin[None, :] + steps[:, None] * direction[None, :])
    best = float(steps[int(np.argmin(risks))])
    return (-1.5 * best, 1.5 * best)


def _draw_slice(
    ax: Any,
    surface: Surface,
    model: FloatModel,
    u: Direction,
    v: Direction,
    witness: np.ndarray | None,
    valley: list[np.ndarray] | None,
) -> None:
    cells = int(surface.cells.max()) + 1
    ax.pcolormesh(
        surface.a, surface.b, surface.cells % 20, cmap="tab20", vmin=0, vmax=19, alpha=0.35,
        shading="nearest", gid="cells",
    )  # fmt: skip
    levels = np.unique(np.quantile(surface.risk, np.linspace(0.02, 0.98, 12)))
    if levels.size > 1:
        risk_lines = ax.contour(surface.a, surface.b, surface.risk, levels=levels, cmap="viridis")
        risk_lines.set_gid("risk-contours")
        ax.clabel(risk_lines, fontsize=6, fmt="%.3g")
    for boundary in surface.boundaries:
        lines = ax.contour(
            surface.a, surface.b, boundary.values, levels=[boundary.breakpoint], colors="black",
            linewidths=0.9,
        )  # fmt: skip
        lines.set_gid("cell-boundary")
    ax.plot([], [], color="black", linewidth=0.9, label="cell boundaries")
    ax.plot(0, 0, "*", color="black", markersize=15, label="candidate θ*", gid="candidate")
    if witness is not None:
        (point,), off = coordinates([witness], model.origin, u.vector, v.vector)
        label = "witness (lower risk)" + (" (projected)" if off > 1e-9 else "")
        ax.plot(*point, "X", color="red", markersize=11, label=label, gid="witness")
    if valley is not None:
        points, off = coordinates(valley, model.origin, u.vector, v.vector)
        label = "valley path" + (" (projected)" if off > 1e-9 else "")
        ax.plot(
            points[:, 0], points[:, 1], "-", color="orange", linewidth=3, label=label, gid="valley"
        )
    dropped = (
        f", {surface.boundaries_dropped} boundary lines not drawn"
        if surface.boundaries_dropped
        else ""
    )
    ax.set_title(
        f"risk on θ* + a·u + b·v: {cells} cell{'s' * (cells != 1)} shown{dropped}", fontsize=9
    )
    ax.set_xlabel(f"a  (u: {u.label})")
    ax.set_ylabel(f"b  (v: {v.label})")
    ax.legend(loc="upper right", fontsize=7, framealpha=0.85)


def _draw_profile(
    ax: Any,
    problem: Problem,
    model: FloatModel,
    u: Direction,
    witness: Sequence[Fraction] | None,
    valley: list[np.ndarray] | None,
    span: tuple[float, float] | None = None,
) -> None:
    if witness is not None:
        direction = np.array([float(w) for w in witness]) - model.origin
        t_range, what = span or (-0.25, 1.25), "from θ* (t = 0) to the witness (t = 1)"
    else:
        direction = u.vector
        t_range = span or ((-0.25, 1.25) if u.kind == "valley" else _range(u, model))
        what = f"along u ({u.label})"
    profile = risk_profile(model, direction, t_range)
    ax.plot(
        profile.t, profile.risk, color="tab:blue", label="risk on the line (float)", gid="profile"
    )
    if valley is not None and witness is None:
        t = np.linspace(0.0, 1.0, len(valley))
        along = model.risk(np.stack(valley))
        ax.plot(
            t,
            along,
            color="orange",
            linewidth=3,
            label="risk on the valley path θ(t)",
            gid="valley-risk",
        )
    for k, t in enumerate(profile.crossings):
        ax.axvline(
            t, color="grey", linestyle=":", linewidth=0.8, label="cell boundary" if k == 0 else None
        )
    ax.plot(0, model.risk(model.origin[None, :])[0], "*", color="black", markersize=13,
            label=f"θ*: R {_legend_risk(problem, None)}")  # fmt: skip
    if witness is None and u.kind == "descent":  # where the certified descent leads (floats)
        ahead = profile.t > 0
        k = int(np.argmin(np.where(ahead, profile.risk, np.inf)))
        ax.plot(profile.t[k], profile.risk[k], "v", color="red", markersize=10, gid="descent",
                label=f"lowest along the descent: R ≈ {profile.risk[k]:.6g} (float)")  # fmt: skip
    if witness is not None:
        at = model.risk(model.origin[None, :] + direction[None, :])[0]
        ax.plot(
            1,
            at,
            "X",
            color="red",
            markersize=10,
            label=f"witness: R {_legend_risk(problem, witness)}",
        )
    ax.set_title(f"risk {what}", fontsize=9)
    ax.set_xlabel("t")
    ax.set_ylabel("risk")
    ax.legend(loc="best", fontsize=7)


def _legend_risk(problem: Problem, point: Sequence[Fraction] | None) -> str:
    """The risk in the one style of every number in the pictures: ``≈ d`` (6 significant
    digits, from the exact value), or ``in [lo, hi]`` for losses whose risk is not rational.
    Exact values are in the certificates the notes cite."""
    at = problem if point is None else problem.with_network(problem.network.with_parameters(point))
    if not at.loss.is_rational:
        bounds = at.risk_bounds()
        return f"in [{float(bounds.lo):.6g}, {float(bounds.hi):.6g}]"
    return f"≈ {float(at.risk()):.6g}"


def _draw_function(ax: Any, problem: Problem, witness: Sequence[Fraction] | None) -> None:
    x, y = problem.data.to_numpy()
    low, high = float(x.min()), float(x.max())
    pad = 0.15 * (high - low) if high > low else 1.0
    grid = np.linspace(low - pad, high + pad, 600).reshape(-1, 1)
    net = problem.network
    outputs = forward_float(*float_view(net), grid)
    for k in range(net.output_dim):
        tag = f" (output {k})" if net.output_dim > 1 else ""
        ax.scatter(x[:, 0], y[:, k], s=22, zorder=3, label=f"data{tag}", gid="data")
        ax.plot(grid[:, 0], outputs[:, k], linewidth=1.6, label=f"f(x; θ*){tag}", gid="function")
    shown = _draw_kinks(ax, problem, (low - pad, high + pad), "purple", "kinks of f(x; θ*)")
    if witness is not None:
        other_net = net.with_parameters(list(witness))
        other = forward_float(*float_view(other_net), grid)
        for k in range(net.output_dim):
            ax.plot(
                grid[:, 0],
                other[:, k],
                "--",
                color="red",
                linewidth=1.2,
                label="f(x; witness)" if k == 0 else None,
            )
        _draw_kinks(
            ax,
            problem.with_network(other_net),
            (low - pad, high + pad),
            "red",
            "kinks of f(x; witness)",
        )
    ax.set_title(
        f"data and the network function (θ*: {shown} kink{'s' * (shown != 1)} in view)", fontsize=9
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="best", fontsize=7)


def _draw_kinks(
    ax: Any, problem: Problem, view: tuple[float, float], color: str, label: str
) -> int:
    """Dotted lines at the exact kinks x = (p - b_r) / w_r; a neuron whose outgoing weights are all
    zero hides its kink (drawn grey). Returns how many are in view."""
    outgoing = problem.network.weights(2)
    shown = 0
    for neuron, at in kinks(problem):
        if not view[0] <= at <= view[1]:
            continue
        hidden = all(row[neuron] == 0 for row in outgoing)
        ax.axvline(float(at), color="grey" if hidden else color, linestyle=":", linewidth=1.1,
                   label=None if shown else label, gid="kink")  # fmt: skip
        shown += 1
    return shown


def _draw_notes(
    figure: Any, problem: Problem, notes: Sequence[ProofNote], title: str | None
) -> None:
    net = problem.network
    head = title or "losscert"
    figure.suptitle(
        f"{head}: widths {net.widths}, activation {net.activation.describe()}, "
        f"{problem.loss.kind} loss, n = {problem.data.n}",
        fontsize=11,
    )
    lines = [note.text() for note in notes] or [NOTHING_PROVED]
    text = "What was proved:\n" + "\n".join(f"  {line}" for line in lines)
    figure.text(0.01, 0.17, text, fontsize=9, family="monospace", va="top", gid="proofs", wrap=True)
    figure.text(0.01, 0.02, FLOAT_DISCLAIMER, fontsize=7, color="dimgray", gid="disclaimer")


def save_png(figure: Any, path: str | Path) -> None:
    """Render on the Agg canvas to ``path`` atomically (a complete PNG appears, or nothing)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    target = Path(path)
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    try:
        FigureCanvasAgg(figure)
        figure.savefig(temporary, format="png", dpi=DPI)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

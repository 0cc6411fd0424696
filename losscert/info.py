"""What ``losscert info`` reports about a problem: architecture, exact risk, cell, multilinearity.

:func:`summarize` returns plain JSON-able data (numbers as "p/q" strings); :func:`format_summary`
renders it for a terminal. Nothing here decides a verdict.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

from losscert.encodings.cells import adjacent_cells, locate_cell
from losscert.encodings.polynomial import (
    MAX_POLYNOMIAL_TERMS,
    cell_polynomials,
    check_multilinear,
    polynomial_terms,
)
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string

MAX_MULTILINEAR_TERMS = MAX_POLYNOMIAL_TERMS
"""The multilinearity check builds the cell polynomials symbolically (sympy); beyond this many
terms it is skipped with a budget reason."""


def summarize(problem: Problem, *, multilinear: bool = True) -> dict[str, Any]:
    """The facts about ``problem`` that ``losscert info`` prints, as JSON-able data."""
    net = problem.network
    cell = locate_cell(problem)
    summary: dict[str, Any] = {
        "architecture": {
            "widths": list(net.widths),
            "depth": net.depth,
            "parameters": net.num_parameters,
            "activation": net.activation.describe(),
            "loss": problem.loss.describe(),
            "samples": problem.data.n,
        },
        "risk": _risk(problem),
        "cell": _cell(problem, cell),
    }
    if multilinear:
        summary["multilinear"] = _multilinear(problem, cell)
    return summary


def _risk(problem: Problem) -> dict[str, Any]:
    if problem.loss.is_rational:
        return {"exact": rational_string(problem.risk())}
    bounds = problem.risk_bounds()
    return {
        "lower": rational_string(bounds.lo),
        "upper": rational_string(bounds.hi),
        "approx": f"{float(bounds.lo):.12g}",
    }


def _cell(problem: Problem, cell: Any) -> dict[str, Any]:
    act = problem.network.activation
    layers = []
    for j, layer in enumerate(cell.pieces, start=1):
        counts = Counter(k for neuron in layer for k in neuron)
        layers.append(
            {
                "layer": j,
                "pieces": {
                    ("tie" if k is None else str(k)): counts[k]
                    for k in sorted(counts, key=lambda k: (k is None, k or 0))
                },
            }
        )
    out: dict[str, Any] = {
        "pattern": layers,
        "margin": None if cell.margin is None else rational_string(cell.margin),
        "margin_at": None
        if cell.margin_at is None
        else dict(zip(("layer", "neuron", "sample"), cell.margin_at, strict=True)),
        "ties": [
            {
                "layer": t.layer,
                "neuron": t.neuron,
                "sample": t.sample,
                "breakpoint": rational_string(act.breakpoints[t.breakpoint]),
            }
            for t in cell.ties
        ],
        "on_boundary": cell.on_boundary,
    }
    if cell.on_boundary:
        adjacent = adjacent_cells(problem, cell)
        out["adjacent_cells"] = {"count": adjacent.count, "complete": adjacent.complete}
    return out


def _multilinear(problem: Problem, cell: Any) -> dict[str, Any]:
    net = problem.network
    if cell.on_boundary:
        patterns = adjacent_cells(problem, cell).patterns()
        pattern = next(patterns, None)
        scope = "first adjacent cell"
        if pattern is None:
            return {"checked": False, "reason": "no adjacent cell proved realisable"}
    else:
        pattern, scope = cell.pattern(), "the point's cell"
    terms = polynomial_terms(net.widths, net.activation, problem.data, pattern)
    if terms > MAX_MULTILINEAR_TERMS:
        return {
            "checked": False,
            "reason": f"budget: the cell polynomials would hold up to {terms} terms, beyond the "
            f"limit of {MAX_MULTILINEAR_TERMS} (use --no-multilinear to skip the check)",
        }
    evidence = check_multilinear(
        cell_polynomials(net.widths, net.activation, problem.data, pattern)
    )
    return {
        "checked": True,
        "scope": scope,
        "holds": evidence.holds,
        "degree_per_layer": [d.degree for d in evidence.degrees],
    }


def format_summary(path: str, summary: dict[str, Any]) -> str:
    arch = summary["architecture"]
    risk = summary["risk"]
    cell = summary["cell"]
    lines = [
        f"{path}",
        f"  network     widths {' -> '.join(map(str, arch['widths']))}, depth {arch['depth']}, "
        f"{arch['parameters']} parameters, activation {arch['activation']}",
        f"  data        {arch['samples']} samples; loss {arch['loss']}",
    ]
    if "exact" in risk:
        lines.append(f"  risk        {risk['exact']}  (~{float(Fraction(risk['exact'])):.12g})")
    else:
        width = Fraction(risk["upper"]) - Fraction(risk["lower"])
        lines.append(
            f"  risk        ~{risk['approx']}, in a rigorous interval of width {float(width):.2g} "
            "(not rational; --json prints the exact endpoints)"
        )
    for layer in cell["pattern"]:
        parts = ", ".join(f"{k}: {v}" for k, v in layer["pieces"].items())
        lines.append(f"  pattern     layer {layer['layer']}: entries per piece {{{parts}}}")
    if cell["margin"] is None:
        lines.append("  cell        no breakpoint in any hidden neuron: one cell")
    else:
        at = cell["margin_at"]
        lines.append(
            f"  margin      {cell['margin']}  (layer {at['layer']}, neuron {at['neuron']}, sample {at['sample']})"
        )
    if cell["on_boundary"]:
        adj = cell["adjacent_cells"]
        exact = "exactly" if adj["complete"] else "at least"
        lines.append(
            f"  boundary    {len(cell['ties'])} ties; {exact} {adj['count']} adjacent cells"
        )
    else:
        lines.append("  boundary    none: the point is inside its cell")
    ml = summary.get("multilinear")
    if ml is not None:
        if ml["checked"]:
            verdict = "affine in each layer block" if ml["holds"] else "NOT affine in every block"
            degrees = ", ".join(
                f"layer {j}: {d}" for j, d in enumerate(ml["degree_per_layer"], start=1)
            )
            lines.append(f"  multilinear {verdict} in {ml['scope']} (degree {degrees})")
        else:
            lines.append(f"  multilinear not checked: {ml['reason']}")
    return "\n".join(lines)

"""losscert: formal certificates for claims about loss surfaces of piecewise-linear networks.

The public API is re-exported here; submodules hold the implementation. In the order of a session
(docs/tutorial.md walks through it):

- build a problem: :class:`Network`, :class:`Dataset`, :func:`make_loss`, :class:`Problem`, or
  :func:`read_problem`, or import a trained model with :func:`from_torch` / :func:`from_onnx`;
- certify: :func:`certify_local_min`, :func:`certify_spurious`, :func:`audit_theorem1`, and for
  one hidden layer :func:`certify_cell_global_min`, :func:`certify_global_min` (the certified
  global minimum), :func:`neuron_regions` (every realisable neuron pattern), each returning
  :class:`Verdict` objects (PROVED / REFUTED only with a certificate the checker accepted);
- check: :func:`check_certificate` (the independent, standard-library-only checker);
- look: :func:`plot_problem` / :func:`plot_file` (pictures that state what was proved).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from losscert.checker import CheckResult, check_certificate
    from losscert.encodings import (
        AdjacentCells,
        Cell,
        CellConstraint,
        CellPolynomials,
        MultilinearEvidence,
        Pattern,
        Tie,
        adjacent_cells,
        cell_polynomials,
        cell_risk,
        check_multilinear,
        locate_cell,
    )
    from losscert.encodings.arrangement import NeuronArrangement, neuron_regions
    from losscert.errors import InputError, LosscertError, NotMultilinearError, UnsupportedError
    from losscert.io import (
        from_onnx,
        from_torch,
        problem_from_dict,
        problem_to_dict,
        read_problem,
        write_problem,
    )
    from losscert.model import (
        PRESETS,
        Activation,
        Dataset,
        ForwardTrace,
        Interval,
        Loss,
        Network,
        Problem,
        abs_activation,
        exact_risk,
        forward,
        hardtanh,
        leaky_relu,
        linear,
        make_loss,
        relu,
        relu6,
        risk_bounds,
    )
    from losscert.plot import plot_problem, save_png
    from losscert.plot.plot_file import plot_file
    from losscert.theorems import Theorem1Audit, audit_theorem1
    from losscert.verifier import REASONS, Status, Verdict, certified
    from losscert.verifier.candidate import certify_local_min, certify_spurious
    from losscert.verifier.global_min import (
        GlobalResult,
        certify_cell_global_min,
        certify_global_min,
    )
    from losscert.verifier.search import find_lower_witness

__version__ = "0.1.0"

_SOURCES: dict[str, str] = {
    "CheckResult": "losscert.checker",
    "check_certificate": "losscert.checker",
    "AdjacentCells": "losscert.encodings",
    "Cell": "losscert.encodings",
    "CellConstraint": "losscert.encodings",
    "CellPolynomials": "losscert.encodings",
    "MultilinearEvidence": "losscert.encodings",
    "Pattern": "losscert.encodings",
    "Tie": "losscert.encodings",
    "adjacent_cells": "losscert.encodings",
    "cell_polynomials": "losscert.encodings",
    "cell_risk": "losscert.encodings",
    "check_multilinear": "losscert.encodings",
    "locate_cell": "losscert.encodings",
    "NeuronArrangement": "losscert.encodings.arrangement",
    "neuron_regions": "losscert.encodings.arrangement",
    "InputError": "losscert.errors",
    "LosscertError": "losscert.errors",
    "NotMultilinearError": "losscert.errors",
    "UnsupportedError": "losscert.errors",
    "from_onnx": "losscert.io",
    "from_torch": "losscert.io",
    "problem_from_dict": "losscert.io",
    "problem_to_dict": "losscert.io",
    "read_problem": "losscert.io",
    "write_problem": "losscert.io",
    "Activation": "losscert.model",
    "Dataset": "losscert.model",
    "ForwardTrace": "losscert.model",
    "Interval": "losscert.model",
    "Loss": "losscert.model",
    "Network": "losscert.model",
    "PRESETS": "losscert.model",
    "Problem": "losscert.model",
    "abs_activation": "losscert.model",
    "exact_risk": "losscert.model",
    "forward": "losscert.model",
    "hardtanh": "losscert.model",
    "leaky_relu": "losscert.model",
    "linear": "losscert.model",
    "make_loss": "losscert.model",
    "relu": "losscert.model",
    "relu6": "losscert.model",
    "risk_bounds": "losscert.model",
    "plot_file": "losscert.plot",
    "plot_problem": "losscert.plot",
    "save_png": "losscert.plot",
    "Theorem1Audit": "losscert.theorems",
    "audit_theorem1": "losscert.theorems",
    "REASONS": "losscert.verifier",
    "Status": "losscert.verifier",
    "Verdict": "losscert.verifier",
    "certified": "losscert.verifier",
    "certify_local_min": "losscert.verifier.candidate",
    "certify_spurious": "losscert.verifier.candidate",
    "GlobalResult": "losscert.verifier.global_min",
    "certify_cell_global_min": "losscert.verifier.global_min",
    "certify_global_min": "losscert.verifier.global_min",
    "find_lower_witness": "losscert.verifier.search",
}
"""Where each public name lives: it is imported from there on first use (PEP 562), so that
``import losscert`` and ``losscert --help`` load neither sympy nor the solvers nor the extras."""

__all__ = [
    "PRESETS",
    "REASONS",
    "Activation",
    "AdjacentCells",
    "Cell",
    "CellConstraint",
    "CellPolynomials",
    "CheckResult",
    "Dataset",
    "ForwardTrace",
    "GlobalResult",
    "InputError",
    "Interval",
    "Loss",
    "LosscertError",
    "MultilinearEvidence",
    "Network",
    "NeuronArrangement",
    "NotMultilinearError",
    "Pattern",
    "Problem",
    "Status",
    "Theorem1Audit",
    "Tie",
    "UnsupportedError",
    "Verdict",
    "abs_activation",
    "adjacent_cells",
    "audit_theorem1",
    "cell_polynomials",
    "cell_risk",
    "certified",
    "certify_cell_global_min",
    "certify_global_min",
    "certify_local_min",
    "certify_spurious",
    "check_certificate",
    "check_multilinear",
    "exact_risk",
    "find_lower_witness",
    "forward",
    "from_onnx",
    "from_torch",
    "hardtanh",
    "leaky_relu",
    "linear",
    "locate_cell",
    "make_loss",
    "neuron_regions",
    "plot_file",
    "plot_problem",
    "problem_from_dict",
    "problem_to_dict",
    "read_problem",
    "relu",
    "relu6",
    "risk_bounds",
    "save_png",
    "write_problem",
]


def __getattr__(name: str) -> Any:
    try:
        source = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module 'losscert' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])

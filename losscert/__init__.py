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
from losscert.plot import plot_file, plot_problem, save_png
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

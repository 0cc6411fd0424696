"""losscert: formal certificates for claims about loss surfaces of piecewise-linear networks.

The public API is re-exported here; submodules hold the implementation.
"""

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
from losscert.errors import InputError, LosscertError, NotMultilinearError, UnsupportedError
from losscert.io import problem_from_dict, problem_to_dict, read_problem, write_problem
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

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "Activation",
    "AdjacentCells",
    "Cell",
    "CellConstraint",
    "CellPolynomials",
    "Dataset",
    "ForwardTrace",
    "InputError",
    "Interval",
    "Loss",
    "LosscertError",
    "MultilinearEvidence",
    "Network",
    "NotMultilinearError",
    "Pattern",
    "Problem",
    "Tie",
    "UnsupportedError",
    "abs_activation",
    "adjacent_cells",
    "cell_polynomials",
    "cell_risk",
    "check_multilinear",
    "exact_risk",
    "forward",
    "hardtanh",
    "leaky_relu",
    "linear",
    "locate_cell",
    "make_loss",
    "problem_from_dict",
    "problem_to_dict",
    "read_problem",
    "relu",
    "relu6",
    "risk_bounds",
    "write_problem",
]

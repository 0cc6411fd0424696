"""Encodings of a problem: cells and patterns, per-cell polynomials (and, later, LP/QP/SMT)."""

from losscert.encodings.cells import (
    AdjacentCells,
    Cell,
    CellConstraint,
    NeuronTies,
    Pattern,
    Tie,
    adjacent_cells,
    locate_cell,
)
from losscert.encodings.polynomial import (
    BlockDegree,
    CellPolynomials,
    MultilinearEvidence,
    cell_polynomials,
    cell_risk,
    check_multilinear,
)

__all__ = [
    "AdjacentCells",
    "BlockDegree",
    "Cell",
    "CellConstraint",
    "CellPolynomials",
    "MultilinearEvidence",
    "NeuronTies",
    "Pattern",
    "Tie",
    "adjacent_cells",
    "cell_polynomials",
    "cell_risk",
    "check_multilinear",
    "locate_cell",
]

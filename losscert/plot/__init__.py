"""Pictures of the loss surface (the ``plot`` extra): slices, profiles, network functions.

Drawn in floats with matplotlib on the Agg canvas; every picture states next to it what was
proved about the pictured point (the claim and the certificate file the checker accepted), or
that nothing was. matplotlib is imported only when a figure is drawn.
"""

from losscert.plot.figure import plot_problem, save_png
from losscert.plot.plot_file import plot_file
from losscert.plot.proofs import (
    CertifiedFacts,
    ProofNote,
    facts_from_certificates,
    facts_from_verdicts,
    problem_of_certificate,
)

__all__ = [
    "CertifiedFacts",
    "ProofNote",
    "facts_from_certificates",
    "facts_from_verdicts",
    "plot_file",
    "plot_problem",
    "problem_of_certificate",
    "save_png",
]

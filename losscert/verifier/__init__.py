"""From problems to verdicts and certificates (the producer side; checker/ re-verifies)."""

from losscert.verifier.certificate import (
    certified,
    new_certificate,
    problem_section,
    write_certificate,
)
from losscert.verifier.verdict import REASONS, Status, Verdict

__all__ = [
    "REASONS",
    "Status",
    "Verdict",
    "certified",
    "new_certificate",
    "problem_section",
    "write_certificate",
]

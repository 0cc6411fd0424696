"""Three-valued verdicts: PROVED, REFUTED or UNKNOWN with a reason, never a bare bool."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(Enum):
    """The three outcomes of a claim: proved, refuted (each with a checked certificate), unknown."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


REASONS = frozenset(
    {"timeout", "solver_unknown", "solvers_disagree", "unsupported", "budget", "checker_rejected"}
)
"""Reason codes an UNKNOWN verdict may carry."""


CHECKED = object()
"""The token :func:`losscert.verifier.certificate.certified` passes after the checker accepted the
certificate: a PROVED or REFUTED verdict cannot be built without it."""


@dataclass(frozen=True)
class Verdict:
    """The answer to one claim about one point.

    PROVED and REFUTED always carry a certificate that the independent checker accepted;
    UNKNOWN carries a reason code from :data:`REASONS` and a human-readable detail.
    """

    status: Status
    claim: str
    certificate: dict[str, Any] | None = None
    reason: str | None = None
    detail: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    checked: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.status is Status.UNKNOWN:
            if self.reason not in REASONS:
                raise ValueError(
                    f"an UNKNOWN verdict needs a reason from {sorted(REASONS)}, got {self.reason!r}"
                )
        elif self.certificate is None or self.checked is not CHECKED:
            raise ValueError(
                f"a {self.status.value} verdict needs a certificate the checker accepted: build it "
                "with losscert.verifier.certified"
            )

"""What a check returns, and the two ways a certificate fails."""

from __future__ import annotations

from dataclasses import dataclass, field


class Invalid(Exception):
    """A step or a claim rule does not hold: names the step, what was expected, what was derived."""

    def __init__(
        self,
        message: str,
        *,
        step: str | None = None,
        expected: object = None,
        derived: object = None,
        difference: object = None,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.expected = expected
        self.derived = derived
        self.difference = difference

    def report(self) -> str:
        lines = [str(self)]
        if self.step is not None:
            lines[0] = f"step {self.step}: {self}"
        for label, value in (
            ("expected", self.expected),
            ("derived", self.derived),
            ("difference", self.difference),
        ):
            if value is not None:
                lines.append(f"  {label}: {_show(value)}")
        return "\n".join(lines)


class Unreadable(Exception):
    """Not a certificate at all: not JSON, not an object, another format or version."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome for one certificate: ``status`` is "valid", "invalid" or "unreadable"."""

    status: str
    claim: str | None
    message: str
    trust_gaps: tuple[str, ...] = field(default=())
    steps_checked: int = 0
    gap_queries: tuple[tuple[str, str, str], ...] = field(default=())
    """(step id, label, SMT-LIB text) of every query a trust gap rests on, as verified to be the
    text the certificate holds; a gap step without one is listed with the text "" (it cannot be
    re-run, so it can never be closed)."""

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "claim": self.claim,
            "message": self.message,
            "trust_gaps": list(self.trust_gaps),
            "steps_checked": self.steps_checked,
        }


def _show(value: object) -> str:
    """Never raises: a value too deep or too long to print is summarised."""
    try:
        text = str(value)
    except (ValueError, RecursionError):
        return f"<a {type(value).__name__} too large to print>"
    return text if len(text) <= 300 else text[:300] + " ..."

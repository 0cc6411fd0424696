"""Progress lines for long loops: how many units are done, the best bound so far, time left.

A loop calls :meth:`Progress.update` after each unit; a line is said at most every ``every``
seconds (and always for the last unit), so a fast run prints little and a slow one never goes
quiet. The estimate is the mean time per unit so far times the units left: a reading aid only.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def format_seconds(seconds: float) -> str:
    """``42 s``, ``3 min 20 s``, ``2 h 05 min``."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


class Progress:
    """Rate-limited progress of ``total`` units of work, said through ``say``."""

    def __init__(
        self,
        say: Callable[[str], None],
        what: str,
        total: int,
        *,
        unit: str = "",
        every: float = 2.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.say = say
        self.what = what
        self.total = total
        self.unit = unit
        self.every = every
        self.clock = clock or time.monotonic
        self.start = self.clock()
        self.last = self.start

    def line(self, done: int, best: str | None = None) -> str:
        """The line for ``done`` units finished, without rate limiting."""
        elapsed = self.clock() - self.start
        parts = [f"{self.what}: {done}/{self.total}{' ' + self.unit if self.unit else ''}"]
        if best:
            parts.append(best)
        if 0 < done < self.total:
            parts.append(f"about {format_seconds(elapsed / done * (self.total - done))} left")
        elif done >= self.total:
            parts.append(f"done in {format_seconds(elapsed)}")
        return ", ".join(parts)

    def update(self, done: int, best: str | None = None) -> None:
        """Say the line when ``every`` seconds passed since the last one, or at the end."""
        now = self.clock()
        if now - self.last >= self.every or done >= self.total:
            self.last = now
            self.say(self.line(done, best))

"""Progress lines: rate limited, with the count, the best bound and an estimate of time left."""

from __future__ import annotations

import pytest

from losscert.progress import Progress, format_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_format_seconds() -> None:
    assert format_seconds(4.4) == "4 s"
    assert format_seconds(200) == "3 min 20 s"
    assert format_seconds(7500) == "2 h 05 min"


def test_lines_every_two_seconds_and_at_the_end() -> None:
    said: list[str] = []
    clock = Clock()
    progress = Progress(said.append, "global", 10, unit="programs", clock=clock)
    for done in range(1, 11):
        clock.now = done * 0.5  # half a second per unit
        progress.update(done, "lowest network R = 1/2 (~0.5)")
    assert said == [
        "global: 4/10 programs, lowest network R = 1/2 (~0.5), about 3 s left",
        "global: 8/10 programs, lowest network R = 1/2 (~0.5), about 1 s left",
        "global: 10/10 programs, lowest network R = 1/2 (~0.5), done in 5 s",
    ]


def test_no_best_no_unit() -> None:
    clock = Clock()
    progress = Progress(print, "cells", 4, clock=clock)
    clock.now = 10.0
    assert progress.line(1) == "cells: 1/4, about 30 s left"


def test_cells_progress_in_a_log_is_quiet_for_short_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from losscert.cli import cells

    clock = Clock()
    monkeypatch.setattr("losscert.progress.time.monotonic", clock)
    short = cells._cells_progress(terminal=False)
    for done in range(4):
        clock.now = done * 0.1
        short(done, 3)
    assert capsys.readouterr().err == ""
    clock.now = 0.0
    long = cells._cells_progress(terminal=False)
    for done in range(4):
        clock.now = done * 3.0
        long(done, 3)
    assert capsys.readouterr().err.splitlines() == [
        "cells: 2/3 units of work, about 3 s left",
        "cells: 3/3 units of work, done in 9 s",
    ]

"""pytest plugin: certificate files become test items that pass exactly when the checker accepts
them, so a repository's proofs are re-checked by its ordinary test run.

Collected: every ``*.cert.json`` file in the folders pytest collects, and every file named with
``--certificates PATH`` (repeatable). The failure report is the checker's message.

Options (group "losscert certificates"):

* ``--certificate-timeout SECONDS`` (default 300): a certificate not checked within this time
  fails (one huge file must not stall the suite); ``0`` turns the limit off. Where the platform
  has no ``SIGALRM`` (Windows), or items run outside the main thread, the limit is not enforced
  (the checker's own limits, docs/certificate.md section 7, still bound each step).
* ``--certificate-solvers``: re-run z3 and cvc5 on every query a trust gap rests on
  (``losscert check --solvers``); a query a solver answers sat, or that the solvers do not both
  answer unsat, fails the item. ``--certificate-solver-timeout SECONDS`` per solver run.
* ``--certificate-fail-on-gaps``: fail every item with a trust gap left open (with
  ``--certificate-solvers``, the gaps the solvers did not close; without, every gap).

The terminal summary lists every trust gap, and whether the solvers closed it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import CheckResult, check_certificate

SUFFIX = ".cert.json"
DEFAULT_TIMEOUT = 300.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("losscert", "losscert certificates")
    group.addoption(
        "--certificates",
        action="append",
        default=[],
        metavar="PATH",
        help=f"check this certificate file as a test item (besides the *{SUFFIX} files collected)",
    )
    group.addoption(
        "--certificate-timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="fail a certificate not checked within this time (0: no limit; default 300)",
    )
    group.addoption(
        "--certificate-solvers",
        action="store_true",
        help="re-run z3 and cvc5 on every SMT query a trust gap rests on; fail on any not unsat",
    )
    group.addoption(
        "--certificate-solver-timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="seconds per solver run with --certificate-solvers (default 60)",
    )
    group.addoption(
        "--certificate-fail-on-gaps",
        action="store_true",
        help="fail a certificate with any trust gap left open (closed only by "
        "--certificate-solvers)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise pytest.UsageError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise pytest.UsageError(f"expected a non-negative number of seconds, got {text!r}")
    return value


def pytest_configure(config: pytest.Config) -> None:
    named = [str(Path(p).resolve()) for p in config.getoption("certificates") or []]
    config.stash[_NAMED] = set(named)
    config.pluginmanager.register(_GapSummary(config), "losscert-trust-gaps")
    config.args.extend(p for p in named if p not in config.args)


_NAMED = pytest.StashKey[set[str]]()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    named = parent.config.stash.get(_NAMED, set())
    if file_path.name.endswith(SUFFIX) or str(file_path.resolve()) in named:
        return CertificateFile.from_parent(parent, path=file_path)
    return None


ITEM = "check"
"""The one item of a certificate file: its test id is ``path/to/NAME.cert.json::check``
(pytest puts the file's path first; repeating the file name after it said nothing)."""


class CertificateFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield CertificateItem.from_parent(self, name=ITEM)


class CertificateRejected(Exception):
    def __init__(self, result: CheckResult, extra: str = "") -> None:
        super().__init__(result.message)
        self.result = result
        self.extra = extra


class CheckTimedOut(BaseException):
    """Raised by the alarm inside the checker; a BaseException, so the checker's fail-closed
    ``except`` clauses do not turn it into a verdict."""


class CertificateItem(pytest.Item):
    def runtest(self) -> None:
        config = self.config
        result = _check_within(self.path, config.getoption("certificate_timeout"))
        if not result.valid:
            raise CertificateRejected(result)
        gaps = [(self.path.name, f"{gap} [open]") for gap in result.trust_gaps]
        unclosed: list[str] = []
        if config.getoption("certificate_solvers") and result.trust_gaps:
            from losscert.backends.smt import open_gaps, rerun_gap_queries, statuses

            timeout = config.getoption("certificate_solver_timeout") or 60.0
            unclosed = open_gaps(statuses(rerun_gap_queries(result, timeout=timeout)))
            state = "open: " + "; ".join(unclosed) if unclosed else CLOSED
            gaps = [(self.path.name, f"{gap} [{state}]") for gap in result.trust_gaps]
            if any("refuted" in line for line in unclosed):
                raise CertificateRejected(
                    result, "a solver refuted it:\n  " + "\n  ".join(unclosed)
                )
        else:
            unclosed = list(result.trust_gaps)
        self.user_properties.append(("trust_gaps", gaps))
        if unclosed and config.getoption("certificate_fail_on_gaps"):
            raise CertificateRejected(
                result,
                "trust gaps left open (--certificate-fail-on-gaps):\n  " + "\n  ".join(unclosed),
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CertificateRejected):
            result = excinfo.value.result
            if excinfo.value.extra:
                return f"certificate {self.path} fails: {excinfo.value.extra}"
            return f"certificate {self.path} is {result.status}:\n{result.message}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"certificate {self.path.name}: {ITEM}"


def _check_within(path: Path, seconds: float) -> CheckResult:
    """check_certificate, failed (status "invalid") when it takes longer than ``seconds``."""
    if (
        not seconds
        or not hasattr(signal, "SIGALRM")
        or threading.current_thread() is not threading.main_thread()  # signals: main thread only
    ):
        return check_certificate(path)

    def alarm(signum: int, frame: Any) -> None:
        raise CheckTimedOut

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return check_certificate(path)
    except CheckTimedOut:
        return CheckResult(
            "invalid",
            None,
            f"not checked within {seconds:g} s (--certificate-timeout): a certificate must be "
            "checkable within the limit to pass",
        )
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _GapSummary:
    """Collects the trust gaps of every certificate item (from the reports, so that it also
    works when items run in worker processes) and lists them in the terminal summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.gaps: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for key, value in report.user_properties:
            if key == "trust_gaps" and isinstance(value, list):
                self.gaps.extend((str(name), str(gap)) for name, gap in value)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.gaps:
            return
        terminalreporter.section("losscert trust gaps")
        for name, gap in self.gaps:
            terminalreporter.write_line(f"{name}: {gap}")
        still_open = sum(1 for _, gap in self.gaps if not gap.endswith(f"[{CLOSED}]"))
        hint = "" if self.config.getoption("certificate_solvers") else " (--certificate-solvers)"
        terminalreporter.write_line(f"{len(self.gaps)} trust gap(s), {still_open} open{hint}")


CLOSED = "closed by z3 and cvc5"

"""What every SMT adapter shares: the answer type, the script shape check and the isolated run.

An adapter answers one SMT-LIB 2 script with an :class:`SmtAnswer`. The solver always runs in a
child process of the current Python, killed at a hard wall-clock limit, because a solver may ignore
its own time limit or crash; neither may take the caller down or turn into an answer.

Status promise: ``"unsat"`` only when the solver itself printed / returned unsat for the script's
single ``(check-sat)``. A timeout, a kill, an exception or an unreadable reply is ``"unknown"`` or
``"error"`` with the message kept in ``reason``; a solver module that cannot be found is
``"unavailable"``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from losscert.errors import InputError

STATUSES = frozenset({"sat", "unsat", "unknown", "unavailable", "error"})

STARTUP_GRACE = 2.0
"""Seconds granted on top of the solver's own limit for starting Python and importing the solver."""


@dataclass(frozen=True)
class SmtAnswer:
    """One solver's answer to one script.

    ``seconds`` is the time spent importing the solver, building and solving, measured inside the
    solver process (interpreter start-up excluded), or the wall-clock time until the kill when the
    hard limit struck.
    """

    solver: str
    version: str
    status: str
    reason: str
    seconds: float
    model: tuple[tuple[str, str], ...] = ()
    """On "sat": the value of every declared constant as a rational string (an irrational
    algebraic value as a nearby rational), for the caller to replay exactly; else empty."""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                f"SmtAnswer status must be one of {sorted(STATUSES)}, got {self.status!r}"
            )


# --- the shape of a script ------------------------------------------------------------------------
#
# z3's API parses a script into assertions and skips its commands, while cvc5's parser runs the
# commands. Both agree only on scripts with one (check-sat) after all assertions and no push/pop,
# so anything else is refused before either solver sees it.

_TOKEN = re.compile(r'\s+|;[^\n]*|"(?:[^"]|"")*"|\|[^|]*\||[()]|[^\s()";|]+')
_FORBIDDEN = frozenset({"push", "pop", "reset", "reset-assertions", "check-sat-assuming"})


def script_commands(text: str) -> list[tuple[str, str]]:
    """(name, first argument or "") of every top-level command up to ``(exit)``.

    Raises :class:`InputError` for unbalanced parentheses, unterminated strings or quoted symbols,
    and tokens outside a command.
    """
    commands: list[tuple[str, str]] = []
    head: list[str] = []  # the first two elements of the current command; "" stands for a list
    depth, pos = 0, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise InputError(f"SMT-LIB script: unterminated string or |symbol| at offset {pos}")
        token, pos = match.group(), match.end()
        if token.isspace() or token.startswith(";"):
            continue
        if token == "(":
            if depth == 0:
                head = []
            elif depth == 1 and len(head) < 2:
                head.append("")
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                raise InputError(f"SMT-LIB script: unbalanced ')' at offset {pos - 1}")
            if depth == 0:
                commands.append((head[0] if head else "", head[1] if len(head) > 1 else ""))
                if commands[-1][0] == "exit":
                    return commands
        elif depth == 0:
            raise InputError(f"SMT-LIB script: {token!r} outside a command at offset {pos - 1}")
        elif depth == 1 and len(head) < 2:
            head.append(token)
    if depth:
        raise InputError(f"SMT-LIB script: {depth} unclosed '(' at the end of the text")
    return commands


def script_logic(text: str) -> str | None:
    """The argument of ``set-logic`` (or None) of a script both solvers read alike.

    Raises :class:`InputError` unless the script has exactly one ``(check-sat)``, followed only by
    ``get-*`` / ``echo`` / ``exit`` commands, and no push / pop / reset / check-sat-assuming.
    """
    commands = script_commands(text)
    names = [name for name, _ in commands]
    for k, name in enumerate(names):
        if name in _FORBIDDEN or not name:
            raise InputError(
                f"SMT-LIB script: command {k + 1} ({name or 'a list'}) is not supported; "
                "write one set of assertions and a single (check-sat)"
            )
    if names.count("check-sat") != 1:
        raise InputError(
            f"SMT-LIB script: expected exactly one (check-sat), found {names.count('check-sat')}"
        )
    after = names[names.index("check-sat") + 1 :]
    if any(not (name.startswith("get-") or name in ("echo", "exit")) for name in after):
        raise InputError(
            f"SMT-LIB script: {after} after (check-sat); only get-*, echo and exit may follow it"
        )
    logics = [arg for name, arg in commands if name == "set-logic"]
    return logics[0] if logics else None


# --- the adapter ----------------------------------------------------------------------------------


@functools.cache
def _installed_version(distribution: str) -> str:
    """Read once per process: parsing the package metadata costs about 1 ms, more than a small LP."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


class InstalledBackend:
    """What every backend declares and how it finds out whether its module is installed."""

    name: ClassVar[str]
    module: ClassVar[str]
    distribution: ClassVar[str]
    capabilities: ClassVar[frozenset[str]]
    status_map: ClassVar[dict[str, str]]

    def status_of(self, raw: str) -> str:
        """The solver's own word for its result, mapped; anything not in the map is unknown."""
        return self.status_map.get(raw.strip(), "unknown")

    def version(self) -> str:
        """The installed distribution's version without importing the solver ("" if none)."""
        return _installed_version(self.distribution)

    def unavailable_reason(self) -> str | None:
        """Why the solver module cannot be imported, or None if it can be found."""
        try:
            found = importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError) as exc:
            return f"module {self.module!r} cannot be located: {exc}"
        if found:
            return None
        return f"module {self.module!r} is not installed (pip install {self.distribution})"


class SolverAdapter(InstalledBackend):
    """One solver behind one method, :meth:`solve_smtlib`.

    Subclasses set the class data and implement :meth:`_build`, :meth:`_solve` and
    :meth:`_extract`; these run only inside the worker process.
    """

    def answer(
        self,
        status: str,
        reason: str,
        seconds: float = 0.0,
        version: str = "",
        model: tuple[tuple[str, str], ...] = (),
    ) -> SmtAnswer:
        return SmtAnswer(self.name, version or self.version(), status, reason, seconds, model)

    def solve_smtlib(self, text: str, timeout: float, *, grace: float = STARTUP_GRACE) -> SmtAnswer:
        """Answer ``text`` within ``timeout`` seconds of solving; never raises for a solver's sake.

        The solver is told ``timeout``; its process is killed after ``timeout + grace`` seconds.
        Raises :class:`InputError` only for a timeout that is not a positive finite number.
        """
        if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
            raise InputError(
                f"solver timeout must be a positive number of seconds, got {timeout!r}"
            )
        try:
            logic = script_logic(text)
        except InputError as exc:
            return self.answer("error", str(exc))
        missing = self.unavailable_reason()
        if missing is not None:
            return self.answer("unavailable", missing)
        return run_isolated(self, text, timeout, logic, timeout + grace)

    # --- inside the worker process ---

    def solve_here(self, text: str, timeout: float, logic: str | None) -> dict[str, Any]:
        """Import, build, solve and extract in this process; the reply the worker sends back."""
        start = time.perf_counter()
        try:
            solver_module = importlib.import_module(self.module)
        except ImportError as exc:
            return {"status": "unavailable", "reason": f"import {self.module} failed: {exc}"}
        version = ""
        try:
            version = self._solver_version(solver_module)
            built = self._build(solver_module, text, timeout, logic)
            raw = self._solve(solver_module, built, start + timeout)
            status, reason = self._extract(raw)
        except Exception as exc:  # a solver's exception is an answer, never a crash
            status, reason = "error", _describe(exc)
        model: dict[str, str] = {}
        if status == "sat":
            try:
                model = self._model(solver_module, built, raw)
            except Exception:  # a model is a bonus for the caller; its absence is no error
                model = {}
        seconds = time.perf_counter() - start
        return {
            "status": status,
            "reason": reason,
            "version": version,
            "seconds": seconds,
            "model": model,
        }

    def _solver_version(self, solver_module: Any) -> str:
        raise NotImplementedError

    def _build(self, solver_module: Any, text: str, timeout: float, logic: str | None) -> Any:
        raise NotImplementedError

    def _solve(self, solver_module: Any, built: Any, deadline: float) -> Any:
        raise NotImplementedError

    def _extract(self, raw: Any) -> tuple[str, str]:
        raise NotImplementedError

    def _model(self, solver_module: Any, built: Any, raw: Any) -> dict[str, str]:
        """The values of the declared constants after "sat" (none by default)."""
        return {}


def _describe(exc: Exception) -> str:
    # z3 raises with the solver's reply as bytes: b'(error "line 1 column 12: ...")\n'
    parts = [a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in exc.args]
    return f"{type(exc).__name__}: {' '.join(parts).strip() or repr(exc)}"


# --- the child process ----------------------------------------------------------------------------

# The child registers a bare `losscert` package (the parent's own source folder) instead of running
# losscert/__init__.py, which imports sympy: that import alone cost 0.4 s per solver run.
_WORKER = """import sys, types
package = types.ModuleType("losscert")
package.__path__ = [sys.argv[1]]
sys.modules["losscert"] = package
from losscert.backends.base import worker_main
worker_main()
"""
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def run_isolated(
    adapter: SolverAdapter, text: str, timeout: float, logic: str | None, wall: float
) -> SmtAnswer:
    """Run ``adapter.solve_here`` in a fresh Python process, killed after ``wall`` seconds."""
    cls = type(adapter)
    request = {
        "module": cls.__module__,
        "adapter": cls.__qualname__,
        "text": text,
        "timeout": timeout,
        "logic": logic,
    }
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _WORKER, _PACKAGE_DIR],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=wall,
            check=False,
        )
    except subprocess.TimeoutExpired:
        seconds = time.perf_counter() - start
        return adapter.answer(
            "unknown", f"no answer within the hard limit of {wall:g} s; process killed", seconds
        )
    return _read_reply(adapter, done, time.perf_counter() - start)


def _read_reply(
    adapter: SolverAdapter, done: subprocess.CompletedProcess[str], seconds: float
) -> SmtAnswer:
    lines = (done.stdout or "").strip().splitlines()
    try:
        reply = json.loads(lines[-1])
        status, reason = str(reply["status"]), str(reply["reason"])
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        seconds = float(reply.get("seconds", seconds))
    except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:
        tail = (done.stderr or "").strip()[-500:]
        why = f"worker exited with code {done.returncode} without a reply ({exc}): {tail}"
        return adapter.answer("error", why, seconds)
    raw_model = reply.get("model") or {}
    model = (
        tuple(sorted((str(k), str(v)) for k, v in raw_model.items()))
        if isinstance(raw_model, dict)
        else ()
    )
    return adapter.answer(status, reason, seconds, str(reply.get("version", "")), model)


def worker_main() -> None:
    """Entry of the child process: a JSON request on stdin, one JSON reply line on stdout.

    The solver's own C-level prints go to stderr: fd 1 is pointed there before any solver loads,
    and the reply is written to a private copy of the original stdout.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends a solver stuck in C code at once
    reply_channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    request = json.loads(sys.stdin.read())
    module = importlib.import_module(request["module"])
    adapter: SolverAdapter = getattr(module, request["adapter"])()
    reply = adapter.solve_here(request["text"], float(request["timeout"]), request["logic"])
    reply_channel.write(json.dumps(reply) + "\n")
    reply_channel.close()

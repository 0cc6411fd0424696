"""HiGHS (highspy) as a float LP solver: minimise c^T x subject to row bounds and column bounds.

The only module that imports highspy. It answers a :class:`LinearProgram` with an
:class:`LpAnswer` of floats: a status, the primal x and the row duals. Nothing here is a proof:
callers rationalise the answer and certify it exactly (losscert.verifier.regression does).

Status promise: ``"optimal"`` only when HiGHS reported the model status Optimal; every other model
status HiGHS knows is mapped (infeasible, unbounded, time_limit, ...) and anything unmapped is
``"unknown"``. An exception inside HiGHS is ``"error"`` with the message kept, a missing highspy is
``"unavailable"``; neither raises. A primal / dual vector is handed back whenever HiGHS has one,
whatever the status (SOLVER-NOTES: an iterate at a time limit may still certify).

Dual convention (HiGHS's, checked by the tests): for a minimisation, c - A^T y is the vector of
reduced costs, so the dual of a ``>=`` row at its lower bound is >= 0.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from losscert.backends.base import InstalledBackend
from losscert.errors import InputError

LP_STATUSES = frozenset(
    {
        "optimal",
        "infeasible",
        "unbounded",
        "infeasible_or_unbounded",
        "time_limit",
        "iteration_limit",
        "unknown",
        "unavailable",
        "error",
    }
)


@dataclass(frozen=True)
class LinearProgram:
    """min cost . x + (1/2) sum_j q_j x_j^2  s.t.  row_lower <= A x <= row_upper,
    col_lower <= x <= col_upper.

    ``rows[r]`` lists the nonzero entries (column, value) of row r of A. Infinite bounds are
    ``math.inf`` / ``-math.inf``. ``quadratic`` lists (column, q_j >= 0), a diagonal convex
    quadratic term (empty: an LP). Everything is float: a program here only searches.
    """

    cost: Sequence[float]
    rows: Sequence[Sequence[tuple[int, float]]]
    row_lower: Sequence[float]
    row_upper: Sequence[float]
    col_lower: Sequence[float]
    col_upper: Sequence[float]
    quadratic: Sequence[tuple[int, float]] = ()

    def __post_init__(self) -> None:
        n_col, n_row = len(self.cost), len(self.rows)
        for name, values, size in (
            ("row_lower", self.row_lower, n_row),
            ("row_upper", self.row_upper, n_row),
            ("col_lower", self.col_lower, n_col),
            ("col_upper", self.col_upper, n_col),
        ):
            if len(values) != size:
                raise InputError(f"LinearProgram.{name}: {len(values)} entries, expected {size}")
        for r, row in enumerate(self.rows):
            for c, _ in row:
                if not 0 <= c < n_col:
                    raise InputError(f"LinearProgram.rows[{r}]: column {c} outside 0..{n_col - 1}")
        columns = [c for c, _ in self.quadratic]
        if any(not 0 <= c < n_col for c in columns) or len(set(columns)) != len(columns):
            raise InputError("LinearProgram.quadratic: columns must be distinct and in range")
        if any(not q >= 0 for _, q in self.quadratic):
            raise InputError("LinearProgram.quadratic: diagonal entries must be >= 0 (convex)")


@dataclass(frozen=True)
class LpAnswer:
    """One solver's answer to one LP; ``x`` and ``row_duals`` are None when it had none."""

    solver: str
    version: str
    status: str
    reason: str
    seconds: float
    x: list[float] | None = None
    row_duals: list[float] | None = None
    objective: float | None = None

    def __post_init__(self) -> None:
        if self.status not in LP_STATUSES:
            raise ValueError(
                f"LpAnswer status must be one of {sorted(LP_STATUSES)}, got {self.status!r}"
            )


class HighsAdapter(InstalledBackend):
    """HiGHS's dual simplex (a vertex solution, so that active sets and duals are clean)."""

    name: ClassVar[str] = "highs"
    module: ClassVar[str] = "highspy"
    distribution: ClassVar[str] = "highspy"
    capabilities: ClassVar[frozenset[str]] = frozenset({"LP", "QP"})
    options: ClassVar[dict[str, Any]] = {"solver": "simplex", "output_flag": False}
    status_map: ClassVar[dict[str, str]] = {
        "Optimal": "optimal",
        "Infeasible": "infeasible",
        "Unbounded": "unbounded",
        "Primal infeasible or unbounded": "infeasible_or_unbounded",
        "Time limit reached": "time_limit",
        "Iteration limit reached": "iteration_limit",
    }

    def solve_lp(self, program: LinearProgram, time_limit: float = 60.0) -> LpAnswer:
        """Solve ``program`` (an LP, or a QP when it has a quadratic term) in this process; never
        raises for the solver's sake.

        Raises :class:`InputError` only for a time limit that is not a positive finite number.
        """
        if not (
            isinstance(time_limit, int | float) and math.isfinite(time_limit) and time_limit > 0
        ):
            raise InputError(
                f"LP time limit must be a positive number of seconds, got {time_limit!r}"
            )
        missing = self.unavailable_reason()
        if missing is not None:
            return LpAnswer(self.name, "", "unavailable", missing, 0.0)
        start = time.perf_counter()
        try:
            highspy = importlib.import_module(self.module)
            highs = self._build(highspy, program, time_limit)
            raw = self._solve(highs)
            answer = self._extract(highs, raw, time.perf_counter() - start)
        except Exception as exc:  # a solver's exception is an answer, never a crash
            reason = f"{type(exc).__name__}: {exc}"
            return LpAnswer(self.name, self.version(), "error", reason, time.perf_counter() - start)
        return answer

    # --- build / solve / extract ---

    def _build(self, highspy: Any, program: LinearProgram, time_limit: float) -> Any:
        with _quiet_stdout():  # HiGHS prints a banner on the first construction in a process
            highs = highspy.Highs()
        options = {**self.options, "time_limit": float(time_limit)}
        if program.quadratic:  # the simplex option does not apply to HiGHS's QP solver
            options.pop("solver")
        for key, value in options.items():
            highs.setOptionValue(key, value)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(program.cost), len(program.rows)
        inf = highspy.kHighsInf
        lp.col_cost_ = [float(c) for c in program.cost]
        lp.col_lower_ = [_bound(v, inf) for v in program.col_lower]
        lp.col_upper_ = [_bound(v, inf) for v in program.col_upper]
        lp.row_lower_ = [_bound(v, inf) for v in program.row_lower]
        lp.row_upper_ = [_bound(v, inf) for v in program.row_upper]
        starts, index, value = [0], [], []
        for row in program.rows:
            for c, a in row:
                index.append(int(c))
                value.append(float(a))
            starts.append(len(index))
        matrix = lp.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kRowwise
        matrix.num_col_, matrix.num_row_ = lp.num_col_, lp.num_row_
        matrix.start_, matrix.index_, matrix.value_ = starts, index, value
        lp.a_matrix_ = matrix
        model: Any = lp
        if program.quadratic:
            model = highspy.HighsModel()
            model.lp_ = lp
            diagonal = dict(program.quadratic)
            hessian = highspy.HighsHessian()
            hessian.dim_ = lp.num_col_
            hessian.format_ = highspy.HessianFormat.kTriangular
            entries = [(c, float(diagonal[c])) for c in range(lp.num_col_) if diagonal.get(c)]
            hessian.index_ = [c for c, _ in entries]
            hessian.value_ = [q for _, q in entries]
            starts_h, k = [], 0
            for c in range(lp.num_col_):
                starts_h.append(k)
                k += 1 if diagonal.get(c) else 0
            hessian.start_ = [*starts_h, k]
            model.hessian_ = hessian
        status = highs.passModel(model)
        if status == highspy.HighsStatus.kError:  # kWarning: e.g. tiny entries dropped; solve on
            raise RuntimeError(f"HiGHS refused the model: {status}")
        return highs

    def _solve(self, highs: Any) -> str:
        highs.run()
        return str(highs.modelStatusToString(highs.getModelStatus()))

    def _extract(self, highs: Any, raw: str, seconds: float) -> LpAnswer:
        status = self.status_of(raw)
        solution = highs.getSolution()
        x = list(map(float, solution.col_value)) if solution.value_valid else None
        duals = list(map(float, solution.row_dual)) if solution.dual_valid else None
        objective = float(highs.getInfo().objective_function_value) if x is not None else None
        reason = f"HiGHS model status: {raw}"
        return LpAnswer(self.name, self.version(), status, reason, seconds, x, duals, objective)


def _bound(value: float, inf: float) -> float:
    return inf if value == math.inf else -inf if value == -math.inf else float(value)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Point fd 1 at /dev/null for the duration: HiGHS writes its banner from C, past sys.stdout."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 at all: nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)

"""z3 through its Python API: the script is parsed into assertions, then checked with a timeout.

For a script that declares ``(set-logic QF_NRA)`` the nlsat-based tactic runs first, with a third
of the time: it is fast when it answers (docs: ../shared/SOLVER-NOTES.md), but on flat minima with
mixed patterns it answered nothing from 9 parameters on, where z3's default strategy did
(benchmarks/README.md, bench_certify). The default solver gets the time that is left. Only a sat /
unsat from one of them counts.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from losscert.backends.base import SolverAdapter

_NLSAT = "qfnra-nlsat"


class Z3Adapter(SolverAdapter):
    name: ClassVar[str] = "z3"
    module: ClassVar[str] = "z3"
    distribution: ClassVar[str] = "z3-solver"
    capabilities: ClassVar[frozenset[str]] = frozenset({"NRA", "LRA"})
    status_map: ClassVar[dict[str, str]] = {"sat": "sat", "unsat": "unsat"}

    def _solver_version(self, z3: Any) -> str:
        return str(z3.get_version_string())

    def _build(self, z3: Any, text: str, timeout: float, logic: str | None) -> Any:
        """The parsed assertions (a parse error raises z3.Z3Exception) and the strategies to try."""
        assertions = z3.parse_smt2_string(text)
        strategies = [("default solver", z3.Solver)]
        if logic == "QF_NRA":
            strategies.insert(0, (f"tactic {_NLSAT}", z3.Tactic(_NLSAT).solver))
        return assertions, strategies

    def _solve(self, z3: Any, built: Any, deadline: float) -> Any:
        assertions, strategies = built
        tried: list[str] = []
        for k, (label, make) in enumerate(strategies):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            if k < len(strategies) - 1:  # leave the later strategy most of the time (measured:
                remaining /= 3  # nlsat alone answered nothing from P = 9 on flat minima)
            solver = make()
            solver.set("timeout", max(1, int(remaining * 1000)))
            solver.add(assertions)
            result = str(solver.check())
            if self.status_of(result) != "unknown":
                return result, label, solver
            tried.append(f"{label}: {solver.reason_unknown()}")
        return "unknown", "; ".join(tried) or "no time left after parsing", None

    def _extract(self, raw: Any) -> tuple[str, str]:
        result, detail, _ = raw
        status = self.status_of(result)
        return status, (f"answered by the {detail}" if status != "unknown" else detail)

    def _model(self, z3: Any, built: Any, raw: Any) -> dict[str, str]:
        model = raw[2].model()
        values = {}
        for declaration in model.decls():
            value = model[declaration]
            if z3.is_rational_value(value):
                values[declaration.name()] = str(value.as_fraction())
            elif z3.is_algebraic_value(value):
                values[declaration.name()] = str(value.approx(40).as_fraction())
        return values

"""z3 through its Python API: the script is parsed into assertions, then checked with a timeout.

For a script that declares ``(set-logic QF_NRA)`` a portfolio of nlsat runs comes first, each with
a tenth of the time: the ``qfnra-nlsat`` tactic with ``shuffle_vars`` and seed 1 (another
variable order), as it is, then shuffled with seeds 2 to 4. nlsat is fast when it answers, and its speed depends on the variable
order (../shared/SOLVER-NOTES.md): on the flat minima of benchmarks/bench_certify.py the plain
tactic gave no answer from 9 parameters on, while a shuffled order answered in 0.02-1.2 s (P = 9 to
33, n = 10 and 100), and z3's default strategy answered only after about 24 s (its own sequence of
time-boxed nlsat runs). The default solver gets the half that is left. Only a sat / unsat from one
of them counts.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from losscert.backends.base import SolverAdapter

_NLSAT = "qfnra-nlsat"
_SHUFFLE_SEEDS = (1, 0, 2, 3, 4)
_NLSAT_SHARE = 0.1  # of the query's time, per nlsat run (5 runs: the default solver keeps half)


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
        strategies: list[tuple[str, Any, float]] = []
        if logic == "QF_NRA":
            for seed in _SHUFFLE_SEEDS:  # seed 0 stands for the tactic's own variable order
                tactic = z3.Tactic(_NLSAT)
                label = f"tactic {_NLSAT}"
                if seed:
                    tactic = z3.With(tactic, shuffle_vars=True, seed=seed)
                    label += f", shuffled seed {seed}"
                strategies.append((label, tactic.solver, _NLSAT_SHARE))
        strategies.append(("default solver", z3.Solver, 1.0))
        return assertions, strategies

    def _solve(self, z3: Any, built: Any, deadline: float) -> Any:
        assertions, strategies = built
        tried: list[str] = []
        total = deadline - time.perf_counter()
        for label, make, share in strategies:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            solver = make()
            budget = min(remaining, share * total)
            solver.set("timeout", max(1, int(budget * 1000)))
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

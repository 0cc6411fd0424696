"""cvc5 through its Python API: its own SMT-LIB parser runs the script command by command.

The answer is the text that the one ``(check-sat)`` command prints ("unsat\\n",
"unknown (TIMEOUT)\\n", ...). Pitfalls of the API, each handled here: a failing command returns
``(error "...")`` as its output instead of raising; ``(exit)`` does not stop the parser; and the
solver's per-check time limit is the option ``tlimit-per`` in milliseconds, as a string.
"""

from __future__ import annotations

from typing import Any, ClassVar

from losscert.backends.base import SolverAdapter

# measured: x*x = 2 without set-logic timed out after 1 s; with (set-logic QF_NRA) it took 3 ms
_NO_LOGIC_HINT = (
    "; the script has no set-logic, so cvc5 used ALL, which is much weaker on nonlinear real"
    " arithmetic: add (set-logic QF_NRA)"
)


class Cvc5Adapter(SolverAdapter):
    name: ClassVar[str] = "cvc5"
    module: ClassVar[str] = "cvc5"
    distribution: ClassVar[str] = "cvc5"
    capabilities: ClassVar[frozenset[str]] = frozenset({"NRA", "LRA"})
    status_map: ClassVar[dict[str, str]] = {"sat": "sat", "unsat": "unsat"}

    def _solver_version(self, cvc5: Any) -> str:
        return str(getattr(cvc5, "__version__", ""))

    def _build(self, cvc5: Any, text: str, timeout: float, logic: str | None) -> Any:
        """Solver, symbol manager and a parser set on ``text`` (nothing parsed yet)."""
        if hasattr(cvc5, "TermManager"):  # cvc5 >= 1.2
            manager = cvc5.TermManager()
            solver, symbols = cvc5.Solver(manager), cvc5.SymbolManager(manager)
        else:  # cvc5 1.1: the solver owns the terms
            solver = cvc5.Solver()
            symbols = cvc5.SymbolManager(solver)
        solver.setOption("tlimit-per", str(max(1, int(timeout * 1000))))
        solver.setOption("produce-models", "true")
        parser = cvc5.InputParser(solver, symbols)
        parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "delegated_smt")
        return solver, symbols, parser, logic

    def _solve(self, cvc5: Any, built: Any, deadline: float) -> Any:
        """The output of (check-sat); a command's error output comes back as it is."""
        solver, symbols, parser, logic = built
        while True:
            command = parser.nextCommand()  # raises RuntimeError on a parse error
            if command.isNull() or command.getCommandName() == "exit":
                return '(error "the script ended before (check-sat)")', logic
            output = str(command.invoke(solver, symbols))
            if output.lstrip().startswith("(error") or command.getCommandName() == "check-sat":
                return output, logic

    def _extract(self, raw: Any) -> tuple[str, str]:
        text, logic = str(raw[0]).strip(), raw[1]
        if text.startswith("(error"):
            return "error", text
        word, _, detail = text.partition(" ")
        status = self.status_of(word)
        if status == "unknown":
            hint = "" if logic else _NO_LOGIC_HINT
            return status, f"(check-sat) printed {text!r}{hint}"
        return status, f"answered by (check-sat){' ' + detail if detail else ''}"

    def _model(self, cvc5: Any, built: Any, raw: Any) -> dict[str, str]:
        solver, symbols = built[0], built[1]
        values = {}
        for term in symbols.getDeclaredTerms():
            value = solver.getValue(term)
            if value.isRealValue():
                values[str(term)] = str(value.getRealValue())
            elif value.isRealAlgebraicNumber():
                values[str(term)] = str(value.getRealAlgebraicNumberLowerBound().getRealValue())
        return values

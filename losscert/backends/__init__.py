"""Solver adapters: the only modules that import z3, cvc5, highspy or pulp (lazily)."""

"""A tiny independent evaluator of the SMT-LIB 2 subset the canonical queries use.

Reads `declare-fun`, `define-fun` (no arguments), `assert`, `set-logic` and `check-sat`, and
evaluates terms built from numerals, `+ - * /`, `ite`, `<=`, `<` (chained) at given values of the
declared constants, in exact rationals. It shares no code with losscert.checker: it is the oracle
that the query text means what docs/certificate.md says.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Term = Any  # a str atom or a list of terms


def parse(text: str) -> list[Term]:
    tokens = re.findall(r"\(|\)|[^\s()]+", text)
    stack: list[list[Term]] = [[]]
    for token in tokens:
        if token == "(":
            stack.append([])
        elif token == ")":
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(token)
    assert len(stack) == 1, "unbalanced parentheses"
    return stack[0]


@dataclass
class Script:
    declared: list[str] = field(default_factory=list)
    defined: dict[str, Term] = field(default_factory=dict)
    assertions: list[Term] = field(default_factory=list)
    logic: str | None = None


def read(text: str) -> Script:
    script = Script()
    for command in parse(text):
        head = command[0]
        if head == "set-logic":
            script.logic = command[1]
        elif head == "declare-fun":
            assert command[2] == [] and command[3] == "Real", command
            script.declared.append(command[1])
        elif head == "define-fun":
            assert command[2] == [] and command[3] == "Real", command
            script.defined[command[1]] = command[4]
        elif head == "assert":
            script.assertions.append(command[1])
        else:
            assert head == "check-sat", command
    return script


def evaluate(term: Term, script: Script, values: dict[str, Fraction]) -> Any:
    if isinstance(term, str):
        if term in values:
            return values[term]
        if term in script.defined:
            return evaluate(script.defined[term], script, values)
        assert re.fullmatch(r"[0-9]+", term), term
        return Fraction(int(term))
    op, *args = term
    if op == "ite":
        cond = evaluate(args[0], script, values)
        return evaluate(args[1] if cond else args[2], script, values)
    vals = [evaluate(a, script, values) for a in args]
    if op == "+":
        return sum(vals, Fraction(0))
    if op == "-":
        return -vals[0] if len(vals) == 1 else vals[0] - sum(vals[1:], Fraction(0))
    if op == "*":
        out = Fraction(1)
        for v in vals:
            out *= v
        return out
    if op == "/":
        assert len(vals) == 2
        return vals[0] / vals[1]
    if op in ("<=", "<"):
        pairs = itertools.pairwise(vals)
        return all(a <= b if op == "<=" else a < b for a, b in pairs)
    raise AssertionError(f"operator {op!r} is not in the subset")

"""Section 3.20 of docs/certificate.md: the free coordinates of a ``minimum_in_box`` step.

Derived from the problem, the cell's pattern and rho alone. A parameter is *fixed* (kept at its
theta* value on the slice) when, near any point of the open cell, R does not depend on it or a
symmetry of R moves it back to theta*:

1. constant neurons (slope 0 on every sample): their incoming parameters; silent ones (also
   intercept 0 on every sample): their outgoing weights (as in 3.11.1);
2. inert parameters: a parameter whose every path to the output is cut on every sample (below);
3. shift anchors: a *linear neuron* (one piece, of non-zero slope s, on every sample) has the
   symmetry b_j[r] += d, b_{j+1} -= s d W_{j+1}[:, r]; its bias is fixed;
4. rescaling anchors (activations with every breakpoint and intercept 0): per hidden neuron, among
   its incoming parameters not fixed above, the one of largest |theta*_a| (lowest index on ties)
   if it exceeds rho.

A neuron (j, r) *transmits* on sample i when its piece there has a non-zero slope and (j is the
last hidden layer, or some neuron of layer j + 1 transmits on sample i). Its activation is
*structurally zero* on sample i when its piece there has slope 0 and intercept 0 (an input
coordinate: when x_ic = 0). W_j[r][c] is inert when on every sample (j, r) does not transmit or
input c of layer j is structurally zero; b_j[r] when (j, r) transmits on no sample; an output
weight W_L[k][c] when input c is structurally zero on every sample.
"""

from __future__ import annotations

from fractions import Fraction

from .problem import Problem


def _indices(problem: Problem) -> list[tuple[list[list[int]], list[int]]]:
    return problem.layers(list(range(problem.num_parameters)))


def transmitting(problem: Problem, pattern: list[list[list[int]]]) -> list[list[list[bool]]]:
    """transmit[j][r][i], hidden layers from the last one down."""
    slopes = problem.activation.slopes
    out: list[list[list[bool]]] = [[] for _ in pattern]
    for j in range(len(pattern) - 1, -1, -1):
        above = out[j + 1] if j + 1 < len(pattern) else None
        out[j] = [
            [
                slopes[k] != 0 and (above is None or any(n[i] for n in above))
                for i, k in enumerate(neuron)
            ]
            for neuron in pattern[j]
        ]
    return out


def _zero_inputs(problem: Problem, pattern: list[list[list[int]]], j: int) -> list[list[bool]]:
    """zero[c][i]: input c of layer j + 1 (0-based j) is structurally zero on sample i."""
    act = problem.activation
    if j == 0:
        return [[x[c] == 0 for x in problem.inputs] for c in range(problem.widths[0])]
    return [[act.slopes[k] == 0 and act.intercepts[k] == 0 for k in n] for n in pattern[j - 1]]


def unused_parameters(problem: Problem, pattern: list[list[list[int]]]) -> set[int]:
    """Rules 1 and 2: the parameters no output depends on anywhere on the cell."""
    act = problem.activation
    layers = _indices(problem)
    hidden = len(pattern)
    send = transmitting(problem, pattern)
    fixed: set[int] = set()
    for j, (w, b) in enumerate(layers):
        zero = _zero_inputs(problem, pattern, j)
        for r, row in enumerate(w):
            if j < hidden and all(act.slopes[k] == 0 for k in pattern[j][r]):
                fixed |= {*row, b[r]}  # rule 1: a constant neuron
                continue
            live = send[j][r] if j < hidden else [True] * len(problem.inputs)
            for c, a in enumerate(row):
                if all(not t or z for t, z in zip(live, zero[c], strict=True)):
                    fixed.add(a)  # rules 1 (silent) and 2
            if j < hidden and not any(live):
                fixed.add(b[r])  # rule 2
    return fixed


def fixed_parameters(problem: Problem, pattern: list[list[list[int]]], rho: Fraction) -> set[int]:
    act = problem.activation
    layers = _indices(problem)
    hidden = len(pattern)
    fixed = unused_parameters(problem, pattern)
    linear: list[list[bool]] = [
        [len(set(n)) == 1 and act.slopes[n[0]] != 0 for n in layer] for layer in pattern
    ]
    for j in range(hidden):
        for r, is_linear in enumerate(linear[j]):
            if is_linear:
                fixed.add(layers[j][1][r])  # rule 3
    homogeneous = all(p == 0 for p in act.breakpoints) and all(t == 0 for t in act.intercepts)
    if homogeneous:
        for j in range(hidden):
            w, b = layers[j]
            for r in range(len(w)):
                if all(act.slopes[k] == 0 for k in pattern[j][r]):
                    continue
                candidates = [a for a in (*w[r], b[r]) if a not in fixed]
                if candidates:
                    best = max(candidates, key=lambda a: (abs(problem.point[a]), -a))
                    if abs(problem.point[best]) > rho:
                        fixed.add(best)  # rule 4
    return fixed


def free_parameters(problem: Problem, pattern: list[list[list[int]]], rho: Fraction) -> list[int]:
    fixed = fixed_parameters(problem, pattern, rho)
    return [a for a in range(problem.num_parameters) if a not in fixed]

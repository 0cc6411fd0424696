"""A producer's exact results at one point, computed by the checker's own evaluator.

A producer that writes several certificates of one problem (the Theorem 1 audit writes three)
needs, before it writes them, what the checker will recompute when it checks them: the risk at
the point, its cell, that a box fits in the cell, the risk at a lower point. :class:`CheckedPoint`
reads the problem section once into a :class:`losscert.checker.Session` and asks the checker's
integer evaluator (losscert/checker/scaled.py, boxes.py) for each of them; the session keeps the
results, keyed by exact content, and the certificates checked later in the same session
(:func:`losscert.verifier.certificate.certified_in`) find them there instead of
computing them again. Nothing is taken on trust: the checker still reads every certificate and
compares every number it states with these results, exactly as it would with fresh ones.

Producers may import the checker; the checker never imports a producer.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from losscert.checker import Session
from losscert.checker import boxes as checker_boxes
from losscert.checker import problem as checker_problem
from losscert.checker.result import Invalid, Unreadable
from losscert.encodings.cells import Cell, Tie
from losscert.model.rationals import rational_string

MAX_HALVINGS = 200

CheckerRefusal = (Invalid, Unreadable)
"""What :meth:`CheckedPoint.of` raises when the checker refuses the section."""


@dataclass(frozen=True)
class CheckedPoint:
    """The problem of a certificate section, as the checker reads it, in one session."""

    session: Session
    section: dict[str, Any]
    problem: checker_problem.Problem

    @classmethod
    def of(cls, section: dict[str, Any]) -> CheckedPoint:
        """Reads ``section`` (from :func:`problem_section`), as the checker does for a
        certificate; raises one of CheckerRefusal (the checker's Invalid or Unreadable, with
        its message) if the checker refuses it."""
        session = Session()
        return cls(session, section, session.problem(section, Path(".")))

    def risk(self, theta: list[Fraction] | None = None) -> Fraction:
        """The exact risk at theta (the section's point by default), as the checker derives it;
        one forward pass per point, kept for the certificates."""
        return checker_problem.risk(self.problem, self.problem.point if theta is None else theta)

    def cell(self) -> Cell:
        """The point's cell, from the checker's pattern and margin."""
        pattern, margin = checker_problem.cell_at(self.problem, self.problem.point)
        ties = tuple(
            Tie(j + 1, r, i, self._tie_breakpoint(j, r, i))
            for j, layer in enumerate(pattern)
            for r, neuron in enumerate(layer)
            for i, k in enumerate(neuron)
            if k is None
        )
        pieces = tuple(tuple(tuple(neuron) for neuron in layer) for layer in pattern)
        return Cell(pieces, margin, self._margin_at(margin), ties)

    def box_fits(self, cell: Cell, rho: Fraction) -> bool:
        """True when the checker's ``box_in_cell`` accepts the box of radius rho around the
        point in ``cell`` (an interior point's cell); the acceptance is kept for the session."""
        pattern = [[list(neuron) for neuron in layer] for layer in cell.pieces]
        step = {"radius": rational_string(rho)}
        try:
            checker_boxes.check_box_in_cell(self.problem, step, pattern, "box")  # type: ignore[arg-type]
        except Invalid:
            return False
        return True

    def box_radius(self, cell: Cell, rho: Fraction, first: int = 0) -> Fraction | None:
        """The largest rho / 2^k, k >= ``first``, that :meth:`box_fits` (None after
        MAX_HALVINGS): ``first`` is a search hint (a float screen), never a decision."""
        rho /= 2**first
        for _ in range(first, MAX_HALVINGS):
            if self.box_fits(cell, rho):
                return rho
            rho /= 2
        return None

    def _tie_breakpoint(self, j: int, r: int, i: int) -> int:
        trace = checker_problem.forward(self.problem, self.problem.point)
        z = Fraction(trace.pre_nums[j][i][r], trace.pre_dens[j])
        return self.problem.activation.breakpoints.index(z)

    def _margin_at(self, margin: Fraction | None) -> tuple[int, int, int] | None:
        """The first (layer from 1, neuron, sample) at distance ``margin`` from a breakpoint."""
        if margin is None:
            return None
        trace = checker_problem.forward(self.problem, self.problem.point)
        best: tuple[int, int, int] | None = None
        for j, (nums, den) in enumerate(zip(trace.pre_nums, trace.pre_dens, strict=True)):
            for p in self.problem.activation.breakpoints:
                # |z - p| = margin  <=>  |num p.den - p.num den| = margin p.den den
                target = margin * p.denominator * den
                if target.denominator != 1:
                    continue
                scaled = p.numerator * den
                for i, column in enumerate(nums):
                    for r, z in enumerate(column):
                        if abs(z * p.denominator - scaled) == target.numerator:
                            here = (j + 1, r, i)
                            best = here if best is None or here < best else best
            if best is not None:
                return best
        return best

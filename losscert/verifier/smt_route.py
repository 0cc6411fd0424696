"""The SMT rung: "no point of lower risk in a box around theta*" proved by two solvers.

The query is the checker's canonical text (losscert.checker.smt_query), so a certificate carries
exactly what the solvers answered and the checker re-derives it. PROVED needs "unsat" from z3 AND
cvc5; a disagreement, "unknown", a timeout, an error or a missing solver is UNKNOWN with its reason,
never a proof. A box that the solvers cannot decide, or in which they find a lower point, is shrunk
(smaller boxes are easier, and a local minimum needs only some box) a few times before giving up.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from losscert.backends.smt import SmtAnswer, solve_with_all
from losscert.checker.problem import Problem as CheckerProblem
from losscert.checker.smt_adjacent import MAX_NEURON_TIES
from losscert.checker.smt_query import SMT_LOSSES, no_lower_point_query
from losscert.encodings.box import boundary_box_radius, box_radius
from losscert.encodings.cells import AdjacentCells, Cell, adjacent_cells
from losscert.errors import InputError
from losscert.io.json_files import write_text_atomic
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.descent import checker_view, descent_verdict
from losscert.verifier.verdict import Status, Verdict

CLAIM = "local_min"
SHRINK = 8
TWO_SOLVERS = "two-solvers"
ONE_SOLVER = "one-solver"


@dataclass(frozen=True)
class SmtOptions:
    """How the SMT rung may spend time and where it reports (passed down, never global)."""

    timeout: float = 30.0  # seconds per query and solver
    deadline: float | None = None  # a time.perf_counter() value: no query is started after it
    smt_dir: Path | None = None  # every query is also written here as <name>.<k>.smt2
    simplify: bool = True  # interior points: the simplified canonical query (spec 3.11.1)
    convex: bool = True  # one hidden layer: convex programs over the cones before any SMT query
    lifted: bool = True  # with convex: the lifted gradient (any depth) before the cones
    trust: str = TWO_SOLVERS  # ONE_SOLVER: one unsat (and no sat) proves, labelled (spec 3.22)

    def __post_init__(self) -> None:
        if self.trust not in (TWO_SOLVERS, ONE_SOLVER):
            raise InputError(
                f"trust level must be {TWO_SOLVERS!r} or {ONE_SOLVER!r}, got {self.trust!r}"
            )

    name: str = "query"
    progress: Callable[[str], None] | None = None

    def query_timeout(self) -> float | None:
        """Seconds for the next query, or None when the overall budget is spent."""
        if self.deadline is None:
            return self.timeout
        left = self.deadline - time.perf_counter()
        return min(self.timeout, left) if left > 0.5 else None

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def export(self, text: str, label: str) -> None:
        if self.smt_dir is not None:
            self.smt_dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(text, self.smt_dir / f"{self.name}.{label}.smt2")


def _unknown(reason: str, detail: str) -> Verdict:
    return Verdict(Status.UNKNOWN, CLAIM, reason=reason, detail=detail)


def _budget_spent(history: list[str]) -> Verdict:
    return Verdict(
        Status.UNKNOWN,
        CLAIM,
        reason="budget",
        detail="the overall time budget ran out; " + "; ".join(history),
    )


def smt_local_min(problem: Problem, cell: Cell, options: SmtOptions, *, tries: int = 3) -> Verdict:
    """See the module docstring."""
    if problem.loss.kind not in SMT_LOSSES:
        return _unknown("unsupported", f"the SMT rung does not cover the {problem.loss.kind} loss")
    radius = box_radius(problem, cell)
    if radius is None:
        return _unknown("unsupported", "no box inside the cell was found")
    pattern = [[list(neuron) for neuron in layer] for layer in cell.pattern().pieces]
    cp = checker_view(problem)
    rho = radius
    history: list[str] = []
    reason = "solver_unknown"
    for _ in range(tries):
        text = no_lower_point_query(cp, pattern, rho, simplified=options.simplify)
        options.export(text, str(len(history)))
        timeout = options.query_timeout()
        if timeout is None:
            return _budget_spent(history)
        options.say(
            f"SMT: box of radius {rational_string(rho)} sent to z3 and cvc5 ({timeout:.0f} s)"
        )
        answers = solve_with_all(text, timeout)
        statuses = {name: a.status for name, a in answers.items()}
        history.append(f"radius {rational_string(rho)}: {statuses}")
        if all(s == "unsat" for s in statuses.values()) and len(statuses) >= 2:
            return _proved(problem, cell, radius, rho, text, answers, options.simplify)
        one = "unsat" in statuses.values() and "sat" not in statuses.values()
        if options.trust == ONE_SOLVER and one:  # asked for by the user, and labelled
            return _proved(problem, cell, radius, rho, text, answers, options.simplify, True)
        refuted = _replay_models(problem, cell, cp, answers, history)
        if refuted is not None:
            return refuted
        if "sat" in statuses.values() and "unsat" in statuses.values():
            return Verdict(
                Status.UNKNOWN, CLAIM, reason="solvers_disagree", detail="; ".join(history)
            )
        reason = _reason(answers)
        if reason == "unsupported":
            break
        rho /= SHRINK
    return Verdict(Status.UNKNOWN, CLAIM, reason=reason, detail="; ".join(history))


def _replay_models(
    problem: Problem,
    cell: Cell,
    view: CheckerProblem,
    answers: dict[str, SmtAnswer],
    history: list[str],
) -> Verdict | None:
    """A "sat" model is replayed exactly: a lower point it names gives the direction d = theta' -
    theta*, and if R goes down along d at its lowest order the point is refuted with a
    descent_direction certificate (decided by exact arithmetic alone, not by the solver).
    A parameter the model does not name (fixed by the simplified query, or left free) keeps its
    value at theta*."""
    base = problem.network.parameter_vector()
    for answer in answers.values():
        values = dict(answer.model)
        if answer.status != "sat" or not any(f"p{a}" in values for a in range(len(base))):
            continue
        point = [Fraction(values[f"p{a}"]) if f"p{a}" in values else v for a, v in enumerate(base)]
        lower = problem.with_network(problem.network.with_parameters(point)).risk()
        history.append(
            f"{answer.solver}'s model replayed: risk {rational_string(lower)} "
            f"{'<' if lower < problem.risk() else '>='} {rational_string(problem.risk())}"
        )
        if lower < problem.risk():
            direction = [p - b for p, b in zip(point, base, strict=True)]
            for label, candidate in _candidate_directions(problem, cell, direction):
                how = f"SMT model of {answer.solver}: a lower point, then descent ({label})"
                verdict = descent_verdict(problem, candidate, how, view)
                if verdict is not None:
                    return verdict
    return None


MAX_HELD_OUT = 64


def _candidate_directions(
    problem: Problem, cell: Cell, direction: list[Fraction]
) -> list[tuple[str, list[Fraction]]]:
    """The model's direction, the same restricted to the parameters of the tied neurons (their
    incoming weights and bias, and their outgoing weights), and the same with one parameter held
    at theta* (up to MAX_HELD_OUT parameters): a lower point often moves other parameters too,
    which adds positive lower-order terms along the straight line (a flat direction of the loss
    moved by the solver at no gain, say)."""
    out = [("the model's direction", direction)]
    moved = [a for a, d in enumerate(direction) if d != 0]
    if 1 < len(moved) <= MAX_HELD_OUT:
        names = problem.network.parameter_names()
        for a in moved:
            held = [Fraction(0) if b == a else d for b, d in enumerate(direction)]
            out.append((f"the model's direction with {names[a]} held", held))
    ties = cell.ties
    if ties:
        widths = problem.network.widths
        keep = set()
        for tie in ties:
            j, r = tie.layer, tie.neuron
            keep |= {f"W{j}_{r}_{c}" for c in range(widths[j - 1])} | {f"b{j}_{r}"}
            keep |= {f"W{j + 1}_{k}_{r}" for k in range(widths[j + 1])}
        names = problem.network.parameter_names()
        masked = [
            d if name in keep else Fraction(0) for d, name in zip(direction, names, strict=True)
        ]
        if any(masked) and masked != direction:
            out.append(("restricted to the tied neurons", masked))
    return out


def _reason(answers: dict[str, SmtAnswer]) -> str:
    if any(a.status == "unavailable" for a in answers.values()):
        return "unsupported"
    if any(
        a.status == "unknown" and ("kill" in a.reason or "time" in a.reason.lower())
        for a in answers.values()
    ):
        return "timeout"
    return "solver_unknown"


def _proved(
    problem: Problem,
    cell: Cell,
    radius: Fraction,
    rho: Fraction,
    text: str,
    answers: dict[str, SmtAnswer],
    simplified: bool,
    one_solver: bool = False,
) -> Verdict:
    cell_step: dict[str, Any] = {
        "id": "cell",
        "kind": "cell",
        "pattern": [[list(neuron) for neuron in layer] for layer in cell.pattern().pieces],
        "margin": rational_string(cell.margin) if cell.margin is not None else None,
    }
    steps = [
        cell_step,
        {"id": "box", "kind": "box_in_cell", "uses": ["cell"], "radius": rational_string(radius)},
        {
            "id": "smt",
            "kind": "smt_one_solver_no_lower_point" if one_solver else "smt_no_lower_point",
            "uses": ["cell", "box"],
            "radius": rational_string(rho),
            **({"simplified": True} if simplified else {}),
            "smtlib": text,
            "solvers": [
                {"name": a.solver, "version": a.version, "answer": a.status}
                for a in answers.values()
            ],
        },
    ]
    how = "SMT (z3 and cvc5)"
    if one_solver:
        names = [a.solver for a in answers.values() if a.status == "unsat"]
        how = f"SMT ({', '.join(names)} alone: trust level one-solver, asked for)"
    certificate = new_certificate(problem, CLAIM, steps, {"method": how})
    stats = {"trust": ONE_SOLVER} if one_solver else {}
    return certified(CLAIM, Status.PROVED, certificate, method=how, **stats)


MAX_BOUNDARY_QUERIES = 64


def _side_choices(cell: Cell, adjacent: AdjacentCells) -> tuple[list[tuple[int, ...]], list[Any]]:
    """Every side choice (one entry per tie, in the cell's tie order) that no Gordan vector of a
    first-layer neuron excludes, and those Gordan proofs as certificate entries."""
    per_neuron = []
    pruned: list[dict[str, Any]] = []
    for neuron in adjacent.neurons:
        t = len(neuron.ties)
        if neuron.layer == 1 and not neuron.all_realisable:
            per_neuron.append(list(neuron.realisable_choices()))
            pruned += [
                {"neuron": neuron.neuron, "prefix": list(prefix), "farkas": rationals(mu)}
                for prefix, mu in neuron.pruned
            ]
        else:  # deeper ties: the own row's reach is not the whole story; every choice is kept
            per_neuron.append(list(itertools.product((0, 1), repeat=t)))
    order = {tie: k for k, tie in enumerate(cell.ties)}
    choices = []
    for combo in itertools.product(*per_neuron):
        sides = [0] * len(cell.ties)
        for neuron, part in zip(adjacent.neurons, combo, strict=True):
            for tie, side in zip(neuron.ties, part, strict=True):
                sides[order[tie]] = side
        choices.append(tuple(sides))
    return choices, pruned


def smt_boundary_local_min(
    problem: Problem, cell: Cell, options: SmtOptions, *, shrink: int = 1
) -> Verdict:
    """A point on a cell boundary is a local minimum when, in a box that lets every tie cross
    its breakpoint but reach no other, no closed adjacent cell holds a point of lower risk: one
    canonical query (simplified as in spec 3.11.1 unless ``options.simplify`` is off) per
    realisable side choice, each unsat for z3 AND cvc5; choices a first-layer neuron cannot reach
    are pruned with Gordan vectors (certificate 1.1, step smt_adjacent_no_lower_point). The
    queries ask about the box's radius divided by ``shrink`` (smaller boxes are often answered
    where the whole box times out)."""
    if problem.loss.kind not in SMT_LOSSES:
        return _unknown("unsupported", f"the SMT rung does not cover the {problem.loss.kind} loss")
    adjacent = adjacent_cells(problem, cell)
    if any(len(n.ties) > MAX_NEURON_TIES for n in adjacent.neurons):
        return _unknown("budget", f"a neuron has more than {MAX_NEURON_TIES} ties")
    count = 1
    for neuron in adjacent.neurons:
        count *= neuron.num_realisable if neuron.layer == 1 else 2 ** len(neuron.ties)
    if count > MAX_BOUNDARY_QUERIES:
        return _unknown(
            "budget",
            f"{len(cell.ties)} ties give {count} realisable adjacent cells, each one SMT query "
            f"(limit {MAX_BOUNDARY_QUERIES})",
        )
    choices, pruned = _side_choices(cell, adjacent)
    radius = boundary_box_radius(problem, cell)
    if radius is None:
        return _unknown("unsupported", "no box around the boundary point was found")
    cp = checker_view(problem)
    queries = []
    history: list[str] = []
    for k, sides in enumerate(choices):
        pattern = cell.with_choices(dict(zip(cell.ties, sides, strict=True)))
        grid = [[list(neuron) for neuron in layer] for layer in pattern.pieces]
        text = no_lower_point_query(cp, grid, radius / shrink, simplified=options.simplify)
        options.export(text, f"side{k}")
        timeout = options.query_timeout()
        if timeout is None:
            return _budget_spent(history)
        options.say(f"SMT: adjacent cell {k + 1} of {len(choices)} (sides {list(sides)})")
        answers = solve_with_all(text, timeout)
        statuses = {n: a.status for n, a in answers.items()}
        history.append(f"sides {list(sides)}: {statuses}")
        if not (len(statuses) >= 2 and all(s == "unsat" for s in statuses.values())):
            refuted = _replay_models(problem, cell, cp, answers, history)
            if refuted is not None:
                return refuted
            mixed = "sat" in statuses.values() and "unsat" in statuses.values()
            return Verdict(
                Status.UNKNOWN,
                CLAIM,
                reason="solvers_disagree" if mixed else _reason(answers),
                detail="; ".join(history),
            )
        queries.append(
            {
                "sides": list(sides),
                "smtlib": text,
                "solvers": [
                    {"name": a.solver, "version": a.version, "answer": a.status}
                    for a in answers.values()
                ],
            }
        )
    step: dict[str, Any] = {
        "id": "smt",
        "kind": "smt_adjacent_no_lower_point",
        "uses": ["box"],
        "radius": rational_string(radius / shrink),
        **({"simplified": True} if options.simplify else {}),
        "queries": queries,
        "pruned": pruned,
    }
    if not options.simplify and len(choices) == 2 ** len(cell.ties) and len(cell.ties) <= 10:
        step = {k: v for k, v in step.items() if k != "pruned"}  # every choice: the 1.0 step
        step["kind"] = "smt_boundary_no_lower_point"
    steps = [{"id": "box", "kind": "box_near_boundary", "radius": rational_string(radius)}, step]
    how = f"SMT on a boundary ({len(queries)} adjacent cells, z3 and cvc5)"
    certificate = new_certificate(problem, CLAIM, steps, {"method": how})
    return certified(CLAIM, Status.PROVED, certificate, method=how)

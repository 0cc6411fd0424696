"""One hidden layer, one output: certified minima of cells and the certified global minimum.

MATH.md section 5. A network's neurons each lie in one block (a realisable neuron pattern and the
sign of its output weight), and the risk over any set of blocks is a convex program
(:mod:`losscert.verifier.cell_minimum`). So:

* ``cell_global_min``: the program over both signs of each neuron's own pattern bounds R on the
  closure of the point's cell; when the bound reaches R(theta*), theta* minimises R there. The
  point itself is tried first (:mod:`losscert.verifier.point_bound`: the KKT conditions at its
  own outputs, no program): at a cell minimum they hold with zero multipliers.
* ``global_min``: the program over every realisable block (the relaxation: any width) bounds R
  everywhere (again the point itself first, route "point"); when its solution uses at most d_1
  blocks it is attained by a network of width d_1 (the certified global minimum and its
  witness). Otherwise every choice of d_1 blocks gets its own program (the exact route; its
  count is C(2m, d_1)), heaviest blocks of the relaxation first, and the minimum over them is
  the global minimum; the route stops at the first choice attained at the relaxation's bound.
* ``not_global_min``: a witness network of lower risk, replayed exactly.
* ``global_lower_bound``: the relaxation's bound, for any width, when nothing better is known.

Every PROVED / REFUTED verdict goes through :func:`certified`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from itertools import combinations, product
from typing import Any

from losscert.encodings.arrangement import neuron_regions, sparse_arrangement_step
from losscert.encodings.cell_counts import enumeration_over_budget
from losscert.encodings.cell_programs import Block, augmented, block_outputs
from losscert.encodings.cells import locate_cell
from losscert.encodings.exact_linear import solve_with_free
from losscert.errors import InputError, UnsupportedError
from losscert.model.activation import Activation
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.model.rationals import rational_string
from losscert.progress import Progress
from losscert.verifier.attaining import attaining_network, limit_blocks
from losscert.verifier.cell_minimum import (
    CONVEX_LOSSES,
    BlockBound,
    block_bound_step,
    minimise_over_blocks,
    witness_network,
)
from losscert.verifier.cell_refutation import refute_cell_global_min
from losscert.verifier.certificate import certified, new_certificate, rationals
from losscert.verifier.infimum import infimum_not_attained
from losscert.verifier.point_bound import bound_at_point, sign_symmetric_bound
from losscert.verifier.verdict import Status, Verdict

MAX_SUBSETS = 5000
"""The most d_1-subsets of blocks the exact route solves (each one convex program)."""
MAX_SIGN_NEURONS_1_0 = 16
"""A version 1.0 checker accepts cell_global_min for at most this many neurons (it enumerates
the 2^{d_1} sign vectors); one step over both signs of every pattern needs version 1.1."""


@dataclass(frozen=True)
class GlobalResult:
    """What ``losscert global`` reports.

    ``verdict`` is about the problem's point (global_min PROVED, not_global_min REFUTED, or
    UNKNOWN). ``minimum`` is the certified global minimum when a witness attains the certified
    bound; ``lower_bound`` a certified lower bound on the risk of every network of this width
    (of any width when ``route`` is "relaxation" or "point": the KKT conditions at the point
    itself, no program solved).
    """

    verdict: Verdict
    minimum: Fraction | None
    lower_bound: Fraction | None
    witness: Network | None
    patterns: int
    programs: int
    route: str
    bound_certificate: dict[str, Any] | None = field(default=None, repr=False)
    interrupted: bool = False  # Ctrl-C in the exact route: what was certified before it is kept
    minimum_certificate: dict[str, Any] | None = field(default=None, repr=False)
    """When ``minimum`` is reported: a ``global_min`` certificate at the network attaining it (the
    problem with ``witness`` as its point, or the point itself), accepted by the checker."""
    infimum: Fraction | None = None
    """When no network of this width attains the infimum: its value, backed by the checked
    ``infimum_not_attained`` certificate ``infimum_certificate`` (then ``minimum`` is None)."""
    infimum_certificate: dict[str, Any] | None = field(default=None, repr=False)
    infimum_attained: bool | None = None
    """False when ``infimum_certificate`` is ``infimum_not_attained``; None when it is
    ``global_infimum`` (the value is exact, no attaining network was found nor excluded)."""


def require_one_hidden_layer(problem: Problem) -> None:
    """UnsupportedError unless the problem is one hidden layer, one output, a convex loss."""
    net = problem.network
    if net.depth != 2:
        raise UnsupportedError(
            f"the one-hidden-layer route needs exactly one hidden layer; the network has "
            f"{net.depth - 1} (widths {list(net.widths)})"
        )
    if net.output_dim != 1:
        raise UnsupportedError(
            f"the one-hidden-layer route needs one output (d_Y = 1), got d_Y = {net.output_dim}: "
            "for d_Y > 1, V_r = c_r w_r^T is rank one and the cell program is not convex"
        )
    if problem.loss.kind not in CONVEX_LOSSES:
        raise UnsupportedError(f"no exact convex program for the {problem.loss.kind} loss")


def _labels(problem: Problem) -> list[Fraction]:
    return [row[0] for row in problem.data.label_rows()]


def _minimise(problem: Problem, blocks: list[Block]) -> BlockBound:
    return minimise_over_blocks(
        blocks,
        problem.data.input_rows(),
        _labels(problem),
        problem.network.activation,
        problem.loss,
    )


def _risk_step(problem: Problem) -> dict[str, Any]:
    return {"id": "risk", "kind": "risk", "value": rational_string(problem.risk())}


def certify_cell_global_min(problem: Problem, max_sign_vectors: int = 1024) -> Verdict:
    """PROVED when theta* minimises R over the closure of its cell; else UNKNOWN with the bound.

    One program over both signs of every neuron's pattern first (a relaxation: it lets a pattern
    carry an output weight of each sign); when its bound is below R(theta*), one program per sign
    vector of the output weights (2^{d_1}, at most ``max_sign_vectors``), whose least bound is the
    exact minimum over the closed cell.
    """
    claim = "cell_global_min"
    if problem.network.depth > 2:  # deeper: the lifted gradient (3.24), when it is zero
        return _deep_cell_global_min(problem)
    try:
        require_one_hidden_layer(problem)
        cell = locate_cell(problem)
        if cell.on_boundary:
            raise UnsupportedError(
                "the point is on a cell boundary; cell_global_min is stated for interior points"
            )
        patterns = [tuple(int(k or 0) for k in neuron) for neuron in cell.pieces[0]]
        both = sorted({Block(p, s) for p in patterns for s in (1, -1)})
        risk = problem.risk()
        relaxation, method = _cell_relaxation(problem, both, risk)
    except UnsupportedError as exc:
        return Verdict(Status.UNKNOWN, claim, reason="unsupported", detail=str(exc))
    solved = method == "cell convex programs"
    bounds = [relaxation]
    if risk > relaxation.bound:
        if 2 ** len(patterns) > max_sign_vectors:
            return Verdict(
                Status.UNKNOWN,
                claim,
                reason="budget",
                detail=f"2^{len(patterns)} sign vectors exceed the limit {max_sign_vectors}",
                stats={"cell_relaxation_bound": relaxation.bound, "risk": risk},
            )
        seen: set[tuple[Block, ...]] = set()
        bounds = []
        for signs in product((1, -1), repeat=len(patterns)):
            blocks = tuple(sorted({Block(p, s) for p, s in zip(patterns, signs, strict=True)}))
            if blocks in seen:
                continue
            seen.add(blocks)
            try:
                bounds.append(_minimise(problem, list(blocks)))
            except UnsupportedError as exc:
                return Verdict(Status.UNKNOWN, claim, reason="unsupported", detail=str(exc))
    lowest = min(b.bound for b in bounds)
    programs = int(solved) + (len(bounds) if risk > relaxation.bound else 0)
    stats = {"cell_minimum_bound": lowest, "risk": risk, "programs": programs}
    if risk > lowest:
        return refute_cell_global_min(problem, cell, bounds, stats)
    evidence = [
        _risk_step(problem),
        {
            "id": "cell",
            "kind": "cell",
            "pattern": [[list(n) for n in layer] for layer in cell.pieces],
            "margin": None if cell.margin is None else rational_string(cell.margin),
        },
        *(block_bound_step(b, f"bound{i}") for i, b in enumerate(bounds)),
    ]
    certificate = new_certificate(problem, claim, evidence, {"method": method})
    if len(bounds) == 1 and len(patterns) > MAX_SIGN_NEURONS_1_0:
        certificate["minor"] = max(certificate.get("minor", 0), 1)  # the 1.1 one-step cover
    return certified(claim, Status.PROVED, certificate, **stats)


def _deep_cell_global_min(problem: Problem) -> Verdict:
    """Two or more hidden layers: PROVED by a zero lifted gradient at a point inside its cell
    (R >= R(theta*) on the whole cell, docs/certificate.md 3.24), else UNKNOWN: the cell's
    polynomial is not convex in its monomials, and no other argument is built."""
    from losscert.verifier.lifted import lifted_verdict

    notes: list[str] = []
    verdict = lifted_verdict(problem, say=notes.append, claim="cell_global_min")
    if verdict is not None:
        return verdict
    why = notes[-1] if notes else f"the {problem.loss.kind} loss is not supported"
    return Verdict(
        Status.UNKNOWN,
        "cell_global_min",
        reason="unsupported",
        detail=f"more than one hidden layer and no zero lifted gradient ({why})",
    )


def _cell_relaxation(problem: Problem, both: list[Block], risk: Fraction) -> tuple[BlockBound, str]:
    """The bound over both signs of the cell's patterns, and how it was found: the KKT
    conditions at the point (a cell minimum), else exact least squares over the cell's span
    (squared losses: both signs make the program unconstrained), else the convex program."""
    at_point = bound_at_point(problem, both)
    if at_point is not None and at_point.bound >= risk:
        return at_point, "KKT at the point"
    exact = sign_symmetric_bound(problem, both)
    if exact is not None:
        return exact, "exact least squares over the cell's span"
    return _minimise(problem, both), "cell convex programs"


def cell_minimum(problem: Problem, max_sign_vectors: int = 1024) -> tuple[Fraction, Network | None]:
    """The exact minimum of R over the closure of the point's cell, and a network attaining it
    (None when the minimising program's solution has no network form). UnsupportedError when
    the problem is out of scope or a program could not be certified."""
    require_one_hidden_layer(problem)
    cell = locate_cell(problem)
    if cell.on_boundary:
        raise UnsupportedError("the point is on a cell boundary")
    patterns = [tuple(int(k or 0) for k in neuron) for neuron in cell.pieces[0]]
    return pattern_cell_minimum(problem, patterns, max_sign_vectors)


def pattern_cell_minimum(
    problem: Problem, patterns: list[tuple[int, ...]], max_sign_vectors: int = 1024
) -> tuple[Fraction, Network | None]:
    """The exact minimum of R over the closed cell where neuron r has pattern ``patterns[r]``
    (the problem's point is not used), and a network attaining it or None."""
    require_one_hidden_layer(problem)
    if 2 ** len(patterns) > max_sign_vectors:
        raise UnsupportedError(f"2^{len(patterns)} sign vectors exceed {max_sign_vectors}")
    best: tuple[Fraction, Network | None] | None = None
    net = problem.network
    for signs in product((1, -1), repeat=len(patterns)):
        blocks = sorted({Block(p, s) for p, s in zip(patterns, signs, strict=True)})
        found = _minimise(problem, blocks)
        if best is None or found.bound < best[0]:
            best = (found.bound, _attaining(problem, found, net.widths[1], net.input_dim))
    assert best is not None
    return best


def snap_to_cell_minimum(problem: Problem) -> Network | None:
    """An exact minimiser of R over the closure of the point's cell near the point, inside the
    same open cell with the same output-weight signs; None when none is found.

    For a point found by float descent: the program of the point's own sign vector gives the
    exact optimal outputs o*; then the exact parameters with outputs o* closest (in the free
    coordinates) to the point's own (c_r w~_r, c_r) are solved for, and kept only if every
    neuron stays in its open region with its sign and the risk equals the certified bound.
    """
    require_one_hidden_layer(problem)
    cell = locate_cell(problem)
    if cell.on_boundary:
        return None
    net = problem.network
    act = net.activation
    w1, b1 = net.weights(1), net.biases(1)
    c = net.weights(2)[0]
    patterns = [tuple(int(k or 0) for k in neuron) for neuron in cell.pieces[0]]
    if any(v == 0 for v in c):
        return None
    blocks = sorted({Block(p, 1 if v > 0 else -1) for p, v in zip(patterns, c, strict=True)})
    found = _minimise(problem, blocks)
    xs = augmented(problem.data.input_rows())
    width = len(xs[0]) + 1
    # Unknowns: z_r = (v_r, c_r) per neuron, then b_2; equations: outputs = o*.
    columns: list[list[Fraction]] = []
    free: list[Fraction] = []
    for r, pattern in enumerate(patterns):
        m = block_outputs(Block(pattern, 1), xs, act)
        for j in range(width):
            columns.append([row[j] for row in m])
        free.extend([c[r] * a for a in [*w1[r], b1[r]]] + [c[r]])
    columns.append([Fraction(1)] * len(xs))
    free.append(net.biases(2)[0])
    matrix = [list(row) for row in zip(*columns, strict=True)]
    for limit in (10, 1000, 10**6, None):  # simple numbers first, when they stay in the cell
        start = free if limit is None else [v.limit_denominator(limit) for v in free]
        snapped = _network_with_outputs(matrix, list(found.outputs), start, len(patterns), act)
        if snapped is None:
            continue
        moved = problem.with_network(snapped)
        new_cell = locate_cell(moved)
        signs = snapped.weights(2)[0]
        same_signs = all((a > 0) == (b > 0) for a, b in zip(signs, c, strict=True))
        inside = not new_cell.on_boundary and new_cell.pieces == cell.pieces and same_signs
        if inside and moved.risk() == found.bound:
            return snapped
    return None


def _network_with_outputs(
    matrix: list[list[Fraction]],
    outputs: list[Fraction],
    free: list[Fraction],
    hidden: int,
    act: Activation,
) -> Network | None:
    """Solve (c_r w~_r, c_r, b_2) from the outputs (free coordinates given); None if some c_r = 0."""
    z = solve_with_free(matrix, outputs, free)
    if z is None:
        return None
    width = (len(z) - 1) // hidden
    weights, biases, outs = [], [], []
    for r in range(hidden):
        part = z[r * width : (r + 1) * width]
        if part[-1] == 0:
            return None
        w = [v / part[-1] for v in part[:-1]]
        weights.append(w[:-1])
        biases.append(w[-1])
        outs.append(part[-1])
    return Network.from_rationals([weights, [outs]], [biases, [z[-1]]], act)


def certify_global_min(
    problem: Problem,
    *,
    max_subsets: int = MAX_SUBSETS,
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
    route: str = "auto",
    deadline: float | None = None,
) -> GlobalResult:
    """The certified global minimum (or a bound) and the verdict for the problem's point.

    ``route`` "subsets" skips the relaxation's shortcut and solves one program per choice of d_1
    blocks (the brute-force baseline of the benchmark); ``deadline`` (time.perf_counter()) stops
    the per-subset enumeration with UNKNOWN("timeout").
    """
    if route not in ("auto", "subsets"):
        raise InputError(f"route must be 'auto' or 'subsets', got {route!r}")
    say = progress or (lambda _message: None)
    claim = "global_min"
    try:
        require_one_hidden_layer(problem)
        net = problem.network
        over = enumeration_over_budget(problem.data.n, net.input_dim, net.activation.breakpoints)
        if over is not None:
            verdict = Verdict(Status.UNKNOWN, claim, reason="budget", detail=over)
            return GlobalResult(verdict, None, None, None, 0, 0, "none")
        say("enumerating the realisable neuron patterns")
        arrangement = neuron_regions(
            problem.data.input_rows(), list(net.activation.breakpoints), executor=executor
        )
        blocks = [Block(r.pattern, s) for r in arrangement.regions for s in (1, -1)]
        risk = problem.risk()
        at_point = bound_at_point(problem, blocks) if route == "auto" else None
        solved = at_point is None or at_point.bound < risk
        if solved:
            say(
                f"{len(arrangement.regions)} patterns, {len(blocks)} blocks: solving the relaxation"
            )
        relaxation = _global_relaxation(problem, blocks) if solved else at_point
    except UnsupportedError as exc:
        verdict = Verdict(Status.UNKNOWN, claim, reason="unsupported", detail=str(exc))
        return GlobalResult(verdict, None, None, None, 0, 0, "none")
    assert relaxation is not None
    hidden, d_x = net.widths[1], net.input_dim
    regions = sparse_arrangement_step(arrangement, "regions")
    bound_certificate = new_certificate(
        problem,
        "global_lower_bound",
        [regions, block_bound_step(relaxation)],
        {"method": "relaxation over every realisable block"},
    )
    bound_certificate["claim"]["bound"] = rational_string(relaxation.bound)
    report = partial(
        GlobalResult, patterns=len(arrangement.regions), bound_certificate=bound_certificate
    )
    witness = _attaining(problem, relaxation, hidden, d_x, blocks, deadline)
    if route == "auto" and (witness is not None or risk <= relaxation.bound):
        minimum = relaxation.bound if witness is not None else risk
        bound_steps = [regions, block_bound_step(relaxation)]
        verdict = _point_verdict(
            problem, risk <= relaxation.bound, bound_steps, witness, "relaxation"
        )
        backed = _minimum_certificate(problem, witness, bound_steps, verdict, "relaxation")
        return report(
            verdict=verdict,
            minimum=minimum if backed is not None else None,
            minimum_certificate=backed,
            lower_bound=relaxation.bound,
            witness=witness,
            programs=int(solved),
            route="relaxation" if solved else "point",
        )
    if route == "auto" and limit_blocks(relaxation) and len(relaxation.used_blocks) <= hidden:
        # at most d_1 blocks, some at c = 0, and no network found: is the infimum not attained?
        limit = infimum_not_attained(
            problem, regions, [relaxation], relaxation, blocks, deadline=deadline
        )
        if limit is not None:
            below = None if limit[1] is None else net.with_parameters(limit[1])
            bound_steps = [regions, block_bound_step(relaxation)]
            return report(
                verdict=_point_verdict(problem, False, bound_steps, below, "limit family"),
                minimum=None,
                lower_bound=relaxation.bound,
                witness=None,
                programs=int(solved),
                route="relaxation",
                infimum=relaxation.bound,
                infimum_certificate=limit[0].certificate,
                infimum_attained=False,
            )
    # The relaxation uses more than d_1 blocks: one program per choice of d_1 blocks.
    size = min(hidden, len(blocks))
    count = math.comb(len(blocks), size)
    if count > max_subsets:
        verdict = Verdict(
            Status.UNKNOWN,
            claim,
            reason="budget",
            detail=(
                f"the relaxation's bound {relaxation.bound} needs more than {hidden} neurons; the "
                f"exact route would solve {count} programs (limit {max_subsets})"
            ),
        )
        return report(
            verdict=verdict,
            minimum=None,
            lower_bound=relaxation.bound,
            witness=None,
            programs=1,
            route="relaxation",
        )
    say(f"the relaxation needs more than {hidden} neurons: solving {count} programs")
    steps: list[dict[str, Any]] = []
    best: tuple[Fraction, Network] | None = None
    lowest: Fraction | None = None
    failed = 0
    early = route == "auto"  # the brute-force baseline solves every subset
    attained = False
    founds: list[BlockBound] = []  # every subset's program (for the infimum certificate)
    ticker = Progress(say, "global", count, unit="programs")

    def stopped(reason: str, *, interrupted: bool) -> GlobalResult:
        """Stopped before every subset was solved (deadline or Ctrl-C): what was certified is
        kept, the relaxation's bound and a lower network (a not_global_min refutation) if any."""
        done = len(steps) + failed
        witness = None if best is None else best[1]
        verdict = _point_verdict(problem, False, [regions, *steps], witness, "subsets")
        if verdict.status is Status.UNKNOWN:
            how = "interrupted" if interrupted else "stopped at the deadline"
            detail = f"{how} after {done} of {count} programs"
            verdict = Verdict(Status.UNKNOWN, claim, reason=reason, detail=detail)
        return report(
            verdict=verdict,
            minimum=None,
            lower_bound=relaxation.bound,
            witness=witness,
            programs=1 + done,
            route="subsets",
            interrupted=interrupted,
        )

    try:
        for subset in combinations(_by_weight(blocks, relaxation), size):
            index = len(steps) + failed
            if deadline is not None and time.perf_counter() > deadline:
                return stopped("timeout", interrupted=False)
            try:
                found = _minimise(problem, list(subset))
            except UnsupportedError:
                failed += 1
                continue
            steps.append(block_bound_step(found, f"bound{index}"))
            lowest = found.bound if lowest is None else min(lowest, found.bound)
            founds.append(found)
            useful = best is None or found.bound < best[0]  # search only below the best so far
            candidate = _attaining(
                problem, found, hidden, d_x, list(subset) if useful else None, deadline
            )
            if candidate is not None and (best is None or found.bound < best[0]):
                best = (found.bound, candidate)
            ticker.update(index + 1, None if best is None else _lowest_so_far(best[0]))
            if early and candidate is not None and found.bound == relaxation.bound:
                attained = True  # a width-d_1 network attains the bound proven for every width
                count = index + 1
                break
    except KeyboardInterrupt:  # keep what is certified: the bound, and a lower network if any
        return stopped("budget", interrupted=True)
    lower: Fraction = relaxation.bound
    if not failed and lowest is not None and not attained:
        lower = max(lowest, relaxation.bound)
    exact = best[0] if best is not None and best[0] == lower else None
    provable = not attained and not failed and lowest is not None and lowest >= risk
    verdict = _point_verdict(
        problem, provable, [regions, *steps], None if best is None else best[1], "subsets"
    )
    if verdict.status is Status.UNKNOWN and failed:
        verdict = Verdict(
            Status.UNKNOWN,
            claim,
            reason="unsupported",
            detail=f"{failed} of {count} programs could not be certified exactly",
        )
    infimum = None
    level = [f for f in founds if f.bound == lower]
    closest = next((f for f in level if f.parts is not None), None)
    if exact is None and not failed and not attained and closest is not None:
        higher = [f for f in founds if f.bound > lower]
        infimum = infimum_not_attained(
            problem, regions, level, closest, blocks, higher, steps, deadline=deadline
        )
        if infimum is not None and verdict.status is Status.UNKNOWN and infimum[1] is not None:
            below = net.with_parameters(infimum[1])  # a member of the family below R(theta*)
            verdict = _point_verdict(problem, False, [regions], below, "limit family")
    backed = None
    if exact is not None and best is not None:  # the relaxation's step covers an attained bound
        steps_at_minimum = [regions, block_bound_step(relaxation), *steps]
        backed = _minimum_certificate(problem, best[1], steps_at_minimum, verdict, "subsets")
    return report(
        verdict=verdict,
        minimum=exact if backed is not None else None,
        minimum_certificate=backed,
        lower_bound=lower,
        witness=None if best is None else best[1],
        programs=1 + count,
        route="subsets",
        infimum=None if infimum is None else lower,
        infimum_certificate=None if infimum is None else infimum[0].certificate,
        infimum_attained=None if infimum is None or infimum[0].claim == "global_infimum" else False,
    )


def _global_relaxation(problem: Problem, blocks: list[Block]) -> BlockBound:
    """The program over every block; when its float answer cannot be rounded, the same bound by
    exact least squares (squared losses; no decomposition into blocks, so no witness from it)."""
    try:
        return _minimise(problem, blocks)
    except UnsupportedError:
        exact = sign_symmetric_bound(problem, blocks)
        if exact is None:
            raise
        return exact


def _by_weight(blocks: list[Block], relaxation: BlockBound) -> list[Block]:
    """The blocks in the order the exact route tries them: those the relaxation's solution
    weighs most first (combinations of a list come out with its first entries first), so a
    subset that attains the relaxation's bound tends to come early. Unchanged when the
    relaxation has no exact solution to read."""
    if relaxation.parts is None:
        return blocks
    weight = {
        b: max((abs(v) for v in z), default=Fraction(0))
        for b, z in zip(relaxation.blocks, relaxation.parts, strict=True)
    }
    return sorted(blocks, key=lambda b: -weight.get(b, Fraction(0)))


def _minimum_certificate(
    problem: Problem,
    witness: Network | None,
    bound_steps: list[dict[str, Any]],
    verdict: Verdict,
    route: str,
) -> dict[str, Any] | None:
    """A checked ``global_min`` certificate at the network that attains the reported minimum: the
    point's own when it is that network, else one at ``witness`` (the problem with the witness as
    its point, the same bound steps). None when the checker does not accept it."""
    if verdict.status is Status.PROVED and verdict.claim == "global_min":
        return verdict.certificate  # the point is a global minimum: its risk is the minimum
    if witness is None:
        return None
    at_minimum = _point_verdict(problem.with_network(witness), True, bound_steps, None, route)
    return at_minimum.certificate if at_minimum.status is Status.PROVED else None


def _lowest_so_far(risk: Fraction) -> str:
    return f"lowest network so far R = {rational_string(risk)} (~{float(risk):.6g})"


def _attaining(
    problem: Problem,
    bound: BlockBound,
    hidden: int,
    d_x: int,
    universe: list[Block] | None = None,
    deadline: float | None = None,
) -> Network | None:
    """A network of width ``hidden`` whose exact risk equals the bound, or None. When the
    optimum's own decomposition is no network (a limit at c = 0: non-homogeneous activations)
    and ``universe`` is given, a network with the same outputs is searched for
    (:mod:`losscert.verifier.attaining`), with one more block of ``universe`` where the width
    allows."""
    act = problem.network.activation
    network = witness_network(bound, act, hidden, d_x)
    if network is None and bound.parts is not None and universe is not None:
        inputs = problem.data.input_rows()
        network = attaining_network(bound, inputs, act, hidden, universe, deadline)
    if network is None or problem.with_network(network).risk() != bound.bound:
        return None
    return network


def _point_verdict(
    problem: Problem,
    provable: bool,
    bound_steps: list[dict[str, Any]],
    witness: Network | None,
    route: str,
) -> Verdict:
    """global_min PROVED when the bound steps reach R(theta*) (``provable``); else not_global_min
    REFUTED when the witness is lower; else UNKNOWN."""
    risk = problem.risk()
    risk_step = _risk_step(problem)
    if provable:
        certificate = new_certificate(
            problem, "global_min", [risk_step, *bound_steps], {"method": route}
        )
        return certified("global_min", Status.PROVED, certificate, route=route)
    if witness is not None:
        witness_risk = problem.with_network(witness).risk()
        if witness_risk < risk:
            evidence = [
                risk_step,
                {
                    "id": "lower",
                    "kind": "lower_point",
                    "uses": ["risk"],
                    "point": rationals(witness.parameter_vector()),
                    "risk": rational_string(witness_risk),
                },
            ]
            certificate = new_certificate(
                problem, "not_global_min", evidence, {"method": route, "witness": "global minimum"}
            )
            return certified("not_global_min", Status.REFUTED, certificate, minimum=witness_risk)
    lowest = min(
        (Fraction(s["bound"]) for s in bound_steps if s["kind"] == "convex_lower_bound"),
        default=None,
    )
    return Verdict(
        Status.UNKNOWN,
        "global_min",
        reason="unsupported",
        detail=f"certified lower bound {lowest} < R(theta*) = {risk} and no lower network found",
    )

"""The activation patterns one hidden neuron can realise on the data (MATH.md section 5).

A neuron has weights w~ = [w; b] (bias last) and sees x~_i = [x_i; 1]. With breakpoints
p_0 < ... < p_{K-1} (``Activation.breakpoints``), piece k is the open interval (p_{k-1}, p_k)
(unbounded at the ends), as in :class:`losscert.model.activation.Activation`. The *pattern* of
w~ is the tuple of pieces of w~ . x~_i over the samples; a pattern is *realisable* when its open
set of w~ is non-empty: these are the full-dimensional regions of the arrangement of hyperplanes
{w~ . x~_i = p_k}. Their closures cover the space, so listing them lists every cell a
one-hidden-layer network can be in, up to boundaries.

Construction: incremental, sample by sample, depth first (so patterns come out in lexicographic
order, and lazily). A region of the first j samples is split by sample j's hyperplanes. Its
witness w0 already lies in one child (or on a breakpoint, and then, moved a little along x~_j, in
the two children next to it); the other children are decided outwards from there by a float LP
with a margin (HiGHS), made exact: a witness is kept only if its strict inequalities hold
exactly, an empty child needs an exact Farkas vector (rounded from the LP duals, else found by
:mod:`losscert.encodings.strict_systems`). The children of a region are contiguous in k (the
region's image under w~ -> w~ . x~_j is an open interval), so once a child is empty, the next
ones outward are empty too, with the same Farkas vector moved to their own constraint. And a
child is often emptied by the same few constraints as a neighbouring region's child for the same
sample and piece: such remembered Farkas vectors are tried first (their constraints must all be
the child's own, then the same multipliers prove it), which saves about half the LPs.

Strict constraints of a prefix (the order of :class:`PrunedPrefix` and the certificate step):
for each sample i with piece k, first ``w~ . x~_i > p_{k-1}`` if k > 0, then
``-w~ . x~_i > -p_k`` if k < K.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from losscert.backends.highs_adapter import HighsAdapter, LinearProgram, LpAnswer
from losscert.encodings.arrangement_rays import ray_patterns
from losscert.encodings.arrangement_vertices import vertex_patterns
from losscert.encodings.cell_counts import general_position_count
from losscert.encodings.strict_systems import (
    decide_strict,
    farkas_on_support,
    integral,
    is_farkas,
)
from losscert.errors import InputError
from losscert.model.rationals import rational_string

__all__ = [
    "NeuronArrangement",
    "NeuronRegion",
    "PrunedPrefix",
    "arrangement_step",
    "general_position_count",
    "iter_neuron_patterns",
    "neuron_regions",
    "prefix_constraints",
    "sample_constraints",
    "sparse_arrangement_step",
]

LP_TIME_LIMIT = 60.0
UNITS = 64
"""Subtrees handed out as units of work (to an executor, and for progress)."""
MARGIN_TOLERANCE = 1e-9
"""Search only: an LP margin above this is rounded to a witness, below it to a Farkas vector."""
DUAL_TOLERANCE = 1e-9
RECENT = 16
"""Farkas supports remembered per (sample, piece)."""


@dataclass(frozen=True)
class NeuronRegion:
    pattern: tuple[int, ...]  # piece index per sample
    witness: tuple[Fraction, ...]  # w~ (d_X+1 entries, bias last), STRICTLY inside the region


@dataclass(frozen=True)
class PrunedPrefix:
    prefix: tuple[int, ...]  # piece indices of samples 0..j-1 (j >= 1)
    farkas: tuple[Fraction, ...]  # multipliers, one per strict constraint of the prefix


@dataclass(frozen=True)
class NeuronArrangement:
    regions: tuple[NeuronRegion, ...]  # ALL realisable patterns, each once (lexicographic order)
    pruned: tuple[PrunedPrefix, ...]  # emptiness proofs: every child of a realisable prefix
    #                                   that is not itself realisable (lexicographic order)


# --- the data, prepared once ----------------------------------------------------------------

_Constraint = tuple[int, int, int]
"""(sample i, sign s, breakpoint index q): the inequality s w~ . x~_i > s p_q."""


@dataclass(frozen=True)
class _Data:
    """The samples x~_i and breakpoints, exact and in floats, with every constraint's row made
    once: ``exact[(i, s, q)] = (s x~_i, s p_q)`` and ``lp_rows[(i, s)]`` its margin-LP row; and
    ``int_rows[i] = scale x~_i`` in integers (one common denominator) for fast exact checks."""

    points: tuple[tuple[Fraction, ...], ...]  # x~_i
    breakpoints: tuple[Fraction, ...]
    float_points: tuple[tuple[float, ...], ...]
    float_breakpoints: tuple[float, ...]
    exact: dict[_Constraint, tuple[tuple[Fraction, ...], Fraction]] = field(
        init=False, repr=False, compare=False
    )
    lp_rows: dict[tuple[int, int], list[tuple[int, float]]] = field(
        init=False, repr=False, compare=False
    )
    int_rows: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    scaled_breakpoints: tuple[Fraction, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dim = len(self.points[0])
        exact, lp_rows = {}, {}
        for i, point in enumerate(self.points):
            for sign in (1, -1):
                row = tuple(sign * v for v in point)
                for q, p in enumerate(self.breakpoints):
                    exact[(i, sign, q)] = (row, sign * p)
                floats = self.float_points[i]
                lp_rows[(i, sign)] = [*((c, sign * floats[c]) for c in range(dim)), (dim, -1.0)]
        object.__setattr__(self, "exact", exact)
        object.__setattr__(self, "lp_rows", lp_rows)
        scale = math.lcm(*(v.denominator for x in self.points for v in x))
        object.__setattr__(
            self, "int_rows", tuple(tuple(int(v * scale) for v in x) for x in self.points)
        )
        object.__setattr__(self, "scaled_breakpoints", tuple(p * scale for p in self.breakpoints))

    @property
    def dim(self) -> int:
        return len(self.points[0])

    def constraint(self, c: _Constraint) -> tuple[tuple[Fraction, ...], Fraction]:
        return self.exact[c]


def sample_constraints(i: int, piece: int, num_breakpoints: int) -> tuple[_Constraint, ...]:
    """The strict constraints of "sample i in piece ``piece``", in the order of the module doc."""
    out: list[_Constraint] = []
    if piece > 0:
        out.append((i, 1, piece - 1))
    if piece < num_breakpoints:
        out.append((i, -1, piece))
    return tuple(out)


def prefix_constraints(
    inputs: Sequence[Sequence[Fraction]], breakpoints: Sequence[Fraction], prefix: Sequence[int]
) -> tuple[list[tuple[Fraction, ...]], list[Fraction]]:
    """(rows a_m, right-hand sides b_m) of the prefix's strict constraints a_m . w~ > b_m."""
    data = _prepare(inputs, breakpoints)
    rows, rhs = [], []
    for i, piece in enumerate(prefix):
        for c in sample_constraints(i, piece, len(breakpoints)):
            a, b = data.constraint(c)
            rows.append(a)
            rhs.append(b)
    return rows, rhs


def _prepare(inputs: Sequence[Sequence[Fraction]], breakpoints: Sequence[Fraction]) -> _Data:
    if len(inputs) == 0:
        raise InputError("neuron_regions: the data set has no samples (n = 0)")
    d_x = len(inputs[0])
    if d_x == 0:
        raise InputError("neuron_regions: inputs[0] has no entries (d_X = 0)")
    for i, x in enumerate(inputs):
        if len(x) != d_x:
            raise InputError(
                f"neuron_regions: inputs[{i}] has {len(x)} entries, inputs[0] has {d_x}"
            )
    bps = tuple(Fraction(p) for p in breakpoints)
    for k in range(len(bps) - 1):
        if not bps[k] < bps[k + 1]:
            raise InputError(
                f"neuron_regions: breakpoints must be strictly increasing, but breakpoints[{k}] = "
                f"{bps[k]} is not below breakpoints[{k + 1}] = {bps[k + 1]}"
            )
    points = tuple((*(Fraction(v) for v in x), Fraction(1)) for x in inputs)
    try:
        float_points = tuple(tuple(float(v) for v in x) for x in points)
        float_bps = tuple(float(p) for p in bps)
    except OverflowError as exc:
        raise InputError(
            f"neuron_regions: an input or breakpoint is beyond the float range ({exc}); "
            "rescale the data"
        ) from exc
    return _Data(points, bps, float_points, float_bps)


# --- one node of the prefix tree ------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """A realisable prefix, a witness strictly inside it and its constraints."""

    prefix: tuple[int, ...]
    witness: tuple[Fraction, ...]
    constraints: tuple[_Constraint, ...]


def _dot(x: Sequence[Fraction], w: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(x, w, strict=True)), Fraction(0))


def _inside(data: _Data, constraints: Iterable[_Constraint], w: Sequence[Fraction]) -> bool:
    """Every constraint holds strictly at w, exactly: with w = W / q and x~_i = rows_i / scale,
    s x~_i . w > s p  iff  s (rows_i . W) > s p scale q, in integers but for p."""
    q = math.lcm(*(v.denominator for v in w))
    big_w = [int(v * q) for v in w]
    thresholds = [p * q for p in data.scaled_breakpoints]
    values: dict[int, int] = {}
    for i, sign, bp in constraints:
        if i not in values:
            values[i] = sum(a * b for a, b in zip(data.int_rows[i], big_w, strict=True))
        if not (values[i] > thresholds[bp] if sign > 0 else values[i] < thresholds[bp]):
            return False
    return True


def _split(data: _Data, node: _Node, lp: _Solver) -> list[_Node | PrunedPrefix]:
    """The children of ``node`` for sample j = len(prefix), in order k = 0..K."""
    j, num_bp = len(node.prefix), len(data.breakpoints)
    x = data.points[j]
    v0 = _dot(x, node.witness)
    children: dict[int, _Node | PrunedPrefix] = {}
    k0 = bisect.bisect_left(data.breakpoints, v0)
    if k0 < num_bp and data.breakpoints[k0] == v0:  # on breakpoint k0: pieces k0 and k0 + 1
        for piece, direction in ((k0, -1), (k0 + 1, 1)):
            children[piece] = _nudged(data, node, piece, direction)
        up, down = k0 + 2, k0 - 1
    else:
        children[k0] = _child(data, node, k0, node.witness)
        up, down = k0 + 1, k0 - 1
    for start, step in ((up, 1), (down, -1)):
        k = start
        while 0 <= k <= num_bp:
            found = _decide_child(data, node, k, lp)
            children[k] = found
            k += step
            if isinstance(found, PrunedPrefix):
                while 0 <= k <= num_bp:  # farther out is empty too
                    children[k] = _moved_farkas(data, node, found, k)
                    k += step
    return [children[k] for k in range(num_bp + 1)]


def _child(data: _Data, node: _Node, piece: int, witness: tuple[Fraction, ...]) -> _Node:
    j = len(node.prefix)
    constraints = node.constraints + sample_constraints(j, piece, len(data.breakpoints))
    return _Node((*node.prefix, piece), witness, constraints)


def _nudged(data: _Data, node: _Node, piece: int, direction: int) -> _Node:
    """The witness moved by +-2^-e x~_j: off the breakpoint, into ``piece``, still inside."""
    x = data.points[len(node.prefix)]
    step = Fraction(1)
    for _ in range(4000):
        w = tuple(v + direction * step * c for v, c in zip(node.witness, x, strict=True))
        child = _child(data, node, piece, w)
        if _inside(data, child.constraints, w):
            return child
        step /= 2
    raise AssertionError("neuron_regions: no nudge off a breakpoint stays in an open region")


class _Solver:
    """The LP solver, and what recent answers teach: the sets of constraints whose Farkas
    vectors emptied a child for the same sample and piece (a neighbouring region is usually
    emptied by the same few constraints, and then by the same multipliers, with no LP)."""

    def __init__(self) -> None:
        self.lp = HighsAdapter()
        self.recent: dict[tuple[int, int], list[tuple[tuple[_Constraint, Fraction], ...]]] = {}

    def reuse(self, child: _Node) -> PrunedPrefix | None:
        """A remembered Farkas vector whose constraints are all among the child's, if any."""
        remembered = self.recent.get((len(child.prefix) - 1, child.prefix[-1]), [])
        if not remembered:
            return None
        position = {c: m for m, c in enumerate(child.constraints)}
        for support in remembered:
            if all(c in position for c, _ in support):
                farkas = [Fraction(0)] * len(child.constraints)
                for c, weight in support:
                    farkas[position[c]] = weight
                return PrunedPrefix(child.prefix, tuple(farkas))
        return None

    def remember(self, child: _Node, farkas: Sequence[Fraction]) -> None:
        support = tuple((c, v) for c, v in zip(child.constraints, farkas, strict=True) if v)
        remembered = self.recent.setdefault((len(child.prefix) - 1, child.prefix[-1]), [])
        remembered.insert(0, support)
        del remembered[RECENT:]

    def solve(self, program: LinearProgram) -> LpAnswer:
        return self.lp.solve_lp(program, LP_TIME_LIMIT)


def _decide_child(data: _Data, node: _Node, piece: int, lp: _Solver) -> _Node | PrunedPrefix:
    """An exact witness of the child, or an exact Farkas vector proving it empty."""
    candidate = _child(data, node, piece, node.witness)
    known = lp.reuse(candidate)
    if known is not None:
        return known
    found = _solve_child(data, candidate, lp)
    if isinstance(found, PrunedPrefix):
        lp.remember(candidate, found.farkas)
    return found


def _solve_child(data: _Data, candidate: _Node, lp: _Solver) -> _Node | PrunedPrefix:
    constraints = candidate.constraints
    answer = lp.solve(_margin_program(data, constraints))
    if answer.status == "optimal" and answer.x is not None:
        margin = answer.x[data.dim]
        if margin > MARGIN_TOLERANCE:
            w = _rounded_witness(data, constraints, answer.x[: data.dim], margin)
            if w is not None:
                return _Node(candidate.prefix, w, constraints)
        elif answer.row_duals is not None:
            farkas = _rounded_farkas(data, constraints, answer.row_duals)
            if farkas is not None:
                return PrunedPrefix(candidate.prefix, farkas)
    rows, rhs = zip(*(data.constraint(c) for c in constraints), strict=True)
    exact = decide_strict(rows, rhs)
    if exact.witness is not None:
        return _Node(candidate.prefix, exact.witness, constraints)
    assert exact.farkas is not None
    return PrunedPrefix(candidate.prefix, exact.farkas)


def _margin_program(data: _Data, constraints: Sequence[_Constraint]) -> LinearProgram:
    """max t  s.t.  s x~_i . w - t >= s p_q for every constraint,  t <= 1  (w free)."""
    dim = data.dim
    rows = [data.lp_rows[(i, sign)] for i, sign, _ in constraints]
    lower = [sign * data.float_breakpoints[bp] for _, sign, bp in constraints]
    return LinearProgram(
        cost=[0.0] * dim + [-1.0],
        rows=rows,
        row_lower=lower,
        row_upper=[math.inf] * len(rows),
        col_lower=[-math.inf] * (dim + 1),
        col_upper=[math.inf] * dim + [1.0],
    )


def _rounded_witness(
    data: _Data, constraints: Sequence[_Constraint], w: Sequence[float], margin: float
) -> tuple[Fraction, ...] | None:
    """A short rational near the LP's point (within margin / 4 on every constraint), checked."""
    spread = max(sum(abs(v) for v in data.float_points[i]) for i, _, _ in constraints)
    denominator = 1 << max(0, math.ceil(math.log2(2 * spread / margin)))
    tries = [tuple(Fraction(round(v * denominator), denominator) for v in w)]
    tries.append(tuple(Fraction(v) for v in w))
    for candidate in tries:
        if _inside(data, constraints, candidate):
            return candidate
    return None


def _rounded_farkas(
    data: _Data, constraints: Sequence[_Constraint], duals: Sequence[float]
) -> tuple[Fraction, ...] | None:
    """An exact Farkas vector on the support of the LP's duals, if there is one."""
    scale = max((abs(y) for y in duals), default=0.0)
    support = [m for m, y in enumerate(duals) if y > DUAL_TOLERANCE * max(scale, 1.0)]
    if not support:
        return None
    rows, rhs = zip(*(data.constraint(c) for c in constraints), strict=True)
    return farkas_on_support(rows, rhs, support)


def _moved_farkas(data: _Data, node: _Node, empty: PrunedPrefix, piece: int) -> PrunedPrefix:
    """The Farkas vector of an empty child, moved to a child farther out on the same side.

    Child k is empty because the region's values w~ . x~_j stay on one side of it; with weights
    mu_low, mu_high on its own two constraints, the region alone proves w~ . x~_j < p_{k-1}
    (upwards) with weight mu_low - mu_high > 0, which also excludes every piece above k.
    """
    j = len(node.prefix)
    num_bp = len(data.breakpoints)
    base = len(node.constraints)
    own = empty.farkas[base:]
    old_piece = empty.prefix[-1]
    old_low = own[0] if old_piece > 0 else Fraction(0)
    old_high = own[-1] if old_piece < num_bp else Fraction(0)
    new_constraints = sample_constraints(j, piece, num_bp)
    weights = []
    for _, sign, _ in new_constraints:
        upwards = piece > old_piece
        keep = old_low - old_high if upwards else old_high - old_low
        weights.append(keep if (sign == 1) == upwards else Fraction(0))
    farkas = integral([*empty.farkas[:base], *weights])
    prefix = (*node.prefix, piece)
    rows, rhs = zip(*(data.constraint(c) for c in node.constraints + new_constraints), strict=True)
    if not is_farkas(rows, rhs, farkas):
        exact = decide_strict(rows, rhs)
        if exact.farkas is None:
            raise AssertionError(f"neuron_regions: prefix {prefix} is not empty after all")
        farkas = exact.farkas
    return PrunedPrefix(prefix, farkas)


# --- walking the tree -------------------------------------------------------------------------


def _walk(
    data: _Data, roots: Iterable[_Node], depth: int, lp: _Solver
) -> Iterator[_Node | PrunedPrefix]:
    """Depth first below ``roots``: nodes of length ``depth`` and the pruned prefixes, in
    lexicographic (pre-)order."""
    stack: list[_Node | PrunedPrefix] = list(reversed(list(roots)))
    while stack:
        item = stack.pop()
        if isinstance(item, PrunedPrefix) or len(item.prefix) == depth:
            yield item
            continue
        stack.extend(reversed(_split(data, item, lp)))


def _expand_unit(data: _Data, root: _Node) -> tuple[list[NeuronRegion], list[PrunedPrefix]]:
    """One unit of work (picklable, for an executor): the whole subtree below ``root``."""
    regions, pruned = [], []
    for item in _walk(data, [root], len(data.points), _Solver()):
        if isinstance(item, PrunedPrefix):
            pruned.append(item)
        else:
            regions.append(NeuronRegion(item.prefix, item.witness))
    return regions, pruned


def _units(data: _Data, lp: _Solver, target: int) -> tuple[list[_Node], list[PrunedPrefix]]:
    """Breadth first from the empty prefix until ``target`` subtrees (or the leaves)."""
    level = [_Node((), tuple(Fraction(0) for _ in range(data.dim)), ())]
    pruned: list[PrunedPrefix] = []
    while len(level) < target and len(level[0].prefix) < len(data.points):
        following: list[_Node] = []
        for node in level:
            for child in _split(data, node, lp):
                if isinstance(child, PrunedPrefix):
                    pruned.append(child)
                else:
                    following.append(child)
        level = following
    return level, pruned


def _events(
    inputs: Sequence[Sequence[Fraction]],
    breakpoints: Sequence[Fraction],
    executor: concurrent.futures.Executor | None,
    progress: Callable[[int, int], None] | None,
    units: int,
) -> Iterator[NeuronRegion | PrunedPrefix]:
    data = _prepare(inputs, breakpoints)
    lp = _Solver()
    roots, shallow = _units(data, lp, units)
    yield from shallow
    total = len(roots)
    if progress is not None:
        progress(0, total)
    if executor is None:
        for done, root in enumerate(roots, start=1):
            lp.recent.clear()  # each unit starts afresh, as in a worker: the same answers either way
            for item in _walk(data, [root], len(data.points), lp):
                yield (
                    item
                    if isinstance(item, PrunedPrefix)
                    else NeuronRegion(item.prefix, item.witness)
                )
            if progress is not None:
                progress(done, total)
        return
    results = executor.map(_expand_unit, [data] * total, roots)
    for done, (regions, pruned) in enumerate(results, start=1):
        yield from pruned
        yield from regions
        if progress is not None:
            progress(done, total)


def iter_neuron_patterns(
    inputs: Sequence[Sequence[Fraction]],
    breakpoints: Sequence[Fraction],
    *,
    executor: concurrent.futures.Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    units: int = UNITS,
) -> Iterator[NeuronRegion]:
    """Every realisable pattern of one neuron with its exact witness, lazily, in lexicographic
    order (the order of :func:`neuron_regions`). The answer does not depend on the executor; the
    witnesses (not the patterns) may depend on ``units`` and on the method.

    Relu-like data (one breakpoint, at 0) in general position take the ray enumeration of
    :mod:`losscert.encodings.arrangement_rays`, breakpoints off 0 (hard-tanh, relu6) the vertex
    enumeration of :mod:`losscert.encodings.arrangement_vertices` (no LP; all patterns at once,
    then yielded; ``progress(1, 1)`` once, no executor). Other data take the prefix-tree search:
    ``progress(done, total)`` counts its units of work (subtrees of the prefix tree, about
    ``units`` of them); with an ``executor`` they run there."""
    _prepare(inputs, breakpoints)  # the same input errors on either path
    fast = ray_patterns(inputs, breakpoints)
    if fast is None and any(p != 0 for p in breakpoints):  # off 0: arrangement_vertices
        fast = vertex_patterns(inputs, breakpoints)
    if fast is not None:  # in general position: no LP (arrangement_rays / _vertices)
        if progress is not None:
            progress(1, 1)
        for pattern, witness in fast:
            yield NeuronRegion(pattern, witness)
        return
    for item in _events(inputs, breakpoints, executor, progress, units):
        if isinstance(item, NeuronRegion):
            yield item


def neuron_regions(
    inputs: Sequence[Sequence[Fraction]],
    breakpoints: Sequence[Fraction],
    *,
    executor: concurrent.futures.Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    units: int = UNITS,
) -> NeuronArrangement:
    """All realisable patterns of one neuron on ``inputs`` (n x d_X rationals), with a witness
    strictly inside each, and the emptiness proofs that make the list provably complete.

    Promise: every witness satisfies its pattern's strict inequalities exactly, every Farkas
    vector is exact, and every child of a realisable prefix is either a prefix of a listed
    pattern or pruned (the completeness condition the checker verifies). Floats only guide the
    search. InputError for no samples, ragged inputs or breakpoints that do not increase.
    """
    regions: list[NeuronRegion] = []
    pruned: list[PrunedPrefix] = []
    for item in _events(inputs, breakpoints, executor, progress, units):
        if isinstance(item, PrunedPrefix):
            pruned.append(item)
        else:
            regions.append(item)
    pruned.sort(key=lambda p: p.prefix)
    return NeuronArrangement(tuple(regions), tuple(pruned))


# --- the certificate step ---------------------------------------------------------------------


def arrangement_step(arr: NeuronArrangement, step_id: str = "regions") -> dict[str, object]:
    """The certificate step of kind ``neuron_regions`` (docs/certificate.md), rationals as text."""
    return {
        "id": step_id,
        "kind": "neuron_regions",
        "regions": [
            {"pattern": list(r.pattern), "witness": [rational_string(v) for v in r.witness]}
            for r in arr.regions
        ],
        "pruned": [
            {"prefix": list(p.prefix), "farkas": [rational_string(v) for v in p.farkas]}
            for p in arr.pruned
        ],
    }


def sparse_arrangement_step(arr: NeuronArrangement, step_id: str = "regions") -> dict[str, object]:
    """The same statement as :func:`arrangement_step` in the step kind ``neuron_regions_sparse``
    (since 1.1, docs/certificate.md 3.19): each region by its witness alone (the checker reads
    the pattern off it); each distinct Farkas vector once, by its nonzero entries as (index,
    value number) pairs, with each distinct value once; and the pruned prefixes as one number
    each (their Farkas vector's), in lexicographic order of the prefixes (the order in which the
    checker's completeness walk meets them). Neighbouring regions are emptied by the same few
    constraints with the same multipliers, so the tables are much shorter than the list."""
    values: dict[Fraction, int] = {}
    vectors: dict[tuple[int, ...], int] = {}
    pruned = []
    for p in sorted(arr.pruned, key=lambda p: p.prefix):
        pairs = tuple(
            item
            for m, v in enumerate(p.farkas)
            if v
            for item in (m, values.setdefault(v, len(values)))
        )
        pruned.append(vectors.setdefault(pairs, len(vectors)))
    return {
        "id": step_id,
        "kind": "neuron_regions_sparse",
        "regions": [[rational_string(v) for v in r.witness] for r in arr.regions],
        "values": [rational_string(v) for v in values],
        "farkas": [list(pairs) for pairs in vectors],
        "pruned": pruned,
    }

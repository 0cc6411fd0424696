"""Stage 2's choice of (tau, phi) in integers (stage2._best_phi) against the former Fraction
candidates and choice (kept here as the oracle): the same tau and phi on random gradients and
projections, ties and zero gradients included."""

from __future__ import annotations

from fractions import Fraction as F
from itertools import pairwise
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.verifier import stage2


def phi_candidates(gradients: list[list[F]], projections: list[F]) -> list[tuple[F, list[F]]]:
    """(tau, phi(tau)) at the thirds of every gap between consecutive distinct projections.

    For tau in a gap (low, high), phi(tau) = S1 - tau S0 with S0, S1 the sums of g_i and g_i p_i
    over the samples with p_i >= high: suffix sums make this O(n d_Y) in all.
    """
    d_y = len(gradients[0])
    by_level: dict[F, list[F]] = {}
    for g, p in zip(gradients, projections, strict=True):
        acc = by_level.setdefault(p, [F(0)] * (2 * d_y))
        for k in range(d_y):
            acc[k] += g[k]
            acc[d_y + k] += g[k] * p
    levels = sorted(by_level)
    s0 = [F(0)] * d_y
    s1 = [F(0)] * d_y
    out = []
    for low, high in reversed(list(pairwise(levels))):
        acc = by_level[high]
        s0 = [a + b for a, b in zip(s0, acc[:d_y], strict=True)]
        s1 = [a + b for a, b in zip(s1, acc[d_y:], strict=True)]
        for tau in (low + (high - low) / 3, low + 2 * (high - low) / 3):
            out.append((tau, [b - tau * a for a, b in zip(s0, s1, strict=True)]))
    return out


def best_by_fractions(gradients: list[list[F]], projections: list[F]) -> tuple[F, list[F]] | None:
    best: tuple[F, F, list[F]] | None = None
    for tau, phi in phi_candidates(gradients, projections):
        size = sum((abs(p) for p in phi), F(0))
        if size and (best is None or size > best[0]):
            best = (size, tau, phi)
    return None if best is None else (best[1], best[2])


values = st.builds(F, st.integers(-9, 9), st.sampled_from([1, 2, 3, 4, 7, 12]))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), n=st.integers(1, 12), d_y=st.integers(1, 3))
def test_the_integer_choice_is_the_fraction_choice(data: st.DataObject, n: int, d_y: int) -> None:
    gradients = [data.draw(st.lists(values, min_size=d_y, max_size=d_y)) for _ in range(n)]
    projections = data.draw(st.lists(values, min_size=n, max_size=n))
    fit = SimpleNamespace(gradients=gradients)
    assert stage2._best_phi(fit, projections) == best_by_fractions(gradients, projections)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(limit=st.integers(1, 200), data=st.data())
def test_the_float_drop_search_finds_the_first_k_of_a_run(limit: int, data: st.DataObject) -> None:
    """One run [a, b] of k where the float risk drops (or none): the first k of the run, as the
    plain scan finds it, in few probes unless they jump over the run."""
    empty = data.draw(st.booleans())
    a = data.draw(st.integers(0, limit - 1))
    b = data.draw(st.integers(a, limit - 1))
    asked: list[int] = []

    def drops(k: int) -> bool:
        asked.append(k)
        return not empty and a <= k <= b

    assert stage2._first_true(drops, limit) == (0 if empty else a)
    assert len(asked) == len(set(asked))  # no k is asked twice
    probes = [0, 1, 2, 4, *range(stage2.PROBE_STEP, limit, stage2.PROBE_STEP)]
    if not empty and any(a <= p <= b for p in probes):  # not jumped over: no plain scan
        assert len(asked) <= len(probes) + stage2.PROBE_STEP.bit_length()


def test_the_float_drop_search_without_a_float_form() -> None:
    assert stage2._first_true(lambda k: None, 80) == 0


def projection_by_fmpq(rows: list[list[F]]) -> tuple[list[F], list[F]] | None:
    """The former form: fmpq columns, an fmpq_mat product per base."""
    from flint import fmpq, fmpq_mat

    inputs = fmpq_mat(
        len(rows[0]),
        len(rows),
        [fmpq(row[c].numerator, row[c].denominator) for c in range(len(rows[0])) for row in rows],
    )
    distinct = len({tuple(col) for col in inputs.transpose().tolist()})
    d = inputs.nrows()
    for base in range(2, 2 + 50):
        v = [F(base) ** k for k in range(d)]
        projections = (
            fmpq_mat(1, d, [fmpq(c.numerator, c.denominator) for c in v]) * inputs
        ).entries()
        if len(set(projections)) == distinct:
            return v, [F(int(p.p), int(p.q)) for p in projections]
    return None


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(1, 3).flatmap(
        lambda d: st.lists(st.lists(values, min_size=d, max_size=d), min_size=1, max_size=10)
    )
)
def test_the_projection_direction_is_the_fmpq_one(rows: list[list[F]]) -> None:
    assert stage2._projection_direction(rows) == projection_by_fmpq(rows)

"""Theorem 1's affine optimum for the logistic and softmax losses: attained exactly when the
classes overlap (Stiemke's alternative), with exact evidence (losscert.theorems.separability)."""

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.model import Dataset, make_loss, relu
from losscert.theorems.separability import affine_attainment, decide, margin_rows
from losscert.theorems.theorem1 import audit_theorem1

LOGISTIC = make_loss("logistic")
SOFTMAX = make_loss("softmax_cross_entropy")


def _one_hot(c: int, classes: int = 3) -> list[F]:
    return [F(int(k == c)) for k in range(classes)]


def test_separable_labels_give_a_separating_direction() -> None:
    data = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [-1], [1], [1]])
    result = affine_attainment(data, LOGISTIC)
    assert result.attained is False and result.direction is not None
    margins = [
        sum(a * b for a, b in zip(r, result.direction, strict=True))
        for r in margin_rows(data, LOGISTIC)
    ]
    assert min(margins) >= 0 < max(margins)
    assert "not attained" in result.detail


def test_quasi_separation_counts_as_separable() -> None:
    """x = 0 carries both labels, the rest is split at 0: d = (1, 0) has margins >= 0."""
    data = Dataset.from_rows([[-1], [0], [0], [2]], [[-1], [-1], [1], [1]])
    assert affine_attainment(data, LOGISTIC).attained is False


def test_overlapping_labels_have_positive_weights() -> None:
    data = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [1], [-1], [1]])
    rows = margin_rows(data, LOGISTIC)
    result = decide(rows)
    assert result.attained is True and result.weights is not None
    assert min(result.weights) > 0
    for t in range(2):
        assert sum(m * r[t] for m, r in zip(result.weights, rows, strict=True)) == 0


def test_softmax_cases() -> None:
    inputs = [[-2], [-1], [0], [1], [2], [3]]
    mixed = Dataset.from_rows(inputs, [_one_hot(c) for c in (2, 0, 1, 0, 2, 1)])
    ordered = Dataset.from_rows(inputs, [_one_hot(c) for c in (0, 0, 1, 1, 2, 2)])
    assert affine_attainment(mixed, SOFTMAX).attained is True
    assert affine_attainment(ordered, SOFTMAX).attained is False


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.sampled_from([-1, 1])),
        min_size=1,
        max_size=8,
    )
)
def test_one_alternative_with_evidence_against_brute_force(rows: list) -> None:
    """Oracle: separable (with ties) iff some d on a small grid has all margins >= 0, one > 0 --
    checked one way (a grid direction found means not attained); evidence always verified."""
    data = Dataset.from_rows([[F(a), F(b)] for a, b, _ in rows], [[F(y)] for *_, y in rows])
    result = affine_attainment(data, LOGISTIC)
    margins = margin_rows(data, LOGISTIC)
    grid = range(-3, 4)
    found = any(
        min(m) >= 0 < max(m)
        for d in ((p, q, r) for p in grid for q in grid for r in grid)
        for m in [[sum(a * b for a, b in zip(row, d, strict=True)) for row in margins]]
    )
    if found:
        assert result.attained is False
    if result.attained is False:  # the evidence: A d >= 0 with one margin > 0
        assert result.direction is not None
        m = [sum(a * b for a, b in zip(row, result.direction, strict=True)) for row in margins]
        assert min(m) >= 0 < max(m)
    else:  # mu > 0 with A^T mu = 0: no direction separates
        evidence = decide(margins)
        assert result.attained is True and evidence.weights is not None
        assert min(evidence.weights) > 0
        for t in range(len(margins[0])):
            assert sum(w * row[t] for w, row in zip(evidence.weights, margins, strict=True)) == 0


def test_the_theorem1_audit_reports_attainment() -> None:
    separable = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [-1], [1], [1]])
    audit = audit_theorem1(separable, (1, 2, 1), relu(), LOGISTIC)
    item = audit.assumptions.items[0]
    assert item.holds is False and "linearly separable" in item.detail
    overlap = Dataset.from_rows([[-1], [0], [1], [2]], [[-1], [1], [-1], [1]])
    audit = audit_theorem1(overlap, (1, 2, 1), relu(), LOGISTIC)
    assert audit.assumptions.items[0].holds is True
    assert any("irrational" in note for note in audit.notes)

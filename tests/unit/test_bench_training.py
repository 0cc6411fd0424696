"""The seeded numpy Adam of the ``trained`` benchmark family: deterministic, and it trains."""

from fractions import Fraction as F

from losscert.bench.training import anscombe, kinked, train_relu
from losscert.model import Dataset, Problem, make_loss


def test_anscombe_tables_are_typed_in_as_printed() -> None:
    inputs, labels = anscombe("anscombe2")
    assert len(inputs) == 11 and inputs[0] == [10] and labels[7] == [F("3.10")]
    assert anscombe("anscombe4")[0][7] == [19]
    xs, ys = kinked()
    assert len(xs) == 21 and xs[0] == [F(-5, 2)] and ys[0] == [F(5, 4) + F(3, 10)]


def test_training_is_seeded_and_lowers_the_risk() -> None:
    inputs, labels = anscombe("anscombe2")
    data = Dataset.from_rows(inputs, labels)
    first = train_relu((1, 4, 1), inputs, labels, seed=5, steps=300)
    assert first == train_relu((1, 4, 1), inputs, labels, seed=5, steps=300)
    start = Problem(
        train_relu((1, 4, 1), inputs, labels, seed=5, steps=0), make_loss("squared"), data
    )
    trained = Problem(first, make_loss("squared"), data)
    assert trained.risk() < start.risk()
    # float32 weights: every parameter is a dyadic rational
    assert all(v.denominator & (v.denominator - 1) == 0 for v in first.parameter_vector())

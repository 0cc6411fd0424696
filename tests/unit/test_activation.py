"""Activations: hand-worked values per preset, piece lookup, validation errors."""

import re
from fractions import Fraction as F

import pytest

from losscert.errors import InputError
from losscert.model.activation import (
    Activation,
    abs_activation,
    hardtanh,
    leaky_relu,
    linear,
    relu,
    relu6,
)


@pytest.mark.parametrize(
    ("activation", "cases"),
    [
        (relu(), [(-2, 0), (0, 0), (F(3, 2), F(3, 2))]),
        (leaky_relu(F(1, 10)), [(-5, F(-1, 2)), (0, 0), (2, 2)]),
        (hardtanh(-1, 1), [(-3, -1), (-1, -1), (F(1, 2), F(1, 2)), (1, 1), (4, 1)]),
        (hardtanh(0, 2), [(-1, 0), (1, 1), (5, 2)]),
        (relu6(), [(-1, 0), (3, 3), (6, 6), (7, 6)]),
        (abs_activation(), [(-3, 3), (0, 0), (F(5, 4), F(5, 4))]),
        (linear(), [(-3, -3), (F(7, 3), F(7, 3))]),
    ],
    ids=["relu", "leaky_relu", "hardtanh", "hardtanh_0_2", "relu6", "abs", "linear"],
)
def test_preset_values(activation: Activation, cases: list[tuple[F, F]]) -> None:
    for z, expected in cases:
        assert activation(z) == expected


def test_custom_activation_intercepts_follow_from_one_value() -> None:
    # pieces: z + 8 on (-inf, -1), -2 z + 5 on (-1, 2), 3 z - 5 on (2, inf); h(0) = 5
    h = Activation.from_pieces([-1, 2], [1, -2, 3], (0, 5))
    assert h.intercepts == (8, 5, -5)
    assert [h(z) for z in (-2, -1, 0, 2, 3)] == [6, 7, 5, 1, 4]


def test_anchor_on_a_breakpoint_is_consistent() -> None:
    a = Activation.from_pieces([-1, 2], [1, -2, 3], (-1, 7))
    b = Activation.from_pieces([-1, 2], [1, -2, 3], (0, 5))
    assert a == b


def test_locate_reports_pieces_and_breakpoints() -> None:
    h = relu6()
    assert h.locate(-1).piece == 0 and not h.locate(-1).on_breakpoint
    assert h.locate(3).piece == 1
    assert h.locate(F(13, 2)).piece == 2
    on_six = h.locate(6)
    assert on_six.on_breakpoint and on_six.breakpoint == 1 and on_six.piece is None
    assert on_six.touching == (1, 2)
    assert h.locate(0).touching == (0, 1)


def test_distance_to_breakpoint_is_exact() -> None:
    h = hardtanh(-1, 1)
    assert h.distance_to_breakpoint(F(1, 3)) == F(2, 3)
    assert h.distance_to_breakpoint(-5) == 4
    assert h.distance_to_breakpoint(1) == 0
    assert linear().distance_to_breakpoint(3) is None


def test_piece_bounds() -> None:
    h = hardtanh(-1, 1)
    assert h.piece_bounds(0) == (None, -1)
    assert h.piece_bounds(1) == (-1, 1)
    assert h.piece_bounds(2) == (1, None)
    with pytest.raises(IndexError):
        h.piece_bounds(3)


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: Activation.from_pieces([1, 0], [0, 1, 2]), "strictly increasing"),
        (lambda: Activation.from_pieces([0, 0], [0, 1, 2]), "strictly increasing"),
        (lambda: Activation.from_pieces([0], [1, 1]), "no kink at breakpoints[0]"),
        (lambda: Activation.from_pieces([0], [1, 2, 3]), "1 breakpoints need 2 slopes, got 3"),
        (lambda: leaky_relu(1), "leaky_relu.alpha: alpha = 1 leaves no kink"),
        (lambda: hardtanh(1, 1), "lo = 1 must be below hi = 1"),
        (lambda: hardtanh(2, 1), "lo = 2 must be below hi = 1"),
        (lambda: Activation.from_pieces(["a"], [0, 1]), "breakpoints[0]"),
    ],
)
def test_invalid_activations_are_refused(build, fragment: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=re.escape(fragment)):
        build()


def test_discontinuous_pieces_are_refused() -> None:
    with pytest.raises(InputError, match="discontinuous at breakpoints\\[0\\]"):
        Activation((F(0),), (F(0), F(1)), (F(0), F(1)))


def test_float_value_matches_exact_value() -> None:
    h = Activation.from_pieces([-1, 2], [1, -2, 3], (0, 5))
    for z in (-3, -1, 0, F(1, 2), 2, 10):
        assert h.apply_float(float(z)) == pytest.approx(float(h(z)))

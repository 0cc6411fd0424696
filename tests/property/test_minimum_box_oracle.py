"""Box claims against an oracle: c hardtanh(w x + b) + d has exactly one zero-risk point in its
cell, (w, b, c, d) = (1, 0, 2, 1/2) (four samples, four parameters, a full-rank Jacobian), and no
rescaling symmetry (hard-tanh has non-zero breakpoints). So every box certified around a nearby
centre must contain that point and have 0 within its risk bounds (a box that missed it would be
an unsound certificate the checker accepted)."""

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker import check_document
from losscert.model import Dataset, Network, Problem, hardtanh, make_loss
from losscert.verifier import Status
from losscert.verifier.minimum_box import certify_minimum_in_box

MINIMUM = [F(1), F(0), F(2), F(1, 2)]
DATA = Dataset.from_rows([[-2], [0], [F(1, 2)], [2]], [[F(-3, 2)], [F(1, 2)], [F(3, 2)], [F(5, 2)]])
offsets = st.fractions(min_value=F(-1, 10**5), max_value=F(1, 10**5), max_denominator=10**8)


@settings(max_examples=20, deadline=None)
@given(st.lists(offsets, min_size=4, max_size=4))
def test_every_certified_box_holds_the_exact_minimum(offset: list[F]) -> None:
    w, b, c, d = (m + o for m, o in zip(MINIMUM, offset, strict=True))
    net = Network.from_rationals([[[w]], [[c]]], [[b], [d]], hardtanh(-1, 1))
    verdict = certify_minimum_in_box(Problem(net, make_loss("squared"), DATA))
    # within 10^-5 of a minimum with a well-conditioned Hessian the producer finds a box
    assert verdict.status is Status.PROVED, verdict.detail
    assert check_document(verdict.certificate).valid
    assert max(abs(o) for o in offset) <= verdict.stats["radius"]
    assert verdict.stats["lower"] <= 0 <= verdict.stats["upper"]

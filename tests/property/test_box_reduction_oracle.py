"""Rules 1 and 2 of docs/certificate.md 3.20 against exact evaluation: moving a parameter the
checker calls unused (constant neurons' incoming, inert ones) changes no output, on random
two-hidden-layer ReLU networks with many dead and linear neurons."""

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker.box_reduction import unused_parameters
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier.descent import checker_view

DATA = Dataset.from_rows([[-2], [-1], [0], [1], [3]], [[1], [0], [2], [1], [0]])
small = st.integers(min_value=-3, max_value=3).map(F)


@settings(max_examples=40, deadline=None)
@given(st.lists(small, min_size=17, max_size=17))
def test_unused_parameters_move_no_output(values: list[F]) -> None:
    net = Network.from_rationals(
        [[[0]] * 3, [[0] * 3] * 2, [[0] * 2]], [[0] * 3, [0] * 2, [0]], relu()
    )
    net = net.with_parameters([v + F(1, 7) for v in values])  # off the breakpoints, mostly
    problem = Problem(net, make_loss("squared"), DATA)
    cell = locate_cell(problem)
    if cell.on_boundary:
        return
    pattern = [[[int(k or 0) for k in n] for n in layer] for layer in cell.pieces]
    before = problem.trace().output_rows()
    for a in unused_parameters(checker_view(problem), pattern):
        moved = list(net.parameter_vector())
        moved[a] += F(1, 10**9)  # far less than the margin: the cell stays
        other = problem.with_network(net.with_parameters(moved))
        assert locate_cell(other).pieces == cell.pieces
        assert other.trace().output_rows() == before, f"parameter {a} moved an output"

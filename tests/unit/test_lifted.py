"""The lifted gradient (docs/certificate.md 3.24, since 1.1): local minima at any depth
without solvers, when the loss gradient is orthogonal to the outputs of every chain monomial."""

from __future__ import annotations

import copy
from fractions import Fraction as F
from typing import Any

from losscert.checker import check_document
from losscert.checker import lifted as lifted_checker
from losscert.encodings.cells import locate_cell
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.certificate import new_certificate
from losscert.verifier.lifted import lifted_verdict
from losscert.verifier.smt_route import SmtOptions

from ..support.deep_flat import deep_flat
from ..support.tie_instances import deep_tied_minimiser, tied_minimiser


def _chain(b2: int = 0, extra: bool = False, loss: str = "squared") -> Problem:
    """relu(relu(relu(x)) + b2) at W = 1, b1 = b3 = 0, depth 3 (widths 1, 1, 1, 1).

    On x = 1, 2, 3 (b2 = 0) the output is x; residuals (1, -2, 1) / 4 are orthogonal to 1 and x.
    With ``extra`` (triple 6, 7, 8): two more samples x = 0 (a tie of layer 1: z = 0) and x = -1,
    with residuals 1/2 and -1/2; layer 2 is dead on both when b2 = -5."""
    net = Network.from_rationals([[[1]], [[1]], [[1]]], [[0], [b2], [0]], relu())
    xs = [6, 7, 8] if extra else [1, 2, 3]
    noise = [F(1, 4), F(-1, 2), F(1, 4)]
    if loss == "absolute":
        xs, noise = [1, 2, 3, 4], [F(1, 4), F(-1, 4), F(-1, 4), F(1, 4)]
    if extra:
        xs, noise = [*xs, 0, -1], [*noise, F(1, 2), F(-1, 2)]
    rows = [[F(x)] for x in xs]
    blank = Problem(net, make_loss(loss), Dataset.from_rows(rows, [[F(0)]] * len(rows)))
    outputs = blank.trace().output_rows()
    labels = [[f[0] - e] for f, e in zip(outputs, noise, strict=True)]
    return Problem(net, make_loss(loss), Dataset.from_rows(rows, labels))


def _certificate(problem: Problem, ladder: bool = False) -> dict[str, Any]:
    """The lifted route alone (``ladder``: through certify_local_min, which tries the collapses
    and the Hessian first)."""
    verdict = certify_local_min(problem) if ladder else lifted_verdict(problem)
    assert verdict is not None and verdict.status is Status.PROVED, verdict and verdict.detail
    assert verdict.stats["method"] == "lifted gradient (no solver)"
    assert verdict.certificate is not None
    return copy.deepcopy(verdict.certificate)


def _message(document: dict[str, Any]) -> str:
    result = check_document(document)
    assert not result.valid
    return result.message


def test_a_depth_three_flat_minimum_by_hand() -> None:
    problem = _chain()
    assert problem.risk() == F(1, 8)  # (1/16 + 4/16 + 1/16) / 3
    document = _certificate(problem)
    assert document["minor"] == 1
    assert document["evidence"] == [{"id": "lifted", "kind": "lifted_gradient_zero", "ties": []}]
    assert check_document(document).valid


def test_a_residual_that_is_not_orthogonal_is_reported_with_its_chain() -> None:
    document = _certificate(_chain())
    # labels 3/4, 5/2, 11/4 -> 3/4, 5/2, 5/2: residuals 1/4, -1/2, 1/2, g = 1/2, -1, 1
    document["problem"]["data"]["labels"][2] = ["5/2"]
    message = _message(document)
    # Phi = sum_i g_i f(x_i); its coefficient of b_3 is sum_i g_i = 1/2
    assert "a chain from layer 3 (bias) to output 0" in message and "1/2" in message


def test_a_version_1_0_file_cannot_use_the_step() -> None:
    document = _certificate(_chain())
    del document["minor"]
    assert "exists from version 1.1" in _message(document)


def test_the_ties_field_must_be_the_derived_relevant_ties() -> None:
    document = _certificate(_chain())
    for wrong in ([[1, 0, 0]], "none", [[1, 0, True]], [[1, 0]]):
        changed = copy.deepcopy(document)
        changed["evidence"][0]["ties"] = wrong
        assert not check_document(changed).valid


def test_a_differentiable_loss_takes_no_subgradients() -> None:
    document = _certificate(_chain())
    document["evidence"][0]["subgradients"] = [["0"], ["0"], ["0"]]
    assert "differentiable" in _message(document)


def test_absolute_loss_with_subgradients() -> None:
    document = _certificate(_chain(loss="absolute"))  # signs 1, -1, -1, 1: sum 0, sum g x 0
    step = document["evidence"][0]
    assert step["subgradients"] == [["1"], ["-1"], ["-1"], ["1"]]
    assert check_document(document).valid
    step["subgradients"][0] = ["0"]  # the residual is 1/4 > 0: the subdifferential is {1}
    assert "not in the subdifferential" in _message(document)
    del step["subgradients"]
    assert "needs" in _message(document)


def test_a_tie_below_a_constant_layer_is_not_enumerated() -> None:
    problem = _chain(b2=-5, extra=True)
    assert len(locate_cell(problem).ties) == 1  # layer 1 at x = 0
    document = _certificate(problem, ladder=True)
    assert document["evidence"][0]["ties"] == []  # layer 2 is dead on that sample
    assert document["provenance"]["ties"] == 1
    assert check_document(document).valid
    document["evidence"][0]["ties"] = [[1, 0, 3]]
    assert "relevant ties differ" in _message(document)


def test_a_relevant_tie_whose_sides_differ_is_refused() -> None:
    # b2 = 1: layer 2 is alive on x = 0, so the side of the tie matters. Side 0 (inactive): the
    # chains through layer 1 see the triple only, orthogonal; side 1: the bias chain of layer 1
    # adds the gradient 2 (1/2) = 1 of x = 0, so its coefficient is 1
    problem = _chain(b2=1, extra=True)
    assert lifted_verdict(problem) is None
    document = _certificate(_chain(b2=-5, extra=True))
    document["problem"] = _certificate(_chain())["problem"] | {
        "point": ["1", "0", "1", "1", "1", "0"],
        "data": {
            "inputs": [[str(x[0])] for x in problem.data.input_rows()],
            "labels": [[str(y[0])] for y in problem.data.label_rows()],
        },
    }
    document["evidence"][0]["ties"] = [[1, 0, 3]]
    message = _message(document)
    assert "the lifted gradient is not zero (sides [1]" in message
    assert "a chain from layer 1 (bias)" in message


def test_ties_of_duplicated_inputs_take_one_side() -> None:
    problem = tied_minimiser(1, 13)  # 13 ties on one zero neuron, 12 with a residual
    verdict = lifted_verdict(problem)
    assert verdict is not None and verdict.status is Status.PROVED
    step = verdict.certificate["evidence"][0]  # type: ignore[index]
    assert len(step["ties"]) == 12  # 6 pairs of equal inputs: 2^6 side choices, not 2^12


def test_depth_three_with_58_parameters_needs_no_solver() -> None:
    problem = deep_flat((5, 6), 10)
    assert problem.network.num_parameters == 58 and problem.risk() > 0
    document = _certificate(problem, ladder=True)
    assert [s["kind"] for s in document["evidence"]] == ["lifted_gradient_zero"]
    assert check_document(document).valid


def test_inside_a_cell_the_step_proves_the_cell_global_minimum() -> None:
    document = _certificate(deep_flat((2, 3), 7, d_x=1))
    document["claim"] = {"kind": "cell_global_min"}
    assert check_document(document).valid
    boundary = _certificate(_chain(b2=-5, extra=True))  # a tie: only a neighbourhood is covered
    boundary["claim"] = {"kind": "cell_global_min"}
    assert "does not conclude cell_global_min" in _message(boundary)


def _many_ties(count: int) -> dict[str, Any]:
    """A zero neuron (w = b = c = 0) tied on ``count`` distinct inputs with non-zero residuals."""
    net = Network.from_rationals([[[0]], [[0]]], [[0], [0]], relu())
    rows = [[F(k)] for k in range(count)]
    labels = [[F((-1) ** k)] for k in range(count)]
    problem = Problem(net, make_loss("squared"), Dataset.from_rows(rows, labels))
    step = {
        "id": "lifted",
        "kind": "lifted_gradient_zero",
        "ties": [[1, 0, i] for i in range(count)],
    }
    return new_certificate(problem, "local_min", [step])


def test_more_than_4096_side_choices_are_beyond_the_limit() -> None:
    message = _message(_many_ties(13))  # 13 groups: 8192 choices
    assert "beyond the limit of 4096" in message and "section 7" in message
    assert "beyond the limit" not in _message(_many_ties(12))  # checked, and not zero


def test_the_work_limit_is_checked_before_the_work(monkeypatch: Any) -> None:
    document = _certificate(deep_flat((2, 3), 7, d_x=1))
    assert check_document(document).valid
    monkeypatch.setattr(lifted_checker, "MAX_LIFTED_WORK", 50)
    assert "beyond the limit of lifted_gradient_zero" in _message(document)


def test_the_cli_proves_a_depth_three_flat_minimum_and_the_checker_accepts_it(
    tmp_path: Any, capsys: Any
) -> None:
    from losscert.cli import main
    from losscert.io.problem_file import write_problem

    write_problem(deep_flat((5, 6), 10), tmp_path / "deep.json")
    out = tmp_path / "out"
    assert main(["certify", str(tmp_path / "deep.json"), "--no-spurious", "--out", str(out)]) == 0
    assert "local_min: PROVED [lifted gradient" in capsys.readouterr().out
    assert main(["check", *map(str, out.glob("*.cert.json"))]) == 0
    # --no-convex skips the route: the SMT rung (here stopped at once by a tiny budget)
    assert (
        main(
            [
                "certify",
                str(tmp_path / "deep.json"),
                "--no-spurious",
                "--no-convex",
                "--budget",
                "0.01",
            ]
        )
        == 3
    )


def test_hinge_loss_and_two_outputs() -> None:
    # hinge: f = x / 8 on x = 1..4, labels 1, -1, -1, 1: 1 - y f > 0, so g = -y, with sum g = 0
    # and sum g x = -(1 - 2 - 3 + 4) = 0
    net = Network.from_rationals([[[1]], [[1]], [[F(1, 8)]]], [[0], [0], [0]], relu())
    data = Dataset.from_rows([[1], [2], [3], [4]], [[1], [-1], [-1], [1]])
    step = _certificate(Problem(net, make_loss("hinge"), data))["evidence"][0]
    assert step["subgradients"] == [["-1"], ["1"], ["1"], ["-1"]]
    # two outputs x and 2 x, residuals (1, -2, 1) / 4 and (-1, 2, -1) / 8
    net = Network.from_rationals([[[1]], [[1]], [[1], [2]]], [[0], [0], [0, 0]], relu())
    labels = [[x - F(e, 4), 2 * x + F(e, 8)] for x, e in ((1, 1), (2, -2), (3, 1))]
    problem = Problem(net, make_loss("squared"), Dataset.from_rows([[1], [2], [3]], labels))
    document = _certificate(problem)
    assert check_document(document).valid
    document["problem"]["data"]["labels"][0][1] = "2"  # output 1's residuals 0, 1/4, -1/8
    assert "to output 1" in _message(document)


def test_a_zero_neuron_of_layer_2_tied_on_every_sample_is_decided() -> None:
    # issue 14: deeper tied neurons were never pruned; 13 ties in layer 2 gave 2^13 adjacent
    # cells, UNKNOWN (budget). Duplicated inputs put each pair of ties on one side, and the
    # within-pair residuals cancel in every chain: 2^6 side choices, PROVED.
    problem = deep_tied_minimiser(13)
    assert problem.risk() == F(4, 39) and len(locate_cell(problem).ties) == 13
    before = certify_local_min(problem, SmtOptions(lifted=False, timeout=5))
    assert before.status is Status.UNKNOWN and before.reason == "budget"
    document = _certificate(problem, ladder=True)
    assert [t[0] for t in document["evidence"][0]["ties"]] == [2] * 12  # layer 2, g != 0
    assert check_document(document).valid


def test_the_step_concludes_local_min_and_cell_global_min_only() -> None:
    document = _certificate(_chain())
    for kind in ("strict_local_min", "spurious_local_min", "global_min", "not_local_min"):
        changed = copy.deepcopy(document)
        changed["claim"] = {"kind": kind}
        assert f"does not conclude {kind}" in _message(changed)


def test_a_tie_whose_every_path_up_is_cut_is_not_enumerated() -> None:
    # widths 1, 1, 1, 1, 1: layer 2 is alive on x = 0 and x = -1 (z = 15) but layer 3 is dead
    # there (z = 15 - 20), so the tie of layer 1 at x = 0 reaches the output through no slope
    net = Network.from_rationals([[[1]], [[1]], [[1]], [[1]]], [[0], [15], [-20], [0]], relu())
    xs = [F(6), F(7), F(8), F(0), F(-1)]
    noise = [F(1, 4), F(-1, 2), F(1, 4), F(1, 2), F(-1, 2)]
    rows = [[x] for x in xs]
    blank = Problem(net, make_loss("squared"), Dataset.from_rows(rows, [[F(0)]] * 5))
    labels = [[f[0] - e] for f, e in zip(blank.trace().output_rows(), noise, strict=True)]
    problem = Problem(net, make_loss("squared"), Dataset.from_rows(rows, labels))
    assert [(t.layer, t.sample) for t in locate_cell(problem).ties] == [(1, 3)]
    document = _certificate(problem)
    assert document["evidence"][0]["ties"] == []
    document["evidence"][0]["ties"] = [[1, 0, 3]]
    assert "relevant ties differ" in _message(document)

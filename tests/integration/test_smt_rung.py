"""The SMT rung of `losscert certify`: flat minima that no cheaper rung decides, proved by z3 AND
cvc5 on the checker's canonical query; every solver fault gives UNKNOWN with its reason."""

import json
from fractions import Fraction as F
from pathlib import Path

import pytest
import sympy

from losscert.backends.base import SmtAnswer
from losscert.checker import check_document
from losscert.cli import main
from losscert.encodings.cells import locate_cell
from losscert.encodings.polynomial import cell_polynomials
from losscert.io import read_problem, write_problem
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status, candidate, smt_route
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.smt_route import SmtOptions  # convex=False: these test the SMT rung

from ..conftest import EXAMPLES

XS = [[-2], [-1], [F(-1, 4)], [F(1, 4)], [1], [2], [3]]


def _flat_minimum(weights: tuple[int, int]) -> Problem:
    """relu(x) + 2 relu(1/2 - x) with residuals orthogonal to every output derivative: the
    gradient is zero, the risk is positive, and ReLU's rescaling makes the Hessian singular."""
    net = Network.from_rationals([[[1], [-1]], [[1, 2]]], [[0, "1/2"], [0]], relu())
    blank = Problem(net, make_loss("squared"), Dataset.from_rows(XS, [[0]] * len(XS)))
    outputs = [row[0] for row in blank.trace().output_rows()]
    polys = cell_polynomials(net.widths, net.activation, blank.data, locate_cell(blank).pattern())
    values = net.parameter_vector()
    jacobian = sympy.Matrix(
        [
            [sympy.Rational(str(polys.evaluate(o[0].diff(g), values))) for g in polys.ring.gens]
            for o in polys.outputs
        ]
    )
    null = jacobian.T.nullspace()
    residual = (weights[0] * null[0] + weights[1] * null[1]) / 8
    labels = [[outputs[i] - F(str(residual[i]))] for i in range(len(XS))]
    return Problem(net, make_loss("squared"), Dataset.from_rows(XS, labels))


@pytest.mark.solver
@pytest.mark.parametrize("weights", [(1, 2), (-3, 1)])
def test_flat_minimum_is_proved_by_two_solvers(weights: tuple[int, int]) -> None:
    problem = _flat_minimum(weights)
    assert problem.risk() > 0
    verdict = certify_local_min(problem, SmtOptions(convex=False))
    assert verdict.status is Status.PROVED and verdict.stats["method"] == "SMT (z3 and cvc5)"
    result = check_document(json.loads(json.dumps(verdict.certificate)))
    assert result.valid and len(result.trust_gaps) == 1
    # oracle: exact points in the certified SMT box are never lower
    step = next(s for s in verdict.certificate["evidence"] if s["kind"] == "smt_no_lower_point")  # type: ignore[index]
    rho = F(step["radius"])
    base = problem.network.parameter_vector()
    for k in range(60):
        moved = [v + rho * F(((k * 7 + 3 * a) % 9) - 4, 4) for a, v in enumerate(base)]
        assert problem.with_network(problem.network.with_parameters(moved)).risk() >= problem.risk()


def test_a_tampered_query_is_rejected() -> None:
    problem = _flat_minimum((1, 2))
    fake = {n: SmtAnswer(n, "1", "unsat", "", 0.0) for n in ("z3", "cvc5")}
    verdict = _with_answers(problem, fake)
    assert verdict.status is Status.PROVED
    doc = json.loads(json.dumps(verdict.certificate))
    smt = next(s for s in doc["evidence"] if s["kind"] == "smt_no_lower_point")
    smt["smtlib"] = smt["smtlib"].replace("(check-sat)", "(assert false)\n(check-sat)")
    assert "not the canonical query" in check_document(doc).message


def _with_answers(problem: Problem, answers: dict[str, SmtAnswer]):  # type: ignore[no-untyped-def]
    original = smt_route.solve_with_all
    smt_route.solve_with_all = lambda text, timeout: answers  # type: ignore[assignment]
    try:
        return certify_local_min(problem, SmtOptions(convex=False))
    finally:
        smt_route.solve_with_all = original  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("statuses", "reasons", "expected"),
    [
        (("unknown", "unknown"), ("process killed at the hard limit", "timeout"), "timeout"),
        (("unknown", "unsat"), ("incomplete", ""), "solver_unknown"),
        (("sat", "unsat"), ("", ""), "solvers_disagree"),
        (("unavailable", "unsat"), ("pip install z3-solver", ""), "unsupported"),
        (("error", "unsat"), ("parse error", ""), "solver_unknown"),
        (("sat", "sat"), ("", ""), "solver_unknown"),
    ],
)
def test_solver_faults_are_unknown_never_proved(
    statuses: tuple[str, str], reasons: tuple[str, str], expected: str
) -> None:
    answers = {
        n: SmtAnswer(n, "1", s, r, 0.0)
        for n, s, r in zip(("z3", "cvc5"), statuses, reasons, strict=True)
    }
    verdict = _with_answers(_flat_minimum((1, 2)), answers)
    assert (
        verdict.status is Status.UNKNOWN
        and verdict.reason == expected
        and verdict.certificate is None
    )


def test_one_solver_alone_is_not_enough() -> None:
    verdict = _with_answers(_flat_minimum((1, 2)), {"z3": SmtAnswer("z3", "1", "unsat", "", 0.0)})
    assert verdict.status is Status.UNKNOWN


@pytest.mark.solver
def test_a_degenerate_saddle_is_refuted_through_an_smt_model() -> None:
    # f = w3 (w2 (w1 x + b1) + b2) + b3 at w = b1 = b2 = 0, b3 = mean(y): the gradient is zero and
    # the Hessian positive semi-definite and singular, but R drops at third order along
    # (w1, w2, w3). Only the SMT rung finds lower points; its model is replayed exactly and its
    # direction certified as a descent by exact arithmetic.
    from losscert.model import linear

    net = Network.from_rationals([[[0]], [[0]], [[0]]], [[0], [0], ["3/2"]], linear())
    problem = Problem(
        net, make_loss("squared"), Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
    )
    verdict = certify_local_min(problem, SmtOptions(convex=False, timeout=20))
    assert verdict.status is Status.REFUTED and "SMT model" in verdict.stats["method"]
    assert verdict.certificate is not None
    step = verdict.certificate["evidence"][0]
    assert step["kind"] == "descent_direction" and step["order"] >= 3
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid


@pytest.mark.solver
def test_certify_cli_exports_the_smt_queries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem_file = tmp_path / "flat.json"
    write_problem(_flat_minimum((1, 2)), problem_file)
    smt_dir, out = tmp_path / "smt", tmp_path / "certs"
    assert (
        main(
            [
                "certify",
                str(problem_file),
                "--no-convex",
                "--smt-dir",
                str(smt_dir),
                "--out",
                str(out),
                "--no-spurious",
            ]
        )
        == 0
    )
    assert "local_min: PROVED" in capsys.readouterr().out
    (query,) = sorted(smt_dir.glob("*.smt2"))
    (certificate,) = sorted(out.glob("*.cert.json"))
    smt = next(
        s
        for s in json.loads(certificate.read_text())["evidence"]
        if s["kind"] == "smt_no_lower_point"
    )
    assert query.read_text() == smt["smtlib"]
    assert main(["check", "--solvers", "--timeout", "20", str(certificate)]) == 0


def _spare_on_its_kink() -> Problem:
    # Theorem 1's collapse point with the spare neuron moved onto ReLU's kink (bias 0, so z = 0 on
    # every sample: four ties, 16 adjacent cells). Moving the spare neuron and its output weight
    # together lowers the risk at second order.
    problem = read_problem(EXAMPLES / "relu_linear_collapse.json")
    theta = problem.network.parameter_vector()
    theta[problem.network.parameter_names().index("b1_1")] = F(0)
    return problem.with_network(problem.network.with_parameters(theta))


def test_a_spare_neuron_on_its_kink_is_refuted_without_smt() -> None:
    # The tied neuron's row moved into one realisable side with an outgoing weight: order 2.
    verdict = certify_local_min(_spare_on_its_kink(), SmtOptions(convex=False, timeout=20))
    assert verdict.status is Status.REFUTED and "tied neuron" in verdict.stats["method"]
    assert verdict.certificate is not None and verdict.certificate["evidence"][0]["order"] == 2
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid


@pytest.mark.solver
def test_a_spare_neuron_on_its_kink_is_refuted_through_smt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without the cheap move, the SMT rung finds a lower point in one adjacent cell and its
    # direction, restricted to the tied neuron, is certified as a descent.
    monkeypatch.setattr(candidate, "_tied_neuron_pairs", lambda *args: None)
    verdict = certify_local_min(_spare_on_its_kink(), SmtOptions(convex=False, timeout=20))
    assert verdict.status is Status.REFUTED and "SMT model" in verdict.stats["method"]
    assert verdict.certificate is not None and verdict.certificate["evidence"][0]["order"] == 2
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid


@pytest.mark.solver
def test_a_boundary_minimum_certificate_lists_every_adjacent_cell() -> None:
    net = Network.from_rationals([[[1]], [[1]]], [[0], [0]], relu())
    problem = Problem(
        net, make_loss("squared"), Dataset.from_rows([[0], [1], [2]], [[0], [1], [2]])
    )
    verdict = certify_local_min(problem, SmtOptions(convex=False, timeout=20))
    assert verdict.status is Status.PROVED and verdict.certificate is not None
    doc = json.loads(json.dumps(verdict.certificate))
    assert doc["minor"] == 1
    smt = next(s for s in doc["evidence"] if s["kind"] == "smt_adjacent_no_lower_point")
    assert smt["simplified"] is True and smt["pruned"] == []  # one tie: both sides realisable
    assert sorted(q["sides"] for q in smt["queries"]) == [[0], [1]]
    assert check_document(doc).valid
    smt["queries"].pop()  # one adjacent cell missing: not a proof
    assert "no query for the side choice" in check_document(doc).message
    plain = certify_local_min(problem, SmtOptions(convex=False, simplify=False, timeout=20))
    assert plain.certificate is not None and "minor" not in plain.certificate  # the 1.0 step
    kinds = [s["kind"] for s in plain.certificate["evidence"]]
    assert "smt_boundary_no_lower_point" in kinds


def test_an_exhausted_budget_is_unknown_budget() -> None:
    import time

    spent = SmtOptions(convex=False, deadline=time.perf_counter() - 1)
    verdict = certify_local_min(_flat_minimum((1, 2)), spent)
    assert verdict.status is Status.UNKNOWN and verdict.reason == "budget"


def test_progress_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    messages: list[str] = []
    fake = {n: SmtAnswer(n, "1", "unsat", "", 0.0) for n in ("z3", "cvc5")}
    original = smt_route.solve_with_all
    smt_route.solve_with_all = lambda text, timeout: fake  # type: ignore[assignment]
    try:
        certify_local_min(_flat_minimum((1, 2)), SmtOptions(convex=False, progress=messages.append))
    finally:
        smt_route.solve_with_all = original  # type: ignore[assignment]
    assert messages[0] == "locating the cell: inside a cell"
    assert any(m.startswith("SMT: box of radius") for m in messages)


def test_the_simplified_query_is_marked_and_checked() -> None:
    problem = _flat_minimum((1, 2))
    fake = {n: SmtAnswer(n, "1", "unsat", "", 0.0) for n in ("z3", "cvc5")}
    doc = json.loads(json.dumps(_with_answers(problem, fake).certificate))
    smt = next(s for s in doc["evidence"] if s["kind"] == "smt_no_lower_point")
    # ReLU: each hidden neuron's weight (1 and -1, both > rho) is an anchor, so 2 of 7 are fixed
    assert smt["simplified"] is True and smt["smtlib"].count("declare-fun") == 5
    assert check_document(doc).valid
    for wrong in (False, "true", 1):
        smt["simplified"] = wrong
        assert (
            "canonical" in check_document(doc).message
            or "true or false" in check_document(doc).message
        )
    del smt["simplified"]  # the default is the plain canonical query: this text is not it
    assert "not the canonical query" in check_document(doc).message
    original = smt_route.solve_with_all
    smt_route.solve_with_all = lambda text, timeout: fake  # type: ignore[assignment]
    try:
        plain = certify_local_min(problem, SmtOptions(convex=False, simplify=False))
    finally:
        smt_route.solve_with_all = original  # type: ignore[assignment]
    assert plain.certificate is not None
    step = next(s for s in plain.certificate["evidence"] if s["kind"] == "smt_no_lower_point")
    assert "simplified" not in step and step["smtlib"].count("declare-fun") == 7
    assert check_document(json.loads(json.dumps(plain.certificate))).valid

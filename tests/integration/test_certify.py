"""`losscert certify` on planted-truth instances: the right verdict with a certificate the checker
accepts, or UNKNOWN where the ladder cannot decide; never a wrong PROVED or REFUTED."""

import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from losscert.checker import check_document
from losscert.cli import main
from losscert.io import read_problem
from losscert.model import Dataset, Network, Problem, hardtanh, linear, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.candidate import certify_local_min, certify_spurious

from ..conftest import EXAMPLES


def _strict() -> (
    Problem
):  # 2 hardtanh(x) + 1/2 fits all four samples: strict (see hand_certificates)
    net = Network.from_rationals([[[1]], [[2]]], [[0], ["1/2"]], hardtanh(-1, 1))
    data = Dataset.from_rows([[-2], [0], ["1/2"], [2]], [["-3/2"], ["1/2"], ["3/2"], ["5/2"]])
    return Problem(net, make_loss("squared"), data)


def _saddle() -> Problem:  # linear net c (w x + b) + d at w = b = c = 0, d = mean(y): a saddle
    net = Network.from_rationals([[[0]], [[0]]], [[0], ["3/2"]], linear())
    return Problem(
        net, make_loss("squared"), Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
    )


def _boundary_minimum() -> Problem:  # relu(x) on x = 0 is a tie; labels are fitted exactly: R = 0
    net = Network.from_rationals([[[1]], [[1]]], [[0], [0]], relu())
    return Problem(net, make_loss("squared"), Dataset.from_rows([[0], [1], [2]], [[0], [1], [2]]))


CASES = {
    # name: (problem, status, certificate claim or UNKNOWN reason, method fragment)
    "strict minimum": (_strict, Status.PROVED, "strict_local_min", "second order"),
    "flat minimum (linear collapse)": (
        lambda: read_problem(EXAMPLES / "relu_linear_collapse.json"),
        Status.PROVED,
        "local_min",
        "linear collapse",
    ),
    "saddle with zero gradient": (_saddle, Status.REFUTED, "not_local_min", "negative curvature"),
    "non-zero gradient": (
        lambda: read_problem(EXAMPLES / "leaky_relu_deep_huber.json"),
        Status.REFUTED,
        "not_local_min",
        "first order",
    ),
    "boundary point descending into one cell": (
        lambda: read_problem(EXAMPLES / "hardtanh_boundary.json"),
        Status.REFUTED,
        "not_local_min",
        "boundary",
    ),
    "boundary point that is a minimum on every side": (
        _boundary_minimum,
        Status.PROVED,
        "local_min",
        "lifted gradient",  # R = 0, so the loss gradient is 0: no side choice, no SMT query
    ),
    "logistic loss": (
        lambda: read_problem(EXAMPLES / "abs_logistic.json"),
        Status.UNKNOWN,
        "unsupported",
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_planted_truth(name: str) -> None:
    build, status, expected, method = CASES[name]
    problem = build()
    verdict = certify_local_min(problem)
    assert verdict.status is status, verdict.detail
    if status is Status.UNKNOWN:
        assert verdict.reason == expected and verdict.certificate is None
        return
    assert verdict.certificate is not None and verdict.certificate["claim"]["kind"] == expected
    assert method in verdict.stats["method"]
    assert check_document(json.loads(json.dumps(verdict.certificate))).valid


@pytest.mark.parametrize(
    "name",
    ["saddle with zero gradient", "non-zero gradient", "boundary point descending into one cell"],
)
def test_refutations_replay_a_descent(name: str) -> None:
    # oracle: walk along the certificate's direction with exact steps 2^-k; some is strictly lower
    problem = CASES[name][0]()
    verdict = certify_local_min(problem)
    assert verdict.certificate is not None
    step = verdict.certificate["evidence"][0]
    direction = [F(v) for v in step["direction"]]
    base = problem.network.parameter_vector()
    risks = [
        problem.with_network(
            problem.network.with_parameters(
                [v + F(1, 2**k) * d for v, d in zip(base, direction, strict=True)]
            )
        ).risk()
        for k in range(4, 40, 4)
    ]
    assert any(r < problem.risk() for r in risks)


def test_strict_minimum_has_no_lower_point_nearby() -> None:
    problem = _strict()
    base = problem.network.parameter_vector()
    for a in range(len(base)):
        for sign in (1, -1):
            for k in (8, 16):
                moved = list(base)
                moved[a] += sign * F(1, 2**k)
                assert (
                    problem.with_network(problem.network.with_parameters(moved)).risk()
                    > problem.risk()
                )


def test_spurious_certificate_for_the_collapse_point() -> None:
    problem = read_problem(EXAMPLES / "relu_linear_collapse.json")
    local = certify_local_min(problem)
    spurious = certify_spurious(problem, local)
    assert spurious.status is Status.PROVED and spurious.stats["witness_risk"] < problem.risk()
    assert check_document(spurious.certificate).valid  # type: ignore[arg-type]


def test_a_global_minimum_is_not_called_spurious() -> None:
    problem = _strict()  # risk 0: nothing can be lower; one hidden layer: certified global minimum
    spurious = certify_spurious(problem, certify_local_min(problem))
    assert spurious.status is Status.REFUTED and spurious.certificate is not None
    assert spurious.certificate["claim"]["kind"] == "global_min"


def test_certify_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["certify", str(EXAMPLES / "relu_linear_collapse.json"), "--out", str(tmp_path)]) == 0
    )
    out = capsys.readouterr().out
    assert "local_min: PROVED" in out and "spurious_local_min: PROVED" in out
    written = sorted(p.name for p in tmp_path.glob("*.cert.json"))
    assert written == [
        "relu_linear_collapse.local_min.cert.json",
        "relu_linear_collapse.spurious_local_min.cert.json",
    ]
    assert main(["check", *map(str, tmp_path.glob("*.cert.json"))]) == 0
    capsys.readouterr()
    assert (
        "R(theta*) = 9/20 (~0.45)" in out and "lower point: R = 1/8 (~0.125)" in out
    )  # the one-hidden-layer global route
    assert "verdict PROVED (local_min and spurious_local_min)" in out
    assert main(["certify", "--json", str(EXAMPLES / "hardtanh_boundary.json")]) == 1  # refuted
    record = json.loads(capsys.readouterr().out)
    assert record["verdict"] == "refuted" and record["name"] == "hardtanh-boundary"
    assert record["risk"]["exact"] == "63/128" and record["risk"]["decimal"] == "0.4921875"
    (result,) = record["verdicts"]
    assert result["status"] == "refuted" and result["certificate_claim"] == "not_local_min"
    assert main(["certify", str(tmp_path / "missing.json")]) == 2


def test_certify_cli_decides_a_boundary_minimiser_with_13_ties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from losscert.io.problem_file import write_problem

    from ..support.tie_instances import tied_minimiser

    problem_file = tmp_path / "tied.json"
    write_problem(tied_minimiser(1, 13), problem_file)
    # exit 1: certify's verdict is "a spurious local minimum", and a global minimum refutes it
    assert main(["certify", str(problem_file), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "local_min: PROVED [lifted gradient" in out  # duplicates take one side: 64 choices
    assert "spurious_local_min: REFUTED" in out  # a certified global minimum
    written = sorted(p.name for p in (tmp_path / "out").glob("*.cert.json"))
    assert written == ["tied.global_min.cert.json", "tied.local_min.cert.json"]
    assert main(["check", *map(str, (tmp_path / "out").glob("*.cert.json"))]) == 0

"""Pictures: rendered to PNG in the suite (size, content of the figure object), and the rule that a
picture states a claim only from a certificate the checker accepted about the pictured point."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import check_certificate
from losscert.cli import main
from losscert.errors import InputError
from losscert.io import read_problem
from losscert.plot import facts_from_certificates, plot_file, plot_problem, save_png
from losscert.plot.figure import NOTHING_PROVED
from tests.conftest import EXAMPLES

SPURIOUS = EXAMPLES / "certificates" / "relu_spurious_local_min.cert.json"
VALLEY = EXAMPLES / "certificates" / "relu_valley.cert.json"
COLLAPSE = EXAMPLES / "relu_linear_collapse.json"
DEEP = EXAMPLES / "leaky_relu_deep_huber.json"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _gids(figure: Any) -> list[str]:
    found = []
    for ax in figure.axes:
        found.extend(a.get_gid() for a in [*ax.lines, *ax.collections] if a.get_gid())
    return found


def _proof_text(figure: Any) -> str:
    (text,) = [t.get_text() for t in figure.texts if t.get_gid() == "proofs"]
    return str(text)


def test_spurious_minimum_picture(tmp_path: Path) -> None:
    problem = read_problem(COLLAPSE)  # the problem the spurious certificate is about
    facts = facts_from_certificates(problem, [SPURIOUS])
    figure = plot_problem(problem, witness=facts.witness, notes=facts.notes, resolution=41)
    assert len(figure.axes) == 3  # slice, profile, network function (one hidden layer, 1-D x)
    gids = _gids(figure)
    for element in ("cells", "candidate", "witness", "cell-boundary", "profile", "data", "kink"):
        assert element in gids, element
    assert "risk-contours" in gids
    text = _proof_text(figure)
    assert "PROVED spurious_local_min" in text and str(SPURIOUS) in text
    profile_legend = [t.get_text() for t in figure.axes[1].get_legend().get_texts()]
    assert "θ*: R ≈ 0.45" in profile_legend and "witness: R ≈ 0.4275" in profile_legend
    out = tmp_path / "spurious.png"
    save_png(figure, out)
    assert _png_size(out) == (1680, 620)
    assert out.stat().st_size > 20_000


def test_deep_network_has_two_panels_and_says_nothing_was_proved(tmp_path: Path) -> None:
    figure = plot_problem(read_problem(DEEP), resolution=21)
    assert len(figure.axes) == 2
    assert NOTHING_PROVED in _proof_text(figure)
    assert "witness" not in _gids(figure)
    save_png(figure, tmp_path / "deep.png")
    assert _png_size(tmp_path / "deep.png") == (1120, 620)


def test_valley_picture_from_a_certificate(tmp_path: Path) -> None:
    out = tmp_path / "valley.png"
    assert plot_file(VALLEY, out, resolution=31) == [out]
    assert _png_size(out) == (1680, 620)


def test_valley_marked_and_its_risk_constant() -> None:
    from losscert.plot.proofs import path_points, problem_of_certificate

    problem = problem_of_certificate(VALLEY)
    facts = facts_from_certificates(problem, [VALLEY])
    assert facts.path is not None
    points = path_points(facts.path)
    figure = plot_problem(problem, valley=points, notes=facts.notes, resolution=21)
    assert {"valley", "valley-risk"} <= set(_gids(figure))
    (curve,) = [line for line in figure.axes[1].lines if line.get_gid() == "valley-risk"]
    risks = curve.get_ydata()
    assert max(risks) - min(risks) < 1e-12  # certified: the outputs, hence the risk, are constant
    assert "PROVED valley" in _proof_text(figure)


def test_tampered_certificate_is_not_stated(tmp_path: Path) -> None:
    document = json.loads(SPURIOUS.read_text())
    document["evidence"][-1]["risk"] = "1/400"  # the witness's risk, falsified
    bad = tmp_path / "bad.cert.json"
    bad.write_text(json.dumps(document))
    out = tmp_path / "out.png"
    with pytest.raises(InputError, match="did not accept"):
        plot_file(COLLAPSE, out, certificates=[bad])
    assert not out.exists()


def test_certificate_about_another_point_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="about another problem or point"):
        plot_file(COLLAPSE, tmp_path / "x.png", certificates=[VALLEY])
    assert not (tmp_path / "x.png").exists()


def test_cli_plot_with_certify(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "collapse.png"
    argv = ["plot", str(COLLAPSE), "--certify", "-o", str(out), "--resolution", "31"]
    assert main(argv) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "collapse.local_min.cert.json",
        "collapse.png",
        "collapse.spurious_local_min.cert.json",
    ]
    for cert in tmp_path.glob("*.cert.json"):
        assert check_certificate(cert).valid
    assert "wrote" in capsys.readouterr().out
    assert main([*argv[:-2], "--resolution", "11", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert sorted(record["written"]) == sorted(str(p) for p in tmp_path.iterdir())


def test_cli_plot_witness_and_direction_files(tmp_path: Path) -> None:
    witness = tmp_path / "w.json"
    witness.write_text(json.dumps(["4/5", "1", "13/10", "-5/2", "1", "3/5", "-1"]))
    direction = tmp_path / "d.json"
    direction.write_text(json.dumps(["0", "0", "1", "0", "0", "0", "0"]))
    out = tmp_path / "p.png"
    argv = ["plot", str(COLLAPSE), "--witness", str(witness), "--direction", "witness"]
    argv += ["--direction", str(direction), "-o", str(out), "--resolution", "21"]
    assert main(argv) == 0
    assert out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--direction", "valley"], "there is no valley"),
        (["--resolution", "5"], "--resolution"),
        (["--witness", "missing.json"], "--witness missing.json"),
    ],
)
def test_cli_plot_bad_input(tmp_path: Path, capsys: Any, extra: list[str], message: str) -> None:
    out = tmp_path / "p.png"
    assert main(["plot", str(COLLAPSE), "-o", str(out), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_notes_from_verdicts_and_certificates() -> None:
    from losscert.model.activation import hardtanh, relu
    from losscert.plot import facts_from_verdicts, problem_of_certificate
    from losscert.verifier.verdict import Status, Verdict

    unknown = Verdict(Status.UNKNOWN, "local_min", reason="timeout", detail="z3 ran out of time")
    (note,) = facts_from_verdicts([unknown], [None]).notes
    assert note.text() == "UNKNOWN local_min: not decided (timeout), so nothing is proved about it"
    boundary = EXAMPLES / "certificates" / "hardtanh_boundary_not_local_min.cert.json"
    problem = problem_of_certificate(boundary)
    assert problem.network.activation == hardtanh(-1, 1)
    facts = facts_from_certificates(problem, [boundary])
    assert facts.descent is not None and facts.witness is None
    assert facts.notes[0].text().startswith("REFUTED local_min (proved: not_local_min)")
    assert problem_of_certificate(SPURIOUS).network.activation == relu()


def test_the_refuting_descent_is_marked_and_the_range_follows_it() -> None:
    import numpy as np

    from losscert.plot.directions import choose_directions
    from losscert.plot.figure import descent_range
    from losscert.plot.landscape import FloatModel

    boundary = read_problem(EXAMPLES / "hardtanh_boundary.json")
    facts = facts_from_certificates(
        boundary, [EXAMPLES / "certificates" / "hardtanh_boundary_not_local_min.cert.json"]
    )
    assert facts.descent is not None
    figure = plot_problem(boundary, descent=facts.descent, notes=facts.notes, resolution=21)
    assert "descent" in _gids(figure)
    low, high = figure.axes[1].get_xlim()
    model = FloatModel(boundary)
    descent = np.array([float(d) for d in facts.descent])
    u, _ = choose_directions([], model.origin, None, None, descent)
    assert u.kind == "descent"
    direction = u.vector
    a, b = descent_range(model, direction)
    assert a == -b and b > 0
    assert (low, high) == pytest.approx((a, b), abs=0.1 * b)  # the profile shows that range
    # the range is centred on theta* and reaches the best of the scanned steps: lower risk there
    at = model.risk(model.origin[None, :] + (b / 1.5) * direction[None, :])[0]
    assert at < model.risk(model.origin[None, :])[0]


def test_cli_range_option(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "zoom.png"
    argv = ["plot", str(COLLAPSE), "-o", str(out), "--resolution", "11"]
    assert main([*argv, "--range=-0.01,0.02"]) == 0
    assert out.exists()
    capsys.readouterr()
    for bad in ("1,0", "x,1", "1", "-inf,1"):
        with pytest.raises(SystemExit):
            main([*argv, f"--range={bad}"])
        assert "--range" in capsys.readouterr().err


def test_plot_problem_span_sets_every_axis() -> None:
    problem = read_problem(COLLAPSE)
    figure = plot_problem(problem, resolution=11, span=(-0.25, 0.5))
    slice_ax, profile_ax = figure.axes[0], figure.axes[1]
    assert slice_ax.get_xlim() == pytest.approx((-0.25, 0.5), abs=0.05)
    assert profile_ax.get_xlim()[0] == pytest.approx(-0.25, abs=0.05)

"""Acceptance: a PyTorch model trained for a few steps on the CPU is imported, certified and
plotted; its float weights are the imported rationals exactly."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscert.checker import check_certificate, check_document
from losscert.cli import main
from losscert.io import from_torch, read_problem
from losscert.plot import facts_from_verdicts, plot_problem, save_png
from losscert.verifier.candidate import certify_local_min
from losscert.verifier.verdict import Status


def _trained(torch: Any) -> tuple[Any, Any, Any]:
    torch.manual_seed(0)
    x = torch.linspace(-2, 2, 8).reshape(-1, 1)
    y = torch.abs(x) - 0.5 + 0.1 * torch.sin(5 * x)
    model = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(25):
        optimiser.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimiser.step()
    return model, x, y


def test_trained_model_imported_certified_plotted(tmp_path: Path) -> None:
    import torch

    model, x, y = _trained(torch)
    problem = from_torch(model, (x, y))
    # the conversion is exact: each rational is the float32 weight, and rounds back to it
    flat = [Fraction(float(v)) for p in model.parameters() for v in p.detach().reshape(-1).tolist()]
    ours = problem.network.parameter_vector()
    assert ours == flat  # torch orders W then b per layer, as losscert does
    weights32 = np.concatenate([p.detach().reshape(-1).numpy() for p in model.parameters()])
    assert np.array_equal(np.array([float(v) for v in ours], dtype=np.float32), weights32)
    with torch.no_grad():
        expected = ((model(x) - y) ** 2).mean().item()
    assert float(problem.risk()) == pytest.approx(expected, rel=1e-6)
    verdict = certify_local_min(problem)
    assert verdict.status in (Status.PROVED, Status.REFUTED)
    assert verdict.certificate is not None and check_document(verdict.certificate).valid
    cert = tmp_path / "trained.cert.json"
    from losscert.verifier.certificate import write_certificate

    write_certificate(verdict.certificate, cert)
    facts = facts_from_verdicts([verdict], [str(cert)])
    figure = plot_problem(problem, descent=facts.descent, notes=facts.notes, resolution=31)
    proofs = next(t.get_text() for t in figure.texts if t.get_gid() == "proofs")
    assert verdict.certificate["claim"]["kind"] in proofs and str(cert) in proofs
    save_png(figure, tmp_path / "trained.png")
    assert (tmp_path / "trained.png").stat().st_size > 10_000


def test_trained_state_dict_through_the_cli(tmp_path: Path) -> None:
    import torch

    model, x, y = _trained(torch)
    torch.save(model.state_dict(), tmp_path / "model.pt")
    rows = "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in zip(x[:, 0], y[:, 0], strict=True))
    (tmp_path / "data.csv").write_text("x,y\n" + rows + "\n")
    problem_file = tmp_path / "problem.json"
    argv = [
        "import",
        str(tmp_path / "model.pt"),
        "--arch",
        "1,4,1",
        "--activation",
        "relu",
        "--data",
        str(tmp_path / "data.csv"),
    ]
    assert main([*argv, "-o", str(problem_file)]) == 0
    imported = read_problem(problem_file)
    assert imported.network == from_torch(model, (x, y)).network
    out = tmp_path / "model.png"
    assert main(["plot", str(problem_file), "--certify", "-o", str(out), "--resolution", "21"]) == 0
    certificates = list(tmp_path.glob("model.*.cert.json"))
    assert certificates and all(check_certificate(c).valid for c in certificates)
    assert out.stat().st_size > 10_000

"""How ``losscert`` starts: ``python -m losscert``, ``--version``, and what each command imports.

``losscert --help`` must not load sympy, a solver, torch or matplotlib (start-up time: see
benchmarks/README.md), and a command loads only what it needs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import losscert
from losscert.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sympy", "z3", "cvc5", "highspy", "torch", "onnx", "matplotlib", "numpy", "scipy")


def loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_python_dash_m_losscert_prints_the_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "losscert", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"losscert {losscert.__version__}"


def test_help_loads_no_heavy_module() -> None:
    code = (
        "from losscert.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "for name in ('certify', 'global', 'audit', 'import', 'plot', 'bench'):\n"
        "    try:\n        main([name, '--help'])\n    except SystemExit:\n        pass"
    )
    assert loaded_after(code) == []


def test_import_losscert_loads_no_heavy_module_until_a_name_is_used() -> None:
    assert loaded_after("import losscert") == []
    assert "sympy" in loaded_after("import losscert\nlosscert.cell_polynomials")


def test_check_needs_no_sympy_and_no_solver() -> None:
    certificate = ROOT / "examples/certificates/relu_spurious_local_min.cert.json"
    code = f"from losscert.cli import main\nassert main(['check', {str(certificate)!r}]) == 0"
    assert loaded_after(code) == []


def test_every_public_name_has_a_source() -> None:
    assert sorted(losscert.__all__) == sorted(losscert._SOURCES)
    assert set(losscert.__all__) <= set(dir(losscert))
    with pytest.raises(AttributeError, match="no_such_name"):
        losscert.no_such_name  # noqa: B018


def test_every_command_module_is_registered() -> None:
    parser = build_parser()
    (commands,) = (a for a in parser._actions if a.dest == "command")
    assert len(commands.choices) == len(COMMANDS)

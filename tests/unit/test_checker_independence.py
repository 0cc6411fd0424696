"""The trusted checker imports only the standard library and itself, and never calls float()."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from ..conftest import EXAMPLES, ROOT

CHECKER = ROOT / "losscert" / "checker"


def _imports(path: Path) -> list[tuple[str, int]]:
    """(top-level module, relative level) of every import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append(((node.module or "").split(".")[0], node.level))
    return found


def test_checker_imports_only_the_standard_library_and_itself() -> None:
    files = sorted(CHECKER.glob("*.py"))
    assert files
    for path in files:
        for module, level in _imports(path):
            if level == 1:
                continue  # a sibling module of the checker
            assert level == 0, f"{path.name}: relative import beyond the checker (level {level})"
            assert module in sys.stdlib_module_names or module == "__future__", (
                f"{path.name} imports {module!r}, which is not in the standard library"
            )


def test_checker_never_converts_to_float() -> None:
    for path in CHECKER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "float", f"{path.name}:{node.lineno} calls float()"


def test_a_copy_of_the_checker_runs_without_site_packages(tmp_path: Path) -> None:
    # Copied out as a top-level package and run with -S (no site-packages: no numpy, sympy,
    # flint, solvers, nor losscert itself), the checker still accepts the example certificates.
    shutil.copytree(CHECKER, tmp_path / "standalone_checker")
    certificates = sorted(str(p) for p in (EXAMPLES / "certificates").glob("*.cert.json"))
    assert certificates
    script = (
        "import sys\n"
        "from standalone_checker import check_certificate\n"
        "for name in ('numpy', 'sympy', 'flint', 'z3', 'cvc5', 'losscert'):\n"
        "    assert name not in sys.modules, name\n"
        "results = [check_certificate(p) for p in sys.argv[1:]]\n"
        "print([r.status for r in results])\n"
        "sys.exit(0 if all(r.valid for r in results) else 1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, *certificates],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == str(["valid"] * len(certificates))

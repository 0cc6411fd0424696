"""docs/tutorial.md's python blocks, run in order in one namespace in a temporary folder, so that
the tutorial cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[str]:
    return BLOCK.findall(text)


def test_blocks_are_found() -> None:
    sample = "intro\n```python\nx = 1\n```\ntext\n```sh\nls\n```\n```python\ny = x\n```\n"
    assert python_blocks(sample) == ["x = 1\n", "y = x\n"]


def test_tutorial_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"{TUTORIAL.name} block {number}", "exec")
        exec(code, namespace)
    produced = {p.name for p in tmp_path.iterdir()}
    assert {"trained.json", "spurious.png", "valley.png", "trained.png", "custom.png"} <= produced
    assert {"tutorial.spurious_local_min.cert.json", "tutorial.valley.cert.json"} <= produced

"""checker.Session: a problem shared by several certificates is read once, keyed by its exact
content; anything else is read again (and refused where it must be)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import Session, check_certificates, check_document
from losscert.checker import session as session_module

from ..conftest import EXAMPLES

CERTS = EXAMPLES / "certificates"


def _load(name: str) -> dict[str, Any]:
    return json.loads((CERTS / f"{name}.cert.json").read_text(encoding="utf-8"))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the problems the session reads (section 2)."""
    calls: list[int] = []
    original = session_module.read_problem

    def counted(obj: Any, base_dir: Path, minor: int = 0) -> Any:
        calls.append(1)
        return original(obj, base_dir, minor)

    monkeypatch.setattr(session_module, "read_problem", counted)
    return calls


def test_one_problem_is_read_once_and_its_results_are_shared(reads: list[int]) -> None:
    session = Session()
    doc = _load("relu_spurious_local_min")
    first = check_document(copy.deepcopy(doc), session=session)
    second = check_document(copy.deepcopy(doc), session=session)
    assert first.valid and second.valid and first.message == second.message
    assert len(reads) == 1
    problem = session.problem(copy.deepcopy(doc["problem"]), Path("."))
    assert len(reads) == 1
    assert problem.traces and any(key[0] == "cell" for key in problem.memo)
    assert any(key[0] == "box_in_cell" for key in problem.memo)


def test_a_changed_problem_is_read_again_and_checked_on_its_own(reads: list[int]) -> None:
    session = Session()
    doc = _load("relu_spurious_local_min")
    assert check_document(copy.deepcopy(doc), session=session).valid
    changed = copy.deepcopy(doc)
    changed["problem"]["point"][0] = "7"
    result = check_document(changed, session=session)
    assert result.status == "invalid" and len(reads) == 2
    assert result.message == check_document(copy.deepcopy(changed)).message


def test_a_float_in_the_problem_is_refused_in_a_session_too() -> None:
    session = Session()
    doc = _load("relu_spurious_local_min")
    assert check_document(copy.deepcopy(doc), session=session).valid
    text = json.dumps(doc).replace('"point": ["', '"point": [0.5, "', 1)
    doc_with_float = json.loads(text)
    doc_with_float["problem"]["point"] = doc_with_float["problem"]["point"][1:]
    doc_with_float["problem"]["point"][0] = 0.5
    result = check_document(doc_with_float, session=session)
    assert result.status == "invalid"
    assert "$.problem.point[0]: the float 0.5 is not allowed" in result.message


def test_the_session_keeps_at_most_max_problems(reads: list[int]) -> None:
    session = Session()
    doc = _load("relu_spurious_local_min")
    for k in range(session_module.MAX_PROBLEMS + 2):
        variant = copy.deepcopy(doc["problem"])
        variant["data"]["labels"][0][0] = str(k)
        session.problem(variant, Path("."))
    assert len(session._problems) == session_module.MAX_PROBLEMS
    first = copy.deepcopy(doc["problem"])
    first["data"]["labels"][0][0] = "0"
    session.problem(first, Path("."))  # dropped: read again
    assert len(reads) == session_module.MAX_PROBLEMS + 3


def test_check_certificates_with_a_data_file(tmp_path: Path, reads: list[int]) -> None:
    doc = _load("relu_spurious_local_min")
    data = json.dumps(doc["problem"]["data"]).encode()
    (tmp_path / "data.json").write_bytes(data)
    doc["problem"]["data"] = {"path": "data.json", "sha256": hashlib.sha256(data).hexdigest()}
    for name in ("a", "b"):
        (tmp_path / f"{name}.cert.json").write_text(json.dumps(doc), encoding="utf-8")
    results = check_certificates([tmp_path / "a.cert.json", tmp_path / "b.cert.json"])
    assert [r.status for r in results] == ["valid", "valid"]
    assert len(reads) == 1
    (tmp_path / "sub").mkdir()  # another folder: another key (its data file is its own)
    (tmp_path / "sub" / "c.cert.json").write_text(json.dumps(doc), encoding="utf-8")
    results = check_certificates([tmp_path / "a.cert.json", tmp_path / "sub" / "c.cert.json"])
    assert results[0].valid and results[1].status == "invalid"
    assert "data.json" in results[1].message


def test_a_problem_read_for_a_newer_minor_is_not_reused_for_an_older_one() -> None:
    """A logistic problem is valid in 1.1 only: once read for a 1.1 file, the same problem in a
    1.0 file of the same session is still refused."""
    from losscert.checker.result import Invalid
    from losscert.model import Dataset, Network, Problem, make_loss, relu
    from losscert.verifier.certificate import problem_section

    net = Network.from_rationals([[[1]]], [[0]], relu())
    data = Dataset.from_rows([[-1], [0], [1]], [[-1], [1], [-1]])
    section = problem_section(Problem(net, make_loss("logistic"), data))
    session = Session()
    assert session.problem(section, Path("."), 1).loss == "logistic"
    with pytest.raises(Invalid, match="logistic"):
        session.problem(section, Path("."), 0)

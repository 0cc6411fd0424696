"""Section 1 of docs/certificate.md: minor versions of format 1."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from losscert import checker
from losscert.checker import claims, main, steps

from ..support.hand_certificates import spurious_relu


def test_a_file_without_minor_is_1_0_and_valid() -> None:
    document = spurious_relu()
    assert "minor" not in document
    assert checker.check_document(document).valid
    assert checker.minor_needed(document["claim"]["kind"], document["evidence"]) == 0


@pytest.mark.parametrize("minor", [0, main.MINOR])
def test_declared_minor_versions_up_to_the_checkers_are_read(minor: int) -> None:
    document = {**spurious_relu(), "minor": minor}
    assert checker.check_document(document).valid


@pytest.mark.parametrize("minor", [main.MINOR + 1, -1, True, "1", None])
def test_a_minor_version_beyond_the_checker_or_not_an_integer_is_unreadable(minor: object) -> None:
    document = {**spurious_relu(), "minor": minor}
    result = checker.check_document(document)
    assert result.status == "unreadable"
    assert "minor" in result.message


def test_a_step_kind_newer_than_the_declared_minor_is_invalid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document = spurious_relu()
    kind = document["evidence"][0]["kind"]
    newer = dataclasses.replace(steps.STEP_KINDS[kind], since=1)
    monkeypatch.setitem(steps.STEP_KINDS, kind, newer)
    result = checker.check_document(copy.deepcopy(document))
    assert result.status == "invalid"
    assert "from version 1.1 on; the file declares 1.0" in result.message
    assert checker.minor_needed(document["claim"]["kind"], document["evidence"]) == 1
    assert checker.check_document({**document, "minor": 1}).valid


def test_a_claim_kind_newer_than_the_declared_minor_is_invalid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document = spurious_relu()
    monkeypatch.setitem(claims.CLAIM_SINCE, document["claim"]["kind"], 1)
    assert checker.check_document(document).status == "invalid"
    assert checker.check_document({**document, "minor": 1}).valid

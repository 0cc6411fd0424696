"""pytest plugin: certificate files become test items that pass exactly when the checker accepts
them, so a repository's proofs are re-checked by its ordinary test run.

Collected: every ``*.cert.json`` file in the folders pytest collects, and every file named with
``--certificates PATH`` (repeatable). The failure report is the checker's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import CheckResult, check_certificate

SUFFIX = ".cert.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("losscert", "losscert certificates")
    group.addoption(
        "--certificates",
        action="append",
        default=[],
        metavar="PATH",
        help=f"check this certificate file as a test item (besides the *{SUFFIX} files collected)",
    )


def pytest_configure(config: pytest.Config) -> None:
    named = [str(Path(p).resolve()) for p in config.getoption("certificates") or []]
    config.stash[_NAMED] = set(named)
    config.args.extend(p for p in named if p not in config.args)


_NAMED = pytest.StashKey[set[str]]()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    named = parent.config.stash.get(_NAMED, set())
    if file_path.name.endswith(SUFFIX) or str(file_path.resolve()) in named:
        return CertificateFile.from_parent(parent, path=file_path)
    return None


ITEM = "check"
"""The one item of a certificate file: its test id is ``path/to/NAME.cert.json::check``
(pytest puts the file's path first; repeating the file name after it said nothing)."""


class CertificateFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield CertificateItem.from_parent(self, name=ITEM)


class CertificateRejected(Exception):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


class CertificateItem(pytest.Item):
    def runtest(self) -> None:
        result = check_certificate(self.path)
        self.user_properties.append(("trust_gaps", len(result.trust_gaps)))
        if not result.valid:
            raise CertificateRejected(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CertificateRejected):
            result = excinfo.value.result
            return f"certificate {self.path} is {result.status}:\n{result.message}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"certificate {self.path.name}: {ITEM}"

"""The trusted certificate checker: standard library only, nothing from the rest of losscert.

It re-verifies a certificate (docs/certificate.md) with exact rational arithmetic alone. A test
forbids any import outside the standard library and this package.
"""

from .main import (
    check_certificate,
    check_certificates,
    check_document,
    check_text,
    minor_needed,
)
from .result import CheckResult
from .session import Session

__all__ = [
    "CheckResult",
    "Session",
    "check_certificate",
    "check_certificates",
    "check_document",
    "check_text",
    "minor_needed",
]

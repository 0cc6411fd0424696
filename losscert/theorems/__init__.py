"""The paper's constructions and audits, built from verifier calls (Theorem 1 so far)."""

from losscert.theorems.theorem1 import Theorem1Audit, audit_theorem1

__all__ = ["Theorem1Audit", "audit_theorem1"]

"""The error hierarchy of losscert.

One base class, :class:`LosscertError`; every subclass also inherits the builtin exception it
resembles, so callers that catch ``ValueError`` keep working. Messages name the value, the place
it came from (file, field, layer, sample) and, where there is one, the fix.
"""

from __future__ import annotations


class LosscertError(Exception):
    """Base class of every error that losscert raises on purpose."""


class InputError(LosscertError, ValueError):
    """Bad user input: a file, a field or an argument that cannot be accepted as it is."""


class NotMultilinearError(LosscertError, AssertionError):
    """A per-cell polynomial is not affine in one layer block: the multilinear-cell claim fails.

    Raised with the offending layer, output and degree. It signals a bug in the encoder or a
    counterexample to the claim, never a user mistake.
    """


class UnsupportedError(LosscertError, NotImplementedError):
    """A construct that this version of losscert does not handle (named in the message)."""

"""Several certificates of one problem, checked in one call: the problem read once.

A :class:`Session` lives for one call (``losscert check A B C``, one audit) and is never stored
at module level. It keeps the problems it has read (section 2), keyed by their exact content: the
``problem`` object's JSON text (and the certificate's folder, which a data file is read from). A
second certificate whose ``problem`` has the same text gets the same :class:`Problem`, and with
it every pure result already computed on it (the forward pass at a point, the pattern and margin
at a point, an accepted box), each itself keyed by the exact values it depends on. Nothing a
step states is taken from the cache: every step is verified against these results as it would be
against freshly computed ones, so a certificate checked in a session gets the verdict it gets
alone. (One difference in time only: a data file named by path and sha256 is read once per
session; a later certificate naming the same path and digest is checked against the data that
was read and matched that digest, even if the file has changed on disk since.)
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .numbers import reject_floats
from .problem import Problem, read_problem

MAX_PROBLEMS = 4
"""Problems kept at once (the oldest is dropped first): a session over many different problems
holds at most this many forward passes' worth of memory."""


class Session:
    """The problems read so far in one call, by exact content."""

    def __init__(self) -> None:
        self._problems: OrderedDict[tuple[int, str, str], Problem] = OrderedDict()

    def problem(self, obj: Any, base_dir: Path, minor: int = 0) -> Problem:
        """Section 2 for the ``problem`` object ``obj`` (floats rejected first), read once per
        content and minor version (what a problem may hold depends on it: the exp/log losses
        need 1.1). Raises what :func:`read_problem` raises."""
        content = _content_key(obj, base_dir)
        key = None if content is None else (minor, *content)
        if key is not None and key in self._problems:
            self._problems.move_to_end(key)
            return self._problems[key]
        reject_floats(obj, "$.problem")
        problem = read_problem(obj, base_dir, minor)
        if key is not None:
            self._problems[key] = problem
            while len(self._problems) > MAX_PROBLEMS:
                self._problems.popitem(last=False)
        return problem


def _content_key(obj: Any, base_dir: Path) -> tuple[str, str] | None:
    """The JSON text of ``obj`` and the folder; None when ``obj`` is not plain JSON (a float
    marker, say: it is then read, and refused, without the cache). Equal texts mean equal JSON
    values, so a problem read once stands for every later one with the same key."""
    try:
        text = json.dumps(obj, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    return str(base_dir.resolve()), text

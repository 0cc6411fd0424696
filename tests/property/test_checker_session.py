"""A Session changes no verdict: every mutated certificate of the mutation corpus, checked in one
session after the original (so its problem, forward passes, patterns and boxes are cached when
the mutation leaves the problem alone), gets exactly the status and message it gets alone."""

from __future__ import annotations

import copy
import json
from collections import Counter

import pytest

from losscert.checker import Session, check_document, check_text

from .test_checker_mutations import NAMES, corpus, load, outcomes


@pytest.mark.parametrize("cert", NAMES)
def test_a_session_gives_every_mutation_its_own_verdict(cert: str) -> None:
    session = Session()
    original = load(cert)
    assert check_document(copy.deepcopy(original), session=session).status == "valid"
    differ = []
    shared = Counter[str]()
    for outcome in outcomes():
        mut = outcome.mutation
        if mut.cert != cert:
            continue
        shared[str(mut.doc.get("problem") == original["problem"])] += 1
        result = check_document(copy.deepcopy(mut.doc), session=session)
        text = check_text(json.dumps(mut.doc), session=session)
        if (result.status, result.message) != (outcome.status, outcome.message) or (
            text.status,
            text.message,
        ) != (outcome.text_status, outcome.text_message):
            differ.append(f"{mut.key}: alone {outcome.status}, in a session {result.status}")
        # the original still checks after every mutation (nothing cached was spoilt)
        again = check_document(copy.deepcopy(original), session=session)
        if again.status != "valid":
            differ.append(f"after {mut.key}: the original is {again.status}: {again.message}")
    assert not differ, "\n".join(differ[:20])
    assert shared["True"] > 100 and shared["False"] > 100  # both kinds are exercised


def test_the_corpus_is_the_mutation_tests_corpus() -> None:
    assert len(corpus()) == len(outcomes()) > 2000

"""checker.numbers.vector's fast path reads exactly what rational() reads entry by entry, and a
list with any bad entry gets rational()'s message for the first one."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from losscert.checker.numbers import rational, vector
from losscert.checker.result import Invalid

entries = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,6}(/[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["1/0", "-0/5", "007/0010", "1.5", " 1", "1/", "/2", "", "1e3", "x"]),
    st.integers(-5, 5),
    st.none(),
    st.booleans(),
    st.just("9" * 4001),
)


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except Invalid as exc:
        return "invalid", str(exc)


@settings(max_examples=500, deadline=None)
@given(values=st.lists(entries, max_size=6))
@example(values=["1/2", "2/4", "-3", "+4/6"])
@example(values=["1/2", "1/0"])
def test_vector_reads_like_rational_entry_by_entry(values: list[Any]) -> None:
    def one_by_one() -> list[Any]:
        return [rational(v, f"v[{k}]") for k, v in enumerate(values)]

    assert _outcome(lambda: vector(values, "v")) == _outcome(one_by_one)

"""The canonical JSON fast path produces exactly the RFC 8785 reference bytes."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from chanrong.ledger.canonical import canonical

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | texts
    | st.floats(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_matches_the_reference(value) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical(value)
        return
    assert canonical(value) == expected


def test_awkward_strings_and_keys() -> None:
    value = {"a\x00b": "\x1f\"\\\n\t\b\f\r\x7f\u2028é中😀", "é": [1, -(2**53 - 1), True, None, {"z": {}, "": []}],
             "\ue000": 1, "😀": 2, "\uffff": 3, "b": 1.5e300}  # fmt: skip
    assert canonical(value) == rfc8785.dumps(value)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"a": "\ud800"})

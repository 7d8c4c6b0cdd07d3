"""The encoders built once write exactly what ``json.dumps`` writes with the same options."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcassette import _json_text

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=200, deadline=None, database=None)
@given(values)
def test_encoders_write_what_json_dumps_writes(value: Any) -> None:
    options: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}
    assert _json_text.compact(value) == json.dumps(value, **options)
    assert _json_text.canonical(value) == json.dumps(value, sort_keys=True, **options)
    try:
        expected = json.dumps(value, allow_nan=False, **options)
    except ValueError:
        with pytest.raises(ValueError):
            _json_text.strict_compact(value)
    else:
        assert _json_text.strict_compact(value) == expected


@pytest.mark.parametrize("value", [math.nan, [1, {"a": math.inf}]])
def test_strict_compact_refuses_what_is_not_standard_json(value: Any) -> None:
    with pytest.raises(ValueError):
        _json_text.strict_compact(value)


def test_values_json_cannot_hold_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="bytes is not JSON serializable"):
        _json_text.compact({"a": b"x"})

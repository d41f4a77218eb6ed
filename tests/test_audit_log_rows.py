"""An audit row's before/after text: the row's fields as compact JSON (keys sorted, no white
space, CJK as typed, dates as ISO text), written the same whatever path records it (issue
17: the import records ~2 million, so the text is made without a copy of the row first, by
orjson; rows written before 2026-12-05 have the standard library's ", " and ": ", which
every reader parses alike)."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from zoufang.services.audit_log import _dump


def snapshot(row: dict) -> dict:
    """The row as the audit log copied it before (dates as ISO text), then ``json.dumps``:
    the form every audit row of the ledger was written in."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.dates(),
    st.datetimes(),
    st.lists(st.one_of(st.integers(), st.text()), max_size=3),
)


def _has_float(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return isinstance(value, list) and any(_has_float(v) for v in value)


@given(st.dictionaries(st.text(max_size=8), values, max_size=8))
def test_the_text_is_the_snapshot_as_json(row):
    text = _dump(row)
    assert json.loads(text) == snapshot(row)
    if not _has_float(row):  # orjson writes 1e-7 where json writes 1e-07: the same number
        expected = json.dumps(
            snapshot(row), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in expected) or any(
            isinstance(v, int) and not -(2**63) <= v < 2**64 for v in _leaves(row)
        ):  # what orjson refuses: the standard library's, non-ASCII escaped
            expected = json.dumps(snapshot(row), sort_keys=True, separators=(",", ":"))
        assert text == expected


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_what_orjson_refuses_is_written_in_the_same_form_and_can_be_stored():
    """An integer beyond 64 bits and a lone surrogate: the standard library's encoder, with
    non-ASCII escaped, so the text can be stored (UTF-8 cannot hold a lone surrogate)."""
    row = {"b": 2**70, "a": "x\ud800陈", "c": dt.date(2026, 3, 1)}
    text = _dump(row)
    assert text == '{"a":"x\\ud800\\u9648","b":1180591620717411303424,"c":"2026-03-01"}'
    text.encode("utf-8")
    assert json.loads(text) == snapshot(row)


def test_a_model_object_is_recorded_by_its_fields():
    class Row:
        def model_dump(self):
            return {"on": dt.date(2026, 3, 1), "name": "陈大爷"}

    assert _dump(Row()) == '{"name":"陈大爷","on":"2026-03-01"}'
    assert _dump(None) is None


def test_what_json_cannot_hold_is_refused_as_before():
    import pytest

    with pytest.raises(TypeError):
        _dump({"x": object()})

"""`--format json` is written by orjson (output.write_json) for speed; it must be byte for
byte what the standard library writes with ``indent=2``, floats aside (orjson spells
exponents without "+"); NaN and infinities are null either way (valid JSON)."""

from __future__ import annotations

import datetime as dt
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from zoufang.output import Format, Money, jsonable, write_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.integers(-(10**12), 10**12).map(Money)
    | st.dates()
    | st.datetimes()
    | st.sampled_from(list(Format))
    | st.floats(-100, 100).map(lambda x: round(x, 1))
)  # report's percentages
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.integers() | st.booleans() | st.none(), inner, max_size=4)
    ),
    max_leaves=25,
)


def stdlib(value) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, indent=2) + "\n"


def ours(value) -> str:
    out = io.StringIO()
    write_json(value, out)
    return out.getvalue()


@given(values)
def test_same_bytes_as_the_standard_library(value):
    assert ours(value) == stdlib(value)


def test_a_due_list():
    rows = [
        {
            "household": "H000001",
            "name": "陈大爷",
            "categories": ["elderly-alone"],
            "cadres": [],
            "last_visit": None,
            "due_date": dt.date(2026, 1, 5),
            "days_overdue": -3,
            "paid": Money(123456),
            "note": 'a "quote"\n\x01',
        }
    ] * 3
    assert ours(rows) == stdlib(rows)
    assert json.loads(ours(rows))[0]["paid"] == "1234.56"


#: What listings' rows hold: scalars and lists of them.
plain = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.dates()
    | st.datetimes()
    | st.lists(st.text() | st.integers(), max_size=3)
)


@given(
    st.lists(st.text(), min_size=1, max_size=5, unique=True).flatmap(
        lambda keys: st.lists(
            st.one_of(
                st.fixed_dictionaries({key: plain for key in keys}),  # the listing's own shape
                st.fixed_dictionaries({key: values for key in keys}),  # …with Money, nested dicts
                st.dictionaries(st.text(), values, max_size=3),  # any other row
                values,
            ),
            min_size=1,
            max_size=6,
        )
    )
)
def test_listings_of_records_same_bytes(rows):
    """A listing whose rows share the first row's keys takes a faster way; rows of another
    shape, values of other types (Money, nested dicts) and non-dict items must not notice."""
    assert ours(rows) == stdlib(rows)


def test_a_due_list_as_due_writes_it():
    rows = [
        {
            "household": f"H{i:06}",
            "name": "陈大爷",
            "categories": ["elderly-alone", "dibao"][:i],
            "cadres": [],
            "last_visit": None if i else dt.date(2025, 12, 1),
            "due_date": dt.date(2026, 1, 5),
            "days_overdue": -3,
            "ok": i == 1,
        }
        for i in range(3)
    ]
    assert ours(rows) == stdlib(rows)


def test_listing_with_keys_equal_but_written_differently():
    for rows in ([{True: 1}, {1: 2}], [{1: 1}, {1.0: 2}], [{"a": 1, 1: 2}, {"a": 3, True: 4}]):
        assert ours(rows) == stdlib(rows)


def test_listing_with_a_reordered_row():
    rows = [
        {"a": 1, "b": [dt.date(2026, 1, 1)]},
        {"b": [], "a": Money(5)},
        {"a": {"x": None}, "b": 2},
    ]
    assert ours(rows) == stdlib(rows)


@given(
    st.recursive(
        st.floats(allow_nan=True, allow_infinity=True) | st.integers(),
        lambda inner: st.lists(inner, max_size=3),
        max_leaves=5,
    )
)
def test_any_float_reads_back_as_the_same_number(value):
    """Other floats (zoufang writes none) are valid JSON that reads back as the same
    number; NaN and infinities, which JSON cannot hold, as null."""

    def same(x):
        if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
            return None
        return [same(v) for v in x] if isinstance(x, list) else x

    assert json.loads(ours(value)) == same(value)


def test_nan_and_infinity_are_null_on_either_way():
    """Found by Hypothesis: an infinity beside an integer past 64 bits (which sends the
    whole value to the standard library) was written as non-JSON ``Infinity``."""
    for value in ([float("inf"), 2**70], [float("nan")], {"x": -float("inf")}):
        text = ours(value)
        assert "Infinity" not in text and "NaN" not in text
        assert None in (
            json.loads(text) if isinstance(value, list) else list(json.loads(text).values())
        )


def test_integers_past_64_bits_and_keys_that_are_not_text_fall_back_to_json():
    for value in (
        {"big": 2**70, "small": -(2**70)},
        {1: "a", None: "b", 2.5: "c"},
        [{1.5: Money(1)}],
    ):
        assert ours(value) == stdlib(value)

"""The canonical form is written out by hand for speed; it must be the bytes of the JSON the
module docstring describes (``json.dumps(form, sort_keys=True, ensure_ascii=False,
separators=(",", ":"))`` over NFC text), for every row an entry can hold."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoufang.chain import STORED_COLUMNS, _common_form, canonical


def reference(row) -> bytes:
    def nfc(value):
        return None if value is None else unicodedata.normalize("NFC", value)

    def integer(value, nullable=False):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(value)
        return value

    recorded_at = row["recorded_at"]
    if isinstance(recorded_at, dt.datetime):
        recorded_at = recorded_at.replace(microsecond=0).isoformat()
    entry_date = row["entry_date"]
    if isinstance(entry_date, dt.date):
        entry_date = entry_date.isoformat()
    form = {
        "v": 1,
        "seq": integer(row["seq"]),
        "fund": nfc(row["fund_code"]),
        "kind": row["kind"],
        "amount_fen": integer(row["amount_fen"]),
        "household": nfc(row["household_code"]),
        "visit": integer(row["visit_id"], True),
        "date": str(entry_date)[:10],
        "cadre": nfc(row["cadre_code"]),
        "operator": nfc(row["operator"]),
        "memo": nfc(row["memo"]),
        "reverses": integer(row["reverses_seq"], True),
        "override": nfc(row["override_reason"]),
        "recorded_at": str(recorded_at).replace(" ", "T")[:19],
        "prev": row["prev_hash"],
    }
    return json.dumps(form, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
rows = st.fixed_dictionaries(
    {
        "seq": st.integers(1, 10**9),
        "fund_code": texts | st.none(),
        "kind": texts | st.none(),
        "amount_fen": st.integers(-(10**15), 10**15),
        "household_code": texts | st.none(),
        "visit_id": st.integers(1, 10**9) | st.none(),
        "entry_date": st.dates().map(str) | st.dates() | texts,
        "cadre_code": texts | st.none(),
        "operator": texts | st.none(),
        "memo": texts | st.none(),
        "reverses_seq": st.integers(1, 10**9) | st.none(),
        "override_reason": texts | st.none(),
        "recorded_at": st.datetimes()
        | st.datetimes(timezones=st.timezones())
        | st.datetimes().map(lambda d: f"{d:%Y-%m-%d %H:%M:%S.%f}")
        | texts,
        "prev_hash": st.text("0123456789abcdef", min_size=64, max_size=64),
    }
)


@given(rows)
def test_same_bytes_as_json_dumps(row):
    assert canonical(row) == reference(row)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_fen", "八百"),
        ("amount_fen", 800.5),
        ("amount_fen", True),
        ("seq", None),
        ("visit_id", "第一次"),
        ("reverses_seq", 2.0),
    ],
)
def test_a_value_no_entry_can_have_has_no_canonical_form(field, value):
    row = {
        "seq": 3,
        "fund_code": "F",
        "kind": "disburse",
        "amount_fen": 1,
        "household_code": None,
        "visit_id": None,
        "entry_date": "2026-01-01",
        "cadre_code": None,
        "operator": "x",
        "memo": None,
        "reverses_seq": None,
        "override_reason": None,
        "recorded_at": "2026-01-01 00:00:00",
        "prev_hash": "0" * 64,
    }
    row[field] = value
    with pytest.raises(ValueError):
        canonical(row)
    if field == "amount_fen" and value == "八百":
        row.update(amount_fen=1, memo=5)  # a number in a text field: no form either
        with pytest.raises(ValueError):
            canonical(row)


usual_rows = st.fixed_dictionaries(
    {
        "seq": st.integers(1, 10**9),
        "fund_code": texts,
        "kind": st.sampled_from(["allocate", "disburse", "reverse"]),
        "amount_fen": st.integers(1, 10**12),
        "household_code": texts | st.none(),
        "visit_id": st.integers(1, 10**9) | st.none(),
        "entry_date": st.dates().map(str) | st.dates(),
        "cadre_code": texts | st.none(),
        "operator": texts,
        "memo": texts | st.none(),
        "reverses_seq": st.integers(1, 10**9) | st.none(),
        "override_reason": texts | st.none(),
        "recorded_at": st.datetimes() | st.datetimes().map(lambda d: f"{d:%Y-%m-%d %H:%M:%S.%f}"),
        "prev_hash": st.text("0123456789abcdef", min_size=64, max_size=64),
    }
)


@given(rows | usual_rows)
def test_the_quick_form_of_stored_rows_is_the_canonical_form(row):
    """verify_chain writes usual rows without canonical(); the bytes must be the same, and
    any row it cannot write that way goes to canonical()."""
    stored = tuple(row.get(column) for column in STORED_COLUMNS)
    quick = _common_form(stored)
    if quick is not None:
        assert quick.encode() == canonical(row)


def test_usual_rows_take_the_quick_way():
    row = (
        ("seq", 7),
        ("fund_code", "CHUNJIE2026"),
        ("kind", "disburse"),
        ("amount_fen", 80000),
        ("household_code", "H000001"),
        ("visit_id", 12),
        ("entry_date", "2026-01-20"),
        ("cadre_code", "C0001"),
        ("operator", "王书记"),
        ("memo", "春节慰问"),
        ("reverses_seq", None),
        ("override_reason", None),
        ("recorded_at", "2026-01-20 09:30:00.000000"),
        ("prev_hash", "0" * 64),
        ("hash", "x"),
    )
    stored = tuple(value for _, value in row)
    assert _common_form(stored).encode() == canonical(dict(row))
    # as PostgreSQL returns them: a date and a timestamp
    from_postgresql = dict(
        row, entry_date=dt.date(2026, 1, 20), recorded_at=dt.datetime(2026, 1, 20, 9, 30, 0, 123456)
    )
    quick = _common_form(tuple(from_postgresql.values()))
    assert quick is not None and quick.encode() == canonical(from_postgresql) == canonical(
        dict(row)
    )
    decomposed = dict(row, memo="e\u0301")  # not NFC: canonical() normalises it
    assert _common_form(tuple(decomposed.values())) is None

"""db.writing.insert_many: the rows SQLAlchemy's own executemany would write, value for value
(issue 17: the import's bulk writes), on either backend."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st


def _ledger_pair(new_ledger):
    from zoufang.db import Ledger

    return Ledger(str(new_ledger("by_sqlalchemy"))), Ledger(str(new_ledger("by_insert_many")))


rows = st.lists(
    st.fixed_dictionaries(
        {
            "at": st.datetimes(min_value=dt.datetime(1970, 1, 1)),
            "operator": st.text(min_size=1, max_size=10),
            "command": st.text(max_size=10),
            "action": st.sampled_from(["log", "open"]),
            "object_type": st.text(max_size=5),
            "object_key": st.text(max_size=5),
            "before": st.none() | st.text(max_size=20),
            "after": st.none() | st.text(max_size=20),
        }
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=40, deadline=None)
@given(batch=rows)
def test_rows_are_written_as_sqlalchemy_writes_them(batch):
    """On SQLite (the only backend insert_many writes itself): the same stored values,
    dates and times included, as SQLAlchemy's executemany of the same dicts."""
    from sqlalchemy import create_engine, insert

    from zoufang.db.writing import insert_many
    from zoufang.tables import audit_log, metadata

    stored = []
    for write in (
        lambda conn, rows: conn.execute(insert(audit_log), rows),
        lambda conn, rows: insert_many(conn, audit_log, rows),
    ):
        engine = create_engine("sqlite://")
        metadata.create_all(engine, tables=[audit_log])
        with engine.begin() as conn:
            write(conn, [dict(r) for r in batch])
            stored.append(conn.exec_driver_sql("SELECT * FROM audit_log").fetchall())
        engine.dispose()
    assert stored[0] == stored[1]


def test_dates_booleans_and_nulls(new_ledger):
    from sqlalchemy import insert

    from zoufang.db.writing import insert_many
    from zoufang.tables import fund

    def row(code: str, plan: bool) -> dict:
        return {
            "code": code,
            "name": "慰问金",
            "source": None,
            "cap_fen": 100000,
            "valid_from": dt.date(2026, 1, 1),
            "valid_to": None,
            "created_on": dt.datetime(2026, 3, 1, 8, 30),  # a date-time in a date column
            "requires_plan": plan,
        }

    one, many = _ledger_pair(new_ledger)
    stored = []
    for ledger, write in ((one, lambda c, r: c.execute(insert(fund), r)), (many, insert_many)):
        with ledger.session(write=True, operator="t", command="t") as s:
            if write is insert_many:
                insert_many(s.connection(), fund, [row("F1", True), row("F2", False)])
            else:
                write(s.connection(), [row("F1", True), row("F2", False)])
            query = "SELECT * FROM fund ORDER BY code"
            stored.append([tuple(r) for r in s.connection().exec_driver_sql(query)])
    assert stored[0] == stored[1]


def test_a_column_with_a_default_left_out_is_filled_in_as_sqlalchemy_does(new_ledger):
    from zoufang.db.writing import _plan, insert_many
    from zoufang.tables import audit_log

    ledger = new_ledger("defaults")
    from zoufang.db import Ledger

    opened = Ledger(str(ledger))
    row = {"operator": "t", "command": "c", "action": "a", "object_type": "o", "object_key": "k"}
    with opened.session(write=True, operator="t", command="t") as s:
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            assert _plan(conn.dialect, audit_log, tuple(row)) is None  # `at` has a default
        insert_many(conn, audit_log, [row])
        at = conn.exec_driver_sql("SELECT at FROM audit_log").scalar()
    assert at is not None


def test_a_constant_default_left_out_is_written_by_insert_many_as_sqlalchemy_does(new_ledger):
    """A member's ``status`` (default "current") left out of the rows: insert_many writes it
    itself (on SQLite, no fallback to SQLAlchemy), the same stored rows as SQLAlchemy's."""
    from sqlalchemy import insert

    from zoufang.db import Ledger
    from zoufang.db.writing import _plan, insert_many
    from zoufang.tables import household, member

    def rows(household_id: int) -> list[dict]:
        return [
            {
                "household_id": household_id,
                "name": name,
                "relation": "child",
                "id_number": None,
                "birth_year": 2010 + n,
                "health": None,
            }
            for n, name in enumerate(("李明", "李华"), 1)
        ]

    stored = []
    for name, write in (
        ("by_sqlalchemy", lambda c, t, r: c.execute(insert(t), r)),
        ("by_insert_many", insert_many),
    ):
        with Ledger(str(new_ledger(name))).session(write=True, operator="t", command="t") as s:
            conn = s.connection()
            hid = conn.execute(
                insert(household).values(
                    code="H000001",
                    head_name="李大爷",
                    id_number="110101195001010011",
                    village="东村",
                    enrolled_on=dt.date(2026, 1, 5),
                )
            ).inserted_primary_key[0]
            if name == "by_insert_many" and conn.dialect.name == "sqlite":
                assert _plan(conn.dialect, member, tuple(rows(hid)[0])) is not None
            write(conn, member, rows(hid))
            query = "SELECT * FROM member ORDER BY id"
            stored.append([tuple(r) for r in conn.exec_driver_sql(query)])
    assert stored[0] == stored[1]
    assert all("current" in row for row in stored[1])


_UTC8 = dt.timezone(dt.timedelta(hours=8))
#: values that repeat, equal ones of different kinds among them: a day and its midnight, an
#: aware time and the same instant in another zone (equal, written differently), naive times
_DAYS_AND_TIMES = [
    dt.date(2026, 1, 1),
    dt.datetime(2026, 1, 1),
    dt.datetime(2026, 1, 1, 8, 0, tzinfo=_UTC8),
    dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 1, 0, 0, 0, 500),
    dt.datetime(2026, 12, 31, 23, 59, 59),
    dt.date(1949, 10, 1),
]


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.sampled_from(_DAYS_AND_TIMES), min_size=1, max_size=12),
        min_size=1,
        max_size=3,
    )
)
def test_days_and_times_bound_again_are_stored_as_sqlalchemy_stores_them(batches):
    """insert_many remembers the days and times it has converted (writing.REMEMBERED):
    values bound again, in one batch or the next on the same connection, equal values of
    different kinds among them, are stored as SQLAlchemy's executemany stores them, in a
    Date column (``valid_from``) and a DateTime column (``at``)."""
    from sqlalchemy import create_engine, insert

    from zoufang.db.writing import insert_many
    from zoufang.tables import audit_log, fund, metadata

    def funds(values, start):
        return [
            {
                "code": f"F{start + i}",
                "name": "慰问金",
                "valid_from": v,
                "created_on": v,
                "requires_plan": False,
            }
            for i, v in enumerate(values)
        ]

    def audit(values):
        return [
            {
                "at": v,
                "operator": "t",
                "command": "c",
                "action": "a",
                "object_type": "o",
                "object_key": "k",
                "before": None,
                "after": None,
            }
            for v in values
        ]

    stored = []
    for write in (lambda conn, table, rows: conn.execute(insert(table), rows), insert_many):
        engine = create_engine("sqlite://")
        metadata.create_all(engine, tables=[fund, audit_log])
        with engine.begin() as conn:
            start = 0
            for values in batches:
                write(conn, fund, funds(values, start))
                write(conn, audit_log, audit(values))
                start += len(values)
            stored.append(
                (
                    conn.exec_driver_sql(
                        "SELECT code, valid_from, created_on FROM fund ORDER BY code"
                    ).all(),
                    conn.exec_driver_sql("SELECT id, at FROM audit_log ORDER BY id").all(),
                )
            )
        engine.dispose()
    assert stored[0] == stored[1]


def test_at_most_remembered_values_are_kept_per_column():
    """The memory of a column's plan holds the first writing.REMEMBERED values; later ones are
    converted every time, all of them as the processor converts them."""
    from zoufang.db import writing

    converted: list[dt.date] = []

    def process(value: dt.date) -> str:
        converted.append(value)
        return value.isoformat()

    remembered = writing._remembering(process)
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=n) for n in range(writing.REMEMBERED + 100)]
    assert [remembered(d) for d in days] == [d.isoformat() for d in days]
    converted.clear()
    assert [remembered(d) for d in days] == [d.isoformat() for d in days]
    assert converted == days[writing.REMEMBERED :]


# ------------------------------------------------------------ indexes built after the rows


def _index_names(conn, table: str) -> set[str]:
    if conn.dialect.name == "sqlite":
        sql = f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'"
    else:
        sql = f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'"
    return {name for (name,) in conn.exec_driver_sql(sql)}


def test_an_empty_tables_indexes_are_built_after_the_rows(new_ledger):
    """Inside the block an empty table's own indexes are gone on SQLite (kept elsewhere),
    its constraints' are not; after it, every one is back by its own SQL, built over the
    rows the block wrote, and the ledger is whole."""
    from sqlalchemy import insert

    import rawdb
    from zoufang.db import Ledger
    from zoufang.db.writing import indexes_built_after
    from zoufang.tables import visit

    path = new_ledger("built_after")
    before = rawdb.indexes(path)
    assert {"ix_visit_visit_date", "ix_visit_household_date_kind_status"} <= dict(before).keys()
    with Ledger(str(path)).session(write=True, operator="t", command="t") as s:
        conn = s.connection()
        with indexes_built_after(conn, [visit]):
            inside = _index_names(conn, "visit")
            _one_household(conn)
            conn.execute(
                insert(visit),
                [
                    {
                        "id": n,
                        "household_id": 1,
                        "visit_date": dt.date(2026, 2, n),
                        "kind": "routine",
                        "operator": "t",
                    }
                    for n in range(1, 4)
                ],
            )
        after_block = _index_names(conn, "visit")
        used = conn.exec_driver_sql(
            "SELECT id FROM visit INDEXED BY ix_visit_visit_date WHERE visit_date >= '2026-02-02'"
            if conn.dialect.name == "sqlite"
            else "SELECT id FROM visit WHERE visit_date >= '2026-02-02' ORDER BY id"
        ).all()
    if rawdb.ON_POSTGRESQL:
        assert inside == after_block  # nothing dropped elsewhere than SQLite
    else:
        assert "ix_visit_visit_date" not in inside
        assert "ix_visit_household_date_kind_status" not in inside
    assert after_block >= {"ix_visit_visit_date", "ix_visit_household_date_kind_status"}
    assert sorted(r[0] for r in used) == [2, 3]  # the rebuilt index holds the block's rows
    assert rawdb.indexes(path) == before
    if not rawdb.ON_POSTGRESQL:
        assert rawdb.query(path, "PRAGMA integrity_check") == [("ok",)]


def _one_household(conn) -> None:
    from sqlalchemy import insert

    from zoufang.tables import household

    conn.execute(
        insert(household),
        {
            "id": 1,
            "code": "H1",
            "head_name": "张三",
            "id_number": "110101194503071234",
            "village": "红星村",
            "enrolled_on": dt.date(2026, 1, 1),
        },
    )


def test_a_table_with_rows_and_a_unique_index_are_left_alone(new_ledger):
    """A table that has rows keeps its indexes (building them again would cost in
    proportion to the ledger) while an empty one beside it loses its own; a unique index is
    never dropped (cadre's login: the rows must meet it as they go in)."""
    import rawdb
    from zoufang.db import Ledger
    from zoufang.db.writing import indexes_built_after
    from zoufang.tables import cadre, household, member

    path = new_ledger("left_alone")
    with Ledger(str(path)).session(write=True, operator="t", command="t") as s:
        conn = s.connection()
        _one_household(conn)
        kept = _index_names(conn, "household"), _index_names(conn, "cadre")
        assert "ix_household_village" in kept[0] and "ix_cadre_login" in kept[1]
        with indexes_built_after(conn, [household, cadre, member]):
            assert (_index_names(conn, "household"), _index_names(conn, "cadre")) == kept
            emptied = _index_names(conn, "member")
    if not rawdb.ON_POSTGRESQL:  # the empty one's own went: the rule is by table
        assert "ix_member_household_id" not in emptied


def test_a_block_that_fails_gives_the_indexes_back(new_ledger):
    """Killed or refused half way: the transaction is rolled back and the dropped indexes
    come back with it; a caller that caught the error and committed anyway still has them
    (the block made them again before the error went on)."""
    import pytest

    import rawdb
    from zoufang.db import Ledger
    from zoufang.db.writing import indexes_built_after
    from zoufang.tables import visit, wish

    path = new_ledger("rolled_back")
    before = rawdb.indexes(path)
    inside: list[set[str]] = []
    with pytest.raises(RuntimeError, match="refused half way"):
        with Ledger(str(path)).session(write=True, operator="t", command="t") as s:
            conn = s.connection()
            with indexes_built_after(conn, [visit, wish]):
                inside.append(_index_names(conn, "visit") | _index_names(conn, "wish"))
                raise RuntimeError("refused half way")
    if not rawdb.ON_POSTGRESQL:
        assert not {"ix_visit_visit_date", "ix_wish_status_due"} & inside[0]
    assert rawdb.indexes(path) == before
    with Ledger(str(path)).session(write=True, operator="t", command="t") as s:
        conn = s.connection()
        try:
            with indexes_built_after(conn, [visit, wish]):
                _one_household(conn)
                raise KeyError("caught below")
        except KeyError:
            pass  # carried on: the session commits
    assert rawdb.indexes(path) == before
    assert rawdb.query(path, "SELECT COUNT(*) FROM household") == [(1,)]

"""Migration 0008 (distribution plans) on a ledger holding data, on the backend under test:
up from 0005 keeps every row and gives the funds ``requires_plan`` false; down to 0005 with
plans in the ledger drops the plan tables and keeps everything else."""

from __future__ import annotations

import sqlite3

import pytest

import rawdb
from zoufang import db

ROWS_0005 = [
    "INSERT INTO cadre (id, code, name) VALUES (1, 'C0001', '王建国')",
    "INSERT INTO household (id, code, head_name, id_number, village, status, enrolled_on) "
    "VALUES (1, 'H000001', '陈大爷', '110101194503071237', '红星村', 'active', '2026-01-05')",
    "INSERT INTO household_category (household_id, category_code) VALUES (1, 'veteran-member')",
    "INSERT INTO fund (code, name, cap_fen, created_on) VALUES ('CJ', '春节', 100000, "
    "'2026-01-05')",
    "INSERT INTO fund_category (fund_code, category_code) VALUES ('CJ', 'veteran-member')",
    "INSERT INTO ledger_entry (seq, fund_code, kind, amount_fen, entry_date, operator, "
    "recorded_at, prev_hash, hash) VALUES (1, 'CJ', 'allocate', 500000, '2026-01-05', 't', "
    "'2026-01-05 08:00:00', '" + "0" * 64 + "', '" + "a" * 64 + "')",
]
PLAN_ROWS = [
    "INSERT INTO plan (id, code, fund_code, number, name, drafted_by, created_at) VALUES "
    "(1, 'CJ/1', 'CJ', 1, '名单', 'a', '2026-01-06 08:00:00')",
    "INSERT INTO plan_line (id, plan_id, household_code, amount_fen) VALUES (1, 1, 'H000001', "
    "50000)",
    "INSERT INTO plan_event (id, plan_id, kind, household_code, operator, at) VALUES "
    "(1, 1, 'add', 'H000001', 'a', '2026-01-06 08:00:00')",
]


def _migrate(path, target: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(path))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":  # as db.run_migrations: outside the transaction
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                config.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(config, target)
    finally:
        engine.dispose()


@pytest.fixture
def ledger_0005(ledger_path):
    """The test's ledger replaced by one at 0005 holding a fund, a household, an entry."""
    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)
    else:
        ledger_path.unlink()
    _migrate(ledger_path, "0005")
    rawdb.execute(ledger_path, *ROWS_0005)
    return ledger_path


def _tables(path) -> set[str]:
    return set(rawdb.table_names(path))


def test_0008_upgrades_a_ledger_with_data_and_downgrades_with_plans(ledger_0005):
    path = ledger_0005
    before = rawdb.query(path, "SELECT code, name, cap_fen FROM fund")
    _migrate(path, "0008")
    assert rawdb.query(path, "SELECT code, name, cap_fen FROM fund") == before
    assert [bool(r[0]) for r in rawdb.query(path, "SELECT requires_plan FROM fund")] == [False]
    assert rawdb.query(path, "SELECT seq, amount_fen FROM ledger_entry") == [(1, 500000)]
    rawdb.execute(path, *PLAN_ROWS)
    with pytest.raises((sqlite3.DatabaseError, Exception), match="append-only"):
        rawdb.execute(path, "DELETE FROM plan_event")
    _migrate(path, "0007", down=True)
    assert {"plan", "plan_line", "plan_event", "plan_payment"}.isdisjoint(_tables(path))
    assert rawdb.query(path, "SELECT code, name, cap_fen FROM fund") == before
    assert rawdb.query(path, "SELECT seq, amount_fen FROM ledger_entry") == [(1, 500000)]
    assert rawdb.query(path, "SELECT code FROM household") == [("H000001",)]
    _migrate(path, "0008")  # and up again
    assert rawdb.query(path, "SELECT COUNT(*) FROM plan") == [(0,)]

"""The schema belongs to the Alembic scripts in migrations/; these tests keep the program,
the scripts and the models in step, and prove that an upgrade keeps the old ledger safe.

Written against ``zoufang.db.REVISIONS`` rather than particular revisions, so that adding a
migration needs no change here: the upgrade tests start from the first revision.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import rawdb
from helpers import invoke, ok, seed_fund
from zoufang import db

REPO = Path(__file__).resolve().parents[1]


def script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(db.migrations_dir()))


def make_ledger_at(path: Path, revision: str) -> None:
    """A ledger file migrated to exactly ``revision`` (not head)."""
    engine = db.make_engine(db.database_url(path))
    try:
        db.run_migrations(engine, revision)
    finally:
        engine.dispose()


def sqlite_rows(path: Path, tables=None, columns=None) -> dict[str, list[tuple]]:
    """Every row of every table (or of ``tables``, restricted to ``columns[table]``), sorted."""
    con = sqlite3.connect(path)
    try:
        names = tables or [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out = {}
        for t in names:
            cols = columns[t] if columns else ["*"]
            select = ", ".join(f'"{c}"' if c != "*" else c for c in cols)
            out[t] = sorted(con.execute(f'SELECT {select} FROM "{t}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def table_columns(path: Path) -> dict[str, list[str]]:
    if isinstance(path, rawdb.PgLedger):
        columns: dict[str, list[str]] = {}
        for table, column in rawdb.query(
            path,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        ):
            columns.setdefault(table, []).append(column)
        return columns
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    finally:
        con.close()


def schema_objects(path: Path) -> set[tuple[str, str, str]]:
    """(type, name, table) of every table, index and trigger the database holds."""
    if isinstance(path, rawdb.PgLedger):
        return set(
            rawdb.query(
                path,
                """
            SELECT 'table', tablename, tablename FROM pg_tables WHERE schemaname = 'public'
            UNION ALL
            SELECT 'index', indexname, tablename FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'trigger', t.tgname, c.relname FROM pg_trigger t
              JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal""",
            )
        )
    con = sqlite3.connect(path)
    try:
        return set(
            con.execute(
                "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        )
    finally:
        con.close()


def stored_revision(path: Path) -> str | None:
    return rawdb.query(path, "SELECT version_num FROM alembic_version")[0][0]


# ---------------------------------------------------------------------------- (a) revisions


def test_revisions_are_the_alembic_scripts_in_order():
    scripts = script_directory()
    in_order = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert tuple(in_order) == db.REVISIONS
    assert scripts.get_heads() == [db.HEAD_REVISION]
    assert db.HEAD_REVISION == db.REVISIONS[-1]
    # one straight line: every script revises the one before it
    previous = None
    for revision in db.REVISIONS:
        assert scripts.get_revision(revision).down_revision == previous
        previous = revision


def test_script_files_are_named_after_their_revision():
    versions = db.migrations_dir() / "versions"
    for script in script_directory().walk_revisions():
        assert Path(script.path).parent == versions
        assert Path(script.path).name.startswith(script.revision + "_")


# ---------------------------------------------------------------------------- (b) models


def _differences(path: Path) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from zoufang.tables import metadata

    engine = db.make_engine(db.database_url(path))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_blank_ledger_migrated_to_head_matches_the_schema_declaration(tmp_path):
    path = tmp_path / "blank.db"
    db.Ledger(path).engine.dispose()
    assert stored_revision(path) == db.HEAD_REVISION
    assert _differences(path) == []


def test_migrated_schema_has_the_declared_columns_indexes_and_foreign_keys(tmp_path):
    """Spelled out, so a difference that autogenerate does not compare still shows."""
    from sqlalchemy import inspect

    from zoufang.tables import metadata

    path = tmp_path / "blank.db"
    ledger = db.Ledger(path)
    try:
        insp = inspect(ledger.engine)
        assert set(insp.get_table_names()) - {"alembic_version"} == set(metadata.tables)
        for name, table in metadata.tables.items():
            columns = {c["name"]: c for c in insp.get_columns(name)}
            assert set(columns) == set(table.columns.keys()), name
            for column in table.columns:
                assert columns[column.name]["nullable"] == column.nullable, (name, column.name)
            assert set(insp.get_pk_constraint(name)["constrained_columns"]) == {
                c.name for c in table.primary_key.columns
            }, name

            indexes = {
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(name)
            }
            expected = {
                (i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes
            }
            assert indexes == expected, name

            uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints(name)}
            expected_uniques = {
                tuple(c.name for c in u.columns)
                for u in table.constraints
                if u.__class__.__name__ == "UniqueConstraint"
            }
            expected_uniques |= {(c.name,) for c in table.columns if c.unique}
            assert uniques == expected_uniques, name

            fks = {
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in insp.get_foreign_keys(name)
            }
            expected_fks = {
                (
                    tuple(e.parent.name for e in fk.elements),
                    fk.elements[0].column.table.name,
                    tuple(e.column.name for e in fk.elements),
                    fk.ondelete,
                )
                for fk in table.foreign_key_constraints
            }
            assert fks == expected_fks, name
    finally:
        ledger.engine.dispose()


def test_the_backend_under_test_gets_the_models_schema_and_the_triggers(ledger_path):
    """The same migrations on SQLite and PostgreSQL: no difference from the models (types
    included: money is BIGINT), and the append-only triggers on ledger_entry."""
    from sqlalchemy import BigInteger, inspect

    assert stored_revision(ledger_path) == db.HEAD_REVISION
    assert _differences(ledger_path) == []
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("ledger_entry")}
    finally:
        engine.dispose()
    assert isinstance(columns["amount_fen"], BigInteger)
    triggers = {
        name
        for kind, name, table in schema_objects(ledger_path)
        if kind == "trigger" and table == "ledger_entry"
    }
    audit_triggers = {
        name
        for kind, name, table in schema_objects(ledger_path)
        if kind == "trigger" and table == "audit_log"
    }
    assert audit_triggers == (  # append-only since migration 0012
        {"audit_log_append_only", "audit_log_operator_is_login"}
        if rawdb.ON_POSTGRESQL
        else {"audit_log_no_update", "audit_log_no_delete"}
    )
    expected = (
        {
            "ledger_entry_append_only",
            "ledger_entry_operator_is_login",
            "ledger_entry_cadre_plan_only",
        }
        if rawdb.ON_POSTGRESQL
        else {"ledger_entry_no_update", "ledger_entry_no_delete"}
    )
    assert triggers == expected


def test_every_model_is_mapped_onto_its_declared_table_field_for_column():
    """The ORM classes add Python types to the one declaration, nothing else: each class's
    table is the declared Table itself, it has one field per column (no more, no fewer),
    and each field's Python type is its column's (optional exactly when it is nullable or
    filled in by the database)."""
    import datetime as dt
    import typing

    from sqlmodel import SQLModel

    from zoufang import models, tables

    classes = [c for c in vars(models).values() if isinstance(c, type) and c is not SQLModel]
    classes = [c for c in classes if issubclass(c, SQLModel) and hasattr(c, "__table__")]
    assert {c.__table__.name for c in classes} == set(tables.metadata.tables)
    for cls in classes:
        table = cls.__table__
        assert table is tables.metadata.tables[table.name], cls.__name__
        assert list(cls.model_fields) == list(table.columns.keys()), cls.__name__
        hints = typing.get_type_hints(cls)
        for column in table.columns:
            hint = hints[column.name]
            args = set(typing.get_args(hint)) or {hint}
            optional = type(None) in args
            (python_type,) = args - {type(None)}
            expected = column.type.python_type
            if expected is dt.datetime:
                assert python_type is dt.datetime, (cls.__name__, column.name)
            else:
                assert python_type is expected, (cls.__name__, column.name, hint)
            generated = (
                column is table.autoincrement_column  # an id the database assigns
            )
            assert optional == (column.nullable or generated), (cls.__name__, column.name)


def test_input_limits_come_from_the_declaration():
    from zoufang import tables

    assert tables.max_length(tables.household, "head_name") == 100
    assert tables.max_length(tables.visit, "notes") is None  # Text: unbounded


@pytest.mark.parametrize("start", db.REVISIONS[:-1])
def test_every_older_schema_upgrades_to_the_same_schema_as_a_new_ledger(tmp_path, start):
    fresh = tmp_path / "fresh.db"
    db.Ledger(fresh).engine.dispose()
    old = tmp_path / "old.db"
    make_ledger_at(old, start)
    ledger = db.Ledger(old)
    ledger.engine.dispose()
    assert ledger.upgraded_from == start
    assert stored_revision(old) == db.HEAD_REVISION
    assert _differences(old) == []
    # tables, indexes and triggers (e.g. append-only ones dropped by a batch rebuild)
    assert schema_objects(old) == schema_objects(fresh)


@pytest.mark.parametrize("target", db.REVISIONS[:-1])
def test_every_downgrade_gives_back_the_older_schema(tmp_path, target):
    """Each migration's downgrade undoes it: a new ledger taken down to ``target`` has the
    schema of a ledger made at ``target``, and upgrades to head's schema again."""
    from alembic import command
    from alembic.config import Config

    fresh, down, at_target = tmp_path / "fresh.db", tmp_path / "down.db", tmp_path / "at.db"
    for path in (fresh, down):
        db.Ledger(path).engine.dispose()
    make_ledger_at(at_target, target)
    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(down))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.downgrade(config, target)
    finally:
        engine.dispose()
    assert stored_revision(down) == target
    assert schema_objects(down) == schema_objects(at_target)
    make_ledger_at(down, db.HEAD_REVISION)
    assert schema_objects(down) == schema_objects(fresh)


# ---------------------------------------------------------------------------- (c) upgrade

FIRST_REVISION_ROWS = [
    "INSERT INTO cadre (id, code, name, unit, phone, email) VALUES "
    "(1, 'C0001', '王建国', '红星村党支部', '13812345678', 'wang@example.cn'), "
    "(2, 'C0002', '李梅', NULL, NULL, NULL)",
    "INSERT INTO household (id, code, head_name, id_number, phone, village, members_count, "
    "income_fen, status, enrolled_on, last_visit_on, due_date, cadence_days) VALUES "
    "(1, 'H000001', '陈大爷', '110101194503071237', NULL, '红星村', 2, 1200000, 'active', "
    "'2026-01-05', '2026-03-01', '2026-03-31', NULL), "
    "(2, 'H000002', '王奶奶', '110101195206112345', '010-65123456', '东风社区', 1, 0, "
    "'active', '2026-01-05', NULL, '2026-01-05', 30)",
    "INSERT INTO household (id, code, head_name, id_number, village, status, exit_reason, "
    "exited_on, enrolled_on) VALUES (3, 'H000003', '刘小明', '370203201204155611', '红星村', "
    "'exited', '迁出', '2026-02-01', '2026-01-05')",
    "INSERT INTO household_category (household_id, category_code) VALUES "
    "(1, 'veteran-member'), (1, 'elderly-alone'), (2, 'low-income'), (3, 'left-behind-child')",
    "INSERT INTO assignment (household_id, cadre_id, assigned_on) VALUES "
    "(1, 1, '2026-01-05'), (2, 2, '2026-01-05')",
    "INSERT INTO member (id, household_id, name, relation, birth_year, id_number) VALUES "
    "(1, 1, '陈奶奶', 'spouse', 1947, NULL)",
    "INSERT INTO cadre_relative (id, cadre_id, household_id, id_number, relation) VALUES "
    "(1, 2, 2, NULL, 'aunt')",
    "INSERT INTO visit (id, household_id, visit_date, kind, notes, next_date, recorded_at, "
    "operator) VALUES (1, 1, '2026-03-01', 'routine', '屋顶漏雨', NULL, "
    "'2026-03-01 09:00:00', 'tester')",
    "INSERT INTO visit_cadre (visit_id, cadre_id) VALUES (1, 1)",
    "INSERT INTO visit_item (id, visit_id, kind, text) VALUES (1, 1, 'wish', '一台收音机')",
    "INSERT INTO commitment (id, household_id, visit_id, text, cadre_id, due_date, status, "
    "opened_on) VALUES (1, 1, 1, '修屋顶', 1, '2026-04-01', 'in-progress', '2026-03-01')",
    "INSERT INTO commitment_response (id, commitment_id, response_date, action, note, operator) "
    "VALUES (1, 1, '2026-03-10', 'respond', '已联系施工队', 'tester')",
    "INSERT INTO audit_log (id, at, operator, command, action, object_type, object_key, "
    "before, after) VALUES (1, '2026-01-05 08:00:00', 'tester', 'enroll', 'create', "
    "'household', 'H000001', NULL, '{}')",
]


#: Ids were given explicitly: move PostgreSQL's sequences past them, as a real ledger's are.
FIRST_REVISION_SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
    for t in (
        "cadre",
        "household",
        "member",
        "cadre_relative",
        "visit",
        "visit_item",
        "commitment",
        "commitment_response",
        "audit_log",
    )
]


@pytest.fixture
def first_revision_ledger(ledger_path) -> Path:
    """The test's ledger replaced by one at REVISIONS[0], holding rows in every table."""
    if len(db.REVISIONS) == 1:
        pytest.skip("only one schema revision exists: there is nothing to upgrade from")
    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)  # empty again
        make_ledger_at(ledger_path, db.REVISIONS[0])
        rawdb.execute(ledger_path, *FIRST_REVISION_ROWS, *FIRST_REVISION_SEQUENCES)
        assert stored_revision(ledger_path) == db.REVISIONS[0]
        return ledger_path
    ledger_path.unlink()
    make_ledger_at(ledger_path, db.REVISIONS[0])
    con = sqlite3.connect(ledger_path)
    try:
        con.execute("PRAGMA foreign_keys=ON")
        with con:
            for statement in FIRST_REVISION_ROWS:
                con.execute(statement)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    assert stored_revision(ledger_path) == db.REVISIONS[0]
    return ledger_path


#: Rows a later revision adds to an old ledger (0010: two built-in categories).
ADDED_CATEGORIES = {"destitute", "empty-nest"}


def _without_added_rows(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The rows of an upgraded ledger less those the migrations themselves added."""
    out = dict(rows)
    if "category" in out:
        out["category"] = [r for r in out["category"] if r[0] not in ADDED_CATEGORIES]
    return out


def test_0010_adds_the_categories_and_notes_to_a_ledger_with_data(first_revision_ledger):
    """Upgrading a 0005 ledger that holds households: they keep their categories, gain an
    empty ``notes``, and 特困供养人员 / 空巢老人 exist; the downgrade takes both away unless a
    household uses one (then it stays, as the ledger's own category)."""
    path = first_revision_ledger
    make_ledger_at(path, "0005")
    make_ledger_at(path, "0010")
    rows = rawdb.query(path, "SELECT code, label, cadence_days FROM category ORDER BY code")
    assert ("destitute", "特困供养人员", 30) in [tuple(r) for r in rows]
    assert ("empty-nest", "空巢老人", 30) in [tuple(r) for r in rows]
    assert [
        tuple(r) for r in rawdb.query(path, "SELECT code, notes FROM household ORDER BY id")
    ] == [
        ("H000001", None),
        ("H000002", None),
        ("H000003", None),
    ]
    rawdb.execute(
        path,
        "UPDATE household SET notes = '性别：女' WHERE id = 2",
        "INSERT INTO household_category (household_id, category_code) VALUES (2, 'destitute')",
    )
    make_ledger_at_down(path, "0009")
    assert "notes" not in table_columns(path)["household"]
    left = {r[0]: r[1] for r in rawdb.query(path, "SELECT code, builtin FROM category")}
    assert "empty-nest" not in left
    assert not left["destitute"]  # still used by H000002: kept as the ledger's own
    make_ledger_at(path, "0010")  # and up again: the kept category is not added twice
    count = rawdb.query(path, "SELECT COUNT(*) FROM category WHERE code = 'destitute'")
    assert count[0][0] == 1


def make_ledger_at_down(path: Path, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(path))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        engine.dispose()


@pytest.mark.sqlite_only  # the backup file; PostgreSQL: test_old_ledger_is_upgraded_in_place
def test_old_ledger_is_backed_up_and_upgraded_on_open(zf, first_revision_ledger):
    path = first_revision_ledger
    old_columns = table_columns(path)
    old_tables = sorted(t for t in old_columns if t != "alembic_version")
    before = sqlite_rows(path, old_tables, old_columns)

    result = zf("household", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [h["code"] for h in result.json()] == ["H000001", "H000002", "H000003"]

    # the upgrade says what it did, on stderr, and the data are all still there
    backups = sorted(path.parent.glob(path.name + ".backup-*"))
    assert len(backups) == 1
    backup = backups[0]
    assert re.fullmatch(
        re.escape(path.name) + rf"\.backup-{db.REVISIONS[0]}-\d{{8}}T\d{{6}}(-\d+)?", backup.name
    )
    assert str(backup) in result.stderr
    assert f"{db.REVISIONS[0]} → {db.HEAD_REVISION}" in result.stderr
    assert stored_revision(path) == db.HEAD_REVISION
    assert _without_added_rows(sqlite_rows(path, old_tables, old_columns)) == before

    # the backup is the old ledger, complete, private and usable
    assert stored_revision(backup) == db.REVISIONS[0]
    assert table_columns(backup) == old_columns
    assert sqlite_rows(backup, old_tables, old_columns) == before
    assert backup.stat().st_mode & 0o777 == 0o600
    con = sqlite3.connect(backup)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()

    # the upgraded ledger passes its own check, and is not upgraded (or backed up) twice
    check = zf("db", "check")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert sorted(path.parent.glob(path.name + ".backup-*")) == backups
    shown = zf("household", "show", "H000001", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    assert "陈大爷" in shown.stdout


def test_old_ledger_is_upgraded_in_place(zf, first_revision_ledger, snapshot_db):
    """On either backend: the rows of an old ledger are all there after the upgrade."""
    old_columns = table_columns(first_revision_ledger)
    old_tables = sorted(t for t in old_columns if t != "alembic_version")
    before = {t: rows for t, rows in snapshot_db().items() if t in old_tables}
    result = zf("household", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [h["code"] for h in result.json()] == ["H000001", "H000002", "H000003"]
    assert stored_revision(first_revision_ledger) == db.HEAD_REVISION
    after = _without_added_rows(snapshot_db())
    for table in old_tables:  # later revisions may add columns after the old ones
        width = len(old_columns[table])
        assert sorted((r[:width] for r in after[table]), key=repr) == before[table], table
    # and it takes new rows: PostgreSQL's sequences are past the ids that were there
    assert zf("cadre", "add", "--name", "赵六", "-f", "json").json()["code"] == "C0003"
    assert zf("db", "check").exit_code == 0


def test_two_processes_opening_an_old_ledger_at_once_both_succeed(first_revision_ledger):
    """The upgrade takes the write lock first: the second opener waits, then finds it done."""
    env = {**os.environ, "ZOUFANG_DB": str(first_revision_ledger)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "zoufang", "household", "list", "-f", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert "H000001" in out
    assert stored_revision(first_revision_ledger) == db.HEAD_REVISION


def test_db_upgrade_command_upgrades_an_old_ledger(zf, first_revision_ledger):
    result = zf("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert f"upgraded {db.REVISIONS[0]} → {db.HEAD_REVISION}" in result.stderr
    if not rawdb.ON_POSTGRESQL:  # PostgreSQL: back up with pg_dump (docs/postgresql.md)
        assert "backup written to" in result.stderr
    assert stored_revision(first_revision_ledger) == db.HEAD_REVISION
    again = zf("db", "upgrade")
    assert again.exit_code == 0
    assert again.stderr.splitlines() == [
        f"ledger {first_revision_ledger} is already at schema {db.HEAD_REVISION}"
    ]


# ---------------------------------------------------------------------------- (d) newer


def test_ledger_newer_than_the_program_is_refused(zf, ledger_path, snapshot_db):
    rawdb.execute(ledger_path, "UPDATE alembic_version SET version_num = '9999'")
    before = snapshot_db()
    for args in (["household", "list"], ["db", "upgrade"], ["db", "check"]):
        result = zf(*args)
        assert result.exit_code == 1, args
        assert len(result.stderr.splitlines()) == 1, result.stderr
        line = result.stderr.strip()
        assert line.startswith("error: --db: ")
        assert "9999" in line and "newer" in line
        assert result.stdout == ""
    assert snapshot_db() == before
    if not rawdb.ON_POSTGRESQL:
        assert list(ledger_path.parent.glob("*.backup-*")) == []


# ---------------------------------------------------------------------------- (e) failure

BROKEN_MIGRATION = '''"""a migration that fails half way

Revision ID: 9999
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("household", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(20)))
    op.execute("UPDATE household SET head_name = 'changed'")
    op.execute("DELETE FROM visit_cadre")
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade() -> None:
    pass
'''


@pytest.fixture
def broken_next_revision(tmp_path, monkeypatch):
    """Make the program believe in a revision 9999 after head whose upgrade fails."""
    scripts = tmp_path / "broken-migrations"
    shutil.copytree(db.migrations_dir(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_broken.py").write_text(
        BROKEN_MIGRATION.format(down=db.HEAD_REVISION)
    )
    old_head = db.HEAD_REVISION
    monkeypatch.setattr(db.migrate, "migrations_dir", lambda: scripts)
    monkeypatch.setattr(db.migrate, "REVISIONS", (*db.REVISIONS, "9999"))
    monkeypatch.setattr(db.migrate, "HEAD_REVISION", "9999")
    return old_head


def test_failing_migration_leaves_the_ledger_at_its_old_revision(
    zf, village, ledger_path, snapshot_db, request
):
    assert zf("visit", "log", "H000001", "--by", "C0001", "--date", "2026-11-01").exit_code == 0
    before = snapshot_db()
    schema_before = schema_objects(ledger_path)
    old_head = request.getfixturevalue("broken_next_revision")

    result = zf("household", "list", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: --db: upgrading the ledger")
    assert "unchanged" in errors[0] and "no_such_table" in errors[0]
    assert "Traceback" not in result.stderr

    assert stored_revision(ledger_path) == old_head
    assert snapshot_db() == before  # no scratch table, no nickname column, rows untouched
    assert schema_objects(ledger_path) == schema_before  # indexes and triggers too
    assert db.Ledger(str(ledger_path), auto_upgrade=False).check() == []
    if rawdb.ON_POSTGRESQL:
        return  # one transaction on the server; back up with pg_dump (docs/postgresql.md)

    # the backup taken before the attempt is the old ledger, whole and usable
    backup = Path(errors[0].rsplit("; backup at ", 1)[1])
    assert stored_revision(backup) == old_head
    assert table_columns(backup) == table_columns(ledger_path)
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("ZOUFANG_DB", str(backup))
    monkeypatch.setattr(db.migrate, "migrations_dir", lambda: REPO / "migrations")
    monkeypatch.setattr(db.migrate, "REVISIONS", db.REVISIONS[:-1])
    monkeypatch.setattr(db.migrate, "HEAD_REVISION", old_head)
    assert zf("db", "check").exit_code == 0
    audit = zf("audit", "funds", "--format", "json")
    assert audit.exit_code == 0, audit.stdout
    listed = zf("household", "list", "--format", "json")
    assert [h["code"] for h in listed.json()] == ["H000001", "H000002", "H000003"]


def test_run_migrations_is_one_transaction(ledger_path, broken_next_revision):
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        with pytest.raises(Exception, match="no_such_table"):
            db.run_migrations(engine, "head")
    finally:
        engine.dispose()
    assert stored_revision(ledger_path) == broken_next_revision
    assert "scratch" not in table_columns(ledger_path)


# ---------------------------------------------------------------------------- (f) wheel


@pytest.mark.slow
def test_cli_works_from_an_installed_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels)]
    try:
        import hatchling  # noqa: F401

        command.append("--no-build-isolation")  # build offline with the installed backend
    except ImportError:
        pass
    built = subprocess.run([*command, str(REPO)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("zoufang-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    assert "zoufang/migrations/env.py" in names
    assert "zoufang/migrations/script.py.mako" in names
    for script in script_directory().walk_revisions():
        assert f"zoufang/migrations/versions/{Path(script.path).name}" in names

    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr

    # run from somewhere that is not the source tree, with only the installed copy importable
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOUFANG_")}
    env["PYTHONPATH"] = str(target)
    env["ZOUFANG_DB"] = str(work / "ledger.db")
    env["ZOUFANG_TODAY"] = env["ZOUFANG_REAL_CLOCK_FOR_TESTS"] = "2026-11-23"

    def run(*args):
        return subprocess.run(
            [sys.executable, *args], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )

    where = run("-c", "import zoufang.db as d; print(d.__file__); print(d.migrations_dir())")
    assert where.returncode == 0, where.stderr
    module_file, migrations = where.stdout.splitlines()
    assert Path(module_file).is_relative_to(target)
    assert Path(migrations) == target / "zoufang" / "migrations"

    upgraded = run("-m", "zoufang", "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"→ {db.HEAD_REVISION}" in upgraded.stderr
    assert stored_revision(work / "ledger.db") == db.HEAD_REVISION
    enrolled = run(
        "-m",
        "zoufang",
        "enroll",
        "--name",
        "陈大爷",
        "--id-number",
        "110101194503071237",
        "--village",
        "红星村",
        "--category",
        "low-income",
        "--format",
        "json",
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert '"H000001"' in enrolled.stdout
    checked = run("-m", "zoufang", "db", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.sqlite_only
def test_0007_keeps_responses_recorded_before_it_without_a_time(tmp_path):
    """Commitment responses written before the real clock keep recorded_at NULL (nothing
    says when they were written); the audit's date checks skip them; new ones get it."""
    path = tmp_path / "old.db"
    make_ledger_at(path, "0005")
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "INSERT INTO household (id, code, head_name, id_number, village, status, "
            "enrolled_on) VALUES (1, 'H000001', '陈大爷', '110101194503071237', '红星村', "
            "'active', '2026-01-01')"
        )
        con.execute("INSERT INTO cadre (id, code, name) VALUES (1, 'C0001', '王建国')")
        con.execute(
            "INSERT INTO commitment (id, household_id, text, cadre_id, due_date, status, "
            "opened_on) VALUES (1, 1, '修屋顶', 1, '2026-03-01', 'open', '2026-01-02')"
        )
        con.execute(
            "INSERT INTO commitment_response (id, commitment_id, response_date, action, note, "
            "operator) VALUES (1, 1, '2020-01-01', 'respond', '已联系', 'clerk')"
        )
    con.close()
    ledger = db.Ledger(str(path))
    assert stored_revision(path) == db.HEAD_REVISION
    ledger.engine.dispose()
    con = sqlite3.connect(path)
    assert con.execute("SELECT id, recorded_at FROM commitment_response").fetchall() == [(1, None)]
    con.close()
    env = {"ZOUFANG_DB": str(path), "ZOUFANG_REAL_CLOCK_FOR_TESTS": "2026-11-23"}
    report = json.loads(invoke("audit", "visits", "-f", "json", env=env).stdout)
    assert [f for f in report["findings"] if f["check"] in ("late-entry", "future-dated")] == []


def test_0009_upgrades_a_ledger_with_visits_and_its_downgrade_keeps_them(zf, ledger_path):
    """Migration 0009 (corrections) on a ledger at 0005 (upgraded through 0006–0008 too) holding visits: every visit is
    current and counts; a correction then works; taken back down to 0008 the visits and
    their rows are still there."""
    from alembic import command
    from alembic.config import Config

    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)
        make_ledger_at(ledger_path, "0005")
        rawdb.execute(ledger_path, *FIRST_REVISION_ROWS, *FIRST_REVISION_SEQUENCES)
    else:
        ledger_path.unlink()
        make_ledger_at(ledger_path, "0005")
        con = sqlite3.connect(ledger_path)
        try:
            with con:
                for statement in FIRST_REVISION_ROWS:
                    con.execute(statement)
        finally:
            con.close()
    assert stored_revision(ledger_path) == "0005"
    result = zf("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert rawdb.query(ledger_path, "SELECT id, status FROM visit") == [(1, "current")]
    assert rawdb.query(ledger_path, "SELECT id, status FROM member") == [(1, "current")]
    [visit] = zf("visit", "list", "--format", "json").json()
    assert (visit["id"], visit["status"], visit["wishes"]) == (1, "current", ["一台收音机"])
    # the need it opened has a response: the visit cannot be voided, only amended
    assert zf("visit", "void", "1", "--reason", "记错").exit_code == 1
    result = zf("visit", "amend", "1", "--kind", "festival", "--reason", "类型记错")
    assert result.exit_code == 0, result.stderr
    assert rawdb.query(ledger_path, "SELECT id, status FROM visit ORDER BY id") == [
        (1, "superseded"),
        (2, "current"),
    ]
    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
    finally:
        engine.dispose()
    assert stored_revision(ledger_path) == "0008"
    assert "status" not in table_columns(ledger_path)["visit"]
    assert "status" not in table_columns(ledger_path)["member"]
    assert rawdb.query(ledger_path, "SELECT id, name FROM member") == [(1, "陈奶奶")]
    assert "correction" not in table_columns(ledger_path)
    assert rawdb.query(ledger_path, "SELECT id, kind FROM visit ORDER BY id") == [
        (1, "routine"),
        (2, "festival"),
    ]


def test_0012_upgrades_a_ledger_with_data_and_its_downgrade_keeps_it(zf, ledger_path):
    """Migration 0012 (identities, roles, village scope) on a ledger at 0011 holding rows: the
    rows are read as before, a cadre gets a login, the audit log is append-only; taken back
    down to 0011 the rows are still there and the audit log takes changes again."""
    from alembic import command
    from alembic.config import Config

    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)
        make_ledger_at(ledger_path, "0011")
        rawdb.execute(ledger_path, *FIRST_REVISION_ROWS, *FIRST_REVISION_SEQUENCES)
    else:
        ledger_path.unlink()
        make_ledger_at(ledger_path, "0011")
        con = sqlite3.connect(ledger_path)
        try:
            with con:
                for statement in FIRST_REVISION_ROWS:
                    con.execute(statement)
        finally:
            con.close()
    before = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
    audit_rows = rawdb.query(ledger_path, "SELECT count(*) FROM audit_log")[0][0]
    result = zf("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert stored_revision(ledger_path) == db.HEAD_REVISION
    assert rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq") == before
    ok(zf("visit", "list"))
    ok(zf("cadre", "update", "C0001", "--login", "wang"))
    assert rawdb.query(ledger_path, "SELECT code, login FROM cadre WHERE code = 'C0001'") == [
        ("C0001", "wang")
    ]
    with pytest.raises(Exception, match="append-only"):
        rawdb.execute(ledger_path, "DELETE FROM audit_log")
    assert rawdb.query(ledger_path, "SELECT count(*) FROM audit_log")[0][0] == audit_rows + 1
    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.downgrade(config, "0011")
    finally:
        engine.dispose()
    assert stored_revision(ledger_path) == "0011"
    assert "login" not in table_columns(ledger_path)["cadre"]
    assert "login_role" not in table_columns(ledger_path)
    assert rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq") == before
    rawdb.execute(ledger_path, "UPDATE audit_log SET command = command")  # no trigger any more


def test_0014_upgrades_a_ledger_with_data_and_its_downgrade_keeps_it(zf, ledger_path):
    """Migration 0014 (the database's own trail) on a ledger at 0013 holding rows: the rows
    are read as before and the audit log keeps its rows and its append-only triggers; on
    PostgreSQL a change made after it is in the trail, with its transaction in the audit
    log. Taken back down to 0013 the rows are still there, the trail and the column gone."""
    from alembic import command
    from alembic.config import Config

    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)
        make_ledger_at(ledger_path, "0013")
        rawdb.execute(ledger_path, *FIRST_REVISION_ROWS, *FIRST_REVISION_SEQUENCES)
    else:
        ledger_path.unlink()
        make_ledger_at(ledger_path, "0013")
        con = sqlite3.connect(ledger_path)
        try:
            with con:
                for statement in FIRST_REVISION_ROWS:
                    con.execute(statement)
        finally:
            con.close()
    before = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
    audit_rows = rawdb.query(ledger_path, "SELECT count(*) FROM audit_log")[0][0]
    ok(zf("db", "upgrade"))
    assert stored_revision(ledger_path) == db.HEAD_REVISION
    assert rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq") == before
    assert rawdb.query(ledger_path, "SELECT count(*) FROM change_trail") == [(0,)]
    ok(zf("cadre", "update", "C0001", "--login", "wang"))
    trail = rawdb.query(ledger_path, "SELECT table_name, operation, row_key FROM change_trail")
    logged = rawdb.query(ledger_path, "SELECT txid FROM audit_log WHERE txid IS NOT NULL")
    if rawdb.ON_POSTGRESQL:
        assert trail == [("cadre", "UPDATE", "C0001")]
        txid = rawdb.query(ledger_path, "SELECT txid FROM change_trail")[0][0]
        assert (txid,) in logged
    else:  # no trail on SQLite (docs/security.md)
        assert trail == [] and logged == []
    findings = zf("audit", "funds", "-f", "json").json()["findings"]
    assert [f for f in findings if f["check"] == "unlogged-change"] == []
    with pytest.raises(Exception, match="append-only"):
        rawdb.execute(ledger_path, "DELETE FROM audit_log")
    if not rawdb.ON_POSTGRESQL:  # a row for the append-only triggers to refuse
        rawdb.execute(
            ledger_path,
            "INSERT INTO change_trail (at, login, txid, table_name, operation, row_key) "
            "VALUES ('2026-12-05 00:00:00', 'x', 1, 'household', 'UPDATE', 'H000001')",
        )
    for statement in ("UPDATE change_trail SET login = 'x'", "DELETE FROM change_trail"):
        with pytest.raises(Exception, match="append-only"):
            rawdb.execute(ledger_path, statement)
    assert rawdb.query(ledger_path, "SELECT count(*) FROM audit_log")[0][0] > audit_rows
    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.downgrade(config, "0013")
    finally:
        engine.dispose()
    assert stored_revision(ledger_path) == "0013"
    assert "change_trail" not in table_columns(ledger_path)
    assert "txid" not in table_columns(ledger_path)["audit_log"]
    assert rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq") == before
    with pytest.raises(Exception, match="append-only"):  # the audit log's triggers stayed
        rawdb.execute(ledger_path, "DELETE FROM audit_log")


@pytest.mark.skipif(not rawdb.ON_POSTGRESQL, reason="the write lock's limits are PostgreSQL's")
def test_0014_lowers_the_lock_limits_but_keeps_an_owners_own(zf, ledger_path):
    """0013's limits (60 s idle, an hour in all) become 10 s and 15 minutes, with a new 30 s
    limit for one statement; a limit the owner had set itself is kept."""
    rawdb.create_database(ledger_path.name)
    make_ledger_at(ledger_path, "0013")
    rawdb.execute(
        ledger_path,
        "CREATE OR REPLACE FUNCTION zoufang_stale_lock_seconds() RETURNS integer "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT 45 $$",
    )
    ok(zf("db", "upgrade"))
    assert rawdb.query(
        ledger_path,
        "SELECT zoufang_stale_lock_seconds(), zoufang_statement_lock_seconds(), "
        "zoufang_max_lock_seconds()",
    ) == [(45, 30, 900)]


def test_0015_upgrades_a_ledger_with_data_and_its_downgrade_keeps_it(zf, ledger_path):
    """Migration 0015 (the money tables scoped to a cadre's villages) on a ledger at 0014
    holding rows: on PostgreSQL the four tables get row-level security and the SECURITY
    DEFINER functions answer the chain's head and a fund's totals; the rows and the chain
    stay as they were, and `audit funds` agrees. Taken back to 0014 the policies and the
    functions are gone and the rows stay. On SQLite nothing changes but the revision."""
    from alembic import command
    from alembic.config import Config

    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)
        make_ledger_at(ledger_path, "0014")
        rawdb.execute(ledger_path, *FIRST_REVISION_ROWS, *FIRST_REVISION_SEQUENCES)
    else:
        ledger_path.unlink()
        make_ledger_at(ledger_path, "0014")
        con = sqlite3.connect(ledger_path)
        try:
            with con:
                for statement in FIRST_REVISION_ROWS:
                    con.execute(statement)
        finally:
            con.close()
    before = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
    facts = rawdb.query(ledger_path, "SELECT count(*) FROM fact_change")
    ok(zf("db", "upgrade"))
    assert stored_revision(ledger_path) == db.HEAD_REVISION
    assert rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq") == before
    assert rawdb.query(ledger_path, "SELECT count(*) FROM fact_change") == facts
    seed_fund(zf)  # a fund with its allocation, written at 0015
    before = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
    scoped = "('ledger_entry', 'plan_line', 'plan_event', 'fact_change')"
    if rawdb.ON_POSTGRESQL:
        rls = rawdb.query(
            ledger_path,
            f"SELECT relname, relrowsecurity FROM pg_class WHERE relname IN {scoped} "
            "AND relkind = 'r' ORDER BY relname",
        )
        assert rls == [
            ("fact_change", True),
            ("ledger_entry", True),
            ("plan_event", True),
            ("plan_line", True),
        ]
        assert rawdb.query(ledger_path, "SELECT seq, hash FROM zoufang_chain_head()") == [
            before[-1]
        ]
        fund, allocated = rawdb.query(
            ledger_path,
            "SELECT fund_code, sum(amount_fen) FROM ledger_entry WHERE kind = 'allocate' "
            "GROUP BY fund_code ORDER BY fund_code LIMIT 1",
        )[0]
        assert rawdb.query(ledger_path, "SELECT allocated FROM zoufang_fund_totals(?)", fund) == [
            (allocated,)
        ]
    findings = zf("audit", "funds", "-f", "json").json()["findings"]
    assert [f for f in findings if f["check"] == "chain"] == []  # the rows' own: not ours
    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.downgrade(config, "0014")
    finally:
        engine.dispose()
    assert stored_revision(ledger_path) == "0014"
    assert rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq") == before
    if rawdb.ON_POSTGRESQL:
        rls = rawdb.query(
            ledger_path,
            f"SELECT bool_or(relrowsecurity) FROM pg_class WHERE relname IN {scoped} "
            "AND relkind = 'r'",
        )
        assert rls == [(False,)]
        left = rawdb.query(
            ledger_path,
            "SELECT proname FROM pg_proc WHERE proname IN ('zoufang_chain_head', "
            "'zoufang_fact_head', 'zoufang_fund_totals', 'zoufang_sharing', "
            "'zoufang_sharing_candidates', 'zoufang_paid_sharing', 'zoufang_people', "
            "'zoufang_relatives')",
        )
        assert left == []

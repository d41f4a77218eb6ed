"""The storage layer: how a ledger file is created, opened, locked, backed up and checked.

Driven through ``zoufang.db.Ledger`` where the property is about connections, and through
the real CLI (``zf``) where it is about what a cadre sees: exit code and one stderr line.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import rawdb
from helpers import error_line
from zoufang import db
from zoufang.errors import StorageError


def checkpoint(path: Path) -> None:
    """Fold the WAL back into the file, so byte-level changes hit the real pages."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


# ---------------------------------------------------------------------------- files


def test_new_ledger_file_is_private(tmp_path):
    path = tmp_path / "new.db"
    ledger = db.Ledger(path)
    try:
        assert path.stat().st_mode & 0o777 == 0o600
        with ledger.session(write=True, operator="t", command="test") as session:
            session.connection().exec_driver_sql(
                "INSERT INTO cadre (code, name) VALUES ('C0001', '王建国')"
            )
            # SQLite gives its side files the database file's permissions
            for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                if side.exists():
                    assert side.stat().st_mode & 0o777 == 0o600, side
    finally:
        ledger.engine.dispose()


def test_new_ledger_in_a_missing_directory_is_created(zf, tmp_path):
    path = tmp_path / "not" / "yet" / "there" / "ledger.db"
    result = zf("--db", str(path), "household", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert path.is_file()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            db.HEAD_REVISION
        )
    finally:
        con.close()


def test_ledger_path_under_a_file_is_one_clear_error(zf, tmp_path):
    (tmp_path / "plain-file").write_text("x")
    result = zf("--db", str(tmp_path / "plain-file" / "sub" / "ledger.db"), "household", "list")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith("error: --db: cannot create ")


def test_backup_file_is_private(zf, ledger_path, tmp_path):
    target = tmp_path / "copy.db"
    assert zf("db", "backup", str(target)).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------------- connections


@pytest.mark.sqlite_only
def test_connection_pragmas(ledger_path):
    ledger = db.Ledger(ledger_path)
    try:
        with ledger.engine.connect() as conn:

            def pragma(name):
                return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 2  # FULL
            assert pragma("busy_timeout") == db.BUSY_TIMEOUT_MS > 0
    finally:
        ledger.engine.dispose()


@pytest.mark.sqlite_only
def test_sqlite_engines_of_a_process_share_compiled_statements(tmp_path):
    """A second ledger opened in the same process reuses the statements the first compiled
    (issue 21: compiling inside the write lock), and each still reads its own file."""
    from sqlalchemy import select

    from zoufang.tables import category

    statement = select(category.c.code).where(category.c.code == "zz-shared-cache-test")
    ledgers = [db.Ledger(tmp_path / "one.db"), db.Ledger(tmp_path / "two.db")]
    try:
        with ledgers[0].session(write=True, operator="t", command="test") as s:
            s.connection().exec_driver_sql(
                "INSERT INTO category (code, label, cadence_days, builtin) "
                "VALUES ('zz-shared-cache-test', 'x', 30, 0)"
            )
        hits, found = [], []
        for ledger in ledgers:
            with ledger.engine.connect() as conn:
                result = conn.execute(statement)
                found.append(result.scalars().all())
                hits.append(result.context.cache_hit)
        dialect = ledgers[1].engine.dialect
        assert hits[1] == dialect.CACHE_HIT  # compiled by the first engine
        assert found == [["zz-shared-cache-test"], []]  # each its own file
    finally:
        for ledger in ledgers:
            ledger.engine.dispose()


def test_foreign_keys_are_enforced_in_a_session(ledger_path):
    from sqlalchemy.exc import IntegrityError

    ledger = db.Ledger(ledger_path)
    try:
        with pytest.raises(IntegrityError):
            with ledger.session(write=True, operator="t", command="test") as session:
                session.connection().exec_driver_sql(
                    "INSERT INTO household_category (household_id, category_code) "
                    "VALUES (999, 'low-income')"
                )
    finally:
        ledger.engine.dispose()


def _another_writer_can_start(path: Path) -> bool | str:
    con = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        con.close()


@pytest.mark.sqlite_only
def test_write_session_begins_immediate_and_read_session_does_not(ledger_path):
    ledger = db.Ledger(ledger_path)
    try:
        with ledger.session(write=True, operator="t", command="test") as session:
            session.connection()  # the transaction starts here, before any write
            assert _another_writer_can_start(ledger_path) == "database is locked"
        assert _another_writer_can_start(ledger_path) is True
        with ledger.session(write=False, operator="t", command="test") as session:
            session.connection()
            assert _another_writer_can_start(ledger_path) is True
    finally:
        ledger.engine.dispose()


def test_second_writer_waits_for_the_first(ledger_path):
    first, second = db.Ledger(ledger_path), db.Ledger(ledger_path)
    holding = threading.Event()
    release = threading.Event()
    released_at: list[float] = []

    def hold_the_write_lock():
        with first.session(write=True, operator="a", command="test") as session:
            session.connection().exec_driver_sql(
                "INSERT INTO cadre (code, name) VALUES ('C0001', '王建国')"
            )
            holding.set()
            release.wait(10)
            released_at.append(time.monotonic())

    thread = threading.Thread(target=hold_the_write_lock)
    thread.start()
    try:
        assert holding.wait(10)
        threading.Timer(0.5, release.set).start()
        started = time.monotonic()
        with second.session(write=True, operator="b", command="test") as session:
            session.connection().exec_driver_sql(
                "INSERT INTO cadre (code, name) VALUES ('C0002', '李梅')"
            )
        finished = time.monotonic()
    finally:
        release.set()
        thread.join(10)
        first.engine.dispose()
        second.engine.dispose()
    # the second writer queued behind the first instead of failing at once
    assert finished - started >= 0.4
    assert released_at and released_at[0] <= finished
    assert rawdb.query(ledger_path, "SELECT code FROM cadre ORDER BY code") == [
        ("C0001",),
        ("C0002",),
    ]


def test_writer_gives_up_after_the_busy_timeout_with_a_clear_error(ledger_path, monkeypatch):
    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_MS", 200)
    first, second = db.Ledger(ledger_path), db.Ledger(ledger_path)
    try:
        with first.session(write=True, operator="a", command="test") as session:
            session.connection()
            started = time.monotonic()
            with pytest.raises(StorageError) as info:
                with second.session(write=True, operator="b", command="test") as other:
                    other.connection()
            waited = time.monotonic() - started
    finally:
        first.engine.dispose()
        second.engine.dispose()
    assert waited >= 0.15  # it waited for the lock, it did not fail at once
    assert info.value.field == "--db"
    assert "busy" in info.value.reason


def test_session_rolls_back_when_the_block_raises(ledger_path):
    ledger = db.Ledger(ledger_path)
    try:
        with pytest.raises(RuntimeError):
            with ledger.session(write=True, operator="t", command="test") as session:
                session.connection().exec_driver_sql(
                    "INSERT INTO cadre (code, name) VALUES ('C0001', '王建国')"
                )
                raise RuntimeError("stop")
    finally:
        ledger.engine.dispose()
    assert rawdb.query(ledger_path, "SELECT count(*) FROM cadre") == [(0,)]


# ---------------------------------------------------------------------------- db backup


def test_db_backup_makes_a_copy_that_passes_db_check(zf, village, tmp_path):
    target = tmp_path / "backups" / "ledger-copy.db"
    target.parent.mkdir()
    result = zf("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert str(target) in result.stderr

    check = zf("--db", str(target), "db", "check")
    assert check.exit_code == 0, check.stdout + check.stderr
    listed = zf("--db", str(target), "household", "list", "--format", "json")
    assert [h["code"] for h in listed.json()] == ["H000001", "H000002", "H000003"]


def test_db_backup_refuses_an_existing_path(zf, ledger_path, tmp_path):
    target = tmp_path / "exists.db"
    target.write_bytes(b"precious")
    result = zf("db", "backup", str(target))
    assert result.exit_code == 1
    line = error_line(result)
    assert line == f"error: PATH: {target} already exists; choose a new file"
    assert target.read_bytes() == b"precious"


def test_db_backup_refuses_a_missing_directory(zf, ledger_path, tmp_path):
    target = tmp_path / "no-such-dir" / "copy.db"
    result = zf("db", "backup", str(target))
    assert result.exit_code == 1
    assert "does not exist" in error_line(result)
    assert not target.parent.exists()


# ---------------------------------------------------------------------------- db check


def test_db_check_passes_a_clean_ledger(zf, village):
    result = zf("db", "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "integrity ok, foreign keys ok" in result.stderr


def test_db_check_finds_a_broken_foreign_key(zf, village, ledger_path):
    con = rawdb.connect(ledger_path)
    try:
        with con:
            rawdb.foreign_keys_off(con)
            con.execute(
                "INSERT INTO household_category (household_id, category_code) "
                "VALUES (999, 'low-income')"
            )
    finally:
        con.close()
    result = zf("db", "check")
    assert result.exit_code == 1
    # SQLite names the row by its rowid, PostgreSQL by its primary key
    row = "(999, 'low-income')" if rawdb.ON_POSTGRESQL else "5"
    assert result.stdout.splitlines() == [
        f"foreign key: household_category row {row} points to a missing household"
    ]


@pytest.mark.sqlite_only
def test_db_check_reports_a_damaged_file(zf, village, ledger_path):
    checkpoint(ledger_path)
    con = sqlite3.connect(ledger_path)
    try:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'household'"
        ).fetchone()[0]
    finally:
        con.close()
    with open(ledger_path, "r+b") as f:  # scribble over the household table's root page
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * 64)
    result = zf("db", "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    if result.stdout:
        assert result.stdout.startswith("integrity: ")
    else:
        assert "damaged" in error_line(result)


# ---------------------------------------------------------------------------- db upgrade


def test_db_upgrade_on_a_current_ledger_says_so(zf, ledger_path, snapshot_db):
    before = snapshot_db()
    result = zf("db", "upgrade")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"ledger {ledger_path} is already at schema {db.HEAD_REVISION}"
    ]
    assert snapshot_db() == before
    if not rawdb.ON_POSTGRESQL:
        assert list(ledger_path.parent.glob("*.backup-*")) == []


# ---------------------------------------------------------------------------- not a ledger


def test_other_sqlite_file_is_refused(zf, tmp_path):
    other = tmp_path / "notes.db"
    con = sqlite3.connect(other)
    with con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        con.execute("INSERT INTO notes (text) VALUES ('keep me')")
    con.close()
    before = other.read_bytes()
    for args in (["household", "list"], ["db", "upgrade"], ["db", "check"]):
        result = zf("--db", str(other), *args)
        assert result.exit_code == 1, args
        assert error_line(result) == (
            f"error: --db: {other} holds other tables and is not a zoufang ledger"
        )
    assert other.read_bytes() == before


def test_file_that_is_not_sqlite_is_refused(zf, tmp_path):
    other = tmp_path / "roster.csv"
    other.write_text("name,id_number\n" * 200)
    before = other.read_bytes()
    result = zf("--db", str(other), "household", "list")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith(f"error: --db: {other} is not a zoufang ledger")
    assert other.read_bytes() == before


# ---------------------------------------------------------------------------- read-only


def _immutable(path: Path, on: bool) -> bool:
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    done = subprocess.run([chattr, "+i" if on else "-i", str(path)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def read_only_ledger(village, ledger_path):
    """The ledger made unwritable: chmod 0400, or (as root, who ignores modes) chattr +i;
    on PostgreSQL, a database whose transactions are read-only."""
    if rawdb.ON_POSTGRESQL:
        rawdb.execute(
            ledger_path,
            f'ALTER DATABASE "{ledger_path.name}" SET default_transaction_read_only = on',
        )
        yield ledger_path
        return
    checkpoint(ledger_path)
    for side in ("-wal", "-shm"):
        Path(str(ledger_path) + side).unlink(missing_ok=True)
    if os.geteuid() != 0:
        ledger_path.chmod(0o400)
        yield ledger_path
        ledger_path.chmod(0o600)
        return
    if not _immutable(ledger_path, True):
        pytest.skip(
            "running as root, which ignores file modes, and chattr +i is unavailable "
            "here: a read-only ledger file cannot be simulated"
        )
    try:
        yield ledger_path
    finally:
        _immutable(ledger_path, False)


def test_read_only_ledger_refuses_writes_clearly(zf, read_only_ledger, snapshot_db):
    before = snapshot_db()
    result = zf("cadre", "add", "--name", "赵六")
    assert result.exit_code == 1
    kind = "database" if rawdb.ON_POSTGRESQL else "file"
    assert error_line(result) == (
        f"error: --db: the ledger {kind} is read-only; nothing was written"
    )
    assert snapshot_db() == before


@pytest.mark.sqlite_only
def test_read_only_uri_ledger_reads_but_refuses_writes(
    zf, village, ledger_path, tmp_path, monkeypatch, snapshot_db
):
    before = snapshot_db()
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///file:{ledger_path}?mode=ro&uri=true"
    assert db.sqlite_path(url) == ledger_path
    listed = zf("--db", url, "household", "list", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.json()) == 3
    result = zf("--db", url, "cadre", "add", "--name", "赵六")
    assert result.exit_code == 1
    assert error_line(result) == "error: --db: the ledger file is read-only; nothing was written"
    assert snapshot_db() == before
    assert not (tmp_path / "file:").exists()  # no stray file made from the URL


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////srv/zoufang/ledger.db", Path("/srv/zoufang/ledger.db")),
        ("sqlite:///ledger.db", Path("ledger.db")),
        ("sqlite:///file:/srv/l.db?mode=ro&uri=true", Path("/srv/l.db")),
        ("sqlite:///file:///srv/l.db?mode=ro&uri=true", Path("/srv/l.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:mem?mode=memory&cache=shared&uri=true", None),
        ("postgresql+psycopg://u@h/zoufang", None),
    ],
)
def test_sqlite_path(url, path):
    assert db.sqlite_path(url) == path


# ---------------------------------------------------------------------------- start-up

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "tabulate",
    "rich",
    "xlsxwriter",
    "python_calamine",
    "openpyxl",
    "platformdirs",
)


@pytest.mark.parametrize(
    "args", [["--help"], ["db", "--help"], ["enroll", "--help"], ["--version"]]
)
def test_help_does_not_import_heavy_modules(tmp_path, args):
    code = (
        "import json, sys\n"
        f"sys.argv = ['zoufang', *{args!r}]\n"
        "from zoufang.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules})\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(loaded) + '\\n')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOUFANG_")}
    env["ZOUFANG_DB"] = str(tmp_path / "never-opened.db")
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()  # the help (or version) was printed
    marker = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    loaded = set(json.loads(marker[-1].removeprefix("MODULES ")))
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    assert not (tmp_path / "never-opened.db").exists()


def test_postgresql_passwords_never_shown():
    from zoufang.db import Ledger, hide_password

    assert hide_password("postgresql+psycopg://cadre:s3cret@db.county/zoufang") == (
        "postgresql+psycopg://cadre:***@db.county/zoufang"
    )
    assert hide_password("postgresql+psycopg://cadre@db.county/zoufang") == (
        "postgresql+psycopg://cadre@db.county/zoufang"
    )
    try:
        ledger = Ledger("postgresql+psycopg://cadre:s3cret@127.0.0.1:1/zoufang", auto_upgrade=False)
    except StorageError as exc:  # no psycopg installed: the error must not show it either
        assert "s3cret" not in exc.line()
    else:
        assert "s3cret" not in ledger.display


def test_a_second_reader_sees_the_first_readers_snapshot(village, zf, ledger_path, monkeypatch):
    """`report`'s second thread reads on a second connection exactly what the first one
    reads: PostgreSQL adopts the exported snapshot; SQLite refuses (None: the caller reads
    alone) once a write was committed after the first reader began."""
    monkeypatch.setattr(db.snapshots, "cores", lambda: 2)
    ledger = db.Ledger(str(ledger_path))
    count = "SELECT count(*) FROM cadre"
    try:
        with ledger.session(write=False, operator="test", command="test") as first:
            before = first.connection().exec_driver_sql(count).scalar()
            with db.second_reader(first) as other:
                assert other is not None
                assert other.connection().exec_driver_sql(count).scalar() == before
            added = zf("cadre", "add", "--name", "新来的干部")
            assert added.exit_code == 0, added.stderr
            with db.second_reader(first) as other:
                if ledger.engine.dialect.name == "sqlite":
                    assert other is None
                else:
                    assert other.connection().exec_driver_sql(count).scalar() == before
        monkeypatch.setattr(db.snapshots, "cores", lambda: 1)
        with (
            ledger.session(write=False, operator="test", command="test") as first,
            db.second_reader(first) as other,
        ):
            assert other is None  # one core: nothing to gain
    finally:
        ledger.engine.dispose()

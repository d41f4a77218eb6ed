"""Raw SQL behind the program's back, on either backend.

Tests that check what is stored, or tamper with it as someone with a database shell would,
use :func:`connect` instead of ``sqlite3.connect``: on SQLite it *is* ``sqlite3.connect``;
on PostgreSQL it is a psycopg connection that looks like one (``?`` placeholders,
``execute(...).fetchall()``, ``row_factory = sqlite3.Row``, ``with con:`` commits) and
returns dates and times as SQLite stores them (``'2026-11-23'``,
``'2026-11-23 12:00:00.000000'``), so one assertion holds on both.

The test's ledger is ``ledger_path``: a :class:`~pathlib.Path` on SQLite, a
:class:`PgLedger` (its ``str()`` is the URL) on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any

BACKEND = os.environ.get("ZOUFANG_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
if BACKEND in ("pg", "postgres"):
    BACKEND = "postgresql"
#: An existing PostgreSQL database the test role can log in to and CREATE DATABASE from.
PG_URL = os.environ.get(
    "ZOUFANG_TEST_PG_URL", "postgresql+psycopg://zoufang@127.0.0.1:54329/zoufang"
)
ON_POSTGRESQL = BACKEND == "postgresql"


class PgLedger:
    """A test's PostgreSQL ledger: a database on the test server."""

    def __init__(self, url: str):
        self.url = url
        self.name = url.rsplit("/", 1)[1].split("?", 1)[0]

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"PgLedger({self.url!r})"

    def __fspath__(self) -> str:  # never silently a file named after a URL
        raise TypeError(f"{self.url} is a PostgreSQL ledger, not a file")


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` for psycopg itself."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest


def database_url(ledger: Any, name: str) -> str:
    """The URL of another database ``name`` on the same server as ``ledger`` (or PG_URL)."""
    base = ledger.url if isinstance(ledger, PgLedger) else PG_URL
    return base.rsplit("/", 1)[0] + "/" + name


def admin():
    """An autocommit connection to PG_URL's database, for CREATE/DROP DATABASE."""
    import psycopg

    return psycopg.connect(libpq_url(PG_URL), autocommit=True)


def create_database(name: str, *, template: str | None = None) -> PgLedger:
    with admin() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            con.execute(f'CREATE DATABASE "{name}"')
    return PgLedger(database_url(None, name))


def drop_database(name: str) -> None:
    with admin() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Prepared:
    """Fresh databases made from a template ahead of time, in a background thread.

    CREATE DATABASE … TEMPLATE takes about half a second; made while the previous test
    runs, it costs the suite almost nothing.
    """

    def __init__(self, template: str, prefix: str, depth: int = 2):
        import queue
        import threading

        self._template, self._prefix = template, prefix
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="prepared-databases", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        import queue

        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                item: Any = create_database(f"{self._prefix}_{n}", template=self._template)
            except Exception as exc:  # handed to the test that takes it
                item = exc
            while True:
                if self._stop.is_set():
                    if isinstance(item, PgLedger):
                        drop_database(item.name)
                    return
                try:
                    self._queue.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue

    def take(self) -> PgLedger:
        item = self._queue.get(timeout=300)
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        import queue

        self._stop.set()
        while True:  # unblock and drain
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, PgLedger):
                drop_database(item.name)
        self._thread.join(60)
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if isinstance(item, PgLedger):
                drop_database(item.name)


def clone(source: Any, target: Any) -> None:
    """Make ``target`` an exact copy of ``source`` (both files, or both PostgreSQL ledgers)."""
    if isinstance(source, PgLedger):
        create_database(target.name, template=source.name)
        return
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


class Row(tuple):
    """A row with index and column-name access, like ``sqlite3.Row``."""

    _columns: tuple[str, ...] = ()

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._columns.index(key))
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._columns)


def _as_sqlite_stores(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Cursor:
    def __init__(self, cursor, named: bool):
        self._cursor = cursor
        self._named = named

    def _row(self, raw):
        if raw is None:
            return None
        values = tuple(_as_sqlite_stores(v) for v in raw)
        if not self._named:
            return values
        row = Row(values)
        row._columns = tuple(d.name for d in self._cursor.description)
        return row

    def fetchone(self):
        return self._row(self._cursor.fetchone())

    def fetchall(self):
        if self._cursor.description is None:
            return []
        return [self._row(r) for r in self._cursor.fetchall()]

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class PgConnection:
    """Enough of ``sqlite3.Connection`` over psycopg for the tests."""

    def __init__(self, ledger: PgLedger):
        import psycopg

        self._con = psycopg.connect(libpq_url(ledger.url))
        self.row_factory = None

    @staticmethod
    def _sql(sql: str, params) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if params else sql

    def execute(self, sql: str, params=()) -> _Cursor:
        cursor = self._con.cursor()
        cursor.execute(self._sql(sql, params), tuple(params) if params else None)
        return _Cursor(cursor, self.row_factory is not None)

    def executemany(self, sql: str, rows) -> None:
        rows = [tuple(r) for r in rows]
        with self._con.cursor() as cursor:
            cursor.executemany(self._sql(sql, rows), rows)

    def commit(self) -> None:
        self._con.commit()

    def rollback(self) -> None:
        self._con.rollback()

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self._con.commit()
        else:
            self._con.rollback()
        return False


def connect(ledger: Path | PgLedger | str):
    """``sqlite3.connect`` for a file, a look-alike psycopg connection for PostgreSQL."""
    if isinstance(ledger, PgLedger):
        return PgConnection(ledger)
    return sqlite3.connect(ledger)


def query(ledger, sql: str, *params) -> list[tuple]:
    """All rows of one statement (``?`` placeholders), on either backend."""
    con = connect(ledger)
    try:
        return [tuple(r) for r in con.execute(sql, params).fetchall()]
    finally:
        con.close()


def execute(ledger, *statements: str) -> None:
    """Run statements in one transaction, behind the program's back."""
    con = connect(ledger)
    try:
        with con:
            for statement in statements:
                con.execute(statement)
    finally:
        con.close()


def disable_append_only(con) -> None:
    """What a tamperer with a database shell does first: drop the append-only triggers."""
    if isinstance(con, PgConnection):
        con.execute("DROP TRIGGER ledger_entry_append_only ON ledger_entry")
    else:
        con.execute("DROP TRIGGER ledger_entry_no_update")
        con.execute("DROP TRIGGER ledger_entry_no_delete")


def disable_fact_append_only(con) -> None:
    """The same for the fact history's triggers (migration 0006)."""
    if isinstance(con, PgConnection):
        con.execute("DROP TRIGGER fact_change_append_only ON fact_change")
    else:
        con.execute("DROP TRIGGER fact_change_no_update")
        con.execute("DROP TRIGGER fact_change_no_delete")


def foreign_keys_off(con) -> None:
    """Let the next statements break foreign keys (PostgreSQL: this transaction only)."""
    if isinstance(con, PgConnection):
        con.execute("SET session_replication_role = replica")
    else:
        con.execute("PRAGMA foreign_keys=OFF")


def table_names(ledger) -> list[str]:
    if isinstance(ledger, PgLedger):
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
    return [r[0] for r in query(ledger, sql)]


def indexes(ledger) -> list[tuple[str, str]]:
    """Every index of the ledger (name, its definition), sorted: to prove a command left the
    schema as it found it (`import` builds some after the rows, db.writing)."""
    if isinstance(ledger, PgLedger):
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    else:
        sql = "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'"
    return sorted((name, definition) for name, definition in query(ledger, sql))

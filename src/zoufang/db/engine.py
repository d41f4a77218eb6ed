"""An engine with zoufang's connection settings for each backend.

* A new SQLite file is created readable by its owner only (0600). SQLite connections run
  with WAL, ``foreign_keys=ON``, ``synchronous=FULL`` and a busy timeout; a write
  transaction starts with ``BEGIN IMMEDIATE`` so that two writers queue on the lock instead
  of one failing at once with "database is locked" (a deferred transaction that later
  writes cannot wait in WAL mode).
* PostgreSQL (``postgresql+psycopg://…``): a write transaction's first statement takes the
  write lock, waiting up to the same busy timeout — through ``zoufang_write_lock()`` on a
  ledger at schema 0012 or later (``zoufang_write="function"``, which no ordinary login can
  hold outside a zoufang command's transaction), else a transaction-scoped advisory lock
  (:data:`PG_WRITE_LOCK`: the migrations, `db copy`, logins from before `zoufang user add`), so writers queue exactly as they do on SQLite and rules judged inside a command
  (next free code, balance, cap) hold when it commits.

A connection is a writer when its execution options carry ``zoufang_write=True``
(:meth:`zoufang.db.Ledger.session` sets it).

Every SQLite engine of a process shares one cache of compiled statements
(:class:`SharedCompiledCache`): a process that runs several commands (the test suite, the
waiting-writers benchmark, anything that calls the CLI in-process) opens a new engine per
command, and without it compiled every statement afresh each time — inside the write lock,
where every other writer waits (issue 21, part 6).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoufang.db.urls import sqlite_path
from zoufang.errors import StorageError
from zoufang.i18n import _
from zoufang.private_files import create_private, make_private_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000
#: Bytes of a SQLite ledger a command may read through a memory map (see read_by_mmap).
MMAP_SIZE = 2**31 - 2**16
#: Key of the PostgreSQL advisory lock every write transaction holds (any constant).
PG_WRITE_LOCK = 0x7A6F7577  # "zouw"
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "afs", "ncpfs"}


def create_private_file(path: Path) -> None:
    """Create an empty ledger file with mode 0600 (its directory 0700 if we create it)."""
    if path.exists():
        return
    if not path.parent.exists():
        try:
            make_private_dir(path.parent)
        except OSError as exc:
            raise StorageError(
                "--db",
                _("cannot create {path}: {error}").format(path=path.parent, error=exc.strerror),
            ) from None
    try:
        create_private(path)
    except OSError as exc:
        raise StorageError(
            "--db", _("cannot create {path}: {error}").format(path=path, error=exc.strerror)
        ) from None


def filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding ``path`` (Linux /proc/mounts), or None."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(
            mount_point
        ) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


class SharedCompiledCache:
    """SQLAlchemy's ``compiled_cache`` for every SQLite engine of this process.

    SQLAlchemy keys a compiled statement by the dialect *object* of its engine, so a new
    engine starts with nothing compiled. Engines made here differ in their file only: the
    dialect is the same class with the same settings (one sqlite3 module per process), so
    this cache keys by the dialect's class, parameter style and SQLite version instead, and a
    statement compiled by one engine serves the next. A bounded LRU, as SQLAlchemy's own."""

    def __init__(self, size: int = 1000) -> None:
        from sqlalchemy.util import LRUCache

        self._lru: Any = LRUCache(size)

    @staticmethod
    def _key(key: tuple) -> tuple:
        dialect = key[0]
        return (
            type(dialect),
            dialect.paramstyle,
            getattr(dialect, "server_version_info", None),
            *key[1:],
        )

    def get(self, key: tuple, default: Any = None) -> Any:
        return self._lru.get(self._key(key), default)

    def __getitem__(self, key: tuple) -> Any:
        return self._lru[self._key(key)]

    def __setitem__(self, key: tuple, value: Any) -> None:
        self._lru[self._key(key)] = value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self._key(key) in self._lru

    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        self._lru.clear()


_sqlite_compiled_cache: SharedCompiledCache | None = None


def sqlite_compiled_cache() -> SharedCompiledCache:
    """The process's shared cache of compiled statements for SQLite engines."""
    global _sqlite_compiled_cache
    if _sqlite_compiled_cache is None:
        _sqlite_compiled_cache = SharedCompiledCache()
    return _sqlite_compiled_cache


def make_engine(url: str, key: str | None = None) -> Engine:
    """An engine with zoufang's connection settings for the URL's backend; ``key`` opens an
    encrypted SQLite file through SQLCipher (:mod:`zoufang.db.encryption`, the one place a
    key reaches the database)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    path = sqlite_path(url)
    if key is not None and path is None:
        raise StorageError("--db", _("a key opens only a SQLite ledger file"))
    if url.startswith("sqlite"):
        if path is not None:
            create_private_file(path)
            fs = filesystem_type(path.parent)
            if fs in NETWORK_FILESYSTEMS:
                print(
                    _(
                        "warning: the ledger {path} is on a network filesystem ({fs}); SQLite "
                        "locking is unsafe there — use a PostgreSQL ledger for shared use"
                    ).format(path=path, fs=fs),
                    file=sys.stderr,
                )
        if key is not None:
            from zoufang.db import encryption

            assert path is not None
            statement = encryption.key_statement(path, key)  # before any connection
            engine = create_engine(
                url,
                poolclass=NullPool,
                module=encryption.driver(),
                creator=lambda: encryption.connect(
                    path, key, statement, timeout=30, check_same_thread=False
                ),
            )
        else:
            engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
        # statements compiled by this process's earlier engines serve this one too
        engine.update_execution_options(compiled_cache=sqlite_compiled_cache())

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # WAL is persistent: switch only a new file or a ledger, never someone
                # else's database that the schema check is about to refuse.
                tables = {
                    row[0]
                    for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                if not tables or "alembic_version" in tables:
                    cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            write = connection.get_execution_options().get("zoufang_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    # NullPool: a command is one short transaction; no connection outlives its session.
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _on_pg_begin(connection):
            write = connection.get_execution_options().get("zoufang_write", False)
            if write:
                # One writer at a time, like BEGIN IMMEDIATE; give up after the busy timeout.
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")
            if write == "function":
                # A ledger at schema 0012 or later: the lock only its function can take
                # (an EXCLUSIVE lock on alembic_version; docs/security.md).
                connection.exec_driver_sql("SELECT zoufang_write_lock()")
            elif write:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

    return engine

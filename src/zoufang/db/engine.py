"""An engine with zoufang's connection settings for each backend.

* A new SQLite file is created readable by its owner only (0600). SQLite connections run
  with WAL, ``foreign_keys=ON``, ``synchronous=FULL`` and a busy timeout; a write
  transaction starts with ``BEGIN IMMEDIATE`` so that two writers queue on the lock instead
  of one failing at once with "database is locked" (a deferred transaction that later
  writes cannot wait in WAL mode).
* PostgreSQL (``postgresql+psycopg://…``): a write transaction's first statement takes the
  write lock, waiting up to the same busy timeout — through ``zoufang_write_lock()`` on a
  ledger at schema 0011 or later (``zoufang_write="function"``, which no ordinary login can
  hold outside a zoufang command's transaction), else a transaction-scoped advisory lock
  (:data:`PG_WRITE_LOCK`: the migrations, `db copy`, logins from before `zoufang user add`), so writers queue exactly as they do on SQLite and rules judged inside a command
  (next free code, balance, cap) hold when it commits.

A connection is a writer when its execution options carry ``zoufang_write=True``
(:meth:`zoufang.db.Ledger.session` sets it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from zoufang.db.urls import sqlite_path
from zoufang.errors import StorageError
from zoufang.i18n import _

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
            path.parent.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise StorageError(
                "--db",
                _("cannot create {path}: {error}").format(path=path.parent, error=exc.strerror),
            ) from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StorageError(
            "--db", _("cannot create {path}: {error}").format(path=path, error=exc.strerror)
        ) from None
    os.close(fd)


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


def make_engine(url: str) -> Engine:
    """An engine with zoufang's connection settings for the URL's backend."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    path = sqlite_path(url)
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
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

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
                # A ledger at schema 0011 or later: the lock only its function can take
                # (an EXCLUSIVE lock on alembic_version; docs/security.md).
                connection.exec_driver_sql("SELECT zoufang_write_lock()")
            elif write:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

    return engine

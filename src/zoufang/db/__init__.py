"""Where the ledger lives and how it is opened: the one way from the program to the database.

``--db`` / ``ZOUFANG_DB`` is a SQLite path or a SQLAlchemy URL; SQLite is the embedded
default and PostgreSQL the shared backend, through the same code. The package, from the
bottom up (each module imports only those above it in this list, never the services):

* :mod:`~zoufang.db.urls` — ``--db`` to a URL, the file behind it, a URL without password;
* :mod:`~zoufang.db.translate` — driver errors to one :class:`~zoufang.errors.StorageError`;
* :mod:`~zoufang.db.encryption` — encrypted SQLite ledgers (SQLCipher): the key's one way to
  a connection, and ``db encrypt`` / ``db decrypt``;
* :mod:`~zoufang.db.engine` — engines with zoufang's settings (WAL, busy timeout, the
  write lock on both backends);
* :mod:`~zoufang.db.sessions` — :class:`LedgerSession`, one command's transaction, for
  Core statements and the ORM alike;
* :mod:`~zoufang.db.reading` and :mod:`~zoufang.db.snapshots` — county-wide reads, and one
  read shared by two connections;
* :mod:`~zoufang.db.migrate` — the schema's revisions and Alembic;
* :mod:`~zoufang.db.copy` — a whole ledger into another database (``db copy``, the backup
  of a PostgreSQL ledger);
* :mod:`~zoufang.db.ledger` — :class:`Ledger`: an opened ledger, its schema check and
  upgrade (after a backup), its sessions (one transaction per command) and its integrity
  check.

The schema itself is declared once, in :mod:`zoufang.tables`.
"""

from __future__ import annotations

from zoufang.db.engine import BUSY_TIMEOUT_MS, MMAP_SIZE, PG_WRITE_LOCK, make_engine
from zoufang.db.ledger import Ledger
from zoufang.db.migrate import HEAD_REVISION, REVISIONS, migrations_dir, run_migrations
from zoufang.db.reading import bulk, driver_rows, driver_rows_streamed, read_by_mmap
from zoufang.db.sessions import LedgerSession
from zoufang.db.snapshots import WRITE_MARK_SQL, adopt_snapshot, cores, second_reader, snapshot_mark
from zoufang.db.urls import database_url, default_db_path, hide_password, sqlite_path

__all__ = [
    "BUSY_TIMEOUT_MS",
    "HEAD_REVISION",
    "MMAP_SIZE",
    "PG_WRITE_LOCK",
    "REVISIONS",
    "WRITE_MARK_SQL",
    "Ledger",
    "LedgerSession",
    "adopt_snapshot",
    "bulk",
    "cores",
    "database_url",
    "default_db_path",
    "driver_rows",
    "driver_rows_streamed",
    "hide_password",
    "make_engine",
    "migrations_dir",
    "read_by_mmap",
    "run_migrations",
    "second_reader",
    "snapshot_mark",
    "sqlite_path",
]

"""One read split over two connections that see the same ledger: `audit funds`' worker
process and `report`'s second reader thread."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from zoufang.db.reading import read_by_mmap
from zoufang.db.sessions import LedgerSession

#: On SQLite, what tells two read transactions apart: every write of the program adds an
#: audit_log row in its own transaction (see snapshot_mark).
WRITE_MARK_SQL = "SELECT max(id) FROM audit_log"


def snapshot_mark(connection) -> str:
    """What lets another connection read exactly what ``connection``'s read transaction
    reads (:func:`adopt_snapshot`), for work split over two connections (`audit funds`'
    worker, `report`'s second reader).

    PostgreSQL: an exported snapshot of this REPEATABLE READ transaction (read sessions
    are), which another transaction adopts while this one is open — pg_dump's way of
    reading in parallel. SQLite cannot share a snapshot: the mark is the newest audit_log
    row, which every write command adds in its own transaction, so two read transactions
    with the same mark see the same ledger (and the other side falls back to this one if
    they differ). A hand edit with a database shell adds no audit row: one made in the
    moment between the two transactions' starts goes unnoticed here (the
    audit's findings about it then come from one of the two)."""
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    return str(connection.exec_driver_sql(WRITE_MARK_SQL).scalar())


def adopt_snapshot(connection, mark: str) -> bool:
    """Make the transaction ``connection`` (SQLAlchemy) is about to begin read what
    :func:`snapshot_mark`'s did; False if it cannot (SQLite: a write was committed in
    between). On PostgreSQL the connection must be REPEATABLE READ, with nothing run yet."""
    if connection.dialect.name == "postgresql":
        if not all(c.isalnum() or c == "-" for c in mark):  # e.g. 00000003-0000001B-1
            raise ValueError(f"not a snapshot id: {mark!r}")
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{mark}'")
        return True
    return str(connection.exec_driver_sql(WRITE_MARK_SQL).scalar()) == mark


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def second_reader(session: LedgerSession) -> Iterator[LedgerSession | None]:
    """Another read transaction on the ledger that sees exactly what ``session``'s does
    (:func:`snapshot_mark`), for a second thread of a county-wide read (`report`); None
    when there is no second core, or the snapshot cannot be shared (SQLite: a write was
    committed in between), and the caller reads everything itself. The sqlite3 module and
    psycopg release the GIL while the database works, so two threads' queries run on two
    cores."""
    if cores() < 2:
        yield None
        return
    connection = session.connection()
    mark = snapshot_mark(connection)
    engine = connection.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as other, other.begin():
        if not adopt_snapshot(other, mark):
            yield None
            return
        read_by_mmap(other)
        reader = LedgerSession(other, session.info)
        try:
            yield reader
        finally:
            reader.close()

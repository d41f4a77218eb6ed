"""County-wide reads: a memory-mapped SQLite file, driver rows without SQLAlchemy's
per-value conversions, and no cyclic garbage collection while millions of rows are held."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from zoufang.db.engine import MMAP_SIZE


def read_by_mmap(connection) -> None:
    """Let this connection read the SQLite file through a memory map (up to 2 GB; SQLite caps
    it at its compile-time limit).

    For commands that look rows up all over a county ledger (`audit funds` finds each
    payment's visit among a million): one read() system call per page otherwise costs more
    than the lookups. Not the default: the mapped pages count in the process's resident
    memory, which for a command streaming the whole file (`export`) says nothing useful.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA mmap_size={MMAP_SIZE}")


def driver_rows(connection, statement, parameters: dict | None = None) -> list[tuple]:
    """Every row of ``statement`` as the database driver returns it: plain tuples, values
    not converted by SQLAlchemy (SQLite gives dates as ISO text, PostgreSQL as dates).

    For whole-table and county-wide reads (`due`, `audit funds`), where SQLAlchemy's row
    objects and per-value conversions cost about as much as the reading; the caller turns
    what it needs into dates itself.
    """
    result = connection.execute(statement, parameters)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def driver_rows_streamed(connection, statement, batch: int = 5000) -> Iterator[tuple]:
    """The rows of ``statement`` as :func:`driver_rows` gives them, ``batch`` at a time
    instead of all at once: a county's households, members or fact history would otherwise
    be held as tuples beside what the caller builds from them (`import`)."""
    result = connection.execute(statement)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield from rows
    finally:
        result.close()


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    For county-wide reads that hold millions of tuples at once (`audit funds`): each
    collection of the oldest generation walks every one of them again, and such rows hold
    no reference cycles to collect. Memory is still freed
    as usual (by reference counting).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

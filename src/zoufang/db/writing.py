"""Bulk writes: many rows of one table in one ``executemany``.

SQLAlchemy's own ``executemany`` of a list of dicts builds, for every row, a parameter
dict and runs each value through its type's bind processor with bookkeeping around it:
about as long as SQLite's own insert of the row (an import writes ~5 million at the county,
docs/benchmarks.md). :func:`insert_many` converts the values with the very same bind
processors (``Date`` and ``DateTime`` as SQLAlchemy stores them in SQLite, ``Boolean`` as
0/1), once per value, and hands the driver plain tuples; a day or a naive time of day it has
converted already (the transaction's one ``recorded_at``, the days a sheet repeats: the
first :data:`REMEMBERED` of each column's plan, for the life of the process) is not
converted again. Elsewhere than SQLite, and for rows that leave out a column with a
Python-side default made per row (a callable, which SQLAlchemy would call), it is
SQLAlchemy's ``executemany`` as before; a column left out whose default is a constant
(``status = "active"``) gets that constant, as SQLAlchemy would give it.

:func:`indexes_built_after` is the other half of a bulk load into empty tables: their
secondary indexes are built once, after the rows, instead of row by row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, DateTime, insert


def insert_many(connection, table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys, column names) into ``table``."""
    if not rows:
        return
    plan = _plan(connection.dialect, table, tuple(rows[0])) if _is_sqlite(connection) else None
    if plan is None:
        connection.execute(insert(table), rows)
        return
    sql, values = plan
    connection.exec_driver_sql(sql, [values(row) for row in rows])


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


@functools.lru_cache(maxsize=256)
def _plan(dialect, table, keys: tuple[str, ...]):
    """The INSERT's text and a row → parameter tuple function, or None where SQLAlchemy must
    do it (a key that is no column, a column with a Python-side default left out)."""
    columns = table.c
    if any(key not in columns for key in keys):
        return None
    left_out = [c for c in table.columns if c.default is not None and c.key not in keys]
    if any(not getattr(c.default, "is_scalar", False) for c in left_out):
        return None  # a default made per row (a callable, a SQL expression): SQLAlchemy's
    quote = dialect.identifier_preparer.quote
    named = (*keys, *(c.key for c in left_out))
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table.name), ", ".join(quote(k) for k in named), ", ".join("?" * len(named))
    )
    # a scalar default left out: its value, as SQLAlchemy would bind it, after the row's own
    constants = tuple(
        p(c.default.arg) if (p := c.type._cached_bind_processor(dialect)) else c.default.arg
        for c in left_out
    )
    processors = [
        (i, _remembering(p) if isinstance(columns[key].type, Date | DateTime) else p)
        for i, key in enumerate(keys)
        if (p := columns[key].type._cached_bind_processor(dialect)) is not None
    ]
    get = itemgetter(*keys)
    if len(keys) == 1:

        def one(row):
            return (get(row),)  # itemgetter of one key gives the value, not a tuple

        plain = one
    else:
        plain = get
    if not processors:
        if not constants:
            return sql, plain

        def with_constants(row):
            return (*plain(row), *constants)

        return sql, with_constants

    def values(row):
        out = list(plain(row))
        for i, process in processors:
            out[i] = process(out[i])
        out += constants
        return tuple(out)

    return sql, values


#: How many converted days and times one column's plan keeps (a county's import binds a few
#: thousand distinct days, and one ``recorded_at``, millions of times).
REMEMBERED = 4096


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` (a ``Date`` or ``DateTime`` column's bind processor), remembering what it
    made of each ``date`` and naive ``datetime``. Only those two exact classes are looked
    up: they never equal each other, and two equal values of one of them are the same day
    or time as SQLite stores it (an aware time can equal another written differently, so
    it is converted every time, as is anything else)."""
    seen: dict[Any, Any] = {}
    date, datetime = dt.date, dt.datetime

    def remembered(value: Any) -> Any:
        kind = value.__class__
        if kind is not date and (kind is not datetime or value.tzinfo is not None):
            return process(value)
        out = seen.get(value)
        if out is None:
            out = process(value)
            if len(seen) < REMEMBERED:
                seen[value] = out
        return out

    return remembered


@contextlib.contextmanager
def indexes_built_after(connection, tables: Iterable[Any]) -> Iterator[None]:
    """Write the block's rows first, build the secondary indexes after: on SQLite, each of
    ``tables`` that is empty as the block starts has the indexes its own ``CREATE INDEX``
    made (not a unique one, nor those of a PRIMARY KEY or UNIQUE constraint: the rows must
    still meet them as they go in) dropped, and made again by that same SQL when the block
    ends.

    A county's import wrote ~950,000 visits into an index on (household, date…) that the
    visits reach in no order: with SQLite's 2 MB page cache nearly every row read and wrote
    pages of that index again; an index built once over the table sorts instead
    (docs/benchmarks.md, "Issue 17, continued: indexes built after the rows"). A table
    with rows already is left alone: making its indexes again would cost in proportion to
    the ledger, not to what is written.

    The drop and the build are in the caller's transaction (SQLite's DDL is
    transactional): another connection sees the ledger's indexes all along. If the block
    raises, they are made again before the error goes on (a caller that rolls back, as
    every command does, gets them back with the rollback anyway). A query in the block
    that would have used one of them reads the table instead (right, slower): the block
    must not ask such questions of the rows it writes. Elsewhere than SQLite, nothing is
    dropped."""
    if not _is_sqlite(connection):
        yield
        return
    quote = connection.dialect.identifier_preparer.quote
    dropped: list[str] = []
    for table in tables:
        if connection.exec_driver_sql(f"SELECT 1 FROM {quote(table.name)} LIMIT 1").first():
            continue
        # origin "c": an index of its own CREATE INDEX (not a constraint's); not unique
        for name, sql in connection.exec_driver_sql(
            "SELECT i.name, m.sql FROM pragma_index_list(?) AS i"
            " JOIN sqlite_master AS m ON m.type = 'index' AND m.name = i.name"
            " WHERE i.origin = 'c' AND NOT i.\"unique\" ORDER BY i.name",
            (table.name,),
        ).all():
            connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
            dropped.append(sql)
    try:
        yield
    except BaseException:
        # the caller rolls back and the indexes come back with it; a caller that carried on
        # and committed instead must not commit a ledger without them (``sqlite_master``
        # holds each CREATE INDEX without its IF NOT EXISTS: added, in case the block made
        # one again itself). Failing here too, the original error is the one told.
        with contextlib.suppress(Exception):
            for sql in dropped:
                connection.exec_driver_sql(
                    sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                )
        raise
    for sql in dropped:
        connection.exec_driver_sql(sql)

"""Bulk writes: many rows of one table in one ``executemany``.

SQLAlchemy's own ``executemany`` of a list of dicts builds, for every row, a parameter
dict and runs each value through its type's bind processor with bookkeeping around it:
about as long as SQLite's own insert of the row (an import writes ~5 million at the county,
docs/benchmarks.md). :func:`insert_many` converts the values with the very same bind
processors (``Date`` and ``DateTime`` as SQLAlchemy stores them in SQLite, ``Boolean`` as
0/1), once per value, and hands the driver plain tuples. Elsewhere than SQLite, and for
rows that leave out a column with a Python-side default (which SQLAlchemy would fill in),
it is SQLAlchemy's ``executemany`` as before.
"""

from __future__ import annotations

import functools
from operator import itemgetter
from typing import Any

from sqlalchemy import insert


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
    if any(c.default is not None and c.key not in keys for c in table.columns):
        return None
    quote = dialect.identifier_preparer.quote
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table.name), ", ".join(quote(k) for k in keys), ", ".join("?" * len(keys))
    )
    processors = [
        (i, p)
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
        return sql, plain

    def values(row):
        out = list(plain(row))
        for i, process in processors:
            out[i] = process(out[i])
        return tuple(out)

    return sql, values

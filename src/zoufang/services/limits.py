"""How long each text option may be: the length of the ledger column it is stored in, read
from the one schema declaration (:func:`zoufang.tables.max_length`), so that what the
program accepts is what every backend stores (PostgreSQL refuses a value longer than its
column; SQLite would keep it and `db copy` would fail later)."""

from __future__ import annotations

from zoufang.parsing import FREE_TEXT_MAX
from zoufang.tables import max_length, metadata


def column_limit(column: str) -> int:
    """The characters ``table.column`` holds; an unbounded ``Text`` column (visit notes)
    gets :data:`zoufang.parsing.FREE_TEXT_MAX`."""
    table, name = column.split(".")
    return max_length(metadata.tables[table], name) or FREE_TEXT_MAX

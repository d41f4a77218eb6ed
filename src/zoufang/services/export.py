"""The 台账 as tables for files people open in Excel or feed to programs: ``zoufang export``.

Tables: ``households``, ``members``, ``visits``, ``commitments`` and ``ledger`` (the money
entries). What each holds is :mod:`zoufang.services.export_columns`; its rows are read by
:mod:`zoufang.services.export_rows`, streamed, as the file is written. The files (xlsx,
CSV, JSON; cells neutralised against formula injection) are written by the render layer,
:func:`zoufang.output.files.write_tables`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zoufang.services.export_columns import COLUMNS, sheet_name
from zoufang.services.export_rows import RowReader

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


@dataclass
class ExportTable:
    """One table to write: its names and columns, and its rows, read as they are written."""

    name: str  # households, members, …: the CSV file's name and the JSON key
    title: str  # the sheet's name, in the export's language
    keys: Sequence[str]
    headers: Sequence[str]
    kinds: Sequence[str]
    rows: Iterator[tuple]
    count: Callable[[], int]  # how many rows there are (one COUNT query)


def export_tables(
    *,
    session: LedgerSession,
    tables: list[str],
    lang: str | None = None,
    reveal: bool,
    today: dt.date,
    fmt: str | None = None,
) -> list[ExportTable]:
    """``tables`` (names from :data:`~zoufang.services.export_columns.COLUMNS`), their rows
    to be read on ``session`` while it is open; ID numbers masked unless ``reveal``.

    Headers, sheet names and the values people read (statuses, kinds, categories, cadres by
    name) are in ``lang`` (default: the chosen language, :func:`zoufang.i18n.current`) for
    xlsx and CSV, which people open in Excel; JSON (``fmt="json"``) is for programs and
    holds the codes whatever the language."""
    from zoufang import i18n

    lang = lang or i18n.current()
    values = "en" if fmt == "json" else lang
    reader = RowReader(session, lang=values, reveal=reveal, today=today)
    return [
        ExportTable(
            name=t,
            title=sheet_name(t, lang),
            keys=[c.key for c in COLUMNS[t]],
            headers=[c.header(lang) for c in COLUMNS[t]],
            kinds=[c.kind for c in COLUMNS[t]],
            rows=reader.rows(t),
            count=functools.partial(reader.count, t),
        )
        for t in tables
    ]

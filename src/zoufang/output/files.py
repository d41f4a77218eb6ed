"""Tables as files: the one CSV writer, JSON arrays written object by object, and
:func:`write_tables`, which writes an export's tables as xlsx, CSV or JSON.

A file's table is a header, a kind per column (:data:`~zoufang.output.values.KINDS`) and rows of
plain values in the columns' order, streamed: a million visits never sit in memory at once.
Text cells are neutralised against formula injection (:func:`~zoufang.output.values.safe_cell`)
in every CSV zoufang writes (export, notice, every listing's ``--format csv``, the report);
numbers, money, dates are never touched (``-100.00`` stays a number). JSON never is: it is
data for programs, not a spreadsheet.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from zoufang.output.values import FORMULA_TRIGGERS, cell
from zoufang.private_files import open_private

#: Rows written (and the progress told) per batch.
BATCH = 5000

_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)  # each trigger is one character


def _nothing() -> None:
    pass


@contextlib.contextmanager
def opened(
    out: IO[str] | Path | None, *, bom: bool = False, newline: str | None = None
) -> Iterator[IO[str]]:
    """Where to write: a path opened as UTF-8 (with a BOM, which Excel needs to read Chinese
    CSV, if ``bom``) and closed after; a stream as it is; None as stdout. A path is created
    readable by its owner only (0600, :mod:`zoufang.private_files`): what zoufang writes to
    a file can hold personal data."""
    if out is None or not isinstance(out, Path):
        yield sys.stdout if out is None else out
        return
    fd = open_private(out)
    with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline=newline) as f:
        yield f


def write_csv(
    out: IO[str],
    header: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    neutralise: bool,
    line_end: str = "\r\n",
    tick: Callable[[], None] = _nothing,
) -> int:
    """Rows as CSV; return how many. Dates are ISO, money yuan with two decimals, ``None``
    an empty cell, numbers their ``str``, a ``value`` what :func:`cell` prints; with
    ``neutralise``, text (of a ``text`` column, or a ``value`` that is text) is made safe.

    A million visits go through this loop, so it does no more than it must per cell: no
    function call per typed cell, and what the csv module does itself is left to it (it
    writes ``None`` as an empty cell and a number as its ``str``). Rows are written a batch
    at a time, and reach ``out`` in one piece each.
    """
    from zoufang.parsing import format_money

    def where(kind: str) -> list[int]:
        return [i for i, k in enumerate(kinds) if k == kind]

    texts = where("text") if neutralise else []
    dates, stamps, money, values = where("date"), where("datetime"), where("money"), where("value")
    width, triggers = len(kinds), _TRIGGER_CHARS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    batch: list[list] = []
    n = 0
    for n, row in enumerate(rows, 1):
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"a row of {len(cells)} cells for {width} columns")
        for i in texts:
            v = cells[i]
            if v and v[0] in triggers:
                cells[i] = "'" + v
        for i in dates:
            v = cells[i]
            if v is not None:
                cells[i] = v.isoformat()
        for i in stamps:
            v = cells[i]
            if v is not None:
                cells[i] = v.isoformat(sep=" ", timespec="seconds")
        for i in money:
            v = cells[i]
            if v is not None:
                cells[i] = format_money(v, grouping=False)
        for i in values:
            v = cells[i]
            if v is not None:
                text = cell(v, for_csv=True)
                neutral = neutralise and text[:1] in triggers and isinstance(v, str | list | tuple)
                cells[i] = "'" + text if neutral else text
        batch.append(cells)
        if n % BATCH == 0:
            writer.writerows(batch)
            batch.clear()
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            tick()
    writer.writerows(batch)
    out.write(buffer.getvalue())
    return n


def _json_converters(kinds: Sequence[str]) -> list[Callable[[Any], Any]]:
    """Per column: the value as a JSON value."""
    from zoufang.output.values import jsonable
    from zoufang.parsing import format_money

    def text(v):
        return v if v else None  # an empty list (no cadres, no gifts) is null, like no value

    def plain(v):
        return v

    def money(v):
        return None if v is None else format_money(v, grouping=False)

    def date(v):
        return None if v is None else v.isoformat()

    def stamp(v):
        return None if v is None else v.isoformat(sep=" ", timespec="seconds")

    by_kind = {
        "text": text,
        "int": plain,
        "money": money,
        "date": date,
        "datetime": stamp,
        "value": jsonable,
    }
    return [by_kind[k] for k in kinds]


def write_json_array(
    out: IO[str],
    keys: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    indent: str = "",
    tick: Callable[[], None] = _nothing,
) -> int:
    """Rows as a JSON array of objects, one object a line; return how many."""
    convert = _json_converters(kinds)
    out.write("[")
    n = 0
    for n, row in enumerate(rows, 1):
        obj = {k: f(v) for k, f, v in zip(keys, convert, row, strict=True)}
        out.write(("\n" if n == 1 else ",\n") + indent + "  " + json.dumps(obj, ensure_ascii=False))
        if n % BATCH == 0:
            tick()
    out.write(("\n" + indent + "]") if n else "]")
    return n


class Table(Protocol):
    """One table of an export, as :func:`write_tables` reads it."""

    name: str  # the CSV file's name and the JSON key
    title: str  # the sheet's name
    keys: Sequence[str]  # JSON keys
    headers: Sequence[str]  # the header row of CSV and xlsx
    kinds: Sequence[str]  # one of KINDS a column
    rows: Iterator[tuple]  # read as they are written

    def count(self) -> int: ...  # the rows to come, for the progress bar


def write_tables(
    tables: Sequence[Table],
    *,
    fmt: str,
    out: Path | IO[str],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write ``tables`` to ``out`` in ``fmt`` (xlsx, csv or json); return the rows written
    per table. ``out`` is a file path, or for csv a directory (one ``<name>.csv`` a table),
    or an open text stream (json, or csv of one table). CSV and xlsx cells are neutralised.

    xlsx: one sheet a table (:class:`zoufang.output.xlsx.Workbook`); csv: UTF-8 with a BOM
    so that Excel reads Chinese, one file a table; json: one array a table, one object
    a line, in an object keyed by table when there are several.
    """
    total = sum(t.count() for t in tables) if progress else 0
    done = [0]

    def tick() -> None:
        done[0] += BATCH
        if progress:
            progress(min(done[0], total), total)

    counts: dict[str, int] = {}
    if fmt == "xlsx":
        from zoufang.output.xlsx import Workbook

        with Workbook(Path(out)) as book:  # type: ignore[arg-type]
            for t in tables:
                counts[t.name] = book.add_list(t.title, t.headers, t.kinds, t.rows, tick=tick)
    elif fmt == "csv":
        for t in tables:
            target = out / f"{t.name}.csv" if isinstance(out, Path) and out.is_dir() else out
            with opened(target, bom=True, newline="") as f:
                counts[t.name] = write_csv(
                    f, t.headers, t.kinds, t.rows, neutralise=True, tick=tick
                )
    elif fmt == "json":
        with opened(out) as f:
            if len(tables) == 1:
                t = tables[0]
                counts[t.name] = write_json_array(f, t.keys, t.kinds, t.rows, tick=tick)
            else:
                f.write("{")
                for i, t in enumerate(tables):
                    f.write(("\n" if i == 0 else ",\n") + f"  {json.dumps(t.name)}: ")
                    counts[t.name] = write_json_array(
                        f, t.keys, t.kinds, t.rows, indent="  ", tick=tick
                    )
                f.write("\n}")
            f.write("\n")
    else:
        raise ValueError(f"unknown file format {fmt!r}")
    if progress:
        progress(total, total)
    return counts

"""Listings and detail views in the five :class:`~zoufang.output.formats.Format`\\ s.

``table`` (Rich; lines up Chinese text; the default on a terminal), ``plain`` and
``markdown`` (tabulate with wide-character support), ``csv`` (the one CSV writer,
:func:`zoufang.output.files.write_csv`) and ``json``. Each writes to ``out``: a text stream,
a path, or stdout when None. Diagnostics go to stderr.

What a person reads is translated here, once per table, not per row: column headers, titles
and the empty-list message are passed as English (marked with ``N_``) or already in the
chosen language; cells are what :func:`~zoufang.output.values.cell` prints (a
:class:`~zoufang.labels.Code` shows its word). JSON and CSV headers keep the keys.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from zoufang import i18n
from zoufang.i18n import N_
from zoufang.output.formats import Format, default_format
from zoufang.output.values import Column, Money, cell, jsonable
from zoufang.parsing import format_money

Out = IO[str] | Path | None


def write_json(value: Any, out: IO[str] | None = None) -> None:
    """``value`` as JSON, indented by two spaces, non-ASCII text as is: the text
    ``json.dump(jsonable(value), out, ensure_ascii=False, indent=2)`` writes, by orjson (much
    faster than json for the megabytes `due` writes at county scale). Floats are the one difference:
    orjson writes ``1e16`` where json writes ``1e+16`` (zoufang's only floats are
    percentages with one decimal, written alike); NaN and infinities, which JSON cannot
    hold, are null either way. Whatever orjson refuses (keys that are not text, integers
    past 64 bits) is written by the standard library."""
    import orjson

    out = out or sys.stdout
    try:
        # two-space indent; datetimes to the second, as isoformat(timespec="seconds");
        # subclasses of int, str, dict and list (Money is an int) through _orjson_default
        text = orjson.dumps(
            value,
            default=_orjson_default,
            option=orjson.OPT_INDENT_2
            | orjson.OPT_OMIT_MICROSECONDS
            | orjson.OPT_PASSTHROUGH_SUBCLASS,
        ).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(jsonable(value), ensure_ascii=False, indent=2)
    out.write(text)
    out.write("\n")


def _orjson_default(value: Any) -> Any:
    """What orjson passes back (subclasses of int, str, dict and list; other mappings and
    sequences; enums): the value :func:`jsonable` would give, one level down."""
    if isinstance(value, str):  # first: a listing's codes (labels.Code) are most of them
        return str(value)
    import enum

    if isinstance(value, Money):
        return format_money(value, grouping=False)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    fmt: Format | None = None,
    *,
    out: Out = None,
    title: str | None = None,
    json_value: Any = None,
    empty: str = N_("nothing to show"),
) -> None:
    """Write ``rows`` in ``fmt`` to ``out``. JSON writes ``json_value`` if given, else the
    rows whole; CSV has the keys for headers. ``title``, ``empty`` and the columns' headers
    are translated (:func:`zoufang.i18n._`) when shown."""
    if isinstance(out, Path):
        from zoufang.output.files import opened

        with opened(out) as stream:
            render(rows, columns, fmt, out=stream, title=title, json_value=json_value, empty=empty)
        return
    fmt = fmt or default_format()
    stream = out or sys.stdout
    if fmt is Format.json:
        write_json(list(rows) if json_value is None else json_value, stream)
        return
    if fmt is Format.csv:
        _write_csv(
            stream, [key for key, _ in columns], ([row.get(k) for k, _ in columns] for row in rows)
        )
        return
    if not rows:
        if fmt is Format.table:
            print(f"({i18n._(empty)})", file=sys.stderr)
        return
    if fmt is Format.table:
        _rich_table(rows, columns, title, stream)
        return
    from tabulate import tabulate

    table = [[cell(row.get(key)) for key, _h in columns] for row in rows]
    headers = [i18n._(header) for _k, header in columns]
    if fmt is Format.markdown:
        if title:
            print(f"### {i18n._(title)}\n", file=stream)
        table = [[_markdown_cell(text) for text in line] for line in table]
        print(tabulate(table, headers=headers, tablefmt="pipe", disable_numparse=True), file=stream)
    else:
        print(
            tabulate(table, headers=headers, tablefmt="plain", disable_numparse=True), file=stream
        )


def _write_csv(out: IO[str], header: list[str], rows: Iterable[list[Any]]) -> None:
    """A listing as CSV: each value as :func:`cell` prints it, lines ending in ``\\n``; text
    that a spreadsheet would run (``=``, ``+``, ``-``, ``@``, tab, CR first) neutralised."""
    from zoufang.output import files

    kinds = ["value"] * len(header)
    files.write_csv(out, header, kinds, rows, neutralise=True, line_end="\n")


def _markdown_cell(text: str) -> str:
    """A cell of a pipe table: a ``|`` or a line break in free text (notes, needs) would
    otherwise end the cell or the row and shift every column after it."""
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def _rich_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[Column],
    title: str | None,
    out: IO[str],
) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title and i18n._(title), header_style="bold", show_lines=False)
    for key, header in columns:
        right = key in _NUMERIC_KEYS
        table.add_column(i18n._(header), justify="right" if right else "left", overflow="fold")
    keys = [key for key, _h in columns]
    for row in rows:
        table.add_row(*(escape(cell(row.get(key))) for key in keys))
    Console(file=out, soft_wrap=False).print(table)


_NUMERIC_KEYS = {
    "amount",
    "allocated",
    "disbursed",
    "balance",
    "days_overdue",
    "members",
    "income",
    "visits",
    "households",
    "cadence",
    "seq",
    "id",
    "overdue",
    "received",
    "cap",
}


def render_sections(
    sections: Sequence[tuple[str, Any]],
    fmt: Format | None,
    *,
    json_value: Any,
    out: Out = None,
) -> None:
    """A detail view (e.g. ``household show``): titled sections of key/value pairs or tables.

    Each section is ``(title, mapping)`` for key/value pairs or
    ``(title, (rows, columns))`` for a table. JSON writes ``json_value`` instead; CSV the
    titles and keys as they are given. Elsewhere titles, a mapping's keys and the columns'
    headers are translated (:func:`zoufang.i18n._`).
    """
    if isinstance(out, Path):
        from zoufang.output.files import opened

        with opened(out) as stream:
            render_sections(sections, fmt, json_value=json_value, out=stream)
        return
    fmt = fmt or default_format()
    stream = out or sys.stdout
    if fmt is Format.json:
        write_json(json_value, stream)
        return
    if fmt is Format.csv:
        # A detail view has no single table; CSV gets the JSON-free key/value pairs.
        _write_csv(stream, ["section", "field", "value"], _section_cells(sections))
        return
    first = True
    for title, body in sections:
        if isinstance(body, Mapping):
            rows = [{"field": i18n._(k), "value": v} for k, v in body.items()]
            columns: Sequence[Column] = [("field", ""), ("value", "")]
        else:
            rows, columns = body
        if fmt is Format.table:
            if rows:
                _rich_table(rows, columns, title, stream)
            else:
                print(f"{i18n._(title)}: —", file=stream)
            continue
        if not first:
            print(file=stream)
        first = False
        if fmt is Format.markdown:
            print(f"## {i18n._(title)}\n", file=stream)
        else:
            print(i18n._(title), file=stream)
        if rows:
            render(rows, columns, fmt, out=stream)
        else:
            print("—", file=stream)


def _section_cells(sections: Sequence[tuple[str, Any]]) -> Iterable[list[Any]]:
    for title, body in sections:
        if isinstance(body, Mapping):
            for k, v in body.items():
                yield [title, k, v]
        else:
            rows, columns = body
            for i, row in enumerate(rows, 1):
                for key, _ in columns:
                    yield [f"{title}[{i}]", key, row.get(key)]

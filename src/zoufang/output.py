"""The one renderer: every listing prints through :func:`render` in one of five formats.

``table`` (Rich; lines up Chinese text; the default on a terminal), ``plain`` and
``markdown`` (tabulate with wide-character support), ``csv`` and ``json``. Data go to stdout,
diagnostics to stderr. Money travels as :class:`Money` (an int of fen) so that every format
prints it the same way: ``1,234.56`` in text, ``"1234.56"`` in JSON and CSV.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from zoufang.parsing import format_money


class Format(enum.StrEnum):
    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"


class Money(int):
    """An amount in fen that renders as yuan."""


Column = tuple[str, str]  # (key in the row, header shown to people)


def default_format() -> Format:
    return Format.table if sys.stdout.isatty() else Format.plain


def jsonable(value: Any) -> Any:
    """Convert rows for JSON: Money → "1234.56", dates → ISO strings, NaN and infinities
    (which JSON cannot hold) → null, as orjson writes them; recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Money):
        return format_money(value, grouping=False)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def cell(value: Any, *, for_csv: bool = False) -> str:
    """One value as text in a table cell."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return format_money(value, grouping=not for_csv)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ("; " if for_csv else "、").join(cell(v, for_csv=for_csv) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(jsonable(value), ensure_ascii=False)
    return str(value)


def write_json(value: Any, out=None) -> None:
    """``value`` as JSON, indented by two spaces, non-ASCII text as is: the text
    ``json.dump(jsonable(value), out, ensure_ascii=False, indent=2)`` writes, by orjson (a
    tenth of the time: `due` at county scale writes 17 MB). Floats are the one difference:
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
    if isinstance(value, Money):
        return format_money(value, grouping=False)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return str(value)
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
    title: str | None = None,
    json_value: Any = None,
    empty: str = "nothing to show",
) -> None:
    """Print ``rows`` in ``fmt``. JSON prints ``json_value`` if given, else the rows whole."""
    fmt = fmt or default_format()
    out = sys.stdout
    if fmt is Format.json:
        write_json(list(rows) if json_value is None else json_value)
        return
    if fmt is Format.csv:
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([cell(row.get(key), for_csv=True) for key, _ in columns])
        return
    if not rows:
        if fmt is Format.table:
            print(f"({empty})", file=sys.stderr)
        return
    if fmt is Format.table:
        _rich_table(rows, columns, title)
        return
    from tabulate import tabulate

    table = [[cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    if fmt is Format.markdown:
        if title:
            print(f"### {title}\n")
        table = [[_markdown_cell(text) for text in line] for line in table]
        print(tabulate(table, headers=headers, tablefmt="pipe", disable_numparse=True))
    else:
        print(tabulate(table, headers=headers, tablefmt="plain", disable_numparse=True))


def _markdown_cell(text: str) -> str:
    """A cell of a pipe table: a ``|`` or a line break in free text (notes, needs) would
    otherwise end the cell or the row and shift every column after it."""
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def _rich_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column], title: str | None):
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold", show_lines=False)
    for key, header in columns:
        right = key in _NUMERIC_KEYS
        table.add_column(header, justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(_escape(cell(row.get(key))) for key, _ in columns))
    Console(soft_wrap=False).print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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
    sections: Sequence[tuple[str, Any]], fmt: Format | None, *, json_value: Any
) -> None:
    """A detail view (e.g. ``household show``): titled sections of key/value pairs or tables.

    Each section is ``(title, mapping)`` for key/value pairs or
    ``(title, (rows, columns))`` for a table. JSON prints ``json_value`` instead.
    """
    fmt = fmt or default_format()
    if fmt is Format.json:
        write_json(json_value)
        return
    if fmt is Format.csv:
        # A detail view has no single table; CSV gets the JSON-free key/value pairs.
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["section", "field", "value"])
        for title, body in sections:
            if isinstance(body, Mapping):
                for k, v in body.items():
                    writer.writerow([title, k, cell(v, for_csv=True)])
            else:
                rows, columns = body
                for i, row in enumerate(rows, 1):
                    for key, _ in columns:
                        writer.writerow([f"{title}[{i}]", key, cell(row.get(key), for_csv=True)])
        return
    first = True
    for title, body in sections:
        if isinstance(body, Mapping):
            rows = [{"field": k, "value": v} for k, v in body.items()]
            columns: Sequence[Column] = [("field", ""), ("value", "")]
        else:
            rows, columns = body
        if fmt is Format.table:
            _rich_table(rows, columns, title) if rows else print(f"{title}: —")
            continue
        if not first:
            print()
        first = False
        if fmt is Format.markdown:
            print(f"## {title}\n")
        else:
            print(f"{title}")
        if rows:
            render(rows, columns, fmt)
        else:
            print("—")

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
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    """Convert rows for JSON: Money → "1234.56", dates → ISO strings, recursively."""
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
    """``value`` as JSON, indented by two spaces: exactly what
    ``json.dump(jsonable(value), out, ensure_ascii=False, indent=2)`` writes, three times
    faster (the standard library indents with its pure-Python encoder: seconds for `due` at
    county scale)."""
    out = out or sys.stdout
    if type(value) is list and value:  # a listing: written item by item, not held twice
        if type(value[0]) is dict and value[0]:
            value = iter(value)
            first = next(value)
            out.write("[\n  " + _object(first, "\n  "))
            _write_records(first, value, out)
            return
        separator = "["
        for item in value:
            scalar = _SCALARS.get(type(item))
            out.write(separator + "\n  " + (scalar(item) if scalar is not None
                                           else _encode(item, "\n  ")))
            separator = ","
        out.write("\n]\n")
        return
    out.write(_encode(value, "\n"))
    out.write("\n")


def _write_records(first: dict, rows: Iterator, out) -> None:
    """The rest of a listing after ``first``, then its closing bracket. Rows with
    ``first``'s keys in its order (every row of a listing, as a rule) are written through
    a prefix per key and a writer per value type, found once; any other row, or a value of
    another type (Money, a nested dict), takes the general way. The same text either way."""
    keys = tuple(first)
    if not all(type(key) is str for key in keys):  # 1 == True == 1.0, but not as JSON keys
        keys = None
    prefixes = tuple(_prefix({}, "\n    ", key) for key in first)
    scalars = _ROW_VALUES
    for row in rows:
        if type(row) is dict and tuple(row) == keys:
            try:
                out.write(",\n  {" + ",".join([
                    prefix + scalars[type(v)](v) for prefix, v in zip(prefixes, row.values(), strict=True)
                ]) + "\n  }")
                continue
            except KeyError:
                pass
        scalar = _SCALARS.get(type(row))
        out.write(",\n  " + (scalar(row) if scalar is not None else _encode(row, "\n  ")))
    out.write("\n]\n")


def _encode(value: Any, newline: str) -> str:
    """One value as indented JSON; ``newline`` is a line break plus the current indent."""
    kind = type(value)
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return scalar(value)
    if kind is dict:  # the commonest containers first: the ABC checks below are slow
        return _object(value, newline)
    if kind is list:
        return _array(value, newline)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Money):
        return _string(format_money(value, grouping=False))
    if isinstance(value, bool | int):
        return json.dumps(value)
    if isinstance(value, dt.datetime):
        return _string(value.isoformat(timespec="seconds"))
    if isinstance(value, dt.date):
        return _string(value.isoformat())
    if isinstance(value, Mapping):
        return _object(value, newline)
    if isinstance(value, list | tuple):
        return _array(value, newline)
    if isinstance(value, enum.Enum):
        return _encode(value.value, newline)
    return json.dumps(value)  # floats (NaN, Infinity as json writes them), or its TypeError


def _object(value: Mapping, newline: str) -> str:
    if not value:
        return "{}"
    inner = newline + "  "
    prefixes = _PREFIXES.get(inner)
    if prefixes is None:
        prefixes = _PREFIXES[inner] = {}
    scalar = _SCALARS.get
    return "{" + ",".join([
        ((prefixes.get(k) if type(k) is str else None) or _prefix(prefixes, inner, k))
        + (f(v) if (f := scalar(type(v))) is not None else _encode(v, inner))
        for k, v in value.items()]) + newline + "}"


def _prefix(prefixes: dict[str, str], inner: str, key: Any) -> str:
    """A key's line break, indent and name (remembered for str keys)."""
    prefix = inner + (_string(key) if isinstance(key, str) else _key(key)) + ": "
    if type(key) is str:
        prefixes[key] = prefix
    return prefix


def _array(value: list | tuple, newline: str) -> str:
    if not value:
        return "[]"
    inner = newline + "  "
    scalar = _SCALARS.get
    return "[" + inner + ("," + inner).join([
        f(v) if (f := scalar(type(v))) is not None else _encode(v, inner)
        for v in value]) + newline + "]"


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    return _string(json.dumps(key))  # json's own conversion of int, float, bool, None keys


_string = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses
#: Encoded keys with their line break and indent, by indent: keys repeat in every row.
_PREFIXES: dict[str, dict[str, str]] = {}
#: Exact types written without further questions (subclasses such as Money take the long way).
_SCALARS: dict[type, Any] = {
    str: _string,
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
    dt.date: lambda value: '"' + value.isoformat() + '"',  # ISO text needs no escaping
    dt.datetime: lambda value: '"' + value.isoformat(timespec="seconds") + '"',
}

#: Value writers inside a listing's rows (two levels deep): scalars, and lists of them.
_ROW_VALUES: dict[type, Any] = {
    **_SCALARS,
    list: lambda value: _row_list(value),
}


def _row_list(value: list) -> str:
    """A list inside a listing's row; lists of text (codes, names) the short way."""
    if not value:
        return "[]"
    try:
        return "[\n      " + ",\n      ".join(map(_string, value)) + "\n    ]"
    except TypeError:  # not all text
        return _array(value, "\n    ")


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
    "amount", "allocated", "disbursed", "balance", "days_overdue", "members", "income",
    "visits", "households", "cadence", "seq", "id", "overdue", "received", "cap",
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

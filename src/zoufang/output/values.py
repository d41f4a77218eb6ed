"""One value as people and programs read it: in a table cell, in JSON, in a spreadsheet.

Money travels as :class:`Money` (an int of fen) so that every format prints it the same
way: ``1,234.56`` in text, ``"1234.56"`` in JSON and CSV. An enumerated value travels as a
:class:`zoufang.labels.Code`: its word (:meth:`~zoufang.labels.Code.label`, 回访 in Chinese)
in a cell, the code itself in JSON (it is a ``str``), whatever the language.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from collections.abc import Mapping
from typing import Any

from zoufang import i18n
from zoufang.labels import Code
from zoufang.parsing import format_money, visible

#: The kinds of a file's column (how it holds its values): text; an int; money in fen; a
#: date; a datetime; or ``value``, anything a listing holds, printed by :func:`cell`.
KINDS = ("text", "int", "money", "date", "datetime", "value")

#: A cell starting with one of these is taken by a spreadsheet as a formula (CSV/formula
#: injection); :func:`safe_cell` prefixes it with a single quote so it stays text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Money(int):
    """An amount in fen that renders as yuan."""


Column = tuple[str, str]  # (key in the row, header shown to people)


def safe_cell(value: str) -> str:
    """Text a spreadsheet will not run: a leading formula trigger gets a ``'`` before it."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


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


#: yes and no in each language, translated once (a listing may hold a million booleans).
_YES_NO: dict[str, tuple[str, str]] = {}


def _yes_no() -> tuple[str, str]:
    lang = i18n.current()
    words = _YES_NO.get(lang)
    if words is None:
        words = _YES_NO[lang] = (i18n._("yes"), i18n._("no"))
    return words


def cell(value: Any, *, for_csv: bool = False) -> str:
    """One value as text in a table cell: a :class:`~zoufang.labels.Code` as its word;
    free text with its bidirectional controls shown (:func:`zoufang.parsing.visible`), except
    in CSV (``for_csv``), which keeps the text as stored, like JSON."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:  # most cells, first (a listing may hold a million)
        return value if for_csv else visible(value)
    if kind is int:
        return str(value)
    if isinstance(value, Money):
        return format_money(value, grouping=not for_csv)
    if isinstance(value, bool):
        return _yes_no()[0 if value else 1]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ("; " if for_csv else "、").join(cell(v, for_csv=for_csv) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(jsonable(value), ensure_ascii=False)
    if isinstance(value, Code):
        return value.label()
    return str(value)

"""What ``--format`` can name: :class:`Format`, the five formats of every listing, and each
command's choice derived from it (a listing format or a whole file: xlsx, html).

A command's choice is an enum of its own because Typer takes an option's choices from its
enum; :func:`_derived` checks at import that each one is what its declaration says it is,
so the choices cannot drift apart.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from typing import TypeVar

from zoufang.errors import InvalidInput
from zoufang.i18n import _

XLSX = "xlsx"  # a workbook: needs a file (--out)
HTML = "html"  # one printable page
PDF = "pdf"  # printed from the HTML page by a headless browser: needs a file (--out)

C = TypeVar("C", bound=enum.StrEnum)


class Format(enum.StrEnum):
    """How a listing prints (:func:`zoufang.output.render`)."""

    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def _derived(*values: str) -> Callable[[type[C]], type[C]]:
    def check(choice: type[C]) -> type[C]:
        if [member.value for member in choice] != list(values):
            raise TypeError(f"{choice.__name__} must be {', '.join(values)}")
        return choice

    return check


@_derived(*Format, XLSX, HTML, PDF)
class NoticeFormat(enum.StrEnum):
    """`notice`: every listing format, xlsx, and a printable page set (html, pdf)."""

    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    xlsx = XLSX
    html = HTML
    pdf = PDF


@_derived(*Format, HTML)
class ReportFormat(enum.StrEnum):
    """`report`: every listing format, and html."""

    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    html = HTML


@_derived(XLSX, Format.csv, Format.json)
class ExportFormat(enum.StrEnum):
    """`export`: the whole 台账 as files: xlsx, csv or json."""

    xlsx = XLSX
    csv = "csv"
    json = "json"


#: `remind`: its messages as text, or json.
REMIND_FORMATS = (Format.plain, Format.json)


def default_format() -> Format:
    return Format.table if sys.stdout.isatty() else Format.plain


def listing_format(choice: enum.StrEnum) -> Format | None:
    """The listing format a command's choice names; None for a whole file (xlsx, html, pdf)."""
    try:
        return Format(choice.value)
    except ValueError:
        return None


def parse_choice(text: str, choices: type[C], option: str = "--format") -> C:
    """``text`` as one of ``choices`` (any case); otherwise invalid input naming ``option``."""
    try:
        return choices(text.strip().lower())
    except ValueError:
        names = ", ".join(choices)
        raise InvalidInput(
            option, _("{value!r} is not one of {names}").format(value=text, names=names)
        ) from None

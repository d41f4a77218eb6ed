"""The render layer: every row zoufang shows or writes leaves through here.

Commands hand it plain rows (dicts, or tuples in a table's column order) and say where to
write: a text stream, a path, or stdout. Nothing here reads the ledger or imports a
service; the heavy libraries (Rich, tabulate, xlsxwriter, orjson) load inside the functions
that use them, so that ``zoufang --help`` does not.

* :mod:`.formats` — what ``--format`` can name: :class:`Format`, the five formats of every
  listing, and each command's choice derived from it (notice adds xlsx, report html;
  export writes xlsx, csv or json; remind plain or json).
* :mod:`.values` — one value as text, JSON or a spreadsheet cell; :class:`Money`; the
  formula-injection guard :func:`safe_cell`.
* :mod:`.text` — :func:`render` and :func:`render_sections`: listings and detail views as
  table, plain, markdown, csv or json; :func:`write_json`.
* :mod:`.files` — the one CSV writer (every command's CSV goes through it, text cells
  neutralised against formula injection), JSON arrays, and :func:`~.files.write_tables`
  for the export.
* :mod:`.xlsx` — the one xlsx writer (the export's sheets, the notice's printable page).
* :mod:`.notice`, :mod:`.report`, :mod:`.report_html` — the documents built from those
  pieces: the public notice (公示) and the campaign report (sections, and one HTML page);
  the notice's printable forms are :mod:`.notice_html` (an A4 page set), :mod:`.notice_xlsx`
  (a sheet set up for printing) and :mod:`.pdf` (the page printed by a headless browser).
"""

from __future__ import annotations

from zoufang.output.formats import (
    REMIND_FORMATS,
    ExportFormat,
    Format,
    NoticeFormat,
    ReportFormat,
    default_format,
    listing_format,
    parse_choice,
)
from zoufang.output.text import render, render_sections, write_json
from zoufang.output.values import Column, Money, cell, jsonable, safe_cell

__all__ = [
    "REMIND_FORMATS",
    "Column",
    "ExportFormat",
    "Format",
    "Money",
    "NoticeFormat",
    "ReportFormat",
    "cell",
    "default_format",
    "jsonable",
    "listing_format",
    "parse_choice",
    "render",
    "render_sections",
    "safe_cell",
    "write_json",
]

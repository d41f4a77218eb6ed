"""The one xlsx writer: a workbook of typed tables, written by xlsxwriter; a big one
``streamed`` (constant-memory mode: rows go to disk as they are written, strings inline).

Two layouts: :meth:`Workbook.add_list`, a table to work with (the export's sheets: a frozen
header with filters, columns as wide as their text, a table longer than Excel's 1,048,576
rows continued on a second sheet), and :meth:`Workbook.add_notice`, a page to print and post
(a title and lines above the table, every cell boxed, a footer below). Dates are real
dates, money a number with two decimals; text is written as a text cell (``t="s"``: never a
formula, number or link, whatever it begins with) in the Text number format (``@``), so that
editing the cell in Excel keeps it text too; nothing is added to it (no ``'`` that would
survive a round trip). A ``value`` (a :class:`~zoufang.labels.Code`, a list) as
:func:`~zoufang.output.values.cell` prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from zoufang.output.values import cell

#: Excel's limit is 1,048,576 rows a sheet, the header included.
XLSX_MAX_ROWS = 1_048_575
#: Column widths are measured on the header and this many rows (the rest is streamed).
WIDTH_SAMPLE = 2000
#: Rows written between two progress ticks.
BATCH = 5000


def _nothing() -> None:
    pass


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK characters (3 bytes in UTF-8) count double."""
    return (len(text.encode("utf-8")) + len(text)) // 2


class Workbook:
    """One xlsx file; a context manager that closes (writes) it."""

    def __init__(self, path: Path, *, streamed: bool = True) -> None:
        import xlsxwriter

        from zoufang.private_files import prepare_private

        prepare_private(path)  # 0600 before a byte is written; xlsxwriter keeps the mode
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": streamed,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_date_format": "yyyy-mm-dd",
            },
        )
        add = self.book.add_format
        self.list_styles: dict[str, Any] = {
            "head": add(
                {
                    "bold": True,
                    "bg_color": "#E8EEF4",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "text": add({"num_format": "@"}),
            "int": None,
            "money": add({"num_format": "#,##0.00"}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "datetime": add({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        box = add({"border": 1})
        text_box = add({"border": 1, "num_format": "@"})
        self.notice_styles: dict[str, Any] = {
            "title": add(
                {
                    "bold": True,
                    "font_size": 16,
                    "align": "center",
                    "valign": "vcenter",
                    "num_format": "@",
                }
            ),
            "line": add({"text_wrap": True, "valign": "top", "num_format": "@"}),
            "sign": add({"align": "right", "num_format": "@"}),
            "head": add({"bold": True, "border": 1, "bg_color": "#EEEEEE"}),
            "text": text_box,
            "int": box,
            "money": add({"border": 1, "num_format": "#,##0.00"}),
            "date": add({"border": 1, "num_format": "yyyy-mm-dd"}),
            "datetime": add({"border": 1, "num_format": "yyyy-mm-dd hh:mm:ss"}),
        }

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.book.close()

    def add_list(
        self,
        title: str,
        headers: Sequence[str],
        kinds: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        tick: Callable[[], None] = _nothing,
    ) -> int:
        """A sheet (or more) named ``title`` holding ``rows``; return how many."""
        sheet, part, r, n = None, 0, 0, 0
        widths = [display_width(h) for h in headers]
        styles = self.list_styles
        for row in rows:
            if sheet is None or r > XLSX_MAX_ROWS:
                if sheet is not None:
                    self._finish_list(sheet, kinds, widths, r)
                part += 1
                sheet = self._list_sheet(title if part == 1 else f"{title} {part}", headers)
                r = 1
            self._write_row(
                sheet, r, kinds, row, styles, widths=widths if n < WIDTH_SAMPLE else None
            )
            r += 1
            n += 1
            if n % BATCH == 0:
                tick()
        if sheet is None:  # an empty table still gets its sheet and headers
            sheet = self._list_sheet(title, headers, freeze=False)
            r = 1
        self._finish_list(sheet, kinds, widths, r)
        return n

    def add_notice(
        self,
        title: str,
        headers: Sequence[str],
        kinds: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        heading: str,
        lines: Sequence[str],
        footer: str,
        widths: Sequence[int],
        tail: Sequence[str] = (),
        page_footer: str | None = None,
    ) -> int:
        """A printable sheet named ``title``: ``heading`` in large bold type, ``lines``,
        a blank line, the table boxed, a blank line, ``footer``, a blank line and ``tail``
        (the signature block, right-aligned); return the rows written.

        Printed on A4, portrait, one page wide (as many pages long as it takes), the table's
        header row repeated at the top of every page, the print area exactly the notice,
        ``page_footer`` (an Excel footer: ``&P`` the page, ``&N`` the pages) at the foot of
        each page. Text spanning the page (heading, lines, footer, tail) is merged across the
        table's columns and wrapped, so nothing is cut at the print area's edge."""
        styles = self.notice_styles
        sheet = self.book.add_worksheet(title)
        last_col = max(len(headers) - 1, 0)
        span = sum(widths) or 1

        def across(r: int, text: str, style: Any) -> None:
            """``text`` across the table's width: merged, wrapped, the row tall enough."""
            if last_col:
                sheet.merge_range(r, 0, r, last_col, "", style)
            sheet.write_string(r, 0, text, style)
            lines_needed = max(1, -(-display_width(text) // span))
            if lines_needed > 1:
                sheet.set_row(r, 15 * lines_needed * (1.4 if style is styles["title"] else 1))

        across(0, heading, styles["title"])
        for r, line in enumerate(lines, start=1):
            across(r, line, styles["line"])
        top = len(lines) + 2
        for col, header in enumerate(headers):
            sheet.write_string(top, col, header, styles["head"])
        for r, row in enumerate(rows, start=top + 1):
            self._write_row(sheet, r, kinds, row, styles, boxed=True)
        end = top + len(rows) + 2
        across(end, footer, styles["line"])
        for r, line in enumerate(tail, start=end + 2):
            across(r, line, styles["sign"])
        last_row = end + 1 + len(tail) if tail else end
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.set_paper(9)  # A4
        sheet.set_portrait()
        sheet.fit_to_pages(1, 0)  # one page wide, as long as it takes
        sheet.repeat_rows(top)  # the header row on every page
        sheet.print_area(0, 0, last_row, last_col)
        sheet.center_horizontally()
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        if page_footer:
            sheet.set_footer(page_footer)
        return len(rows)

    def _list_sheet(self, name: str, headers: Sequence[str], *, freeze: bool = True):
        sheet = self.book.add_worksheet(name)
        if freeze:
            sheet.freeze_panes(1, 0)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, self.list_styles["head"])
        return sheet

    def _finish_list(self, sheet, kinds: Sequence[str], widths: list[int], rows: int) -> None:
        fixed = {"date": 11, "datetime": 19, "money": 13, "int": 8}
        for col, kind in enumerate(kinds):
            width = max(fixed.get(kind, 0), widths[col]) + 2
            sheet.set_column(col, col, min(width, 60))
        sheet.autofilter(0, 0, max(rows - 1, 0), len(kinds) - 1)

    @staticmethod
    def _write_row(
        sheet,
        r: int,
        kinds: Sequence[str],
        row: Sequence[Any],
        styles: dict[str, Any],
        *,
        widths: list[int] | None = None,
        boxed: bool = False,
    ) -> None:
        """One row's cells; ``widths`` (text columns) grow to fit. Empty cells are not
        written (most visits hear no wish) unless ``boxed``: a box is drawn round them."""
        for col, (kind, value) in enumerate(zip(kinds, row, strict=True)):
            if value is None or (value == "" and not boxed):
                continue
            if kind == "text":
                sheet.write_string(r, col, value, styles["text"])
                if widths is not None:
                    widths[col] = max(widths[col], display_width(value))
            elif kind == "money":
                sheet.write_number(r, col, value / 100, styles["money"])
            elif kind == "int":
                sheet.write_number(r, col, value, styles["int"])
            elif kind == "date":
                sheet.write_datetime(r, col, value, styles["date"])
            elif kind == "datetime":
                sheet.write_datetime(r, col, value, styles["datetime"])
            elif kind == "value":  # anything a listing holds (a Code shows its word)
                text = cell(value)
                sheet.write_string(r, col, text, styles["text"])
                if widths is not None:
                    widths[col] = max(widths[col], display_width(text))
            else:
                raise ValueError(f"an xlsx column of kind {kind!r}")

"""The notice as an xlsx page to print and post (:meth:`zoufang.output.xlsx.Workbook.add_notice`):
the same content as the HTML page, A4, one page wide, the header row on every page."""

from __future__ import annotations

import re
from pathlib import Path

from zoufang.i18n import pgettext
from zoufang.output import notice as words


def excel_page_footer() -> str:
    """The page-number template as an Excel footer, centred: &P the page, &N the pages."""
    template = words.page_number_template().replace("&", "&&")
    text = re.sub(r"\{pages\}", "&N", re.sub(r"\{page\}", "&P", template))
    return "&C" + text


def write_xlsx(data: dict, rows: list[dict], table: list[tuple[str, str]], out: Path) -> None:
    from zoufang.output.xlsx import Workbook

    keys = [key for key, _header in table]
    lines = [line for line in (words.village_line(data), words.summary(data)) if line]
    tail = [line for line in (*words.signature(data), words.chain_line(data)) if line]
    with Workbook(out, streamed=False) as book:  # a page: strings shared, as usual
        book.add_notice(
            pgettext("notice", "Notice"),
            [header for _key, header in table],
            words.kinds_of(keys),
            [words.xlsx_row(r, keys) for r in rows],
            heading=data["title"],
            lines=lines,
            footer=words.footer(data),
            widths=words.widths_of(keys),
            tail=tail,
            page_footer=excel_page_footer(),
        )

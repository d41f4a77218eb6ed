"""The public notice (公示) as it is posted: a heading, the fund's source, households and
total, the recipients, and how to object; in a listing format or as a printable xlsx page.

Input is :func:`zoufang.services.notice.fund_notice`'s dict (money in fen under ``*_fen``).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from zoufang.output.formats import Format, NoticeFormat, listing_format
from zoufang.output.text import render
from zoufang.output.values import Money, cell
from zoufang.parsing import format_money

COLUMNS = [
    ("no", "序号"),
    ("village", "村/社区"),
    ("name", "户主"),
    ("id_number", "身份证号"),
    ("categories", "类别"),
    ("amount", "金额(元)"),
]
KINDS = ("int", "text", "text", "text", "text", "money")
#: Column widths of the xlsx page, in characters.
WIDTHS = (6, 14, 10, 22, 24, 12)


def footer(*, days: int, date: Any, contact: str | None) -> str:
    """The publication period and whom to tell of an objection."""
    return f"公示期 {days} 天（{date} 起）。" + (
        f"如有异议，请联系：{contact}。" if contact else "如有异议，请向村（社区）党组织反映。"
    )


def write_notice(
    notice: dict,
    fmt: NoticeFormat,
    *,
    days: int,
    contact: str | None,
    out: IO[str] | Path | None,
) -> int:
    """Write the notice in ``fmt`` to ``out`` (a path for xlsx; CSV to a path gets a BOM
    for Excel); return the number of households on it."""
    data = dict(notice)
    # each recipient keeps its amount_fen beside the amount (the JSON has both)
    rows = [{**r, "amount": Money(r["amount_fen"])} for r in data.pop("recipients")]
    data["total"] = Money(data.pop("total_fen"))
    note = footer(days=days, date=data["date"], contact=contact)
    summary = (
        f"资金来源：{data['source'] or '—'}；发放户数：{data['households']}；"
        f"合计：{format_money(data['total'])} 元"
    )
    listing = listing_format(fmt)
    if listing is None:  # xlsx: a page to print and post
        from zoufang.output.xlsx import Workbook

        assert isinstance(out, Path)
        with Workbook(out, streamed=False) as book:  # a page: strings shared, as usual
            book.add_notice(
                "公示",
                [header for _, header in COLUMNS],
                KINDS,
                [_xlsx_row(r) for r in rows],
                heading=data["title"],
                lines=[summary],
                footer=note,
                widths=WIDTHS,
            )
        return len(rows)
    from zoufang.output.files import opened

    with opened(out, bom=listing is Format.csv) as stream:
        if listing in (Format.json, Format.csv):  # the rows (JSON: the whole notice)
            whole = {**data, "recipients": rows, "note": note}
            render(rows, COLUMNS, listing, out=stream, json_value=whole)
        else:
            heading = data["title"]
            print(f"# {heading}\n" if listing is Format.markdown else heading, file=stream)
            print(f"{summary}\n", file=stream)
            render(rows, COLUMNS, listing, out=stream, empty="no recipients")
            print(f"\n{note}", file=stream)
    return len(rows)


def _xlsx_row(row: dict) -> tuple:
    return tuple(
        int(row[key]) if kind in ("int", "money") else cell(row[key])
        for (key, _), kind in zip(COLUMNS, KINDS, strict=True)
    )

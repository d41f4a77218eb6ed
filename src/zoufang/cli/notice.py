"""`notice FUND`: the public notice (公示) of a fund's recipients."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import RevealOpt, log_reveal, session, today
from zoufang.errors import InvalidInput
from zoufang.output import Format, Money, cell, default_format, render
from zoufang.parsing import format_money


class NoticeFormat(enum.StrEnum):
    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


COLUMNS = [
    ("no", "序号"),
    ("village", "村/社区"),
    ("name", "户主"),
    ("id_number", "身份证号"),
    ("categories", "类别"),
    ("amount", "金额(元)"),
]


def notice(
    fund: Annotated[str, typer.Argument(help="Fund code.")],
    fmt: Annotated[
        NoticeFormat | None,
        typer.Option("--format", "-f", help="markdown, csv, xlsx, table, plain or json."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (required for xlsx).")
    ] = None,
    contact: Annotated[
        str | None, typer.Option(help="Who to contact with objections, e.g. 镇纪委 0531-12345678.")
    ] = None,
    days: Annotated[int, typer.Option(help="Publication period in days.", min=1, max=90)] = 7,
    reveal: RevealOpt = False,
) -> None:
    """The public notice (公示) of who received a fund: village, masked name and ID, amount."""
    from zoufang.services.notice import fund_notice

    chosen = fmt or NoticeFormat(default_format().value)
    if chosen is NoticeFormat.xlsx and out is None:
        raise InvalidInput("--out", "an xlsx notice needs --out FILE.xlsx")
    if out is not None and out.exists():
        raise InvalidInput("--out", f"{out} already exists; choose a new file")
    with session(write=reveal) as s:
        data = fund_notice(session=s, code=fund, today=today(), reveal=reveal)
        if reveal:
            log_reveal(s, f"notice {fund}")
    rows = [{**r, "amount": Money(r.pop("amount_fen"))} for r in data.pop("recipients")]
    data["total"] = Money(data.pop("total_fen"))
    footer = f"公示期 {days} 天（{data['date']} 起）。" + (
        f"如有异议，请联系：{contact}。" if contact else "如有异议，请向村（社区）党组织反映。"
    )
    if chosen is NoticeFormat.xlsx:
        _write_xlsx(out, data, rows, footer)
        print(f"notice for {fund} written to {out} ({len(rows)} households)", file=sys.stderr)
        return
    target = (
        open(out, "w", encoding="utf-8-sig" if chosen is NoticeFormat.csv else "utf-8")
        if out
        else None
    )
    try:
        if target:
            sys.stdout, saved = target, sys.stdout
        fmt_out = Format(chosen.value)
        if fmt_out is Format.json:
            render(rows, COLUMNS, fmt_out, json_value={**data, "recipients": rows, "note": footer})
        elif fmt_out is Format.csv:
            render(rows, COLUMNS, fmt_out)
        else:
            heading = data["title"]
            if fmt_out is Format.markdown:
                print(f"# {heading}\n")
            else:
                print(heading)
            print(
                f"资金来源：{data['source'] or '—'}；发放户数：{data['households']}；"
                f"合计：{format_money(data['total'])} 元\n"
            )
            render(rows, COLUMNS, fmt_out, empty="no recipients")
            print(f"\n{footer}")
    finally:
        if target:
            sys.stdout = saved
            target.close()


def _write_xlsx(path: Path, data: dict, rows: list[dict], footer: str) -> None:
    import xlsxwriter

    from zoufang.services.export import safe_cell

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("公示")
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#EEEEEE"})
    border = book.add_format({"border": 1})
    money = book.add_format({"border": 1, "num_format": "#,##0.00"})
    sheet.write(0, 0, data["title"], bold)
    sheet.write(
        1,
        0,
        f"资金来源：{data['source'] or '—'}；发放户数：{data['households']}；"
        f"合计：{format_money(data['total'])} 元",
    )
    for col, (_, header) in enumerate(COLUMNS):
        sheet.write(3, col, header, head)
    for i, row in enumerate(rows, start=4):
        for col, (key, _) in enumerate(COLUMNS):
            value = row[key]
            if key == "amount":
                sheet.write_number(i, col, int(value) / 100, money)
            elif key == "no":
                sheet.write_number(i, col, value, border)
            else:
                sheet.write_string(i, col, safe_cell(cell(value)), border)
    sheet.write(len(rows) + 5, 0, footer)
    for col, width in enumerate((6, 14, 10, 22, 24, 12)):
        sheet.set_column(col, col, width)
    book.close()


def register(app: typer.Typer) -> None:
    app.command("notice")(notice)

"""The public notice (公示) as it is posted: a heading, the fund's source, households and
total, the recipients, and how to object; in a listing format or as a printable xlsx page,
in the chosen language.

Input is :func:`zoufang.services.notice.fund_notice`'s dict (money in fen under ``*_fen``).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from zoufang.i18n import N_, _, ngettext, pgettext
from zoufang.output.formats import Format, NoticeFormat, listing_format
from zoufang.output.text import render
from zoufang.output.values import Money, cell
from zoufang.parsing import format_money

KEYS = ("no", "village", "name", "id_number", "categories", "amount")
KINDS = ("int", "text", "text", "text", "text", "money")
#: Column widths of the xlsx page, in characters.
WIDTHS = (6, 14, 10, 22, 24, 12)


def columns() -> list[tuple[str, str]]:
    """The table's columns, headed in the chosen language."""
    headers = (
        pgettext("notice", "No."),
        pgettext("notice", "Village"),
        pgettext("notice", "Head of household"),
        pgettext("notice", "ID number"),
        pgettext("notice", "Categories"),
        pgettext("notice", "Amount (yuan)"),
    )
    return list(zip(KEYS, headers, strict=True))


def footer(*, days: int, date: Any, contact: str | None) -> str:
    """The publication period and whom to tell of an objection."""
    period = ngettext(
        "Open for objections for {days} day (from {date}).",
        "Open for objections for {days} days (from {date}).",
        days,
    ).format(days=days, date=date)
    if contact:
        where = _("If you object, contact: {contact}.").format(contact=contact)
    else:
        where = _("Objections may be raised with the village (community) Party organisation.")
    return _("{period} {objections}").format(period=period, objections=where)


def head_line(head: dict) -> str:
    """The ledger's chain head in its short form, on every printed notice, report and
    digest: a copy nobody can recall witnesses the newest entries (docs/guarantees.md)."""
    return _("Ledger chain head: {anchor}.").format(anchor=f"{head['seq']}:{head['hash'][:12]}")


def summary(data: dict) -> str:
    """Where the money came from, how many households received it, and how much."""
    return _("Source: {source}; households paid: {households}; total: {total} yuan").format(
        source=data["source"] or "—",
        households=data["households"],
        total=format_money(data["total"]),
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
    if data.get("chain_head"):
        note = _("{footer} {chain_head}").format(
            footer=note, chain_head=head_line(data["chain_head"])
        )
    heading = summary(data)
    table = columns()
    listing = listing_format(fmt)
    if listing is None:  # xlsx: a page to print and post
        from zoufang.output.xlsx import Workbook

        assert isinstance(out, Path)
        with Workbook(out, streamed=False) as book:  # a page: strings shared, as usual
            book.add_notice(
                pgettext("notice", "Notice"),
                [header for _key, header in table],
                KINDS,
                [_xlsx_row(r) for r in rows],
                heading=data["title"],
                lines=[heading],
                footer=note,
                widths=WIDTHS,
            )
        return len(rows)
    from zoufang.output.files import opened

    with opened(out, bom=listing is Format.csv) as stream:
        if listing in (Format.json, Format.csv):  # the rows (JSON: the whole notice)
            whole = {**data, "recipients": rows, "note": note}
            render(rows, table, listing, out=stream, json_value=whole)
        else:
            title = data["title"]
            print(f"# {title}\n" if listing is Format.markdown else title, file=stream)
            print(f"{heading}\n", file=stream)
            render(rows, table, listing, out=stream, empty=N_("no recipients"))
            print(f"\n{note}", file=stream)
    return len(rows)


def _xlsx_row(row: dict) -> tuple:
    return tuple(
        int(row[key]) if kind in ("int", "money") else cell(row[key])
        for key, kind in zip(KEYS, KINDS, strict=True)
    )

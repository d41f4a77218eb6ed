"""The public notice (公示) as it is posted: a heading (and the village), the fund's source,
households and total, the recipients, the notice period with its first and last day and how
to object, the signature block (落款: the issuing organisation and the date) and, when given,
the money chain's head; in a listing format, as a printable xlsx page, or as a printable HTML
page set (:mod:`zoufang.output.notice_html`) and the PDF a headless browser prints from it
(:mod:`zoufang.output.pdf`); in the chosen language.

Input is one of :func:`zoufang.services.notice.compose`'s dicts: header facts and a plain
list of recipients (money in fen under ``*_fen``). Whatever the list is (a fund's payments,
a plan's lines), it renders the same way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO

from zoufang import i18n
from zoufang.i18n import N_, _, ngettext, pgettext
from zoufang.output.formats import Format, NoticeFormat, listing_format
from zoufang.output.text import render
from zoufang.output.values import Money, cell
from zoufang.parsing import format_money

KEYS = ("no", "village", "name", "id_number", "categories", "amount")
KINDS = ("int", "text", "text", "text", "text", "money")
#: Column widths of the xlsx page, in characters (and the HTML page's proportions).
WIDTHS = (6, 14, 10, 22, 24, 12)
#: A file's name ending per format (``--split-by village`` writes one file a village).
SUFFIXES = {
    "table": ".txt",
    "plain": ".txt",
    "markdown": ".md",
    "csv": ".csv",
    "json": ".json",
    "xlsx": ".xlsx",
    "html": ".html",
    "pdf": ".pdf",
}


def columns(*, amounts: bool = True) -> list[tuple[str, str]]:
    """The table's columns, headed in the chosen language (no amount with --hide-amounts)."""
    headers = (
        pgettext("notice", "No."),
        pgettext("notice", "Village"),
        pgettext("notice", "Head of household"),
        pgettext("notice", "ID number"),
        pgettext("notice", "Categories"),
        pgettext("notice", "Amount (yuan)"),
    )
    pairs = list(zip(KEYS, headers, strict=True))
    return pairs if amounts else pairs[:-1]


def long_date(day: dt.date) -> str:
    """A date as a notice is signed: 2026年2月10日 in Chinese, 2026-02-10 in English."""
    if i18n.zh():
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def period_text(notice: dict) -> str:
    """The notice period: how many days, its first and its last day."""
    period = notice["notice_period"]
    days = period["days"]
    return ngettext(
        "Notice period: {days} day, from {first} to {last}.",
        "Notice period: {days} days, from {first} to {last}.",
        days,
    ).format(days=days, first=long_date(period["first_day"]), last=long_date(period["last_day"]))


def objections_text(contact: str | None) -> str:
    if contact:
        return _("If you object, contact: {contact}.").format(contact=contact)
    return _("Objections may be raised with the village (community) Party organisation.")


def footer(notice: dict) -> str:
    """The notice period and whom to tell of an objection."""
    return _("{period} {objections}").format(
        period=period_text(notice), objections=objections_text(notice["contact"])
    )


def summary(data: dict) -> str:
    """Where the money came from, how many households (are to) receive it, and how much."""
    total = data["total"] if "total" in data else Money(data["total_fen"])
    if data.get("kind") == "before":
        text = _("Source: {source}; households to be paid: {households}; total: {total} yuan")
    else:
        text = _("Source: {source}; households paid: {households}; total: {total} yuan")
    return text.format(
        source=data["source"] or "—", households=data["households"], total=format_money(total)
    )


def village_line(notice: dict) -> str | None:
    village = notice.get("village")
    if not village:
        return None
    return pgettext("notice", "Village (community): {village}").format(village=village)


def signature(notice: dict) -> list[str]:
    """The 落款: the issuing organisation (when given) and the date, one line each."""
    lines = [notice["issuer"]] if notice.get("issuer") else []
    return [*lines, long_date(notice["date"])]


def chain_line(notice: dict) -> str | None:
    """The money chain's head in its short form (``SEQ:12 hex digits``), for anyone to check
    the ledger against later (`audit funds --anchor`)."""
    head = notice.get("chain_head")
    if not head:
        return None
    short = f"{head['seq']}:{head['hash'][:12]}"  # the short form --anchor takes
    return pgettext("notice", "Money ledger chain head: {head}").format(head=short)


def page_number_template() -> str:
    """ "Page {page} of {pages}" in the chosen language (第 {page} 页 共 {pages} 页)."""
    return pgettext("notice", "Page {page} of {pages}")


def prepared(notice: dict) -> tuple[dict, list[dict], list[tuple[str, str]]]:
    """The notice with its total as :class:`Money`; its rows (amount as Money, or none with
    --hide-amounts); its columns."""
    data = dict(notice)
    amounts = not data.get("amounts_hidden")
    rows = []
    for r in data.pop("recipients"):
        row = dict(r)
        if amounts:  # each recipient keeps its amount_fen beside the amount (the JSON has both)
            row["amount"] = Money(r["amount_fen"])
        else:
            row.pop("amount_fen", None)
        rows.append(row)
    data["total"] = Money(data.pop("total_fen"))
    return data, rows, columns(amounts=amounts)


def write_notice(
    notice: dict,
    fmt: NoticeFormat,
    *,
    out: IO[str] | Path | None,
    browser: str | None = None,
) -> int:
    """Write the notice in ``fmt`` to ``out`` (a path for xlsx and pdf; CSV to a path gets a
    BOM for Excel; pdf is printed by ``browser``); return the number of households on it."""
    data, rows, table = prepared(notice)
    note = footer(data)
    heading = summary(data)
    listing = listing_format(fmt)
    if fmt is NoticeFormat.xlsx:  # a page to print and post
        from zoufang.output.notice_xlsx import write_xlsx

        assert isinstance(out, Path)
        write_xlsx(data, rows, table, out)
        return len(rows)
    if fmt in (NoticeFormat.html, NoticeFormat.pdf):
        from zoufang.output.notice_html import page

        html = page(data, rows, table)
        if fmt is NoticeFormat.pdf:
            from zoufang.output.pdf import html_to_pdf

            assert isinstance(out, Path) and browser is not None
            html_to_pdf(html, out, browser=browser)
        else:
            from zoufang.output.files import opened

            with opened(out) as stream:
                stream.write(html)
        return len(rows)
    assert listing is not None
    from zoufang.output.files import opened

    with opened(out, bom=listing is Format.csv) as stream:
        if listing in (Format.json, Format.csv):  # the rows (JSON: the whole notice)
            whole = {**data, "recipients": rows, "note": note}
            render(rows, table, listing, out=stream, json_value=whole)
        else:
            title = data["title"]
            print(f"# {title}\n" if listing is Format.markdown else title, file=stream)
            village = village_line(data)
            if village:
                print(f"{village}\n", file=stream)
            print(f"{heading}\n", file=stream)
            render(rows, table, listing, out=stream, empty=N_("no recipients"))
            print(f"\n{note}\n", file=stream)
            ending = [*signature(data), chain_line(data)]
            print(
                ("  \n" if listing is Format.markdown else "\n").join(filter(None, ending)),
                file=stream,
            )
    return len(rows)


def xlsx_row(row: dict, keys: list[str]) -> tuple:
    kinds = dict(zip(KEYS, KINDS, strict=True))
    return tuple(
        int(row[key]) if kinds[key] in ("int", "money") else cell(row[key]) for key in keys
    )


def kinds_of(keys: list[str]) -> list[str]:
    kinds = dict(zip(KEYS, KINDS, strict=True))
    return [kinds[k] for k in keys]


def widths_of(keys: list[str]) -> list[int]:
    widths = dict(zip(KEYS, WIDTHS, strict=True))
    return [widths[k] for k in keys]

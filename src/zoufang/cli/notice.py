"""`notice FUND`: the public notice (公示) of a fund's recipients."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang import parsing
from zoufang.cli.common import RevealOpt, log_reveal, session, today
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.output import NoticeFormat, default_format, parse_choice


def _notice_format(text: str | NoticeFormat | None) -> NoticeFormat | None:
    """``--format``: an unknown name is invalid input naming ``--format`` (exit 2)."""
    if text is None or isinstance(text, NoticeFormat):
        return text
    return parse_choice(text, NoticeFormat)


def notice(
    fund: Annotated[str, typer.Argument(help="Fund code.")],
    fmt: Annotated[
        NoticeFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="markdown, csv, xlsx, table, plain or json.",
            parser=_notice_format,
            metavar="<" + "|".join(NoticeFormat) + ">",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (required for xlsx).")
    ] = None,
    contact: Annotated[
        str | None, typer.Option(help="Who to contact with objections, e.g. 镇纪委 0531-12345678.")
    ] = None,
    days: Annotated[str, typer.Option(help="Publication period in days (1–90).")] = "7",
    reveal: RevealOpt = False,
) -> None:
    """The public notice (公示) of who received a fund: village, masked name and ID, amount."""
    from zoufang.output.notice import write_notice
    from zoufang.services.notice import fund_notice

    period = parsing.parse_count(days, field="--days", minimum=1, maximum=90)
    if contact is not None:  # printed on the notice: one line, as long as a fund's name
        contact = parsing.parse_line(contact, field="--contact", max_len=200)
    chosen = fmt or NoticeFormat(default_format().value)
    if chosen is NoticeFormat.xlsx and out is None:
        raise InvalidInput("--out", _("an xlsx notice needs --out FILE.xlsx"))
    if out is not None and out.exists():
        raise InvalidInput("--out", _("{out} already exists; choose a new file").format(out=out))
    with session(write=reveal) as s:
        data = fund_notice(session=s, code=fund, today=today(), reveal=reveal)
        if reveal:
            log_reveal(s, f"notice {fund}")
    households = write_notice(data, chosen, days=period, contact=contact, out=out)
    if chosen is NoticeFormat.xlsx:
        print(
            _("notice for {fund} written to {out} ({households} households)").format(
                fund=fund, out=out, households=households
            ),
            file=sys.stderr,
        )


def register(app: typer.Typer) -> None:
    app.command("notice")(notice)

"""`notice FUND`: the public notice (公示) of a fund's recipients."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import RevealOpt, log_reveal, session, today
from zoufang.errors import InvalidInput
from zoufang.output import NoticeFormat, default_format


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
    from zoufang.output.notice import write_notice
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
    households = write_notice(data, chosen, days=days, contact=contact, out=out)
    if chosen is NoticeFormat.xlsx:
        print(f"notice for {fund} written to {out} ({households} households)", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("notice")(notice)

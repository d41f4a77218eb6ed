"""`report`: the campaign figures (coverage, visits, needs, money, cadres) as a table,
markdown, JSON or one printable HTML page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import (
    ForceOpt,
    LangOpt,
    any_date,
    default_lang,
    parse_lang,
    refuse_existing,
    session,
    today,
)
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.output import ReportFormat, default_format, parse_choice


def report(
    since: Annotated[
        str | None,
        typer.Option("--since", help="First day of the period (default: from the start)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day of the period (default: today).")
    ] = None,
    village: Annotated[
        str | None, typer.Option("--village", help="Only this village or community.")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="table (default on a terminal), plain, markdown, csv, json, or html (one printable page with charts).",
            metavar="<" + "|".join(ReportFormat) + ">",
        ),
    ] = None,
    lang: LangOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this new file instead of stdout.")
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Campaign figures: households enrolled and visited (coverage), visits by kind, village
    and category, needs raised/resolved/overdue, suggestions and wishes, money per fund and
    category, and each cadre's workload."""
    from zoufang.output.report import write_report
    from zoufang.services.report import Scope, campaign_report

    chosen = ReportFormat(default_format()) if fmt is None else parse_choice(fmt, ReportFormat)
    language = parse_lang(lang) or default_lang()
    start, end = any_date(since, "--since"), any_date(until, "--until") or today()
    if start is not None and start > end:
        raise InvalidInput(
            "--since", _("{since} is after --until {until}").format(since=start, until=end)
        )
    refuse_existing(out, force=force)
    with session(write=False) as s:
        data = campaign_report(
            session=s, scope=Scope(since=start, until=end, village=village), today=today()
        )
    write_report(data, chosen, lang=language, out=out)
    if out is not None:
        print(_("report written to {out}").format(out=out), file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("report")(report)

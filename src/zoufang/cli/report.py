"""`report`: the campaign figures (coverage, visits, needs, money, cadres) as a table,
markdown, JSON or one printable HTML page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import LangOpt, any_date, default_lang, parse_lang, session, today
from zoufang.errors import InvalidInput
from zoufang.output import Format, Money, default_format, render_sections, write_json

FORMATS = tuple(f.value for f in Format) + ("html",)


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
            metavar="<" + "|".join(FORMATS) + ">",
        ),
    ] = None,
    lang: LangOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this new file instead of stdout.")
    ] = None,
) -> None:
    """Campaign figures: households enrolled and visited (coverage), visits by kind, village
    and category, needs raised/resolved/overdue, suggestions and wishes, money per fund and
    category, and each cadre's workload."""
    from zoufang import report_render
    from zoufang.services.report import Scope, campaign_report

    chosen = _format(fmt)
    language = parse_lang(lang) or default_lang()
    start, end = any_date(since, "--since"), any_date(until, "--until") or today()
    if start is not None and start > end:
        raise InvalidInput("--since", f"{start} is after --until {end}")
    if out is not None and out.exists():
        raise InvalidInput("--out", f"{out} already exists; choose a new file")
    with session(write=False) as s:
        data = campaign_report(
            session=s, scope=Scope(since=start, until=end, village=village), today=today()
        )
    target = open(out, "w", encoding="utf-8") if out else None  # noqa: SIM115
    saved = sys.stdout
    try:
        if target:
            sys.stdout = target
        if chosen == "html":
            sys.stdout.write(report_render.page(data, language))
        elif chosen == "json":
            write_json(_with_money(data))
        else:
            render_sections(report_render.sections(data, language), Format(chosen), json_value=None)
    finally:
        sys.stdout = saved
        if target:
            target.close()
    if out is not None:
        print(f"report written to {out}", file=sys.stderr)


def _format(fmt: str | None) -> str:
    if fmt is None:
        return default_format().value
    value = fmt.strip().lower()
    if value not in FORMATS:
        raise InvalidInput("--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    return value


def _with_money(value):
    """``*_fen`` integers → Money under the key without the suffix, all the way down."""
    if isinstance(value, dict):
        return {
            (k[:-4] if k.endswith("_fen") else k): (
                Money(v) if k.endswith("_fen") and v is not None else _with_money(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_money(v) for v in value]
    return value


def register(app: typer.Typer) -> None:
    app.command("report")(report)

"""`visit log`, `visit list`, `due`."""

from __future__ import annotations

from typing import Annotated

import typer

from zoufang import parsing
from zoufang.cli.common import FormatOpt, any_date, past_date, session, text_opt, texts, today
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _
from zoufang.output import render

visit_app = typer.Typer(help="Home visits: record them and read the history.", no_args_is_help=True)

VISIT_COLUMNS = [
    ("id", "编号"),
    ("date", "日期"),
    ("household", "户号"),
    ("name", "户主"),
    ("village", "村/社区"),
    ("kind", "类型"),
    ("cadres", "干部"),
    ("notes", "情况"),
    ("needs", "诉求"),
    ("suggestions", "意见建议"),
    ("wishes", "微心愿"),
    ("gifts", "送达物品"),
]
DUE_COLUMNS = [
    ("household", "户号"),
    ("name", "户主"),
    ("village", "村/社区"),
    ("categories", "类别"),
    ("cadres", "联系干部"),
    ("last_visit", "上次走访"),
    ("due_date", "应访日期"),
    ("days_overdue", "逾期天数"),
]


def visit_log(
    household: Annotated[str, typer.Argument(help="Household code.")],
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Visiting cadre code; repeat for several.")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Visit date (default today).")] = None,
    kind: Annotated[
        str, typer.Option(help="routine, festival, return, unannounced or verification.")
    ] = "routine",
    notes: Annotated[str | None, typer.Option(help="What you saw and heard.")] = None,
    need: Annotated[
        list[str] | None,
        typer.Option("--need", help="A need raised (诉求); opens a commitment. Repeatable."),
    ] = None,
    need_due: Annotated[
        str | None,
        typer.Option("--need-due", help="Deadline for the needs (default: visit date + 30 days)."),
    ] = None,
    suggestion: Annotated[
        list[str] | None,
        typer.Option("--suggestion", help="A suggestion heard (意见建议). Repeatable."),
    ] = None,
    wish: Annotated[
        list[str] | None, typer.Option("--wish", help="A small wish (微心愿). Repeatable.")
    ] = None,
    gift: Annotated[
        list[str] | None, typer.Option("--gift", help="A gift in kind handed over. Repeatable.")
    ] = None,
    next_: Annotated[
        str | None, typer.Option("--next", help="Date of the next visit (overrides the cadence).")
    ] = None,
    cash: Annotated[
        str | None, typer.Option("--cash", help="Cash paid at the visit, in yuan (needs --fund).")
    ] = None,
    fund: Annotated[
        str | None, typer.Option("--fund", help="The fund the cash is paid from.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record a home visit: what was heard, given, promised and paid."""
    from zoufang.services.visit_record import VisitIn, log_visit_with_cash, prepare_visit

    if not by:
        raise InvalidInput("--by", _("at least one visiting cadre is required"))
    household = parsing.fold(household)  # Ｈ０００００１ typed with a Chinese input method
    data = VisitIn(
        household=household,
        cadres=[parsing.parse_reference(c, field="--by") for c in by],
        visit_date=past_date(date, "--date"),
        kind=kind,
        notes=text_opt(notes, "--notes"),
        needs=texts(need, "--need"),
        need_due=any_date(need_due, "--need-due"),
        suggestions=texts(suggestion, "--suggestion"),
        wishes=texts(wish, "--wish"),
        gifts=texts(gift, "--gift"),
        next_date=any_date(next_, "--next"),
    )
    cash_fen = None if cash is None else parsing.parse_money(cash, field="--cash")
    prepare_visit(cash=cash_fen is not None)  # imports, before the write lock
    with session(write=True) as s:
        visit = log_visit_with_cash(
            session=s, data=data, today=today(), cash_fen=cash_fen, fund=fund
        )
    result = {
        "id": visit.id,
        "household": household,
        "date": visit.visit_date,
        "commitments": visit.commitments,
        "entries": visit.entries,
    }
    render(
        [result],
        [
            ("id", N_("visit")),
            ("household", "户号"),
            ("date", "日期"),
            ("commitments", "承诺编号"),
            ("entries", "流水号"),
        ],
        fmt,
        json_value=result,
    )


def visit_list(
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    cadre: Annotated[str | None, typer.Option(help="Only visits by this cadre.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Visit history, newest first."""
    from zoufang.services.visit_history import VisitFilter, list_visits

    where = VisitFilter(
        household=household,
        cadre=cadre,
        since=any_date(since, "--since"),
        until=any_date(until, "--until"),
    )
    if where.since and where.until and where.since > where.until:
        raise InvalidInput(
            "--since",
            _("{since} is after --until {until}").format(since=where.since, until=where.until),
        )
    with session(write=False) as s:
        rows = list_visits(session=s, where=where)
    render(rows, VISIT_COLUMNS, fmt, empty=N_("no visits"))


def due(
    days: Annotated[
        str, typer.Option("--days", help="Include visits falling due within N days.")
    ] = "0",
    cadre: Annotated[
        str | None, typer.Option(help="Only households assigned to this cadre.")
    ] = None,
    village: Annotated[str | None, typer.Option(help="Only this village.")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Who is due for a visit: on or before today + N days, most overdue first."""
    from zoufang.output import Format
    from zoufang.services.due import DueFilter, due_households

    n = parsing.parse_count(days, field="--days", minimum=0, maximum=3660)
    with session(write=False) as s:
        rows = due_households(
            session=s,
            today=today(),
            days=n,
            where=DueFilter(cadre=cadre, village=village, category=category),
            for_people=fmt is not Format.json,
        )
    render(rows, DUE_COLUMNS, fmt, empty=N_("nobody is due"))


def register(app: typer.Typer) -> None:
    visit_app.command("log")(visit_log)
    visit_app.command("list")(visit_list)
    app.add_typer(visit_app, name="visit")
    app.command("due")(due)

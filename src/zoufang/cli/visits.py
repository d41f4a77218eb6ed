"""`visit log`, `visit list`, `visit show`, `visit void`, `visit amend`, `due`."""

from __future__ import annotations

from typing import Annotated

import typer

from zoufang import labels, parsing
from zoufang.cli.common import FormatOpt, any_date, free_opt, frees, past_date, session, today
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _
from zoufang.output import render, render_sections

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
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="Pay the household's line of this approved plan (FUND/N): its amount, no --cash.",
            metavar="PLAN",
        ),
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
        notes=free_opt(notes, "--notes", "visit.notes"),
        needs=frees(need, "--need", "commitment.text"),
        need_due=any_date(need_due, "--need-due"),
        suggestions=frees(suggestion, "--suggestion", "visit_item.text"),
        wishes=frees(wish, "--wish", "visit_item.text"),
        gifts=frees(gift, "--gift", "visit_item.text"),
        next_date=any_date(next_, "--next"),
    )
    cash_fen = None if cash is None else parsing.parse_money(cash, field="--cash")
    plan_code = None if plan is None else parsing.parse_plan_code(plan, field="--plan")
    if plan_code is not None and cash is not None:
        raise InvalidInput("--cash", _("--plan pays the planned amount: leave out --cash"))
    fund_code = fund
    prepare_visit(cash=cash_fen is not None, plan=plan_code is not None)  # before the lock
    with session(write=True) as s:
        visit = log_visit_with_cash(
            session=s, data=data, today=today(), cash_fen=cash_fen, fund=fund_code, plan=plan_code
        )
    result = {
        "id": visit.id,
        "household": household,
        "date": visit.visit_date,
        "commitments": visit.commitments,
        "entries": visit.entries,
        "wishes": visit.wishes,
        "suggestions": visit.suggestions,
    }
    render(
        [result],
        [
            ("id", N_("visit")),
            ("household", "户号"),
            ("date", "日期"),
            ("commitments", "承诺编号"),
            ("entries", "流水号"),
            ("wishes", N_("wish numbers")),
            ("suggestions", N_("suggestion numbers")),
        ],
        fmt,
        json_value=result,
    )


def visit_list(
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    cadre: Annotated[str | None, typer.Option(help="Only visits by this cadre.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date.")] = None,
    every_version: Annotated[
        bool,
        typer.Option("--all", help="Also the void and superseded visits (corrected), marked so."),
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Visit history, newest first (the visits that count; --all adds the corrected ones)."""
    from zoufang.services.visit_history import VisitFilter, list_visits

    where = VisitFilter(
        household=household,
        cadre=cadre,
        since=any_date(since, "--since"),
        until=any_date(until, "--until"),
        every_version=every_version,
    )
    if where.since and where.until and where.since > where.until:
        raise InvalidInput(
            "--since",
            _("{since} is after --until {until}").format(since=where.since, until=where.until),
        )
    with session(write=False) as s:
        rows = list_visits(session=s, where=where)
    columns = [*VISIT_COLUMNS, ("status", "状态")] if every_version else VISIT_COLUMNS
    render(rows, columns, fmt, empty=N_("no visits"))


def _visit_id(text: str) -> int:
    return parsing.parse_count(text, field="ID", minimum=1, maximum=2**62)


ReasonOpt = Annotated[
    str, typer.Option("--reason", help="Why the record is corrected (kept with it).")
]


def visit_show(
    visit_id: Annotated[str, typer.Argument(metavar="ID", help="Visit number.")],
    fmt: FormatOpt = None,
) -> None:
    """A visit with every correction: its versions, who changed it, when and why."""
    from zoufang.services.corrections import show_visit

    vid = _visit_id(visit_id)
    with session(write=False) as s:
        shown = show_visit(session=s, visit_id=vid)
    asked = next(v for v in shown["versions"] if v["id"] == vid)
    summary = {
        **asked,
        "current": shown["current"],
        "commitments": [c["id"] for c in shown["commitments"]],
        "entries": shown["entries"],
    }
    corrections = [{**c, "changes": _changes_text(c["changes"])} for c in shown["corrections"]]
    render_sections(
        [
            (_("visit {id}").format(id=vid), summary),
            (
                N_("versions"),
                (
                    shown["versions"],
                    [
                        ("id", "编号"),
                        ("status", "状态"),
                        ("date", "日期"),
                        ("household", "户号"),
                        ("kind", "类型"),
                        ("cadres", "干部"),
                        ("notes", "情况"),
                        ("recorded_at", "录入时间"),
                        ("operator", "录入人"),
                    ],
                ),
            ),
            (
                N_("corrections"),
                (
                    corrections,
                    [
                        ("at", "更正时间"),
                        ("operator", "操作人"),
                        ("action", "更正"),
                        ("visit", "走访编号"),
                        ("replaced_by", "更正后编号"),
                        ("reason", "原因"),
                        ("changes", "改动"),
                    ],
                ),
            ),
        ],
        fmt,
        json_value=shown,
    )


def _changes_text(changes: dict) -> str:
    """``{"kind": ["routine", "festival"]}`` as a person reads it: 类型: 日常走访 → 节日慰问."""
    words = {"household": N_("household"), "visit_date": N_("date"), "kind": N_("kind")}
    words |= {"notes": N_("notes"), "cadres": N_("cadres")}

    def shown(field: str, value) -> str:
        if field == "kind" and value:
            return labels.label_of(labels.VISIT_KIND, value)
        if isinstance(value, list):
            return ", ".join(value)
        return "—" if value in (None, "") else str(value)

    return "; ".join(
        f"{_(words.get(field, field))}: {shown(field, old)} → {shown(field, new)}"
        for field, (old, new) in changes.items()
    )


def visit_void(
    visit_id: Annotated[str, typer.Argument(metavar="ID", help="Visit number.")],
    reason: ReasonOpt,
    fmt: FormatOpt = None,
) -> None:
    """Void a visit recorded by mistake, with the needs it opened (the record stays)."""
    from zoufang.services.corrections import parse_reason, void_visit

    vid, why = _visit_id(visit_id), parse_reason(reason)
    with session(write=True) as s:
        result = void_visit(session=s, visit_id=vid, reason=why, today=today())
    render(
        [result],
        [
            ("visit", N_("visit")),
            ("status", "状态"),
            ("household", "户号"),
            ("commitments", "承诺编号"),
            ("due_date", "应访日期"),
        ],
        fmt,
        json_value=result,
    )


def visit_amend(
    visit_id: Annotated[str, typer.Argument(metavar="ID", help="Visit number.")],
    reason: ReasonOpt,
    household: Annotated[
        str | None, typer.Option("--household", help="The household actually visited.")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="The actual visit date.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="routine, festival, return, unannounced or verification."),
    ] = None,
    notes: Annotated[str | None, typer.Option(help="What was seen and heard.")] = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="The visiting cadres (all of them); repeat for several."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Amend a visit: a new version replaces it; the original stays, marked superseded."""
    from zoufang.services.corrections import VisitAmendment, amend_visit, parse_reason

    vid, why = _visit_id(visit_id), parse_reason(reason)
    amendment = VisitAmendment(
        household=None if household is None else parsing.fold(household),
        visit_date=past_date(date, "--date") if date is not None else None,
        kind=kind,
        notes=free_opt(notes, "--notes", "visit.notes"),
        cadres=None if by is None else [parsing.parse_reference(c, field="--by") for c in by],
    )
    with session(write=True) as s:
        result = amend_visit(
            session=s, visit_id=vid, amendment=amendment, reason=why, today=today()
        )
    shown = {**result, "changes": _changes_text(result["changes"])}
    render(
        [shown],
        [
            ("visit", N_("visit")),
            ("status", "状态"),
            ("replaced_by", "更正后编号"),
            ("household", "户号"),
            ("changes", "改动"),
            ("due_date", "应访日期"),
        ],
        fmt,
        json_value=result,
    )


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
    visit_app.command("show")(visit_show)
    visit_app.command("void")(visit_void)
    visit_app.command("amend")(visit_amend)
    app.add_typer(visit_app, name="visit")
    app.command("due")(due)

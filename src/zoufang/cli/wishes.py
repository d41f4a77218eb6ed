"""`wish add/claim/fulfil/decline/list`: small wishes (微心愿) and their life cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from zoufang import parsing
from zoufang.cli.common import (
    FormatOpt,
    free,
    free_opt,
    line_opt,
    name_opt,
    named_cadres,
    opt,
    past_date,
    session,
    today,
)
from zoufang.i18n import N_
from zoufang.output import render

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

wish_app = typer.Typer(
    help="Small wishes (微心愿): claimed, fulfilled or declined.", no_args_is_help=True
)

WISH_COLUMNS = [
    ("id", N_("number")),
    ("household", "户号"),
    ("name", "户主"),
    ("text", N_("wish")),
    ("heard_on", N_("heard on")),
    ("cadre", "责任人"),
    ("status", "状态"),
    ("claimed_by", N_("claimed by")),
    ("due_date", "期限"),
    ("days_overdue", "逾期天数"),
    ("closed_on", N_("closed on")),
    ("outcome", N_("outcome")),
    ("entry", "流水号"),
]


def wish_id(text: str) -> int:
    return parsing.parse_count(text, field="ID", minimum=1, maximum=2**62)


def _show(s: LedgerSession, wid: int, fmt) -> None:
    from zoufang.services.wishes import WishFilter, list_wishes

    rows = list_wishes(session=s, today=today(), where=WishFilter(id=wid))
    render(named_cadres(rows), WISH_COLUMNS, fmt, json_value=rows[0] if rows else None)


def wish_add(
    household: Annotated[str, typer.Argument(help="Household code.")],
    text: Annotated[str, typer.Option("--text", help="The wish, as the household said it.")],
    date: Annotated[
        str | None, typer.Option("--date", help="When it was heard (default today).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Responsible cadre (default: the household's assigned cadre)."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record a wish heard outside a visit (`visit log --wish` records one at a visit)."""
    from zoufang.services.wishes import add_wish

    values: dict[str, Any] = {
        "household": household,
        "text": free(text, "--text", "wish.text"),
        "on": past_date(date, "--date"),
        "cadre": opt(by, parsing.parse_reference, "--by"),
    }
    with session(write=True) as s:
        wid = add_wish(session=s, today=today(), **values)
        _show(s, wid, fmt)


def wish_claim(
    wish: Annotated[str, typer.Argument(metavar="ID", help="Wish number.")],
    by: Annotated[str | None, typer.Option("--by", help="The cadre who takes it on.")] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", metavar="UNIT", help="Or the unit (or volunteer team) that does."),
    ] = None,
    person: Annotated[
        str | None, typer.Option("--person", metavar="NAME", help="The unit's contact person.")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="The contact's phone.")] = None,
    due: Annotated[
        str | None, typer.Option("--due", help="To be fulfilled by (default: 30 days).")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Claim (认领) an open wish for a cadre or a unit, with a due date."""
    from zoufang.services.wishes import Claimant, claim

    wid = wish_id(wish)
    claimant = Claimant(
        cadre=opt(by, parsing.parse_reference, "--by"),
        unit=line_opt(unit, "--unit", "wish.claimed_unit"),
        person=name_opt(person, "--person", "wish.claimed_person"),
        phone=opt(phone, parsing.parse_phone, "--phone"),
    )
    on = past_date(date, "--date")
    due_on = opt(due, parsing.parse_date, "--due")
    with session(write=True) as s:
        claim(session=s, wish_id=wid, by=claimant, on=on, due=due_on, today=today())
        _show(s, wid, fmt)


def wish_fulfil(
    wish: Annotated[str, typer.Argument(metavar="ID", help="Wish number.")],
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was done.")] = None,
    cash: Annotated[
        str | None,
        typer.Option("--cash", metavar="YUAN", help="Amount paid for it from --fund."),
    ] = None,
    fund: Annotated[
        str | None, typer.Option("--fund", help="Fund that pays (with --cash).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Paying cadre (default: the claimer, else the responsible)."),
    ] = None,
    override: Annotated[
        str | None,
        typer.Option("--override", metavar="REASON", help="Pay although a fund rule objects."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Mark a wish fulfilled (圆梦); with --cash and --fund it is paid through the money ledger."""
    from zoufang.services.wishes import fulfil

    wid = wish_id(wish)
    values: dict[str, Any] = {
        "on": past_date(date, "--date"),
        "note": free_opt(note, "--note", "wish.outcome"),
        "cash_fen": opt(cash, parsing.parse_money, "--cash"),
        "fund": fund,
        "cadre": opt(by, parsing.parse_reference, "--by"),
        "override": line_opt(override, "--override", "ledger_entry.override_reason"),
    }
    if cash is not None or fund is not None:
        from zoufang.services.visit_record import prepare_visit

        prepare_visit(cash=True)  # the ORM's import, before the write lock
    with session(write=True) as s:
        fulfil(session=s, wish_id=wid, today=today(), **values)
        _show(s, wid, fmt)


def wish_decline(
    wish: Annotated[str, typer.Argument(metavar="ID", help="Wish number.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it cannot be done (what the household was told).")
    ],
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Decline a wish (未能实现), with the reason the household was told."""
    from zoufang.services.wishes import decline

    wid = wish_id(wish)
    why = free(reason, "--reason", "wish.outcome")
    on = past_date(date, "--date")
    with session(write=True) as s:
        decline(session=s, wish_id=wid, reason=why, on=on, today=today())
        _show(s, wid, fmt)


def wish_list(
    status: Annotated[
        str | None,
        typer.Option(help="open, claimed, fulfilled, declined (or void)."),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only claimed ones past their due date.")
    ] = False,
    village: Annotated[str | None, typer.Option(help="Only this village.")] = None,
    cadre: Annotated[
        str | None, typer.Option(help="Only those this cadre is responsible for or claimed.")
    ] = None,
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Wishes, oldest first, with who claimed them and days overdue."""
    from zoufang.services.wishes import WishFilter, list_wishes

    where = WishFilter(
        status=status,
        overdue=overdue,
        village=village,
        cadre=opt(cadre, parsing.parse_reference, "--cadre"),
        household=household,
    )
    with session(write=False) as s:
        rows = list_wishes(session=s, today=today(), where=where)
    render(named_cadres(rows), WISH_COLUMNS, fmt, json_value=rows, empty=N_("no wishes"))


def register(app: typer.Typer) -> None:
    wish_app.command("add")(wish_add)
    wish_app.command("claim")(wish_claim)
    wish_app.command("fulfil")(wish_fulfil)
    wish_app.command("decline")(wish_decline)
    wish_app.command("list")(wish_list)
    app.add_typer(wish_app, name="wish")

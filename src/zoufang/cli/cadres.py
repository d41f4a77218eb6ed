"""`cadre add/list/relate/unrelate` and `assign` (`assign --remove` takes a household off a cadre)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zoufang import parsing
from zoufang.cli.common import (
    FormatOpt,
    FromOpt,
    ReasonOpt,
    line_opt,
    name_opt,
    opt,
    session,
    today,
)
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _
from zoufang.output import render, render_sections

cadre_app = typer.Typer(help="Cadres who visit and pay, and their relatives.", no_args_is_help=True)

CADRE_COLUMNS = [
    ("code", "编号"),
    ("name", "姓名"),
    ("unit", "单位"),
    ("phone", "电话"),
    ("email", "邮箱"),
    ("login", "登录名"),
    ("households", "联系户数"),
    ("visits", "走访次数"),
]


def cadre_add(
    name: Annotated[str, typer.Option("--name", help="Cadre's name.")],
    code: Annotated[str | None, typer.Option("--code", help="Code (default: next C0001…).")] = None,
    unit: Annotated[str | None, typer.Option(help="Work unit (单位).")] = None,
    email: Annotated[str | None, typer.Option(help="Email, for reminders.")] = None,
    phone: Annotated[str | None, typer.Option(help="Mobile or landline.")] = None,
    login: Annotated[
        str | None,
        typer.Option(help="The PostgreSQL login this cadre works as (a county server ledger)."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a cadre."""
    from zoufang.services.cadres import add_cadre, cadre_row, parse_email

    values: dict[str, Any] = {  # parsed before the ledger is opened
        "name": name_opt(name, "--name", "cadre.name"),
        "code": opt(code, parsing.parse_code, "--code"),
        "unit": line_opt(unit, "--unit", "cadre.unit"),
        "email": opt(email, parse_email, "--email"),
        "phone": opt(phone, parsing.parse_phone, "--phone"),
        "login": opt(login, _parse_login, "--login"),
    }
    with session(write=True) as s:
        row = cadre_row(add_cadre(session=s, **values))
    render_sections([(N_("cadre"), row)], fmt, json_value=row)


def _parse_login(text: str, *, field: str) -> str:
    from zoufang.services.users import parse_login

    try:
        return parse_login(text)
    except InvalidInput as exc:
        exc.field = field
        raise


def cadre_update(
    cadre: Annotated[str, typer.Argument(help="Cadre code.")],
    login: Annotated[
        str | None,
        typer.Option(help="The PostgreSQL login this cadre works as."),
    ] = None,
    no_login: Annotated[
        bool, typer.Option("--no-login", help="The cadre has no login any more.")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Change a cadre's login (the PostgreSQL login it works as)."""
    from zoufang.services.cadres import cadre_row, set_cadre_login

    if (login is None) == (not no_login):
        raise InvalidInput("--login", _("give --login NAME or --no-login"))
    code = parsing.parse_code(cadre, field="CADRE")
    value = None if no_login else _parse_login(login or "", field="--login")
    with session(write=True) as s:
        row = cadre_row(set_cadre_login(session=s, code=code, login=value))
    render_sections([(N_("cadre"), row)], fmt, json_value=row)


def cadre_list(fmt: FormatOpt = None) -> None:
    """Cadres with their household and visit counts."""
    from zoufang.services.cadres import list_cadres

    with session(write=False) as s:
        rows = list_cadres(session=s)
    render(rows, CADRE_COLUMNS, fmt, empty=N_("no cadres yet: add one with `zoufang cadre add`"))


def cadre_relate(
    cadre: Annotated[str, typer.Argument(help="Cadre code.")],
    household: Annotated[
        str | None, typer.Option("--household", help="A household the cadre is related to.")
    ] = None,
    id_number: Annotated[
        str | None, typer.Option("--id-number", help="A relative's ID number.")
    ] = None,
    relation: Annotated[str | None, typer.Option(help="Relation (亲属关系), e.g. 表兄.")] = None,
    from_: FromOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Record a cadre's relative, for conflict-of-interest checks on payments."""
    from zoufang.services.cadres import relate, relative_rows
    from zoufang.services.households import get_cadre

    number = opt(id_number, parsing.parse_id_number, "--id-number", today=today())
    with session(write=True) as s:
        relative = relate(
            session=s,
            cadre_code=cadre,
            household_code=household,
            id_number=number,
            relation=line_opt(relation, "--relation", "cadre_relative.relation"),
            today=today(),
            effective_from=opt(from_, parsing.parse_date, "--from"),
            reason=line_opt(reason, "--reason", "fact_change.reason"),
        )
        rows = relative_rows(session=s, cadre_id=relative.cadre_id)
        cadre_code = get_cadre(session=s, code=cadre).code  # the code, when given by name
    _render_relatives(cadre_code, rows, fmt)


def cadre_unrelate(
    cadre: Annotated[str, typer.Argument(help="Cadre code.")],
    household: Annotated[
        str | None, typer.Option("--household", help="The related household.")
    ] = None,
    id_number: Annotated[
        str | None, typer.Option("--id-number", help="The relative's ID number.")
    ] = None,
    from_: FromOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """End a cadre's relation (from --from, default today); it stays in the history."""
    from zoufang.services.cadres import relative_rows, unrelate

    number = opt(id_number, parsing.parse_id_number, "--id-number", today=today())
    with session(write=True) as s:
        found = unrelate(
            session=s,
            cadre_code=cadre,
            household_code=household,
            id_number=number,
            today=today(),
            effective_from=opt(from_, parsing.parse_date, "--from"),
            reason=line_opt(reason, "--reason", "fact_change.reason"),
        )
        assert found.id is not None
        rows = relative_rows(session=s, cadre_id=found.id)
    _render_relatives(found.code, rows, fmt)


def _render_relatives(cadre_code: str, rows: list[dict], fmt) -> None:
    for row in rows:
        if row["id_number"] is not None:  # a related household has none: null, not ""
            row["id_number"] = parsing.mask_id_number(row["id_number"])
    render(
        rows,
        [("household", "户号"), ("id_number", "身份证号"), ("relation", "关系")],
        fmt,
        json_value={"cadre": cadre_code, "relatives": rows},
    )


def assign_command(
    household: Annotated[str, typer.Argument(help="Household code.")],
    cadre: Annotated[str, typer.Argument(help="Cadre code.")],
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the assignment instead.")
    ] = False,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="With --remove: why (assigned by mistake, cadre moved…); kept."
        ),
    ] = None,
) -> None:
    """Make a cadre responsible for a household (or --remove that, with a --reason)."""
    from zoufang.services.cadres import assign, unassign

    why = None if reason is None else parsing.parse_line(reason, field="--reason", max_len=500)
    if why is not None and not remove:
        raise InvalidInput("--reason", _("goes with --remove"))
    with session(write=True) as s:
        if remove:
            unassign(session=s, household_code=household, cadre_code=cadre, reason=why)
        else:
            assign(session=s, household_code=household, cadre_code=cadre, today=today())


def register(app: typer.Typer) -> None:
    cadre_app.command("add")(cadre_add)
    cadre_app.command("update")(cadre_update)
    cadre_app.command("list")(cadre_list)
    cadre_app.command("relate")(cadre_relate)
    cadre_app.command("unrelate")(cadre_unrelate)
    app.add_typer(cadre_app, name="cadre")
    app.command("assign")(assign_command)

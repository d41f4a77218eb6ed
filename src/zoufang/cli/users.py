"""`user add|list|update|revoke`: the logins of a PostgreSQL ledger (docs/security.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from zoufang import labels
from zoufang.cli.common import FormatOpt, session
from zoufang.codes import USER_ROLES
from zoufang.i18n import N_
from zoufang.output import render, render_sections

user_app = typer.Typer(
    help="Logins of a county PostgreSQL ledger: role kind and villages (admin only).",
    no_args_is_help=True,
)

USER_COLUMNS = [
    ("login", N_("login")),
    ("role", N_("role")),
    ("villages", N_("villages")),
    ("active", N_("active")),
    ("changed_at", N_("changed_at")),
    ("changed_by", N_("changed_by")),
]

LoginArg = Annotated[str, typer.Argument(help="The PostgreSQL login (a–z, 0–9, _).")]
VillageOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--village", help="A village the login works in (repeat for several; cadre: required)."
    ),
]


def _role(text: str | None) -> str | None:
    from zoufang.parsing import parse_choice

    if text is None:
        return None
    return parse_choice(text, kind=labels.USER_ROLE, codes=USER_ROLES, field="--role")


def _villages(values: list[str] | None) -> list[str] | None:
    from zoufang.parsing import parse_line
    from zoufang.services.limits import column_limit

    if values is None:
        return None
    limit = column_limit("login_village.village")
    return sorted({parse_line(v, field="--village", max_len=limit) for v in values})


def _shown(row: dict) -> dict:
    return {
        **row,
        "role": labels.Code(row["role"], labels.USER_ROLE),
        "villages": "、".join(row["villages"]),
    }


def user_add(
    login: LoginArg,
    role: Annotated[str, typer.Option("--role", help="cadre, officer, finance, auditor or admin.")],
    village: VillageOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Create a login (or make an existing one a user) with its role kind and villages."""
    from zoufang.services.users import add_user, parse_login

    name = parse_login(login)
    kind = _role(role)
    assert kind is not None
    villages = _villages(village) or []
    with session(write=True) as s:
        row = add_user(s, login=name, role=kind, villages=villages)
    render_sections([(N_("user"), _shown(row))], fmt, json_value=row)


def user_update(
    login: LoginArg,
    role: Annotated[str | None, typer.Option("--role", help="Another role kind.")] = None,
    village: VillageOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a user's role kind or villages (--village replaces the list)."""
    from zoufang.services.users import parse_login, update_user

    name = parse_login(login)
    with session(write=True) as s:
        row = update_user(s, login=name, role=_role(role), villages=_villages(village))
    render_sections([(N_("user"), _shown(row))], fmt, json_value=row)


def user_revoke(login: LoginArg, fmt: FormatOpt = None) -> None:
    """Take a user's rights away: no role kind, cannot log in; its rows keep its name."""
    from zoufang.services.users import parse_login, revoke_user

    name = parse_login(login)
    with session(write=True) as s:
        row = revoke_user(s, login=name)
    render_sections([(N_("user"), _shown(row))], fmt, json_value=row)


def user_list(fmt: FormatOpt = None) -> None:
    """The ledger's users, revoked ones included."""
    from zoufang.services.users import list_users

    with session(write=False) as s:
        rows = list_users(s)
    render(
        [_shown(r) for r in rows],
        USER_COLUMNS,
        fmt,
        json_value=rows,
        empty=N_("no users yet: add one with `zoufang user add`"),
    )


def register(app: typer.Typer) -> None:
    user_app.command("add")(user_add)
    user_app.command("list")(user_list)
    user_app.command("update")(user_update)
    user_app.command("revoke")(user_revoke)
    app.add_typer(user_app, name="user")

"""`zoufang user add|list|update|revoke`: the logins of a PostgreSQL ledger, their role kind
and their villages (docs/security.md).

Each command runs in the command's one transaction: the PostgreSQL roles and grants
(:mod:`zoufang.db.roles`), the ``login_role``/``login_village`` rows the row-level security
policies read, and the audit-log row land together or not at all. Run by an admin login, the
schema owner or a superuser; the owner or a superuser also (re)grants the group roles' rights
on the tables. A SQLite ledger has no users: it is one person's file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update

from zoufang.codes import USER_ROLES
from zoufang.db import roles
from zoufang.errors import InvalidInput, NotFound, RuleViolation
from zoufang.i18n import _
from zoufang.services import rights
from zoufang.services.audit_log import record
from zoufang.tables import login_role, login_village

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def _server_only(session: LedgerSession) -> None:
    if session.connection().dialect.name != "postgresql":
        raise RuleViolation(
            "user",
            _(
                "users are a PostgreSQL ledger's: a SQLite ledger is one person's file, "
                "protected by its file mode"
            ),
        )
    rights.require(session, "users")


def parse_login(text: str) -> str:
    """A login name as PostgreSQL writes it unquoted: a–z, digits and _, at most 63."""
    value = (text or "").strip()
    if not roles.LOGIN_PATTERN.fullmatch(value):
        raise InvalidInput(
            "LOGIN",
            _(
                "{value!r} is not a login name: lowercase letters a–z, digits and _, "
                "starting with a letter, at most 63"
            ).format(value=value),
        )
    if value.startswith(("zoufang_", "pg_")):
        raise InvalidInput(
            "LOGIN",
            _(
                "{value!r} is not a login name: names starting with zoufang_ are zoufang's "
                "group roles and pg_ is PostgreSQL's own"
            ).format(value=value),
        )
    return value


def _check_villages(role: str, villages: list[str]) -> None:
    if role == "cadre" and not villages:
        raise InvalidInput("--village", _("a cadre works in at least one village: give --village"))
    if role in ("finance", "auditor", "admin") and villages:
        raise InvalidInput(
            "--village",
            _("a {role} login works for every village: leave out --village").format(role=role),
        )


def _write(session: LedgerSession, login: str, role: str, villages: list[str]) -> None:
    conn = session.connection()
    if rights.role_of(session) == "owner":
        roles.grant_groups(conn)
    elif not roles.login_exists(conn, roles.group(role)):
        raise RuleViolation(
            "--role",
            _(
                "the group roles are not on this server yet: the schema owner runs the first "
                "zoufang user add"
            ),
        )
    _not_a_server_role(conn, login)
    roles.make_login(conn, login, role)
    conn.execute(delete(login_village).where(login_village.c.login == login))
    if villages:
        conn.execute(insert(login_village), [{"login": login, "village": v} for v in villages])


def _not_a_server_role(conn, login: str) -> None:
    """Refuse (exit 1) to make a user of, or revoke, a superuser or the ledger's owner: their
    roles are the server administrator's, not zoufang's to change."""
    if roles.is_server_role(conn, login):
        raise RuleViolation(
            "LOGIN",
            _(
                "{login} is a superuser or owns the ledger; zoufang does not make it a user or "
                "revoke it"
            ).format(login=login),
        )


def _row(session: LedgerSession, login: str) -> dict | None:
    conn = session.connection()
    found = conn.execute(select(login_role).where(login_role.c.login == login)).first()
    if found is None:
        return None
    villages = sorted(
        conn.execute(
            select(login_village.c.village).where(login_village.c.login == login)
        ).scalars()
    )
    return {
        "login": found.login,
        "role": found.role,
        "villages": villages,
        "active": bool(found.active),
        "changed_at": found.changed_at,
        "changed_by": found.changed_by,
    }


def add_user(session: LedgerSession, *, login: str, role: str, villages: list[str]) -> dict:
    """A new login (or an existing server role made a zoufang user) with its role kind."""
    _server_only(session)
    assert role in USER_ROLES and USER_ROLES == roles.USER_ROLES
    _check_villages(role, villages)
    if _row(session, login) is not None:
        raise RuleViolation(
            "LOGIN",
            _("{login} is already a user; change it with zoufang user update").format(login=login),
        )
    session.connection().execute(
        insert(login_role).values(
            login=login,
            role=role,
            active=True,
            changed_at=session.recorded_at(),
            changed_by=session.info["operator"],
        )
    )
    _write(session, login, role, villages)
    row = _row(session, login)
    record(session, action="add", object_type="user", object_key=login, after=row)
    return row  # type: ignore[return-value]


def update_user(
    session: LedgerSession, *, login: str, role: str | None, villages: list[str] | None
) -> dict:
    """Another role kind or other villages for a user (a revoked one is made active again)."""
    _server_only(session)
    before = _row(session, login)
    if before is None:
        raise NotFound("LOGIN", _("no user {login}").format(login=login))
    role = role or before["role"]
    if villages is None:
        villages = [] if role in ("finance", "auditor", "admin") else before["villages"]
    _check_villages(role, villages)
    _write(session, login, role, villages)
    session.connection().execute(
        update(login_role)
        .where(login_role.c.login == login)
        .values(
            role=role,
            active=True,
            changed_at=session.recorded_at(),
            changed_by=session.info["operator"],
        )
    )
    after = _row(session, login)
    record(
        session, action="update", object_type="user", object_key=login, before=before, after=after
    )
    return after  # type: ignore[return-value]


def revoke_user(session: LedgerSession, *, login: str) -> dict:
    """The login loses its group and cannot log in; its rows keep naming it."""
    _server_only(session)
    before = _row(session, login)
    if before is None:
        raise NotFound("LOGIN", _("no user {login}").format(login=login))
    if login == session.info.get("login"):
        raise RuleViolation("LOGIN", _("a login cannot revoke itself"))
    _not_a_server_role(session.connection(), login)
    roles.disable_login(session.connection(), login)
    session.connection().execute(
        update(login_role)
        .where(login_role.c.login == login)
        .values(active=False, changed_at=session.recorded_at(), changed_by=session.info["operator"])
    )
    after = _row(session, login)
    record(
        session, action="revoke", object_type="user", object_key=login, before=before, after=after
    )
    return after  # type: ignore[return-value]


def list_users(session: LedgerSession) -> list[dict]:
    _server_only(session)
    logins = session.connection().execute(select(login_role.c.login).order_by(login_role.c.login))
    return [r for r in (_row(session, login) for login in logins.scalars()) if r is not None]

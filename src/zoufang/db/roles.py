"""PostgreSQL roles for a ledger's logins: one group role per role kind, its grants, and the
login roles `zoufang user add` makes (docs/security.md says who may do what and why).

The group roles (``zoufang_cadre``, ``zoufang_officer``, ``zoufang_finance``,
``zoufang_auditor``, ``zoufang_admin``) belong to the server, like every PostgreSQL role; their
rights are granted on this database's tables. Nobody but the schema owner gets UPDATE or
DELETE on the audit log, the history tables or the money ledger, or any right on
``alembic_version`` but reading it; the row-level security policies of migration 0012 narrow
every right to the login's villages.

Only the schema owner (or a superuser) can grant rights on the tables: :func:`grant_groups`
runs when such a login runs a `zoufang user` command, and again after every upgrade that way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from zoufang.tables import metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: What a login may be called: PostgreSQL's plain identifiers, so that no quoting is needed.
LOGIN_PATTERN = re.compile(r"[a-z_][a-z0-9_]{0,62}")

#: Tables every role kind reads (row-level security narrows them to the login's villages).
#: Rights beyond reading, per kind: table → privileges.
_CADRE = {
    "household": "UPDATE",
    "member": "INSERT, UPDATE",
    "household_category": "INSERT, DELETE",
    "visit": "INSERT, UPDATE",
    "visit_item": "INSERT",
    "visit_cadre": "INSERT",
    "commitment": "INSERT, UPDATE",
    "commitment_response": "INSERT",
    "wish": "INSERT, UPDATE",
    "wish_event": "INSERT",
    "suggestion": "INSERT, UPDATE",
    "suggestion_answer": "INSERT",
    "correction": "INSERT",
    "audit_log": "INSERT",
    "fact_change": "INSERT",
    "ledger_entry": "INSERT",
    "plan_payment": "INSERT",
    "reminder_log": "INSERT",
}
_OFFICER = {
    **_CADRE,
    "household": "INSERT, UPDATE",
    "assignment": "INSERT, UPDATE, DELETE",
    "cadre": "INSERT, UPDATE",
    "cadre_relative": "INSERT, DELETE",
    "category": "INSERT",
}
_FINANCE = {
    "fund": "INSERT, UPDATE",
    "fund_category": "INSERT, DELETE",
    "plan": "INSERT",
    "plan_line": "INSERT, UPDATE, DELETE",
    "plan_event": "INSERT",
    "plan_payment": "INSERT",
    "ledger_entry": "INSERT",
    "fact_change": "INSERT",
    "correction": "INSERT",
    "audit_log": "INSERT",
    "household": "UPDATE",
}
GRANTS: dict[str, dict[str, str]] = {
    "cadre": _CADRE,
    "officer": _OFFICER,
    "finance": _FINANCE,
    "auditor": {"audit_log": "INSERT"},
    "admin": {
        "audit_log": "INSERT",
        "login_role": "INSERT, UPDATE",
        "login_village": "INSERT, DELETE",
    },
}


#: The role kinds (``codes.USER_ROLES``, which services check against this).
USER_ROLES = tuple(GRANTS)


def group(kind: str) -> str:
    """The group role of a role kind."""
    return f"zoufang_{kind}"


def grant_groups(conn: Connection) -> None:
    """Create the group roles if the server lacks them, and (re)grant their rights on this
    ledger's tables and functions: run by the schema owner or a superuser."""
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    database = conn.exec_driver_sql("SELECT current_database()").scalar_one()
    for kind in USER_ROLES:
        name = group(kind)
        conn.exec_driver_sql(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
            f"CREATE ROLE {name} NOLOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO {name}')
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO {name}')
        conn.exec_driver_sql(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {name}')
        conn.exec_driver_sql(f"GRANT SELECT ON alembic_version TO {name}")
        for declared in metadata.sorted_tables:
            conn.exec_driver_sql(f'GRANT SELECT ON "{declared.name}" TO {name}')
        for table, privileges in GRANTS[kind].items():
            conn.exec_driver_sql(f'GRANT {privileges} ON "{table}" TO {name}')
        conn.exec_driver_sql(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO {name}')
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION zoufang_write_lock() TO {name}")
    admin_may_upgrade(conn)


def admin_may_upgrade(conn: Connection) -> bool:
    """Make ``zoufang_admin`` a member of the schema owner without inheriting its rights
    (``NOINHERIT``), so that an admin login runs `db upgrade` as the owner (``SET LOCAL
    ROLE``, :func:`zoufang.db.migrate.act_as_owner`) and nothing else as it. Not when the
    owner is a superuser (an admin would become one), and not when this login may not
    grant the owner (PostgreSQL 16 and later: a superuser or the owner's ADMIN runs it):
    then False, and the owner upgrades itself."""
    owner, owner_is_superuser = conn.exec_driver_sql(
        "SELECT c.relowner::regrole::text, r.rolsuper FROM pg_class c "
        "JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = 'alembic_version'::regclass"
    ).one()
    if owner_is_superuser:
        return False
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(f"ALTER ROLE {group('admin')} NOINHERIT")
            conn.exec_driver_sql(f"GRANT {owner} TO {group('admin')}")
    except Exception:  # noqa: BLE001 - a right this login lacks: the owner upgrades itself
        return False
    return True


def login_exists(conn: Connection, login: str) -> bool:
    return bool(
        conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(l)s", {"l": login}).first()
    )


def is_server_role(conn: Connection, login: str) -> bool:
    """A superuser, or the owner of the ledger's tables (or a role that has its rights; not
    an admin login, a member of the owner only to `SET ROLE` to it for `db upgrade`)."""
    row = conn.exec_driver_sql(
        "SELECT r.rolsuper OR EXISTS (SELECT 1 FROM pg_tables t WHERE t.tablename = "
        "'alembic_version' AND t.schemaname = current_schema() AND "
        "pg_has_role(r.rolname, t.tableowner, 'USAGE')) FROM pg_roles r WHERE r.rolname = %(l)s",
        {"l": login},
    ).first()
    return bool(row and row[0])


def _q(login: str) -> str:
    """The login as a quoted identifier (a reserved word such as ``user`` is a name too)."""
    assert LOGIN_PATTERN.fullmatch(login)
    return f'"{login}"'


def make_login(conn: Connection, login: str, kind: str) -> None:
    """Create the login role (if the server lacks it) and make it a member of its kind's
    group only. An admin may create and alter logins (CREATEROLE). A login is held to one
    command's transaction: idle in a transaction for a minute, the server ends it."""
    assert LOGIN_PATTERN.fullmatch(login)
    if not login_exists(conn, login):
        conn.exec_driver_sql(f"CREATE ROLE {_q(login)} LOGIN")
    conn.exec_driver_sql(
        f"ALTER ROLE {_q(login)} LOGIN {'CREATEROLE' if kind == 'admin' else 'NOCREATEROLE'}"
    )
    conn.exec_driver_sql(f"ALTER ROLE {_q(login)} SET idle_in_transaction_session_timeout = '60s'")
    for other in USER_ROLES:
        if other != kind:
            conn.exec_driver_sql(f"REVOKE {group(other)} FROM {_q(login)}")
    conn.exec_driver_sql(f"GRANT {group(kind)} TO {_q(login)}")


def disable_login(conn: Connection, login: str) -> None:
    """A revoked login: no group, cannot log in (the role stays, so that the rows it wrote
    still name someone the server knows)."""
    assert LOGIN_PATTERN.fullmatch(login)
    if not login_exists(conn, login):
        return
    for kind in USER_ROLES:
        conn.exec_driver_sql(f"REVOKE {group(kind)} FROM {_q(login)}")
    conn.exec_driver_sql(f"ALTER ROLE {_q(login)} NOLOGIN NOCREATEROLE")

"""Who may do what on a PostgreSQL ledger: the rights of each role kind, checked before a
command writes or reads (docs/security.md).

The database enforces the same (grants, row-level security, triggers: migration 0012 and
:mod:`zoufang.db.roles`); checking here first lets zoufang refuse in one line naming the
missing right, instead of a driver error halfway through a command. On a SQLite ledger (one
person's file) and for the schema owner every right is given; so it is on a server ledger
where no login was ever added with `zoufang user add` (``unmanaged``: rights as the server
grants them, as before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoufang.errors import PermissionRefused
from zoufang.i18n import N_, _

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Each right, as named in a refusal.
RIGHT_WORDS = {
    "households": N_("write households, members, visits and commitments"),
    "enrol": N_("enrol, exit, void and import households"),
    "assign": N_("assign households and keep the list of cadres"),
    "categories": N_("add categories"),
    "pay-plan": N_("pay the lines of an approved plan"),
    "pay": N_("pay from a fund"),
    "funds": N_("create and allocate funds and draft plans"),
    "reverse": N_("reverse ledger entries"),
    "approve": N_("approve distribution plans"),
    "override": N_("override a fund's rules"),
    "reveal": N_("reveal full ID numbers"),
    "backup": N_("back up the ledger"),
    "copy": N_("copy the ledger"),
    "export": N_("export"),
    "users": N_("manage users"),
    "migrate": N_("upgrade the ledger's schema"),
    "demo": N_("write demonstration data"),
    "remind": N_("send reminders"),
    "audit-funds": N_("audit the whole money ledger"),
}

_CADRE = frozenset({"households", "pay-plan", "remind"})
# `audit funds` checks the whole chain: a cadre login reads only its villages' entries
# (migration 0015), so it is left to the kinds that read them all
ROLE_RIGHTS: dict[str, frozenset[str]] = {
    "cadre": _CADRE,
    "officer": _CADRE
    | {"enrol", "assign", "categories", "reveal", "backup", "copy", "export", "audit-funds"},
    "finance": frozenset(
        {"pay-plan", "pay", "funds", "reverse", "approve", "override", "audit-funds"}
    ),
    "auditor": frozenset({"reveal", "backup", "copy", "export", "audit-funds"}),
    "admin": frozenset({"users", "migrate", "backup", "copy", "export", "audit-funds"}),
}

#: The right a command needs beyond reading (commands not listed only read).
COMMAND_RIGHTS = {
    "enroll": "enrol",
    "import": "enrol",
    "household update": "households",
    "household exit": "enrol",
    "household void": "enrol",
    "member add": "households",
    "member update": "households",
    "member remove": "households",
    "category add": "categories",
    "cadre add": "assign",
    "cadre update": "assign",
    "cadre relate": "assign",
    "cadre unrelate": "assign",
    "assign": "assign",
    "visit log": "households",
    "visit void": "households",
    "visit amend": "households",
    "commitment add": "households",
    "commitment respond": "households",
    "commitment resolve": "households",
    "commitment refer": "households",
    "commitment void": "households",
    "wish add": "households",
    "wish claim": "households",
    "wish fulfil": "households",
    "wish decline": "households",
    "suggestion add": "households",
    "suggestion answer": "households",
    "fund create": "funds",
    "fund update": "funds",
    "fund allocate": "funds",
    "fund disburse": "pay",
    "fund reverse": "reverse",
    "fund plan create": "funds",
    "fund plan add": "funds",
    "fund plan remove": "funds",
    "fund plan approve": "approve",
    "fund plan override": "override",
    "fund plan object": "funds",
    "fund plan resolve-objection": "funds",
    "fund plan pay": "pay",
    "remind": "remind",
    "audit funds": "audit-funds",
    "demo": "demo",
    "db backup": "backup",
    "db copy": "copy",
    "db upgrade": "migrate",
    "export": "export",
    "user add": "users",
    "user update": "users",
    "user revoke": "users",
    "user list": "users",
}


def role_of(session: LedgerSession) -> str | None:
    """The session's role kind on a PostgreSQL ledger (``owner``, ``unmanaged``, a kind), or
    ``owner`` on SQLite."""
    if "login" not in session.info:
        return "owner"
    return session.info.get("role")


def has(session: LedgerSession, right: str) -> bool:
    role = role_of(session)
    if role in ("owner", "unmanaged"):
        return role == "owner" or right not in ("users",)
    return right in ROLE_RIGHTS.get(role or "", frozenset())


def require(session: LedgerSession, right: str) -> None:
    """Refuse (exit 1) unless the session's login has ``right``, naming it."""
    if has(session, right):
        return
    raise PermissionRefused(
        None,
        _("the login {login} ({role}) has no right to {right}").format(
            login=session.info.get("login"),
            role=session.info.get("role"),
            right=_(RIGHT_WORDS[right]),
        ),
    )


def require_for_command(session: LedgerSession) -> None:
    """The right the running command needs (:data:`COMMAND_RIGHTS`), if any."""
    right = COMMAND_RIGHTS.get(str(session.info.get("command", "")))
    if right is not None:
        require(session, right)


def record_access(session: LedgerSession, *, action: str, what: str) -> None:
    """`db backup`, `db copy`, `export` of a server ledger: in the audit log with the login
    (the command's right was checked when its session opened)."""
    from zoufang.services.audit_log import record

    record(session, action=action, object_type="ledger", object_key=what)

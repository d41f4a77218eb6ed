"""The schema's revisions and running Alembic on a ledger (the scripts are in ``migrations/``,
shipped inside the wheel as ``zoufang/migrations``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zoufang.errors import PermissionRefused, StorageError
from zoufang.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

#: Every migration revision in order; the last is the schema this program writes.
#: tests/test_migrations.py checks this against the scripts in migrations/versions.
REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
    "0014",
    "0015",
)
HEAD_REVISION = REVISIONS[-1]


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed package, or at the top of a source tree."""
    packaged = Path(__file__).parent.parent / "migrations"
    if (packaged / "env.py").exists():
        return packaged
    source = Path(__file__).resolve().parents[3] / "migrations"
    if (source / "env.py").exists():
        return source
    raise StorageError(None, _("zoufang is installed without its migrations directory"))


def run_migrations(engine: Engine, target: str) -> None:
    """Run Alembic to ``target`` on one connection, in one transaction.

    On SQLite, foreign keys are switched off for the duration (table rebuilds in batch mode
    would otherwise cascade) and checked before commit.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.connect() as conn:
        sqlite = conn.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
        if sqlite is not None:
            sqlite.execute("PRAGMA foreign_keys=OFF")
        # The write lock (BEGIN IMMEDIATE, or PostgreSQL's advisory lock): a second process
        # opening the same old ledger waits for this upgrade instead of failing; Alembic then
        # finds the ledger at head and does nothing.
        conn = conn.execution_options(zoufang_write=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                if _at_target(conn, config, target):
                    return  # another process upgraded it while this one waited: no right needed
                act_as_owner(conn)
            config.attributes["connection"] = conn
            command.upgrade(config, target)
            if engine.dialect.name == "postgresql":
                regrant(conn)
            if engine.dialect.name == "sqlite":
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if bad:
                    raise StorageError(
                        None,
                        _("migration left broken foreign keys: {rows}").format(rows=bad[:3]),
                    )
        if sqlite is not None:
            sqlite.execute("PRAGMA foreign_keys=ON")


def _at_target(conn: Connection, config, target: str) -> bool:
    """Whether the ledger is already at ``target`` (read under the write lock)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return False
    wanted = ScriptDirectory.from_config(config).get_current_head() if target == "head" else target
    return current == wanted


def act_as_owner(conn: Connection) -> None:
    """On a PostgreSQL ledger, run the migration as the schema owner (docs/security.md,
    "Upgrading the schema"): the owner itself or a superuser as they are; an admin login —
    a member of the owner through ``zoufang_admin``, without inheriting its rights — with
    ``SET LOCAL ROLE`` for this transaction only; anyone else is refused in one line. A new,
    empty database belongs to whoever creates the ledger in it."""
    row = conn.exec_driver_sql(
        "SELECT c.relowner::regrole::text, pg_has_role(session_user, c.relowner, 'USAGE'), "
        "pg_has_role(session_user, c.relowner, 'MEMBER'), "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = session_user), session_user "
        "FROM pg_class c WHERE c.oid = to_regclass('alembic_version')"
    ).first()
    if row is None:
        return
    owner, usage, member, superuser, login = row
    if superuser or usage:
        return
    if not member:
        raise PermissionRefused(
            None,
            _(
                "the login {login} has no right to upgrade the ledger's schema: the schema "
                "owner {owner} or an admin login does it"
            ).format(login=login, owner=owner),
        )
    conn.exec_driver_sql(f"SET LOCAL ROLE {owner}")


def regrant(conn: Connection) -> None:
    """After an upgrade of a ledger whose users zoufang manages, grant the role kinds their
    rights on the new schema (:func:`zoufang.db.roles.grant_groups`), as the owner, in the
    upgrade's transaction: new tables are readable by the logins at once. If this login
    cannot (a right the owner lacks), the upgrade stands and the owner's next `zoufang user
    update` grants them, as before."""
    from zoufang.db import roles

    names = [roles.group(kind) for kind in roles.USER_ROLES]
    present = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%(n)s)", {"n": names}
    ).scalar_one()
    may = conn.exec_driver_sql(
        "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
        "WHERE oid = 'alembic_version'::regclass"
    ).scalar_one()
    if present < len(names) or not may:
        return
    try:
        with conn.begin_nested():
            roles.grant_groups(conn)
    except Exception:  # noqa: BLE001 - the owner's next `user update` grants them
        return

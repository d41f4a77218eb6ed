"""The schema's revisions and running Alembic on a ledger (the scripts are in ``migrations/``,
shipped inside the wheel as ``zoufang/migrations``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zoufang.errors import StorageError
from zoufang.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

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
            config.attributes["connection"] = conn
            command.upgrade(config, target)
            if engine.dialect.name == "sqlite":
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if bad:
                    raise StorageError(
                        None,
                        _("migration left broken foreign keys: {rows}").format(rows=bad[:3]),
                    )
        if sqlite is not None:
            sqlite.execute("PRAGMA foreign_keys=ON")

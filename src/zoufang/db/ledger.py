"""An opened ledger: its URL, its engine, the schema check done once, and its transactions.

Opening a ledger reads its revision with one query (Alembic is not imported for that); an
older ledger is backed up next to itself and upgraded, a newer one is refused. Every command
runs in one :meth:`Ledger.session`: one transaction, committed when the command's block
finishes and rolled back if it raises.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoufang.db import engine as _engine_module
from zoufang.db import migrate, write_queue
from zoufang.db.engine import BUSY_TIMEOUT_MS, create_private_file, make_engine
from zoufang.db.sessions import LedgerSession
from zoufang.db.translate import translate_operational_errors
from zoufang.db.urls import database_url, hide_password, sqlite_path
from zoufang.errors import InvalidInput, PermissionRefused, StorageError
from zoufang.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class Ledger:
    """An opened ledger: the URL, its engine, and the schema check done once."""

    def __init__(
        self, db: str | os.PathLike[str] | None, *, auto_upgrade: bool = True, key: Any = None
    ):
        """``key``: the key of an encrypted SQLite file when already known (a backup or copy
        of an encrypted ledger), :data:`zoufang.db.encryption.PLAIN`, or None to find it
        (:func:`zoufang.db.encryption.resolve_key`: ZOUFANG_DB_KEY, the keyring, a prompt)."""
        self.url = database_url(db)
        self.path = sqlite_path(self.url)
        #: The key this ledger file is encrypted with, or None (plain, or not a file).
        self.key: str | None = None
        if self.path is not None:
            from zoufang.db.encryption import resolve_key

            self.key = resolve_key(self.path, key)
        try:
            self.engine = make_engine(self.url, self.key)
        except ModuleNotFoundError as exc:
            raise StorageError(
                "--db",
                _("no database driver for {url}: {error}").format(
                    url=hide_password(self.url), error=exc
                ),
            ) from None
        except StorageError:
            raise
        except Exception as exc:
            # SQLAlchemy's ArgumentError for a URL it cannot parse
            raise StorageError(
                "--db",
                _("cannot use {url}: {error}").format(url=hide_password(self.url), error=exc),
            ) from None
        self.upgraded_from: str | None = None
        self.backup_path: Path | None = None
        #: PostgreSQL: the session's login and its role kind (:meth:`identity`)
        self._identity: tuple[str, str | None] | None = None
        if auto_upgrade:
            self.ensure_schema()

    # ------------------------------------------------------------------ schema

    def current_revision(self) -> str | None:
        """The ledger's Alembic revision, read with one query (no Alembic import)."""
        from sqlalchemy import inspect

        with translate_operational_errors(self.display), self.engine.connect() as conn:
            insp = inspect(conn)
            if not insp.has_table("alembic_version"):
                if insp.get_table_names():
                    raise StorageError(
                        "--db",
                        _("{ledger} holds other tables and is not a zoufang ledger").format(
                            ledger=self.display
                        ),
                    )
                return None
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if revision == migrate.HEAD_REVISION and conn.dialect.name == "postgresql":
                self._identity = self._read_identity(conn)
            return revision

    @staticmethod
    def _read_identity(conn) -> tuple[str, str | None]:
        row = conn.exec_driver_sql("SELECT session_user, zoufang_my_role()").one()
        return str(row[0]), row[1]

    def identity(self) -> tuple[str, str | None] | None:
        """PostgreSQL: the login this ledger is opened as and its role kind — ``owner`` (the
        schema owner or a superuser), ``unmanaged`` (no login was ever added with `zoufang
        user add`), one of ``codes.USER_ROLES``, or None (not a user of this ledger, or
        revoked). None on SQLite, where the ledger is one person's file."""
        if self.path is not None or self.engine.dialect.name != "postgresql":
            return None
        if self._identity is None:
            with translate_operational_errors(self.display), self.engine.connect() as conn:
                self._identity = self._read_identity(conn)
        return self._identity

    @property
    def display(self) -> str:
        """The ledger as shown to people: a file path, or the URL without its password."""
        return str(self.path) if self.path else hide_password(self.url)

    def ensure_schema(self) -> None:
        """Create, or back up and upgrade, or refuse (newer than this program)."""
        revision = self.current_revision()
        if revision == migrate.HEAD_REVISION:
            return
        if revision is not None and revision not in migrate.REVISIONS:
            raise StorageError(
                "--db",
                _(
                    "the ledger {ledger} has schema {revision}, newer than this zoufang "
                    "understands ({head}); install a newer zoufang"
                ).format(ledger=self.display, revision=revision, head=migrate.HEAD_REVISION),
            )
        self.upgrade(revision)

    def upgrade(self, revision: str | None = None) -> None:
        """Migrate to head in one transaction, after backing up a ledger that has data."""
        if revision is None:
            revision = self.current_revision()
        if revision == migrate.HEAD_REVISION:
            return
        if revision is not None and self.path is not None:
            self.backup_path = self.backup(self.default_backup_path(revision))
            print(
                _(
                    "zoufang: upgrading ledger schema {revision} → {head}; "
                    "backup written to {backup}"
                ).format(revision=revision, head=migrate.HEAD_REVISION, backup=self.backup_path),
                file=sys.stderr,
            )
        try:
            migrate.run_migrations(self.engine, "head")
        except PermissionRefused:
            raise
        except Exception as exc:
            # The migration ran in one transaction, rolled back: say so in one line.
            detail = str(getattr(exc, "orig", None) or exc).strip()
            first = detail.splitlines()[0] if detail else ""
            kept = (
                _("; backup at {backup}").format(backup=self.backup_path)
                if self.backup_path
                else ""
            )
            raise StorageError(
                "--db",
                _(
                    "upgrading the ledger {ledger} from schema {revision} to {head} failed "
                    "({error}); the ledger was left unchanged{kept}"
                ).format(
                    ledger=self.display,
                    revision=revision or _("empty"),
                    head=migrate.HEAD_REVISION,
                    error=f"{type(exc).__name__}: {first}",
                    kept=kept,
                ),
            ) from exc
        self.upgraded_from = revision

    def default_backup_path(self, revision: str) -> Path:
        assert self.path is not None
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        candidate = self.path.with_name(f"{self.path.name}.backup-{revision}-{stamp}")
        n = 1
        while candidate.exists():  # two upgrades in one second must not collide
            n += 1
            candidate = self.path.with_name(f"{self.path.name}.backup-{revision}-{stamp}-{n}")
        return candidate

    def backup(self, target: Path) -> Path:
        """A consistent copy of the ledger in a new SQLite file.

        SQLite: SQLite's online backup API. PostgreSQL: ``db copy`` into the new file, read
        in one REPEATABLE READ snapshot (``pg_dump`` remains the server's own backup).
        """
        target = Path(target).expanduser()
        if target.exists():
            raise StorageError(
                "PATH", _("{path} already exists; choose a new file").format(path=target)
            )
        if not target.parent.is_dir():
            raise StorageError(
                "PATH", _("directory {path} does not exist").format(path=target.parent)
            )
        if self.path is None:
            return self._backup_by_copy(target)
        create_private_file(target)
        if self.key is not None:
            return self._backup_encrypted(target)
        try:
            src = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            dst = sqlite3.connect(target)
            try:
                with dst:
                    src.backup(dst)
            finally:
                src.close()
                dst.close()
        except sqlite3.Error as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            raise StorageError(
                "PATH", _("backup to {path} failed: {error}").format(path=target, error=exc)
            ) from None
        return target

    def _backup_encrypted(self, target: Path) -> Path:
        """An encrypted ledger's backup: ``VACUUM INTO`` (one read transaction), which
        SQLCipher writes encrypted with the ledger's own key."""
        from zoufang.db import encryption

        assert self.path is not None and self.key is not None
        module = encryption.driver()
        try:
            connection = encryption.connect(
                self.path, self.key, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            try:
                connection.execute("VACUUM INTO ?", (str(target),))
            finally:
                connection.close()
        except module.Error as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            raise StorageError(
                "PATH", _("backup to {path} failed: {error}").format(path=target, error=exc)
            ) from None
        return target

    def _backup_by_copy(self, target: Path) -> Path:
        from zoufang.db.copy import copy_ledger

        copy = None
        try:
            copy = Ledger(target)
            copy_ledger(self, copy, operator="zoufang", command="db backup")
        except BaseException:
            if copy is not None:
                copy.engine.dispose()
            for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        copy.engine.dispose()
        return target

    # ------------------------------------------------------------------ encryption

    def rekey(self, new_key: str | None) -> Path:
        """Make the ledger file encrypted with ``new_key`` (``db encrypt``) or plain (None,
        ``db decrypt``): a backup of it as it is first (``<ledger>.backup-unencrypted-…`` or
        ``…backup-encrypted-…``, as an upgrade keeps one), then the file rewritten beside
        itself and renamed over it (:func:`zoufang.db.encryption.rekey_file`). Returns the
        backup."""
        from zoufang.db import encryption

        assert self.path is not None
        label = "encrypted" if self.key is not None else "unencrypted"
        backup = self.backup(encryption.backup_name(self.path, label))
        self.engine.dispose()
        with write_queue.turn(self.path, _engine_module.BUSY_TIMEOUT_MS / 1000):
            encryption.rekey_file(
                self.path,
                old=self.key,
                new=new_key,
                busy_timeout_ms=_engine_module.BUSY_TIMEOUT_MS,
            )
        self.key = new_key
        self.engine = make_engine(self.url, self.key)
        return backup

    # ------------------------------------------------------------------ sessions

    @contextlib.contextmanager
    def session(
        self, *, write: bool, operator: str, command: str, operator_given: bool = False
    ) -> Iterator[LedgerSession]:
        """One transaction: committed if the block finishes, rolled back if it raises.

        The one way to the database for every command (:class:`LedgerSession`: Core and
        ORM alike). A write session starts as one (``BEGIN IMMEDIATE`` on SQLite, after
        its turn in the writers' queue (:mod:`zoufang.db.write_queue`); the advisory lock on
        PostgreSQL); a read session on PostgreSQL is one REPEATABLE READ snapshot, as a
        SQLite read transaction is.

        On PostgreSQL the operator is the database login (``session_user``), which the
        database itself writes into every row that names its writer (migration 0012):
        ``operator_given`` (``--as``, ``ZOUFANG_OPERATOR``) naming anyone else is refused,
        except for the schema owner or a superuser, who can write any row anyway. The write
        lock is taken through ``zoufang_write_lock()`` (docs/security.md).
        """
        identity = self.identity()
        lock: bool | str = True
        if identity is not None:
            operator, lock = self._operator_on_server(identity, operator, operator_given)
        bind = self.engine.execution_options(zoufang_write=lock) if write else self._read_bind()
        queue = (
            write_queue.turn(self.path, _engine_module.BUSY_TIMEOUT_MS / 1000)
            if write and self.path is not None
            else contextlib.nullcontext()
        )
        with queue, translate_operational_errors(self.display), bind.connect() as conn:
            transaction = conn.begin()
            info: dict[str, str | None] = {"operator": operator, "command": command}
            if identity is not None:
                info["login"], info["role"] = identity
            session = LedgerSession(conn, info)
            try:
                yield session
                session.flush()
                transaction.commit()
            except BaseException:
                if transaction.is_active:  # not when the driver already ended it
                    transaction.rollback()
                raise
            finally:
                session.close()

    def _operator_on_server(
        self, identity: tuple[str, str | None], operator: str, operator_given: bool
    ) -> tuple[str, bool | str]:
        """The operator a PostgreSQL session records, and how its writes take the lock."""
        login, role = identity
        if role == "owner":  # may write any name (and could drop the trigger anyway)
            return operator, "function"
        if role is None:
            raise PermissionRefused(
                "--db",
                _(
                    "the login {login} is not a user of the ledger {ledger} (or was revoked); "
                    "an administrator adds it with zoufang user add"
                ).format(login=login, ledger=self.display),
            )
        if operator_given and operator != login:
            raise InvalidInput(
                "--as",
                _(
                    "on a PostgreSQL ledger the operator is your database login ({login}), "
                    "which the database records itself; --as and ZOUFANG_OPERATOR cannot "
                    "name anyone else"
                ).format(login=login),
            )
        # logins from before `zoufang user add` have no right to the lock function
        return login, ("function" if role != "unmanaged" else True)

    def _read_bind(self) -> Engine:
        if self.engine.dialect.name == "postgresql":
            # One snapshot for the whole command, as a SQLite read transaction sees: a
            # report or an audit never mixes rows from before and after another's commit.
            return self.engine.execution_options(isolation_level="REPEATABLE READ")
        return self.engine

    def check(self) -> list[str]:
        """Problems found by the database's own integrity and foreign-key checks
        (PostgreSQL, whose pages the server checks itself: every foreign key)."""
        problems: list[str] = []
        if self.path is None:
            return self._check_foreign_keys()
        with translate_operational_errors(self.display), self.engine.connect() as conn:
            for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").fetchall():
                if line != "ok":
                    problems.append(_("integrity: {problem}").format(problem=line))
            for table, rowid, parent, _fk in conn.exec_driver_sql(
                "PRAGMA foreign_key_check"
            ).fetchall():
                problems.append(
                    _("foreign key: {table} row {row} points to a missing {parent}").format(
                        table=table, row=rowid, parent=parent
                    )
                )
        return problems

    def _check_foreign_keys(self) -> list[str]:
        """Every foreign key of the schema, checked row by row with one query each.

        PostgreSQL enforces foreign keys itself, but a superuser can switch the checks off
        (``session_replication_role``, ``DISABLE TRIGGER ALL``); this finds what slipped in.
        """
        from sqlalchemy import MetaData

        problems: list[str] = []
        with translate_operational_errors(self.display), self.engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn)
            prep = conn.dialect.identifier_preparer
            for table in metadata.sorted_tables:
                for fk in table.foreign_key_constraints:
                    parent = fk.referred_table
                    pairs = [
                        (prep.quote(e.parent.name), prep.quote(e.column.name)) for e in fk.elements
                    ]
                    child_t, parent_t = prep.quote(table.name), prep.quote(parent.name)
                    joined = " AND ".join(f"p.{pc} = c.{cc}" for cc, pc in pairs)
                    present = " AND ".join(f"c.{cc} IS NOT NULL" for cc, _ in pairs)
                    key = ", ".join(f"c.{prep.quote(c.name)}" for c in table.primary_key.columns)
                    rows = conn.exec_driver_sql(
                        f"SELECT {key or 'NULL'} FROM {child_t} c WHERE {present} AND NOT "
                        f"EXISTS (SELECT 1 FROM {parent_t} p WHERE {joined}) ORDER BY 1"
                    ).fetchall()
                    for row in rows:
                        shown = row[0] if len(row) == 1 else tuple(row)
                        problems.append(
                            _("foreign key: {table} row {row} points to a missing {parent}").format(
                                table=table.name, row=shown, parent=parent.name
                            )
                        )
        return problems

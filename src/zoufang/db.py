"""Where the ledger lives and how it is opened: engine, pragmas, sessions, schema version.

* ``--db`` / ``ZOUFANG_DB`` is a SQLite path or a SQLAlchemy URL. A new SQLite file is
  created readable by its owner only (0600).
* SQLite connections run with WAL, ``foreign_keys=ON``, ``synchronous=FULL`` and a busy
  timeout; a write session starts with ``BEGIN IMMEDIATE`` so that two writers queue on the
  lock instead of one failing at once with "database is locked" (a deferred transaction that
  later writes cannot wait in WAL mode).
* PostgreSQL (``postgresql+psycopg://…``) runs the same code and migrations. A write
  session's first statement takes a transaction-scoped advisory lock (:data:`PG_WRITE_LOCK`),
  waiting up to the same busy timeout: writers queue exactly as they do on SQLite, so rules
  judged inside a command (next free code, balance, cap) hold when it commits. A read
  session is one REPEATABLE READ snapshot, as a SQLite read transaction is.
* Driver errors about the connection, the lock, a full or read-only disk become one
  :class:`~zoufang.errors.StorageError` line (``_translate_operational_errors``).
* The schema belongs to the Alembic migrations in ``migrations/``. Opening a ledger reads its
  revision with one query (Alembic is not imported for that); an older ledger is backed up
  next to itself and upgraded, a newer one is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from zoufang.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

#: Every migration revision in order; the last is the schema this program writes.
#: tests/test_migrations.py checks this against the scripts in migrations/versions.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
HEAD_REVISION = REVISIONS[-1]

BUSY_TIMEOUT_MS = 30_000
#: Bytes of a SQLite ledger a command may read through a memory map (see read_by_mmap).
MMAP_SIZE = 2**31 - 2**16
#: Key of the PostgreSQL advisory lock every write transaction holds (any constant).
PG_WRITE_LOCK = 0x7A6F7577  # "zouw"
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "afs", "ncpfs"}


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("zoufang", appauthor=False) / "zoufang.db"


def database_url(db: str | os.PathLike[str] | None) -> str:
    """Turn ``--db`` (a path or a URL) into a SQLAlchemy URL."""
    if db is None or str(db) == "":
        db = default_db_path()
    text = str(db)
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def redact_url(url: str) -> str:
    """``postgresql+psycopg://user:secret@host/db`` → ``postgresql+psycopg://user:***@host/db``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, at, host = rest.rpartition("@")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend / in-memory."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    path = rest[1:] if rest.startswith("/") else rest
    path, _, query = path.partition("?")
    if path.startswith("file:"):  # sqlite:///file:/path/ledger.db?mode=ro&uri=true
        if "mode=memory" in query:
            return None
        path = path.removeprefix("file:")
        if path.startswith("//"):  # file:///path (empty authority)
            path = path[2:]
    if path in ("", ":memory:"):
        return None
    return Path(path)


def _create_private_file(path: Path) -> None:
    """Create an empty ledger file with mode 0600 (its directory 0700 if we create it)."""
    if path.exists():
        return
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise StorageError("--db", f"cannot create {path.parent}: {exc.strerror}") from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StorageError("--db", f"cannot create {path}: {exc.strerror}") from None
    os.close(fd)


def filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding ``path`` (Linux /proc/mounts), or None."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(
            mount_point
        ) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def make_engine(url: str) -> Engine:
    """An engine with zoufang's connection settings for the URL's backend."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    path = sqlite_path(url)
    if url.startswith("sqlite"):
        if path is not None:
            _create_private_file(path)
            fs = filesystem_type(path.parent)
            if fs in NETWORK_FILESYSTEMS:
                print(
                    f"warning: the ledger {path} is on a network filesystem ({fs}); SQLite "
                    "locking is unsafe there — use a PostgreSQL ledger for shared use",
                    file=sys.stderr,
                )
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # WAL is persistent: switch only a new file or a ledger, never someone
                # else's database that the schema check is about to refuse.
                tables = {
                    row[0]
                    for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                if not tables or "alembic_version" in tables:
                    cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            write = connection.get_execution_options().get("zoufang_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    # NullPool: a command is one short transaction; no connection outlives its session.
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _on_pg_begin(connection):
            if connection.get_execution_options().get("zoufang_write", False):
                # One writer at a time, like BEGIN IMMEDIATE; give up after the busy timeout.
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

    return engine


class Ledger:
    """An opened ledger: the URL, its engine, and the schema check done once."""

    def __init__(self, db: str | os.PathLike[str] | None, *, auto_upgrade: bool = True):
        self.url = database_url(db)
        self.path = sqlite_path(self.url)
        try:
            self.engine = make_engine(self.url)
        except ModuleNotFoundError as exc:
            raise StorageError(
                "--db", f"no database driver for {redact_url(self.url)}: {exc}"
            ) from None
        except StorageError:
            raise
        except Exception as exc:
            # SQLAlchemy's ArgumentError for a URL it cannot parse
            raise StorageError("--db", f"cannot use {redact_url(self.url)}: {exc}") from None
        self.upgraded_from: str | None = None
        self.backup_path: Path | None = None
        if auto_upgrade:
            self.ensure_schema()

    # ------------------------------------------------------------------ schema

    def current_revision(self) -> str | None:
        """The ledger's Alembic revision, read with one query (no Alembic import)."""
        from sqlalchemy import inspect

        with _translate_operational_errors(self.display), self.engine.connect() as conn:
            insp = inspect(conn)
            if not insp.has_table("alembic_version"):
                if insp.get_table_names():
                    raise StorageError(
                        "--db", f"{self.display} holds other tables and is not a zoufang ledger"
                    )
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    @property
    def display(self) -> str:
        """The ledger as shown to people: a file path, or the URL without its password."""
        return str(self.path) if self.path else redact_url(self.url)

    def ensure_schema(self) -> None:
        """Create, or back up and upgrade, or refuse (newer than this program)."""
        revision = self.current_revision()
        if revision == HEAD_REVISION:
            return
        if revision is not None and revision not in REVISIONS:
            raise StorageError(
                "--db",
                f"the ledger {self.display} has schema {revision}, newer than this zoufang "
                f"understands ({HEAD_REVISION}); install a newer zoufang",
            )
        self.upgrade(revision)

    def upgrade(self, revision: str | None = None) -> None:
        """Migrate to head in one transaction, after backing up a ledger that has data."""
        if revision is None:
            revision = self.current_revision()
        if revision == HEAD_REVISION:
            return
        if revision is not None and self.path is not None:
            self.backup_path = self.backup(self.default_backup_path(revision))
            print(
                f"zoufang: upgrading ledger schema {revision} → {HEAD_REVISION}; "
                f"backup written to {self.backup_path}",
                file=sys.stderr,
            )
        try:
            run_migrations(self.engine, "head")
        except Exception as exc:
            # The migration ran in one transaction, rolled back: say so in one line.
            detail = str(getattr(exc, "orig", None) or exc).strip()
            first = detail.splitlines()[0] if detail else ""
            kept = f"; backup at {self.backup_path}" if self.backup_path else ""
            raise StorageError(
                "--db",
                f"upgrading the ledger {self.display} from schema {revision or 'empty'} to "
                f"{HEAD_REVISION} failed ({type(exc).__name__}: {first}); the ledger was left "
                f"unchanged{kept}",
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
            raise StorageError("PATH", f"{target} already exists; choose a new file")
        if not target.parent.is_dir():
            raise StorageError("PATH", f"directory {target.parent} does not exist")
        if self.path is None:
            return self._backup_by_copy(target)
        _create_private_file(target)
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
            raise StorageError("PATH", f"backup to {target} failed: {exc}") from None
        return target

    def _backup_by_copy(self, target: Path) -> Path:
        from zoufang.db_copy import copy_ledger

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

    # ------------------------------------------------------------------ sessions

    @contextlib.contextmanager
    def session(
        self, *, write: bool, operator: str, command: str, lazy_orm: bool = False
    ) -> Iterator[Session]:
        """One transaction: committed if the block finishes, rolled back if it raises.

        ``lazy_orm`` yields a :class:`LazySession`: statements written with SQLAlchemy Core
        run without importing SQLModel and the models at all (a write session still starts
        as one: ``BEGIN IMMEDIATE`` on SQLite, the advisory lock on PostgreSQL).
        """
        if lazy_orm:
            with self._lazy_session(write=write, operator=operator, command=command) as session:
                yield session
            return
        from sqlmodel import Session

        bind = self.engine.execution_options(zoufang_write=True) if write else self._read_bind()
        with (
            _translate_operational_errors(self.display),
            Session(bind, expire_on_commit=False, autoflush=True) as session,
        ):
            session.info.update(operator=operator, command=command)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _read_bind(self) -> Engine:
        if self.engine.dialect.name == "postgresql":
            # One snapshot for the whole command, as a SQLite read transaction sees: a
            # report or an audit never mixes rows from before and after another's commit.
            return self.engine.execution_options(isolation_level="REPEATABLE READ")
        return self.engine

    @contextlib.contextmanager
    def _lazy_session(self, *, write: bool, operator: str, command: str) -> Iterator[LazySession]:
        bind = self.engine.execution_options(zoufang_write=True) if write else self._read_bind()
        with _translate_operational_errors(self.display), bind.connect() as conn:
            transaction = conn.begin()
            session = LazySession(conn, {"operator": operator, "command": command})
            try:
                yield session
                if session.orm_session is not None:
                    session.orm_session.flush()  # what the ORM added (the audit row of --reveal)
                transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
            finally:
                if session.orm_session is not None:
                    session.orm_session.close()

    def check(self) -> list[str]:
        """Problems found by the database's own integrity and foreign-key checks
        (PostgreSQL, whose pages the server checks itself: every foreign key)."""
        problems: list[str] = []
        if self.path is None:
            return self._check_foreign_keys()
        with _translate_operational_errors(self.display), self.engine.connect() as conn:
            for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").fetchall():
                if line != "ok":
                    problems.append(f"integrity: {line}")
            for table, rowid, parent, _fk in conn.exec_driver_sql(
                "PRAGMA foreign_key_check"
            ).fetchall():
                problems.append(f"foreign key: {table} row {rowid} points to a missing {parent}")
        return problems

    def _check_foreign_keys(self) -> list[str]:
        """Every foreign key of the schema, checked row by row with one query each.

        PostgreSQL enforces foreign keys itself, but a superuser can switch the checks off
        (``session_replication_role``, ``DISABLE TRIGGER ALL``); this finds what slipped in.
        """
        from sqlalchemy import MetaData

        problems: list[str] = []
        with _translate_operational_errors(self.display), self.engine.connect() as conn:
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
                            f"foreign key: {table.name} row {shown} points to a "
                            f"missing {parent.name}"
                        )
        return problems


class LazySession:
    """A transaction on one connection that imports the ORM only if it is used.

    SQLModel, pydantic and the models cost a third of a second to import; ``due`` and
    ``audit funds`` read, and ``visit log`` writes, with SQLAlchemy Core on
    :meth:`connection` and never need them. Anything else (``execute``, ``get``, ``add`` …)
    is the ORM :class:`~sqlmodel.Session`'s, created on first use on the same connection,
    inside the same transaction.
    """

    def __init__(self, connection, info: dict) -> None:
        self._connection = connection
        self.info = info
        self.orm_session: Session | None = None

    def connection(self, *args, **kwargs):
        return self._connection

    def get_bind(self, *args, **kwargs):
        return self._connection.engine

    def __getattr__(self, name: str):
        if self.orm_session is None:
            from sqlmodel import Session

            self.orm_session = Session(
                bind=self._connection, expire_on_commit=False, autoflush=True
            )
            self.orm_session.info.update(self.info)
            self.info = self.orm_session.info
        return getattr(self.orm_session, name)


def orm_of(session):
    """The ORM session behind ``session`` if there is one, without creating it: a
    :class:`LazySession`'s (None until the ORM was used), or the session itself."""
    if isinstance(session, LazySession):
        return session.orm_session
    return session


def read_by_mmap(connection) -> None:
    """Let this connection read the SQLite file through a memory map (up to 2 GB; SQLite caps
    it at its compile-time limit).

    For commands that look rows up all over a county ledger (`audit funds` finds each
    payment's visit among a million): one read() system call per page otherwise costs more
    than the lookups. Not the default: the mapped pages count in the process's resident
    memory, which for a command streaming the whole file (`export`) says nothing useful.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA mmap_size={MMAP_SIZE}")


def driver_rows(connection, statement) -> list[tuple]:
    """Every row of ``statement`` as the database driver returns it: plain tuples, values
    not converted by SQLAlchemy (SQLite gives dates as ISO text, PostgreSQL as dates).

    For whole-table and county-wide reads (`due`, `audit funds`), where SQLAlchemy's row
    objects and per-value conversions cost about as much as the reading; the caller turns
    what it needs into dates itself.
    """
    result = connection.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


#: On SQLite, what tells two read transactions apart: every write of the program adds an
#: audit_log row in its own transaction (see snapshot_mark).
WRITE_MARK_SQL = "SELECT max(id) FROM audit_log"


def snapshot_mark(connection) -> str:
    """What lets another connection read exactly what ``connection``'s read transaction
    reads (:func:`adopt_snapshot`), for work split over two connections (`audit funds`'
    worker, `report`'s second reader).

    PostgreSQL: an exported snapshot of this REPEATABLE READ transaction (read sessions
    are), which another transaction adopts while this one is open — pg_dump's way of
    reading in parallel. SQLite cannot share a snapshot: the mark is the newest audit_log
    row, which every write command adds in its own transaction, so two read transactions
    with the same mark see the same ledger (and the other side falls back to this one if
    they differ). A hand edit with a database shell adds no audit row: one made in the
    fraction of a second between the two transactions' starts goes unnoticed here (the
    audit's findings about it then come from one of the two)."""
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    return str(connection.exec_driver_sql(WRITE_MARK_SQL).scalar())


def adopt_snapshot(connection, mark: str) -> bool:
    """Make the transaction ``connection`` (SQLAlchemy) is about to begin read what
    :func:`snapshot_mark`'s did; False if it cannot (SQLite: a write was committed in
    between). On PostgreSQL the connection must be REPEATABLE READ, with nothing run yet."""
    if connection.dialect.name == "postgresql":
        if not all(c.isalnum() or c == "-" for c in mark):  # e.g. 00000003-0000001B-1
            raise ValueError(f"not a snapshot id: {mark!r}")
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{mark}'")
        return True
    return str(connection.exec_driver_sql(WRITE_MARK_SQL).scalar()) == mark


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def second_reader(session) -> Iterator[LazySession | None]:
    """Another read transaction on the ledger that sees exactly what ``session``'s does
    (:func:`snapshot_mark`), for a second thread of a county-wide read (`report`); None
    when there is no second core, or the snapshot cannot be shared (SQLite: a write was
    committed in between), and the caller reads everything itself. The sqlite3 module and
    psycopg release the GIL while the database works, so two threads' queries run on two
    cores."""
    if cores() < 2:
        yield None
        return
    connection = session.connection()
    mark = snapshot_mark(connection)
    engine = connection.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as other, other.begin():
        if not adopt_snapshot(other, mark):
            yield None
            return
        read_by_mmap(other)
        yield LazySession(other, dict(session.info))


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    For county-wide reads that hold millions of tuples at once (`audit funds`): each
    collection of the oldest generation walks every one of them again, a tenth of the
    audit's time, and such rows hold no reference cycles to collect. Memory is still freed
    as usual (by reference counting).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed package, or at the top of a source tree."""
    packaged = Path(__file__).with_name("migrations")
    if (packaged / "env.py").exists():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").exists():
        return source
    raise StorageError(None, "zoufang is installed without its migrations directory")


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
        if engine.dialect.name == "sqlite":
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
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
                    raise StorageError(None, f"migration left broken foreign keys: {bad[:3]}")
        if engine.dialect.name == "sqlite":
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


#: PostgreSQL SQLSTATEs that mean "another writer was in the way": serialization failure,
#: deadlock, lock wait timed out (our advisory lock), a query cancelled by a timeout.
PG_BUSY = {"40001", "40P01", "55P03", "57014"}
#: Out of disk space, out of memory, too many connections, disk full on the server.
PG_NO_ROOM = {"53000", "53100", "53200", "53300", "53400"}
PG_READ_ONLY = {"25006"}


def _pg_storage_error(exc: BaseException, where: str, field: str) -> StorageError | None:
    """One line for a psycopg error about the server, the lock or the disk; None otherwise."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)
    message = " ".join(str(orig).split()) or type(orig).__name__
    if sqlstate in PG_BUSY:
        return StorageError(
            field, "the ledger is busy (another zoufang is writing); nothing was written; try again"
        )
    if sqlstate in PG_READ_ONLY:
        return StorageError(field, "the ledger database is read-only; nothing was written")
    if sqlstate in PG_NO_ROOM:
        return StorageError(
            field, f"the ledger server cannot write ({message}); nothing was written"
        )
    if sqlstate is None or sqlstate.startswith(("08", "57P", "28", "3D")):
        # no connection, server shut down, authentication, no such database
        return StorageError(field, f"cannot reach the ledger {where}: {message}")
    return None


@contextlib.contextmanager
def _translate_operational_errors(where: str, field: str = "--db") -> Iterator[None]:
    """Turn driver errors about the file, the server or the lock into one StorageError line."""
    from sqlalchemy.exc import DatabaseError, InterfaceError, InternalError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError, InternalError) as exc:
        if (
            getattr(exc.orig, "sqlstate", None) is not None
            or "psycopg" in type(exc.orig).__module__
        ):
            error = _pg_storage_error(exc, where, field)
            if error is not None:
                raise error from None
            if not isinstance(exc, OperationalError):
                raise
        elif not isinstance(exc, OperationalError):
            raise
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in message or "busy" in message:
            raise StorageError(
                field, "the ledger is busy (another zoufang is writing); try again"
            ) from None
        if "readonly" in message or "read-only" in message:
            raise StorageError(field, "the ledger file is read-only; nothing was written") from None
        if "disk is full" in message or "disk I/O" in message:
            raise StorageError(
                field, f"cannot write the ledger ({message}); nothing was written"
            ) from None
        if "unable to open" in message:
            raise StorageError(field, f"cannot open the ledger {where}: {message}") from None
        raise StorageError(field, message.splitlines()[0]) from None
    except DatabaseError as exc:
        # Not OperationalError: "file is not a database", "database disk image is malformed".
        # Others (IntegrityError, …) belong to the caller.
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if "not a database" in message:
            raise StorageError(field, f"{where} is not a zoufang ledger ({message})") from None
        if "malformed" in message:
            raise StorageError(
                field, f"the ledger {where} is damaged ({message}); restore it from a backup"
            ) from None
        raise

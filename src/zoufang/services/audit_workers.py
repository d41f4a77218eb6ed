"""The half of `audit funds` that needs nothing from the other half, in a process of its own.

At county scale `audit funds` is CPU-bound Python. One half replays the rules (it needs the
entries and the facts about households and funds); the other half needs nothing from it:
SQLite's own checks of the tables, rehashing the chain (every stored column of every entry,
put in canonical form), and each payment's visit (a key lookup per payment among a million
visits). (The references between rows are checked by the replaying half, which holds every
code they can name already.) On a ledger of :data:`PARALLEL_FROM` entries or more,
on a machine with more than one core, `audit funds` starts that half in a worker process
(``python -m zoufang.services.audit_workers``) and replays the rules meanwhile: the two
halves run on two cores instead of one after the other.

The worker is handed, on its standard input (not its command line, where a PostgreSQL
password would be visible to every user of the machine), first where the ledger is, then
the audit's snapshot mark and the SQL to run, compiled by the audit for the ledger's
dialect (:class:`Job`). On SQLite it opens the file with the standard library's
``sqlite3`` alone, so it starts quickly, without importing SQLAlchemy; `audit funds` starts
it before importing SQLAlchemy itself (:func:`start_early`), and it runs SQLite's own
checks while the audit is still starting. It reads in one transaction exactly what the
audit reads: on PostgreSQL it adopts the audit's exported snapshot; on SQLite it checks
that no write was committed between the two transactions began
(:func:`zoufang.db.snapshot_mark`), and leaves the work to the audit if one was. Both read
the entries up to the ``seq`` the audit read first. It first reads and sends the few rows
of the scans the audit's own half needs (``sql["for_audit"]``, :meth:`Job.answers`), then
its result, pickled on its standard output, as plain data.

If the worker cannot start, fails or returns nothing readable, the audit runs the same
checks itself, on its own connection (:func:`finish`): they are never skipped, only done in
one process instead of two. The functions that judge the rows (:func:`check_chain`,
:func:`check_visits`) are the same either way and take plain rows.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zoufang.chain import verify_chain
from zoufang.i18n import N_
from zoufang.labels import Message

#: Ledgers with at least this many entries have the worker's half done in a worker; below
#: it, starting one costs more than it saves.
PARALLEL_FROM = 50_000
#: Rows fetched at a time where a check reads its rows once, in order (the two chains).
BATCH = 4096
#: The module a worker runs (a test points it elsewhere to make workers fail).
WORKER_MODULE = "zoufang.services.audit_workers"
#: The tables `audit funds` reads: SQLite's quick_check runs on each (ledger_entry's with
#: the chain check), and its foreign_key_check on all but ledger_entry, whose references
#: the replay checks itself from the rows it loads anyway (SQLite's check of that table
#: would be a large part of the audit's time on a county ledger). Here, not beside the
#: audit's SQL, so that a worker can be started before SQLAlchemy is imported
#: (:func:`start_early`).
AUDITED_TABLES = (
    "ledger_entry",
    "fact_change",
    "fund",
    "fund_category",
    "household_category",
    "member",
    "cadre_relative",
)
FOREIGN_KEYS_CHECKED = tuple(t for t in AUDITED_TABLES if t != "ledger_entry")


@dataclass
class LedgerCheck:
    """What the worker found: the storage, the chain, the visits."""

    count: int  # entries read
    head_seq: int
    head_hash: str
    problems: list[tuple[int | None, str]]  # (seq, what is wrong with the chain), by seq
    anchor_hash: str | None  # the stored hash of the anchor's entry; None if none
    storage: list[str] = field(default_factory=list)  # SQLite's own checks (labels.Message)
    unanswered: list[int] = field(default_factory=list)  # payments their visit did not answer
    dangling: list[int] = field(default_factory=list)  # entries naming a visit that is not there
    # the fact history's chain (zoufang.fact_chain): changes read, head, problems, and the
    # stored hash of the fact anchor's change (None if none)
    facts_count: int = 0
    facts_head: tuple[int, str] = (0, "0" * 64)
    fact_problems: list[tuple[int | None, str]] = field(default_factory=list)
    fact_anchor_hash: str | None = None


# ---------------------------------------------------------------------- the judging


def check_chain(rows: Iterable[Sequence[Any]], anchor_seq: int | None = None) -> LedgerCheck:
    """The chain of ``rows`` (stored rows in :data:`zoufang.chain.STORED_COLUMNS` order, by
    seq, read without type conversion: a tampered value must not stop the check), read once
    as they come (the worker hands on its cursor's batches)."""
    watched, anchor_hash = _watched(rows, anchor_seq)
    count, head, problems = verify_chain(watched)
    return LedgerCheck(
        count,
        head.seq,
        head.hash,
        [(p.seq, Message(p.message, **p.params)) for p in problems],
        anchor_hash[0] if anchor_hash else None,
    )


def check_facts(found: LedgerCheck, rows: Iterable[Sequence[Any]], anchor_seq: int | None) -> None:
    """The fact history's chain (stored rows in :data:`zoufang.fact_chain.STORED_COLUMNS`
    order, by seq), into ``found``. ``rows`` is read once, as it comes: the worker hands
    its cursor's batches straight on instead of holding 322,000 rows of 13 columns at once
    (docs/benchmarks.md, issue 13: ~10 % less CPU and ~320 MiB less memory at county
    scale)."""
    from zoufang.fact_chain import verify_facts

    watched, anchor_hash = _watched(rows, anchor_seq)
    count, head, problems = verify_facts(watched)
    found.facts_count, found.facts_head = count, (head.seq, head.hash)
    found.fact_problems = [(p.seq, Message(p.message, **p.params)) for p in problems]
    found.fact_anchor_hash = anchor_hash[0] if anchor_hash else None


def _watched(
    rows: Iterable[Sequence[Any]], anchor_seq: int | None
) -> tuple[Iterable[Sequence[Any]], list[Any]]:
    """``rows`` passed on as they are, and a list that holds, once they have passed, the
    stored hash (the last column) of the first row whose seq is ``anchor_seq`` (empty if
    none, or no anchor)."""
    found: list[Any] = []
    if anchor_seq is None:
        return rows, found

    def passing() -> Iterator[Sequence[Any]]:
        for row in rows:
            if not found and row[0] == anchor_seq:
                found.append(row[-1])
            yield row

    return passing(), found


def check_visits(rows: list[tuple]) -> tuple[list[int], list[int]]:
    """``rows``: (seq, unanswered, dangling) from the ``visits`` statement, which judges
    every payment and every entry naming a visit in SQL (a key lookup each: reading the
    pairs into Python to compare would double the cost) and returns only those with either
    mark. Returns the payments whose named visit is not their household's on their day,
    and the entries naming a visit that does not exist."""
    return [seq for seq, unanswered, _ in rows if unanswered], [
        seq for seq, _, dangling in rows if dangling
    ]


# ---------------------------------------------------------------------- the SQL


def statements(
    conn, upto: int, tables: tuple[str, ...], foreign_keys: tuple[str, ...]
) -> dict[str, Any]:
    """The worker's statements for ``conn``'s dialect: entries 1…``upto`` and each payment's
    visit; on SQLite also ``quick_check`` of ``tables`` and ``foreign_key_check`` of
    ``foreign_keys`` (PostgreSQL keeps its own pages and enforces foreign keys)."""
    from sqlalchemy import and_, false, func, not_, or_, select

    from zoufang.chain import STORED_COLUMNS
    from zoufang.fact_chain import STORED_COLUMNS as FACT_COLUMNS
    from zoufang.tables import fact_change as FC
    from zoufang.tables import household as H
    from zoufang.tables import ledger_entry as E
    from zoufang.tables import visit as V

    # A payment's named visit answers "was the household visited that day?" when it is that
    # household's (codes are unique) on the payment's date, dates compared as stored (a
    # tampered date is then no match, not an error); NULL anywhere counts as no answer.
    payee = select(H.c.id).where(H.c.code == E.c.household_code).scalar_subquery()
    unanswered = and_(
        E.c.kind == "disburse",
        not_(
            func.coalesce(
                and_(V.c.visit_date == E.c.entry_date, V.c.household_id == payee), false()
            )
        ),
    )
    dangling = and_(E.c.visit_id.is_not(None), V.c.id.is_(None))
    sql: dict[str, Any] = {
        "upto": upto,
        "entries": compiled(
            conn,
            select(*(E.c[name] for name in STORED_COLUMNS))
            .where(E.c.seq <= upto)
            .order_by(E.c.seq),
        ),
        "visits": compiled(
            conn,
            (
                select(E.c.seq, unanswered, dangling)
                .select_from(E.outerjoin(V, V.c.id == E.c.visit_id))
                .where(E.c.seq <= upto, or_(unanswered, dangling))
            ),
        ),
        "facts": compiled(conn, select(*(FC.c[name] for name in FACT_COLUMNS)).order_by(FC.c.seq)),
    }
    if conn.dialect.name == "sqlite":
        sql.update(sqlite_checks(tables, foreign_keys))
    return sql


def sqlite_checks(
    tables: tuple[str, ...] = AUDITED_TABLES, foreign_keys: tuple[str, ...] = FOREIGN_KEYS_CHECKED
) -> dict[str, list[str]]:
    """SQLite's own checks of ``tables`` (``quick_check``) and of ``foreign_keys``'
    references (``foreign_key_check``), as :func:`run` and :func:`storage_checks` take them."""
    return {
        "quick_check": [f'PRAGMA quick_check("{t}")' for t in tables],
        "foreign_key_check": [f'PRAGMA foreign_key_check("{t}")' for t in foreign_keys],
    }


def compiled(conn, statement) -> str:
    """``statement`` as SQL text for ``conn``'s dialect, its values written in."""
    return str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def rows_of(dbapi_connection, statement: str) -> list[tuple]:
    """Every row of ``statement``, as tuples."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def storage_checks(dbapi_connection, sql: dict[str, Any]) -> list[str]:
    """What SQLite's own checks in ``sql`` (:func:`sqlite_checks`; none on PostgreSQL)
    find, one :class:`~zoufang.labels.Message` each."""
    cursor = dbapi_connection.cursor()
    try:

        def rows(statement: str) -> list[tuple]:
            cursor.execute(statement)
            return cursor.fetchall()

        storage: list[str] = [
            Message(N_("integrity check: {problem}"), problem=line)
            for pragma in sql.get("quick_check", ())
            for (line,) in rows(pragma)
            if line != "ok"
        ]
        storage += [
            Message(
                N_("{table} row {row} points to a missing {parent} row"),
                table=table,
                row=rowid,
                parent=parent,
            )
            for pragma in sql.get("foreign_key_check", ())
            for table, rowid, parent, _ in rows(pragma)
        ]
        return storage
    finally:
        cursor.close()


def run(
    dbapi_connection,
    sql: dict[str, Any],
    anchor_seq: int | None = None,
    storage: list[str] | None = None,
) -> LedgerCheck:
    """Every check of the worker, with ``sql`` (from :func:`statements`) on a DB-API
    connection; ``storage``: what SQLite's own checks found if they were run already (a
    worker started early runs them while the audit is still starting)."""
    if storage is None:
        storage = storage_checks(dbapi_connection, sql)
    cursor = dbapi_connection.cursor()
    try:

        def rows(statement: str) -> list[tuple]:
            cursor.execute(statement)
            return cursor.fetchall()

        def batches(statement: str) -> Iterator[tuple]:
            cursor.execute(statement)
            while batch := cursor.fetchmany(BATCH):
                yield from batch

        found = check_chain(batches(sql["entries"]), anchor_seq)
        found.unanswered, found.dangling = check_visits(rows(sql["visits"]))
        found.storage = storage
        if "facts" in sql:
            check_facts(found, batches(sql["facts"]), sql.get("fact_anchor"))
        return found
    finally:
        cursor.close()


# ---------------------------------------------------------------------- the processes


def worth_another_process(entries: int) -> bool:
    """At :data:`PARALLEL_FROM` entries, and with a second core to run on."""
    from zoufang.db import cores

    return entries >= PARALLEL_FROM and cores() > 1


def where(conn) -> tuple[str, str]:
    """How a worker finds ``conn``'s ledger: ("sqlite", the file SQLite itself has open)
    or ("url", URL)."""
    if conn.dialect.name == "sqlite":
        if conn.dialect.dbapi.__name__.startswith("sqlcipher3"):
            # an encrypted ledger: its key stays in this process
            raise ValueError("the ledger is encrypted")
        files = {name: file for _, name, file in conn.exec_driver_sql("PRAGMA database_list")}
        if not files.get("main"):
            raise ValueError("the ledger is not a file")
        return ("sqlite", files["main"])
    return ("url", conn.engine.url.render_as_string(hide_password=False))


_WORKER = (
    "import gc, runpy, sys\n"
    "gc.disable()\n"  # millions of tuples and no cycles (see zoufang.db.bulk), from the start
    "if sys.argv[1] not in sys.path:\n"
    "    sys.path.insert(0, sys.argv[1])\n"
    "runpy.run_module(sys.argv[2], run_name='__main__', alter_sys=True)\n"
)


class Job:
    """The worker, running in a process of its own.

    It is told what to do in two messages on its standard input: where the ledger is (and
    SQLite's own checks to run), then the audit's snapshot mark, the SQL and the anchor
    (:meth:`send`). Between the two, a worker on a SQLite file opens its read transaction
    and runs SQLite's checks: started by :func:`start_early`, it does so while the audit is
    still importing SQLAlchemy and opening its session."""

    def __init__(
        self,
        ledger: tuple[str, str],
        mark: str | None = None,
        sql: dict[str, Any] | None = None,
        anchor_seq: int | None = None,
        *,
        checks: dict[str, list[str]] | None = None,
    ):
        import zoufang

        self.ledger = ledger
        self.stderr = b""  # what the worker said, if it failed
        self._answers: Any = _UNREAD
        # -P: nothing from the current directory is imported. The package as this process
        # found it (a venv, a source tree) goes first on the path only if a new interpreter
        # would not find it anyway, so the standard library is not shadowed.
        package_root = str(Path(zoufang.__file__).resolve().parents[1])
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-c", _WORKER, package_root, WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # each message reaches the worker when written
        )
        self._stdin, self.process.stdin = (
            self.process.stdin,
            None,
        )  # communicate() must not flush it
        self._write(pickle.dumps((ledger, checks or {})))
        if mark is not None:
            self.send(mark, sql or {}, anchor_seq)

    def send(self, mark: str, sql: dict[str, Any], anchor_seq: int | None) -> None:
        """The second message: the snapshot the audit reads, the SQL, the anchor."""
        self._write(pickle.dumps((mark, sql, anchor_seq)))
        self._close()

    def _write(self, data: bytes) -> None:
        if self._stdin is None:
            return
        try:
            self._stdin.write(data)
        except OSError:  # it died at once; result() says so
            self._close()

    def _close(self) -> None:
        stdin, self._stdin = self._stdin, None
        if stdin is not None:
            try:
                stdin.close()
            except OSError:
                pass

    def answers(self) -> dict[str, list[tuple]] | None:
        """The rows of the statements ``sql["for_audit"]`` named (by name), which the worker
        reads first and sends before its own result; None if it failed before (the audit
        then reads them itself). Waits for them if need be."""
        if self._answers is _UNREAD:
            self._answers = None
            assert self.process.stdout is not None  # opened with stdout=PIPE
            fd = self.process.stdout.fileno()  # read as is: communicate() reads the fd too
            size = _read_exactly(fd, 8)
            if len(size) == 8:
                body = _read_exactly(fd, int.from_bytes(size, "big"))
                try:
                    self._answers = pickle.loads(body)
                except Exception:
                    pass
        return self._answers

    def result(self) -> LedgerCheck | None:
        """The worker's result, or None if it failed."""
        self._close()
        self.answers()  # read past them (if not yet): the result follows
        out, self.stderr = self.process.communicate()
        if self.process.returncode != 0:
            return None
        try:
            return LedgerCheck(**pickle.loads(out))
        except Exception:
            return None

    def cancel(self) -> None:
        self._close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


_UNREAD: Any = object()


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from ``fd``, or fewer at its end."""
    import os

    parts = []
    while size > 0:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def start_early(path: Path | None) -> Job | None:
    """A worker started before the audit has imported SQLAlchemy or opened its session
    (`audit funds` calls this first): for a plain SQLite file ``path`` that is at the
    schema's head revision and big enough to gain from a worker (read here with the
    standard library's ``sqlite3``, in a moment). It opens its read transaction and runs
    SQLite's checks at once, and waits for the rest (:func:`start`, ``early=``). None if not
    (an encrypted file, another backend, a small ledger, one that needs an upgrade first or
    is not in WAL mode: :func:`start` then starts one the usual way, or none)."""
    import sqlite3

    from zoufang.db.migrate import HEAD_REVISION

    if path is None:
        return None
    try:
        connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            upto = connection.execute("SELECT max(seq) FROM ledger_entry").fetchone()[0]
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            connection.close()
    except (sqlite3.Error, OSError, ValueError):  # not a ledger (yet), or encrypted
        return None
    if revision is None or revision[0] != HEAD_REVISION or not worth_another_process(upto or 0):
        return None
    if journal != "wal":
        # only in WAL mode does a reader never stand in another connection's way; the
        # audit's own connection switches a ledger in another mode to WAL first
        return None
    try:
        return Job(("sqlite", str(Path(path).resolve())), checks=sqlite_checks())
    except OSError:
        return None


def start(
    conn, sql: dict[str, Any], anchor_seq: int | None = None, early: Job | None = None
) -> Job | None:
    """The worker started, if the ledger is big enough to gain from it (and it can start),
    reading the snapshot ``conn`` reads (:func:`zoufang.db.snapshot_mark`); ``early``, one
    :func:`start_early` started, is told what to do if it reads the same file (else
    stopped)."""
    from zoufang.db import snapshot_mark

    try:
        ledger = where(conn) if worth_another_process(sql["upto"]) else None
    except ValueError:
        ledger = None
    if early is not None:
        if ledger is not None and early.ledger == ledger:
            early.send(snapshot_mark(conn), sql, anchor_seq)
            return early
        early.cancel()
    if ledger is None:
        return None
    try:
        return Job(ledger, snapshot_mark(conn), sql, anchor_seq)
    except OSError:  # no process to be had: the audit does the checks itself
        return None


def finish(
    job: Job | None, conn, sql: dict[str, Any], anchor_seq: int | None = None
) -> LedgerCheck:
    """The worker's result; or, if there is no worker or it failed, its checks run here on
    ``conn`` (in the audit's own transaction)."""
    found = job.result() if job is not None else None
    if found is None:
        found = run(conn.connection.dbapi_connection, sql, anchor_seq)
    return found


class _OtherSnapshot(Exception):
    """The ledger changed between the audit's snapshot and the worker's (SQLite)."""


def _open_sqlite(path: str) -> tuple[Any, str]:
    """The SQLite file at ``path`` with a read transaction begun, and its snapshot mark
    (:func:`zoufang.db.snapshot_mark`)."""
    import sqlite3

    from zoufang.db import BUSY_TIMEOUT_MS, MMAP_SIZE, WRITE_MARK_SQL

    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    connection.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
    connection.execute("BEGIN")
    return connection, str(connection.execute(WRITE_MARK_SQL).fetchone()[0])


def _connect(ledger: tuple[str, str], mark: str) -> tuple[Any, Any]:
    """A DB-API connection to the ledger in one read transaction that sees what the
    audit's sees (:func:`zoufang.db.adopt_snapshot`), and what closes it."""
    kind, target = ledger
    if kind == "sqlite":
        connection, own = _open_sqlite(target)
        if own != mark:
            connection.close()
            raise _OtherSnapshot
        return connection, connection.close
    from zoufang.db import adopt_snapshot, make_engine

    engine = make_engine(target).execution_options(isolation_level="REPEATABLE READ")
    pg_connection = engine.connect()
    adopt_snapshot(pg_connection, mark)

    def close() -> None:
        pg_connection.close()
        engine.dispose()

    return pg_connection.connection.dbapi_connection, close


def main() -> None:
    """The worker: (ledger, SQLite's checks) and then (snapshot mark, SQL, anchor seq)
    pickled on stdin (:class:`Job`); the LedgerCheck's fields pickled on stdout."""
    import gc

    gc.disable()  # millions of tuples and no cycles (see zoufang.db.bulk)
    ledger, checks = pickle.load(sys.stdin.buffer)
    storage = None
    if ledger[0] == "sqlite" and checks:
        # SQLite's checks while the audit starts, in the read transaction all the rest
        # reads too; it must turn out to be the audit's snapshot
        connection, own = _open_sqlite(ledger[1])
        close = connection.close
        try:
            storage = storage_checks(connection, checks)
            mark, sql, anchor_seq = pickle.load(sys.stdin.buffer)
        except BaseException:
            close()
            raise
        if own != mark:
            close()
            sys.exit("the ledger changed since the audit began; the audit checks it itself")
    else:
        mark, sql, anchor_seq = pickle.load(sys.stdin.buffer)
        try:
            connection, close = _connect(ledger, mark)
        except _OtherSnapshot:
            sys.exit("the ledger changed since the audit began; the audit checks it itself")
    try:
        # first what the audit's own half waits for (small, a few rows), as soon as read
        answers = pickle.dumps(
            {name: rows_of(connection, q) for name, q in sql.get("for_audit", {}).items()}
        )
        sys.stdout.buffer.write(len(answers).to_bytes(8, "big") + answers)
        sys.stdout.buffer.flush()
        found = run(connection, sql, anchor_seq, storage)
    finally:
        close()
    # plain data: this module runs as __main__ here, so its classes would not unpickle
    # (a detail is a zoufang.labels.Message, which does)
    sys.stdout.buffer.write(pickle.dumps(asdict(found)))


if __name__ == "__main__":
    main()

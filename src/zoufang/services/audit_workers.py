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
password would be visible to every user of the machine), where the ledger is and the SQL
to run, compiled by the audit for the ledger's dialect. On SQLite it opens the file with
the standard library's ``sqlite3`` alone, so it starts quickly, without importing
SQLAlchemy. It reads in one transaction exactly what the audit reads: on PostgreSQL it
adopts the audit's exported snapshot; on SQLite it checks that no write was committed
between the two transactions began (:func:`zoufang.db.snapshot_mark`), and leaves the work
to the audit if one was. Both read the entries up to the ``seq`` the audit read first. Its
result comes back pickled on its standard output, as plain data.

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
        "entries": _compiled(
            conn,
            select(*(E.c[name] for name in STORED_COLUMNS))
            .where(E.c.seq <= upto)
            .order_by(E.c.seq),
        ),
        "visits": _compiled(
            conn,
            (
                select(E.c.seq, unanswered, dangling)
                .select_from(E.outerjoin(V, V.c.id == E.c.visit_id))
                .where(E.c.seq <= upto, or_(unanswered, dangling))
            ),
        ),
        "facts": _compiled(conn, select(*(FC.c[name] for name in FACT_COLUMNS)).order_by(FC.c.seq)),
    }
    if conn.dialect.name == "sqlite":
        sql["quick_check"] = [f'PRAGMA quick_check("{t}")' for t in tables]
        sql["foreign_key_check"] = [f'PRAGMA foreign_key_check("{t}")' for t in foreign_keys]
    return sql


def _compiled(conn, statement) -> str:
    return str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def run(dbapi_connection, sql: dict[str, Any], anchor_seq: int | None = None) -> LedgerCheck:
    """Every check of the worker, with ``sql`` (from :func:`statements`) on a DB-API
    connection."""
    cursor = dbapi_connection.cursor()
    try:

        def rows(statement: str) -> list[tuple]:
            cursor.execute(statement)
            return cursor.fetchall()

        def batches(statement: str) -> Iterator[tuple]:
            cursor.execute(statement)
            while batch := cursor.fetchmany(BATCH):
                yield from batch

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
    "import runpy, sys\n"
    "if sys.argv[1] not in sys.path:\n"
    "    sys.path.insert(0, sys.argv[1])\n"
    "runpy.run_module(sys.argv[2], run_name='__main__', alter_sys=True)\n"
)


class Job:
    """The worker, running in a process of its own."""

    def __init__(
        self, ledger: tuple[str, str], mark: str, sql: dict[str, Any], anchor_seq: int | None
    ):
        import zoufang

        self.stderr = b""  # what the worker said, if it failed
        # -P: nothing from the current directory is imported. The package as this process
        # found it (a venv, a source tree) goes first on the path only if a new interpreter
        # would not find it anyway, so the standard library is not shadowed.
        package_root = str(Path(zoufang.__file__).resolve().parents[1])
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-c", _WORKER, package_root, WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdin, self.process.stdin = self.process.stdin, None  # communicate() must not flush it
        assert stdin is not None  # opened with stdin=PIPE
        try:
            stdin.write(pickle.dumps((ledger, mark, sql, anchor_seq)))
        except OSError:  # it died at once; result() says so
            pass
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def result(self) -> LedgerCheck | None:
        """The worker's result, or None if it failed."""
        out, self.stderr = self.process.communicate()
        if self.process.returncode != 0:
            return None
        try:
            return LedgerCheck(**pickle.loads(out))
        except Exception:
            return None

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def start(conn, sql: dict[str, Any], anchor_seq: int | None = None) -> Job | None:
    """The worker started, if the ledger is big enough to gain from it (and it can start),
    reading the snapshot ``conn`` reads (:func:`zoufang.db.snapshot_mark`)."""
    from zoufang.db import snapshot_mark

    if not worth_another_process(sql["upto"]):
        return None
    try:
        ledger = where(conn)
    except ValueError:
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


def _connect(ledger: tuple[str, str], mark: str) -> tuple[Any, Any]:
    """A DB-API connection to the ledger in one read transaction that sees what the
    audit's sees (:func:`zoufang.db.adopt_snapshot`), and what closes it."""
    kind, target = ledger
    if kind == "sqlite":
        import sqlite3

        from zoufang.db import BUSY_TIMEOUT_MS, MMAP_SIZE, WRITE_MARK_SQL

        connection = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
        connection.execute("BEGIN")
        if str(connection.execute(WRITE_MARK_SQL).fetchone()[0]) != mark:
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
    """The worker: (ledger, snapshot mark, SQL, anchor seq) pickled on stdin; the
    LedgerCheck's fields pickled on stdout."""
    import gc

    gc.disable()  # millions of tuples and no cycles (see zoufang.db.bulk)
    ledger, mark, sql, anchor_seq = pickle.load(sys.stdin.buffer)
    try:
        connection, close = _connect(ledger, mark)
    except _OtherSnapshot:
        sys.exit("the ledger changed since the audit began; the audit checks it itself")
    try:
        found = run(connection, sql, anchor_seq)
    finally:
        close()
    # plain data: this module runs as __main__ here, so its classes would not unpickle
    # (a detail is a zoufang.labels.Message, which does)
    sys.stdout.buffer.write(pickle.dumps(asdict(found)))


if __name__ == "__main__":
    main()

"""Copy a whole ledger to another database: ``zoufang db copy --to URL``.

The way a county moves cadres' SQLite files onto its PostgreSQL server (or takes a
PostgreSQL ledger home as one SQLite file). What it does, in order:

1. The target is opened and migrated to this program's schema, so it carries the same
   tables, indexes and append-only triggers as any ledger; it must hold nothing else than
   what a new ledger holds (the built-in categories), or the copy is refused.
2. The source is read in one snapshot (PostgreSQL: a REPEATABLE READ, READ ONLY
   transaction; SQLite: one read transaction), so a copy taken while cadres write is
   consistent. Every row is checked before anything is written: a text longer than its
   column (a SQLite file keeps it, PostgreSQL refuses it) or holding a NUL character
   (PostgreSQL cannot store one) is a problem, and every problem is reported at once
   (:class:`CopyProblems`, exit 1): nothing is copied until the source fits.
3. Every table is copied in foreign-key order, rows in primary-key order, in batches of
   bulk inserts, all in one write transaction on the target: a failed or killed copy leaves
   the target as empty as it was.
4. Ledger entries keep their ``seq``, their stored fields and their hashes; before
   committing, the canonical form (see :mod:`zoufang.chain`) of every copied
   entry is compared with the source's, so the target's ``audit funds`` reports the same
   chain head. PostgreSQL's id sequences are moved past the copied ids.
5. The target's audit log gets one row saying where the copy came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zoufang.db import migrate
from zoufang.db.translate import translate_operational_errors
from zoufang.errors import RuleViolation, StorageError
from zoufang.i18n import _, ngettext

if TYPE_CHECKING:
    from zoufang.chain import ChainHead
    from zoufang.db.ledger import Ledger

#: Rows per bulk insert.
BATCH = 5000


@dataclass
class CopyReport:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    head: ChainHead | None = None

    def summary(self) -> str:
        counts = ", ".join(f"{n:,} {table}" for table, n in self.rows.items() if n)
        return _("copied {source} to {target}: {counts}; chain head {head}").format(
            source=self.source, target=self.target, counts=counts or _("no rows"), head=self.head
        )


class CopyProblems(RuleViolation):
    """Values of the source that no ledger's columns hold; ``problems`` lists every one
    (table, row, column, problem)."""

    def __init__(self, field: str, reason: str, problems: list[dict]) -> None:
        super().__init__(field, reason)
        self.problems = problems


def check_rows(conn, tables) -> list[dict]:
    """Every value of the ledger on ``conn`` that does not fit its column: text longer than
    the column's length (:func:`zoufang.tables.max_length`) or, on SQLite, holding a NUL.
    Each is ``{"table", "row", "column", "problem"}``; the database finds them (one query a
    table), so a county's million visits are not read into Python twice."""
    from sqlalchemy import String, Text, func, literal, or_, select

    from zoufang.tables import max_length

    problems: list[dict] = []
    sqlite = conn.dialect.name == "sqlite"
    for table in tables:
        key = list(table.primary_key.columns) or list(table.columns)
        texts = [
            (c, max_length(table, c.name))
            for c in table.columns
            if isinstance(c.type, String | Text)
        ]
        tests = [func.length(c) > limit for c, limit in texts if limit]
        if sqlite:
            tests += [_has_nul(c) for c, _limit in texts]
        if not tests:
            continue
        lengths = [func.length(c).label(f"n_{c.name}") for c, _limit in texts]
        nul = [
            (_has_nul(c) if sqlite else literal(False)).label(f"z_{c.name}") for c, _limit in texts
        ]
        # one scan a table: the database finds the rows, Python only words the problems
        for row in conn.execute(select(*key, *lengths, *nul).where(or_(*tests)).order_by(*key)):
            values = row._mapping
            where = ", ".join(str(values[c.name]) for c in key)
            for column, limit in texts:
                length = values[f"n_{column.name}"]
                if limit and length is not None and length > limit:
                    problem = _("{length} characters; the column holds {limit}").format(
                        length=length, limit=limit
                    )
                elif values[f"z_{column.name}"]:
                    problem = _("holds a NUL character, which PostgreSQL cannot store")
                else:
                    continue
                problems.append(
                    {"table": table.name, "row": where, "column": column.name, "problem": problem}
                )
    return problems


def _has_nul(column):
    """SQLite: the text holds a NUL (its text functions stop at one, so look at the bytes)."""
    from sqlalchemy import LargeBinary, cast, func

    return func.instr(cast(column, LargeBinary), func.zeroblob(1)) > 0


def _fingerprint(row) -> tuple[int, str, str | None]:
    """(seq, stored hash, sha256 of the canonical form) of one ledger entry."""
    from zoufang.chain import canonical

    try:
        digest: str | None = hashlib.sha256(canonical(row)).hexdigest()
    except ValueError:
        digest = None
    return row["seq"], row["hash"], digest


def copy_ledger(source: Ledger, target: Ledger, *, operator: str, command: str) -> CopyReport:
    """Copy every row of ``source`` into the empty ``target`` (see the module docstring)."""
    from sqlalchemy import Integer, delete, func, insert, select

    from zoufang.chain import ChainHead
    from zoufang.tables import audit_log, metadata, utcnow

    if source.url == target.url:
        raise RuleViolation(
            "--to",
            _("{target} is the ledger being copied; choose another database").format(
                target=target.display
            ),
        )
    for ledger in (source, target):
        revision = ledger.current_revision()
        if revision != migrate.HEAD_REVISION:
            ledger.ensure_schema()

    tables = metadata.sorted_tables  # parents before children
    report = CopyReport(source.display, target.display)
    source_entries: list[tuple[int, str, str | None]] = []

    src_engine = source.engine
    if src_engine.dialect.name == "postgresql":
        src_engine = src_engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    dst_engine = target.engine.execution_options(zoufang_write=True)

    with translate_operational_errors(source.display), src_engine.connect() as src, src.begin():
        problems = check_rows(src, tables)
        if problems:
            raise CopyProblems(
                "--db",
                ngettext(
                    "{n} value does not fit the ledger's columns; nothing was copied "
                    "(shorten it with the command that wrote it, e.g. `household update`)",
                    "{n} values do not fit the ledger's columns; nothing was copied "
                    "(shorten them with the commands that wrote them, e.g. `household update`)",
                    len(problems),
                ).format(n=len(problems)),
                problems,
            )
        with (
            translate_operational_errors(target.display, "--to"),
            dst_engine.connect() as dst,
            dst.begin(),
        ):
            occupied = [
                t.name
                for t in tables
                if t.name != "category"
                and dst.execute(select(func.count()).select_from(t)).scalar_one()
            ]
            if occupied:
                raise RuleViolation(
                    "--to",
                    _(
                        "{target} already holds a ledger ({tables} not empty); "
                        "copy into a new, empty database"
                    ).format(target=target.display, tables=", ".join(occupied)),
                )
            if dst.dialect.name == "postgresql":
                # The source's rows and its change trail arrive as they are: the target's
                # trail triggers do not record them again (migration 0014; only the schema
                # owner or a superuser may ask that of them).
                dst.exec_driver_sql("SELECT set_config('zoufang.copy', 'on', true)")
            # A new ledger's built-in categories: replaced by the source's own rows.
            dst.execute(delete(metadata.tables["category"]))

            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                result = src.execution_options(yield_per=BATCH).execute(
                    select(table).order_by(*order)
                )
                count = 0
                try:
                    for part in result.partitions():
                        rows = [dict(r._mapping) for r in part]
                        if table.name == "ledger_entry":
                            source_entries.extend(_fingerprint(r) for r in rows)
                        dst.execute(insert(table), rows)
                        count += len(rows)
                except (ValueError, TypeError) as exc:
                    # a SQLite file can hold text in a date or number column (written
                    # behind the program's back); such a row has no faithful copy
                    raise StorageError(
                        "--db",
                        _(
                            "{table} holds a value no ledger can have ({error}); nothing was "
                            "copied — run `zoufang db check` and `zoufang audit funds` on the "
                            "source"
                        ).format(table=table.name, error=exc),
                    ) from None
                report.rows[table.name] = count

            if dst.dialect.name == "postgresql":
                for table in tables:
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement:
                        dst.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'{pk[0].name}'), COALESCE((SELECT MAX({pk[0].name}) FROM "
                            f"{table.name}), 0) + 1, false)"
                        )

            entry = metadata.tables["ledger_entry"]
            copied = [
                _fingerprint(dict(r._mapping))
                for r in dst.execute(select(entry).order_by(entry.c.seq))
            ]
            if copied != source_entries:
                bad = next(
                    (a[0] for a, b in zip(copied, source_entries, strict=False) if a != b), None
                )
                raise StorageError(
                    "--to",
                    _(
                        "ledger entry {seq} did not arrive unchanged in {target}; nothing was copied"
                    ).format(seq=bad, target=target.display),
                )
            report.head = (
                ChainHead(copied[-1][0], copied[-1][1]) if copied else ChainHead(0, "0" * 64)
            )

            dst.execute(
                insert(audit_log).values(
                    at=utcnow(),
                    operator=operator,
                    command=command,
                    action="copy",
                    object_type="ledger",
                    object_key=source.display[:100],
                    before=None,
                    after=json.dumps(
                        {"from": source.display, "rows": report.rows, "head": str(report.head)},
                        ensure_ascii=False,
                        sort_keys=True,
                    ),
                )
            )
    return report

"""What the county import cannot go below on this machine, whatever its Python does
(docs/benchmarks.md, "Issue 17: what 90 s would take").

    python bench/import_floor.py write IMPORTED.db EMPTY.db [--indexes-after]
    python bench/import_floor.py read EXPORT.xlsx

``write``: every row of a ledger the import made (IMPORTED.db), read first a table at a
time and written into EMPTY.db (a ledger at the same schema revision, `db upgrade`d) with
the ``sqlite3`` module's own ``executemany`` of plain tuples: one transaction, parents
before children, rowid order, the ledger's pragmas (WAL, ``synchronous=FULL``,
``foreign_keys=ON``) and SQLite's default 2 MB page cache, as the import has. No checks,
no conversions, no audit rows made: only SQLite's share. ``--indexes-after``: every
non-unique index dropped first and built after the rows, before the commit (the most
this technique could give, though the import cannot: its later kinds read some of them).

``read``: every row of every sheet of the export, cut into cells by zoufang's own reader
(``xlsx_stream``) in this one process, nothing done with them: the reading's share.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import time

#: A parent before its children (foreign keys are checked as the rows go in).
TABLES = (
    "cadre",
    "category",
    "fund",
    "fund_category",
    "household",
    "household_category",
    "assignment",
    "cadre_relative",
    "member",
    "visit",
    "visit_cadre",
    "visit_item",
    "commitment",
    "commitment_response",
    "ledger_entry",
    "fact_change",
    "wish",  # a wish paid names its entry
    "wish_event",
    "suggestion",
    "suggestion_answer",
    "audit_log",
)


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def write(source: str, target: str, indexes_after: bool) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
        dst.execute(f"PRAGMA {pragma}")
    dst.execute("BEGIN IMMEDIATE")
    built: list[str] = []
    if indexes_after:
        for name, sql in dst.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND sql NOT LIKE 'CREATE UNIQUE%'"
        ).fetchall():
            dst.execute(f'DROP INDEX "{name}"')
            built.append(sql)
    writing = 0.0
    for table in TABLES:
        dst.execute(f'DELETE FROM "{table}"')  # the built-in categories come from the file's
        columns = [row[1] for row in src.execute(f'PRAGMA table_info("{table}")')]
        names = ", ".join(f'"{c}"' for c in columns)
        insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        rows_of = src.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
        count, took = 0, 0.0
        while rows := rows_of.fetchmany(5000):
            started = time.perf_counter()
            dst.executemany(insert, rows)
            took += time.perf_counter() - started
            count += len(rows)
        writing += took
        print(f"{table:<22} {count:>9,} rows  {took:6.1f} s", flush=True)
    started = time.perf_counter()
    for sql in built:
        dst.execute(sql)
    building = time.perf_counter() - started
    started = time.perf_counter()
    dst.execute("COMMIT")
    committing = time.perf_counter() - started
    print(
        f"inserts {writing:.1f} s, indexes built after {building:.1f} s, commit "
        f"{committing:.1f} s: SQLite's share {writing + building + committing:.1f} s; "
        f"this process {time.process_time():.1f} s CPU, peak {peak_mib()} MiB"
    )


def read(export: str) -> None:
    import zipfile

    from zoufang.services.xlsx_stream import XlsxBook

    book = XlsxBook(export)
    with zipfile.ZipFile(export) as z:
        members = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
    total = 0.0
    for member in members:
        started = time.process_time()
        count = sum(1 for _ in book.rows_here(member))
        took = time.process_time() - started
        total += took
        print(f"{member:<28} {count:>9,} rows  {took:6.1f} s CPU", flush=True)
    print(f"every sheet once: {total:.1f} s CPU, peak {peak_mib()} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    w = sub.add_parser("write", help="SQLite's share: an imported ledger's rows written again")
    w.add_argument("imported")
    w.add_argument("empty")
    w.add_argument("--indexes-after", action="store_true")
    r = sub.add_parser("read", help="the reading's share: every sheet's rows cut into cells")
    r.add_argument("export")
    args = parser.parse_args()
    if args.what == "write":
        write(args.imported, args.empty, args.indexes_after)
    else:
        read(args.export)


if __name__ == "__main__":
    main()

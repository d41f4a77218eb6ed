#!/usr/bin/env python3
"""Waiting writers: how long a write command waits for the ledger's write lock, and how long
each holds it, with 8 processes × 50 mixed writes at once (issue 21, part 6).

    python bench/writers.py                      # 8 × 50 on a fresh SQLite ledger
    python bench/writers.py --processes 8 --writes 50 --db postgresql+psycopg://…/empty_db
    python bench/run.py --writers                # the same, from the benchmark script

Each process runs its commands one after another through the real CLI entry point (as
tests/workload.py does), on the shared ledger: visits with cash, payments, commitments and
enrolments, interleaved. SQLAlchemy's cursor events time, per command:

* ``wait``: the time spent queueing for the write lock: the writers' queue
  (zoufang.db.write_queue) and the statement that takes the lock (``BEGIN IMMEDIATE`` on
  SQLite, ``pg_advisory_xact_lock`` on PostgreSQL);
* ``hold``: from holding the lock to the commit — what the others wait for;
* ``sql``: the part of ``hold`` spent in the database's statements (the rest is Python).

The target (docs/benchmarks.md): p99 wait ≤ 5 s under 8 writers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = "2026-11-23"
FUND = "FEST"
TARGET_P99_WAIT = 5.0


def _worker(ops_file: str) -> None:
    """In a worker process: run the commands, one JSON line each."""
    import contextlib
    import io

    import typer.main
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from zoufang.cli import app

    timing: dict[str, float] = {}

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        timing["_t"] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        now = time.perf_counter()
        spent = now - timing.pop("_t", now)
        if statement.startswith("BEGIN IMMEDIATE") or "pg_advisory_xact_lock" in statement:
            timing["wait"] = timing.get("wait", 0.0) + spent
            timing["locked_at"] = now
            timing["sql"] = 0.0
        elif "locked_at" in timing:
            timing["sql"] = timing.get("sql", 0.0) + spent

    @event.listens_for(Engine, "commit")
    def _commit(conn):
        timing["commit_from"] = time.perf_counter()

    @event.listens_for(Engine, "rollback")
    def _rollback(conn):
        timing.setdefault("commit_from", time.perf_counter())

    try:  # the writers' queue, where there is one, is part of the wait
        from zoufang.db import write_queue

        queued = write_queue.turn

        @contextlib.contextmanager
        def timed_turn(*args, **kwargs):
            began = time.perf_counter()
            with queued(*args, **kwargs):
                timing["wait"] = timing.get("wait", 0.0) + time.perf_counter() - began
                yield

        write_queue.turn = timed_turn
    except ImportError:  # a version without the queue
        pass

    command = typer.main.get_command(app)
    with open(ops_file, encoding="utf-8") as f:
        operations = json.load(f)
    for args in operations:
        timing.clear()
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = command.main(args=args, prog_name="zoufang", standalone_mode=False)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        ended = time.perf_counter()
        # held from the lock to the commit (the COMMIT itself, a few ms, is not counted)
        hold = (
            timing.get("commit_from", ended) - timing["locked_at"]
            if "locked_at" in timing
            else None
        )
        row = {
            "op": " ".join(args[:2]),
            "code": code,
            "wall": ended - started,
            "wait": timing.get("wait"),
            "hold": hold,
            "sql": timing.get("sql"),
            "error": err.getvalue().strip()[:200] if code else "",
        }
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def operations_for(worker: int, writes: int, households_each: int) -> list[list[str]]:
    """Mixed writes: visits with cash, payments, commitments, enrolments (3:3:3:1)."""
    cadre = f"C{worker + 1:04d}"
    own = [f"H{worker * households_each + n + 1:06d}" for n in range(households_each)]
    ops: list[list[str]] = []
    for k in range(writes):
        kind, n = k % 10, k // 10 * 3 + k % 10 % 3
        if kind < 3:
            ops.append(["visit", "log", own[n], "--by", cadre, "--notes", "入户走访",
                        "--cash", "50", "--fund", FUND, "--format", "json"])  # fmt: skip
        elif kind < 6:
            ops.append(["fund", "disburse", FUND, own[len(own) // 2 + n], "30.01",
                        "--by", cadre, "--format", "json"])  # fmt: skip
        elif kind < 9:
            ops.append(["commitment", "add", own[n], "协助申请临时救助", "--cadre", cadre,
                        "--due", "2026-12-31", "--format", "json"])  # fmt: skip
        else:
            number = f"11010119{60 + worker:02d}0101{k:03d}"
            # a name is letters: the worker and write numbers spelled 甲乙丙…
            name = "新户" + "".join("甲乙丙丁戊己庚辛壬癸"[int(d)] for d in f"{worker}{k:03d}")
            ops.append(["enroll", "--name", name, "--id-number",
                        number + _check(number), "--village", "红星村",
                        "--category", "low-income", "--format", "json"])  # fmt: skip
    return ops


def _check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def seed(db: str, processes: int, households_each: int) -> None:
    """Cadres C0001…, low-income households H000001…, fund FEST with plenty of money."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from helpers import seed_county  # the test suite's seeding, through the services

    seed_county(db, cadres=processes, households=processes * households_each, allocated_fen=10**10)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run(db: str | None, processes: int, writes: int, show=print) -> dict:
    households_each = max(60, writes)
    with tempfile.TemporaryDirectory(prefix="zoufang-writers-") as tmp:
        work = Path(tmp)
        ledger = db or str(work / "writers.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZOUFANG_")}
        env.update(
            ZOUFANG_DB=ledger,
            ZOUFANG_TODAY=TODAY,
            ZOUFANG_REAL_CLOCK_FOR_TESTS=TODAY,  # the ledger's day (zoufang.clock)
            ZOUFANG_OPERATOR="bench",
            ZOUFANG_STATE_DIR=str(work / "state"),
            ZOUFANG_LANG="en",
        )
        os.environ.update(env)
        seed(ledger, processes, households_each)
        procs = []
        started = time.perf_counter()
        for worker in range(processes):
            ops_file = work / f"ops-{worker}.json"
            ops_file.write_text(
                json.dumps(operations_for(worker, writes, households_each), ensure_ascii=False),
                encoding="utf-8",
            )
            procs.append(
                subprocess.Popen(
                    [sys.executable, __file__, "--worker", str(ops_file)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
        outputs = [p.communicate(timeout=1800) for p in procs]
        elapsed = time.perf_counter() - started
    for p, (_out, err) in zip(procs, outputs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"a worker failed:\n{err}")
    rows = [json.loads(line) for out, _err in outputs for line in out.splitlines()]
    waits = [r["wait"] for r in rows if r["wait"] is not None]
    holds = [r["hold"] for r in rows if r["hold"] is not None]
    sqls = [r["sql"] for r in rows if r["sql"] is not None]
    failed = [r for r in rows if r["code"] != 0]
    result = {
        "processes": processes,
        "writes": writes,
        "commands": len(rows),
        "failed": len(failed),
        "elapsed_s": round(elapsed, 2),
        "wait_p50_s": round(percentile(waits, 50), 3),
        "wait_p99_s": round(percentile(waits, 99), 3),
        "wait_max_s": round(max(waits, default=0.0), 3),
        "hold_p50_s": round(percentile(holds, 50), 4),
        "hold_p99_s": round(percentile(holds, 99), 4),
        "hold_sql_share": round(sum(sqls) / sum(holds), 3) if holds else None,
        "hold_by_op_p50_s": {
            op: round(
                statistics.median([r["hold"] for r in rows if r["op"] == op and r["hold"]]), 4
            )
            for op in sorted({r["op"] for r in rows if r["hold"] is not None})
        },
        "target_p99_wait_s": TARGET_P99_WAIT,
    }
    result["met"] = result["wait_p99_s"] <= TARGET_P99_WAIT and not failed
    if os.environ.get("ZOUFANG_WRITERS_ROWS"):
        Path(os.environ["ZOUFANG_WRITERS_ROWS"]).write_text(json.dumps(rows), encoding="utf-8")
    for f in failed[:5]:
        show(f"failed: {f['op']}: {f['error']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--db", help="an empty PostgreSQL database's URL (default: SQLite)")
    args = parser.parse_args(argv)
    result = run(args.db, args.processes, args.writes)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2])
        sys.exit(0)
    sys.exit(main())

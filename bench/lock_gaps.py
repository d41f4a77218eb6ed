"""How long does a zoufang command holding the ledger's write lock sit between statements?

Evidence for the write lock's idle limit (docs/security.md, "The write lock"; migration
0014): while commands run against a PostgreSQL ledger, this polls ``pg_stat_activity`` every
few milliseconds for the session holding the write lock (a lock on ``alembic_version`` other
than ACCESS SHARE) and records, per session, the longest time it was seen doing nothing
(idle in its transaction, or waiting on a timeout or another lock — what
``zoufang_break_stale_lock()`` counts as idle) and the longest it was seen busy in one
statement.

    python bench/lock_gaps.py URL -- zoufang import county.xlsx

runs the command (everything after ``--``) with ``ZOUFANG_DB=URL`` and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import psycopg

HOLDER = (
    "SELECT a.pid, a.state, a.wait_event_type, "
    "extract(epoch FROM clock_timestamp() - a.state_change), "
    "extract(epoch FROM clock_timestamp() - a.xact_start) "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'relation' AND l.granted AND l.mode <> 'AccessShareLock' "
    "AND l.relation = 'alembic_version'::regclass AND l.pid <> pg_backend_pid()"
)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def main(argv: list[str]) -> int:
    url, command = argv[0], argv[argv.index("--") + 1 :]
    worst = {"idle": 0.0, "busy": 0.0, "held": 0.0, "samples": 0}
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(libpq(url), autocommit=True) as con:
            while not done.is_set():
                con.execute("SELECT pg_stat_clear_snapshot()")
                for _pid, state, wait, since, held in con.execute(HOLDER):
                    worst["samples"] += 1
                    idle = state != "active" or wait in ("Timeout", "Lock")
                    key = "idle" if idle else "busy"
                    worst[key] = max(worst[key], float(since or 0))
                    worst["held"] = max(worst["held"], float(held or 0))
                time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        result = subprocess.run(command, env={**os.environ, "ZOUFANG_DB": url}, check=False)
    finally:
        done.set()
        watcher.join()
    print(
        json.dumps(
            {
                "command": " ".join(command),
                "exit": result.returncode,
                "seconds": round(time.monotonic() - started, 2),
                "longest_idle_s": round(worst["idle"], 3),
                "longest_statement_s": round(worst["busy"], 3),
                "longest_held_s": round(worst["held"], 3),
                "samples": worst["samples"],
            }
        )
    )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Two versions of zoufang's payments timed against each other, interleaved, on fresh copies.

    python bench/ab_write.py BEFORE_SRC AFTER_SRC LEDGER.db [--runs 7]

BEFORE_SRC and AFTER_SRC are ``src`` directories of two checkouts (run with this Python and
``PYTHONPATH=SRC``). Each run gets its own copy of LEDGER, written to disk (fsync) before it is
timed — a payment to the same household twice the same day is refused. Prints the medians of
wall and CPU (user + system) per operation and version.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPS = {
    "fund disburse": ["fund", "disburse", "LSJZ2026", "H000126", "10", "--by", "C0001",
                      "--format", "json"],
    "visit log --cash": ["visit", "log", "H000126", "--by", "C0001", "--notes", "送去临时救助金",
                         "--cash", "10", "--fund", "LSJZ2026", "--format", "json"],
    "visit log": ["visit", "log", "H000123", "--by", "C0001", "--notes", "入户了解情况",
                  "--format", "json"],
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--today", default="2026-03-01")
    parser.add_argument("--scratch", type=Path, default=None, help="where the copies go")
    args = parser.parse_args()
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        copy = Path(scratch) / "copy.db"
        for i in range(args.runs):
            order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
            for name, argv in OPS.items():
                for version in order:
                    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                        leftover.unlink(missing_ok=True)
                    shutil.copyfile(args.ledger, copy)
                    with open(copy, "rb+") as f:
                        os.fsync(f.fileno())
                    src = args.before if version == "before" else args.after
                    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOUFANG_")}
                    env.update(
                        PYTHONPATH=str(src),
                        ZOUFANG_TODAY=args.today,
                        ZOUFANG_REAL_CLOCK_FOR_TESTS=args.today,
                        ZOUFANG_OPERATOR="bench",
                        LC_ALL="C.UTF-8",
                    )
                    cmd = [sys.executable, "-m", "zoufang", "--db", str(copy), *argv]
                    start = time.perf_counter()
                    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
                    _, status, usage = os.wait4(proc.pid, 0)
                    wall = time.perf_counter() - start
                    if os.waitstatus_to_exitcode(status) != 0:
                        raise SystemExit(f"{version} {name} failed")
                    cpu = usage.ru_utime + usage.ru_stime
                    samples.setdefault((name, version), []).append((wall, cpu))
    print("| operation | before: wall (CPU) | after: wall (CPU) | after / before (wall) |")
    print("| --- | ---: | ---: | ---: |")
    for name in OPS:
        med = {}
        for version in ("before", "after"):
            walls, cpus = zip(*samples[(name, version)], strict=True)
            med[version] = (statistics.median(walls), statistics.median(cpus))
        b, a = med["before"], med["after"]
        print(
            f"| `{name}` | {b[0]:.3f} s ({b[1]:.3f} s) | {a[0]:.3f} s ({a[1]:.3f} s) "
            f"| {a[0] / b[0]:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

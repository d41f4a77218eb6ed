#!/usr/bin/env python3
"""Two versions of zoufang timed against each other, interleaved, on one county ledger.

    python bench/ab.py BEFORE/bin/zoufang AFTER/bin/zoufang LEDGER.db [--lang zh]

On a shared machine, wall times drift by more than the difference between two versions; run
alternately (before, after, after, before, …) on the same file, each operation's medians
compare fairly. Prints a markdown table: wall and CPU (user + system) medians and the CPU
ratio. `visit log` writes, so it runs on a copy of LEDGER. docs/benchmarks.md records a
sitting (before and after issues 16 and 14).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

OPS: dict[str, tuple[list[str], bool, int]] = {
    # name: (arguments, writes, runs)
    "--help": (["--help"], False, 15),
    "due --days 30 --format json": (["due", "--days", "30", "--format", "json"], False, 9),
    "audit funds --format json": (["audit", "funds", "--format", "json"], False, 5),
    "visit log (one write)": (
        ["visit", "log", "H000123", "--by", "C0001", "--notes", "入户了解情况",
         "--need", "协助办理医保", "--format", "json"],
        True,
        9,
    ),
    "report --format json": (["report", "--format", "json"], False, 5),
    "export --format csv --table visits": (
        ["export", "--format", "csv", "--table", "visits", "--out", "-"], False, 3
    ),
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--today", default="2026-03-01")
    args = parser.parse_args()
    versions = {"before": args.before, "after": args.after}
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "written.db"
        shutil.copyfile(args.ledger, copy)
        for name, (argv, writes, runs) in OPS.items():
            env = {
                **os.environ,
                "ZOUFANG_DB": str(copy if writes else args.ledger),
                "ZOUFANG_TODAY": args.today,
                "ZOUFANG_REAL_CLOCK_FOR_TESTS": args.today,  # writes on that day (zoufang.clock)
                "ZOUFANG_LANG": args.lang,
            }
            for run in range(runs):
                order = list(versions.items())
                for version, exe in order if run % 2 == 0 else reversed(order):
                    started = time.perf_counter()
                    process = subprocess.Popen(
                        [str(exe), *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        env=env,
                    )  # fmt: skip
                    _pid, _status, usage = os.wait4(process.pid, 0)
                    wall = time.perf_counter() - started
                    samples.setdefault((name, version), []).append(
                        (wall, usage.ru_utime + usage.ru_stime)
                    )
    print("| operation | before: wall (CPU) | after: wall (CPU) | after / before (CPU) |")
    print("| --- | ---: | ---: | ---: |")
    for name in OPS:
        cells, cpu = [], {}
        for version in versions:
            rows = samples[(name, version)]
            wall = statistics.median(w for w, _ in rows)
            cpu[version] = statistics.median(c for _, c in rows)
            cells.append(f"{wall:.3f} s ({cpu[version]:.3f} s)")
        print(f"| `{name}` | {cells[0]} | {cells[1]} | {cpu['after'] / cpu['before']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

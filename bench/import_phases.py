"""Run ``zoufang ARGS…`` in-process, printing RSS (now / peak, MiB) after each step of
``zoufang import`` to stderr (docs/benchmarks.md, "Issue 17, continued (streamed workbook)").

    python bench/import_phases.py --db COPY.db import EXPORT.xlsx --format json >out.json

``MEASURE_ALLOW_150827=1`` adds the region code 150827 to the division table in this process
only (the cached county ledger's ID numbers carry it; for measuring, never for a real ledger).
"""

from __future__ import annotations

import functools
import os
import sys
import time

T0 = time.time()


def rss() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) // 1024
    return out


def log(what: str) -> None:
    d = rss()
    print(
        f"[phase] {what:<28} t={time.time() - T0:6.1f}s cpu={time.process_time():6.1f}s "
        f"rss={d['VmRSS']} MiB peak={d['VmHWM']} MiB",
        file=sys.stderr,
        flush=True,
    )


def wrap(obj, name: str, label: str) -> None:
    f = getattr(obj, name)

    @functools.wraps(f)
    def logged(*args, **kwargs):
        result = f(*args, **kwargs)
        log(label)
        return result

    setattr(obj, name, logged)


def main() -> None:
    from zoufang.services import heard_import, history_import, workbook_file, workbook_import

    wrap(workbook_file, "read_workbook", "read_workbook (headers)")
    workbook_import.read_workbook = workbook_file.read_workbook
    for step in (
        "cadres",
        "funds",
        "households_",
        "members",
        "visits_",
        "commitments",
        "ledger",
        "exit_households",
    ):
        wrap(workbook_import._Import, step, step)
    wrap(history_import.HistoryImport, "__init__", "history read")
    wrap(history_import.HistoryImport, "finish", "history finish")
    wrap(heard_import, "import_wishes", "wishes")
    wrap(heard_import, "import_suggestions", "suggestions")
    if os.environ.get("MEASURE_ALLOW_150827"):
        import zoufang.parsing as parsing

        codes = parsing.division_codes() | {"150827"}
        parsing.division_codes = lambda: codes  # type: ignore[assignment]
    log("start")
    from zoufang.cli import main as zoufang

    sys.argv = ["zoufang", *sys.argv[1:]]
    try:
        zoufang()
    finally:
        log("end")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""zoufang at county scale: build a big ledger once, time every operation that must stay fast.

    python bench/run.py                  # build (or reuse) the county ledger, time everything,
                                         # write the results into docs/benchmarks.md
    python bench/run.py --only due,audit --runs 3 --no-write
    python bench/run.py --households 2000 --runs 1 --no-write    # a quick look
    python bench/run.py --writers        # p99 wait for the write lock, 8 writers × 50 writes

The county ledger (``zoufang demo --households 100000 --funds``: ~100,000 households, ~950,000
visits, ~230,000 ledger entries in a valid hash chain) and the 100,000-row rosters are built
once into ``bench/.cache/`` (ignored by git) and rebuilt when the households, the seed, the
schema revision or this script's builder change. Commands that write run on copies; the
cached files stay as built.

Every operation runs as a whole process (the ``zoufang`` console script next to this Python),
several times after a warm-up run; wall time is reported as min / median / max, with the
median CPU time (user + system) and the peak resident memory of the process. Each query is
also run as hand-written SQL in the ``sqlite3`` shell on the same file (``bench/sql/``), the
physical limit to compare with. It is a benchmark, not a test: nothing fails on timings; a
missed target is reported as missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = ROOT / "bench" / "sql"
DEFAULT_CACHE = ROOT / "bench" / ".cache"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
#: Bump when what the builder makes changes, so that caches are rebuilt. 2: a category change
#: for one household in five (issue 13's fact history). 3: the demo's ID numbers carry real
#: GB/T 2260 region codes (the check of 9f72771), so the county's own export imports whole.
BUILDER_VERSION = 3
#: One household in this many has its categories changed once after the demo.
HISTORY_EVERY = 5
TODAY = "2026-03-01"
SEED = 1
HOUSEHOLDS = 100_000


# ---------------------------------------------------------------------------- running


def _load() -> tuple[float, float, float]:
    """The load averages (none on Windows)."""
    return os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)


@dataclass
class Sample:
    wall: float
    cpu: float
    max_rss_kib: int
    code: int


def zoufang_argv() -> list[str]:
    """The installed ``zoufang`` console script beside this Python, else ``python -m``."""
    script = Path(sys.executable).with_name("zoufang")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zoufang"]


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOUFANG_")}
    # The bench ledger is dated TODAY; its writes are on that day by the real clock's test
    # seam (zoufang.clock), not backfills.
    env.update(ZOUFANG_TODAY=TODAY, ZOUFANG_REAL_CLOCK_FOR_TESTS=TODAY)
    env.update(ZOUFANG_OPERATOR="bench", LC_ALL="C.UTF-8")
    return env


def run_once(
    argv: list[str], *, cwd: Path, stdout_path: Path | None = None, ok_codes: tuple[int, ...] = (0,)
) -> Sample:
    """Run one process; wall time, CPU time and peak RSS from wait4()."""
    with tempfile.TemporaryFile() as err, open(stdout_path or os.devnull, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd, env=bench_env()
        )
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            cpu, rss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        else:  # Windows: no rusage of a child; the wall time only
            code = proc.wait()
            wall = time.perf_counter() - start
            cpu, rss = 0.0, 0
        if code not in ok_codes:
            err.seek(0)
            message = err.read().decode(errors="replace").strip()
            raise RuntimeError(f"{' '.join(argv)} exited {code}: {message[-2000:]}")
    return Sample(wall, cpu, rss, code)


def zf(*args: str, cwd: Path, stdout_path: Path | None = None, ok=(0,)) -> Sample:
    return run_once([*zoufang_argv(), *args], cwd=cwd, stdout_path=stdout_path, ok_codes=ok)


# ---------------------------------------------------------------------------- building


@dataclass
class Fixtures:
    """What the operations run on: the county ledger, an empty ledger, the rosters."""

    cache: Path
    county: Path
    empty: Path
    roster_csv: Path
    roster_xlsx: Path
    households: int
    built: dict = field(default_factory=dict)


def schema_revision() -> str:
    from zoufang.db import HEAD_REVISION

    return HEAD_REVISION


def build(
    cache: Path, households: int, *, rebuild: bool = False, log: Callable[[str], None] = print
) -> Fixtures:
    """Build what is missing or stale in ``cache``; return where everything is."""
    cache.mkdir(parents=True, exist_ok=True)
    stem = f"county-{households}"
    fx = Fixtures(
        cache=cache,
        county=cache / f"{stem}.db",
        empty=cache / "empty.db",
        roster_csv=cache / f"roster-{households}.csv",
        roster_xlsx=cache / f"roster-{households}.xlsx",
        households=households,
    )
    meta_path = cache / f"{stem}.json"
    want = {
        "households": households,
        "seed": SEED,
        "today": TODAY,
        "revision": schema_revision(),
        "builder": BUILDER_VERSION,
    }
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    same_demo = all(meta.get(k) == want[k] for k in ("households", "seed", "today"))
    if (
        not rebuild
        and fx.county.exists()
        and same_demo
        and {k: meta.get(k) for k in want} != want
        and meta.get("builder") == BUILDER_VERSION
    ):
        # The same demo under an older schema: migrate a copy (the program upgrades a
        # ledger on open, after a backup) instead of building the whole county again. An
        # older builder's county is built again (builder 2's ID numbers fail today's check).
        meta = _upgrade(fx, meta, want, log)
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        for path in (fx.empty,):  # made by the old schema
            path.unlink(missing_ok=True)
    if rebuild or not fx.county.exists() or {k: meta.get(k) for k in want} != want:
        _remove_all(cache, f"{stem}.db*")
        for path in (fx.empty, *cache.glob("roster-*")):
            path.unlink(missing_ok=True)
        log(f"building the county ledger ({households:,} households, with funds) in {cache} …")
        partial = cache / f"{stem}.building.db"
        _remove_all(cache, f"{stem}.building.db*")
        sample = zf(
            "--db",
            str(partial),
            "demo",
            "--households",
            str(households),
            "--seed",
            str(SEED),
            "--funds",
            cwd=cache,
        )
        history = _add_history(partial, households)
        _checkpoint(partial)
        partial.rename(fx.county)
        counts = _counts(fx.county)
        meta = {
            **want,
            "built_at": dt.datetime.now().isoformat(timespec="seconds"),
            "build_seconds": round(sample.wall, 1),
            "build_peak_rss_mib": round(sample.max_rss_kib / 1024),
            "history_seconds": round(history, 1),
            **counts,
        }
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        log(f"built in {sample.wall:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    fx.built = meta
    if not fx.empty.exists():
        zf("--db", str(fx.empty), "db", "upgrade", cwd=cache)
        _checkpoint(fx.empty)
    if not fx.roster_csv.exists() or not fx.roster_xlsx.exists():
        log(f"writing {households:,}-row rosters …")
        # In a child process: wait4() reports a child's peak memory including what it
        # shared with this process before exec, so this process must stay small.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--write-rosters",
                str(households),
                str(fx.roster_csv),
                str(fx.roster_xlsx),
            ],
            check=True,
        )
    return fx


def _upgrade(fx: Fixtures, meta: dict, want: dict, log: Callable[[str], None]) -> dict:
    """Bring a cached county ledger of an older schema revision up to date: the program's
    own migrations on a copy; the copy replaces
    the cached file only when all of it worked."""
    partial = fx.cache / f"{fx.county.stem}.building.db"
    _remove_all(fx.cache, f"{fx.county.stem}.building.db*")
    log(
        f"upgrading the cached county ledger (revision {meta.get('revision')} → "
        f"{want['revision']}, builder {meta.get('builder')} → {want['builder']}) …"
    )
    _copy(fx.county, partial)
    start = time.perf_counter()
    if meta.get("revision") != want["revision"]:
        zf("--db", str(partial), "db", "upgrade", cwd=fx.cache)
        for path in fx.cache.glob(f"{partial.name}.backup-*"):
            path.unlink()  # the migration's own backup of the copy
    upgraded = time.perf_counter() - start
    _checkpoint(partial)
    _remove_all(fx.cache, f"{fx.county.stem}.db-*")
    partial.rename(fx.county)
    _remove_all(fx.cache, f"{partial.name}*")  # the writers' queue directory
    counts = _counts(fx.county)
    log(f"upgraded in {upgraded:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return {
        **meta,
        **want,
        "upgraded_at": dt.datetime.now().isoformat(timespec="seconds"),
        "upgrade_seconds": round(upgraded, 1),
        **counts,
    }


def _remove_all(directory: Path, pattern: str) -> None:
    """Files and directories (a ledger's writers' queue, db/write_queue.py) matching."""
    for path in directory.glob(pattern):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _add_history(db: Path, households: int) -> float:
    """A category change for one household in :data:`HISTORY_EVERY`, through the program's
    own ``household update --category`` service, in a child process (its memory is not
    this process's). Returns the seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--add-history", str(db), str(households)],
        check=True,
        env=bench_env(),
    )
    return time.perf_counter() - start


def add_history(db: Path, households: int) -> None:
    """Every :data:`HISTORY_EVERY`-th household's categories change once, as
    ``ZOUFANG_TODAY=D zoufang household update CODE --category …`` on a day D halfway
    between its enrolment and the bench's today: a household leaving 低保 (low-income) when
    it has another category, entering it otherwise. Each change is recorded on the day it
    takes effect (not backdated), after the demo's payments (its ``ledger_seq`` is the
    ledger's head)."""
    from sqlalchemy import select

    from zoufang.db import Ledger
    from zoufang.services.households import update_household
    from zoufang.tables import household as _household
    from zoufang.tables import household_category as _category

    today = dt.date.fromisoformat(TODAY)
    ledger = Ledger(str(db))
    with ledger.session(write=True, operator="bench", command="household update") as s:
        rows = s.execute(
            select(_household.c.id, _household.c.code, _household.c.enrolled_on)
            .where(_household.c.id % HISTORY_EVERY == 1)
            .order_by(_household.c.id)
        ).all()
        held: dict[int, list[str]] = {}
        for hid, code in s.execute(select(_category.c.household_id, _category.c.category_code)):
            held.setdefault(hid, []).append(code)
        for hid, code, enrolled in rows:
            enrolled = (
                enrolled if isinstance(enrolled, dt.date) else dt.date.fromisoformat(enrolled)
            )
            day = dt.date.fromordinal((enrolled.toordinal() + today.toordinal()) // 2)
            now = sorted(held.get(hid, []))
            if "low-income" in now:
                new = [c for c in now if c != "low-income"] or ["illness-poverty"]
            else:
                new = [*now, "low-income"]
            update_household(
                session=s, code=code, changes={}, categories=new, effective_from=day, today=day
            )
    ledger.engine.dispose()


def write_rosters(households: int, csv_path: Path, xlsx_path: Path) -> None:
    rows = list(roster_rows(households))
    write_csv(csv_path, rows)
    write_xlsx(xlsx_path, rows)


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the database file: a copy of the file alone is then complete."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("household", "visit", "commitment", "fund", "ledger_entry", "fact_change")
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (t,)).fetchone()
        }
    finally:
        con.close()


ROSTER_HEADERS = [
    "户主",
    "身份证号",
    "村/社区",
    "网格",
    "住址",
    "联系电话",
    "类别",
    "家庭人口",
    "年收入",
    "致困原因",
]
ROSTER_CATEGORIES = [
    "低保户",
    "独居老人",
    "因病致贫特困群众",
    "残疾人",
    "留守儿童",
    "老党员",
    "生活困难党员",
    "低保户、残疾人",
    "独居老人、老党员",
    "老干部",
]


def roster_rows(count: int):
    """``count`` valid, distinct roster rows with Chinese headers, as a county sends them."""
    from zoufang.parsing import id_check_digit
    from zoufang.services import demo_text as words

    surnames = [s for s, _ in words.SURNAMES]
    given = list(words.GIVEN_OLD_MALE) + list(words.GIVEN_OLD_FEMALE)
    first = dt.date(1935, 1, 1).toordinal()
    for i in range(count):
        born = dt.date.fromordinal(first + (i * 7919) % 25_000)
        first17 = f"320123{born:%Y%m%d}{i // 25_000 * 100 + i % 97:03d}"
        village = f"{surnames[i // 40 % len(surnames)]}{'家庄' if i % 3 else '湾'}{i // 4000 + 1}村"
        yield [
            surnames[i * 31 % len(surnames)] + given[i * 17 % len(given)],
            first17 + id_check_digit(first17),
            village,
            f"{village}第{i % 4 + 1}网格",
            f"{village}{i % 9 + 1}组{i % 80 + 1}号",
            f"139{i:08d}",
            ROSTER_CATEGORIES[i % len(ROSTER_CATEGORIES)],
            str(1 + i % 5),
            f"{6000 + i % 40 * 500}",
            "年老体弱，无固定收入",
        ]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ROSTER_HEADERS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, ROSTER_HEADERS)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row, text)
    book.close()


# ---------------------------------------------------------------------------- operations


@dataclass
class Op:
    name: str
    shown: str  # the command as a person types it
    args: Callable[[Fixtures, Path], list[str]]
    target: float | None
    runs: int
    warmup: int = 1
    ok: tuple[int, ...] = (0,)
    prepare: Callable[[Fixtures, Path], None] | None = None  # before each run, untimed
    setup: Callable[[Fixtures, Path], None] | None = None  # once, untimed
    sql: str | None = None  # bench/sql/<name>, run with the sqlite3 shell
    sql_mode: str = "-json"
    needs: str | None = None  # a subcommand that must exist (else skipped with a note)
    memory_target_mib: int | None = None
    note: str = ""


def _remove(directory: Path, pattern: str) -> None:
    for path in directory.glob(pattern):
        path.unlink()


def _copy(src: Path, dst: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    dst.chmod(0o600)
    # On disk before the timed run, as a ledger in use is: else the command's closing WAL
    # checkpoint (an fsync of the file) waits for the whole fresh copy to be written back —
    # 0.9 s of a one-payment write on the county copy, none of it the program's work.
    with open(dst, "rb+") as copied:
        os.fsync(copied.fileno())


OPS = [
    Op("help", "zoufang --help", lambda fx, w: ["--help"], 0.120, runs=20, warmup=3),
    Op(
        "due",
        "zoufang due --days 30 --format json",
        lambda fx, w: ["--db", str(fx.county), "due", "--days", "30", "--format", "json"],
        1.0,
        runs=7,
        sql="due.sql",
    ),
    Op(
        "audit funds",
        "zoufang audit funds --format json",
        lambda fx, w: ["--db", str(fx.county), "audit", "funds", "--format", "json"],
        3.0,
        runs=5,
        ok=(0, 1),
        sql="audit_funds.sql",
        sql_mode="-list",
    ),
    Op(
        "visit log",
        "zoufang visit log H000123 --by C0001 --notes … --need … --format json",
        lambda fx, w: [
            "--db",
            str(w / "county-copy.db"),
            "visit",
            "log",
            "H000123",
            "--by",
            "C0001",
            "--notes",
            "屋顶漏雨，已联系村里维修",
            "--need",
            "修缮屋顶",
            "--format",
            "json",
        ],
        0.6,
        runs=7,
        setup=lambda fx, w: _copy(fx.county, w / "county-copy.db"),
        note="one write on a copy of the county ledger",
    ),
    Op(
        "visit log --cash",
        "zoufang visit log H000126 --by C0001 --notes … --cash 10 --fund LSJZ2026 --format json",
        lambda fx, w: [
            "--db",
            str(w / "county-copy.db"),
            "visit",
            "log",
            "H000126",
            "--by",
            "C0001",
            "--notes",
            "送去临时救助金",
            "--cash",
            "10",
            "--fund",
            "LSJZ2026",
            "--format",
            "json",
        ],
        0.6,
        runs=7,
        prepare=lambda fx, w: _copy(fx.county, w / "county-copy.db"),
        note="a visit and a payment (judged by the facts as of its day) on a fresh copy",
    ),
    Op(
        "fund disburse",
        "zoufang fund disburse LSJZ2026 H000126 10 --by C0001 --format json",
        lambda fx, w: [
            "--db",
            str(w / "county-copy.db"),
            "fund",
            "disburse",
            "LSJZ2026",
            "H000126",
            "10",
            "--by",
            "C0001",
            "--format",
            "json",
        ],
        0.6,
        runs=7,
        prepare=lambda fx, w: _copy(fx.county, w / "county-copy.db"),
        note="one payment on a fresh copy; H000126's categories changed in its history",
    ),
    Op(
        "report",
        "zoufang report --format json",
        lambda fx, w: ["--db", str(fx.county), "report", "--format", "json"],
        3.0,
        runs=5,
        sql="report.sql",
        sql_mode="-list",
        needs="report",
    ),
    Op(
        "export visits",
        "zoufang export --format csv --table visits --out -",
        lambda fx, w: [
            "--db",
            str(fx.county),
            "export",
            "--format",
            "csv",
            "--table",
            "visits",
            "--out",
            "-",
        ],
        20.0,
        runs=3,
        warmup=0,
        sql="export_visits.sql",
        sql_mode="-csv",
        needs="export",
        memory_target_mib=250,
    ),
    Op(
        "enroll csv",
        "zoufang enroll --from roster.csv ({n:,} rows)",
        lambda fx, w: [
            "--db",
            str(w / "enroll.db"),
            "enroll",
            "--from",
            str(fx.roster_csv),
            "--format",
            "json",
        ],
        15.0,
        runs=3,
        warmup=0,
        prepare=lambda fx, w: _copy(fx.empty, w / "enroll.db"),
        needs="enroll",
        note="into an empty ledger",
    ),
    Op(
        "enroll xlsx",
        "zoufang enroll --from roster.xlsx ({n:,} rows)",
        lambda fx, w: [
            "--db",
            str(w / "enroll.db"),
            "enroll",
            "--from",
            str(fx.roster_xlsx),
            "--format",
            "json",
        ],
        25.0,
        runs=3,
        warmup=0,
        prepare=lambda fx, w: _copy(fx.empty, w / "enroll.db"),
        needs="enroll",
        note="into an empty ledger",
    ),
    Op(
        "import",
        "zoufang import county-export.xlsx (the county's own `export --reveal`)",
        lambda fx, w: [
            "--db",
            str(w / "import.db"),
            "import",
            str(county_export(fx)),
            "--format",
            "json",
        ],
        90.0,
        runs=1,
        warmup=0,
        setup=lambda fx, w: county_export(fx) and None,
        prepare=lambda fx, w: _copy(fx.empty, w / "import.db"),
        needs="import",
        memory_target_mib=500,
        note="into an empty ledger; the export is made once (untimed) and cached. Exit 0: "
        "every row of every sheet written, the history sheet included (docs/benchmarks.md, "
        "issue 17)",
    ),
    Op(
        "demo",
        "zoufang demo --households {n}",
        lambda fx, w: ["--db", str(w / "demo.db"), "demo", "--households", str(fx.households)],
        90.0,
        runs=3,
        warmup=0,
        prepare=lambda fx, w: _remove(w, "demo.db*"),
        note="into a new ledger",
    ),
]


def county_export(fx: Fixtures) -> Path:
    """The county ledger's own export (``export --reveal``, xlsx), made once and cached
    beside it (keyed by the ledger's build time, so a rebuilt county gets a new one)."""
    stamp = str(fx.built.get("built_at", "")).replace(":", "").replace("-", "")
    path = fx.cache / f"county-{fx.households}-export-{stamp}.xlsx"
    if not path.exists():
        for old in fx.cache.glob(f"county-{fx.households}-export-*.xlsx"):
            old.unlink()
        partial = path.with_name(path.name + ".partial.xlsx")
        partial.unlink(missing_ok=True)
        zf("--db", str(fx.county), "export", "--out", str(partial), "--reveal", cwd=fx.cache)
        partial.rename(path)
    return path


def _roster_supported() -> bool:
    done = subprocess.run(
        [*zoufang_argv(), "enroll", "--help"], capture_output=True, text=True, env=bench_env()
    )
    return "--from" in done.stdout


def command_exists(name: str) -> bool:
    done = subprocess.run([*zoufang_argv(), name, "--help"], capture_output=True, env=bench_env())
    return done.returncode == 0 and (name != "enroll" or _roster_supported())


@dataclass
class Result:
    op: Op
    samples: list[Sample] = field(default_factory=list)
    sql_samples: list[Sample] = field(default_factory=list)
    skipped: str = ""

    def median(self, samples: list[Sample] | None = None) -> float:
        return statistics.median(s.wall for s in (samples or self.samples))


def time_op(
    op: Op,
    fx: Fixtures,
    work: Path,
    runs: int | None,
    sqlite: str | None,
    log: Callable[[str], None],
) -> Result:
    result = Result(op)
    if op.needs and not command_exists(op.needs):
        result.skipped = f"`zoufang {op.needs}` does not exist yet"
        log(f"  {op.name}: skipped ({result.skipped})")
        return result
    if op.setup:
        op.setup(fx, work)
    n = runs or op.runs
    for i in range(op.warmup + n):
        if op.prepare:
            op.prepare(fx, work)
        sample = zf(*op.args(fx, work), cwd=work, ok=op.ok)
        if i >= op.warmup:
            result.samples.append(sample)
    if op.sql and sqlite:
        script = (SQL / op.sql).read_text()
        until = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=30)).isoformat()
        script = script.replace(":today", f"'{TODAY}'").replace(":until", f"'{until}'")
        script_path = work / op.sql
        script_path.write_text(script)
        argv = [sqlite, "-readonly", op.sql_mode, str(fx.county), f".read {script_path}"]
        for i in range(op.warmup + n):
            sample = run_once(argv, cwd=work)
            if i >= op.warmup:
                result.sql_samples.append(sample)
    log("  " + line_for(result))
    return result


def line_for(r: Result) -> str:
    walls = [s.wall for s in r.samples]
    text = (
        f"{r.op.name}: median {r.median():.3f} s (min {min(walls):.3f}, max {max(walls):.3f},"
        f" {len(walls)} runs), peak {max(s.max_rss_kib for s in r.samples) / 1024:.0f} MiB"
    )
    if r.sql_samples:
        text += f"; sqlite3 {r.median(r.sql_samples):.3f} s, ratio {ratio(r):.1f}×"
    if r.op.target is not None:
        text += f"; target ≤ {r.op.target:g} s: {'met' if met(r) else 'MISSED'}"
    return text


def ratio(r: Result) -> float:
    return r.median() / r.median(r.sql_samples)


def met(r: Result) -> bool:
    ok = r.op.target is None or r.median() <= r.op.target
    if r.op.memory_target_mib is not None:
        ok = ok and max(s.max_rss_kib for s in r.samples) / 1024 <= r.op.memory_target_mib
    if r.op.name == "due" and r.sql_samples:
        ok = ok and ratio(r) <= 3.0
    return ok


# ---------------------------------------------------------------------------- reporting


def machine() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in cpu.splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "unknown"
    info["cores"] = str(os.cpu_count())
    try:
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        info["ram"] = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        info["ram"] = "unknown"
    info["os"] = platform.platform()
    info["python"] = platform.python_version()
    info["sqlite"] = sqlite3.sqlite_version
    sqlite = shutil.which("sqlite3")
    if sqlite:
        info["sqlite3 shell"] = subprocess.run(
            [sqlite, "--version"], capture_output=True, text=True
        ).stdout.split()[0]
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    info["zoufang"] = commit or "unknown"
    info["date"] = dt.date.today().isoformat()
    return info


def markdown(
    results: list[Result],
    fx: Fixtures,
    info: dict[str, str],
    load: tuple[tuple[float, ...], tuple[float, ...]],
    command: str,
) -> str:
    b = fx.built
    lines = [
        f"Measured with `{command}` on {info['date']}.",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}",
        f"- Python {info['python']}, SQLite {info['sqlite']} (sqlite3 shell "
        f"{info.get('sqlite3 shell', 'not installed')}), zoufang {info['zoufang']}",
        f"- Load average (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in load[0])}; "
        f"after: {' / '.join(f'{x:.2f}' for x in load[1])} — the machine is shared, so "
        "medians are the figure to read",
        f"- Ledger: {b.get('household', 0):,} households, {b.get('visit', 0):,} visits, "
        f"{b.get('commitment', 0):,} commitments, {b.get('ledger_entry', 0):,} ledger entries "
        f"in {b.get('fund', 0)} funds (`zoufang demo --households {fx.households} --funds`, "
        f"built in {b.get('build_seconds', '?')} s), {b.get('fact_change', 0):,} fact changes "
        f"(a category change for one household in {HISTORY_EVERY}); `--today {TODAY}`",
        "",
        "| operation | target | median | min | max | CPU (median) | peak RSS | sqlite3 | ratio "
        "| met |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        target = (
            "—"
            if r.op.target is None
            else (f"≤ {r.op.target * 1000:.0f} ms" if r.op.target < 1 else f"≤ {r.op.target:g} s")
        )
        if r.op.memory_target_mib:
            target += f", ≤ {r.op.memory_target_mib} MB"
        if r.op.name == "due":
            target += ", ≤ 3× sqlite3"
        name = f"`{r.op.shown.format(n=fx.households)}`" + (f" ({r.op.note})" if r.op.note else "")
        if r.skipped:
            lines.append(f"| {name} | {target} | skipped: {r.skipped} | | | | | | | |")
            continue
        walls = [s.wall for s in r.samples]
        sql = f"{_secs(r.median(r.sql_samples))}" if r.sql_samples else "—"
        rat = f"{ratio(r):.1f}×" if r.sql_samples else "—"
        lines.append(
            f"| {name} | {target} | **{_secs(r.median())}** | {_secs(min(walls))} | "
            f"{_secs(max(walls))} | {_secs(statistics.median(s.cpu for s in r.samples))} | "
            f"{max(s.max_rss_kib for s in r.samples) / 1024:.0f} MiB | {sql} | {rat} | "
            f"{'yes' if met(r) else '**no**'} ({len(walls)} runs) |"
        )
    return "\n".join(lines)


def _secs(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else (f"# Benchmarks\n\n{BEGIN}\n{END}\n")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{section}\n{END}{tail}")


# ---------------------------------------------------------------------------- main


def compile_package() -> None:
    """Installed wheels ship bytecode; an editable checkout may not have it yet (or run with
    PYTHONDONTWRITEBYTECODE): compile once so start-up is measured as people get it."""
    import compileall

    import zoufang

    compileall.compile_dir(Path(zoufang.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=HOUSEHOLDS)
    parser.add_argument(
        "--runs",
        type=int,
        help="timed runs of every operation (default: "
        "20 for --help, 7 or 5 for queries, 3 for bulk operations)",
    )
    parser.add_argument(
        "--only", help="comma-separated operation names (" + ", ".join(op.name for op in OPS) + ")"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached ledger")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {DOC.name}")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument(
        "--writers",
        action="store_true",
        help="only the waiting writers: p99 wait for the write lock under 8 processes × 50 "
        "mixed writes (bench/writers.py; target ≤ 5 s)",
    )
    args = parser.parse_args(argv)
    if args.writers:
        import json

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import writers

        result = writers.run(None, 8, 50)
        print(json.dumps(result, indent=1, ensure_ascii=False))
        state = "met" if result["met"] else "MISSED"
        print(
            f"p99 wait under 8 writers: {result['wait_p99_s']:.2f} s "
            f"(target ≤ {writers.TARGET_P99_WAIT:.0f} s, {state})"
        )
        return 0

    compile_package()
    fx = build(args.cache, args.households, rebuild=args.rebuild)
    wanted = {n.strip() for n in args.only.split(",")} if args.only else None
    ops = [op for op in OPS if wanted is None or op.name in wanted]
    if wanted and (unknown := wanted - {op.name for op in ops}):
        parser.error(f"unknown operation(s): {', '.join(sorted(unknown))}")
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        print("note: no sqlite3 shell on PATH; the SQL comparison is skipped", file=sys.stderr)
    load_before = _load()
    results = []
    with tempfile.TemporaryDirectory(prefix="zoufang-bench-") as tmp:
        work = Path(tmp)
        for op in ops:
            if args.no_warmup:
                op.warmup = 0
            print(f"timing {op.name} …", flush=True)
            results.append(time_op(op, fx, work, args.runs, sqlite, print))
    info = machine()
    command = shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    section = markdown(results, fx, info, (load_before, _load()), command)
    print()
    print(section)
    if not args.no_write:
        write_doc(section)
        print(f"\nwritten to {DOC}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-rosters"]:
        write_rosters(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        sys.exit(0)
    if sys.argv[1:2] == ["--add-history"]:
        add_history(Path(sys.argv[2]), int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main())

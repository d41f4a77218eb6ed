"""What the test modules share: the test date, the CLI's result and the checks on it, raw
reads of a ledger, the seeded fund and county, subprocess runners, readiness waits, and
whether the PostgreSQL server is there.

Test modules import from here (``from helpers import TODAY, ok``), never from conftest;
fixtures live in conftest.py, which builds them from these helpers. Raw SQL on either
backend is :mod:`rawdb`; the funds tests' rule scenarios and tampering are :mod:`fundkit`.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

import rawdb

#: The date every test runs on (ZOUFANG_TODAY); the village is enrolled on it.
TODAY = "2026-11-23"
#: The fund of the ``funded`` fixture: veteran members, low-income and elderly-alone
#: households, 1,000.00 a household, open in 2026; 5,000.00 allocated (entry 1).
FUND = "CJ2026"
#: The fund of :func:`seed_county`.
COUNTY_FUND = "FEST"
WORKLOAD = Path(__file__).with_name("workload.py")


def valid_id(first17: str) -> str:
    """Complete 17 digits with their GB 11643 check character."""
    from zoufang.parsing import id_check_digit

    return first17 + id_check_digit(first17)


# ---------------------------------------------------------------------------- the CLI


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


#: The real clock's test seam (zoufang.clock): the suite's fixed "real" clock.
REAL_CLOCK = "ZOUFANG_REAL_CLOCK_FOR_TESTS"


def cli_env(ledger) -> dict[str, str]:
    """The environment that points the CLI at ``ledger``, on the test date, as "tester"; the
    real clock (zoufang.clock's test seam) says the same day, so writes are not backfills."""
    return {
        "ZOUFANG_DB": str(ledger),
        "ZOUFANG_TODAY": TODAY,
        REAL_CLOCK: TODAY,
        "ZOUFANG_OPERATOR": "tester",
    }


def _following_clock(args: list[str], env: dict | None) -> dict | None:
    """The tests written before the real clock move "today" with --today or ZOUFANG_TODAY
    and write on that day. While the real clock is the suite's default (TODAY), it follows that
    day, so those tests still write on "the real
    date". A test about the real clock sets REAL_CLOCK to another day (or passes it in
    ``env``), and then it stays put."""
    clock = (env or {}).get(REAL_CLOCK) or os.environ.get(REAL_CLOCK)
    if clock != TODAY:
        return env
    day = (env or {}).get("ZOUFANG_TODAY") or os.environ.get("ZOUFANG_TODAY")
    for i, arg in enumerate(args[:-1]):
        if arg == "--today":
            day = args[i + 1]
    if not day or day == TODAY:
        return env
    try:
        import datetime as dt

        dt.date.fromisoformat(day)
    except ValueError:  # a test of a bad --today: nothing to follow
        return env
    return {**(env or {}), REAL_CLOCK: day}


def invoke(*args, input: str | None = None, env: dict | None = None) -> Result:
    """Run the real CLI (the Click group the ``zoufang`` script runs) with Typer's CliRunner,
    stdout and stderr kept apart; an exception other than an exit is re-raised."""
    from typer.testing import CliRunner

    from zoufang.cli import app

    argv = [str(a) for a in args]
    result = CliRunner().invoke(app, argv, input=input, env=_following_clock(argv, env))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def ok(result):
    """``result`` of a command that must succeed."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def error_line(result, starts: str = "error: ") -> str:
    """The one line a failed command prints on stderr, which starts with ``starts``; nothing
    on stdout, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(starts), lines[0]
    assert result.stdout == "", result.stdout
    return lines[0]


def refused(zf, snapshot_db, *args, code: int, starts: str) -> str:
    """Run a command that must fail: exit ``code``, one ``error: FIELD: …`` line, no change."""
    before = snapshot_db()
    result = zf(*args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    line = error_line(result, "error: " + starts)
    assert snapshot_db() == before
    return line


# ---------------------------------------------------------------------------- what is stored


def connect_named(ledger):
    """A raw connection (:func:`rawdb.connect`) whose rows are also read by column name."""
    con = rawdb.connect(ledger)
    con.row_factory = sqlite3.Row
    return con


def dict_rows(ledger, sql: str, *params) -> list[dict]:
    """The rows of one statement (``?`` placeholders) as dicts, on either backend."""
    con = connect_named(ledger)
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def _comparable(table: str, value):
    """A value as both backends give it back: booleans as 0/1; the change trail's JSON
    (PostgreSQL's jsonb comes back as a dict, SQLite's JSON as text) as sorted JSON text."""
    if isinstance(value, bool):
        return int(value)
    if table == "change_trail" and isinstance(value, str) and value[:1] in "{[":
        value = json.loads(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def all_rows(ledger) -> dict[str, list[tuple]]:
    """Every row of every table, booleans as 0/1 (SQLite's form), sorted: to prove that a
    refusal wrote nothing, or that a copy is whole."""
    con = rawdb.connect(ledger)
    try:
        return {
            table: sorted(
                (
                    tuple(_comparable(table, v) for v in row)
                    for row in con.execute(f'SELECT * FROM "{table}"')
                ),
                key=repr,
            )
            for table in rawdb.table_names(ledger)
        }
    finally:
        con.close()


def audit_rows(ledger, where: str = "1=1") -> list[dict]:
    """The audit log (``audit_log``), oldest first."""
    return dict_rows(ledger, f"SELECT * FROM audit_log WHERE {where} ORDER BY id")


def log_rows(ledger) -> list[tuple]:
    """What ``remind`` recorded as told: (recipient, item_key, level, channel, sent_on)."""
    return sorted(
        rawdb.query(ledger, "SELECT recipient, item_key, level, channel, sent_on FROM reminder_log")
    )


def ledger_from(template, name: str, directory: Path):
    """A new ledger copied from the migrated ``template`` (a file, or a PostgreSQL template
    database); throw it away with :func:`discard`."""
    if isinstance(template, rawdb.PgLedger):
        return rawdb.create_database(f"{template.name}_{name}", template=template.name)
    path = directory / f"{name}.db"
    shutil.copyfile(template, path)
    path.chmod(0o600)
    return path


def discard(ledger) -> None:
    """Drop a PostgreSQL ledger (a file goes with its temporary directory)."""
    if isinstance(ledger, rawdb.PgLedger):
        rawdb.drop_database(ledger.name)


# ---------------------------------------------------------------------------- settings

#: Settings that reach zoufang from the environment of whoever runs the tests.
SETTINGS_PREFIXES = ("ZOUFANG_SMTP_", "ZOUFANG_WEBHOOK_", "ZOUFANG_REMIND_")
PROXIES = ("http_proxy", "https_proxy", "all_proxy")


def isolate_settings(monkeypatch, config_home: Path) -> None:
    """No config file, mail or webhook setting or proxy of the developer's leaks into a test;
    each test sets what it needs. Loopback is never proxied."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.delenv("ZOUFANG_CONFIG", raising=False)
    for name in list(os.environ):
        if name.startswith(SETTINGS_PREFIXES) or name.lower() in PROXIES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


# ---------------------------------------------------------------------------- seeded ledgers


def create_fund(
    zf,
    code: str,
    *,
    name: str,
    categories: Iterable[str],
    cap: str | None = None,
    period: tuple[str, str] | None = None,
    source: str | None = None,
    allocate: str | None = None,
    on: str | None = None,
    memo: str | None = None,
) -> str:
    """``fund create`` through the CLI, then ``fund allocate`` of ``allocate`` (yuan) if given."""
    args = ["fund", "create", code, "--name", name]
    for category in categories:
        args += ["--category", category]
    if cap is not None:
        args += ["--cap", cap]
    if period is not None:
        args += ["--from", period[0], "--to", period[1]]
    if source is not None:
        args += ["--source", source]
    ok(zf(*args))
    if allocate is not None:
        args = ["fund", "allocate", code, allocate]
        if on is not None:
            args += ["--date", on]
        if memo is not None:
            args += ["--memo", memo]
        ok(zf(*args))
    return code


def seed_fund(zf) -> str:
    """Fund :data:`FUND` on the village, 5,000.00 allocated on 2026-11-01 (entry 1)."""
    return create_fund(
        zf,
        FUND,
        name="2026年春节慰问金",
        categories=["veteran-member", "low-income", "elderly-alone"],
        cap="1,000",
        period=("2026-01-01", "2026-12-31"),
        source="市委组织部代管党费",
        allocate="5,000",
        on="2026-11-01",
        memo="组通字〔2026〕1号",
    )


def seed_county(ledger, *, cadres: int, households: int, allocated_fen: int) -> str:
    """Cadres C0001… (干部1…), low-income households H000001… in 红星村 and fund
    :data:`COUNTY_FUND` holding ``allocated_fen``, written through the services in one
    transaction (the CLI would take minutes for a county); returns the fund's code."""
    import datetime as dt

    from zoufang.db import Ledger
    from zoufang.services.cadres import add_cadre
    from zoufang.services.funds import FundIn, allocate, create_fund
    from zoufang.services.households import HouseholdIn, enroll

    today = dt.date.fromisoformat(TODAY)
    opened = Ledger(str(ledger))
    try:
        with opened.session(write=True, operator="setup", command="test") as s:
            for i in range(cadres):
                add_cadre(session=s, name=f"干部{i + 1}")
            for n in range(households):
                enroll(
                    session=s,
                    today=today,
                    data=HouseholdIn(
                        name=f"户主{n + 1}",
                        id_number=valid_id(f"11010119500101{n:03d}"),
                        village="红星村",
                        categories=["low-income"],
                    ),
                )
            create_fund(
                session=s,
                today=today,
                data=FundIn(code=COUNTY_FUND, name="春节慰问金", categories=["low-income"]),
            )
            allocate(session=s, code=COUNTY_FUND, amount_fen=allocated_fen, on=today, memo="拨款")
    finally:
        opened.engine.dispose()
    return COUNTY_FUND


# ---------------------------------------------------------------------------- processes


def _process_env(args=()) -> dict[str, str]:
    follow = _following_clock([str(a) for a in args], None) or {}
    return {**os.environ, "PYTHONIOENCODING": "utf-8", **follow}


def zoufang(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """``python -m zoufang ARGS`` in its own process, on the test's ledger (ZOUFANG_DB)."""
    return subprocess.run(
        [sys.executable, "-m", "zoufang", *map(str, args)],
        capture_output=True,
        text=True,
        env=_process_env(args),
        timeout=300,
        **kwargs,
    )


def start_zoufang(*args: str, **kwargs) -> subprocess.Popen:
    """``python -m zoufang ARGS`` started and left running; stdout and stderr are pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", "zoufang", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_process_env(args),
        **kwargs,
    )


def start_workload(operations: list[list[str]], ops_file: Path) -> subprocess.Popen:
    """:mod:`workload` running ``operations`` one after another in one process; it writes
    one JSON line to stdout as each command returns (text mode)."""
    ops_file.write_text(json.dumps(operations, ensure_ascii=False), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(WORKLOAD), str(ops_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_process_env(),
    )


class Lines:
    """A process's output read line by line in a thread, so that a test can wait for the
    line the process writes when it got somewhere (:meth:`wait_for`)."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, count: int, *, timeout: float = 120) -> list[str]:
        """Return once ``count`` lines have arrived; fail if the output ends first or (a
        bound for a hung process, not a timing) nothing comes for ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.lines) >= count or self._ended, timeout)
            assert len(self.lines) >= count, (
                f"{len(self.lines)} of {count} lines, and the output "
                + ("ended" if self._ended else f"stalled for {timeout} s")
            )
            return list(self.lines)

    def close(self, timeout: float = 60) -> list[str]:
        """Every line, once the output has ended."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the output did not end within {timeout} s"
        return list(self.lines)


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = 120) -> None:
    """Poll ``condition`` (state that sends no signal, such as a lock another process holds)
    until it holds; ``timeout`` only bounds a hang, it is not a guess at a duration."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.01)


# ---------------------------------------------------------------------------- PostgreSQL


def postgresql_required() -> bool:
    """The PostgreSQL run, or a server named by ZOUFANG_TEST_PG_URL: then it must be there."""
    return rawdb.ON_POSTGRESQL or bool(os.environ.get("ZOUFANG_TEST_PG_URL", "").strip())


@functools.cache
def postgresql_unreachable() -> str | None:
    """Why the server at :data:`rawdb.PG_URL` cannot be used, or None when it can."""
    try:
        import psycopg

        psycopg.connect(rawdb.libpq_url(rawdb.PG_URL), connect_timeout=5).close()
    except Exception as exc:  # any reason at all is a reason to name
        return f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}"
    return None


def need_postgresql(what: str) -> None:
    """Make sure the PostgreSQL server is there for ``what``: when it is not, fail on the
    PostgreSQL run or when ZOUFANG_TEST_PG_URL names a server; skip, saying why, when a
    developer runs SQLite only (neither is set)."""
    why = postgresql_unreachable()
    if why is None:
        return
    where = f"{what} needs the PostgreSQL server at {rawdb.PG_URL}, which cannot be reached"
    if postgresql_required():
        pytest.fail(
            f"{where} ({why}); start one with `bash scripts/pg.sh start`, or fix "
            "ZOUFANG_TEST_PG_URL",
            pytrace=False,
        )
    pytest.skip(
        f"{where}: neither ZOUFANG_TEST_BACKEND=postgresql nor ZOUFANG_TEST_PG_URL is set; "
        "set one (and start `bash scripts/pg.sh start`) to run it"
    )


# ---------------------------------------------------------------------------- Chinese screens

#: English a Chinese screen may show: the product's name and the names of formats, protocols
#: and databases. Codes people type (`--kind routine`) are added by each test.
ENGLISH_ALLOWED = frozenset(
    "zoufang url json csv xlsx html pdf markdown sqlite postgresql smtp".split()
)
#: What separates words on a Chinese screen besides spaces: Chinese characters and
#: full-width or Chinese punctuation (、，。：；（）“”‘’…—).
_CHINESE = "\u2e80-\uffef\u2018-\u201f\u2014\u2026"


def english_words(text: str, allowed: Iterable[str] = ENGLISH_ALLOWED) -> list[str]:
    """The English words left in ``text`` (runs of three or more ASCII letters), in order,
    apart from ``allowed`` (any case) and what is never translated: option names
    (``--id-number``), `quoted commands`, environment variables (``ZOUFANG_DB``), codes with
    digits (``H000001``), hyphenated codes (``in-progress``), file names, paths and URLs
    (``docs/rosters.md``, ``postgresql+psycopg://…``) and choices (``<zh|en>``)."""
    import re

    known = {word.lower() for word in allowed}
    found = []
    for token in re.split(rf"[\s{_CHINESE}]+", re.sub(r"`[^`]*`", " ", text)):
        token = token.strip("()[]{}<>,.;:!?'\"")
        if not token or token.startswith("-") or re.search(r"[\d_/.:@+|=<>\\-]", token):
            continue
        found += [w for w in re.findall(r"[A-Za-z]{3,}", token) if w.lower() not in known]
    return found

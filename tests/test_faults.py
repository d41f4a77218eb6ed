"""Faults: kill -9 in the middle of a write, a full or read-only filesystem, a backup taken
while cadres write. Each ends with the ledger as it was before the interrupted command or
as after it — never in between — and `db check` and `audit funds` clean.

The kill tests wait until the command holds the ledger's write lock (SQLite: another writer
cannot BEGIN IMMEDIATE; PostgreSQL: the advisory lock of zoufang.db.PG_WRITE_LOCK is
granted), so the kill lands inside the write transaction, not before or after it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import rawdb
from conftest import TODAY, valid_id

WORKLOAD = Path(__file__).with_name("workload.py")


def zoufang(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "zoufang", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kwargs,
    )


def writer_active(ledger) -> bool:
    """Is some process inside a write transaction on the ledger right now?"""
    if isinstance(ledger, rawdb.PgLedger):
        from zoufang.db import PG_WRITE_LOCK

        return (
            rawdb.query(
                ledger,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND objid = ?",
                PG_WRITE_LOCK,
            )[0][0]
            > 0
        )
    con = sqlite3.connect(ledger, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    finally:
        con.close()


def kill_while_writing(proc: subprocess.Popen, ledger, *, settle: float = 0.2) -> None:
    """SIGKILL ``proc`` while it is inside a write transaction (fail if it never gets there).

    The transaction is seen, ``settle`` seconds pass, and it must still be open at the kill.
    A run of short transactions (one per payment) may commit one in the meantime: then wait
    for the next, rather than fail on a race of the test's own making."""
    deadline = time.monotonic() + 120
    while True:
        while not writer_active(ledger):
            assert proc.poll() is None, "the command finished before it could be killed"
            assert time.monotonic() < deadline, "the command never began writing"
            time.sleep(0.01)
        time.sleep(settle)
        assert proc.poll() is None, "the command finished before it could be killed"
        if writer_active(ledger):
            break
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL


def assert_clean(*db: str) -> dict:
    """`db check` and `audit funds` pass; returns the audit report."""
    check = zoufang(*db, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    audit = zoufang(*db, "audit", "funds", "--format", "json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert {f["check"] for f in report["findings"]} <= {"no-visit"}, report["findings"]
    return report


def write_roster(path: Path, rows: int) -> Path:
    """A roster of ``rows`` low-income households with valid, unique ID numbers."""
    from zoufang.parsing import id_check_digit

    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["户主姓名", "身份证号码", "村/社区", "人员类别"])
        for i in range(rows):
            born = dt.date(1940, 1, 1) + dt.timedelta(days=i // 500)
            first17 = f"130101{born:%Y%m%d}{i % 500:03d}"
            out.writerow([f"户主{i}", first17 + id_check_digit(first17), "红星村", "低保户"])
    return path


def count(ledger, table: str) -> int:
    return rawdb.query(ledger, f"SELECT count(*) FROM {table}")[0][0]


# ---------------------------------------------------------------------------- kill -9


@pytest.mark.slow
def test_kill_during_a_bulk_import_leaves_the_ledger_as_before(
    zf, village, ledger_path, tmp_path, snapshot_db
):
    roster = write_roster(tmp_path / "roster.csv", 20_000)
    before = snapshot_db()
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoufang", "enroll", "--from", str(roster), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    kill_while_writing(proc, ledger_path)
    # all or nothing: the killed import left no household behind
    assert snapshot_db() == before
    assert_clean()
    # and the ledger takes the same import afterwards
    again = zf("enroll", "--from", roster, "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert count(ledger_path, "household") == 3 + 20_000
    assert_clean()


@pytest.mark.slow
def test_kill_during_a_payment_run_leaves_each_payment_all_or_nothing(ledger_path, tmp_path):
    """A run of 200 payments killed mid-way: every payment that returned is stored, the one
    in flight is either wholly there or wholly absent, and the chain and balance agree."""
    from zoufang.db import Ledger
    from zoufang.services.cadres import add_cadre
    from zoufang.services.funds import FundIn, allocate, create_fund
    from zoufang.services.households import HouseholdIn, enroll

    today = dt.date.fromisoformat(TODAY)
    ledger = Ledger(str(ledger_path))
    with ledger.session(write=True, operator="setup", command="test") as s:
        add_cadre(session=s, name="王会计")
        for n in range(200):
            enroll(
                session=s,
                today=today,
                data=HouseholdIn(
                    name=f"户主{n}",
                    id_number=valid_id(f"11010119500101{n:03d}"),
                    village="红星村",
                    categories=["low-income"],
                ),
            )
        create_fund(
            session=s,
            today=today,
            data=FundIn(code="FEST", name="春节慰问金", categories=["low-income"]),
        )
        allocate(session=s, code="FEST", amount_fen=10_000_000, on=today)
    ledger.engine.dispose()

    ops = [
        [
            "visit",
            "log",
            f"H{n + 1:06d}",
            "--by",
            "C0001",
            "--cash",
            "100",
            "--fund",
            "FEST",
            "--format",
            "json",
        ]
        for n in range(200)
    ]
    ops_file = tmp_path / "ops.json"
    ops_file.write_text(json.dumps(ops))
    proc = subprocess.Popen(
        [sys.executable, str(WORKLOAD), str(ops_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while len(lines) < 5:  # let some payments through first
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    kill_while_writing(proc, ledger_path, settle=0.0)
    reader.join(30)
    returned = [json.loads(line) for line in lines]
    assert len(returned) >= 5 and all(r["code"] == 0 for r in returned), returned[-1:]
    assert len(returned) < 200

    paid = count(ledger_path, "ledger_entry") - 1
    assert paid in (len(returned), len(returned) + 1)  # as before or as after the last one
    assert count(ledger_path, "visit") == paid  # a visit with its payment, or neither
    report = assert_clean()
    assert report["entries_checked"] == paid + 1
    listed = json.loads(zoufang("fund", "list", "--format", "json").stdout)
    assert listed[0]["balance"] == f"{100_000 - 100 * paid:.2f}"


# ---------------------------------------------------------------------------- filesystems


@pytest.fixture
def small_filesystem(tmp_path):
    """A 1 MiB tmpfs mounted at a fresh directory (root only), unmounted afterwards."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.strip()}); "
            "test_write_beyond_the_file_size_limit covers a full disk"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.mark.sqlite_only
def test_full_filesystem_refuses_clearly_and_writes_nothing(
    small_filesystem, village, ledger_path, tmp_path
):
    ledger = small_filesystem / "ledger.db"
    rawdb.clone(ledger_path, ledger)
    db = ("--db", str(ledger))
    before = rawdb.query(ledger, "SELECT count(*) FROM household")
    roster = write_roster(tmp_path / "roster.csv", 20_000)
    result = zoufang(*db, "enroll", "--from", str(roster))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == (
        "error: --db: cannot write the ledger (database or disk is full); nothing was written"
    )
    assert rawdb.query(ledger, "SELECT count(*) FROM household") == before
    assert_clean(*db)


@pytest.mark.sqlite_only
def test_write_beyond_the_file_size_limit_refuses_clearly(
    village, ledger_path, tmp_path, snapshot_db
):
    """The full disk without a mount: RLIMIT_FSIZE makes every write past 256 KiB fail."""
    roster = write_roster(tmp_path / "roster.csv", 5_000)
    before = snapshot_db()

    def limit_file_size():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))

    result = zoufang("enroll", "--from", str(roster), preexec_fn=limit_file_size)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --db: cannot write the ledger ("), (
        result.stderr
    )
    assert lines[0].endswith("nothing was written")
    assert snapshot_db() == before
    assert_clean()


@pytest.mark.sqlite_only
def test_read_only_filesystem_refuses_writes_clearly(small_filesystem, village, ledger_path):
    ledger = small_filesystem / "ledger.db"
    rawdb.clone(ledger_path, ledger)
    con = sqlite3.connect(ledger)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for side in ("-wal", "-shm"):
        Path(f"{ledger}{side}").unlink(missing_ok=True)
    before = rawdb.query(ledger, "SELECT code, name FROM cadre ORDER BY code")
    remount = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_filesystem)], capture_output=True, text=True
    )
    assert remount.returncode == 0, remount.stderr
    result = zoufang("--db", str(ledger), "cadre", "add", "--name", "赵六")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --db: "), result.stderr
    assert "Traceback" not in result.stderr
    subprocess.run(["mount", "-o", "remount,rw", str(small_filesystem)], check=True)
    assert rawdb.query(ledger, "SELECT code, name FROM cadre ORDER BY code") == before
    assert_clean("--db", str(ledger))


# ---------------------------------------------------------------------------- backups


@pytest.mark.slow
def test_backup_while_cadres_write_is_consistent(ledger_path, tmp_path):
    """Three processes pay while `db backup` runs three times: each backup passes `db check`
    and `audit funds`, and its chain is the start of the final chain."""
    from zoufang.db import Ledger
    from zoufang.services.cadres import add_cadre
    from zoufang.services.funds import FundIn, allocate, create_fund
    from zoufang.services.households import HouseholdIn, enroll

    today = dt.date.fromisoformat(TODAY)
    ledger = Ledger(str(ledger_path))
    with ledger.session(write=True, operator="setup", command="test") as s:
        add_cadre(session=s, name="王会计")
        for n in range(180):
            enroll(
                session=s,
                today=today,
                data=HouseholdIn(
                    name=f"户主{n}",
                    id_number=valid_id(f"11010119500101{n:03d}"),
                    village="红星村",
                    categories=["low-income"],
                ),
            )
        create_fund(
            session=s,
            today=today,
            data=FundIn(code="FEST", name="春节慰问金", categories=["low-income"]),
        )
        allocate(session=s, code="FEST", amount_fen=10_000_000, on=today)
    ledger.engine.dispose()

    procs = []
    for w in range(3):
        ops = [
            [
                "visit",
                "log",
                f"H{w * 60 + n + 1:06d}",
                "--by",
                "C0001",
                "--cash",
                "100",
                "--fund",
                "FEST",
                "--format",
                "json",
            ]
            for n in range(60)
        ]
        ops_file = tmp_path / f"ops-{w}.json"
        ops_file.write_text(json.dumps(ops))
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKLOAD), str(ops_file)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ},
            )
        )
    backups = []
    time.sleep(0.5)
    for i in range(3):
        target = tmp_path / f"backup-{i}.db"
        made = zoufang("db", "backup", str(target))
        assert made.returncode == 0, made.stderr
        backups.append(target)
        time.sleep(0.3)
    running_during = [p.poll() is None for p in procs]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert all(json.loads(line)["code"] == 0 for line in out.splitlines())
    assert any(running_during), "the writers finished before the backups; nothing was proved"

    final = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
    assert len(final) == 1 + 180
    for backup in backups:
        report = assert_clean("--db", str(backup))
        copied = rawdb.query(backup, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
        assert copied == final[: len(copied)]  # a moment of the ledger, not a mixture
        assert report["head"] == {"seq": copied[-1][0], "hash": copied[-1][1]}
        assert count(backup, "visit") == len(copied) - 1  # visits and payments together

"""Faults: kill -9 in the middle of a write, a full or read-only filesystem, a backup taken
while cadres write. Each ends with the ledger as it was before the interrupted command or
as after it — never in between — and `db check` and `audit funds` clean.

The kill tests wait until the command holds the ledger's write lock (SQLite: another writer
cannot BEGIN IMMEDIATE; PostgreSQL: the EXCLUSIVE lock zoufang_write_lock() takes on
alembic_version, or the advisory lock of zoufang.db.PG_WRITE_LOCK, is granted), so the kill lands inside the write transaction, not before or after it. Work
that runs in :mod:`workload` is waited for by the JSON line it writes as each command
returns, not by the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

import rawdb
from helpers import (
    Lines,
    error_line,
    seed_county,
    start_workload,
    start_zoufang,
    wait_until,
    zoufang,
)


def writer_active(ledger) -> bool:
    """Is some process inside a write transaction on the ledger right now?"""
    if isinstance(ledger, rawdb.PgLedger):
        from zoufang.db import PG_WRITE_LOCK

        return (
            rawdb.query(
                ledger,
                "SELECT count(*) FROM pg_locks WHERE granted AND ("
                "(locktype = 'advisory' AND objid = ?) OR (locktype = 'relation' "
                "AND mode = 'ExclusiveLock' AND relation = 'alembic_version'::regclass))",
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
    while True:
        # the lock is the only sign a process gives of being inside its transaction
        wait_until(
            lambda: writer_active(ledger) or proc.poll() is not None,
            what="the command to begin writing",
        )
        assert proc.poll() is None, "the command finished before it could be killed"
        # This pause is what the test is about, not a wait for readiness: the kill lands some
        # way into the transaction (rows written, none committed), not at its BEGIN. The
        # result does not hang on its length: the transaction must still be open at the kill.
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
            out.writerow(
                [
                    "户主" + "".join("甲乙丙丁戊己庚辛壬癸"[int(d)] for d in str(i)),
                    first17 + id_check_digit(first17),
                    "红星村",
                    "低保户",
                ]
            )
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
    proc = start_zoufang("enroll", "--from", roster, "--format", "json")
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
    fund = seed_county(ledger_path, cadres=1, households=200, allocated_fen=10_000_000)
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
            fund,
            "--format",
            "json",
        ]
        for n in range(200)
    ]
    proc = start_workload(ops, tmp_path / "ops.json")
    output = Lines(proc.stdout)
    output.wait_for(5)  # some payments through first: the workload's line for each
    kill_while_writing(proc, ledger_path, settle=0.0)
    returned = [json.loads(line) for line in output.close()]
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
    assert error_line(result) == (
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
    line = error_line(result, "error: --db: cannot write the ledger (")
    assert line.endswith("nothing was written")
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
    error_line(result, "error: --db: ")
    subprocess.run(["mount", "-o", "remount,rw", str(small_filesystem)], check=True)
    assert rawdb.query(ledger, "SELECT code, name FROM cadre ORDER BY code") == before
    assert_clean("--db", str(ledger))


# ---------------------------------------------------------------------------- backups


@pytest.mark.slow
def test_backup_while_cadres_write_is_consistent(ledger_path, tmp_path, monkeypatch):
    """Three processes pay while `db backup` runs three times: each backup passes `db check`
    and `audit funds`, and its chain is the start of the final chain."""
    fund = seed_county(ledger_path, cadres=1, households=180, allocated_fen=10_000_000)
    procs, outputs = [], []
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
                fund,
                "--format",
                "json",
            ]
            for n in range(60)
        ]
        procs.append(start_workload(ops, tmp_path / f"ops-{w}.json"))
        outputs.append(Lines(procs[-1].stdout))
    for output in outputs:  # every writer has paid once: they are all under way
        output.wait_for(1)
    backups = []
    for i in range(3):
        target = tmp_path / f"backup-{i}.db"
        made = zoufang("db", "backup", target)
        assert made.returncode == 0, made.stderr
        backups.append(target)
    running_during = [p.poll() is None for p in procs]
    for p, output in zip(procs, outputs, strict=True):
        assert p.wait(600) == 0, p.stderr.read()
        assert all(json.loads(line)["code"] == 0 for line in output.close())
    assert any(running_during), "the writers finished before the backups; nothing was proved"

    final = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
    assert len(final) == 1 + 180
    for i, backup in enumerate(backups):
        # a backup is a moment of the ledger, audited as on the computer it is restored to:
        # this computer's witness has seen the ledger go further (chain-shortened, issue 21)
        monkeypatch.setenv("ZOUFANG_STATE_DIR", str(tmp_path / f"fresh-witness-{i}"))
        report = assert_clean("--db", str(backup))
        copied = rawdb.query(backup, "SELECT seq, hash FROM ledger_entry ORDER BY seq")
        assert copied == final[: len(copied)]  # a moment of the ledger, not a mixture
        assert report["head"] == {"seq": copied[-1][0], "hash": copied[-1][1]}
        assert count(backup, "visit") == len(copied) - 1  # visits and payments together

"""Several cadres paying from one fund at the same moment, each in its own process.

Six workers each run ``python -m zoufang`` fifteen times, one payment a command, half of them
with ``fund disburse`` and half with ``visit log --cash --fund``, all against one SQLite
ledger. The fund holds less than they ask for, so the last payments must be refused by the
overspend rule. Afterwards: every command either succeeded or failed with one clean line,
no payment that reported success is missing, the chain is one valid chain, and the balance
was never below zero at any entry.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import TODAY, valid_id

WORKERS = 6
PAYMENTS_EACH = 15
AMOUNT_FEN = 10_000                   # 100.00 a payment
ALLOCATED_FEN = 60 * AMOUNT_FEN       # enough for 60 of the 90 payments asked for


@pytest.fixture
def crowded(ledger_path):
    """Six cadres, ninety low-income households, and fund FEST holding 6,000.00."""
    import datetime as dt

    from zoufang.db import Ledger
    from zoufang.services.cadres import add_cadre
    from zoufang.services.funds import FundIn, allocate, create_fund
    from zoufang.services.households import HouseholdIn, enroll

    today = dt.date.fromisoformat(TODAY)
    ledger = Ledger(str(ledger_path))
    with ledger.session(write=True, operator="setup", command="test") as s:
        for i in range(WORKERS):
            add_cadre(session=s, name=f"干部{i + 1}")
        for n in range(WORKERS * PAYMENTS_EACH):
            enroll(session=s, today=today, data=HouseholdIn(
                name=f"户主{n + 1}", id_number=valid_id(f"11010119500101{n:03d}"),
                village="红星村", categories=["low-income"]))
        create_fund(session=s, today=today, data=FundIn(
            code="FEST", name="春节慰问金", categories=["low-income"]))
        allocate(session=s, code="FEST", amount_fen=ALLOCATED_FEN, on=today, memo="拨款")
    ledger.engine.dispose()
    return ledger_path


def zoufang(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "zoufang", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def worker(index: int, start: threading.Barrier) -> list[tuple[str, subprocess.CompletedProcess]]:
    cadre = f"C{index + 1:04d}"
    at_visit = index % 2 == 1
    start.wait()
    results = []
    for k in range(PAYMENTS_EACH):
        household = f"H{index * PAYMENTS_EACH + k + 1:06d}"
        if at_visit:
            args = ["visit", "log", household, "--by", cadre, "--notes", "春节走访",
                    "--cash", "100", "--fund", "FEST", "--format", "json"]
        else:
            args = ["fund", "disburse", "FEST", household, "100", "--by", cadre,
                    "--format", "json"]
        results.append(("visit" if at_visit else "disburse", zoufang(*args)))
    return results


@pytest.mark.slow
def test_concurrent_payments_one_chain_no_overspend(crowded):
    start = threading.Barrier(WORKERS)
    with ThreadPoolExecutor(WORKERS) as pool:
        runs = [r for rs in pool.map(lambda i: worker(i, start), range(WORKERS)) for r in rs]
    assert len(runs) == WORKERS * PAYMENTS_EACH

    paid, refused = [], []
    for how, run in runs:
        assert "Traceback" not in run.stderr, run.stderr
        assert run.returncode in (0, 1), (run.returncode, run.stderr)
        if run.returncode == 0:
            assert run.stderr == ""
            paid.append((how, json.loads(run.stdout)))
        else:
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1, run.stderr
            # the only acceptable refusal is the rule: never "database is locked"
            assert lines[0].startswith("error: overspend: fund FEST has "), lines[0]
            assert run.stdout == ""
            refused.append(how)
    assert len(paid) == ALLOCATED_FEN // AMOUNT_FEN
    assert len(refused) == len(runs) - len(paid)

    con = sqlite3.connect(crowded)
    try:
        rows = con.execute("SELECT seq, kind, amount_fen, visit_id FROM ledger_entry "
                           "ORDER BY seq").fetchall()
        visits = con.execute("SELECT count(*) FROM visit").fetchone()[0]
    finally:
        con.close()
    # no lost entry: every payment reported as made is in the ledger, and nothing else
    payments = [r for r in rows if r[1] == "disburse"]
    assert len(payments) == len(paid)
    reported = {p["id"] for how, p in paid if how == "disburse"} | {
        e for how, p in paid if how == "visit" for e in p["entries"]}
    assert reported == {r[0] for r in payments}
    # both-or-neither: a visit exists exactly for each visit whose payment was made
    assert visits == sum(how == "visit" for how, _ in paid)
    assert {r[3] for r in payments if r[3] is not None} == {
        p["id"] for how, p in paid if how == "visit"}
    # one chain, contiguous
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    # the balance never went below zero, entry by entry
    balance = 0
    for _, kind, amount, _ in rows:
        balance += amount if kind == "allocate" else -amount
        assert balance >= 0
    assert balance == 0

    audit = zoufang("audit", "funds", "--format", "json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["entries_checked"] == len(rows)
    assert report["head"]["seq"] == len(rows)
    assert {f["check"] for f in report["findings"]} <= {"no-visit"}

"""Several cadres paying from one fund at the same moment, each in its own process.

Six workers each run ``python -m zoufang`` fifteen times, one payment a command, half of them
with ``fund disburse`` and half with ``visit log --cash --fund``, all against one ledger
(SQLite or PostgreSQL). The fund holds less than they ask for, so the last payments must be
refused by the overspend rule. Afterwards: every command either succeeded or failed with one clean line,
no payment that reported success is missing, the chain is one valid chain, and the balance
was never below zero at any entry.

Then eight processes run a hundred mixed commands each (visits with cash, payments,
commitments, enrolments) through ``tests/workload.py``: nothing lost, no code handed out
twice, one chain, exact balances.
"""

from __future__ import annotations

import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import rawdb
from helpers import COUNTY_FUND, error_line, seed_county, start_workload, valid_id, zoufang

WORKERS = 6
PAYMENTS_EACH = 15
AMOUNT_FEN = 10_000  # 100.00 a payment
ALLOCATED_FEN = 60 * AMOUNT_FEN  # enough for 60 of the 90 payments asked for


@pytest.fixture
def crowded(ledger_path):
    """Six cadres, ninety low-income households, and fund FEST holding 6,000.00."""
    seed_county(
        ledger_path, cadres=WORKERS, households=WORKERS * PAYMENTS_EACH, allocated_fen=ALLOCATED_FEN
    )
    return ledger_path


def worker(index: int, start: threading.Barrier) -> list[tuple[str, subprocess.CompletedProcess]]:
    cadre = f"C{index + 1:04d}"
    at_visit = index % 2 == 1
    start.wait()
    results = []
    for k in range(PAYMENTS_EACH):
        household = f"H{index * PAYMENTS_EACH + k + 1:06d}"
        if at_visit:
            args = [
                "visit",
                "log",
                household,
                "--by",
                cadre,
                "--notes",
                "春节走访",
                "--cash",
                "100",
                "--fund",
                COUNTY_FUND,
                "--format",
                "json",
            ]
        else:
            args = [
                "fund",
                "disburse",
                COUNTY_FUND,
                household,
                "100",
                "--by",
                cadre,
                "--format",
                "json",
            ]
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
            # the only acceptable refusal is the rule: never "database is locked"
            error_line(run, f"error: overspend: fund {COUNTY_FUND} has ")
            refused.append(how)
    assert len(paid) == ALLOCATED_FEN // AMOUNT_FEN
    assert len(refused) == len(runs) - len(paid)

    rows = rawdb.query(
        crowded, "SELECT seq, kind, amount_fen, visit_id FROM ledger_entry ORDER BY seq"
    )
    visits = rawdb.query(crowded, "SELECT count(*) FROM visit")[0][0]
    # no lost entry: every payment reported as made is in the ledger, and nothing else
    payments = [r for r in rows if r[1] == "disburse"]
    assert len(payments) == len(paid)
    reported = {p["id"] for how, p in paid if how == "disburse"} | {
        e for how, p in paid if how == "visit" for e in p["entries"]
    }
    assert reported == {r[0] for r in payments}
    # both-or-neither: a visit exists exactly for each visit whose payment was made
    assert visits == sum(how == "visit" for how, _ in paid)
    assert {r[3] for r in payments if r[3] is not None} == {
        p["id"] for how, p in paid if how == "visit"
    }
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


# ---------------------------------------------------------------- 8 processes × 100 operations

PROCESSES = 8
OPERATIONS = 100


def operations_for(worker: int) -> list[list[str]]:
    """Worker ``worker``'s 100 commands: 30 visits with cash, 30 payments, 30 commitments and
    10 enrolments, interleaved; money goes to the worker's own households (one payment per
    household and day is a rule), codes and the chain are shared by everyone."""
    cadre = f"C{worker + 1:04d}"
    own = [f"H{worker * 60 + n + 1:06d}" for n in range(60)]
    ops: list[list[str]] = []
    for k in range(OPERATIONS):
        kind, n = k % 10, k // 10 * 3 + k % 10 % 3
        if kind < 3:
            ops.append(
                [
                    "visit",
                    "log",
                    own[n],
                    "--by",
                    cadre,
                    "--notes",
                    "入户走访",
                    "--cash",
                    "50",
                    "--fund",
                    COUNTY_FUND,
                    "--format",
                    "json",
                ]
            )
        elif kind < 6:
            ops.append(
                [
                    "fund",
                    "disburse",
                    COUNTY_FUND,
                    own[30 + n],
                    "30.01",
                    "--by",
                    cadre,
                    "--format",
                    "json",
                ]
            )
        elif kind < 9:
            ops.append(
                [
                    "commitment",
                    "add",
                    own[n],
                    f"第{k}件事",
                    "--cadre",
                    cadre,
                    "--due",
                    "2026-12-31",
                    "--format",
                    "json",
                ]
            )
        else:
            number = valid_id(f"2201011960{worker + 1:02d}{k % 28 + 1:02d}{k:03d}")
            ops.append(
                [
                    "enroll",
                    "--name",
                    "新户" + "".join("甲乙丙丁戊己庚辛壬癸"[int(d)] for d in f"{worker}{k:03d}"),
                    "--id-number",
                    number,
                    "--village",
                    "东风社区",
                    "--category",
                    "low-income",
                    "--format",
                    "json",
                ]
            )
    return ops


@pytest.fixture
def county(ledger_path):
    """Eight cadres, 480 low-income households, fund FEST holding 100,000.00."""
    seed_county(ledger_path, cadres=PROCESSES, households=PROCESSES * 60, allocated_fen=10_000_000)
    return ledger_path


@pytest.mark.slow
def test_eight_processes_hundred_operations_each(county, tmp_path):
    """Every command succeeds or fails with one clear line; nothing is lost; one chain;
    exact balances — on the backend under test (SQLite or PostgreSQL)."""
    procs = [
        start_workload(operations_for(worker), tmp_path / f"ops-{worker}.json")
        for worker in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=900) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    results = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    assert len(results) == PROCESSES * OPERATIONS

    done: dict[str, list[dict]] = {"visit": [], "fund": [], "commitment": [], "enroll": []}
    failed = []
    for r in results:
        assert "Traceback" not in r["stderr"], r["stderr"]
        assert r["code"] in (0, 1), r
        if r["code"] == 0:
            assert r["stderr"] == "", r
            done[r["args"][0]].append(json.loads(r["stdout"]))
        else:  # allowed, if rare: a clear line, e.g. the ledger stayed busy for 30 seconds
            lines = r["stderr"].strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), r["stderr"]
            assert "internal error" not in lines[0], lines[0]
            failed.append(lines[0])
    assert len(failed) <= PROCESSES * OPERATIONS // 100, failed  # under 1 %

    # no lost writes: every success is stored, and nothing else was
    stored = dict(rawdb.query(county, "SELECT kind, count(*) FROM ledger_entry GROUP BY kind"))
    assert stored == {"allocate": 1, "disburse": len(done["visit"]) + len(done["fund"])}
    entry_ids = {e for v in done["visit"] for e in v["entries"]} | {p["id"] for p in done["fund"]}
    assert entry_ids == {
        r[0] for r in rawdb.query(county, "SELECT seq FROM ledger_entry WHERE kind = 'disburse'")
    }
    assert {v["id"] for v in done["visit"]} == {
        r[0] for r in rawdb.query(county, "SELECT id FROM visit")
    }
    assert {c["id"] for c in done["commitment"]} == {
        r[0] for r in rawdb.query(county, "SELECT id FROM commitment")
    }
    enrolled = {h["code"] for h in done["enroll"]}
    assert len(enrolled) == len(done["enroll"])  # no code handed out twice
    assert rawdb.query(county, "SELECT count(*) FROM household") == [
        (PROCESSES * 60 + len(enrolled),)
    ]

    # one chain, contiguous, and exact balances
    seqs = [r[0] for r in rawdb.query(county, "SELECT seq FROM ledger_entry ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    audit = zoufang("audit", "funds", "--format", "json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["entries_checked"] == len(seqs) and report["head"]["seq"] == len(seqs)
    assert {f["check"] for f in report["findings"]} <= {"no-visit"}
    paid = 5000 * len(done["visit"]) + 3001 * len(done["fund"])
    listed = json.loads(zoufang("fund", "list", "--format", "json").stdout)
    assert listed[0]["balance"] == f"{(10_000_000 - paid) / 100:.2f}"
    assert zoufang("db", "check").returncode == 0

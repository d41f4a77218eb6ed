"""`zoufang demo --funds`: the demo ledger with money in it — festival and relief funds paid at
the demo's own visits, in one valid hash chain that `audit funds` passes."""

from __future__ import annotations

from decimal import Decimal

import pytest

import rawdb

HOUSEHOLDS = 150


@pytest.fixture
def demo(zf, ledger_path):
    result = zf("demo", "--households", HOUSEHOLDS, "--seed", "5", "--funds")
    assert result.exit_code == 0, result.stderr
    return result


def test_funds_are_paid_at_visits_and_the_audit_passes(demo, zf, ledger_path):
    [(entries,)] = rawdb.query(ledger_path, "SELECT COUNT(*) FROM ledger_entry")
    assert f"and {entries:,} ledger entries in " in demo.stderr
    assert entries > HOUSEHOLDS  # festivals, the heating allowance and relief
    funds = zf("fund", "list", "-f", "json").json()
    assert {f["code"][:2] for f in funds} >= {"CJ", "LS"}
    assert all(Decimal(f["balance"]) >= 0 < Decimal(f["allocated"]) for f in funds)
    audit = zf("audit", "funds", "-f", "json")
    assert audit.exit_code == 0, audit.stdout
    report = audit.json()
    assert report["ok"] and report["entries_checked"] == entries
    assert {f["check"] for f in report["findings"]} <= {"override"}
    # every payment names a visit to that household on that day, by one of its cadres
    unmatched = rawdb.query(
        ledger_path,
        """
        SELECT e.seq FROM ledger_entry e
        JOIN household h ON h.code = e.household_code
        LEFT JOIN visit v ON v.id = e.visit_id AND v.household_id = h.id
                          AND v.visit_date = e.entry_date
        WHERE e.kind = 'disburse' AND v.id IS NULL""",
    )
    assert unmatched == []


def test_same_seed_same_money(demo, zf, ledger_path, tmp_path):
    again = tmp_path / "again.db"
    result = zf("--db", again, "demo", "--households", HOUSEHOLDS, "--seed", "5", "--funds")
    assert result.exit_code == 0, result.stderr
    sql = (
        "SELECT seq, fund_code, kind, amount_fen, household_code, entry_date, hash "
        "FROM ledger_entry ORDER BY seq"
    )
    assert rawdb.query(again, sql) == rawdb.query(ledger_path, sql)


def test_the_visits_are_the_same_with_or_without_funds(demo, zf, ledger_path, tmp_path):
    plain = tmp_path / "plain.db"
    assert zf("--db", plain, "demo", "--households", HOUSEHOLDS, "--seed", "5").exit_code == 0
    sql = "SELECT id, household_id, visit_date, kind, notes FROM visit ORDER BY id"
    assert rawdb.query(plain, sql) == rawdb.query(ledger_path, sql)
    assert rawdb.query(plain, "SELECT COUNT(*) FROM ledger_entry") == [(0,)]

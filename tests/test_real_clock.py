"""The real clock (issue 21, part 1): --today never moves when evidence is recorded.

The real clock is fixed with zoufang.clock's test seam (helpers.REAL_CLOCK), never with
--today: here it says 2026-12-04, a day after the village was set up.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import rawdb
from fundkit import raw_append
from helpers import FUND, REAL_CLOCK, TODAY, connect_named, dict_rows, error_line, ok

REAL = "2026-12-04"


@pytest.fixture
def clock(monkeypatch):
    """The real clock says REAL (the village and its fund were set up on TODAY)."""
    monkeypatch.setenv(REAL_CLOCK, REAL)
    monkeypatch.setenv("ZOUFANG_TODAY", REAL)
    return REAL


def audit(zf, *args):
    result = zf(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result.json()


def checks(report, name):
    return [f for f in report["findings"] if f["check"] == name]


# ---------------------------------------------------------------- writes under --today


@pytest.mark.parametrize(
    "today, args",
    [
        ("2025-01-20", ["fund", "disburse", FUND, "H000001", "100", "--by", "C0001"]),
        ("2026-01-20", ["visit", "log", "H000001", "--by", "C0001", "--date", "2026-01-20"]),
        (
            "2026-11-30",
            ["commitment", "add", "H000001", "修屋顶", "--cadre", "C0001", "--due", "2026-12-31"],
        ),
    ],
)
def test_a_write_under_an_earlier_today_is_refused_without_backfill(
    zf, funded, clock, snapshot_db, monkeypatch, today, args
):
    monkeypatch.setenv("ZOUFANG_TODAY", today)
    before = snapshot_db()
    result = zf(*args)
    assert result.exit_code == 2
    line = error_line(result, "error: --today: ")
    assert today in line and REAL in line and "--backfill" in line
    assert snapshot_db() == before


@pytest.mark.parametrize(
    "today, args",
    [
        ("2031-06-01", ["fund", "disburse", FUND, "H000001", "10", "--by", "C0001"]),
        ("2099-01-01", ["visit", "log", "H000001", "--by", "C0001", "--notes", "打卡"]),
    ],
)
def test_a_write_under_a_later_today_is_refused_even_with_backfill(
    zf, funded, clock, snapshot_db, monkeypatch, today, args
):
    """The issue's reproductions: money dated 2031, a visit in 2099 that drops out of `due`."""
    monkeypatch.setenv("ZOUFANG_TODAY", today)
    before = snapshot_db()
    for extra in ([], ["--backfill", "想提前打卡"]):
        result = zf(*extra, *args)
        assert result.exit_code == 2
        assert "has not come" in error_line(result, "error: --today: ")
    assert snapshot_db() == before


def test_reading_commands_keep_today_freely(zf, funded, clock):
    for today in ("2025-01-01", "2099-01-01"):
        ok(zf("--today", today, "due", "--days", "30"))
        ok(zf("--today", today, "fund", "show", FUND))
        assert zf("--today", today, "audit", "visits").exit_code in (0, 1)


def test_backfill_writes_records_and_is_listed_by_the_audits(
    zf, funded, clock, ledger_path, monkeypatch
):
    reason = "补录2026年1月纸质走访日记"
    monkeypatch.setenv(REAL_CLOCK, f"{REAL}T09:00:00")
    ok(zf("--today", "2026-01-20", "--backfill", reason, "visit", "log", "H000001",
          "--by", "C0001", "--notes", "屋顶漏雨", "--cash", "300", "--fund", FUND))  # fmt: skip
    monkeypatch.setenv(REAL_CLOCK, f"{REAL}T10:00:00")
    ok(zf("--today", "2026-10-01", "--backfill", reason, "visit", "log", "H000002",
          "--by", "C0001", "--notes", "身体尚可"))  # fmt: skip
    # every evidence row carries the real time, not --today
    visits = dict_rows(ledger_path, "SELECT visit_date, recorded_at FROM visit ORDER BY id")
    assert [v["visit_date"] for v in visits] == ["2026-01-20", "2026-10-01"]
    assert {v["recorded_at"][:10] for v in visits} == {REAL}
    entry = dict_rows(ledger_path, "SELECT * FROM ledger_entry ORDER BY seq DESC LIMIT 1")[0]
    assert (entry["entry_date"], entry["recorded_at"][:10]) == ("2026-01-20", REAL)
    # the backfill itself: in the audit log with its reason and day
    logged = dict_rows(ledger_path, "SELECT * FROM audit_log WHERE action = 'backfill'")
    assert len(logged) == 2
    assert json.loads(logged[0]["after"]) == {"today": "2026-01-20", "reason": reason}
    assert logged[0]["operator"] == "tester" and logged[0]["command"] == "visit log"
    # audit funds: the payment is a late entry of that backfill; the backfill is listed
    funds = audit(zf, "audit", "funds")
    assert funds["ok"]
    late = checks(funds, "late-entry")
    assert [f["entry"] for f in late] == [entry["seq"]]
    assert "318 days before" in late[0]["detail"] and "tester" in late[0]["detail"]
    assert reason in late[0]["detail"]
    [listed] = checks(funds, "backfill")
    assert "2026-01-20" in listed["detail"] and reason in listed["detail"]
    assert listed["severity"] == "warning"
    # audit visits: both visits late (318 and 64 days), the other backfill listed there
    visits_report = audit(zf, "audit", "visits")
    late_visits = checks(visits_report, "late-entry")
    assert [f["household"] for f in late_visits] == ["H000001", "H000002"]
    assert all(reason in f["detail"] for f in late_visits)
    [other] = checks(visits_report, "backfill")
    assert "1 command(s)" in other["detail"] and "dated 2026-10-01" in other["detail"]


def test_a_late_entry_without_backfill_names_who_wrote_it(zf, funded, clock, monkeypatch):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--date", "2026-09-01", "--notes", "补记"))
    ok(zf("visit", "log", "H000002", "--by", "C0001", "--date", "2026-11-20", "--notes", "近期"))
    late = checks(audit(zf, "audit", "visits"), "late-entry")
    assert [f["household"] for f in late] == ["H000001"]
    assert "94 days before" in late[0]["detail"] and "by tester" in late[0]["detail"]
    assert late[0]["severity"] == "warning"
    # N comes from the config ([audit] late_days, here by its environment variable)
    monkeypatch.setenv("ZOUFANG_AUDIT_LATE_DAYS", "100")
    assert checks(audit(zf, "audit", "visits"), "late-entry") == []
    monkeypatch.setenv("ZOUFANG_AUDIT_LATE_DAYS", "10")
    assert len(checks(audit(zf, "audit", "visits"), "late-entry")) == 2
    monkeypatch.setenv("ZOUFANG_AUDIT_LATE_DAYS", "-1")
    assert zf("audit", "visits").exit_code == 2


def test_a_payment_dated_after_it_was_recorded_is_an_error(zf, funded, clock, ledger_path):
    """Written behind the program's back (the program refuses it): dated 2031, recorded now."""
    raw_append(ledger_path, entry_date="2031-05-31", recorded_at=f"{REAL} 09:00:00.000000")
    report = audit(zf, "audit", "funds")
    assert not report["ok"]
    [found] = checks(report, "future-dated")
    assert found["severity"] == "error" and "2031-05-31" in found["detail"]
    assert "sqlite3-shell" in found["detail"]


def test_a_date_one_time_zone_ahead_is_not_future_dated(zf, funded, clock, ledger_path):
    """recorded_at is UTC: 20:00 UTC is already the next day east of UTC+4."""
    raw_append(ledger_path, entry_date="2026-12-05", recorded_at=f"{REAL} 20:00:00.000000")
    raw_append(ledger_path, entry_date="2026-12-06", recorded_at=f"{REAL} 20:00:00.000000")
    found = checks(audit(zf, "audit", "funds"), "future-dated")
    assert [f["detail"].split(" is dated ")[1][:10] for f in found] == ["2026-12-06"]


def test_a_visit_or_response_moved_into_the_future_is_an_error(zf, funded, clock, ledger_path):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--notes", "屋顶漏雨", "--need", "修屋顶"))
    ok(zf("commitment", "respond", "1", "--note", "已联系施工队"))
    con = connect_named(ledger_path)
    with con:
        con.execute("UPDATE visit SET visit_date = '2099-01-01'")
        con.execute("UPDATE commitment_response SET response_date = '2099-01-02'")
    con.close()
    report = audit(zf, "audit", "visits")
    assert not report["ok"]
    details = [f["detail"] for f in checks(report, "future-dated")]
    assert len(details) == 2
    assert details[0].startswith("visit 1 to H000001 is dated 2099-01-01")
    assert details[1].startswith("response 1 to commitment 1 is dated 2099-01-02")


def test_responses_from_before_the_real_clock_are_skipped(zf, funded, clock, ledger_path):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--need", "修屋顶"))
    ok(zf("commitment", "respond", "1", "--note", "已联系"))
    con = connect_named(ledger_path)
    with con:  # as migration 0007 leaves a response recorded before it
        con.execute(
            "UPDATE commitment_response SET recorded_at = NULL, response_date = '2020-01-01'"
        )
    con.close()
    assert checks(audit(zf, "audit", "visits"), "late-entry") == []


def test_recorded_at_comes_from_the_database_servers_clock(ledger_path, monkeypatch):
    """No seam: PostgreSQL's now() (the server's clock), or this machine's for SQLite."""
    from zoufang.db import Ledger
    from zoufang.tables import utcnow

    monkeypatch.delenv(REAL_CLOCK)
    ledger = Ledger(str(ledger_path))
    with ledger.session(write=False, operator="t", command="t") as s:
        at = s.recorded_at()
        assert s.recorded_at() is at  # one value for the whole transaction
        if rawdb.ON_POSTGRESQL:
            server = s.connection().exec_driver_sql("SELECT now() AT TIME ZONE 'UTC'").scalar()
            assert abs(server - at) < dt.timedelta(seconds=5)
        assert abs(utcnow() - at) < dt.timedelta(minutes=5)
    ledger.engine.dispose()


def test_the_seam_fixes_the_real_clock_on_both_backends(ledger_path, monkeypatch):
    from zoufang.db import Ledger

    monkeypatch.setenv(REAL_CLOCK, "2026-12-04T03:04:05")
    ledger = Ledger(str(ledger_path))
    with ledger.session(write=False, operator="t", command="t") as s:
        assert s.recorded_at() == dt.datetime(2026, 12, 4, 3, 4, 5)
    ledger.engine.dispose()
    assert TODAY != REAL


def test_demo_makes_up_its_year_before_any_today(zf, clock):
    """`demo` invents a whole ledger (its own times too): --today places it, no --backfill."""
    ok(zf("--today", "2026-06-01", "demo", "--households", "30"))
    assert zf("--today", "2026-06-01", "audit", "visits").exit_code in (0, 1)

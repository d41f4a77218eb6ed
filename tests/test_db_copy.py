"""`zoufang db copy --to URL`: a whole ledger moved to another database and back, every
row and every hash intact, the target a working ledger afterwards.

The source is the test's ledger on the backend under test. Each test runs twice: into the
other backend (SQLite → PostgreSQL on the SQLite run, PostgreSQL → SQLite on the PostgreSQL
run), and into another database on the same backend; a round trip comes back to the first
backend. The cross-backend copies from SQLite need the PostgreSQL server: without it they
fail when ZOUFANG_TEST_PG_URL is set (as in CI) and are skipped, saying so, when it is not;
they never quietly copy file to file instead.
"""

from __future__ import annotations

import itertools
import os

import pytest

import rawdb
from helpers import FUND, all_rows, error_line, need_postgresql, ok

_copies = itertools.count(1)


@pytest.fixture(params=["other-backend", "same-backend"])
def target(request, tmp_path):
    """Make empty databases to copy into: ``target("name")``, on the other backend or on
    the same one as the test's ledger (the fixture's parameter)."""
    to_postgresql = rawdb.ON_POSTGRESQL == (request.param == "same-backend")
    if to_postgresql:
        need_postgresql(f"db copy to PostgreSQL ({request.param})")
    made = []

    def make(name: str):
        if not to_postgresql:
            return tmp_path / f"{name}.db"
        ledger = rawdb.create_database(f"zft_{os.getpid()}_copy{next(_copies)}_{name}")
        made.append(ledger)
        return ledger

    yield make
    for ledger in made:
        rawdb.drop_database(ledger.name)


@pytest.fixture
def campaign(funded, zf):
    """Visits with cash, a payment, a reversal, commitments and a response (entries 1–5)."""
    ok(
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--date",
            "2026-11-20",
            "--notes",
            "屋顶漏雨",
            "--need",
            "修缮屋顶",
            "--wish",
            "收音机",
            "--cash",
            "800",
            "--fund",
            FUND,
        )
    )
    ok(
        zf(
            "visit",
            "log",
            "H000002",
            "--by",
            "C0002",
            "--date",
            "2026-11-21",
            "--cash",
            "500.5",
            "--fund",
            FUND,
            "--gift",
            "米面油",
        )
    )
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "120",
            "--by",
            "C0001",
            "--date",
            "2026-11-22",
            "--memo",
            'Café "王奶奶" \\ 慰问\u3000金',  # one line: a tab is refused (issue 21)
        )
    )
    ok(zf("fund", "reverse", "4", "--reason", "重复发放"))
    ok(zf("commitment", "respond", "1", "--note", "已联系施工队"))
    ok(zf("cadre", "relate", "C0002", "--household", "H000003", "--relation", "表兄"))


def without_copy_rows(data: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The audit rows `db copy` adds to each target ("copy", "ledger", …) left out."""
    return {
        t: [r for r in rs if not (t == "audit_log" and r[4] == "copy")] for t, rs in data.items()
    }


def audit(zf, *db):
    result = zf(*db, "audit", "funds", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.json()


def test_round_trip_to_another_database_and_back(zf, campaign, ledger_path, target, new_ledger):
    source_rows = all_rows(ledger_path)
    source_head = audit(zf)["head"]
    assert source_head["seq"] == 5

    there = target("there")
    copied = zf("db", "copy", "--to", str(there))
    assert copied.exit_code == 0, copied.stderr
    assert copied.stdout == ""
    assert copied.stderr.strip().endswith(f"chain head {source_head['seq']}:{source_head['hash']}")
    assert audit(zf, "--db", str(there))["head"] == source_head
    assert zf("--db", str(there), "db", "check").exit_code == 0
    assert without_copy_rows(all_rows(there)) == without_copy_rows(source_rows)
    logged = rawdb.query(
        there, "SELECT operator, command, object_type FROM audit_log WHERE action = 'copy'"
    )
    assert logged == [("tester", "db copy", "ledger")]

    # and back again, into a new ledger on the first backend
    back = new_ledger("back")
    returned = zf("--db", str(there), "db", "copy", "--to", str(back))
    assert returned.exit_code == 0, returned.stderr
    assert audit(zf, "--db", str(back))["head"] == source_head
    assert without_copy_rows(all_rows(back)) == without_copy_rows(source_rows)


def test_copy_is_a_working_ledger(zf, campaign, target):
    there = target("working")
    ok(zf("db", "copy", "--to", str(there)))
    db = ("--db", str(there))
    # new rows get new ids and codes (PostgreSQL's sequences moved past the copied ids)
    assert zf(*db, "cadre", "add", "--name", "赵六", "-f", "json").json()["code"] == "C0003"
    visit = zf(
        *db,
        "visit",
        "log",
        "H000001",
        "--by",
        "C0003",
        "--cash",
        "100",
        "--fund",
        FUND,
        "-f",
        "json",
    )
    assert visit.exit_code == 0, visit.stderr
    assert visit.json()["entries"] == [6]
    assert audit(zf, *db)["head"]["seq"] == 6
    # the append-only triggers came with the schema
    con = rawdb.connect(there)
    try:
        with pytest.raises(Exception, match="append-only"):
            con.execute("UPDATE ledger_entry SET amount_fen = 1 WHERE seq = 2")
    finally:
        con.close()


def test_copy_refuses_a_target_that_holds_a_ledger(zf, campaign, target):
    there = target("full")
    ok(zf("db", "copy", "--to", str(there)))
    before = all_rows(there)
    again = zf("db", "copy", "--to", str(there))
    assert again.exit_code == 1
    error_line(again, f"error: --to: {there} already holds a ledger (")
    assert all_rows(there) == before


def test_copy_refuses_the_ledger_itself(zf, village, ledger_path, snapshot_db):
    before = snapshot_db()
    result = zf("db", "copy", "--to", str(ledger_path))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("is the ledger being copied; choose another database")
    assert snapshot_db() == before


def test_copy_to_an_unreachable_server_is_one_line(zf, village):
    result = zf("db", "copy", "--to", "postgresql+psycopg://cadre:secret@127.0.0.1:1/county")
    assert result.exit_code == 1
    error_line(
        result,
        "error: --to: cannot reach the ledger postgresql+psycopg://cadre:***@127.0.0.1:1/county: ",
    )
    assert "secret" not in result.stderr


@pytest.mark.sqlite_only  # only SQLite stores text in a date column
def test_copy_refuses_a_value_no_ledger_can_have(zf, campaign, ledger_path, target):
    con = rawdb.connect(ledger_path)
    with con:
        rawdb.disable_append_only(con)
        con.execute("UPDATE ledger_entry SET entry_date = '2026-13-45' WHERE seq = 2")
    con.close()
    there = target("garbage")
    result = zf("db", "copy", "--to", str(there))
    assert result.exit_code == 1
    error_line(result, "error: --db: ledger_entry holds a value no ledger can have ")
    assert rawdb.query(there, "SELECT count(*) FROM household") == [(0,)]

"""`zoufang db copy --to URL`: a whole ledger moved to the other backend and back, every
row and every hash intact, the target a working ledger afterwards.

The source is the test's ledger on the backend under test; the target is on the other one
(SQLite → PostgreSQL on the SQLite run, PostgreSQL → SQLite on the PostgreSQL run), and
the round trip comes back to the first backend. Without a PostgreSQL server (no
ZOUFANG_TEST_PG_URL reachable) the SQLite run copies file to file.
"""

from __future__ import annotations

import os

import pytest

import rawdb

pytest.register_assert_rewrite("fundkit")
pytest_plugins = ["fundkit"]

from fundkit import FUND, ok  # noqa: E402

_copies = iter(range(1, 1_000_000))


def pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(rawdb.libpq_url(rawdb.PG_URL), connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.fixture
def other_backend(tmp_path):
    """Make empty targets on the other backend: ``other_backend("name")``."""
    made = []

    def make(name: str):
        if rawdb.ON_POSTGRESQL or not pg_reachable():
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
            'Café "王奶奶" \\ 慰问\t金',
        )
    )
    ok(zf("fund", "reverse", "4", "--reason", "重复发放"))
    ok(zf("commitment", "respond", "1", "--note", "已联系施工队"))
    ok(zf("cadre", "relate", "C0002", "--household", "H000003", "--relation", "表兄"))


def rows(ledger) -> dict[str, list[tuple]]:
    """Every row of every table, booleans as 0/1 (SQLite's form), sorted."""
    out = {}
    for table in rawdb.table_names(ledger):
        data = rawdb.query(ledger, f'SELECT * FROM "{table}"')
        out[table] = sorted(
            (tuple(int(v) if isinstance(v, bool) else v for v in r) for r in data), key=repr
        )
    return out


def without_copy_rows(data: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The audit rows `db copy` adds to each target ("copy", "ledger", …) left out."""
    return {
        t: [r for r in rs if not (t == "audit_log" and r[4] == "copy")] for t, rs in data.items()
    }


def audit(zf, *db):
    result = zf(*db, "audit", "funds", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.json()


def test_round_trip_to_the_other_backend_and_back(
    zf, campaign, ledger_path, other_backend, new_ledger
):
    source_rows = rows(ledger_path)
    source_head = audit(zf)["head"]
    assert source_head["seq"] == 5

    there = other_backend("there")
    copied = zf("db", "copy", "--to", str(there))
    assert copied.exit_code == 0, copied.stderr
    assert copied.stdout == ""
    assert copied.stderr.strip().endswith(f"chain head {source_head['seq']}:{source_head['hash']}")
    assert audit(zf, "--db", str(there))["head"] == source_head
    assert zf("--db", str(there), "db", "check").exit_code == 0
    assert without_copy_rows(rows(there)) == without_copy_rows(source_rows)
    logged = rawdb.query(
        there, "SELECT operator, command, object_type FROM audit_log WHERE action = 'copy'"
    )
    assert logged == [("tester", "db copy", "ledger")]

    # and back again, into a new ledger on the first backend
    back = new_ledger("back")
    returned = zf("--db", str(there), "db", "copy", "--to", str(back))
    assert returned.exit_code == 0, returned.stderr
    assert audit(zf, "--db", str(back))["head"] == source_head
    assert without_copy_rows(rows(back)) == without_copy_rows(source_rows)


def test_copy_is_a_working_ledger(zf, campaign, other_backend):
    there = other_backend("working")
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


def test_copy_refuses_a_target_that_holds_a_ledger(zf, campaign, other_backend):
    there = other_backend("full")
    ok(zf("db", "copy", "--to", str(there)))
    before = rows(there)
    again = zf("db", "copy", "--to", str(there))
    assert again.exit_code == 1
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1, again.stderr
    assert lines[0].startswith(f"error: --to: {there} already holds a ledger ("), lines[0]
    assert rows(there) == before


def test_copy_refuses_the_ledger_itself(zf, village, ledger_path, snapshot_db):
    before = snapshot_db()
    result = zf("db", "copy", "--to", str(ledger_path))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("is the ledger being copied; choose another database")
    assert snapshot_db() == before


def test_copy_to_an_unreachable_server_is_one_line(zf, village):
    result = zf("db", "copy", "--to", "postgresql+psycopg://cadre:secret@127.0.0.1:1/county")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "error: --to: cannot reach the ledger postgresql+psycopg://cadre:***@127.0.0.1:1/county: "
    )
    assert "secret" not in result.stderr


@pytest.mark.sqlite_only  # only SQLite stores text in a date column
def test_copy_refuses_a_value_no_ledger_can_have(zf, campaign, ledger_path, other_backend):
    con = rawdb.connect(ledger_path)
    with con:
        rawdb.disable_append_only(con)
        con.execute("UPDATE ledger_entry SET entry_date = '2026-13-45' WHERE seq = 2")
    con.close()
    there = other_backend("garbage")
    result = zf("db", "copy", "--to", str(there))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: --db: ledger_entry holds a value no ledger can have ")
    assert rawdb.query(there, "SELECT count(*) FROM household") == [(0,)]

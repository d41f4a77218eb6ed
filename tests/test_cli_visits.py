"""`visit log` and `visit list`, through the real entry point."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from helpers import TODAY, refused
from rawdb import query

# ---------------------------------------------------------------------------- visit log


def test_visit_log_records_what_was_heard_given_and_promised(zf, village, ledger_path):
    result = zf(
        "--as",
        "王书记",
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--by",
        "C0002",
        "--date",
        "2026-11-20",
        "--kind",
        "festival",
        "--notes",
        "独居，腿脚不便",
        "--need",
        "修屋顶",
        "--need",
        "办理残疾证",
        "--suggestion",
        "村口装路灯",
        "--wish",
        "一台收音机",
        "--gift",
        "米一袋",
        "--gift",
        "油一桶",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert set(out) >= {"id", "household", "date", "commitments", "entries"}
    assert out["household"] == "H000001"
    assert out["date"] == "2026-11-20"
    assert isinstance(out["id"], int)
    assert len(out["commitments"]) == 2
    assert out["entries"] == []

    [visit] = zf("visit", "list", "--format", "json").json()
    assert visit["id"] == out["id"]
    assert visit["kind"] == "festival"
    assert visit["cadres"] == ["C0001", "C0002"]
    assert visit["notes"] == "独居，腿脚不便"
    assert visit["needs"] == ["修屋顶", "办理残疾证"]
    assert visit["suggestions"] == ["村口装路灯"]
    assert visit["wishes"] == ["一台收音机"]
    assert visit["gifts"] == ["米一袋", "油一桶"]

    # each need is a commitment held by the first visiting cadre, due 30 days after the visit
    commitments = zf("commitment", "list", "--format", "json").json()
    assert [c["id"] for c in commitments] == out["commitments"]
    assert {
        (c["text"], c["cadre"], c["due_date"], c["status"], c["visit"]) for c in commitments
    } == {
        ("修屋顶", "C0001", "2026-12-20", "open", out["id"]),
        ("办理残疾证", "C0001", "2026-12-20", "open", out["id"]),
    }

    assert query(ledger_path, "SELECT operator FROM visit") == [("王书记",)]
    audit = query(
        ledger_path,
        "SELECT operator, command, action, object_type FROM audit_log "
        "WHERE command = 'visit log' ORDER BY id",
    )
    assert audit == [
        ("王书记", "visit log", "log", "visit"),
        ("王书记", "visit log", "open", "commitment"),
        ("王书记", "visit log", "open", "commitment"),
        ("王书记", "visit log", "open", "wish"),  # each with a life of its own (wish list)
        ("王书记", "visit log", "open", "suggestion"),
    ]
    # what the audit rows hold: every column of the visit and of each commitment
    afters = [
        json.loads(a)
        for (a,) in query(
            ledger_path, "SELECT after FROM audit_log WHERE command = 'visit log' ORDER BY id"
        )
    ]
    [(household_id,)] = query(ledger_path, "SELECT id FROM household WHERE code = 'H000001'")
    [(c1,)] = query(ledger_path, "SELECT id FROM cadre WHERE code = 'C0001'")
    recorded_at = afters[0].pop("recorded_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", recorded_at)
    assert afters[0] == {
        "id": out["id"],
        "household_id": household_id,
        "visit_date": "2026-11-20",
        "kind": "festival",
        "notes": "独居，腿脚不便",
        "next_date": None,
        "operator": "王书记",
        "household": "H000001",
        "cadres": ["C0001", "C0002"],
        "needs": ["修屋顶", "办理残疾证"],
        "suggestions": ["村口装路灯"],
        "wishes": ["一台收音机"],
        "gifts": ["米一袋", "油一桶"],
    }
    assert afters[1:3] == [
        {
            "id": cid,
            "household_id": household_id,
            "visit_id": out["id"],
            "text": text,
            "cadre_id": c1,
            "due_date": "2026-12-20",
            "status": "open",
            "opened_on": "2026-11-20",
            "closed_on": None,
            "resolution": None,
            "referred_to": None,
        }
        for cid, text in zip(out["commitments"], ["修屋顶", "办理残疾证"], strict=True)
    ]


def test_visit_log_defaults_to_today(zf, village, monkeypatch):
    result = zf("visit", "log", "H000002", "--by", "C0001", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["date"] == TODAY
    assert result.json()["commitments"] == []
    result = zf(
        "--today", "2026-06-01", "visit", "log", "H000002", "--by", "C0001", "--format", "json"
    )
    assert result.json()["date"] == "2026-06-01"
    monkeypatch.setenv("ZOUFANG_TODAY", "2026-07-01")
    result = zf("visit", "log", "H000002", "--by", "C0001", "--format", "json")
    assert result.json()["date"] == "2026-07-01"


def test_visit_log_need_due_and_next(zf, village):
    result = zf(
        "visit",
        "log",
        "H000002",
        "--by",
        "C0002",
        "--date",
        "2026-11-01",
        "--need",
        "申请临时救助",
        "--need-due",
        "2026-11-10",
        "--next",
        "2026-11-15",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    [c] = zf("commitment", "list", "--format", "json").json()
    assert (c["due_date"], c["cadre"], c["days_overdue"]) == ("2026-11-10", "C0002", 13)
    brief = zf("household", "show", "H000002", "--format", "json").json()
    assert (brief["last_visit"], brief["due_date"]) == ("2026-11-01", "2026-11-15")


def test_visit_log_plain_output(zf, village):
    result = zf("visit", "log", "H000001", "--by", "C0001", "--need", "修屋顶", "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert "H000001" in result.stdout and TODAY in result.stdout
    result = zf("visit", "log", "H000001", "--by", "C0001", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["household"] == "H000001"


@pytest.mark.parametrize(
    ("args", "starts", "reason"),
    [
        (["--date", "2026-11-24"], "--date: ", "in the future (today is 2026-11-23)"),
        (["--date", "2026-11-31"], "--date: ", "not a real calendar date"),
        (["--date", "23/11/2026"], "--date: ", "not a date in the form YYYY-MM-DD"),
        (["--date", "1949-09-30"], "--date: ", "before 1949-10-01"),
        (["--kind", "photo-op"], "--kind: ", "not one of routine, festival, return"),
        (["--notes", " "], "--notes: ", "must not be empty"),
        (["--need", ""], "--need: ", "must not be empty"),
        (["--wish", "\t"], "--wish: ", "must not be empty"),
        (["--next", "2026-11-23"], "--next: ", "not after the visit date"),
        (["--next", "next week"], "--next: ", "not a date"),
        (["--need", "修屋顶", "--need-due", "2026-11-01"], "--need-due: ", "before the visit"),
        (["--need-due", "2026-12-01"], "--need-due: ", "without any --need"),
        (["--by", "has space"], "--by: ", "not a code"),
    ],
)
def test_visit_log_invalid_input(zf, village, snapshot_db, args, starts, reason):
    if "--by" not in args:
        args = ["--by", "C0001", *args]
    line = refused(zf, snapshot_db, "visit", "log", "H000001", *args, code=2, starts=starts)
    assert reason in line


def test_visit_log_needs_a_cadre(zf, village, snapshot_db):
    refused(zf, snapshot_db, "visit", "log", "H000001", code=2, starts="--by: at least one")


def test_visit_log_future_date_follows_global_today(zf, village, snapshot_db):
    refused(
        zf,
        snapshot_db,
        "--today",
        "2026-06-01",
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--date",
        "2026-06-02",
        code=2,
        starts="--date: ",
    )
    result = zf(
        "--today", "2026-12-31", "visit", "log", "H000001", "--by", "C0001", "--date", "2026-12-30"
    )
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("household", "by", "starts"),
    [
        ("H000099", "C0001", "HOUSEHOLD: no household 'H000099'"),
        ("H000001", "C0099", "--by: no cadre 'C0099'"),
    ],
)
def test_visit_log_unknown_household_or_cadre(zf, village, snapshot_db, household, by, starts):
    refused(
        zf, snapshot_db, "visit", "log", household, "--by", by, "--need", "x", code=1, starts=starts
    )


def test_visit_log_refuses_an_exited_household(zf, village, snapshot_db):
    assert zf("household", "exit", "H000003", "--reason", "迁出").exit_code == 0
    line = refused(
        zf,
        snapshot_db,
        "visit",
        "log",
        "H000003",
        "--by",
        "C0001",
        "--need",
        "x",
        code=1,
        starts="HOUSEHOLD: ",
    )
    assert "exited" in line


def test_a_second_cadre_unknown_writes_nothing(zf, village, snapshot_db):
    """The first cadre exists; the whole visit is still refused, in one transaction."""
    refused(
        zf,
        snapshot_db,
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--by",
        "C0099",
        "--need",
        "修屋顶",
        "--gift",
        "米",
        code=1,
        starts="--by: ",
    )


# ---------------------------------------------------------------------------- visit list


@pytest.fixture
def visits(zf, village):
    for household, by, date in [
        ("H000001", ["C0001"], "2026-09-01"),
        ("H000002", ["C0002"], "2026-10-15"),
        ("H000001", ["C0001", "C0002"], "2026-11-01"),
        ("H000003", ["C0001"], "2026-11-01"),
    ]:
        args = ["visit", "log", household, "--date", date]
        for b in by:
            args += ["--by", b]
        assert zf(*args).exit_code == 0
    return village


def _ids(zf, *args):
    result = zf("visit", "list", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [(v["household"], v["date"]) for v in result.json()]


def test_visit_list_newest_first(zf, visits):
    assert _ids(zf) == [
        ("H000003", "2026-11-01"),
        ("H000001", "2026-11-01"),
        ("H000002", "2026-10-15"),
        ("H000001", "2026-09-01"),
    ]
    first = zf("visit", "list", "--format", "json").json()[0]
    for key in (
        "id",
        "household",
        "name",
        "village",
        "date",
        "kind",
        "cadres",
        "notes",
        "needs",
        "suggestions",
        "wishes",
        "gifts",
    ):
        assert key in first


def test_visit_list_filters(zf, visits):
    assert _ids(zf, "--household", "H000001") == [
        ("H000001", "2026-11-01"),
        ("H000001", "2026-09-01"),
    ]
    assert _ids(zf, "--cadre", "C0002") == [("H000001", "2026-11-01"), ("H000002", "2026-10-15")]
    assert _ids(zf, "--since", "2026-10-15") == [
        ("H000003", "2026-11-01"),
        ("H000001", "2026-11-01"),
        ("H000002", "2026-10-15"),
    ]
    assert _ids(zf, "--until", "2026-10-15") == [
        ("H000002", "2026-10-15"),
        ("H000001", "2026-09-01"),
    ]
    assert _ids(zf, "--since", "2026-10-01", "--until", "2026-10-31") == [("H000002", "2026-10-15")]
    assert _ids(zf, "--household", "H000002", "--cadre", "C0001") == []


def test_visit_list_formats(zf, visits):
    out = zf("visit", "list", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4
    assert rows[1]["cadres"] == "C0001; C0002"
    md = zf("visit", "list", "--format", "markdown").stdout.splitlines()
    assert md[0].startswith("| ") and md[1].startswith("|:")
    json.loads(zf("visit", "list", "--format", "json").stdout)


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["--since", "2026-11-02", "--until", "2026-11-01"], 2, "--since: "),
        (["--since", "2026-13-01"], 2, "--since: "),
        (["--until", "yesterday"], 2, "--until: "),
        (["--household", "H000099"], 1, "--household: no household"),
        (["--cadre", "C0099"], 1, "--cadre: no cadre"),
        (["--format", "yaml"], 2, "--format: "),
    ],
)
def test_visit_list_refusals(zf, visits, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "visit", "list", *args, code=code, starts=starts)


@pytest.mark.sqlite_only  # PostgreSQL always has RETURNING
def test_visit_log_on_a_sqlite_without_returning(zf, village, ledger_path, monkeypatch):
    """SQLite before 3.35 (still linked by some systems' Pythons) has no RETURNING: the new
    visit's and commitments' ids come from the last row id instead."""
    import sqlite3

    from sqlalchemy.dialects.sqlite.base import SQLiteDialect

    original = SQLiteDialect.__init__

    def old_sqlite(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.insert_returning = False  # as SQLAlchemy sets it for SQLite < 3.35

    def execute(self, cursor, statement, parameters, context=None):
        if "RETURNING" in statement:  # what SQLite < 3.35 says
            raise sqlite3.OperationalError('near "RETURNING": syntax error')
        cursor.execute(statement, parameters)

    monkeypatch.setattr(SQLiteDialect, "__init__", old_sqlite)
    monkeypatch.setattr(SQLiteDialect, "do_execute", execute)
    out = zf(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--need",
        "修屋顶",
        "--need",
        "买药",
        "--format",
        "json",
    )
    assert out.exit_code == 0, out.stderr
    visit = out.json()
    assert query(ledger_path, "SELECT max(id) FROM visit") == [(visit["id"],)]
    assert [c for (c,) in query(ledger_path, "SELECT id FROM commitment ORDER BY id")][-2:] == (
        visit["commitments"]
    )

"""`commitment add/list/respond/resolve/refer`, through the real entry point."""

from __future__ import annotations

import csv
import io
import json

import pytest

import rawdb
from helpers import TODAY, ok, refused

KEYS = {"id", "household", "text", "cadre", "due_date", "status", "days_overdue", "responses"}


def audit(ledger_path) -> list[tuple]:
    return rawdb.query(
        ledger_path,
        "SELECT operator, command, action, object_type, object_key, before, after "
        "FROM audit_log ORDER BY id",
    )


def add(zf, household="H000001", text="修屋顶", cadre="C0001", due="2026-12-01"):
    result = zf(
        "commitment", "add", household, text, "--cadre", cadre, "--due", due, "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    return result.json()


def listing(zf, *args):
    result = zf("commitment", "list", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


# ---------------------------------------------------------------------------- add


def test_commitment_add(zf, village, ledger_path):
    c = add(zf, text="协调危房改造", cadre="C0002", due="2026-12-01")
    assert KEYS <= set(c)
    assert c["id"] == 1
    assert c["household"] == "H000001"
    assert c["text"] == "协调危房改造"
    assert c["cadre"] == "C0002"
    assert c["due_date"] == "2026-12-01"
    assert c["status"] == "open"
    assert c["days_overdue"] == -8
    assert c["responses"] == []
    assert c["opened_on"] == TODAY
    operator, command, action, kind, key, _, after = audit(ledger_path)[-1]
    assert (operator, command, action, kind, key) == (
        "tester",
        "commitment add",
        "open",
        "commitment",
        "1",
    )
    assert json.loads(after)["text"] == "协调危房改造"


def test_commitment_add_due_today_is_allowed(zf, village):
    assert add(zf, due=TODAY)["days_overdue"] == 0


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["H000001", "", "--cadre", "C0001", "--due", "2026-12-01"], 2, "TEXT: must not be empty"),
        (["H000001", "x", "--cadre", "C0001", "--due", "2026-11-22"], 2, "--due: "),
        (["H000001", "x", "--cadre", "C0001", "--due", "2026-12-32"], 2, "--due: "),
        (["H000001", "x", "--cadre", "C0001", "--due", "soon"], 2, "--due: "),
        (["H000001", "x", "--cadre", "C 1", "--due", "2026-12-01"], 2, "--cadre: "),
        (["H000001", "x", "--cadre", "C0099", "--due", "2026-12-01"], 1, "--cadre: no cadre"),
        (
            ["H000099", "x", "--cadre", "C0001", "--due", "2026-12-01"],
            1,
            "HOUSEHOLD: no household 'H000099'",
        ),
    ],
)
def test_commitment_add_refusals(zf, village, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "commitment", "add", *args, code=code, starts=starts)


def test_commitment_add_refuses_an_exited_household(zf, village, snapshot_db):
    zf("household", "exit", "H000002", "--reason", "户主去世")
    line = refused(
        zf,
        snapshot_db,
        "commitment",
        "add",
        "H000002",
        "x",
        "--cadre",
        "C0001",
        "--due",
        "2026-12-01",
        code=1,
        starts="HOUSEHOLD: ",
    )
    assert "exited" in line


# ---------------------------------------------------------------------------- respond / resolve / refer


def test_commitment_lifecycle(zf, village, ledger_path):
    add(zf)
    result = zf(
        "--as",
        "李梅",
        "commitment",
        "respond",
        "1",
        "--note",
        "已联系施工队",
        "--date",
        "2026-11-23",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    c = result.json()
    assert c["status"] == "in-progress"
    assert c["days_overdue"] == -8
    assert c["responses"] == [
        {"date": "2026-11-23", "action": "respond", "note": "已联系施工队", "operator": "李梅"}
    ]

    result = zf("commitment", "respond", "1", "--note", "材料已到", "--format", "json")
    assert result.json()["status"] == "in-progress"
    assert len(result.json()["responses"]) == 2

    result = zf("commitment", "resolve", "1", "--note", "屋顶已修好", "--format", "json")
    assert result.exit_code == 0, result.stderr
    c = result.json()
    assert c["status"] == "resolved"
    assert c["days_overdue"] is None
    assert c["closed_on"] == TODAY
    assert [r["action"] for r in c["responses"]] == ["respond", "respond", "resolved"]

    rows = [r for r in audit(ledger_path) if r[3] == "commitment"]
    assert [(r[0], r[2]) for r in rows] == [
        ("tester", "open"),
        ("李梅", "respond"),
        ("tester", "respond"),
        ("tester", "resolved"),
    ]
    assert json.loads(rows[-1][5])["status"] == "in-progress"
    assert json.loads(rows[-1][6])["status"] == "resolved"


def test_commitment_resolve_cannot_resolve(zf, village):
    add(zf)
    result = zf(
        "commitment",
        "resolve",
        "1",
        "--cannot-resolve",
        "--note",
        "超出政策范围",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.json()["status"] == "cannot-resolve"
    assert result.json()["responses"][0]["note"] == "超出政策范围"


def test_commitment_refer(zf, village):
    add(zf)
    result = zf(
        "commitment", "refer", "1", "--to", "镇民政办", "--note", "需民政审批", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    c = result.json()
    assert c["status"] == "referred"
    assert c["referred_to"] == "镇民政办"
    assert c["days_overdue"] is None
    assert c["responses"][0]["action"] == "refer"
    assert c["responses"][0]["note"] == "需民政审批"


@pytest.mark.parametrize(
    "command",
    [
        ["respond", "1", "--note", "再次回访"],
        ["resolve", "1", "--note", "又解决了"],
        ["resolve", "1", "--cannot-resolve", "--note", "x"],
        ["refer", "1", "--to", "卫生院"],
    ],
)
@pytest.mark.parametrize(
    "close",
    [
        ["resolve", "1", "--note", "好了"],
        ["refer", "1", "--to", "民政办"],
        ["resolve", "1", "--cannot-resolve", "--note", "无法解决"],
    ],
)
def test_a_closed_commitment_takes_no_more_responses(zf, village, snapshot_db, close, command):
    add(zf)
    assert zf("commitment", *close).exit_code == 0
    line = refused(zf, snapshot_db, "commitment", *command, code=1, starts="ID: ")
    assert "commitment 1 is already" in line


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["respond", "99", "--note", "x"], 1, "ID: no commitment 99"),
        (["resolve", "99", "--note", "x"], 1, "ID: no commitment 99"),
        (["refer", "99", "--to", "x"], 1, "ID: no commitment 99"),
        (["respond", "one", "--note", "x"], 2, "ID: "),
        (["respond", "0", "--note", "x"], 2, "ID: "),
        (["respond", "1", "--note", " "], 2, "--note: must not be empty"),
        (["resolve", "1", "--note", ""], 2, "--note: must not be empty"),
        (["refer", "1", "--to", ""], 2, "--to: must not be empty"),
        (["respond", "1", "--note", "x", "--date", "2026-11-24"], 2, "--date: "),
        (["respond", "1", "--note", "x", "--date", "2026-11-22"], 2, "--date: "),  # before opened
        (["resolve", "1", "--note", "x", "--date", "2026-02-29"], 2, "--date: "),
        (["refer", "1", "--to", "民政办", "--date", "1949-01-01"], 2, "--date: "),
    ],
)
def test_response_refusals(zf, village, snapshot_db, args, code, starts):
    add(zf)
    refused(zf, snapshot_db, "commitment", *args, code=code, starts=starts)


# ---------------------------------------------------------------------------- list


@pytest.fixture
def commitments(zf, village):
    zf(
        "--today",
        "2026-10-01",
        "commitment",
        "add",
        "H000001",
        "修屋顶",
        "--cadre",
        "C0001",
        "--due",
        "2026-10-20",
    )  # 1: 34 late
    zf("commitment", "add", "H000002", "办低保", "--cadre", "C0002", "--due", "2026-12-01")  # 2
    zf(
        "--today",
        "2026-11-01",
        "commitment",
        "add",
        "H000003",
        "找家教",
        "--cadre",
        "C0002",
        "--due",
        "2026-11-20",
    )  # 3: 3 late
    zf(
        "--today",
        "2026-11-01",
        "commitment",
        "add",
        "H000001",
        "送轮椅",
        "--cadre",
        "C0001",
        "--due",
        "2026-11-10",
    )  # 4: resolved
    zf("commitment", "resolve", "4", "--note", "已送")
    zf("commitment", "respond", "3", "--note", "已联系学校")
    return village


def test_commitment_list_by_due_date(zf, commitments):
    rows = listing(zf)
    assert [(c["id"], c["status"], c["days_overdue"]) for c in rows] == [
        (1, "open", 34),
        (4, "resolved", None),
        (3, "in-progress", 3),
        (2, "open", -8),
    ]
    assert all(KEYS <= set(c) for c in rows)
    assert rows[2]["responses"][0]["note"] == "已联系学校"


def test_commitment_list_filters(zf, commitments):
    ids = lambda *a: [c["id"] for c in listing(zf, *a)]  # noqa: E731
    assert ids("--status", "open") == [1, 2]
    assert ids("--status", "in-progress") == [3]
    assert ids("--status", "resolved") == [4]
    assert ids("--overdue") == [1, 3]
    assert ids("--cadre", "C0002") == [3, 2]
    assert ids("--overdue", "--cadre", "C0001") == [1]
    assert ids("--household", "H000001") == [1, 4]
    assert ids("--status", "referred") == []


def test_commitment_list_follows_global_today(zf, commitments):
    rows = {c["id"]: c["days_overdue"] for c in listing(zf)}
    assert rows == {1: 34, 2: -8, 3: 3, 4: None}
    shifted = {
        c["id"]: c["days_overdue"]
        for c in zf("--today", "2026-12-11", "commitment", "list", "--format", "json").json()
    }
    assert shifted == {1: 52, 2: 10, 3: 21, 4: None}
    overdue = zf("--today", "2026-11-15", "commitment", "list", "--overdue", "--format", "json")
    # as of 2026-11-15 (nothing dated later exists): 4 was not resolved yet
    assert [c["id"] for c in overdue.json()] == [1, 4]


def test_commitment_list_formats(zf, commitments):
    out = zf("commitment", "list", "--format", "csv").stdout
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == [
        "id",
        "household",
        "name",
        "text",
        "cadre",
        "due_date",
        "status",
        "referred_to",
        "days_overdue",
        "responses",
    ]
    assert len(table) == 5
    md = zf("commitment", "list", "--format", "markdown").stdout.splitlines()
    assert md[0].startswith("| ") and set(md[1]) <= set("|:- ")


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["--status", "done"], 2, "--status: 'done' is not one of"),
        (["--cadre", "C0099"], 1, "--cadre: no cadre"),
        (["--household", "H000099"], 1, "--household: no household"),
        (["--format", "pdf"], 2, "--format: "),
    ],
)
def test_commitment_list_refusals(zf, commitments, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "commitment", "list", *args, code=code, starts=starts)


def test_commitment_list_shows_where_a_referred_need_went(zf, commitments):
    ok(zf("commitment", "refer", "2", "--to", "县民政局"))
    rows = {c["id"]: c for c in listing(zf)}
    assert (rows[2]["status"], rows[2]["referred_to"]) == ("referred", "县民政局")
    assert rows[1]["referred_to"] is None
    table = zf("--lang", "en", "commitment", "list", "--format", "plain")
    assert table.exit_code == 0
    assert "referred to" in table.stdout.splitlines()[0]
    [line] = [x for x in table.stdout.splitlines() if x.split()[0] == "2"]
    assert "县民政局" in line
    zh = zf("--lang", "zh", "commitment", "list", "--status", "referred", "--format", "plain")
    assert "转交单位" in zh.stdout.splitlines()[0] and "县民政局" in zh.stdout

"""Corrections (issue 17): `visit void`, `visit amend`, `visit show`, `visit list --all`,
through the real entry point, with the figures before and after; the correction table is
append-only in the database itself."""

from __future__ import annotations

import pytest

import rawdb
from helpers import FUND, refused
from rawdb import query


def log(zf, household="H000001", *extra, date="2026-11-20"):
    result = zf(
        "visit", "log", household, "--by", "C0001", "--date", date, *extra, "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    return result.json()


def report(zf) -> dict:
    result = zf("report", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def due_of(zf, household: str) -> dict | None:
    rows = zf("due", "--format", "json").json()
    return next((r for r in rows if r["household"] == household), None)


# ---------------------------------------------------------------------------- void


def test_void_takes_a_visit_out_of_every_figure_and_keeps_it_visible(zf, village, ledger_path):
    log(zf, "H000002", "--notes", "低保复核", date="2026-11-01")
    visit = log(zf, "H000001", "--need", "修屋顶", "--wish", "收音机", "--notes", "写错户了")
    before = report(zf)
    assert before["households"]["visited"] == 2
    assert before["needs"]["raised"] == 1
    assert due_of(zf, "H000001") is None  # visited three days ago: not due

    result = zf(
        "--as",
        "王书记",
        "visit",
        "void",
        str(visit["id"]),
        "--reason",
        "记错户",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert out["visit"] == visit["id"]
    assert out["status"] == "void"
    assert out["commitments"] == visit["commitments"]
    assert out["due_date"] == "2026-11-23"  # never visited: due from enrolment again

    after = report(zf)
    assert after["households"]["visited"] == 1
    assert after["needs"]["raised"] == 0
    assert after["heard"]["wishes"] == 0
    assert due_of(zf, "H000001")["last_visit"] is None
    assert [v["id"] for v in zf("visit", "list", "--format", "json").json()] != [visit["id"]]
    assert visit["id"] not in [v["id"] for v in zf("visit", "list", "--format", "json").json()]
    every = zf("visit", "list", "--all", "--format", "json").json()
    assert {v["id"]: v["status"] for v in every}[visit["id"]] == "void"
    # the need it opened is void too, and no longer open
    [c] = zf("commitment", "list", "--format", "json").json()
    assert c["status"] == "void"
    assert zf("commitment", "list", "--status", "open", "--format", "json").json() == []
    # who, when, why
    [row] = query(
        ledger_path,
        "SELECT object_key, action, reason, operator FROM correction WHERE object_type = 'visit'",
    )
    assert row == (str(visit["id"]), "void", "记错户", "王书记")
    shown = zf("visit", "show", str(visit["id"]), "--format", "json").json()
    assert shown["status"] == "void" and shown["current"] is None
    assert [(c["action"], c["reason"], c["operator"]) for c in shown["corrections"]] == [
        ("void", "记错户", "王书记")
    ]
    # audit visits no longer finds the visit (it counts nowhere)
    audit = zf("audit", "visits", "--format", "json").json()
    assert all(str(visit["id"]) not in f["detail"] for f in audit["findings"])


def test_void_refuses_a_visit_whose_need_has_a_response(zf, village, snapshot_db):
    visit = log(zf, "H000001", "--need", "修屋顶")
    [cid] = visit["commitments"]
    assert zf("commitment", "respond", str(cid), "--note", "已联系施工队").exit_code == 0
    line = refused(
        zf, snapshot_db, "visit", "void", str(visit["id"]), "--reason", "x", code=1, starts="ID: "
    )
    assert f"commitments {cid}" in line


def test_void_refuses_a_visit_with_a_standing_payment_until_it_is_reversed(zf, funded, snapshot_db):
    visit = log(zf, "H000001", "--cash", "200", "--fund", FUND)
    [seq] = visit["entries"]
    line = refused(
        zf, snapshot_db, "visit", "void", str(visit["id"]), "--reason", "x", code=1, starts="ID: "
    )
    assert f"ledger entry {seq}" in line
    line = refused(
        zf,
        snapshot_db,
        "visit",
        "amend",
        str(visit["id"]),
        "--household",
        "H000003",
        "--reason",
        "x",
        code=1,
        starts="ID: ",
    )
    assert f"ledger entry {seq}" in line
    # the kind may be corrected: the entry still names the visit it was paid at
    assert (
        zf("visit", "amend", str(visit["id"]), "--kind", "节日慰问", "--reason", "x").exit_code == 0
    )
    assert zf("fund", "reverse", str(seq), "--reason", "发错").exit_code == 0
    shown = zf("visit", "show", str(visit["id"]), "--format", "json").json()
    current = shown["current"]
    assert zf("visit", "void", str(current), "--reason", "整条记错").exit_code == 0
    shown = zf("visit", "show", str(visit["id"]), "--format", "json").json()
    assert [v["status"] for v in shown["versions"]] == ["superseded", "void"]
    assert shown["entries"][0] == seq


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["visit", "void", "1"], 2, "--reason: "),
        (["visit", "void", "1", "--reason", "  "], 2, "--reason: "),
        (["visit", "void", "x", "--reason", "r"], 2, "ID: "),
        (["visit", "void", "99", "--reason", "r"], 1, "ID: "),
        (["visit", "amend", "1", "--reason", "r"], 2, "ID: nothing to amend"),
        (["visit", "amend", "1", "--kind", "routine", "--reason", "r"], 2, "ID: nothing"),
        (["visit", "amend", "1", "--kind", "串门", "--reason", "r"], 2, "--kind: "),
        (["visit", "amend", "1", "--date", "2027-01-01", "--reason", "r"], 2, "--date: "),
        (["visit", "amend", "1", "--household", "H000009", "--reason", "r"], 1, "--household: "),
        (["visit", "amend", "1", "--by", "C0099", "--reason", "r"], 1, "--by: "),
        (["visit", "amend", "1", "--notes", "x"], 2, "--reason: "),
        (["visit", "show", "99"], 1, "ID: "),
    ],
)
def test_bad_corrections_write_nothing(zf, village, snapshot_db, args, code, starts):
    log(zf, "H000001")
    refused(zf, snapshot_db, *args, code=code, starts=starts)


def test_a_void_visit_cannot_be_voided_or_amended_again(zf, village, snapshot_db):
    visit = log(zf)
    vid = str(visit["id"])
    assert zf("visit", "void", vid, "--reason", "记错").exit_code == 0
    line = refused(zf, snapshot_db, "visit", "void", vid, "--reason", "r", code=1, starts="ID: ")
    assert "already void" in line
    refused(
        zf,
        snapshot_db,
        "visit",
        "amend",
        vid,
        "--notes",
        "n",
        "--reason",
        "r",
        code=1,
        starts="ID: ",
    )


# ---------------------------------------------------------------------------- amend


def test_amend_moves_a_visit_to_the_right_household_and_recomputes_both_due_dates(
    zf, village, ledger_path, snapshot_db
):
    visit = log(zf, "H000001", "--need", "修屋顶", "--suggestion", "装路灯", "--notes", "看望")
    vid = str(visit["id"])
    assert due_of(zf, "H000003") is not None  # never visited: due
    result = zf(
        "visit",
        "amend",
        vid,
        "--household",
        "Ｈ０００００３",
        "--date",
        "2026-11-19",
        "--by",
        "C0002",
        "--reason",
        "记错户和日期",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    out = result.json()
    new = out["replaced_by"]
    assert out["status"] == "superseded" and out["household"] == "H000003"
    assert out["changes"] == {
        "household": ["H000001", "H000003"],
        "visit_date": ["2026-11-20", "2026-11-19"],
        "cadres": [["C0001"], ["C0002"]],
    }
    assert due_of(zf, "H000001")["last_visit"] is None  # due again
    assert due_of(zf, "H000003") is None  # visited now
    [listed] = zf("visit", "list", "--format", "json").json()
    assert listed["id"] == new
    assert (listed["household"], listed["date"], listed["cadres"]) == (
        "H000003",
        "2026-11-19",
        ["C0002"],
    )
    assert listed["notes"] == "看望" and listed["suggestions"] == ["装路灯"]
    assert listed["needs"] == ["修屋顶"]  # the need moved with the visit
    [c] = zf("commitment", "list", "--format", "json").json()
    assert (c["household"], c["visit"]) == ("H000003", new)
    # a superseded version cannot be amended again: the current one can
    line = refused(
        zf,
        snapshot_db,
        "visit",
        "amend",
        vid,
        "--notes",
        "n",
        "--reason",
        "r",
        code=1,
        starts="ID: ",
    )
    assert f"visit {new}" in line
    assert (
        zf("visit", "amend", str(new), "--notes", "看望，送米", "--reason", "补记").exit_code == 0
    )
    shown = zf("visit", "show", vid, "--format", "json").json()
    assert len(shown["versions"]) == 3
    assert [v["status"] for v in shown["versions"]] == ["superseded", "superseded", "current"]
    assert shown["current"] == shown["versions"][-1]["id"]
    assert [c["reason"] for c in shown["corrections"]] == ["记错户和日期", "补记"]
    assert set(shown) == {
        "id",
        "status",
        "current",
        "versions",
        "corrections",
        "commitments",
        "entries",
    }
    # both households see the correction in their history
    from zoufang import db
    from zoufang.services.corrections import visit_corrections_of_household

    ledger = db.Ledger(ledger_path)
    try:
        with ledger.session(write=False, operator="t", command="test") as s:
            first = visit_corrections_of_household(s, "H000001")
            third = visit_corrections_of_household(s, "H000003")
    finally:
        ledger.engine.dispose()
    assert [c["reason"] for c in first] == ["记错户和日期"]
    assert [c["reason"] for c in third] == ["记错户和日期", "补记"]
    # the text view names every version and correction
    text = zf("visit", "show", vid).stdout
    assert "记错户和日期" in text and "补记" in text and "superseded" in text


def test_a_void_visit_cannot_be_named_by_a_payment(zf, funded):
    visit = log(zf, "H000001")
    assert zf("visit", "void", str(visit["id"]), "--reason", "记错").exit_code == 0
    result = zf(
        "fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--visit", str(visit["id"])
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --visit: ")


# ---------------------------------------------------------------------------- storage


@pytest.mark.parametrize(
    "statement", ["UPDATE correction SET reason = 'x'", "DELETE FROM correction"]
)
def test_the_database_refuses_to_change_a_correction(zf, village, ledger_path, statement):
    visit = log(zf)
    assert zf("visit", "void", str(visit["id"]), "--reason", "记错").exit_code == 0
    con = rawdb.connect(ledger_path)
    try:
        with pytest.raises(Exception, match="append-only"):
            with con:
                con.execute(statement)
    finally:
        con.close()
    assert query(ledger_path, "SELECT reason FROM correction") == [("记错",)]


# ---------------------------------------------------------------------------- other records


def test_commitment_void_takes_it_out_of_the_needs_and_keeps_it(zf, village, ledger_path):
    result = zf(
        "commitment", "add", "H000001", "申请临时救助", "--cadre", "C0001", "--due", "2026-12-31"
    )
    assert result.exit_code == 0, result.stderr
    [c] = zf("commitment", "list", "--format", "json").json()
    assert report(zf)["needs"]["raised"] == 1
    result = zf("commitment", "void", str(c["id"]), "--reason", "重复登记", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["status"] == "void"
    assert report(zf)["needs"]["raised"] == 0
    assert query(
        ledger_path,
        "SELECT object_type, object_key, action, reason FROM correction",
    ) == [("commitment", str(c["id"]), "void", "重复登记")]
    # a void commitment is closed: it cannot be answered, nor voided again
    assert zf("commitment", "respond", str(c["id"]), "--note", "x").exit_code == 1
    assert zf("commitment", "void", str(c["id"]), "--reason", "x").exit_code == 1


def test_commitment_void_refuses_one_with_a_response(zf, village, snapshot_db):
    assert (
        zf(
            "commitment", "add", "H000001", "修屋顶", "--cadre", "C0001", "--due", "2026-12-31"
        ).exit_code
        == 0
    )
    assert zf("commitment", "respond", "1", "--note", "已联系").exit_code == 0
    line = refused(
        zf, snapshot_db, "commitment", "void", "1", "--reason", "x", code=1, starts="ID: "
    )
    assert "1 response" in line
    refused(zf, snapshot_db, "commitment", "void", "1", code=2, starts="--reason: ")
    refused(zf, snapshot_db, "commitment", "void", "9", "--reason", "x", code=1, starts="ID: ")


def test_member_update_and_remove_keep_the_history(zf, village, ledger_path, snapshot_db):
    assert zf("member", "add", "H000001", "--name", "陈奶奶", "--relation", "配偶").exit_code == 0
    result = zf(
        "--as",
        "李会计",
        "member",
        "update",
        "1",
        "--name",
        "陈老太",
        "--birth-year",
        "1947",
        "--reason",
        "名字写错",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert (result.json()["name"], result.json()["birth_year"]) == ("陈老太", 1947)
    refused(
        zf,
        snapshot_db,
        "member",
        "update",
        "1",
        "--name",
        "陈老太",
        "--reason",
        "r",
        code=2,
        starts="ID: nothing",
    )
    refused(zf, snapshot_db, "member", "update", "1", "--name", "x", code=2, starts="--reason: ")
    refused(zf, snapshot_db, "member", "remove", "7", "--reason", "r", code=1, starts="ID: ")
    result = zf("member", "remove", "1", "--reason", "已迁出", "--format", "json")
    assert result.exit_code == 0 and result.json()["status"] == "removed"
    refused(zf, snapshot_db, "member", "remove", "1", "--reason", "r", code=1, starts="ID: ")
    brief = zf("household", "show", "H000001", "--format", "json").json()
    [member] = brief["member_list"]
    assert (member["name"], member["status"]) == ("陈老太", "removed")
    assert [
        (c["object"], c["action"], c["reason"], c["operator"]) for c in brief["corrections"]
    ] == [
        ("member", "update", "名字写错", "李会计"),
        ("member", "remove", "已迁出", "tester"),
    ]
    assert brief["corrections"][0]["changes"] == {
        "name": ["陈奶奶", "陈老太"],
        "birth_year": [None, 1947],
    }


def test_household_void_only_while_nothing_hangs_on_it(zf, village, snapshot_db, ledger_path):
    log(zf, "H000001")
    line = refused(
        zf,
        snapshot_db,
        "household",
        "void",
        "H000001",
        "--reason",
        "错录",
        code=1,
        starts="HOUSEHOLD: ",
    )
    assert "household exit" in line
    before = report(zf)["households"]["enrolled"]
    result = zf("household", "void", "H000002", "--reason", "不符合条件，误录", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["status"] == "void"
    assert report(zf)["households"]["enrolled"] == before - 1
    assert due_of(zf, "H000002") is None
    refused(
        zf,
        snapshot_db,
        "household",
        "void",
        "H000002",
        "--reason",
        "r",
        code=1,
        starts="HOUSEHOLD: ",
    )
    refused(
        zf,
        snapshot_db,
        "household",
        "void",
        "H000009",
        "--reason",
        "r",
        code=1,
        starts="HOUSEHOLD: ",
    )
    refused(zf, snapshot_db, "household", "void", "H000003", code=2, starts="--reason: ")
    assert query(ledger_path, "SELECT status FROM household WHERE code = 'H000002'") == [("void",)]


def test_unassigning_with_a_reason_is_kept(zf, village, ledger_path, snapshot_db):
    refused(
        zf, snapshot_db, "assign", "H000001", "C0002", "--reason", "x", code=2, starts="--reason: "
    )
    result = zf("assign", "H000001", "C0001", "--remove", "--reason", "干部调岗")
    assert result.exit_code == 0, result.stderr
    assert query(ledger_path, "SELECT object_key, action, reason FROM correction") == [
        ("H000001/C0001", "unassign", "干部调岗")
    ]


def test_audit_visits_warns_of_a_correction_made_long_after_the_visit(zf, village, ledger_path):
    early = log(zf, "H000001")
    late = log(zf, "H000002")
    rawdb.execute(
        ledger_path,
        f"UPDATE visit SET recorded_at = '2026-09-01 08:00:00' WHERE id = {late['id']}",
    )
    assert zf("visit", "void", str(early["id"]), "--reason", "当天发现").exit_code == 0
    assert (
        zf("visit", "amend", str(late["id"]), "--notes", "补记", "--reason", "补录").exit_code == 0
    )
    result = zf("audit", "visits", "--format", "json")
    found = [f for f in result.json()["findings"] if f["check"] == "late-correction"]
    assert len(found) == 1
    [f] = found
    assert f["severity"] == "warning" and f["household"] == "H000002"
    assert f"visit {late['id']} to H000002: amend on" in f["detail"] and "(补录)" in f["detail"]


def test_a_payment_whose_only_visit_that_day_was_voided_is_a_payment_without_a_visit(zf, funded):
    visit = log(zf, "H000001", date="2026-11-23")
    assert zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001").exit_code == 0

    def no_visit() -> list:
        findings = zf("audit", "funds", "--format", "json").json()["findings"]
        return [f for f in findings if f["check"] == "no-visit"]

    assert no_visit() == []
    assert zf("visit", "void", str(visit["id"]), "--reason", "记错户").exit_code == 0
    [found] = no_visit()
    assert found["household"] == "H000001"

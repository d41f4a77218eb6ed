"""`wish add/claim/fulfil/decline/list` and `suggestion add/answer/list`, through the real
entry point, on a real ledger: every state change, good and bad input."""

from __future__ import annotations

import pytest

import rawdb
from helpers import FUND, TODAY, ok, refused


def visit(zf, *args, date="2026-11-01"):
    result = zf(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0002",
        "--by",
        "C0001",
        "--date",
        date,
        *args,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    return result.json()


def wishes(zf, *args):
    return ok(zf("wish", "list", *args, "--format", "json")).json()


def suggestions(zf, *args):
    return ok(zf("suggestion", "list", *args, "--format", "json")).json()


# ---------------------------------------------------------------------------- wishes


def test_visit_log_wish_opens_a_wish_held_by_the_first_visiting_cadre(zf, village):
    v = visit(zf, "--wish", "一台收音机", "--wish", "助听器", "--suggestion", "路灯坏了")
    assert v["wishes"] == [1, 2] and v["suggestions"] == [1]
    [w1, w2] = wishes(zf)
    assert (w1["id"], w1["text"], w1["status"], w1["cadre"]) == (1, "一台收音机", "open", "C0002")
    assert (w1["household"], w1["heard_on"], w1["visit"]) == ("H000001", "2026-11-01", 1)
    assert w2["text"] == "助听器"
    [s] = suggestions(zf)
    assert (s["status"], s["cadre"], s["days_waiting"]) == ("unanswered", "C0002", 22)


def test_lists_name_the_responsible_cadre(zf, village):
    visit(zf, "--wish", "一台收音机", "--suggestion", "路灯坏了")
    [w], [s] = wishes(zf), suggestions(zf)
    assert (w["cadre"], w["cadre_name"]) == ("C0002", "李梅")
    assert (s["cadre"], s["cadre_name"]) == ("C0002", "李梅")
    for kind in ("wish", "suggestion"):
        for args in (["list"], ["list", "--household", "H000001"]):
            assert "C0002 李梅" in ok(zf(kind, *args, "--format", "plain")).stdout


def test_wish_claim_fulfil_with_the_defaults(zf, ledger_path, village):
    visit(zf, "--wish", "一台收音机")
    w = ok(zf("wish", "claim", "1", "--by", "李梅", "--format", "json")).json()
    assert (w["status"], w["claimed_by"], w["claimed_on"]) == ("claimed", "C0002", TODAY)
    assert w["due_date"] == "2026-12-23"  # 30 days
    w = ok(zf("wish", "fulfil", "1", "--note", "已送到", "--format", "json")).json()
    assert (w["status"], w["closed_on"], w["outcome"], w["entry"]) == (
        "fulfilled",
        TODAY,
        "已送到",
        None,
    )
    events = rawdb.query(
        ledger_path, "SELECT wish_id, kind, event_date FROM wish_event ORDER BY id"
    )
    assert [tuple(e) for e in events] == [(1, "claim", TODAY), (1, "fulfil", TODAY)]


def test_wish_claimed_by_a_unit_with_a_contact(zf, village):
    ok(zf("wish", "add", "H000002", "--text", "学习桌", "--date", "2026-11-20"))
    w = ok(
        zf(
            "wish",
            "claim",
            "1",
            "--unit",
            "县团委",
            "--person",
            "张志愿",
            "--phone",
            "13812345678",
            "--due",
            "2026-12-10",
            "--format",
            "json",
        )
    ).json()
    assert w["claimed_unit"] == "县团委" and w["claimed_person"] == "张志愿"
    assert w["claimed_by"] == "县团委 (张志愿 13812345678)"
    assert w["due_date"] == "2026-12-10"
    assert w["cadre"] == "C0001"  # the household's assigned cadre


def test_wish_decline_keeps_the_reason(zf, village):
    visit(zf, "--wish", "想要一辆汽车")
    w = ok(
        zf("wish", "decline", "1", "--reason", "超出帮扶范围，已向户主说明", "-f", "json")
    ).json()
    assert (w["status"], w["outcome"]) == ("declined", "超出帮扶范围，已向户主说明")
    assert [x["id"] for x in wishes(zf, "--status", "未能实现")] == [1]
    assert wishes(zf, "--status", "open") == []


def test_wish_fulfil_paid_from_a_fund_goes_through_the_money_ledger(zf, ledger_path, funded):
    visit(zf, "--wish", "一台电暖器")
    ok(zf("wish", "claim", "1", "--by", "C0001"))
    w = ok(zf("wish", "fulfil", "1", "--cash", "300", "--fund", FUND, "--format", "json")).json()
    assert w["status"] == "fulfilled" and w["entry"] == 2
    [entry] = rawdb.query(
        ledger_path,
        "SELECT kind, amount_fen, household_code, cadre_code FROM ledger_entry WHERE seq = 2",
    )
    assert tuple(entry) == ("disburse", 30000, "H000001", "C0001")


def test_wish_fulfil_refused_by_a_fund_rule_writes_nothing(zf, funded, snapshot_db):
    # H000003 is a left-behind child: not a category the fund pays
    ok(zf("wish", "add", "H000003", "--text", "书包"))
    refused(
        zf,
        snapshot_db,
        "wish",
        "fulfil",
        "1",
        "--cash",
        "100",
        "--fund",
        FUND,
        code=1,
        starts="ineligible: ",
    )


def test_wish_list_filters(zf, village):
    visit(zf, "--wish", "收音机")
    ok(zf("wish", "add", "H000002", "--text", "学习桌", "--by", "C0002"))
    ok(zf("wish", "claim", "1", "--by", "C0001", "--date", "2026-11-02", "--due", "2026-11-10"))
    assert [w["id"] for w in wishes(zf, "--overdue")] == [1]
    assert wishes(zf, "--overdue")[0]["days_overdue"] == 13
    assert [w["id"] for w in wishes(zf, "--village", "东风社区")] == [2]
    assert [w["id"] for w in wishes(zf, "--cadre", "C0001")] == [1]  # claimed by
    assert [w["id"] for w in wishes(zf, "--cadre", "C0002")] == [1, 2]  # responsible
    assert [w["id"] for w in wishes(zf, "--status", "待认领")] == [2]
    assert [w["id"] for w in wishes(zf, "--status", "claimed")] == [1]


def test_wish_status_shown_in_chinese(zf, village):
    visit(zf, "--wish", "收音机")
    out = ok(zf("--lang", "zh", "wish", "list", "--format", "plain")).stdout
    assert "待认领" in out and "open" not in out


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["wish", "claim", "1", "--by", "C0001"], 1, "ID: wish 1 is fulfilled"),
        (["wish", "claim", "9", "--by", "C0001"], 1, "ID: no wish 9"),
        (["wish", "claim", "x", "--by", "C0001"], 2, "ID: "),
        (["wish", "decline", "1", "--reason", "x"], 1, "ID: wish 1 is fulfilled"),
        (["wish", "fulfil", "1"], 1, "ID: wish 1 is fulfilled"),
    ],
)
def test_wish_refusals_after_fulfilment(zf, village, snapshot_db, args, code, starts):
    visit(zf, "--wish", "收音机")
    ok(zf("wish", "fulfil", "1"))
    refused(zf, snapshot_db, *args, code=code, starts=starts)


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["wish", "claim", "1"], 2, "--by: give either --by CADRE or --unit NAME"),
        (["wish", "claim", "1", "--by", "C0001", "--unit", "团委"], 2, "--by: "),
        (["wish", "claim", "1", "--unit", ""], 2, "--unit: "),
        (["wish", "claim", "1", "--unit", "  "], 2, "--unit: "),
        (["wish", "claim", "1", "--by", "C0001", "--person", "张三"], 2, "--person: "),
        (["wish", "claim", "1", "--by", "C0009"], 1, "--by: no cadre"),
        (
            ["wish", "claim", "1", "--by", "C0001", "--date", "2026-10-01"],
            2,
            "--date: 2026-10-01 is before the wish was heard (2026-11-01)",
        ),
        (["wish", "claim", "1", "--by", "C0001", "--date", "2026-12-01"], 2, "--date: "),
        (["wish", "claim", "1", "--by", "C0001", "--due", "2026-11-02"], 2, "--due: "),
        (["wish", "fulfil", "1", "--date", "2027-01-01"], 2, "--date: "),
        (["wish", "fulfil", "1", "--cash", "100"], 2, "--fund: "),
        (["wish", "fulfil", "1", "--cash", "abc", "--fund", "X"], 2, "--cash: "),
        (["wish", "decline", "1", "--reason", ""], 2, "--reason: "),
        (["wish", "add", "H000009", "--text", "x"], 1, "HOUSEHOLD: "),
        (["wish", "add", "H000001", "--text", ""], 2, "--text: "),
        (["wish", "add", "H000001", "--text", "x", "--date", "2027-01-01"], 2, "--date: "),
        (["wish", "list", "--status", "done"], 2, "--status: "),
    ],
)
def test_wish_bad_input(zf, village, snapshot_db, args, code, starts):
    visit(zf, "--wish", "收音机")
    refused(zf, snapshot_db, *args, code=code, starts=starts)


def test_claimed_wish_cannot_be_claimed_again_but_can_be_declined(zf, village, snapshot_db):
    visit(zf, "--wish", "收音机")
    ok(zf("wish", "claim", "1", "--by", "C0001"))
    refused(
        zf,
        snapshot_db,
        "wish",
        "claim",
        "1",
        "--by",
        "C0002",
        code=1,
        starts="ID: wish 1 is claimed",
    )
    ok(zf("wish", "decline", "1", "--reason", "已无法购买"))
    refused(zf, snapshot_db, "wish", "fulfil", "1", code=1, starts="ID: wish 1 is declined")


def test_wish_events_are_append_only(zf, ledger_path, village):
    visit(zf, "--wish", "收音机")
    ok(zf("wish", "claim", "1", "--by", "C0001"))
    for statement in ("UPDATE wish_event SET note = 'x'", "DELETE FROM wish_event"):
        with pytest.raises(Exception, match="append-only"):
            rawdb.execute(ledger_path, statement)


# ---------------------------------------------------------------------------- suggestions


def test_suggestion_answer_adopted_and_amended(zf, ledger_path, village):
    visit(zf, "--suggestion", "村口路灯坏了")
    s = ok(zf("suggestion", "answer", "1", "--note", "已报修", "--adopted", "-f", "json")).json()
    assert (s["status"], s["adopted"], s["answered_on"], s["answered_by"]) == (
        "adopted",
        True,
        TODAY,
        "C0002",
    )
    s = ok(
        zf(
            "suggestion",
            "answer",
            "1",
            "--note",
            "暂无经费",
            "--not-adopted",
            "--amend",
            "--by",
            "C0001",
            "-f",
            "json",
        )
    ).json()
    assert (s["status"], s["adopted"], s["answer"], s["answered_by"]) == (
        "not-adopted",
        False,
        "暂无经费",
        "C0001",
    )
    assert [a["note"] for a in s["answers"]] == ["已报修", "暂无经费"]
    assert [a["amends"] for a in s["answers"]] == [False, True]
    for statement in ("UPDATE suggestion_answer SET note = 'x'", "DELETE FROM suggestion_answer"):
        with pytest.raises(Exception, match="append-only"):
            rawdb.execute(ledger_path, statement)


def test_an_amendment_that_says_nothing_of_adoption_keeps_it(zf, village, snapshot_db):
    """Amending only the wording keeps 已采纳; an amendment dated before the answer it amends
    is refused, exit 2, nothing written."""
    visit(zf, "--suggestion", "村口路灯坏了")
    ok(zf("suggestion", "answer", "1", "--note", "已报修", "--adopted", "--date", "2026-11-20"))
    s = ok(
        zf("suggestion", "answer", "1", "--note", "已报修，下周装好", "--amend", "-f", "json")
    ).json()
    assert (s["status"], s["adopted"], s["answer"]) == ("adopted", True, "已报修，下周装好")
    line = refused(
        zf,
        snapshot_db,
        "suggestion",
        "answer",
        "1",
        "--note",
        "x",
        "--amend",
        "--date",
        "2026-11-10",
        code=2,
        starts="--date: ",
    )
    assert "2026-11-10" in line


def test_suggestion_answered_without_a_stance(zf, village):
    ok(zf("suggestion", "add", "H000002", "--text", "希望多来看看", "--date", "2026-11-10"))
    s = ok(zf("suggestion", "answer", "1", "--note", "已解释", "-f", "json")).json()
    assert (s["status"], s["adopted"], s["cadre"]) == ("answered", None, "C0001")
    assert suggestions(zf, "--unanswered") == []
    out = ok(zf("--lang", "zh", "suggestion", "list", "--format", "plain")).stdout
    assert "已答复" in out


def test_suggestion_list_filters(zf, village):
    visit(zf, "--suggestion", "修路")
    ok(zf("suggestion", "add", "H000002", "--text", "增设公交站"))
    ok(zf("suggestion", "answer", "1", "--note", "已列入计划", "--adopted"))
    assert [s["id"] for s in suggestions(zf, "--unanswered")] == [2]
    assert [s["id"] for s in suggestions(zf, "--village", "红星村")] == [1]
    assert [s["id"] for s in suggestions(zf, "--household", "H000002")] == [2]


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (
            ["suggestion", "answer", "1", "--note", "又答复"],
            1,
            "ID: suggestion 1 was already answered on 2026-11-23: give --amend",
        ),
        (["suggestion", "answer", "2", "--note", "x", "--amend"], 1, "--amend: "),
        (["suggestion", "answer", "9", "--note", "x"], 1, "ID: no suggestion 9"),
        (["suggestion", "answer", "2", "--note", ""], 2, "--note: "),
        (
            ["suggestion", "answer", "2", "--note", "x", "--date", "2026-10-01"],
            2,
            "--date: 2026-10-01 is before the suggestion was heard (2026-11-01)",
        ),
        (
            ["suggestion", "answer", "2", "--note", "x", "--date", "2026-12-24"],
            2,
            "--date: ",
        ),
        (["suggestion", "answer", "2", "--note", "x", "--by", "C0009"], 1, "--by: "),
        (["suggestion", "add", "H000001", "--text", ""], 2, "--text: "),
    ],
)
def test_suggestion_bad_input(zf, village, snapshot_db, args, code, starts):
    visit(zf, "--suggestion", "修路", "--suggestion", "装路灯")
    ok(zf("suggestion", "answer", "1", "--note", "已答复"))
    refused(zf, snapshot_db, *args, code=code, starts=starts)


# ---------------------------------------------------------------------------- corrections


def test_voiding_a_visit_voids_its_open_wishes_and_suggestions(zf, village):
    visit(zf, "--wish", "收音机", "--suggestion", "修路")
    ok(zf("visit", "void", "1", "--reason", "录错户"))
    assert wishes(zf) == [] and suggestions(zf) == []
    assert [w["status"] for w in wishes(zf, "--status", "void")] == ["void"]


def test_a_visit_whose_wish_was_claimed_is_amended_not_voided(zf, village, snapshot_db):
    visit(zf, "--wish", "收音机")
    ok(zf("wish", "claim", "1", "--by", "C0001"))
    refused(
        zf,
        snapshot_db,
        "visit",
        "void",
        "1",
        "--reason",
        "录错",
        code=1,
        starts="ID: wishes or suggestions heard at visit 1",
    )
    ok(zf("visit", "amend", "1", "--date", "2026-11-02", "--reason", "日期记错"))
    [w] = wishes(zf)
    assert (w["visit"], w["heard_on"], w["status"]) == (2, "2026-11-02", "claimed")


# ---------------------------------------------------------------------------- follow-through


@pytest.fixture
def waiting(zf, village):
    """As of 2026-11-23: wish 1 claimed by C0001, due 2026-10-20 (34 days overdue); wish 2
    unclaimed since 2026-10-01 (53 days); wish 3 unclaimed since 2026-11-01 (22 days: in the
    supervisor's digest, not yet in the audit); suggestion 1 unanswered since 2026-10-01;
    suggestion 2 answered; suggestion 3 heard 2026-11-20 (3 days)."""
    visit(
        zf,
        "--wish",
        "收音机",
        "--wish",
        "轮椅",
        "--suggestion",
        "修路",
        "--suggestion",
        "装灯",
        date="2026-10-01",
    )
    ok(zf("wish", "claim", "1", "--by", "C0001", "--date", "2026-10-05", "--due", "2026-10-20"))
    ok(zf("suggestion", "answer", "2", "--note", "已安装", "--adopted"))
    ok(zf("wish", "add", "H000002", "--text", "学习桌", "--date", "2026-11-01"))
    ok(zf("suggestion", "add", "H000002", "--text", "多开会", "--date", "2026-11-20"))


def test_audit_visits_lists_what_was_recorded_and_not_acted_on(zf, waiting):
    report = zf("audit", "visits", "--format", "json").json()
    mine = [f for f in report["findings"] if f["check"].startswith(("wish", "suggestion"))]
    assert [(f["check"], f["severity"], f["household"]) for f in mine] == [
        ("wish-overdue", "warning", "H000001"),
        ("wish-unclaimed", "warning", "H000001"),
        ("suggestion-unanswered", "warning", "H000001"),
    ]
    assert mine[0]["detail"] == (
        'wish 1 of H000001 "收音机", claimed by C0001, was due 2026-10-20 and is 34 days '
        "overdue (responsible: C0001 王建国)"
    )
    assert mine[2]["detail"] == (
        'suggestion 1 of H000001 "修路", heard 2026-10-01, has had no answer for 53 days '
        "(responsible: C0002 李梅)"
    )
    zh = zf("--lang", "zh", "audit", "visits", "--format", "plain").stdout
    assert "只记不办" in zh


def test_remind_tells_each_cadre_and_the_supervisor(zf, waiting):
    result = zf("remind", "--lang", "en", "--format", "json")
    assert result.exit_code == 0, result.stderr
    items = result.json()["items"]
    mine = {(i["recipient"], i["key"]) for i in items if i["kind"] in ("wish", "suggestion")}
    assert mine == {
        ("C0001", "wish:1"),  # the claimer
        ("C0002", "wish:2"),  # the first visiting cadre
        ("C0002", "suggestion:1"),
        ("supervisor", "wish:2"),  # unclaimed for more than 14 days
        ("supervisor", "wish:3"),
    }
    texts = {m["recipient"]: m["text"] for m in result.json()["messages"]}
    assert "Suggestions not answered (1):" in texts["C0002"]
    assert "1. suggestion #1 H000001 陈大爷: 修路 (heard 2026-10-01)" in texts["C0002"]
    assert "Wishes nobody has claimed (2):" in texts["supervisor"]
    again = zf("remind", "--format", "json").json()  # told once within a week
    assert [i for i in again["items"] if i["kind"] in ("wish", "suggestion")] == []


def test_household_show_lists_open_wishes_and_unanswered_suggestions(zf, waiting):
    brief = zf("household", "show", "H000001", "--format", "json").json()
    assert [w["id"] for w in brief["open_wishes"]] == [1, 2]
    assert [s["id"] for s in brief["unanswered_suggestions"]] == [1]
    out = zf("--lang", "zh", "household", "show", "H000001", "--format", "plain").stdout
    assert "待认领" in out and "已认领" in out

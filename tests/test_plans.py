"""Distribution plans (慰问名单): drafting, the rule check of every line, approval by another
operator, objections, paying at a meeting and at visits, and what the audit finds
(docs/funds.md, "Distribution plans").

The village and fund are conftest's ``funded`` fixture: CJ2026 (veteran members, low-income,
elderly-alone; cap 1,000.00; 5,000.00 allocated); H000001 陈大爷 (veteran, 红星村),
H000002 王奶奶 (low-income, 东风社区), H000003 刘小明 (left-behind child, 红星村), all
assigned to C0001. The CLI runs as operator "tester" unless ``--as`` says otherwise.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawdb
from helpers import FUND, TODAY, ok, refused

PLAN = f"{FUND}/1"


def draft(zf, *extra: str, as_: str = "drafter") -> dict:
    return ok(
        zf(
            "--as",
            as_,
            "fund",
            "plan",
            "create",
            FUND,
            "--name",
            "春节慰问名单",
            *extra,
            "-f",
            "json",
        )
    ).json()


def show(zf, plan: str = PLAN) -> dict:
    return ok(zf("fund", "plan", "show", plan, "-f", "json")).json()


def approve(zf, plan: str = PLAN, as_: str = "approver"):
    return zf("--as", as_, "fund", "plan", "approve", plan, "--minutes", "党委会纪要〔2026〕9号")


def lines(shown: dict) -> dict[str, dict]:
    return {line["household"]: line for line in shown["lines"]}


# ---------------------------------------------------------------------------- drafting


def test_a_draft_holds_the_funds_eligible_active_households(zf, funded):
    plan = draft(zf, "--amount", "500", "--date", "2026-11-25")
    assert plan["code"] == PLAN
    assert plan["status"] == "draft"
    assert plan["drafted_by"] == "drafter"
    assert plan["planned_on"] == "2026-11-25"
    assert list(lines(plan)) == ["H000002", "H000001"]  # 东风社区 before 红星村
    assert plan["total"] == "1000.00"
    assert plan["balance"] == "5000.00"
    assert all(line["status"] == "unpaid" and line["checks"] == [] for line in plan["lines"])
    assert plan["problems"] == []


def test_a_draft_of_one_village_and_category(zf, funded):
    plan = draft(zf, "--amount", "300", "--village", "红星村", "--category", "老党员")
    assert list(lines(plan)) == ["H000001"]


def test_the_second_plan_of_a_fund_is_numbered_2(zf, funded):
    draft(zf, "--amount", "300")
    assert draft(zf, "--amount", "300")["code"] == f"{FUND}/2"
    listed = ok(zf("fund", "plan", "list", FUND, "-f", "json")).json()
    assert [p["code"] for p in listed] == [PLAN, f"{FUND}/2"]


def test_a_draft_from_a_file_of_codes_and_amounts(zf, funded, tmp_path):
    file = tmp_path / "名单.csv"
    file.write_text(
        "红星村春节慰问名单\n户号,户主,金额（元）\nH000001,陈大爷,600\nH000003,刘小明,1.5万\n"
    )
    plan = draft(zf, "--amounts", str(file))
    assert {h: line["amount"] for h, line in lines(plan).items()} == {
        "H000001": "600.00",
        "H000003": "15000.00",
    }
    # both problems are seen before anyone is paid
    assert lines(plan)["H000003"]["checks"] == ["ineligible", "over-cap"]
    assert {p["check"] for p in plan["problems"]} == {"ineligible", "over-cap", "overspend"}


def test_a_draft_from_an_xlsx_file(zf, funded, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["户号", "慰问金"])
    book.active.append(["H000002", 800])
    file = tmp_path / "名单.xlsx"
    book.save(file)
    assert lines(draft(zf, "--amounts", str(file)))["H000002"]["amount"] == "800.00"


def test_every_bad_row_of_the_file_is_reported_at_once(zf, funded, snapshot_db, tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text("户号,金额\nH000001,500\nH 2,500\nH000001,300\nH000002,-5\nH000003,abc\n")
    line = refused(
        zf, snapshot_db, "fund", "plan", "create", FUND, "--name", "x", "--amounts", file,
        code=2, starts="--amounts: bad.csv: 4 bad rows, nothing written: row 3: 户号: 'H 2'",
    )  # fmt: skip
    assert "row 4: H000001 is also on row 2" in line
    assert "row 5: 金额: " in line and "row 6: 金额: 'abc'" in line


@pytest.mark.parametrize(
    ("content", "starts"),
    [
        (
            "户号,金额\nH000009,500\nH000008,500\n",
            "--amounts: no such households: H000009, H000008",
        ),
        ("户号,姓名\nH000001,陈大爷\n", "--amounts: x.csv needs a household code column"),
        ("户号,金额\n", "--amounts: x.csv has no data rows"),
    ],
)
def test_a_file_without_usable_rows_is_refused(zf, funded, snapshot_db, tmp_path, content, starts):
    file = tmp_path / "x.csv"
    file.write_text(content)
    refused(
        zf, snapshot_db, "fund", "plan", "create", FUND, "--name", "x", "--amounts", file,
        code=2, starts=starts,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["--amount", "0"], "--amount: "),
        (["--amount", "1.234"], "--amount: "),
        ([], "--amount: give --amount YUAN or --amounts FILE"),
        (["--amount", "5", "--amounts", "x.csv"], "--amounts: give --amount or --amounts"),
        (["--amounts", "nope.csv"], "--amounts: nope.csv: no such file"),
        (["--amount", "5", "--date", "2026-13-01"], "--date: "),
        (["--amount", "5", "--from-plan", PLAN], "--from-plan: "),
        (["--from-plan", "CJ2026"], "--from-plan: 'CJ2026' is not a plan"),
        (["--amounts", "x.csv", "--village", "红星村"], "--amounts: "),
        (["--amount", "5", "--village", " "], "--village: must not be empty"),
    ],
)
def test_bad_input_to_create_writes_nothing(zf, funded, snapshot_db, args, starts):
    refused(
        zf, snapshot_db, "fund", "plan", "create", FUND, "--name", "x", *args,
        code=2, starts=starts,
    )  # fmt: skip


def test_create_refusals(zf, funded, snapshot_db):
    args = ["fund", "plan", "create"]
    refused(zf, snapshot_db, *args, "NOPE", "--name", "x", "--amount", "5", code=1, starts="FUND:")
    refused(
        zf, snapshot_db, *args, FUND, "--name", "x", "--amount", "5", "--village", "无此村",
        code=1, starts="FUND: no household matches",
    )  # fmt: skip
    refused(
        zf, snapshot_db, *args, FUND, "--name", "x", "--amount", "5", "--category", "无此类",
        code=1, starts="--category: unknown category",
    )  # fmt: skip


def test_add_and_remove_edit_a_draft_and_leave_events(zf, funded, ledger_path):
    draft(zf, "--amount", "500")
    ok(zf("fund", "plan", "add", PLAN, "H000003", "200"))
    ok(zf("fund", "plan", "remove", PLAN, "H000002"))
    ok(zf("fund", "plan", "add", PLAN, "Ｈ０００００２"))  # the first line's amount
    shown = lines(show(zf))
    assert {h: line["amount"] for h, line in shown.items()} == {
        "H000002": "500.00",
        "H000001": "500.00",
        "H000003": "200.00",
    }
    assert shown["H000003"]["checks"] == ["ineligible"]
    kinds = [r[0] for r in rawdb.query(ledger_path, "SELECT kind FROM plan_event ORDER BY id")]
    assert kinds == ["create", "add", "add", "add", "remove", "add"]


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["add", "CJ2026-1", "H000003", "5"], 2, "PLAN: 'CJ2026-1' is not a plan"),
        (["add", PLAN, "H 3", "5"], 2, "HOUSEHOLD: "),
        (["add", PLAN, "H000003", "0"], 2, "AMOUNT: "),
        (["add", PLAN, "H000009", "5"], 1, "HOUSEHOLD: no household"),
        (["add", PLAN, "H000001", "5"], 1, "HOUSEHOLD: H000001 is already on plan"),
        (["add", f"{FUND}/7", "H000003", "5"], 1, "PLAN: no plan"),
        (["remove", PLAN, "H000003"], 1, "HOUSEHOLD: H000003 is not on plan"),
        (["remove", PLAN, ""], 2, "HOUSEHOLD: "),
        (["show", "x/y"], 2, "PLAN: "),
    ],
)
def test_bad_edits_write_nothing(zf, funded, snapshot_db, args, code, starts):
    draft(zf, "--amount", "500")
    refused(zf, snapshot_db, "fund", "plan", *args, code=code, starts=starts)


def test_show_judges_each_line_as_of_the_planned_date(zf, funded):
    # the fund's period ends 2026-12-31: a plan for January breaks out-of-period everywhere
    plan = draft(zf, "--amount", "100", "--date", "2027-01-10")
    assert all(line["checks"] == ["out-of-period"] for line in plan["lines"])


def test_show_finds_conflict_of_interest_and_duplicate_persons(zf, funded):
    import fundkit

    ok(zf("cadre", "relate", "C0001", "--household", "H000001", "--relation", "表兄"))
    fundkit._son(zf)  # 王小军, a member of H000002 …
    ok(
        zf(
            "enroll",
            "--name",
            "王小军",
            "--id-number",
            fundkit.SON_ID,
            "--village",
            "东风社区",
            "--category",
            "low-income",
        )
    )  # fmt: skip  … and a household of his own, H000004
    shown = lines(draft(zf, "--amount", "100"))
    assert shown["H000001"]["checks"] == ["conflict-of-interest"]  # C0001 is assigned to it
    assert shown["H000002"]["checks"] == ["duplicate-person"]
    assert shown["H000004"]["checks"] == ["duplicate-person"]


def test_show_in_text_lists_lines_and_problems(zf, funded):
    draft(zf, "--amount", "3,000")
    out = ok(zf("fund", "plan", "show", PLAN, "-f", "plain")).stdout
    assert "H000001" in out and "6,000.00" in out
    assert "overspend" in out and "1,000.00 short" in out


def test_show_in_chinese_uses_the_words(zf, funded):
    draft(zf, "--amount", "500")
    out = ok(zf("--lang", "zh", "fund", "plan", "show", PLAN, "-f", "plain")).stdout
    assert "拟定中" in out and "未发放" in out


# ---------------------------------------------------------------------------- approval


def test_the_drafter_cannot_approve(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    refused(
        zf, snapshot_db, "--as", "drafter", "fund", "plan", "approve", PLAN, "--minutes", "x",
        code=1, starts="--as: drafter drafted plan CJ2026/1 and cannot also approve it",
    )  # fmt: skip


def test_another_operator_approves_and_then_nobody_edits(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    shown = ok(approve(zf)).stdout
    assert "approved" in shown
    plan = show(zf)
    assert (plan["status"], plan["approved_by"]) == ("approved", "approver")
    assert plan["minutes"] == "党委会纪要〔2026〕9号"
    for args in (["add", PLAN, "H000003", "5"], ["remove", PLAN, "H000001"]):
        refused(
            zf, snapshot_db, "fund", "plan", *args, code=1, starts="PLAN: plan CJ2026/1 is approved"
        )
    refused(
        zf, snapshot_db, "--as", "third", "fund", "plan", "approve", PLAN, "--minutes", "y",
        code=1, starts="PLAN: plan CJ2026/1 is approved",
    )  # fmt: skip
    refused(
        zf, snapshot_db, "fund", "plan", "override", PLAN, "H000001", "--reason", "y",
        code=1, starts="PLAN: plan CJ2026/1 is approved",
    )  # fmt: skip


def test_a_plan_over_the_balance_cannot_be_approved_even_with_overrides(zf, funded, snapshot_db):
    draft(zf, "--amount", "3,000")  # 6,000.00 of 5,000.00, and over the cap
    line = refused(zf, snapshot_db, *_approve_args(), code=1, starts="PLAN: plan CJ2026/1 cannot")
    assert "over-cap" in line and "overspend" in line and "1,000.00 short" in line
    for h in ("H000001", "H000002"):
        ok(zf("fund", "plan", "override", PLAN, h, "--reason", "特殊困难，党委同意"))
    line = refused(zf, snapshot_db, *_approve_args(), code=1, starts="PLAN: plan CJ2026/1 cannot")
    assert "over-cap" not in line and "overspend" in line
    ok(zf("fund", "plan", "remove", PLAN, "H000002"))
    ok(approve(zf))


def _approve_args(plan: str = PLAN) -> list[str]:
    return ["--as", "approver", "fund", "plan", "approve", plan, "--minutes", "纪要"]


def test_a_rule_breaking_line_is_approved_only_once_overridden(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(zf("fund", "plan", "add", PLAN, "H000003", "200"))
    refused(zf, snapshot_db, *_approve_args(), code=1, starts="PLAN: plan CJ2026/1 cannot")
    refused(
        zf, snapshot_db, "fund", "plan", "override", PLAN, "H000001", "--reason", "x",
        code=1, starts="HOUSEHOLD: H000001's line breaks no rule",
    )  # fmt: skip
    ok(zf("fund", "plan", "override", PLAN, "H000003", "--reason", "留守儿童特批"))
    assert lines(show(zf))["H000003"]["override"] == "留守儿童特批"
    ok(approve(zf))
    # the payment carries the override reason into the ledger; the audit lists it
    ok(zf("fund", "plan", "pay", PLAN, "--by", "C0001"))
    assert _findings(zf) == (0, [("override", "warning", "H000003", 4)])


def test_re_adding_a_line_drops_its_override(zf, funded):
    draft(zf, "--amount", "500")
    ok(zf("fund", "plan", "add", PLAN, "H000003", "200"))
    ok(zf("fund", "plan", "override", PLAN, "H000003", "--reason", "特批"))
    ok(zf("fund", "plan", "remove", PLAN, "H000003"))
    ok(zf("fund", "plan", "add", PLAN, "H000003", "200"))
    assert lines(show(zf))["H000003"]["override"] is None


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["approve", PLAN, "--minutes", " "], "--minutes: must not be empty"),
        (["approve", PLAN, "--minutes", "x" * 501], "--minutes: "),
        (["override", PLAN, "H000001", "--reason", ""], "--reason: must not be empty"),
        (["object", PLAN, "H000001", "--note", ""], "--note: must not be empty"),
        (
            ["resolve-objection", PLAN, "H000001", "--decision", "maybe", "--note", "x"],
            "--decision: ",
        ),
        (["resolve-objection", PLAN, "H000001", "--decision", "keep", "--note", " "], "--note: "),
        (["pay", PLAN, "--by", "C 1"], "--by: "),
        (["pay", PLAN, "--by", "C0001", "--date", "2030-01-01"], "--date: "),
        (["pay", PLAN, "--by", "C0001", "--village", ""], "--village: "),
        (["pay", "CJ2026", "--by", "C0001"], "PLAN: "),
    ],
)
def test_bad_input_to_approval_objections_and_payment_writes_nothing(
    zf, funded, snapshot_db, args, starts
):
    draft(zf, "--amount", "500")
    refused(zf, snapshot_db, "--as", "approver", "fund", "plan", *args, code=2, starts=starts)


def test_a_new_version_supersedes_the_approved_plan(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("fund", "plan", "pay", PLAN, "--by", "C0001", "--village", "东风社区"))
    v2 = draft(zf, "--from-plan", PLAN)
    assert v2["code"] == f"{FUND}/2" and v2["from_plan"] == PLAN
    assert list(lines(v2)) == ["H000001"]  # the paid line is not planned again
    assert show(zf)["status"] == "approved"  # until the new version is approved
    ok(approve(zf, f"{FUND}/2"))
    assert show(zf)["status"] == "superseded"
    assert show(zf)["superseded_by"] == f"{FUND}/2"
    refused(
        zf, snapshot_db, "fund", "plan", "pay", PLAN, "--by", "C0001",
        code=1, starts="PLAN: plan CJ2026/1 was superseded by CJ2026/2",
    )  # fmt: skip


def test_a_new_version_of_another_funds_plan_is_refused(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(zf("fund", "create", "OTHER", "--name", "另一", "--category", "low-income"))
    refused(
        zf, snapshot_db, "fund", "plan", "create", "OTHER", "--name", "x", "--from-plan", PLAN,
        code=2, starts="--from-plan: plan CJ2026/1 is a plan of fund CJ2026, not of OTHER",
    )  # fmt: skip


# ---------------------------------------------------------------------------- objections


def test_an_objection_blocks_its_line_until_resolved(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("fund", "plan", "object", PLAN, "H000001", "--note", "村民反映其子女有稳定收入"))
    shown = lines(show(zf))
    assert shown["H000001"]["status"] == "objected"
    assert shown["H000001"]["objections"] == ["村民反映其子女有稳定收入"]
    refused(
        zf, snapshot_db, "visit", "log", "H000001", "--by", "C0001", "--plan", PLAN,
        code=1, starts="objection: an objection to H000001 on plan CJ2026/1 is open",
    )  # fmt: skip
    # the meeting pays the others, and says which line it left out
    paid = ok(zf("fund", "plan", "pay", PLAN, "--by", "C0001", "-f", "json")).json()
    assert [p["household"] for p in paid["paid"]] == ["H000002"]
    assert paid["skipped"] == [{"household": "H000001", "status": "objected"}]
    ok(zf("fund", "plan", "resolve-objection", PLAN, "H000001", "--decision", "保留",
          "--note", "经核实，子女均为低收入"))  # fmt: skip
    assert lines(show(zf))["H000001"]["status"] == "unpaid"
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--plan", PLAN))
    assert lines(show(zf))["H000001"]["status"] == "paid"


def test_an_objection_upheld_removes_the_line(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("fund", "plan", "object", PLAN, "H000002", "--note", "已迁出本镇"))
    ok(zf("fund", "plan", "resolve-objection", PLAN, "H000002", "--decision", "remove",
          "--note", "核实属实"))  # fmt: skip
    plan = show(zf)
    assert lines(plan)["H000002"]["status"] == "removed"
    assert plan["households"] == 1 and plan["total"] == "500.00"
    refused(
        zf, snapshot_db, "visit", "log", "H000002", "--by", "C0001", "--plan", PLAN,
        code=1, starts="HOUSEHOLD: H000002 was removed from plan CJ2026/1",
    )  # fmt: skip
    refused(
        zf, snapshot_db, "fund", "plan", "resolve-objection", PLAN, "H000002",
        "--decision", "keep", "--note", "x",
        code=1, starts="HOUSEHOLD: no objection to H000002 is open",
    )  # fmt: skip


def test_an_open_objection_blocks_approval(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(zf("fund", "plan", "object", PLAN, "H000001", "--note", "有人反映"))
    line = refused(zf, snapshot_db, *_approve_args(), code=1, starts="PLAN: plan CJ2026/1 cannot")
    assert "objection" in line


def test_plan_events_are_append_only_in_the_database(zf, funded, ledger_path):
    draft(zf, "--amount", "500")
    for sql in ("UPDATE plan_event SET note = 'x'", "DELETE FROM plan_event"):
        with pytest.raises(Exception, match="append-only"):
            rawdb.execute(ledger_path, sql)


# ---------------------------------------------------------------------------- paying


def test_paying_a_plan_at_a_meeting_of_one_village(zf, funded, ledger_path):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    paid = ok(
        zf("fund", "plan", "pay", PLAN, "--by", "C0001", "--village", "红星村",
           "--date", "2026-11-20", "-f", "json")
    ).json()  # fmt: skip
    assert paid["paid"] == [{"household": "H000001", "amount": "500.00", "entry": 2}]
    entry = zf("fund", "show", FUND, "-f", "json").json()["entries"][-1]
    assert (entry["kind"], entry["household"], entry["memo"]) == ("disburse", "H000001", PLAN)
    assert rawdb.query(ledger_path, "SELECT entry_seq FROM plan_payment") == [(2,)]
    plan = show(zf)
    assert lines(plan)["H000001"]["status"] == "paid"
    assert lines(plan)["H000001"]["entries"] == [2]
    assert lines(plan)["H000002"]["status"] == "unpaid"
    assert (plan["paid"], plan["unpaid"], plan["balance"]) == ("500.00", "500.00", "4500.00")
    assert _findings(zf) == (0, [])


def test_a_meeting_that_cannot_pay_one_line_pays_nothing_and_lists_every_problem(
    zf, funded, snapshot_db
):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    # after approval: one household exits, and the cadre turns out to be related to another
    ok(zf("household", "exit", "H000002", "--reason", "迁出"))
    ok(zf("cadre", "relate", "C0001", "--household", "H000001", "--relation", "表兄"))
    line = refused(
        zf, snapshot_db, "fund", "plan", "pay", PLAN, "--by", "C0001",
        code=1, starts="PLAN: nothing was paid: 2 of 2 lines cannot be paid",
    )  # fmt: skip
    assert "H000001: conflict-of-interest" in line and "H000002: inactive-household" in line


def test_a_plan_is_paid_through_visits(zf, funded):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    logged = ok(
        zf("visit", "log", "H000002", "--by", "C0002", "--fund", FUND, "--plan", PLAN,
           "--kind", "festival", "-f", "json")
    ).json()  # fmt: skip
    assert logged["entries"] == [2]
    entry = zf("fund", "show", FUND, "-f", "json").json()["entries"][-1]
    assert (entry["amount"], entry["visit"], entry["cadre"]) == ("500.00", logged["id"], "C0002")


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["--plan", PLAN, "--cash", "500"], 2, "--cash: --plan pays the planned amount"),
        (["--plan", "CJ2026"], 2, "--plan: "),
        (["--plan", PLAN, "--fund", "OTHER"], 2, "--fund: plan CJ2026/1 pays from fund CJ2026"),
        (["--plan", f"{FUND}/9"], 1, "--plan: no plan"),
    ],
)
def test_bad_visit_payments_from_a_plan_write_nothing(zf, funded, snapshot_db, args, code, starts):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    refused(zf, snapshot_db, "visit", "log", "H000001", "--by", "C0001", *args, code=code,
            starts=starts)  # fmt: skip


def test_a_draft_is_not_paid(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    refused(
        zf, snapshot_db, "visit", "log", "H000001", "--by", "C0001", "--plan", PLAN,
        code=1, starts="--plan: plan CJ2026/1 is not approved yet",
    )  # fmt: skip
    refused(
        zf, snapshot_db, "fund", "plan", "pay", PLAN, "--by", "C0001",
        code=1, starts="PLAN: plan CJ2026/1 is not approved yet",
    )  # fmt: skip


def test_a_line_is_paid_once_and_a_household_off_the_plan_not_at_all(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--plan", PLAN, "--date", "2026-11-20"))
    refused(
        zf, snapshot_db, "visit", "log", "H000001", "--by", "C0001", "--plan", PLAN,
        code=1, starts="plan-paid-twice: H000001 was already paid on plan CJ2026/1 (entry 2)",
    )  # fmt: skip
    refused(
        zf, snapshot_db, "visit", "log", "H000003", "--by", "C0001", "--plan", PLAN,
        code=1, starts="unplanned: H000003 is not on plan CJ2026/1",
    )  # fmt: skip
    ok(zf("fund", "plan", "pay", PLAN, "--by", "C0001"))
    refused(
        zf, snapshot_db, "fund", "plan", "pay", PLAN, "--by", "C0001",
        code=1, starts="PLAN: plan CJ2026/1 has no unpaid line to pay",
    )  # fmt: skip


def test_a_reversed_plan_payment_makes_the_line_unpaid_again(zf, funded):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--plan", PLAN, "--date", "2026-11-20"))
    ok(zf("fund", "reverse", "2", "--reason", "错发"))
    assert lines(show(zf))["H000001"]["status"] == "unpaid"
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--plan", PLAN))
    assert ok(zf("audit", "funds", "-f", "json")).json()["ok"]


# ---------------------------------------------------------------------------- requires a plan


def _plan_only_fund(zf) -> None:
    ok(zf("fund", "create", "PO", "--name", "须按名单发放", "--category", "low-income",
          "--requires-plan"))  # fmt: skip
    ok(zf("fund", "allocate", "PO", "2,000", "--date", "2026-11-01"))


def test_a_fund_that_requires_a_plan_pays_nothing_else(zf, funded, snapshot_db):
    _plan_only_fund(zf)
    assert ok(zf("fund", "show", "PO", "-f", "json")).json()["requires_plan"] is True
    for args in (
        ["fund", "disburse", "PO", "H000002", "100", "--by", "C0001"],
        ["fund", "disburse", "PO", "H000002", "100", "--by", "C0001", "--override", "急需"],
        ["visit", "log", "H000002", "--by", "C0001", "--cash", "100", "--fund", "PO"],
    ):
        refused(zf, snapshot_db, *args, code=1, starts="unplanned: fund PO pays only the lines")
    ok(zf("--as", "a", "fund", "plan", "create", "PO", "--name", "名单", "--amount", "300"))
    ok(approve(zf, "PO/1"))
    ok(zf("visit", "log", "H000002", "--by", "C0001", "--plan", "PO/1"))
    assert ok(zf("audit", "funds", "-f", "json")).json()["ok"]


# ---------------------------------------------------------------------------- the audit


def _links(ledger_path, *pairs: tuple[int, int]) -> None:
    """plan_payment rows written behind the program's back."""
    rawdb.execute(
        ledger_path,
        *(
            f"INSERT INTO plan_payment (entry_seq, plan_line_id) VALUES ({s}, {ln})"
            for s, ln in pairs
        ),
    )


def _line_id(ledger_path, household: str, plan: str = PLAN) -> int:
    return rawdb.query(
        ledger_path,
        "SELECT l.id FROM plan_line l JOIN plan p ON p.id = l.plan_id "
        "WHERE p.code = ? AND l.household_code = ?",
        plan,
        household,
    )[0][0]


def _findings(zf) -> tuple[int, list[tuple]]:
    """The audit's exit code and findings (but cash paid without a visit: not the point here)."""
    result = zf("audit", "funds", "-f", "json")
    return result.exit_code, [
        (f["check"], f["severity"], f["household"], f["entry"])
        for f in result.json()["findings"]
        if f["check"] != "no-visit"
    ]


def test_the_audit_finds_a_payment_above_the_planned_amount(zf, funded, ledger_path):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("fund", "disburse", FUND, "H000001", "800", "--by", "C0001"))  # entry 2, 800.00
    _links(ledger_path, (2, _line_id(ledger_path, "H000001")))
    code, found = _findings(zf)
    assert code == 1
    assert found == [("over-plan", "error", "H000001", 2)]
    detail = zf("audit", "funds", "-f", "json").json()["findings"][-1]["detail"]
    assert detail == "entry 2 paid H000001 800.00 on plan CJ2026/1, which plans 500.00"


def test_the_audit_finds_a_plan_line_paid_twice(zf, funded, ledger_path):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("fund", "plan", "pay", PLAN, "--by", "C0001", "--date", "2026-11-20"))  # 2, 3
    ok(zf("fund", "disburse", FUND, "H000001", "500", "--by", "C0001"))  # 4
    _links(ledger_path, (4, _line_id(ledger_path, "H000001")))
    code, found = _findings(zf)
    assert code == 1
    assert found == [("plan-paid-twice", "error", "H000001", 4)]


def test_the_audit_finds_payments_off_any_approved_plan_of_a_fund_that_requires_one(
    zf, funded, ledger_path
):
    import fundkit

    _plan_only_fund(zf)
    ok(zf("--as", "a", "fund", "plan", "create", "PO", "--name", "名单", "--amount", "300"))
    # a payment written behind the program's back, and one linked to a draft's line
    fundkit.raw_append(ledger_path, fund_code="PO", household_code="H000002", amount_fen=30000,
                       cadre_code="C0001")  # fmt: skip
    code, found = _findings(zf)
    assert code == 1
    assert found == [("unplanned", "error", "H000002", 3)]
    _links(ledger_path, (3, _line_id(ledger_path, "H000002", "PO/1")))
    assert _findings(zf) == (1, [("unplanned", "error", "H000002", 3)])  # the plan is a draft
    ok(approve(zf, "PO/1"))
    assert _findings(zf) == (0, [])
    # a payment to another household linked to H000002's line plans nothing
    fundkit.raw_append(ledger_path, fund_code="PO", household_code="H000001", amount_fen=30000,
                       cadre_code="C0001")  # fmt: skip
    _links(ledger_path, (4, _line_id(ledger_path, "H000002", "PO/1")))
    assert _findings(zf) == (
        1,
        [
            ("ineligible", "error", "H000001", 4),
            ("plan-paid-twice", "error", "H000001", 4),
            ("unplanned", "error", "H000001", 4),
        ],
    )


def test_plan_payments_are_append_only_in_the_database(zf, funded, ledger_path):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("fund", "plan", "pay", PLAN, "--by", "C0001"))
    for sql in ("UPDATE plan_payment SET plan_line_id = 1", "DELETE FROM plan_payment"):
        with pytest.raises(Exception, match="append-only"):
            rawdb.execute(ledger_path, sql)


# ---------------------------------------------------------------------------- for the notice


def test_the_plan_sheet_gives_the_notice_its_lines(zf, funded, ledger_path):
    from zoufang.db import Ledger
    from zoufang.services.plan_payments import plan_sheet

    draft(zf, "--amount", "500", "--date", "2026-11-25")
    ok(approve(zf))
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--plan", PLAN))
    ledger = Ledger(str(ledger_path))
    try:
        with ledger.session(write=False, operator="t", command="t") as s:
            sheet = plan_sheet(session=s, code=PLAN)
    finally:
        ledger.engine.dispose()
    assert (sheet["plan"], sheet["fund"], sheet["minutes"]) == (PLAN, FUND, "党委会纪要〔2026〕9号")
    assert sheet["source"] == "市委组织部代管党费"
    assert [
        (x["household"], x["village"], x["amount_fen"], x["status"]) for x in sheet["lines"]
    ] == [
        ("H000002", "东风社区", 50000, "unpaid"),
        ("H000001", "红星村", 50000, "paid"),
    ]


def test_notice_before_posts_the_planned_list(zf, funded):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    out = ok(zf("notice", PLAN, "--before", "-f", "json")).json()
    assert out["households"] == 2 and out["total"] == "1000.00"
    # the roster's order: the village of the lowest household code first (docs/notice.md)
    assert [r["name"] for r in out["recipients"]] == ["陈*爷", "王*奶"]
    assert "planned" in out["title"]


# ---------------------------------------------------------------------------- the services alone


def _session(ledger_path, operator: str, write: bool = True):
    from zoufang.db import Ledger

    ledger = Ledger(str(ledger_path))
    return ledger, ledger.session(write=write, operator=operator, command="test")


def test_the_services_draft_check_and_approve_without_the_cli(funded, ledger_path):
    import datetime as dt

    from zoufang.errors import RuleViolation
    from zoufang.services.plans import PlanIn, approve_plan, create_plan, show_plan

    today = dt.date(2026, 11, 23)
    ledger, opened = _session(ledger_path, "drafter")
    try:
        with opened as s:
            plan = create_plan(session=s, data=PlanIn(fund=FUND, name="名单", amount_fen=120000))
            shown = show_plan(session=s, code=plan.code, today=today)
        assert [line["checks"] for line in shown["lines"]] == [["over-cap"], ["over-cap"]]
        with pytest.raises(RuleViolation, match="cannot also approve"):
            with ledger.session(write=True, operator="drafter", command="test") as s:
                approve_plan(session=s, code=PLAN, minutes="纪要", today=today)
        with pytest.raises(RuleViolation, match="2 problems"):
            with ledger.session(write=True, operator="approver", command="test") as s:
                approve_plan(session=s, code=PLAN, minutes="纪要", today=today)
    finally:
        ledger.engine.dispose()


def test_a_lines_check_is_the_write_paths_refusal(zf, funded, snapshot_db):
    """What `fund plan show` says of a line is what `fund disburse` refuses it for."""
    ok(zf("cadre", "relate", "C0001", "--household", "H000001", "--relation", "表兄"))
    shown = lines(draft(zf, "--amount", "1,200", "--date", TODAY))
    assert shown["H000001"]["checks"] == ["over-cap", "conflict-of-interest"]
    line = refused(
        zf, snapshot_db, "fund", "disburse", FUND, "H000001", "1,200", "--by", "C0001",
        code=1, starts="over-cap: ",
    )  # fmt: skip
    assert "(also breaks: conflict-of-interest)" in line


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    fund=st.builds(
        str.__add__,
        st.sampled_from(ALNUM),
        st.text(alphabet=ALNUM + "_.-", max_size=39),
    ),
    number=st.integers(min_value=0, max_value=999_999),
)
def test_a_plan_code_is_a_fund_code_and_a_number(fund, number):
    from zoufang.parsing import parse_plan_code

    assert parse_plan_code(f"{fund}/{number}", field="PLAN") == f"{fund}/{number}"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=st.text(max_size=50).filter(lambda t: "/" not in t and "／" not in t))
def test_text_without_a_slash_is_never_a_plan(text):
    from zoufang.errors import InvalidInput
    from zoufang.parsing import parse_plan_code

    with pytest.raises(InvalidInput):
        parse_plan_code(text, field="PLAN")


def test_notice_after_payment_lists_what_the_plan_paid(zf, funded):
    draft(zf, "--amount", "500")
    ok(approve(zf))
    ok(zf("visit", "log", "H000002", "--by", "C0001", "--plan", PLAN))
    out = ok(zf("notice", PLAN, "-f", "json")).json()
    assert [(r["village"], r["amount"]) for r in out["recipients"]] == [("东风社区", "500.00")]
    assert out["title"] == "春节慰问名单: public notice of payments"


def test_a_draft_is_not_posted_and_a_fund_is_not_a_plan(zf, funded, snapshot_db):
    draft(zf, "--amount", "500")
    refused(zf, snapshot_db, "notice", PLAN, "--before", code=1,
            starts="PLAN: plan CJ2026/1 is a draft: it is posted once approved")  # fmt: skip
    refused(zf, snapshot_db, "notice", FUND, "--before", code=2,
            starts="--before: a fund's notice lists what was paid")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["create", FUND, "--name", " ", "--amount", "5"], "--name: must not be empty"),
        (["create", FUND, "--name", "x" * 201, "--amount", "5"], "--name: "),
        (["create", "C J", "--name", "x", "--amount", "5"], "FUND: "),
        (["list", "C J"], "FUND: "),
    ],
)
def test_more_bad_input_writes_nothing(zf, funded, snapshot_db, args, starts):
    refused(zf, snapshot_db, "fund", "plan", *args, code=2, starts=starts)

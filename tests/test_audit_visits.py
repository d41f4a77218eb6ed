"""`audit visits`: coverage of the visiting work (SPEC §3), re-read from the stored ledger.

Every finding it reports — ``never-visited`` and ``overdue`` households (the households
`due` and `report` count as such, services.figures: warnings, errors once late by more than
their cadence), ``check-in``
visits that recorded nothing heard (warnings), commitments past due with no response
(``unanswered``, errors) and cadres with households but no visits (``idle-cadre``,
warnings) — is made to appear through the real CLI on a real ledger, checked at the day it
starts to count, and made to go away again. Exit 0 when nothing is wrong or there are only
warnings, 1 with any error; the audit writes nothing.

The village (conftest): 王建国 C0001 looks after all three households, enrolled 2026-11-23
(TODAY): H000001 陈大爷 (veteran-member, elderly-alone: cadence 30), H000002 王奶奶
(low-income: 60), H000003 刘小明 (left-behind-child: 30); 李梅 C0002 looks after nobody.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from helpers import FUND, TODAY, error_line, ok

KEYS = {"ok", "entries_checked", "head", "findings"}
FINDING_KEYS = {"check", "severity", "fund", "entry", "household", "detail"}
IDLE_WANG = "cadre C0001 王建国 has no visits yet, with 3 household(s) to visit"
HEARD_NOTHING = "recorded nothing heard (no notes, needs, suggestions or wishes)"


def audit(zf, today: str = TODAY):
    """``audit visits -f json`` as of ``today``: (exit code, report), the shape checked."""
    result = zf("--today", today, "audit", "visits", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert result.stderr == ""
    report = result.json()
    assert set(report) == KEYS
    assert report["head"] is None  # no chain: that is `audit funds`
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS
        assert (finding["fund"], finding["entry"]) == (None, None)
    assert report["ok"] is (result.exit_code == 0)
    assert report["ok"] is not any(f["severity"] == "error" for f in report["findings"])
    return result.exit_code, report


def found(report, check: str | None = None, severity: str | None = None) -> list[tuple]:
    """(check, severity, household, detail) of each finding, in the audit's order."""
    return [
        (f["check"], f["severity"], f["household"], f["detail"])
        for f in report["findings"]
        if check in (None, f["check"]) and severity in (None, f["severity"])
    ]


def visit(zf, household: str, *options: str, by: str = "C0001") -> int:
    return ok(zf("visit", "log", household, "--by", by, *options, "-f", "json")).json()["id"]


def visit_everyone(zf, on: str = TODAY) -> None:
    """A real visit (notes taken) to each household of the village on ``on``."""
    for household in ("H000001", "H000002", "H000003"):
        visit(zf, household, "--date", on, "--notes", "身体尚可，无新困难")


# ---------------------------------------------------------------------------- nothing wrong


def test_an_empty_ledger_has_nothing_wrong(zf):
    code, report = audit(zf)
    assert code == 0
    assert report == {"ok": True, "entries_checked": 0, "head": None, "findings": []}
    plain = zf("audit", "visits", "--format", "plain")
    assert (plain.exit_code, plain.stdout, plain.stderr) == (
        0,
        "OK: 0 checked, 0 error(s), 0 warning(s)\n",
        "",
    )


def test_a_village_visited_on_time_has_nothing_wrong(zf, village, snapshot_db):
    visit_everyone(zf)
    before = snapshot_db()
    code, report = audit(zf, "2026-12-23")  # H000001 and H000003 due today, not overdue
    assert code == 0
    assert report == {"ok": True, "entries_checked": 3, "head": None, "findings": []}
    plain = zf("--today", "2026-12-23", "audit", "visits", "-f", "plain")
    assert plain.exit_code == 0
    assert plain.stdout == "OK: 3 checked, 0 error(s), 0 warning(s)\n"
    assert snapshot_db() == before  # an audit reads, it never writes


# ---------------------------------------------------------------------------- never-visited


def test_never_visited_counts_from_enrolment_after_one_cadence(zf, village):
    # enrolled today: due today, not yet never visited (services.figures)
    code, report = audit(zf, TODAY)
    assert code == 0  # a warning alone does not fail the audit
    assert found(report) == [("idle-cadre", "warning", None, IDLE_WANG)]
    # from the day after, never visited (as `report` and `due` count them): a warning
    code, report = audit(zf, "2026-11-24")
    assert code == 0
    assert [f[:3] for f in found(report, "never-visited")] == [
        ("never-visited", "warning", "H000001"),
        ("never-visited", "warning", "H000002"),
        ("never-visited", "warning", "H000003"),
    ]
    # 30 days after enrolment, still a warning; an error once late by more than a cadence
    code, report = audit(zf, "2026-12-23")
    assert (code, found(report, severity="error")) == (0, [])
    code, report = audit(zf, "2026-12-24")
    assert code == 1
    assert found(report, "never-visited", "error") == [
        ("never-visited", "error", "H000001", "H000001 陈大爷 enrolled 2026-11-23, never visited"),
        ("never-visited", "error", "H000003", "H000003 刘小明 enrolled 2026-11-23, never visited"),
    ]  # H000002's cadence is 60 days
    assert found(report, "never-visited", "warning")[0][2] == "H000002"

    code, report = audit(zf, "2027-01-23")
    assert [f[2] for f in found(report, "never-visited")] == ["H000001", "H000002", "H000003"]
    assert report["entries_checked"] == 3


def test_own_cadence_and_exit_change_who_is_never_visited(zf, village):
    ok(zf("household", "update", "H000002", "--cadence", "7"))
    ok(zf("household", "exit", "H000003", "--reason", "随父母迁居外省"))
    code, report = audit(zf, "2026-12-01")  # 8 days: past H000002's own 7
    assert code == 1
    assert found(report, "never-visited", "error") == [
        ("never-visited", "error", "H000002", "H000002 王奶奶 enrolled 2026-11-23, never visited")
    ]
    code, report = audit(zf, "2027-01-23")
    assert [f[2] for f in found(report, "never-visited")] == ["H000001", "H000002"]
    assert report["entries_checked"] == 3  # every household is read; exited ones are not due


# ---------------------------------------------------------------------------- overdue


def test_overdue_once_a_full_cadence_past_the_due_date(zf, village):
    visit_everyone(zf)  # due 2026-12-23 (H000001, H000003) and 2027-01-22 (H000002)
    assert audit(zf, "2026-12-23")[1]["findings"] == []  # due today is not overdue
    code, report = audit(zf, "2027-01-22")  # 30 days past due: a cadence, not more
    assert code == 0
    assert [f[:3] for f in found(report)] == [
        ("overdue", "warning", "H000001"),
        ("overdue", "warning", "H000003"),
    ]

    code, report = audit(zf, "2027-01-23")
    assert code == 1
    assert found(report, severity="error") == [
        (
            "overdue",
            "error",
            "H000001",
            "H000001 陈大爷 last visited 2026-11-23, 31 days overdue (cadence 30)",
        ),
        (
            "overdue",
            "error",
            "H000003",
            "H000003 刘小明 last visited 2026-11-23, 31 days overdue (cadence 30)",
        ),
    ]
    code, report = audit(zf, "2027-03-24")
    assert found(report, "overdue")[1][3] == (
        "H000002 王奶奶 last visited 2026-11-23, 61 days overdue (cadence 60)"
    )


def test_overdue_counts_from_the_next_date_a_visit_set(zf, village):
    visit_everyone(zf, on="2026-11-20")
    visit(zf, "H000001", "--notes", "腿伤未愈，约好复诊后再来", "--next", "2026-11-25")
    code, report = audit(zf, "2026-12-26")  # 31 days past 2026-11-25
    assert code == 1
    assert found(report, severity="error") == [
        (
            "overdue",
            "error",
            "H000001",
            "H000001 陈大爷 last visited 2026-11-23, 31 days overdue (cadence 30)",
        )
    ]  # H000003, visited 2026-11-20, is 6 days past due: a warning
    assert [f[:3] for f in found(report, severity="warning")] == [("overdue", "warning", "H000003")]
    # back on 2026-11-25 as agreed, no --next this time: due a cadence later, 2026-12-25
    ok(
        zf(
            "--today",
            "2026-11-25",
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            "复诊情况良好",
        )
    )
    code, again = audit(zf, "2026-12-26")
    assert (code, [f[:3] for f in found(again)]) == (
        0,
        [("overdue", "warning", "H000001"), ("overdue", "warning", "H000003")],
    )  # H000001 now 1 day past 2026-12-25


def test_exited_households_are_never_overdue(zf, village):
    visit_everyone(zf)
    ok(zf("household", "exit", "H000001", "--reason", "户主去世"))
    code, report = audit(zf, "2027-01-23")
    assert [f[2] for f in found(report, "overdue", "error")] == ["H000003"]
    assert [f[2] for f in found(report, "overdue")] == ["H000002", "H000003"]


# ---------------------------------------------------------------------------- check-in


def test_check_in_visits_that_recorded_nothing_heard(zf, funded):
    gift_only = visit(zf, "H000001", "--gift", "米面油")
    cash_only = visit(zf, "H000001", "--cash", "200", "--fund", FUND)  # paid, heard nothing
    nothing = visit(zf, "H000002", by="C0002")
    for heard in (
        ["--notes", "低保已续"],
        ["--need", "修缮漏雨的屋顶"],
        ["--suggestion", "村里路灯太暗"],
        ["--wish", "想要一台收音机"],
        ["--notes", "送去冬衣", "--gift", "棉衣"],
    ):
        visit(zf, "H000003", *heard)
    code, report = audit(zf)
    assert code == 0  # warnings only
    assert report["ok"] is True and report["entries_checked"] == 3
    assert found(report) == [
        (
            "check-in",
            "warning",
            "H000001",
            f"visit {gift_only} to H000001 on {TODAY} {HEARD_NOTHING}",
        ),
        (
            "check-in",
            "warning",
            "H000001",
            f"visit {cash_only} to H000001 on {TODAY} {HEARD_NOTHING}",
        ),
        (
            "check-in",
            "warning",
            "H000002",
            f"visit {nothing} to H000002 on {TODAY} {HEARD_NOTHING}",
        ),
    ]


def test_check_in_visits_listed_by_date(zf, village):
    later = ok(
        zf(
            "--today",
            "2026-12-05",
            "visit",
            "log",
            "H000002",
            "--by",
            "C0001",
            "--gift",
            "米面油",
            "-f",
            "json",
        )
    ).json()["id"]
    earlier = ok(  # logged afterwards, dated before
        zf(
            "--today",
            "2026-12-06",
            "visit",
            "log",
            "H000003",
            "--by",
            "C0001",
            "--date",
            "2026-11-30",
            "--gift",
            "书包",
            "-f",
            "json",
        )
    ).json()["id"]
    assert earlier > later
    _, report = audit(zf, "2026-12-06")
    assert [f[3] for f in found(report, "check-in")] == [
        f"visit {earlier} to H000003 on 2026-11-30 {HEARD_NOTHING}",
        f"visit {later} to H000002 on 2026-12-05 {HEARD_NOTHING}",
    ]


# ---------------------------------------------------------------------------- unanswered


def add_commitment(zf, household: str, text: str, cadre: str, due: str) -> int:
    added = zf("commitment", "add", household, text, "--cadre", cadre, "--due", due, "-f", "json")
    return ok(added).json()["id"]


def test_commitments_past_due_without_a_response(zf, village):
    visit_everyone(zf)
    roof = add_commitment(zf, "H000002", "修缮漏雨的屋顶", "C0002", "2026-12-01")
    school = add_commitment(zf, "H000003", "联系学校安排课后托管", "C0001", "2026-11-30")
    answered = add_commitment(zf, "H000001", "代办医保报销", "C0001", "2026-11-25")
    ok(zf("commitment", "respond", str(answered), "--note", "材料已交镇医保站"))
    resolved = add_commitment(zf, "H000001", "更换门锁", "C0001", "2026-11-24")
    ok(zf("commitment", "resolve", str(resolved), "--note", "已换新锁"))
    referred = add_commitment(zf, "H000002", "申请临时救助", "C0002", "2026-11-24")
    ok(zf("commitment", "refer", str(referred), "--to", "镇民政办"))

    code, report = audit(zf, "2026-12-01")  # the roof is due today: not yet past due
    assert code == 1
    assert found(report) == [
        (
            "unanswered",
            "error",
            "H000003",
            f'commitment {school} "联系学校安排课后托管" was due 2026-11-30 and has no response',
        )
    ]
    code, report = audit(zf, "2026-12-02")
    assert [f[3] for f in found(report)] == [
        f'commitment {school} "联系学校安排课后托管" was due 2026-11-30 and has no response',
        f'commitment {roof} "修缮漏雨的屋顶" was due 2026-12-01 and has no response',
    ]  # most overdue first

    ok(zf("commitment", "respond", str(school), "--note", "已与学校联系"))
    ok(zf("commitment", "respond", str(roof), "--note", "施工队下周进场"))
    assert audit(zf, "2026-12-02") == (0, {**report, "ok": True, "findings": []})


def test_a_need_heard_at_a_visit_is_a_commitment_that_must_be_answered(zf, village):
    visit_everyone(zf)
    visit(zf, "H000001", "--need", "申请居家养老服务", "--need-due", "2026-11-28")
    _, report = audit(zf, "2026-11-29")
    assert [(f[0], f[2]) for f in found(report)] == [("unanswered", "H000001")]
    assert '"申请居家养老服务" was due 2026-11-28 and has no response' in found(report)[0][3]


# ---------------------------------------------------------------------------- idle-cadre


def test_cadres_with_households_but_no_visits(zf, village):
    code, report = audit(zf)
    assert code == 0  # a warning
    assert found(report) == [("idle-cadre", "warning", None, IDLE_WANG)]  # 李梅 has nobody

    ok(zf("assign", "H000002", "C0002"))
    _, report = audit(zf)
    assert [f[3] for f in found(report)] == [
        IDLE_WANG,
        "cadre C0002 李梅 has no visits yet, with 1 household(s) to visit",
    ]
    # any visit counts, even to another cadre's household, even as the second visitor
    ok(zf("visit", "log", "H000003", "--by", "C0001", "--by", "C0002", "--notes", "作业辅导"))
    assert audit(zf) == (0, {"ok": True, "entries_checked": 3, "head": None, "findings": []})


# ---------------------------------------------------------------------------- all at once


@pytest.fixture
def neglected(zf, village):
    """As of 2027-01-24: H000001 visited once with a gift, 32 days overdue; H000002 and
    H000003 never visited; promise 1 to H000003 unanswered since 2026-12-01; C0002 looks
    after H000002 and has visited no one."""
    visit(zf, "H000001", "--gift", "米面油")
    add_commitment(zf, "H000003", "联系学校安排课后托管", "C0001", "2026-12-01")
    ok(zf("assign", "H000002", "C0002"))
    return "2027-01-24"


#: Households in code order first (never-visited or overdue), then check-in visits by date,
#: unanswered commitments by due date, idle cadres by code.
EXPECTED_NEGLECT = [
    ("overdue", "error", "H000001"),
    ("never-visited", "error", "H000002"),
    ("never-visited", "error", "H000003"),
    ("check-in", "warning", "H000001"),
    ("unanswered", "error", "H000003"),
    ("idle-cadre", "warning", None),
]


def test_every_finding_at_once_in_json(zf, neglected):
    code, report = audit(zf, neglected)
    assert code == 1 and report["ok"] is False
    assert report["entries_checked"] == 3
    assert [f[:3] for f in found(report)] == EXPECTED_NEGLECT
    assert [f[3] for f in found(report)] == [
        "H000001 陈大爷 last visited 2026-11-23, 32 days overdue (cadence 30)",
        "H000002 王奶奶 enrolled 2026-11-23, never visited",
        "H000003 刘小明 enrolled 2026-11-23, never visited",
        f"visit 1 to H000001 on 2026-11-23 {HEARD_NOTHING}",
        'commitment 1 "联系学校安排课后托管" was due 2026-12-01 and has no response',
        "cadre C0002 李梅 has no visits yet, with 1 household(s) to visit",
    ]


def test_every_finding_at_once_in_text_and_csv(zf, neglected):
    plain = zf("--today", neglected, "audit", "visits", "--format", "plain")
    assert plain.exit_code == 1
    assert plain.stderr == ""
    lines = plain.stdout.splitlines()
    titles = [line for line in lines if re.fullmatch(r"[a-z-]+ \(\d+\)", line)]
    assert titles == [
        "overdue (1)",
        "never-visited (2)",
        "check-in (1)",
        "unanswered (1)",
        "idle-cadre (1)",
    ]
    assert lines[-1] == "FAILED: 3 checked, 4 error(s), 2 warning(s)"
    assert "cadre C0002 李梅 has no visits yet, with 1 household(s) to visit" in plain.stdout

    as_csv = zf("--today", neglected, "audit", "visits", "--format", "csv")
    assert as_csv.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == ["severity", "check", "fund", "entry", "household", "detail"]
    assert [(r["check"], r["severity"], r["household"] or None) for r in rows] == [
        (check, severity, household) for check, severity, household in EXPECTED_NEGLECT
    ]


def test_a_bad_format_is_invalid_input(zf, village):
    result = zf("audit", "visits", "--format", "xls")
    assert result.exit_code == 2
    error_line(result, "error: --format: ")

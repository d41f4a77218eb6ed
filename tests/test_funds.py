"""Ring-fenced funds through the command line: create, allocate, pay, reverse, list, show;
every write-time rule of SPEC §4 refused (exit 1, the rule and the figures named, nothing
written) unless overridden; `visit log --cash --fund` both-or-neither."""

from __future__ import annotations

import pytest

import rawdb
from fundkit import (
    OVERDRAFT,
    OVERRIDABLE,
    OVERRIDABLE_IDS,
    SCENARIO_IDS,
    SCENARIOS,
    entries,
    raw_append,
    son_enrolled_too,
)
from helpers import FUND, error_line, ok

ENTRY_KEYS = {"id", "fund", "kind", "amount", "household", "date"}
FUND_LIST_KEYS = {"code", "name", "allocated", "disbursed", "balance"}


def test_fund_create_json(zf, village):
    fund = ok(
        zf(
            "fund",
            "create",
            "CJ",
            "--name",
            "春节慰问金",
            "--category",
            "low-income",
            "--category",
            "veteran-member",
            "--cap",
            "1,000.5",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-28",
            "--source",
            "党费",
            "--format",
            "json",
        )
    ).json()
    assert fund["code"] == "CJ"
    assert fund["name"] == "春节慰问金"
    assert sorted(fund["categories"]) == ["low-income", "veteran-member"]
    assert fund["cap"] == "1000.50"
    assert (fund["from"], fund["to"]) == ("2026-01-01", "2026-02-28")
    assert (fund["allocated"], fund["disbursed"], fund["balance"]) == ("0.00", "0.00", "0.00")


def test_fund_create_repeated_category_shown_once(zf, village):
    fund = ok(
        zf(
            "fund",
            "create",
            "CJ",
            "--name",
            "春节",
            "--category",
            "low-income",
            "--category",
            "low-income",
            "-f",
            "json",
        )
    ).json()
    assert fund["categories"] == ["low-income"]
    assert zf("fund", "list", "-f", "json").json()[0]["categories"] == ["low-income"]


def test_payments_on_the_first_and_last_day_are_in_period(zf, village):
    ok(
        zf(
            "fund",
            "create",
            "DAY",
            "--name",
            "重阳",
            "--category",
            "low-income",
            "--from",
            "2026-10-29",
            "--to",
            "2026-10-30",
        )
    )
    ok(zf("fund", "allocate", "DAY", "1,000", "--date", "2026-10-01"))
    ok(zf("fund", "disburse", "DAY", "H000002", "100", "--by", "C0001", "--date", "2026-10-29"))
    ok(zf("fund", "disburse", "DAY", "H000002", "100", "--by", "C0001", "--date", "2026-10-30"))
    result = zf(
        "fund", "disburse", "DAY", "H000002", "100", "--by", "C0001", "--date", "2026-10-28"
    )
    assert result.exit_code == 1
    error_line(
        result,
        "error: out-of-period: 2026-10-28 is outside fund DAY's period 2026-10-29 to 2026-10-30",
    )


@pytest.mark.parametrize(
    ("args", "code", "prefix"),
    [
        (["--category", "no-such-category"], 1, "error: "),
        (
            ["--category", "low-income", "--from", "2026-03-01", "--to", "2026-02-01"],
            2,
            "error: --to: 2026-02-01 is before --from 2026-03-01",
        ),
        (["--category", "low-income", "--cap", "0"], 2, "error: --cap: "),
        (["--category", "low-income", "--from", "2026-02-30"], 2, "error: --from: "),
    ],
)
def test_fund_create_refused(zf, village, snapshot_db, args, code, prefix):
    before = snapshot_db()
    result = zf("fund", "create", "CJ", "--name", "春节", *args)
    assert result.exit_code == code
    error_line(result, prefix)
    assert snapshot_db() == before


def test_fund_create_twice_refused(funded, zf, snapshot_db):
    before = snapshot_db()
    result = zf("fund", "create", FUND, "--name", "again", "--category", "low-income")
    assert result.exit_code == 1
    error_line(result, f"error: CODE: fund {FUND} already exists")
    assert snapshot_db() == before


def test_allocate_disburse_reverse_list_show(funded, zf, ledger_path):
    allocation = ok(zf("fund", "allocate", FUND, "1,000", "--memo", "追加", "-f", "json")).json()
    assert ENTRY_KEYS <= set(allocation)
    assert {k: allocation[k] for k in ENTRY_KEYS} == {
        "id": 2,
        "fund": FUND,
        "kind": "allocate",
        "amount": "1000.00",
        "household": None,
        "date": "2026-11-23",
    }

    payment = ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000001",
            "800",
            "--by",
            "C0001",
            "--date",
            "2026-11-20",
            "--memo",
            "春节慰问",
            "-f",
            "json",
        )
    ).json()
    assert {k: payment[k] for k in ENTRY_KEYS} == {
        "id": 3,
        "fund": FUND,
        "kind": "disburse",
        "amount": "800.00",
        "household": "H000001",
        "date": "2026-11-20",
    }
    assert payment["cadre"] == "C0001" and payment["memo"] == "春节慰问"
    ok(zf("fund", "disburse", FUND, "H000002", "500.5", "--by", "C0002", "--date", "2026-11-21"))

    reversal = ok(zf("fund", "reverse", "3", "--reason", "重复发放，已退回", "-f", "json")).json()
    assert {k: reversal[k] for k in ENTRY_KEYS} == {
        "id": 5,
        "fund": FUND,
        "kind": "reverse",
        "amount": "800.00",
        "household": "H000001",
        "date": "2026-11-23",
    }
    assert reversal["reverses"] == 3
    assert reversal["memo"] == "重复发放，已退回"

    listed = ok(zf("fund", "list", "-f", "json")).json()
    assert len(listed) == 1
    assert FUND_LIST_KEYS <= set(listed[0])
    assert {k: listed[0][k] for k in FUND_LIST_KEYS} == {
        "code": FUND,
        "name": "2026年春节慰问金",
        "allocated": "6000.00",
        "disbursed": "500.50",
        "balance": "5499.50",
    }

    shown = ok(zf("fund", "show", FUND, "-f", "json")).json()
    assert [(e["id"], e["kind"], e["amount"], e["balance"]) for e in shown["entries"]] == [
        (1, "allocate", "5000.00", "5000.00"),
        (2, "allocate", "1000.00", "6000.00"),
        (3, "disburse", "800.00", "5200.00"),
        (4, "disburse", "500.50", "4699.50"),
        (5, "reverse", "800.00", "5499.50"),
    ]
    assert shown["balance"] == "5499.50"
    rows = entries(ledger_path)
    assert shown["head"] == {"seq": 5, "hash": rows[-1]["hash"]}
    audit = zf("audit", "funds", "-f", "json").json()
    assert audit["head"] == shown["head"]

    text = ok(zf("fund", "show", FUND, "-f", "plain")).stdout
    assert f"5:{rows[-1]['hash']}" in text
    assert "5,499.50" in text


def test_fund_list_empty_and_json_shape(zf):
    assert ok(zf("fund", "list", "-f", "json")).json() == []


@pytest.mark.parametrize(
    "args",
    [
        ["fund", "allocate", "NOPE", "100"],
        ["fund", "disburse", "NOPE", "H000001", "100", "--by", "C0001"],
        ["fund", "disburse", FUND, "H999999", "100", "--by", "C0001"],
        ["fund", "disburse", FUND, "H000001", "100", "--by", "C9999"],
        ["fund", "show", "NOPE"],
        ["fund", "reverse", "99", "--reason", "x"],
    ],
)
def test_not_found_exit_1(funded, zf, snapshot_db, args):
    before = snapshot_db()
    result = zf(*args)
    assert result.exit_code == 1
    error_line(result, "error: ")
    assert snapshot_db() == before


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize("scenario", SCENARIOS, ids=SCENARIO_IDS)
def test_rule_refused_and_nothing_written(funded, zf, snapshot_db, scenario):
    scenario.setup(zf)
    before = snapshot_db()
    result = zf(*scenario.args)
    assert result.exit_code == 1, result.stdout
    line = error_line(result, f"error: {scenario.check}: ")
    assert scenario.detail in line
    if scenario is OVERDRAFT:
        assert "never overdrawn, not even with --override" in line
    else:
        assert "use --override REASON to pay anyway" in line
    assert snapshot_db() == before


def test_a_fund_is_never_overdrawn_not_even_with_an_override(funded, zf, snapshot_db):
    """SPEC §4: overspend is not a rule an override sets aside, in any path."""
    OVERDRAFT.setup(zf)
    before = snapshot_db()
    for args in (
        [*OVERDRAFT.args, "--override", "县里同意先垫付"],
        # visit log has no --override: its overdraft is refused the same way
        ["visit", "log", "H000002", "--by", "C0002", "--cash", "200", "--fund", "SMALL"],
    ):  # fmt: skip
        result = zf(*args)
        assert result.exit_code == 1, result.stdout
        line = error_line(result, "error: overspend: ")
        assert OVERDRAFT.detail in line and "never overdrawn" in line
        assert snapshot_db() == before  # not the payment, not the visit


@pytest.mark.parametrize("scenario", OVERRIDABLE, ids=OVERRIDABLE_IDS)
def test_rule_overridden_with_reason(funded, zf, ledger_path, scenario):
    scenario.setup(zf)
    reason = "镇党委会议纪要〔2026〕12号同意"
    entry = ok(zf(*scenario.args, "--override", reason, "-f", "json")).json()
    assert entry["override"] == reason
    assert entry["household"] == scenario.household
    stored = entries(ledger_path)[-1]
    assert stored["seq"] == entry["id"]
    assert stored["override_reason"] == reason
    assert stored["amount_fen"] == scenario.amount_fen

    audit = zf("audit", "funds", "-f", "json")
    assert audit.exit_code == 0, audit.stdout
    found = [f for f in audit.json()["findings"] if f["entry"] == entry["id"]]
    # (a payment dated long before it was recorded is also a late entry: issue 21)
    assert [f["check"] for f in found if f["check"] not in ("no-visit", "late-entry")] == [
        "override"
    ]
    assert found[0]["severity"] == "warning"
    assert reason in found[0]["detail"] and scenario.check in found[0]["detail"]


def test_refusal_names_every_broken_rule(funded, zf):
    # ineligible and over the cap at once: the first is explained, the others named
    result = zf("fund", "disburse", FUND, "H000003", "1,500", "--by", "C0001")
    assert result.exit_code == 1
    line = error_line(result, "error: ineligible: ")
    assert "(also breaks: over-cap)" in line


def test_payment_at_the_cap_is_allowed(funded, zf):
    ok(zf("fund", "disburse", FUND, "H000001", "600", "--by", "C0001", "--date", "2026-11-20"))
    ok(zf("fund", "disburse", FUND, "H000001", "400", "--by", "C0001", "--date", "2026-11-21"))
    result = zf("fund", "disburse", FUND, "H000001", "0.01", "--by", "C0001")
    assert result.exit_code == 1
    error_line(
        result,
        "error: over-cap: over the per-household cap: 陈大爷 has received "
        "1,000.00 of 1,000.00; 0.01 would exceed it",
    )


def test_spending_the_balance_to_zero_is_allowed(zf, village):
    ok(zf("fund", "create", "F", "--name", "f", "--category", "low-income"))
    ok(zf("fund", "allocate", "F", "100"))
    ok(zf("fund", "disburse", "F", "H000002", "100", "--by", "C0001"))
    assert zf("fund", "list", "-f", "json").json()[0]["balance"] == "0.00"


def test_payment_before_exit_is_not_inactive(funded, zf):
    ok(zf("fund", "disburse", FUND, "H000002", "100", "--by", "C0002", "--date", "2026-11-20"))
    ok(zf("household", "exit", "H000002", "--reason", "去世"))
    assert zf("audit", "funds").exit_code == 0


# ---------------------------------------------------------------- reversals


def test_reversal_only_once(funded, zf, snapshot_db):
    ok(zf("fund", "disburse", FUND, "H000001", "800", "--by", "C0001", "--date", "2026-11-20"))
    ok(zf("fund", "reverse", "2", "--reason", "发错了"))
    before = snapshot_db()
    again = zf("fund", "reverse", "2", "--reason", "再冲一次")
    assert again.exit_code == 1
    error_line(again, "error: ENTRY: entry 2 was already reversed by entry 3")
    assert snapshot_db() == before


def test_reversal_cannot_be_reversed(funded, zf, snapshot_db):
    ok(zf("fund", "disburse", FUND, "H000001", "800", "--by", "C0001", "--date", "2026-11-20"))
    ok(zf("fund", "reverse", "2", "--reason", "发错了"))
    before = snapshot_db()
    result = zf("fund", "reverse", "3", "--reason", "冲销冲销")
    assert result.exit_code == 1
    error_line(result, "error: ENTRY: entry 3 is itself a reversal and cannot be reversed")
    assert snapshot_db() == before


def test_reversing_an_allocation_that_would_overspend_is_refused(funded, zf, snapshot_db):
    ok(zf("fund", "disburse", FUND, "H000001", "900", "--by", "C0001", "--date", "2026-11-20"))
    ok(zf("fund", "disburse", FUND, "H000002", "700", "--by", "C0002", "--date", "2026-11-20"))
    ok(zf("fund", "allocate", FUND, "1,000"))
    before = snapshot_db()
    result = zf("fund", "reverse", "1", "--reason", "拨款撤回")
    assert result.exit_code == 1
    error_line(
        result,
        f"error: overspend: reversing allocation 1 (5,000.00) would leave fund {FUND} at -600.00",
    )
    assert snapshot_db() == before
    # the smaller allocation can go: 5,000.00 still covers the 1,600.00 paid
    ok(zf("fund", "reverse", "4", "--reason", "多拨了"))
    listed = zf("fund", "list", "-f", "json").json()[0]
    assert (listed["allocated"], listed["disbursed"], listed["balance"]) == (
        "5000.00",
        "1600.00",
        "3400.00",
    )
    assert zf("audit", "funds").exit_code == 0


def test_reversed_payment_frees_the_cap_and_the_day(funded, zf):
    ok(zf("fund", "disburse", FUND, "H000001", "1,000", "--by", "C0001", "--date", "2026-11-20"))
    ok(zf("fund", "reverse", "2", "--reason", "金额有误"))
    ok(zf("fund", "disburse", FUND, "H000001", "1,000", "--by", "C0001", "--date", "2026-11-20"))
    audit = zf("audit", "funds", "-f", "json")
    assert audit.exit_code == 0, audit.stdout
    assert {f["check"] for f in audit.json()["findings"]} == {"no-visit"}


@pytest.mark.parametrize(("entry", "field"), [("abc", "ENTRY"), ("0", "ENTRY"), ("-1", None)])
def test_reverse_bad_entry_number_exit_2(funded, zf, entry, field):
    result = zf("fund", "reverse", entry, "--reason", "x")
    assert result.exit_code == 2
    error_line(result, f"error: {field}: " if field else "error: ")


def test_reverse_before_the_entry_date_exit_2(funded, zf, snapshot_db):
    before = snapshot_db()
    result = zf("fund", "reverse", "1", "--reason", "x", "--date", "2026-10-31")
    assert result.exit_code == 2
    error_line(result, "error: --date: 2026-10-31 is before the entry's date 2026-11-01")
    assert snapshot_db() == before


# ---------------------------------------------------------------- dates and --cash


@pytest.mark.parametrize(
    "args",
    [
        ["fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--date", "2026-11-24"],
        ["fund", "allocate", FUND, "100", "--date", "2027-01-01"],
        ["fund", "reverse", "1", "--reason", "x", "--date", "2026-11-24"],
        [
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            "n",
            "--date",
            "2026-11-24",
            "--cash",
            "100",
            "--fund",
            FUND,
        ],
        ["fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--date", "1949-09-30"],
    ],
)
def test_future_or_ancient_dates_exit_2(funded, zf, snapshot_db, args):
    before = snapshot_db()
    result = zf(*args)
    assert result.exit_code == 2
    error_line(result, "error: --date: ")
    assert snapshot_db() == before


@pytest.mark.parametrize(
    ("args", "prefix"),
    [
        (["--cash", "100"], "error: --fund: --cash and --fund go together"),
        (["--fund", FUND], "error: --cash: --cash and --fund go together"),
    ],
)
def test_cash_and_fund_go_together(funded, zf, snapshot_db, args, prefix):
    before = snapshot_db()
    result = zf("visit", "log", "H000001", "--by", "C0001", "--notes", "看望", *args)
    assert result.exit_code == 2
    error_line(result, prefix)
    assert snapshot_db() == before


def test_visit_with_cash_from_an_unknown_fund(funded, zf, snapshot_db):
    before = snapshot_db()
    result = zf(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--notes",
        "看望",
        "--cash",
        "100",
        "--fund",
        "NOPE",
    )
    assert result.exit_code == 1
    error_line(result, "error: --fund: no fund 'NOPE'")
    assert snapshot_db() == before


def test_visit_with_cash_writes_visit_and_entry(funded, zf, ledger_path):
    result = ok(
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--by",
            "C0002",
            "--notes",
            "老人身体尚可，屋顶漏雨",
            "--need",
            "修屋顶",
            "--cash",
            "500",
            "--fund",
            FUND,
            "-f",
            "json",
        )
    ).json()
    assert result["entries"] == [2]
    stored = entries(ledger_path)[-1]
    assert (stored["kind"], stored["household_code"], stored["amount_fen"]) == (
        "disburse",
        "H000001",
        50000,
    )
    assert stored["visit_id"] == result["id"]
    assert stored["cadre_code"] == "C0001"
    assert stored["entry_date"] == "2026-11-23"
    audit = zf("audit", "funds", "-f", "json")
    assert audit.exit_code == 0
    assert audit.json()["findings"] == []  # paid at a visit: no no-visit warning


@pytest.mark.parametrize(
    ("household", "cash", "by", "check"),
    [
        ("H000001", "1,500", "C0001", "over-cap"),
        ("H000003", "100", "C0001", "ineligible"),
        ("H000001", "9,000", "C0001", "overspend"),
    ],
)
def test_visit_with_refused_cash_writes_nothing(
    funded, zf, snapshot_db, household, cash, by, check
):
    before = snapshot_db()
    result = zf(
        "visit",
        "log",
        household,
        "--by",
        by,
        "--notes",
        "看望",
        "--need",
        "修屋顶",
        "--cash",
        cash,
        "--fund",
        FUND,
    )
    assert result.exit_code == 1
    line = error_line(result, f"error: {check}: ")
    # one line that says the visit went too, and how to record it without the cash
    assert line.endswith(
        "; the visit was not recorded either: record it without --cash and --fund, then pay "
        f"with `zoufang fund disburse {FUND} {household} AMOUNT --visit ID` if the payment is "
        "allowed"
    ), line
    assert snapshot_db() == before  # neither the visit, nor its commitment, nor the entry
    # as the message says: the visit alone is recorded
    ok(zf("visit", "log", household, "--by", by, "--notes", "看望", "--need", "修屋顶"))


def test_visit_with_cash_conflict_from_any_visiting_cadre(funded, zf, snapshot_db):
    ok(zf("cadre", "relate", "C0002", "--household", "H000001", "--relation", "侄子"))
    before = snapshot_db()
    result = zf(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--by",
        "C0002",
        "--notes",
        "看望",
        "--cash",
        "100",
        "--fund",
        FUND,
    )
    assert result.exit_code == 1
    error_line(result, "error: conflict-of-interest: paying cadre C0002 is a relative of H000001")
    assert snapshot_db() == before


def test_disburse_at_a_visit_checks_the_visiting_cadres_too(funded, zf, snapshot_db):
    """`audit funds` counts everyone at the visit as paying; so must the write path."""
    visit = ok(
        zf("visit", "log", "H000001", "--by", "C0002", "--notes", "看望", "-f", "json")
    ).json()
    ok(zf("cadre", "relate", "C0002", "--household", "H000001", "--relation", "侄子"))
    before = snapshot_db()
    result = zf(
        "fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--visit", str(visit["id"])
    )
    assert result.exit_code == 1
    error_line(result, "error: conflict-of-interest: paying cadre C0002 is a relative of H000001")
    assert snapshot_db() == before
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000001",
            "100",
            "--by",
            "C0001",
            "--visit",
            str(visit["id"]),
            "--override",
            "C0002 only accompanied",
        )
    )
    assert zf("audit", "funds").exit_code == 0


def test_reverse_names_the_first_reversal_even_after_tampering(funded, zf, ledger_path):
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--date", "2026-11-20"))
    ok(zf("fund", "reverse", "2", "--reason", "错发"))
    raw_append(
        ledger_path, kind="reverse", household_code="H000001", cadre_code="C0001", reverses_seq=2
    )
    result = zf("fund", "reverse", "2", "--reason", "again")
    assert result.exit_code == 1
    error_line(result, "error: ENTRY: entry 2 was already reversed by entry 3")


def test_paid_again_after_the_other_households_payment_was_reversed(funded, zf):
    """duplicate-person: a household whose payment was reversed was not paid."""
    son_enrolled_too(zf)  # H000002 (with member 王小军) paid 300 as entry 2
    ok(zf("fund", "reverse", "2", "--reason", "改发给王小军本户"))
    ok(zf("fund", "disburse", FUND, "H000004", "300", "--by", "C0002"))
    report = zf("audit", "funds", "-f", "json")
    assert report.exit_code == 0, report.stdout
    assert {f["check"] for f in report.json()["findings"]} == {"no-visit"}
    # …and the other way round, paying H000002 again is now refused
    result = zf("fund", "disburse", FUND, "H000002", "300", "--by", "C0002")
    assert result.exit_code == 1
    error_line(result, "error: duplicate-person: ")


def test_disburse_with_visit_of_another_household_refused(funded, zf, snapshot_db):
    visit = ok(
        zf("visit", "log", "H000002", "--by", "C0002", "--notes", "看望", "-f", "json")
    ).json()
    before = snapshot_db()
    result = zf(
        "fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--visit", str(visit["id"])
    )
    assert result.exit_code == 1
    error_line(result, f"error: --visit: visit {visit['id']} was not to household H000001")
    assert snapshot_db() == before


def test_triggers_protect_entries_written_by_the_cli(funded, ledger_path):
    con = rawdb.connect(ledger_path)
    try:
        with pytest.raises(Exception, match="append-only"):
            con.execute("UPDATE ledger_entry SET amount_fen = 1 WHERE seq = 1")
    finally:
        con.close()

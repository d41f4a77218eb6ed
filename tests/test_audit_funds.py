"""`audit funds` trusts nothing the write path checked: rows written behind the program's
back (the sqlite3 module standing in for the sqlite3 shell) are found, each with its `check`;
tampering with the chain is found; an anchor catches a rewrite with every hash recomputed."""

from __future__ import annotations

import sqlite3

import pytest

import rawdb
from fundkit import (
    OVERDRAFT,
    OVERRIDABLE,
    OVERRIDABLE_IDS,
    SCENARIO_IDS,
    SCENARIOS,
    SON_ID,
    entries,
    raw_append,
    rehash,
)
from helpers import FUND, TODAY, connect_named, error_line, ok


@pytest.fixture(params=["here", "worker"], autouse=True)
def audit_worker(request, monkeypatch):
    """Every test twice: the worker's checks (storage, chain, references, visits) run in the
    audit's own process, and in a worker process (as on a county ledger), which must not
    fail (the audit would quietly do its checks itself)."""
    from zoufang.services import audit_workers

    worker = request.param == "worker"
    monkeypatch.setattr(audit_workers, "worth_another_process", lambda entries: worker)
    if worker:
        original = audit_workers.Job.result

        def result(self):
            found = original(self)
            assert found is not None, self.stderr.decode(errors="replace")
            return found

        monkeypatch.setattr(audit_workers.Job, "result", result)
    return request.param


def audit(zf, *args):
    result = zf("audit", "funds", "-f", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    report = result.json()
    assert set(report) == {
        "ok",
        "entries_checked",
        "head",
        "facts_checked",
        "facts_head",
        "findings",
    }
    for finding in report["findings"]:
        assert set(finding) == {"check", "severity", "fund", "entry", "household", "detail"}
    assert report["ok"] is (result.exit_code == 0)
    return result.exit_code, report


def checks(report, severity: str | None = None) -> set[str]:
    return {f["check"] for f in report["findings"] if severity in (None, f["severity"])}


@pytest.fixture
def ledger(funded, zf):
    """A clean little ledger: allocations, payments at visits, a reversal (entries 1–5)."""
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
            "老人腿脚不便",
            "--cash",
            "800",
            "--fund",
            FUND,
        )
    )  # 2
    ok(
        zf(
            "visit",
            "log",
            "H000002",
            "--by",
            "C0002",
            "--date",
            "2026-11-20",
            "--notes",
            "低保已续",
            "--cash",
            "500",
            "--fund",
            FUND,
        )
    )  # 3
    ok(zf("fund", "reverse", "3", "--reason", "金额录错"))  # 4
    ok(
        zf(
            "visit",
            "log",
            "H000002",
            "--by",
            "C0002",
            "--date",
            "2026-11-21",
            "--notes",
            "补发",
            "--cash",
            "300",
            "--fund",
            FUND,
        )
    )  # 5
    return 5


def test_clean_ledger(ledger, zf, ledger_path):
    code, report = audit(zf)
    assert code == 0
    assert report["ok"] is True
    assert report["entries_checked"] == 5
    assert report["findings"] == []
    assert report["head"] == {"seq": 5, "hash": entries(ledger_path)[-1]["hash"]}


def test_empty_ledger(zf):
    code, report = audit(zf)
    assert code == 0
    assert report == {
        "ok": True,
        "entries_checked": 0,
        "head": {"seq": 0, "hash": "0" * 64},
        "facts_checked": 0,
        "facts_head": {"seq": 0, "hash": "0" * 64},
        "findings": [],
    }


def test_human_output_summary_findings_and_head(ledger, zf, ledger_path):
    raw_append(ledger_path, household_code="H000003", amount_fen=10000, cadre_code="C0001")
    result = zf("audit", "funds", "-f", "plain")
    assert result.exit_code == 1
    out = result.stdout
    assert FUND in out and "2026年春节慰问金" in out
    assert "ineligible (1)" in out
    assert "H000003" in out
    head = entries(ledger_path)[-1]["hash"]
    assert out.strip().splitlines()[-1].startswith("FAILED: 6 checked, 1 error(s)")
    assert f"chain head 6:{head}" in out


# ---------------------------------------------------------------- every rule, behind its back


@pytest.mark.parametrize("scenario", SCENARIOS, ids=SCENARIO_IDS)
def test_rule_found_when_written_behind_the_programs_back(funded, zf, ledger_path, scenario):
    scenario.setup(zf)
    assert audit(zf)[0] == 0
    row = raw_append(
        ledger_path,
        fund_code=scenario.fund,
        household_code=scenario.household,
        amount_fen=scenario.amount_fen,
        entry_date=scenario.date,
        cadre_code=scenario.cadre,
    )
    code, report = audit(zf)
    assert code == 1
    assert checks(report, "error") == {scenario.check}, report["findings"]
    found = [f for f in report["findings"] if f["check"] == scenario.check]
    assert len(found) == 1
    assert found[0]["entry"] == row["seq"]
    assert found[0]["fund"] == scenario.fund
    assert found[0]["household"] == scenario.household
    assert found[0]["severity"] == "error"
    assert scenario.detail in found[0]["detail"]
    # and the same check in the human output, grouped under its name
    text = zf("audit", "funds", "-f", "plain").stdout
    assert f"{scenario.check} (1)" in text


def test_an_overdraft_with_an_override_is_still_an_overspend_error(funded, zf, ledger_path):
    """An override reason written behind the program's back does not make a negative
    balance acceptable: overspend stays an error, beside the override warning."""
    OVERDRAFT.setup(zf)
    row = raw_append(
        ledger_path,
        fund_code=OVERDRAFT.fund,
        household_code=OVERDRAFT.household,
        amount_fen=OVERDRAFT.amount_fen,
        entry_date=OVERDRAFT.date,
        cadre_code=OVERDRAFT.cadre,
        override_reason="县里同意",
    )
    code, report = audit(zf)
    assert code == 1
    found = {f["check"]: f["severity"] for f in report["findings"] if f["entry"] == row["seq"]}
    assert found["overspend"] == "error" and found["override"] == "warning"


@pytest.mark.parametrize("scenario", OVERRIDABLE, ids=OVERRIDABLE_IDS)
def test_override_written_behind_the_back_is_a_warning(funded, zf, ledger_path, scenario):
    scenario.setup(zf)
    row = raw_append(
        ledger_path,
        fund_code=scenario.fund,
        household_code=scenario.household,
        amount_fen=scenario.amount_fen,
        entry_date=scenario.date,
        cadre_code=scenario.cadre,
        override_reason="县里同意",
    )
    code, report = audit(zf)
    assert code == 0
    found = [f for f in report["findings"] if f["entry"] == row["seq"]]
    assert "override" in {f["check"] for f in found}
    assert scenario.check not in {f["check"] for f in found}
    assert checks(report, "error") == set()


def test_overspend_by_reversing_an_allocation_behind_the_back(funded, zf, ledger_path):
    ok(zf("fund", "disburse", FUND, "H000001", "900", "--by", "C0001", "--date", "2026-11-20"))
    row = raw_append(
        ledger_path, kind="reverse", amount_fen=500000, reverses_seq=1, memo="撤回拨款"
    )
    code, report = audit(zf)
    assert code == 1
    found = [f for f in report["findings"] if f["check"] == "overspend"]
    assert [f["entry"] for f in found] == [row["seq"]]
    assert "-900.00" in found[0]["detail"]


def test_no_visit_is_a_warning(funded, zf):
    entry = ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "-f", "json")).json()
    code, report = audit(zf)
    assert code == 0
    assert report["ok"] is True
    assert report["findings"] == [
        {
            "check": "no-visit",
            "severity": "warning",
            "fund": FUND,
            "entry": entry["id"],
            "household": "H000001",
            "detail": f"cash paid to H000001 陈大爷 on {TODAY} with no visit recorded that day",
        }
    ]
    # a visit that day, even logged afterwards, answers it
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--notes", "回访"))
    assert audit(zf)[1]["findings"] == []


def test_override_warning_exit_0(funded, zf):
    ok(zf("visit", "log", "H000003", "--by", "C0001", "--notes", "看望"))
    entry = ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000003",
            "100",
            "--by",
            "C0001",
            "--override",
            "留守儿童特批",
            "-f",
            "json",
        )
    ).json()
    code, report = audit(zf)
    assert code == 0
    assert [(f["check"], f["severity"], f["entry"]) for f in report["findings"]] == [
        ("override", "warning", entry["id"])
    ]
    assert "留守儿童特批" in report["findings"][0]["detail"]
    assert "ineligible" in report["findings"][0]["detail"]


def test_fund_filter(funded, zf, ledger_path):
    ok(zf("fund", "create", "OTHER", "--name", "other", "--category", "low-income"))
    ok(zf("fund", "allocate", "OTHER", "100"))
    raw_append(ledger_path, household_code="H000003", cadre_code="C0001")  # ineligible in CJ
    code, report = audit(zf, "--fund", "OTHER")
    assert code == 0, report
    assert audit(zf, "--fund", FUND)[0] == 1
    missing = zf("audit", "funds", "--fund", "NOPE")
    assert missing.exit_code == 1
    error_line(missing, "error: --fund: ")


# ---------------------------------------------------------------- tampering


def chain_findings(report) -> list[dict]:
    return [f for f in report["findings"] if f["check"] == "chain"]


def test_amount_edited(ledger, zf, ledger_path):
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("UPDATE ledger_entry SET amount_fen = 80 WHERE seq = 2")
    con.commit()
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert 2 in {f["entry"] for f in chain_findings(report)}


def test_memo_edited_to_a_different_unicode_form(ledger, zf, ledger_path):
    # the canonical form NFC-normalises text, so only a real change of text is a change
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("UPDATE ledger_entry SET memo = '金额錄错' WHERE seq = 4")
    con.commit()
    con.close()
    assert 4 in {f["entry"] for f in chain_findings(audit(zf)[1])}


def test_row_deleted(ledger, zf, ledger_path):
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("DELETE FROM ledger_entry WHERE seq = 2")
    con.commit()
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert chain_findings(report)
    assert 3 in {f["entry"] for f in chain_findings(report)}


def test_row_inserted_mid_chain(ledger, zf, ledger_path):
    """Entries 3.. are moved up one place and a payment slipped in as entry 3, chained to 2."""
    from zoufang.chain import entry_hash

    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    rawdb.foreign_keys_off(con)
    later = [
        dict(r) for r in con.execute("SELECT * FROM ledger_entry WHERE seq >= 3 ORDER BY seq DESC")
    ]
    for row in later:
        con.execute("UPDATE ledger_entry SET seq = seq + 1 WHERE seq = ?", (row["seq"],))
    prev = con.execute("SELECT hash FROM ledger_entry WHERE seq = 2").fetchone()["hash"]
    row = {
        "seq": 3,
        "fund_code": FUND,
        "kind": "disburse",
        "amount_fen": 20000,
        "household_code": "H000001",
        "visit_id": None,
        "entry_date": "2026-11-21",
        "cadre_code": "C0001",
        "operator": "tester",
        "memo": None,
        "reverses_seq": None,
        "override_reason": None,
        "recorded_at": "2026-11-21 09:00:00.000000",
        "prev_hash": prev,
    }
    row["hash"] = entry_hash(row)
    con.execute(
        f"INSERT INTO ledger_entry ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    con.commit()
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert 4 in {f["entry"] for f in chain_findings(report)}


def test_row_appended_with_a_gap(ledger, zf, ledger_path):
    raw_append(
        ledger_path, seq=9, household_code="H000001", cadre_code="C0001", entry_date="2026-11-22"
    )
    code, report = audit(zf)
    assert code == 1
    assert 9 in {f["entry"] for f in chain_findings(report)}


def test_hash_recomputed_for_one_row_only(ledger, zf, ledger_path):
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("UPDATE ledger_entry SET amount_fen = 90000 WHERE seq = 2")
    rehash(con, from_seq=2, chain=False)
    con.commit()
    con.close()
    code, report = audit(zf)
    assert code == 1
    found = chain_findings(report)
    assert 2 not in {f["entry"] for f in found}  # its own hash now matches its contents…
    assert 3 in {f["entry"] for f in found}  # …but the next entry no longer follows it


def test_reversal_of_a_missing_entry(ledger, zf, ledger_path):
    row = raw_append(
        ledger_path,
        kind="reverse",
        amount_fen=80000,
        household_code="H000001",
        cadre_code="C0001",
        reverses_seq=99,
        memo="冲销",
    )
    code, report = audit(zf)
    assert code == 1
    found = chain_findings(report)
    assert [f["entry"] for f in found] == [row["seq"]]
    assert "99" in found[0]["detail"] and "does not exist" in found[0]["detail"]


def test_entry_reversed_twice(ledger, zf, ledger_path):
    row = raw_append(
        ledger_path,
        kind="reverse",
        amount_fen=50000,
        household_code="H000002",
        cadre_code="C0002",
        reverses_seq=3,
        memo="再冲一次",
    )
    code, report = audit(zf)
    assert code == 1
    found = chain_findings(report)
    assert [f["entry"] for f in found] == [row["seq"]]
    assert "reversed twice" in found[0]["detail"]


def test_reversal_of_a_reversal(ledger, zf, ledger_path):
    row = raw_append(
        ledger_path,
        kind="reverse",
        amount_fen=50000,
        household_code="H000002",
        cadre_code="C0002",
        reverses_seq=4,
        memo="冲销冲销",
    )
    code, report = audit(zf)
    assert code == 1
    assert row["seq"] in {f["entry"] for f in chain_findings(report)}


def test_reversal_that_does_not_match_its_entry(ledger, zf, ledger_path):
    row = raw_append(
        ledger_path,
        kind="reverse",
        amount_fen=1,
        household_code="H000001",
        cadre_code="C0001",
        reverses_seq=2,
        memo="只冲一分",
    )
    code, report = audit(zf)
    assert code == 1
    assert row["seq"] in {f["entry"] for f in chain_findings(report)}


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "refund", "household_code": "H000001"},
        {"kind": "disburse", "household_code": "H000001", "amount_fen": -100},
        {"kind": "disburse", "household_code": "H000001", "amount_fen": 0},
        {"kind": "disburse", "household_code": None},
        {"kind": "allocate", "household_code": "H000001"},
    ],
)
def test_malformed_entries(ledger, zf, ledger_path, fields):
    row = raw_append(ledger_path, cadre_code="C0001", entry_date="2026-11-22", **fields)
    code, report = audit(zf)
    assert code == 1
    assert row["seq"] in {f["entry"] for f in chain_findings(report)}


# ---------------------------------------------------------------- anchors


def test_anchor_on_untouched_ledger(ledger, zf):
    head = audit(zf)[1]["head"]
    anchor = f"{head['seq']}:{head['hash']}"
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--date", "2026-11-21"))
    code, report = audit(zf, "--anchor", anchor)
    assert code == 0, report
    assert report["head"]["seq"] == head["seq"] + 1
    # an earlier anchor (from `fund show`) works too, upper-case hex as well
    early = zf("fund", "show", FUND, "-f", "json").json()["entries"][1]
    assert audit(zf, "--anchor", f"2:{early['hash'].upper()}")[0] == 0


def test_anchor_catches_history_rewritten_with_every_hash_recomputed(
    ledger, zf, ledger_path, monkeypatch, tmp_path
):
    head = audit(zf)[1]["head"]
    anchor = f"{head['seq']}:{head['hash']}"
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("UPDATE ledger_entry SET amount_fen = 70000 WHERE seq = 2")
    rehash(con, from_seq=2, chain=True)
    con.commit()
    con.close()
    code, report = audit(zf)  # this computer's witness saw entry 5 as it was
    assert code == 1 and chain_findings(report) == []
    assert [f["check"] for f in report["findings"]] == ["chain-shortened"]
    monkeypatch.setenv("ZOUFANG_STATE_DIR", str(tmp_path / "another-computer"))
    code, report = audit(zf)
    assert code == 0  # a perfect forgery: the chain alone cannot tell
    code, report = audit(zf, "--anchor", anchor)
    assert code == 1
    found = chain_findings(report)
    assert [f["entry"] for f in found] == [5]
    assert "rewritten" in found[0]["detail"]


def test_anchor_catches_the_newest_entries_deleted(ledger, zf, ledger_path, monkeypatch, tmp_path):
    head = audit(zf)[1]["head"]
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("DELETE FROM ledger_entry WHERE seq = 5")
    con.commit()
    con.close()
    code, report = audit(zf)  # this computer's witness saw entry 5
    assert code == 1 and [f["check"] for f in report["findings"]] == ["chain-shortened"]
    monkeypatch.setenv("ZOUFANG_STATE_DIR", str(tmp_path / "another-computer"))
    assert audit(zf)[0] == 0  # the rest is still a perfect chain
    code, report = audit(zf, "--anchor", f"{head['seq']}:{head['hash']}")
    assert code == 1
    assert "no longer exists" in chain_findings(report)[0]["detail"]


def test_anchor_catches_the_head_rehashed(ledger, zf, ledger_path, monkeypatch, tmp_path):
    head = audit(zf)[1]["head"]
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("UPDATE ledger_entry SET amount_fen = 1000 WHERE seq = 5")
    rehash(con, from_seq=5, chain=False)
    con.commit()
    con.close()
    code, report = audit(zf)  # this computer's witness saw the head as it was
    assert code == 1 and [f["check"] for f in report["findings"]] == ["chain-shortened"]
    monkeypatch.setenv("ZOUFANG_STATE_DIR", str(tmp_path / "another-computer"))
    assert audit(zf)[0] == 0  # nothing follows the head to contradict it
    assert audit(zf, "--anchor", f"{head['seq']}:{head['hash']}")[0] == 1


def test_anchor_beyond_the_ledger(ledger, zf):
    code, report = audit(zf, "--anchor", "99:" + "a" * 64)
    assert code == 1
    assert "no longer exists" in chain_findings(report)[0]["detail"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "5",
        "5:",
        "5:xyz",
        "0:" + "a" * 64,
        "-1:" + "a" * 64,
        "5:" + "a" * 63,
        "5:" + "g" * 64,
        "5:" + "a" * 63 + "啊",
        "²:" + "a" * 64,
    ],
)
def test_bad_anchor_exit_2(ledger, zf, text):
    result = zf("audit", "funds", "--anchor", text)
    assert result.exit_code == 2
    error_line(result, "error: --anchor: ")
    assert result.stdout == ""


@pytest.mark.parametrize("text", ["５:" + "a" * 64, "5:" + "ａ" * 64])
def test_an_anchor_typed_full_width_is_read_as_its_usual_form(ledger, zf, text):
    """Digits and letters typed with a Chinese input method are read as what they look
    like (a superscript is not a digit: refused above)."""
    usual = text.replace("５", "5").replace("ａ", "a")
    typed = zf("audit", "funds", "--anchor", text, "--format", "json")
    plain = zf("audit", "funds", "--anchor", usual, "--format", "json")
    assert (typed.exit_code, typed.stdout) == (plain.exit_code, plain.stdout)


# ---------------------------------------------------------------- storage and triggers


@pytest.mark.sqlite_only  # audit's storage check is SQLite's PRAGMAs; see test_db for PostgreSQL
def test_storage_finding_on_foreign_key_failure(ledger, zf, ledger_path):
    con = sqlite3.connect(ledger_path)  # foreign keys are off in a bare sqlite3 connection
    con.execute(
        "INSERT INTO household_category (household_id, category_code) VALUES (999, 'low-income')"
    )
    con.commit()
    con.close()
    code, report = audit(zf)
    assert code == 1
    found = [f for f in report["findings"] if f["check"] == "storage"]
    assert found and found[0]["severity"] == "error"
    assert "household_category" in found[0]["detail"]


def test_one_person_a_member_of_two_paid_households(funded, zf, ledger_path):
    """duplicate-person where the shared person is a member in both households (not a head
    in one): the audit finds the shared ID number through the members' own index."""
    ok(
        zf(
            "member",
            "add",
            "H000002",
            "--name",
            "王小军",
            "--relation",
            "儿子",
            "--id-number",
            SON_ID,
        )
    )
    # a second household lists him too (the people of a household are dated history: a row
    # put in `member` behind the program's back is not a fact the rules read)
    ok(
        zf(
            "member",
            "add",
            "H000001",
            "--name",
            "王小军",
            "--relation",
            "孙子",
            "--id-number",
            SON_ID,
        )
    )
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "300",
            "--by",
            "C0002",
            "--date",
            "2026-11-20",
            "--override",
            "test",
        )
    )
    raw_append(ledger_path, household_code="H000001", amount_fen=10000, cadre_code="C0001")
    code, report = audit(zf)
    assert code == 1
    found = [f for f in report["findings"] if f["check"] == "duplicate-person"]
    assert [(f["household"], f["severity"]) for f in found] == [("H000001", "error")]
    assert "also belongs to H000002" in found[0]["detail"]


def test_a_relatives_id_number_held_by_a_member(funded, zf, ledger_path):
    """conflict-of-interest found through an ID number that only a member of the paid
    household holds; a relation written behind the program's back is a fact-chain error."""
    ok(
        zf(
            "member",
            "add",
            "H000002",
            "--name",
            "王小军",
            "--relation",
            "儿子",
            "--id-number",
            SON_ID,
        )
    )
    with connect_named(ledger_path) as con:
        con.execute(
            "INSERT INTO cadre_relative (cadre_id, id_number, relation) "
            "SELECT id, ?, '同学' FROM cadre WHERE code = 'C0002'",
            (SON_ID,),
        )
    raw_append(ledger_path, household_code="H000002", amount_fen=10000, cadre_code="C0002")
    raw_append(ledger_path, household_code="H000001", amount_fen=10000, cadre_code="C0002")
    code, report = audit(zf)
    assert code == 1
    # a relation written behind the program's back is not in the cadre's dated history (the
    # rules read that): the audit says the stored relatives were changed behind its back
    found = [f for f in report["findings"] if f["check"] == "fact-chain"]
    assert [f["detail"][:21] for f in found] == ["C0002's relatives as "]
    assert "conflict-of-interest" not in checks(report)
    ok(zf("cadre", "relate", "C0001", "--id-number", SON_ID, "--relation", "同学"))
    raw_append(ledger_path, household_code="H000002", amount_fen=10000, cadre_code="C0001")
    raw_append(ledger_path, household_code="H000001", amount_fen=10000, cadre_code="C0001")
    code, report = audit(zf)
    found = [f for f in report["findings"] if f["check"] == "conflict-of-interest"]
    assert [f["household"] for f in found] == ["H000002"]
    assert "paying cadre C0001 is a relative of H000002" in found[0]["detail"]


@pytest.mark.sqlite_only  # audit's storage check is SQLite's PRAGMAs
def test_payment_to_a_household_that_does_not_exist(ledger, zf, ledger_path):
    row = raw_append(ledger_path, household_code="H999999", cadre_code="C0001")
    code, report = audit(zf)
    assert code == 1
    assert "storage" in checks(report)
    assert row["seq"] in {f["entry"] for f in chain_findings(report)}


@pytest.mark.sqlite_only  # PostgreSQL enforces foreign keys (db check finds what slips in)
@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"fund_code": "NOFUND", "household_code": "H000001"}, "fund"),
        ({"household_code": "H999999"}, "household"),
        ({"household_code": "H000001", "cadre_code": "C9999"}, "cadre"),
        ({"household_code": "H000001", "visit_id": 99999}, "visit"),
        ({"kind": "reverse", "household_code": "H000001", "reverses_seq": 77}, "ledger_entry"),
    ],
)
def test_an_entry_naming_a_row_that_does_not_exist(ledger, zf, ledger_path, fields, missing):
    """SQLite's foreign_key_check of ledger_entry, which the audit does from the rows it
    reads: written with foreign keys off, each reference that points nowhere is found."""
    row = raw_append(ledger_path, **fields)
    code, report = audit(zf)
    assert code == 1
    assert {
        "check": "storage",
        "severity": "error",
        "fund": None,
        "entry": None,
        "household": None,
        "detail": f"ledger_entry row {row['seq']} points to a missing {missing} row",
    } in report["findings"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount_fen = amount_fen + 1 WHERE seq = 2",
        "UPDATE ledger_entry SET memo = NULL",
        "DELETE FROM ledger_entry WHERE seq = 5",
        "DELETE FROM ledger_entry",
    ],
)
def test_triggers_refuse_update_and_delete(ledger, ledger_path, sql):
    before = entries(ledger_path)
    con = rawdb.connect(ledger_path)
    try:
        with pytest.raises(Exception, match="ledger entries are append-only"):
            con.execute(sql)
        con.rollback()
    finally:
        con.close()
    assert entries(ledger_path) == before


@pytest.mark.parametrize(
    ("column", "value"),
    [
        # PostgreSQL's column types refuse these values outright; SQLite stores them
        pytest.param("amount_fen", "八百", marks=pytest.mark.sqlite_only),
        pytest.param("amount_fen", 800.5, marks=pytest.mark.sqlite_only),
        pytest.param("entry_date", "2026-13-45", marks=pytest.mark.sqlite_only),
        pytest.param("recorded_at", "yesterday", marks=pytest.mark.sqlite_only),
        pytest.param("reverses_seq", "x", marks=pytest.mark.sqlite_only),
        pytest.param("visit_id", "第一次", marks=pytest.mark.sqlite_only),
        ("memo", "改过的备注"),
    ],
)
def test_garbage_written_into_a_column_is_a_chain_finding(ledger, zf, ledger_path, column, value):
    """Whatever a tamperer writes, the audit reports it; it never fails with an error."""
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute(f"UPDATE ledger_entry SET {column} = ? WHERE seq = 3", (value,))
    con.commit()
    con.close()
    result = zf("audit", "funds", "-f", "json")
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    report = result.json()
    assert 3 in {f["entry"] for f in chain_findings(report)}, report["findings"]
    # the human output copes too
    text = zf("audit", "funds", "-f", "plain")
    assert text.exit_code == 1 and text.stderr == ""


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param("amount_fen", "八百", marks=pytest.mark.sqlite_only),
        pytest.param("amount_fen", 80000.4, marks=pytest.mark.sqlite_only),
        pytest.param("entry_date", "2026-11-31", marks=pytest.mark.sqlite_only),
        pytest.param("entry_date", "20 Nov", marks=pytest.mark.sqlite_only),
        ("kind", "gift"),
    ],
)
def test_garbage_with_a_recomputed_chain_is_still_found(ledger, zf, ledger_path, column, value):
    """Even a tamperer who recomputes every hash over a nonsense value is caught."""
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute(f"UPDATE ledger_entry SET {column} = ? WHERE seq = 3", (value,))
    try:
        rehash(con, from_seq=3, chain=True)
    except ValueError:
        pass  # not even hashable: the chain stays broken at entry 3
    con.commit()
    con.close()
    result = zf("audit", "funds", "-f", "json")
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    assert 3 in {f["entry"] for f in chain_findings(result.json())}


@pytest.mark.sqlite_only  # PostgreSQL's DATE column refuses the text
def test_garbage_exit_date_on_a_paid_household_is_reported_not_a_crash(ledger, zf, ledger_path):
    """The audit reads households as stored; an exit written behind the program's back (with
    an exit date nobody can read) is not in the household's dated history, which the rules
    read: it is a fact-chain error, not a crash."""
    con = connect_named(ledger_path)
    con.execute("UPDATE household SET status = 'exited', exited_on = '去年' WHERE code = 'H000001'")
    con.commit()
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert {(f["check"], f["household"]) for f in report["findings"]} >= {("fact-chain", "H000001")}

"""The witnessed chain tail (issue 21, part 2): deleting the newest entries is reported.

The chain alone cannot see a deleted tail (what is left is a valid, shorter chain); the
witness that zoufang keeps outside the ledger (services.witness, in the test's own
ZOUFANG_STATE_DIR) can.
"""

from __future__ import annotations

import json
import os
import stat

import rawdb
from helpers import FUND, connect_named, error_line, ok


def pay(zf, n: int) -> None:
    """``n`` more entries (allocations: no payment rule stands in the way)."""
    for _ in range(n):
        ok(zf("fund", "allocate", FUND, "10"))


def audit(zf, *args):
    result = zf("audit", "funds", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.json()


def delete_tail(ledger_path, after: int) -> None:
    """What the issue did: DELETE FROM ledger_entry WHERE seq > N, triggers dropped."""
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("DELETE FROM ledger_entry WHERE seq > ?", (after,))
    con.commit()
    con.close()


def head(zf) -> dict:
    return ok(zf("fund", "show", FUND, "--format", "json")).json()["chain_head"]


def test_a_deleted_tail_is_reported_through_the_witness(zf, funded, ledger_path):
    pay(zf, 4)  # entries 2..5; each write raised the witness
    assert head(zf)["seq"] == 5
    delete_tail(ledger_path, 3)
    code, report = audit(zf)
    assert code == 1 and not report["ok"]
    # the chain itself is intact: only the witness knows
    assert [f for f in report["findings"] if f["check"] == "chain"] == []
    [found] = [f for f in report["findings"] if f["check"] == "chain-shortened"]
    assert found["severity"] == "error" and found["entry"] == 5
    assert "ends at entry 3" in found["detail"] and "entry 5" in found["detail"]
    # a new write neither hides it nor lowers the witness
    pay(zf, 1)
    code, report = audit(zf)
    assert code == 1
    assert [f["entry"] for f in report["findings"] if f["check"] == "chain-shortened"] == [5]
    plain = zf("audit", "funds", "--format", "plain")
    assert plain.exit_code == 1 and "chain-shortened" in plain.stdout.lower().replace(" ", "-")


def test_a_rewritten_tail_of_the_same_length_is_reported(zf, funded, ledger_path):
    from fundkit import raw_append

    pay(zf, 2)  # entries 2, 3
    delete_tail(ledger_path, 2)
    raw_append(ledger_path, household_code="H000002", amount_fen=99900)  # a new entry 3
    code, report = audit(zf)
    assert code == 1
    [found] = [f for f in report["findings"] if f["check"] == "chain-shortened"]
    assert "rewritten" in found["detail"]


def test_every_entry_deleted_is_found_by_the_ledgers_location(zf, funded, ledger_path):
    pay(zf, 1)
    delete_tail(ledger_path, 0)
    code, report = audit(zf)
    assert code == 1
    assert [f["check"] for f in report["findings"]].count("chain-shortened") == 1


def test_an_intact_ledger_is_ok_and_the_audit_raises_the_witness(zf, funded, ledger_path):
    pay(zf, 2)
    code, report = audit(zf)
    assert code == 0 and report["ok"]
    anchors = ok(zf("db", "anchors", "--format", "json")).json()
    assert len(anchors) == 1
    [a] = anchors
    assert a["seq"] == 3 and a["anchor"] == f"3:{a['hash'][:12]}"
    assert a["hash"] == report["head"]["hash"]
    assert a["where"] == str(ledger_path) or a["where"].startswith("postgresql")
    csv = ok(zf("db", "anchors", "--format", "csv")).stdout.splitlines()
    assert csv[0].lstrip("\ufeff") == "ledger,where,seq,anchor,seen_at,hash"
    assert len(csv) == 2


def test_the_witness_file_is_private_and_whole(zf, funded):
    pay(zf, 1)
    directory = os.environ["ZOUFANG_STATE_DIR"]
    path = os.path.join(directory, "witness.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.load(open(path, encoding="utf-8"))
    assert data["format"] == 1 and len(data["ledgers"]) == 1
    assert not [n for n in os.listdir(directory) if n.endswith(".tmp")]


def test_no_witness_yet_is_said_plainly(zf, village):
    result = ok(zf("db", "anchors", "--format", "table"))
    assert "no chain heads" in result.stdout + result.stderr


def test_the_short_head_is_printed_and_accepted_as_anchor(zf, funded):
    pay(zf, 1)
    shown = head(zf)
    short = f"{shown['seq']}:{shown['hash'][:12]}"
    assert short in ok(zf("fund", "show", FUND, "--format", "plain")).stdout
    notice = ok(zf("notice", FUND, "--format", "plain")).stdout
    assert f"Money ledger chain head: {short}" in notice
    assert ok(zf("notice", FUND, "--format", "json")).json()["chain_head"] == shown
    assert audit(zf, "--anchor", short)[0] == 0
    wrong = f"{shown['seq']}:{'0' * 12}"
    code, report = audit(zf, "--anchor", wrong)
    assert code == 1 and "rewritten" in report["findings"][-1]["detail"]
    line = error_line(zf("audit", "funds", "--anchor", "2:abc"), "error: --anchor: ")
    assert "12" in line


def test_every_report_format_prints_the_chain_head(zf, funded):
    pay(zf, 1)
    shown = head(zf)
    short = f"{shown['seq']}:{shown['hash'][:12]}"
    assert ok(zf("report", "--format", "json")).json()["chain_head"] == shown
    for fmt in ("plain", "table", "markdown", "csv", "html"):
        assert short in ok(zf("report", "--format", fmt)).stdout, fmt


def test_the_reminder_digest_prints_the_chain_head(zf, funded):
    pay(zf, 1)
    shown = head(zf)
    later = "2027-06-01"  # everyone overdue
    digest = ok(zf("--today", later, "remind", "--dry-run")).stdout
    assert f"Ledger chain head: {shown['seq']}:{shown['hash'][:12]}." in digest
    result = ok(zf("--today", later, "remind", "--dry-run", "--format", "json")).json()
    assert {m["chain_head"]["seq"] for m in result["messages"]} == {shown["seq"]}

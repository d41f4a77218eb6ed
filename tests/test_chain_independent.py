"""An auditor's own check of the hash chain, written from the documented canonical form alone.

AUDITOR is a complete program that uses nothing but Python's standard library (sqlite3, json,
hashlib, unicodedata) — it never imports zoufang, and it runs with ``python -S`` so it could
not. It is what the docstring of ``zoufang/chain.py`` promises an auditor can
write in a few lines of any language. If it disagrees with zoufang, either the code or the
documentation is wrong.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import rawdb
from helpers import FUND, connect_named, ok

AUDITOR = r"""
import hashlib, json, sqlite3, sys, unicodedata

def nfc(value):
    return None if value is None else unicodedata.normalize("NFC", value)

con = sqlite3.connect(sys.argv[1])
con.row_factory = sqlite3.Row
prev, expected_seq, problems, head = "0" * 64, 1, [], [0, "0" * 64]
for row in con.execute("SELECT * FROM ledger_entry ORDER BY seq"):
    form = {
        "v": 1,
        "seq": row["seq"],
        "fund": nfc(row["fund_code"]),
        "kind": row["kind"],
        "amount_fen": row["amount_fen"],
        "household": nfc(row["household_code"]),
        "visit": row["visit_id"],
        "date": row["entry_date"][:10],
        "cadre": nfc(row["cadre_code"]),
        "operator": nfc(row["operator"]),
        "memo": nfc(row["memo"]),
        "reverses": row["reverses_seq"],
        "override": nfc(row["override_reason"]),
        "recorded_at": row["recorded_at"].replace(" ", "T")[:19],
        "prev": row["prev_hash"],
    }
    data = json.dumps(form, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
    if row["seq"] != expected_seq:
        problems.append([row["seq"], "sequence"])
    if row["prev_hash"] != prev:
        problems.append([row["seq"], "prev_hash"])
    if digest != row["hash"]:
        problems.append([row["seq"], "hash"])
    prev, expected_seq, head = row["hash"], row["seq"] + 1, [row["seq"], row["hash"]]
print(json.dumps({"head": head, "problems": problems}))
"""


def run_auditor(path) -> dict:
    """Run AUDITOR on a SQLite ledger; a PostgreSQL ledger is audited through its
    `db backup`, the SQLite copy a county would hand an outside auditor."""
    if isinstance(path, rawdb.PgLedger):
        import pathlib
        import tempfile

        from zoufang.db import Ledger

        with tempfile.TemporaryDirectory() as scratch:
            ledger = Ledger(str(path))
            copy = ledger.backup(pathlib.Path(scratch) / "copy.db")
            ledger.engine.dispose()
            return run_auditor(copy)
    result = subprocess.run(
        [sys.executable, "-S", "-c", AUDITOR, str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def campaign(funded, zf):
    """A festival campaign through the CLI: Chinese memos, a visit with cash, an override,
    a reversal, and text that needs escaping and normalising."""
    ok(
        zf(
            "--as",
            "张会计",
            "fund",
            "allocate",
            FUND,
            "1,234.56",
            "--date",
            "2026-11-02",
            "--memo",
            "追加拨款：组通字〔2026〕7号",
        )
    )
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
            "老人独居，屋顶漏雨",
            "--cash",
            "800",
            "--fund",
            FUND,
        )
    )
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "500.5",
            "--by",
            "C0002",
            "--date",
            "2026-11-21",
            "--memo",
            'Café "王奶奶" \\ 慰问 金',
        )
    )
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000003",
            "¥200",
            "--by",
            "C0001",
            "--override",
            "留守儿童，镇党委特批",
        )
    )
    ok(zf("fund", "reverse", "4", "--reason", "金额录错，冲销后重发"))
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "499.5",
            "--by",
            "C0002",
            "--date",
            "2026-11-22",
            "--memo",
            "Cafe\u0301 重发",
        )
    )  # decomposed é: stored and hashed as NFC


def test_independent_script_agrees_with_zoufang(campaign, zf, ledger_path):
    mine = run_auditor(ledger_path)
    assert mine["problems"] == []
    report = zf("audit", "funds", "-f", "json").json()
    assert report["ok"] is True
    assert mine["head"] == [report["head"]["seq"], report["head"]["hash"]]
    assert report["entries_checked"] == mine["head"][0] == 7
    con = rawdb.connect(ledger_path)
    kinds = [r[0] for r in con.execute("SELECT kind FROM ledger_entry ORDER BY seq")]
    memo = con.execute("SELECT memo FROM ledger_entry WHERE seq = 7").fetchone()[0]
    con.close()
    assert kinds == [
        "allocate",
        "allocate",
        "disburse",
        "disburse",
        "disburse",
        "reverse",
        "disburse",
    ]
    assert memo == "Caf\u00e9 重发"


def test_independent_script_finds_an_edit(campaign, ledger_path):
    con = connect_named(ledger_path)
    rawdb.disable_append_only(con)
    con.execute("UPDATE ledger_entry SET memo = '追加拨款' WHERE seq = 2")
    con.commit()
    con.close()
    assert run_auditor(ledger_path)["problems"] == [[2, "hash"]]


def test_auditor_uses_only_the_standard_library():
    assert "zoufang" not in AUDITOR
    assert "\nimport hashlib, json, sqlite3, sys, unicodedata\n" in AUDITOR

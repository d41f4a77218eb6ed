"""The funds tests' kit: one scenario per payment rule of SPEC §4 (a state of the ledger,
and one payment that breaks exactly that rule in it), and ledger rows written "behind the
program's back" with a database shell (:mod:`rawdb`), as a tamperer would.

The funded village the scenarios start from is conftest's ``funded`` fixture
(:func:`helpers.seed_fund`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import rawdb
from helpers import FUND, TODAY, connect_named, dict_rows, ok, valid_id

#: recorded_at as SQLAlchemy stores it in SQLite (UTC, microseconds always written).
RECORDED_AT = "2026-11-23 12:00:00.000000"


def entries(path: Path) -> list[dict]:
    """Every ledger entry, as dicts, in chain order."""
    return dict_rows(path, "SELECT * FROM ledger_entry ORDER BY seq")


def raw_append(path: Path, **fields) -> dict:
    """Insert a ledger row with the sqlite3 module, hashed and chained like a real one.

    Only the rule the row breaks (if any) is wrong; its hash is valid per the canonical form
    of :mod:`zoufang.chain`, so the chain itself stays intact.
    """
    from zoufang.chain import GENESIS_HASH, entry_hash

    con = connect_named(path)
    rawdb.foreign_keys_off(con)  # a shell does not check them (SQLite's default; PostgreSQL's
    try:  # superuser switches them off)
        head = con.execute(
            "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        row = {
            "seq": (head["seq"] if head else 0) + 1,
            "fund_code": FUND,
            "kind": "disburse",
            "amount_fen": 10000,
            "household_code": None,
            "visit_id": None,
            "entry_date": "2026-11-23",
            "cadre_code": None,
            "operator": "sqlite3-shell",
            "memo": None,
            "reverses_seq": None,
            "override_reason": None,
            "recorded_at": RECORDED_AT,
            "prev_hash": head["hash"] if head else GENESIS_HASH,
        }
        row.update(fields)
        if "recorded_at" not in fields and str(row["entry_date"]) > RECORDED_AT[:10]:
            # recorded on its own day: a rule's scenario is not also a future-dated row
            row["recorded_at"] = f"{row['entry_date']} 12:00:00.000000"
        row["hash"] = entry_hash(row)
        columns = ", ".join(row)
        con.execute(
            f"INSERT INTO ledger_entry ({columns}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        con.commit()
        return row
    finally:
        con.close()


def rehash(con, *, from_seq: int, chain: bool) -> None:
    """Recompute stored hashes from ``from_seq`` on: every later row too (``chain``), or the
    one row alone."""
    from zoufang.chain import entry_hash

    prev = con.execute(
        "SELECT hash FROM ledger_entry WHERE seq < ? ORDER BY seq DESC LIMIT 1", (from_seq,)
    ).fetchone()
    rows = [
        dict(r)
        for r in con.execute("SELECT * FROM ledger_entry WHERE seq >= ? ORDER BY seq", (from_seq,))
    ]
    if not chain:
        rows = rows[:1]
    prev_hash = prev["hash"] if prev else "0" * 64
    for row in rows:
        if chain:
            row["prev_hash"] = prev_hash
        row["hash"] = entry_hash(row)
        con.execute(
            "UPDATE ledger_entry SET prev_hash = ?, hash = ? WHERE seq = ?",
            (row["prev_hash"], row["hash"], row["seq"]),
        )
        prev_hash = row["hash"]


# ---------------------------------------------------------------- one scenario per rule

#: The ID number of 王小军: a member of H000002 in some scenarios.
SON_ID = valid_id("11010119800101001")


@dataclass
class Scenario:
    """A state of the ledger, and one payment that breaks exactly one rule in it."""

    check: str
    setup: Callable
    household: str
    amount: str
    detail: str
    cadre: str = "C0001"
    date: str = TODAY
    fund: str = FUND

    @property
    def args(self) -> list[str]:
        return [
            "fund",
            "disburse",
            self.fund,
            self.household,
            self.amount,
            "--by",
            self.cadre,
            "--date",
            self.date,
        ]

    @property
    def amount_fen(self) -> int:
        from zoufang.parsing import parse_money

        return parse_money(self.amount)


def _nothing(zf):
    pass


def _old_fund(zf):
    ok(
        zf(
            "fund",
            "create",
            "OLD",
            "--name",
            "重阳节慰问",
            "--category",
            "veteran-member",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-20",
        )
    )
    ok(zf("fund", "allocate", "OLD", "1,000", "--date", "2026-10-01"))


def _paid_800(zf):
    ok(zf("fund", "disburse", FUND, "H000001", "800", "--by", "C0001", "--date", "2026-11-20"))


def _small_fund(zf):
    ok(zf("fund", "create", "SMALL", "--name", "临时救助", "--category", "low-income"))
    ok(zf("fund", "allocate", "SMALL", "300", "--date", "2026-11-01"))
    ok(zf("fund", "disburse", "SMALL", "H000002", "200", "--by", "C0002", "--date", "2026-11-20"))


def _exited(zf):
    ok(zf("household", "exit", "H000002", "--reason", "迁出本村"))


def _related_household(zf):
    ok(zf("cadre", "relate", "C0001", "--household", "H000001", "--relation", "表兄"))


def _son(zf):
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


def _related_member(zf):
    _son(zf)
    ok(zf("cadre", "relate", "C0002", "--id-number", SON_ID, "--relation", "同学"))


def _paid_today(zf):
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--date", "2026-11-20"))


def son_enrolled_too(zf):
    _son(zf)
    ok(
        zf(
            "enroll",
            "--name",
            "王小军",
            "--id-number",
            SON_ID,
            "--village",
            "东风社区",
            "--category",
            "low-income",
        )
    )
    ok(zf("fund", "disburse", FUND, "H000002", "300", "--by", "C0002", "--date", "2026-11-20"))


SCENARIOS = [
    Scenario(
        "ineligible",
        _nothing,
        "H000003",
        "100",
        "H000003 刘小明 is left-behind-child; fund CJ2026 is for elderly-alone, "
        "low-income, veteran-member",
    ),
    Scenario(
        "out-of-period",
        _nothing,
        "H000001",
        "100",
        "2025-12-31 is outside fund CJ2026's period 2026-01-01 to 2026-12-31",
        date="2025-12-31",
    ),
    Scenario(
        "out-of-period",
        _old_fund,
        "H000001",
        "100",
        "2026-11-21 is outside fund OLD's period 2026-10-01 to 2026-11-20",
        date="2026-11-21",
        fund="OLD",
    ),
    Scenario(
        "over-cap",
        _paid_800,
        "H000001",
        "600",
        "over the per-household cap: 陈大爷 has received 800.00 of 1,000.00; "
        "600.00 would exceed it",
    ),
    Scenario(
        "overspend",
        _small_fund,
        "H000002",
        "200",
        "fund SMALL has 100.00 left; paying 200.00 would leave -100.00",
        cadre="C0002",
        fund="SMALL",
    ),
    Scenario(
        "inactive-household",
        _exited,
        "H000002",
        "100",
        "H000002 王奶奶 exited on 2026-11-23",
        cadre="C0002",
    ),
    Scenario(
        "conflict-of-interest",
        _related_household,
        "H000001",
        "100",
        "paying cadre C0001 is a relative of H000001 陈大爷",
    ),
    Scenario(
        "conflict-of-interest",
        _related_member,
        "H000002",
        "100",
        "paying cadre C0002 is a relative of H000002 王奶奶",
        cadre="C0002",
    ),
    Scenario(
        "duplicate",
        _paid_today,
        "H000001",
        "100",
        "H000001 陈大爷 was already paid from CJ2026 on 2026-11-20",
        date="2026-11-20",
    ),
    Scenario(
        "duplicate-person",
        son_enrolled_too,
        "H000004",
        "100",
        "a person of H000004 王小军 also belongs to H000002, already paid from CJ2026",
        cadre="C0002",
    ),
]
SCENARIO_IDS = [
    "ineligible",
    "before-from",
    "after-to",
    "over-cap",
    "overspend",
    "inactive",
    "related-household",
    "related-member",
    "duplicate",
    "duplicate-person",
]


#: The rules an override may set aside: all but the balance (a fund is never overdrawn).
OVERRIDABLE = [s for s in SCENARIOS if s.check != "overspend"]
OVERRIDABLE_IDS = [
    i for s, i in zip(SCENARIOS, SCENARIO_IDS, strict=True) if s.check != "overspend"
]
OVERDRAFT = next(s for s in SCENARIOS if s.check == "overspend")


__all__ = [
    "OVERDRAFT",
    "OVERRIDABLE",
    "OVERRIDABLE_IDS",
    "RECORDED_AT",
    "entries",
    "raw_append",
    "rehash",
    "Scenario",
    "SCENARIOS",
    "SCENARIO_IDS",
    "SON_ID",
    "son_enrolled_too",
]

"""The demo ledger's money: festival and relief funds, paid at the demo's own visits.

``zoufang demo --funds`` runs this after :func:`zoufang.services.demo.build_demo`, in the
same transaction, so that `fund`, `notice` and `audit funds` have something real to show and
a county-scale ledger has hundreds of thousands of entries to benchmark.

What it writes, from the visits already made up:

* one fund per festival in the demo's year (春节 for every supported group, 七一 for party
  members, 重阳 for the elderly), open for the month before the festival, with a
  per-household cap; every festival visit to an eligible household pays that festival's
  standard amount on the day of the visit, by the visiting cadre, naming the visit;
* last winter's heating allowance (取暖补贴), paid once at a December or January visit to
  the elderly, low-income and disabled;
* one temporary-relief fund (临时救助) for the year, paid at return visits and at visits
  that heard a need, to low-income, ill and disabled households, within its cap;
* allocations in two tranches before each fund opens, covering what it pays;
* a few mistakes put right by reversals, and a few payments over the cap written with an
  override reason (audit warnings, as in a real ledger).

The entries keep every fund rule, so `audit funds` finds no errors. They are written in bulk
(one Core ``INSERT`` executemany, like the rest of the demo) with the hash chain computed
here by :func:`zoufang.chain.entry_hash`: the chain is the same as if each entry
had been appended by `fund disburse`.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text

from zoufang.chain import GENESIS_HASH, entry_hash
from zoufang.models import Fund, FundCategory, LedgerEntry
from zoufang.services import fact_history
from zoufang.services.audit_log import record
from zoufang.services.demo_history import DOUBLE_NINTH, PARTY_CATEGORIES, SPRING_FESTIVAL
from zoufang.services.demo_text import FESTIVAL_NOTES
from zoufang.tables import without_types

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

ELDERLY = ("elderly-alone", "veteran-member", "retired-cadre", "honour-recipient")
RELIEF = ("low-income", "illness-poverty", "disabled")
HEATING = ("elderly-alone", "low-income", "disabled", "veteran-member")
#: Standard festival amounts in yuan by category; a household gets the highest that applies.
SPRING_AMOUNT = {
    "hardship-member": 1000,
    "bereaved-family": 1000,
    "honour-recipient": 1000,
    "illness-poverty": 800,
    "low-income": 600,
    "disabled": 600,
    "elderly-alone": 500,
    "left-behind-child": 500,
    "veteran-member": 500,
    "retired-cadre": 500,
}
JULY_AMOUNT = {
    "honour-recipient": 1000,
    "hardship-member": 1000,
    "bereaved-family": 800,
    "veteran-member": 500,
    "retired-cadre": 500,
}
SHARE_REVERSED = 0.004
#: Of the relief payments that would go over the cap, the share paid anyway with a reason.
SHARE_OVER_CAP_OVERRIDDEN = 0.02
#: Payments and allocations are drawn from their own stream, so that the visits made up by
#: the same seed are the same with or without --funds.
SEED_SALT = 0x66756E64  # "fund"


@dataclass
class _FundPlan:
    code: str
    name: str
    source: str
    categories: tuple[str, ...]
    cap_yuan: int
    valid_from: dt.date
    valid_to: dt.date
    amounts: dict[str, int]
    paid_fen: int = 0


def add_demo_funds(*, session: LedgerSession, seed: int, today: dt.date) -> dict[str, int]:
    """Create the demo funds and their ledger entries; return the counts written."""
    conn = session.connection()
    rng = random.Random(seed ^ SEED_SALT)
    text_dates = conn.dialect.name == "sqlite"
    operator = unicodedata.normalize("NFC", session.info.get("operator", "unknown"))

    categories: dict[int, set[str]] = defaultdict(set)
    for hid, code in conn.execute(
        text("SELECT household_id, category_code FROM household_category")
    ):
        categories[hid].add(code)
    households = {
        hid: (code, status, _optional_date(exited))
        for hid, code, status, exited in conn.execute(
            text("SELECT id, code, status, exited_on FROM household")
        )
    }
    needs = {
        vid
        for (vid,) in conn.execute(
            text("SELECT DISTINCT visit_id FROM commitment WHERE visit_id IS NOT NULL")
        )
    }
    heating = _heating_fund(today)
    relief = _relief_fund(today)
    # The visits that can pay: festivals, return visits, visits that heard a need, winter.
    visits = [
        (vid, hid, _date(day), kind, notes)
        for vid, hid, day, kind, notes in conn.execute(
            text(
                "SELECT id, household_id, visit_date, kind, notes FROM visit "
                "WHERE kind IN ('festival', 'return') OR visit_date BETWEEN :start AND :end "
                "OR id IN (SELECT visit_id FROM commitment) ORDER BY visit_date, id"
            ),
            {
                "start": _value(heating.valid_from, text_dates),
                "end": _value(heating.valid_to, text_dates),
            },
        )
    ]
    first_cadre: dict[int, str] = dict(
        conn.execute(
            text(
                "SELECT vc.visit_id, MIN(c.code) FROM visit_cadre vc JOIN cadre c ON c.id = vc.cadre_id "
                "GROUP BY vc.visit_id"
            )
        ).all()
    )

    festival_of = {note: key for key, note in FESTIVAL_NOTES.items()}
    plans: dict[tuple[str, int], _FundPlan] = {}
    payments: list[tuple[dt.date, int, _FundPlan, int, int, str | None]] = []
    received: dict[tuple[str, int], int] = defaultdict(int)
    paid_on: set[tuple[str, int, dt.date]] = set()
    for vid, hid, day, kind, notes in visits:
        code, status, exited_on = households[hid]
        if status != "active" and (exited_on is None or exited_on <= day):
            continue
        if kind == "festival":
            key = festival_of.get(notes)
            if key is None:
                continue
            plan = plans.get((key, day.year)) or plans.setdefault(
                (key, day.year), _festival_fund(key, day)
            )
            if not plan.valid_from <= day <= plan.valid_to:
                continue
        elif heating.valid_from <= day <= heating.valid_to and (heating.code, hid) not in received:
            plan = heating
        elif (kind == "return" or vid in needs) and day >= relief.valid_from:
            plan = relief
        else:
            continue
        eligible = [c for c in plan.categories if c in categories[hid]]
        if not eligible:
            continue
        if plan is relief:
            amount = rng.choice((200, 300, 500, 800))
        else:
            amount = max(plan.amounts[c] for c in eligible)
        if (plan.code, hid, day) in paid_on:
            continue
        override = None
        if received[(plan.code, hid)] + amount > plan.cap_yuan:
            if rng.random() >= SHARE_OVER_CAP_OVERRIDDEN:
                continue
            override = "特殊困难，经村（社区）党组织会议研究同意超标准发放"
        paid_on.add((plan.code, hid, day))
        received[(plan.code, hid)] += amount
        plan.paid_fen += amount * 100
        payments.append((day, vid, plan, hid, amount * 100, override))

    used = [p for p in (*plans.values(), heating, relief) if p.paid_fen]
    fund_table = without_types(Fund.__table__)
    conn.execute(
        insert(fund_table),
        [
            {
                "code": p.code,
                "name": p.name,
                "source": p.source,
                "cap_fen": p.cap_yuan * 100,
                "valid_from": _value(p.valid_from, text_dates),
                "valid_to": _value(p.valid_to, text_dates),
                "created_on": _value(p.valid_from - dt.timedelta(days=20), text_dates),
            }
            for p in used
        ],
    )
    conn.execute(
        insert(without_types(FundCategory.__table__)),
        [{"fund_code": p.code, "category_code": c} for p in used for c in p.categories],
    )
    fact_history.append_many(
        session,
        [
            (
                fact_history.FUND,
                p.code,
                fact_history.RULES,
                fact_history.fund_rules_value(
                    p.categories, p.cap_yuan * 100, p.valid_from, p.valid_to
                ),
                p.valid_from - dt.timedelta(days=20),
                None,
            )
            for p in used
        ],
    )

    # Every movement in date order; on one day allocations come first, reversals last.
    moves: list[tuple] = []
    for p in used:
        total = -(-p.paid_fen // 1_000_000) * 1_000_000  # whole 10,000 yuan
        first = total // 2 // 1_000_000 * 1_000_000 or total
        for days_before, amount, memo in (
            (20, first, "第一批拨付"),
            (10, total - first, "第二批拨付"),
        ):
            if amount:
                moves.append(
                    (
                        p.valid_from - dt.timedelta(days=days_before),
                        0,
                        0,
                        {
                            "fund_code": p.code,
                            "kind": "allocate",
                            "amount_fen": amount,
                            "household_code": None,
                            "visit_id": None,
                            "cadre_code": None,
                            "memo": f"{p.name}{memo}",
                            "override_reason": None,
                        },
                    )
                )
    for day, vid, plan, hid, amount_fen, override in payments:
        moves.append(
            (
                day,
                1,
                vid,
                {
                    "fund_code": plan.code,
                    "kind": "disburse",
                    "amount_fen": amount_fen,
                    "household_code": households[hid][0],
                    "visit_id": vid,
                    "cadre_code": first_cadre.get(vid),
                    "memo": None,
                    "override_reason": override,
                },
            )
        )
    moves.sort(key=lambda m: (m[0], m[1], m[2]))

    rows: list[dict] = []
    reversals: list[tuple[dt.date, dict]] = []
    prev = GENESIS_HASH
    seq = 0

    def append(day: dt.date, fields: dict) -> dict:
        nonlocal prev, seq
        seq += 1
        row = {
            "reverses_seq": None,
            **fields,
            "seq": seq,
            "entry_date": _value(day, text_dates),
            "operator": operator,
            "prev_hash": prev,
            "recorded_at": _stamp(day, 8 + seq % 10, seq % 3600, text_dates),
        }
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
        return row

    for day, _, _, fields in moves:
        while reversals and reversals[0][0] <= day:
            append(*reversals.pop(0))
        entry = append(day, fields)
        if (
            fields["kind"] == "disburse"
            and not fields["override_reason"]
            and (rng.random() < SHARE_REVERSED)
        ):
            undo_on = min(today, day + dt.timedelta(days=rng.randint(1, 10)))
            reversals.append(
                (
                    undo_on,
                    {
                        **{
                            k: entry[k]
                            for k in (
                                "fund_code",
                                "amount_fen",
                                "household_code",
                                "visit_id",
                                "cadre_code",
                            )
                        },
                        "kind": "reverse",
                        "memo": "重复录入，冲正",
                        "override_reason": None,
                        "reverses_seq": entry["seq"],
                    },
                )
            )
            reversals.sort(key=lambda r: r[0])
    for day, fields in reversals:
        append(day, fields)

    entries = without_types(LedgerEntry.__table__)
    for start in range(0, len(rows), 5000):
        conn.execute(insert(entries), rows[start : start + 5000])
    counts = {
        "funds": len(used),
        "entries": len(rows),
        "payments": sum(r["kind"] == "disburse" for r in rows),
        "reversals": sum(r["kind"] == "reverse" for r in rows),
        "paid_fen": sum(p.paid_fen for p in used),
    }
    record(
        session,
        action="demo-funds",
        object_type="ledger",
        object_key=f"seed={seed}",
        after={**counts, "head": f"{seq}:{prev}"},
    )
    return counts


def _festival_fund(key: str, day: dt.date) -> _FundPlan:
    """The fund for the festival a visit on ``day`` came before."""
    year = day.year
    if key == "spring":
        month, mday = SPRING_FESTIVAL.get(year, (2, 1))
        festival = dt.date(year, month, mday)
        return _FundPlan(
            f"CJ{year}",
            f"{year}年春节走访慰问金",
            "县委组织部代管党费、县民政局",
            tuple(SPRING_AMOUNT),
            1000,
            festival - dt.timedelta(days=30),
            festival,
            SPRING_AMOUNT,
        )
    if key == "july":
        festival = dt.date(year, 7, 1)
        return _FundPlan(
            f"QY{year}",
            f"{year}年“七一”慰问党员",
            "县委组织部代管党费",
            tuple(sorted(PARTY_CATEGORIES)),
            1000,
            festival - dt.timedelta(days=30),
            festival,
            JULY_AMOUNT,
        )
    month, mday = DOUBLE_NINTH.get(year, (10, 15))
    festival = dt.date(year, month, mday)
    return _FundPlan(
        f"CY{year}",
        f"{year}年重阳节慰问老年人",
        "县民政局",
        ELDERLY,
        500,
        festival - dt.timedelta(days=30),
        festival,
        dict.fromkeys(ELDERLY, 300),
    )


def _heating_fund(today: dt.date) -> _FundPlan:
    """The last winter's heating allowance, paid once at a visit from December to January."""
    year = today.year if today.month >= 12 else today.year - 1
    return _FundPlan(
        f"QN{year}",
        f"{year}—{year + 1}年冬季取暖补贴",
        "县民政局",
        HEATING,
        300,
        dt.date(year, 12, 1),
        min(today, dt.date(year + 1, 1, 31)),
        dict.fromkeys(HEATING, 300),
    )


def _relief_fund(today: dt.date) -> _FundPlan:
    start = today - dt.timedelta(days=365)
    return _FundPlan(
        f"LSJZ{today.year}",
        f"{start.year}—{today.year}年度临时救助金",
        "县民政局",
        RELIEF,
        3000,
        start,
        today,
        {},
    )


def _date(value: Any) -> dt.date:
    """A date as the driver gives it (ISO text on SQLite)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _optional_date(value: Any) -> dt.date | None:
    return None if value is None else _date(value)


def _value(day: dt.date, text_dates: bool):
    """A date as the driver stores it (ISO text on SQLite, as SQLAlchemy writes it)."""
    return day.isoformat() if text_dates else day


def _stamp(day: dt.date, hour: int, seconds: int, text_dates: bool):
    moment = dt.datetime.combine(day, dt.time(hour, seconds // 60, seconds % 60))
    return moment.strftime("%Y-%m-%d %H:%M:%S.000000") if text_dates else moment

"""`audit funds`: the current-state tables against the fact history.

The rules read the history (:mod:`zoufang.services.fact_history`); the current-state tables
(``household_category``, ``household.status``, ``member``, ``cadre_relative``,
``fund_category`` and the fund's cap and period) are the fast view of today that every
command writes in the same transaction as the history. A view that no longer says what the
history's latest period says was changed behind the program's back: a ``fact-chain`` error
naming the household, cadre or fund (the payments are judged by the history either way).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from zoufang.db import driver_rows
from zoufang.fact_chain import value_text
from zoufang.i18n import N_
from zoufang.labels import FACT, Code, Message
from zoufang.services.audit_findings import Finding, finding
from zoufang.services.fact_history import (
    CADRE,
    CATEGORIES,
    FUND,
    HOUSEHOLD,
    MEMBER_IDS,
    RELATIVES,
    RULES,
    STATUS,
    History,
    fund_rules_value,
)
from zoufang.tables import cadre as _cadre
from zoufang.tables import cadre_relative as _relative
from zoufang.tables import fund as _fund
from zoufang.tables import fund_category as _fund_category
from zoufang.tables import household as _household
from zoufang.tables import household_category as _household_category
from zoufang.tables import member as _member


def view_findings(conn, history: History) -> list[Finding]:
    """A ``fact-chain`` error for every household, cadre or fund whose current view differs
    from the latest period of its history, one per subject and fact."""
    H, HC, M = _household, _household_category, _member
    latest = {key: periods[-1] for key, periods in history.periods.items()}

    def now(kind: str, subject: str, fact: str):
        period = latest.get((kind, subject, fact))
        return None if period is None else history.parse(period[3])

    found: list[Finding] = []

    def differs(kind: str, subject: str, fact: str) -> None:
        found.append(
            finding(
                "fact-chain",
                Message(
                    N_(
                        "{subject}'s {fact} as stored now is not what its history says: "
                        "changed behind the program's back"
                    ),
                    subject=subject,
                    fact=Code(fact, FACT),
                ),
                household=subject if kind == HOUSEHOLD else None,
                fund=subject if kind == FUND else None,
            )
        )

    code_of: dict[int, str] = {}
    heads: list[tuple] = driver_rows(
        conn, select(H.c.id, H.c.code, H.c.id_number, H.c.status, H.c.exited_on)
    )
    cats: dict[int, set[str]] = defaultdict(set)
    for hid, cat in driver_rows(conn, select(HC.c.household_id, HC.c.category_code)):
        cats[hid].add(cat)
    people: dict[int, set[str]] = defaultdict(set)
    for hid, number in driver_rows(
        conn, select(M.c.household_id, M.c.id_number).where(M.c.id_number.is_not(None))
    ):
        people[hid].add(number)
    # compared as the history stores them (canonical JSON text): no parsing per household
    texts: dict = {}

    def text_of(value) -> str:
        key = tuple(value) if isinstance(value, list) else value
        found_text = texts.get(key)
        if found_text is None:
            found_text = texts[key] = value_text(value)
        return found_text

    def stored(kind: str, subject: str, fact: str) -> str | None:
        period = latest.get((kind, subject, fact))
        return None if period is None else period[3]

    for hid, code, number, status, exited_on in heads:
        code_of[hid] = code
        if text_of(sorted(cats.get(hid, ()))) != stored(HOUSEHOLD, code, CATEGORIES):
            differs(HOUSEHOLD, code, CATEGORIES)
        period = latest.get((HOUSEHOLD, code, STATUS))
        if text_of(status) != stored(HOUSEHOLD, code, STATUS) or (
            status != "active" and period is not None and _day(exited_on) != period[0]
        ):
            differs(HOUSEHOLD, code, STATUS)
        numbers = sorted(people.get(hid, set()) | {number}) if hid in people else [number]
        # ID numbers are ASCII letters and digits: their JSON is the text itself, quoted
        plain = all(type(n) is str and n.isascii() and n.isalnum() for n in numbers)
        view = '["' + '","'.join(numbers) + '"]' if plain else value_text(numbers)
        if view != stored(HOUSEHOLD, code, MEMBER_IDS):
            differs(HOUSEHOLD, code, MEMBER_IDS)

    R, C = _relative, _cadre
    relatives: dict[str, list[tuple]] = defaultdict(list)
    for cadre, hid, number in driver_rows(
        conn, select(C.c.code, R.c.household_id, R.c.id_number).join(R, R.c.cadre_id == C.c.id)
    ):
        relatives[cadre].append((code_of.get(hid), number))
    for cadre in sorted(set(relatives) | {k[1] for k in latest if k[0] == CADRE}):
        told = now(CADRE, cadre, RELATIVES) or []
        history_pairs = sorted(
            (r.get("household") or "", r.get("id_number") or "")
            for r in told
            if isinstance(r, dict)
        )
        view_pairs = sorted((h or "", n or "") for h, n in relatives.get(cadre, ()))
        if history_pairs != view_pairs:
            differs(CADRE, cadre, RELATIVES)

    F, FC = _fund, _fund_category
    fund_cats: dict[str, list[str]] = defaultdict(list)
    for code, cat in driver_rows(conn, select(FC.c.fund_code, FC.c.category_code)):
        fund_cats[code].append(cat)
    for code, cap, start, end in driver_rows(
        conn, select(F.c.code, F.c.cap_fen, F.c.valid_from, F.c.valid_to)
    ):
        rules = fund_rules_value(fund_cats.get(code, ()), cap, _day(start), _day(end))
        if rules != now(FUND, code, RULES):
            differs(FUND, code, RULES)
    return found


def _day(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None

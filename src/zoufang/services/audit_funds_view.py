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
from zoufang.services.audit_funds_facts import head_columns
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


def view_findings(conn, history: History, heads: list[tuple] | None = None) -> list[Finding]:
    """A ``fact-chain`` error for every household, cadre or fund whose current view differs
    from the latest period of its history, one per subject and fact. ``heads``: every
    household's row, as :func:`~zoufang.services.audit_funds_facts.load_facts` read it
    (read here if not given)."""
    H, HC, M = _household, _household_category, _member
    periods = history.periods

    def now(kind: str, subject: str, fact: str):
        found_periods = periods.get((kind, subject, fact))
        return None if found_periods is None else history.parse(found_periods[-1][3])

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

    cats: dict[int, list[str]] = {}
    for hid, cat in driver_rows(conn, select(HC.c.household_id, HC.c.category_code)):
        listed = cats.get(hid)
        if listed is None:
            cats[hid] = [cat]
        else:
            listed.append(cat)
    people: dict[int, list[str]] = {}
    for hid, number in driver_rows(
        conn, select(M.c.household_id, M.c.id_number).where(M.c.id_number.is_not(None))
    ):
        listed = people.get(hid)
        if listed is None:
            people[hid] = [number]
        else:
            listed.append(number)
    # Compared as the history stores them (canonical JSON text), each distinct view's text
    # made once (a few category sets, two or three statuses): no parsing per household.
    texts: dict = {}  # category tuple → its JSON
    statuses: dict = {}  # (type, status) → its JSON
    code_of: dict[int, str] = {}
    if heads is None:
        heads = driver_rows(conn, select(*head_columns(H)))
    find = periods.get
    household, categories_fact, status_fact = HOUSEHOLD, CATEGORIES, STATUS
    for hid, code, _name, status, exited_on, number in heads:
        code_of[hid] = code
        listed = cats.get(hid)
        # as sorted(set(...)) always gives: a household's categories are unique (primary key)
        view = (
            ()
            if listed is None
            else (listed[0],)
            if len(listed) == 1
            else tuple(sorted(set(listed)))
        )
        text = texts.get(view)
        if text is None:
            text = texts[view] = value_text(list(view))
        found_periods = find((household, code, categories_fact))
        if found_periods is None or text != found_periods[-1][3]:
            differs(HOUSEHOLD, code, CATEGORIES)
        found_periods = find((household, code, status_fact))
        text = statuses.get((type(status), status))
        if text is None:
            text = statuses[(type(status), status)] = value_text(status)
        if found_periods is None:
            differs(HOUSEHOLD, code, STATUS)
        else:
            period = found_periods[-1]
            if text != period[3] or (status != "active" and _day(exited_on) != period[0]):
                differs(HOUSEHOLD, code, STATUS)
        # ID numbers are ASCII letters and digits: their JSON is the text itself, quoted
        listed = people.get(hid)
        if listed is None and type(number) is str and number.isascii() and number.isalnum():
            text = '["' + number + '"]'
        else:
            numbers = [number] if listed is None else sorted({*listed, number})
            try:
                joined = "".join(numbers)
            except TypeError:  # a hand edit stored a number as a number
                joined = "\x00"
            if joined.isascii() and joined.isalnum():
                text = '["' + '","'.join(numbers) + '"]'
            else:
                text = value_text(numbers)
        found_periods = find((household, code, MEMBER_IDS))
        if found_periods is None or text != found_periods[-1][3]:
            differs(HOUSEHOLD, code, MEMBER_IDS)

    R, C = _relative, _cadre
    relatives: dict[str, list[tuple]] = defaultdict(list)
    for cadre, hid, number in driver_rows(
        conn, select(C.c.code, R.c.household_id, R.c.id_number).join(R, R.c.cadre_id == C.c.id)
    ):
        relatives[cadre].append((code_of.get(hid), number))
    for cadre in sorted(set(relatives) | history.subjects(CADRE)):
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

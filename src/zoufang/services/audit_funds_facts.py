"""The facts `audit funds` judges payments with besides the entries, from the stored rows.

Whole tables are read at once as plain tuples (SQLAlchemy Core, never the SQLModel classes):
the funds, every household, the categories of the households that were paid, every cadre's
relatives. Only the rare cases are looked for through indexes: ID numbers held in more than
one household, and the cadres present at payments to a household with a cadre's relative.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import func, select

from zoufang.db import driver_rows
from zoufang.services.fact_history import CADRE, RELATIVES, History
from zoufang.tables import cadre as _cadre
from zoufang.tables import fund as _fund
from zoufang.tables import household as _household
from zoufang.tables import member as _member
from zoufang.tables import visit_cadre as _visit_cadre


def head_columns(H=_household) -> tuple:
    """The columns of ``household`` the audit reads, in this order."""
    return (H.c.id, H.c.code, H.c.head_name, H.c.status, H.c.exited_on, H.c.id_number)


@dataclass
class Facts:
    """What the rules need besides the entries, loaded in a few whole-table reads. The
    facts a payment is judged by come from ``history`` as of its day
    (:func:`zoufang.services.fact_history.payment_as_of`); the current-state tables only say
    which households and cadres may need a closer look."""

    funds: dict[str, tuple]  # code → (valid_from, valid_to, cap_fen): which funds exist
    households: dict[str, tuple]  # code → (name, status, exited_on), every household
    sharing: dict[str, set[str]]  # paid household → paid households that may share a person
    suspects: set[str]  # paid households that may have had some cadre's relative in them
    visit_cadres: dict[int, set[str]]  # visit → cadres present (for suspects only)
    cadres: set[str]
    history: History
    heads: list[tuple]  # every household's row as stored, head_columns() (the view check's too)


def load_facts(conn, rows: list[tuple], history: History, shared: list[str] | None = None) -> Facts:
    """The facts about the funds, households and cadres that ``rows`` (the entries, in
    :data:`~zoufang.services.audit_funds.REPLAY_COLUMNS` order) can need. ``shared``: the
    ID numbers :func:`shared_numbers` finds, if read already (by the audit's worker)."""
    # Whole tables, fetched at once as plain tuples: cheaper than asking the database for
    # the paid households one by one, or reading result rows one at a time by name.
    F, H = _fund, _household
    funds = {
        code: (valid_from, valid_to, cap)
        for code, valid_from, valid_to, cap in conn.execute(
            select(F.c.code, F.c.valid_from, F.c.valid_to, F.c.cap_fen)
        ).all()
    }
    paid_codes: set[str] = {code for code in set(map(itemgetter(4), rows)) if code}
    households: dict[str, tuple] = {}
    code_of: dict[int, str] = {}
    exits: dict = {None: None}
    heads = driver_rows(conn, select(*head_columns(H)))
    for hid, code, name, status, exited_on, _number in heads:
        households[code] = (
            name,
            status,
            exits[exited_on]
            if exited_on in exits
            else exits.setdefault(exited_on, _as_date(exited_on)),
        )
        code_of[hid] = code
    holders: dict[str, set[str]] = defaultdict(set)  # ID number → paid households holding it
    if shared is None:
        shared = [number for (number,) in conn.execute(shared_numbers())]
    for number, hid in _holders(conn, shared):
        code = code_of.get(hid)
        if code in paid_codes:
            holders[number].add(code)
    sharing: dict[str, set[str]] = {}
    for codes in holders.values():
        if len(codes) > 1:
            for code in codes:
                sharing.setdefault(code, set()).update(codes - {code})
    suspects = _suspects(conn, paid_codes, code_of, history)
    # Cadres present at a payment matter only where a cadre has a relative in the household.
    visit_cadres: dict[int, set[str]] = defaultdict(set)
    visit_ids = sorted({r[5] for r in rows if r[5] and r[4] in suspects}) if suspects else []
    VC, C = _visit_cadre, _cadre
    for start in range(0, len(visit_ids), 500):
        for vid, code in conn.execute(
            select(VC.c.visit_id, C.c.code)
            .join(C, C.c.id == VC.c.cadre_id)
            .where(VC.c.visit_id.in_(visit_ids[start : start + 500]))
        ).all():
            visit_cadres[vid].add(code)
    return Facts(
        funds,
        households,
        sharing,
        suspects,
        visit_cadres,
        set(conn.execute(select(_cadre.c.code)).scalars().all()),
        history,
        heads,
    )


def shared_numbers():
    """The query of the ID numbers that may be held in more than one household, found
    through the indexes on ID numbers (none, as a rule): a member's that is another
    household's head's, a member's held by another member, and a head's held by another head
    (only possible with the unique index dropped). One column."""
    from sqlalchemy import union

    H, M = _household, _member
    return union(
        select(M.c.id_number)
        .join(H, H.c.id_number == M.c.id_number)
        .where(H.c.id != M.c.household_id),
        select(M.c.id_number)
        .where(M.c.id_number.is_not(None))
        .group_by(M.c.id_number)
        .having(func.count() > 1),
        select(H.c.id_number)
        .where(H.c.id_number.is_not(None))
        .group_by(H.c.id_number)
        .having(func.count() > 1),
    )


def _holders(conn, numbers) -> list[tuple[str, int]]:
    """(ID number, household id) of every head and member holding one of ``numbers``."""
    H, M = _household, _member
    found: list[tuple[str, int]] = []
    numbers = sorted(set(numbers))
    for start in range(0, len(numbers), 500):
        part = numbers[start : start + 500]
        found += driver_rows(conn, select(H.c.id_number, H.c.id).where(H.c.id_number.in_(part)))
        found += driver_rows(
            conn, select(M.c.id_number, M.c.household_id).where(M.c.id_number.in_(part))
        )
    return found


def _suspects(conn, paid_codes: set[str], code_of: dict[int, str], history: History) -> set[str]:
    """The paid households that any cadre's relatives, in any period of the history, name or
    hold a person of: only their payments need the conflict check (as of their day)."""
    households: set[str] = set()
    numbers: set[str] = set()
    for cadre in history.subjects(CADRE):
        for period in history.periods.get((CADRE, cadre, RELATIVES)) or ():
            for r in history.parse(period[3]) or ():
                if isinstance(r, dict):
                    if r.get("household"):
                        households.add(r["household"])
                    if r.get("id_number"):
                        numbers.add(r["id_number"])
    suspects = paid_codes & households
    if numbers:
        for _number, hid in _holders(conn, numbers):
            code = code_of.get(hid)
            if code in paid_codes:
                suspects.add(code)
    return suspects


def _as_date(value) -> dt.date | None:
    """A stored date (ISO text from SQLite, a date from PostgreSQL); unreadable text, which
    only a hand edit can leave, counts as no date."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None

"""Wishes and suggestions recorded but not acted on (只记不办), as of a day.

One query per kind, with the definitions of :mod:`zoufang.services.figures`, shared by
`audit visits` (findings), `remind` (each cadre's message and the supervisor digest) and
`household show` (the pre-visit brief), so that the three always list the same items:

* **overdue wishes** — claimed, not fulfilled or declined, past their due date;
* **long unclaimed wishes** — open (nobody claimed them) and heard more than ``days`` days
  before (30 in the audit and a cadre's reminder, 14 in the supervisor digest);
* **long unanswered suggestions** — heard more than 30 days before and not answered.

Each item names its responsible cadre: the claiming cadre for a wish a cadre claimed, else
the cadre responsible for the wish or suggestion (the first visiting cadre).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from zoufang.services import figures
from zoufang.tables import cadre as _cadre
from zoufang.tables import household as _household
from zoufang.tables import suggestion as _suggestion
from zoufang.tables import wish as _wish

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class Pending:
    """One wish or suggestion waiting: ``kind`` is ``wish`` or ``suggestion``; ``state`` is
    ``overdue`` (a claimed wish past due), ``unclaimed`` or ``unanswered``; ``days`` how long
    past due, or how long since it was heard."""

    kind: str
    state: str
    id: int
    household: str
    name: str
    village: str | None
    text: str
    heard_on: dt.date
    due_date: dt.date | None
    days: int
    cadre: str | None
    cadre_name: str | None
    claimed_by: str | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def _wishes(conn: Connection, condition, state: str, today: dt.date, households=None):
    W, H, C = _wish, _household, _cadre
    who = func.coalesce(W.c.claimed_cadre_id, W.c.cadre_id)
    claimer = _cadre.alias("claimer")
    query = (
        select(
            W.c.id,
            H.c.code,
            H.c.head_name,
            H.c.village,
            W.c.text,
            W.c.heard_on,
            W.c.due_date,
            C.c.code.label("cadre"),
            C.c.name.label("cadre_name"),
            func.coalesce(claimer.c.code, W.c.claimed_unit).label("claimed_by"),
        )
        .join(H, H.c.id == W.c.household_id)
        .outerjoin(C, C.c.id == who)
        .outerjoin(claimer, claimer.c.id == W.c.claimed_cadre_id)
        .where(condition)
        .order_by(W.c.heard_on, W.c.id)
    )
    if households is not None:
        query = query.where(H.c.id.in_(households))
    for r in conn.execute(query):
        days = (today - r.due_date).days if state == "overdue" else (today - r.heard_on).days
        yield Pending(
            "wish",
            state,
            r.id,
            r.code,
            r.head_name,
            r.village,
            r.text,
            r.heard_on,
            r.due_date,
            days,
            r.cadre,
            r.cadre_name,
            r.claimed_by,
        )


def overdue_wishes(conn: Connection, today: dt.date, households=None) -> list[Pending]:
    return list(_wishes(conn, figures.wish_overdue(today), "overdue", today, households))


def unclaimed_wishes(
    conn: Connection, today: dt.date, days: int = figures.FOLLOW_THROUGH_DAYS, households=None
) -> list[Pending]:
    condition = figures.wish_unclaimed_long(today, days)
    return list(_wishes(conn, condition, "unclaimed", today, households))


def unanswered_suggestions(
    conn: Connection, today: dt.date, days: int = figures.FOLLOW_THROUGH_DAYS, households=None
) -> list[Pending]:
    S, H, C = _suggestion, _household, _cadre
    query = (
        select(
            S.c.id,
            H.c.code,
            H.c.head_name,
            H.c.village,
            S.c.text,
            S.c.heard_on,
            C.c.code.label("cadre"),
            C.c.name.label("cadre_name"),
        )
        .join(H, H.c.id == S.c.household_id)
        .outerjoin(C, C.c.id == S.c.cadre_id)
        .where(figures.suggestion_unanswered_long(today, days=days))
        .order_by(S.c.heard_on, S.c.id)
    )
    if households is not None:
        query = query.where(H.c.id.in_(households))
    return [
        Pending(
            "suggestion",
            "unanswered",
            r.id,
            r.code,
            r.head_name,
            r.village,
            r.text,
            r.heard_on,
            None,
            (today - r.heard_on).days,
            r.cadre,
            r.cadre_name,
            None,
        )
        for r in conn.execute(query)
    ]


def pending(conn: Connection, today: dt.date) -> list[Pending]:
    """Everything recorded and not acted on: overdue and long-unclaimed wishes, long
    unanswered suggestions (30 days)."""
    return [
        *overdue_wishes(conn, today),
        *unclaimed_wishes(conn, today),
        *unanswered_suggestions(conn, today),
    ]

"""The visit history (`visit list`); recording a visit is :mod:`zoufang.services.visit_record`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from zoufang import labels
from zoufang.models import (
    Cadre,
    Commitment,
    Household,
    Visit,
    VisitCadre,
    VisitItem,
)
from zoufang.services.counting import commitment_counts, visit_counts
from zoufang.services.households import get_cadre, get_household

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from zoufang.db import LedgerSession


@dataclass(frozen=True)
class VisitFilter:
    household: str | None = None
    cadre: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    #: void and superseded visits too (marked by their ``status``); else only the current
    every_version: bool = False


def list_visits(*, session: LedgerSession, where: VisitFilter = VisitFilter()) -> list[dict]:
    """Visits newest first, each with its cadres, needs, suggestions, wishes and gifts: the
    visits that count (:func:`~zoufang.services.counting.visit_counts`), or with
    ``where.every_version`` the void and superseded ones too."""
    conditions: list[ColumnElement[bool]] = []
    if not where.every_version:
        conditions.append(visit_counts())
    if where.household:
        household = get_household(session=session, code=where.household, field="--household")
        conditions.append(col(Visit.household_id) == household.id)
    if where.cadre:
        cadre = get_cadre(session=session, code=where.cadre, field="--cadre")
        conditions.append(
            col(Visit.id).in_(select(VisitCadre.visit_id).where(VisitCadre.cadre_id == cadre.id))
        )
    if where.since:
        conditions.append(col(Visit.visit_date) >= where.since)
    if where.until:
        conditions.append(col(Visit.visit_date) <= where.until)
    rows = session.execute(
        select(Visit, Household.code, Household.head_name, Household.village)
        .join(Household, col(Household.id) == Visit.household_id)
        .where(*conditions)
        .order_by(col(Visit.visit_date).desc(), col(Visit.id).desc())
    ).all()
    ids = select(Visit.id).where(*conditions).scalar_subquery()
    return _with_details(session, rows, ids)


def _with_details(session: LedgerSession, rows, ids) -> list[dict]:
    cadres: dict[int, list[str]] = {}
    for vid, code in session.execute(
        select(VisitCadre.visit_id, Cadre.code)
        .join(Cadre, col(Cadre.id) == VisitCadre.cadre_id)
        .where(col(VisitCadre.visit_id).in_(ids))
        .order_by(Cadre.code)
    ):
        cadres.setdefault(vid, []).append(code)
    items: dict[int, dict[str, list[str]]] = {}
    for vid, kind, text in session.execute(
        select(VisitItem.visit_id, VisitItem.kind, VisitItem.text)
        .where(col(VisitItem.visit_id).in_(ids))
        .order_by(col(VisitItem.id))
    ):
        items.setdefault(vid, {}).setdefault(kind, []).append(text)
    needs: dict[int, list[str]] = {}
    for vid, text in session.execute(
        select(Commitment.visit_id, Commitment.text)
        .where(col(Commitment.visit_id).in_(ids), commitment_counts())
        .order_by(col(Commitment.id))
    ):
        needs.setdefault(vid, []).append(text)
    result = []
    for visit, code, name, village in rows:
        got = items.get(visit.id, {})
        result.append(
            {
                "id": visit.id,
                "household": code,
                "name": name,
                "village": village,
                "date": visit.visit_date,
                "kind": labels.Code(visit.kind, labels.VISIT_KIND),
                "cadres": cadres.get(visit.id, []),
                "notes": visit.notes,
                "needs": needs.get(visit.id, []),
                "suggestions": got.get("suggestion", []),
                "wishes": got.get("wish", []),
                "gifts": got.get("gift", []),
                "next": visit.next_date,
                "status": labels.Code(visit.status, labels.VISIT_STATUS),
            }
        )
    return result

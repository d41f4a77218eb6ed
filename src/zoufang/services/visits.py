"""Home visits: what was heard, given and promised, and the visit history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from zoufang.errors import InvalidInput, RuleViolation
from zoufang.models import (
    HOUSEHOLD_EXITED,
    VISIT_KINDS,
    Cadre,
    Commitment,
    Household,
    Visit,
    VisitCadre,
    VisitItem,
)
from zoufang.services.audit_log import record
from zoufang.services.due import refresh_due_dates
from zoufang.services.households import get_cadre, get_household

#: A need raised at a visit without --need-due must be answered within this many days.
DEFAULT_NEED_DAYS = 30


@dataclass
class VisitIn:
    household: str
    cadres: list[str]
    visit_date: dt.date
    kind: str = "routine"
    notes: str | None = None
    needs: list[str] = field(default_factory=list)
    need_due: dt.date | None = None
    suggestions: list[str] = field(default_factory=list)
    wishes: list[str] = field(default_factory=list)
    gifts: list[str] = field(default_factory=list)
    next_date: dt.date | None = None


def log_visit(*, session: Session, data: VisitIn, today: dt.date) -> tuple[Visit, list[Commitment]]:
    """Record a visit; each need opens a commitment held by the first visiting cadre."""
    if data.kind not in VISIT_KINDS:
        raise InvalidInput("--kind", f"{data.kind!r} is not one of {', '.join(VISIT_KINDS)}")
    if not data.cadres:
        raise InvalidInput("--by", "at least one visiting cadre is required")
    if data.visit_date > today:
        raise InvalidInput("--date", f"{data.visit_date} is in the future (today is {today})")
    if data.next_date is not None and data.next_date <= data.visit_date:
        raise InvalidInput("--next", f"{data.next_date} is not after the visit date {data.visit_date}")
    need_due = data.need_due or data.visit_date + dt.timedelta(days=DEFAULT_NEED_DAYS)
    if data.needs and need_due < data.visit_date:
        raise InvalidInput("--need-due", f"{need_due} is before the visit date {data.visit_date}")
    if data.need_due is not None and not data.needs:
        raise InvalidInput("--need-due", "given without any --need")
    household = get_household(session=session, code=data.household, field="HOUSEHOLD")
    if household.status == HOUSEHOLD_EXITED:
        raise RuleViolation(
            "HOUSEHOLD", f"{household.code} exited on {household.exited_on} ({household.exit_reason})"
        )
    cadres = [get_cadre(session=session, code=c, field="--by") for c in dict.fromkeys(data.cadres)]
    visit = Visit(
        household_id=household.id,
        visit_date=data.visit_date,
        kind=data.kind,
        notes=data.notes or None,
        next_date=data.next_date,
        operator=session.info.get("operator", "unknown"),
    )
    session.add(visit)
    session.flush()
    for cadre in cadres:
        session.add(VisitCadre(visit_id=visit.id, cadre_id=cadre.id))
    for kind, texts in (("suggestion", data.suggestions), ("wish", data.wishes),
                        ("gift", data.gifts)):
        for text in texts:
            session.add(VisitItem(visit_id=visit.id, kind=kind, text=text))
    commitments = []
    for need in data.needs:
        commitment = Commitment(
            household_id=household.id,
            visit_id=visit.id,
            text=need,
            cadre_id=cadres[0].id,
            due_date=need_due,
            status="open",
            opened_on=data.visit_date,
        )
        session.add(commitment)
        commitments.append(commitment)
    session.flush()
    refresh_due_dates(session=session, household_ids=[household.id])
    record(session, action="log", object_type="visit", object_key=str(visit.id), after={
        **visit.model_dump(), "household": household.code, "cadres": [c.code for c in cadres],
        "needs": data.needs, "suggestions": data.suggestions, "wishes": data.wishes,
        "gifts": data.gifts,
    })
    for commitment in commitments:
        record(session, action="open", object_type="commitment", object_key=str(commitment.id),
               after=commitment)
    return visit, commitments


@dataclass(frozen=True)
class VisitFilter:
    household: str | None = None
    cadre: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def list_visits(*, session: Session, where: VisitFilter = VisitFilter()) -> list[dict]:
    """Visits newest first, each with its cadres, needs, suggestions, wishes and gifts."""
    conditions = []
    if where.household:
        household = get_household(session=session, code=where.household, field="--household")
        conditions.append(Visit.household_id == household.id)
    if where.cadre:
        cadre = get_cadre(session=session, code=where.cadre, field="--cadre")
        conditions.append(
            Visit.id.in_(select(VisitCadre.visit_id).where(VisitCadre.cadre_id == cadre.id))
        )
    if where.since:
        conditions.append(Visit.visit_date >= where.since)
    if where.until:
        conditions.append(Visit.visit_date <= where.until)
    rows = session.execute(
        select(Visit, Household.code, Household.head_name, Household.village)
        .join(Household, Household.id == Visit.household_id)
        .where(*conditions)
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
    ).all()
    ids = select(Visit.id).where(*conditions).scalar_subquery()
    return _with_details(session, rows, ids)


def _with_details(session: Session, rows, ids) -> list[dict]:
    cadres: dict[int, list[str]] = {}
    for vid, code in session.execute(
        select(VisitCadre.visit_id, Cadre.code)
        .join(Cadre, Cadre.id == VisitCadre.cadre_id)
        .where(VisitCadre.visit_id.in_(ids))
        .order_by(Cadre.code)
    ):
        cadres.setdefault(vid, []).append(code)
    items: dict[int, dict[str, list[str]]] = {}
    for vid, kind, text in session.execute(
        select(VisitItem.visit_id, VisitItem.kind, VisitItem.text)
        .where(VisitItem.visit_id.in_(ids))
        .order_by(VisitItem.id)
    ):
        items.setdefault(vid, {}).setdefault(kind, []).append(text)
    needs: dict[int, list[str]] = {}
    for vid, text in session.execute(
        select(Commitment.visit_id, Commitment.text)
        .where(Commitment.visit_id.in_(ids))
        .order_by(Commitment.id)
    ):
        needs.setdefault(vid, []).append(text)
    result = []
    for visit, code, name, village in rows:
        got = items.get(visit.id, {})
        result.append({
            "id": visit.id,
            "household": code,
            "name": name,
            "village": village,
            "date": visit.visit_date,
            "kind": visit.kind,
            "cadres": cadres.get(visit.id, []),
            "notes": visit.notes,
            "needs": needs.get(visit.id, []),
            "suggestions": got.get("suggestion", []),
            "wishes": got.get("wish", []),
            "gifts": got.get("gift", []),
            "next": visit.next_date,
        })
    return result

"""Cadres: the people who visit and pay, their households and their relatives."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from zoufang.errors import InvalidInput, RuleViolation
from zoufang.i18n import _
from zoufang.models import Assignment, Cadre, CadreRelative, Household, VisitCadre
from zoufang.parsing import parse_line, shown
from zoufang.services.audit_log import record
from zoufang.services.households import get_cadre, get_household, next_code
from zoufang.tables import cadre as cadre_table
from zoufang.tables import max_length

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(text: str, *, field: str = "--email") -> str:
    """An email address: one line (:func:`zoufang.parsing.parse_line`) that fits its column."""
    value = parse_line(text, field=field, max_len=max_length(cadre_table, "email"))
    if not _EMAIL_RE.match(value):
        raise InvalidInput(field, _("{text!r} is not an email address").format(text=shown(text)))
    return value


def add_cadre(
    *,
    session: LedgerSession,
    name: str,
    code: str | None = None,
    unit: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Cadre:
    if code:
        if session.execute(select(Cadre.id).where(Cadre.code == code)).first():
            raise RuleViolation("--code", _("cadre code {code} is already taken").format(code=code))
    else:
        code = next_code(session=session, prefix="C", model=Cadre, width=4)
    cadre = Cadre(code=code, name=name, unit=unit, phone=phone, email=email)
    session.add(cadre)
    session.flush()
    record(session, action="add", object_type="cadre", object_key=code, after=cadre)
    return cadre


def cadre_row(cadre: Cadre, households: int = 0, visits: int = 0) -> dict:
    return {
        "code": cadre.code,
        "name": cadre.name,
        "unit": cadre.unit,
        "phone": cadre.phone,
        "email": cadre.email,
        "households": households,
        "visits": visits,
    }


def list_cadres(*, session: LedgerSession) -> list[dict]:
    """Cadres with how many households they are assigned and how many visits they made."""
    households: dict[int, int] = dict(
        session.execute(
            select(Assignment.cadre_id, func.count()).group_by(col(Assignment.cadre_id))
        ).all()
    )
    visits: dict[int, int] = dict(
        session.execute(
            select(VisitCadre.cadre_id, func.count()).group_by(col(VisitCadre.cadre_id))
        ).all()
    )
    return [
        cadre_row(c, households.get(c.id, 0), visits.get(c.id, 0))
        for c in session.execute(select(Cadre).order_by(Cadre.code)).scalars()
    ]


def relate(
    *,
    session: LedgerSession,
    cadre_code: str,
    household_code: str | None = None,
    id_number: str | None = None,
    relation: str | None = None,
) -> CadreRelative:
    """Record that a cadre is related to a household or to a person (by ID number)."""
    if (household_code is None) == (id_number is None):
        raise InvalidInput("--household", _("give exactly one of --household or --id-number"))
    cadre = get_cadre(session=session, code=cadre_code, field="CADRE")
    household_id = None
    if household_code is not None:
        household_id = get_household(session=session, code=household_code, field="--household").id
    duplicate = session.execute(
        select(CadreRelative.id).where(
            CadreRelative.cadre_id == cadre.id,
            col(CadreRelative.household_id).is_(None)
            if household_id is None
            else CadreRelative.household_id == household_id,
            col(CadreRelative.id_number).is_(None)
            if id_number is None
            else CadreRelative.id_number == id_number,
        )
    ).first()
    if duplicate:
        raise RuleViolation("CADRE", _("this relative is already recorded for the cadre"))
    assert cadre.id is not None  # read from the ledger
    relative = CadreRelative(
        cadre_id=cadre.id, household_id=household_id, id_number=id_number, relation=relation
    )
    session.add(relative)
    session.flush()
    record(
        session,
        action="relate",
        object_type="cadre",
        object_key=cadre.code,
        after={"household": household_code, "id_number": id_number, "relation": relation},
    )
    return relative


def relative_rows(*, session: LedgerSession, cadre_id: int) -> list[dict]:
    rows = session.execute(
        select(CadreRelative, Household.code)
        .outerjoin(Household, col(Household.id) == CadreRelative.household_id)
        .where(CadreRelative.cadre_id == cadre_id)
        .order_by(col(CadreRelative.id))
    ).all()
    return [
        {"household": code, "id_number": rel.id_number, "relation": rel.relation}
        for rel, code in rows
    ]


def assign(*, session: LedgerSession, household_code: str, cadre_code: str, today: dt.date) -> None:
    """Make a cadre responsible for a household (its visits and reminders)."""
    household = get_household(session=session, code=household_code, field="HOUSEHOLD")
    cadre = get_cadre(session=session, code=cadre_code, field="CADRE")
    if session.get(Assignment, (household.id, cadre.id)) is not None:
        raise RuleViolation(
            "CADRE",
            _("{cadre} is already assigned to {household}").format(
                cadre=cadre.code, household=household.code
            ),
        )
    assert household.id is not None and cadre.id is not None  # both read from the ledger
    session.add(Assignment(household_id=household.id, cadre_id=cadre.id, assigned_on=today))
    record(
        session,
        action="assign",
        object_type="household",
        object_key=household.code,
        after={"cadre": cadre.code, "assigned_on": today.isoformat()},
    )


def unassign(*, session: LedgerSession, household_code: str, cadre_code: str) -> None:
    household = get_household(session=session, code=household_code, field="HOUSEHOLD")
    cadre = get_cadre(session=session, code=cadre_code, field="CADRE")
    assignment = session.get(Assignment, (household.id, cadre.id))
    if assignment is None:
        raise RuleViolation(
            "CADRE",
            _("{cadre} is not assigned to {household}").format(
                cadre=cadre.code, household=household.code
            ),
        )
    session.delete(assignment)
    record(
        session,
        action="unassign",
        object_type="household",
        object_key=household.code,
        before={"cadre": cadre.code},
    )

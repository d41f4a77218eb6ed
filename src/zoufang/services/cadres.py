"""Cadres: the people who visit and pay, their households and their relatives."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from zoufang.errors import InvalidInput, NotFound, RuleViolation
from zoufang.i18n import _
from zoufang.models import Assignment, Cadre, CadreRelative, Household, Visit, VisitCadre
from zoufang.parsing import parse_line, shown
from zoufang.services import fact_history
from zoufang.services.audit_log import record
from zoufang.services.counting import visit_counts
from zoufang.services.fact_history import RELATIVES
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
    login: str | None = None,
) -> Cadre:
    if login is not None:
        _login_free(session, login)
    if code:
        if session.execute(select(Cadre.id).where(Cadre.code == code)).first():
            raise RuleViolation("--code", _("cadre code {code} is already taken").format(code=code))
    else:
        code = next_code(session=session, prefix="C", model=Cadre, width=4)
    cadre = Cadre(code=code, name=name, unit=unit, phone=phone, email=email, login=login)
    session.add(cadre)
    session.flush()
    record(session, action="add", object_type="cadre", object_key=code, after=cadre)
    return cadre


def _login_free(session: LedgerSession, login: str, but: str | None = None) -> None:
    taken = session.execute(select(Cadre.code).where(Cadre.login == login)).scalar()
    if taken is not None and taken != but:
        raise RuleViolation(
            "--login",
            _("the login {login} is already cadre {code}'s").format(login=login, code=taken),
        )


def set_cadre_login(*, session: LedgerSession, code: str, login: str | None) -> Cadre:
    """Link a cadre to the PostgreSQL login it works as (None: unlink). On a county server
    the chain records the paying cadre (``cadre_code``) and the login that wrote the entry
    (``operator``); this link says which login is which cadre (docs/security.md)."""
    cadre = session.execute(select(Cadre).where(Cadre.code == code)).scalar()
    if cadre is None:
        raise NotFound("CADRE", _("no cadre {code}").format(code=code))
    if login is not None:
        _login_free(session, login, but=code)
    before = cadre.model_dump()
    cadre.login = login
    session.add(cadre)
    session.flush()
    record(
        session, action="update", object_type="cadre", object_key=code, before=before, after=cadre
    )
    return cadre


def cadre_row(cadre: Cadre, households: int = 0, visits: int = 0) -> dict:
    return {
        "code": cadre.code,
        "name": cadre.name,
        "unit": cadre.unit,
        "phone": cadre.phone,
        "email": cadre.email,
        "login": cadre.login,
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
            select(VisitCadre.cadre_id, func.count())
            .join(Visit, col(Visit.id) == VisitCadre.visit_id)
            .where(visit_counts())
            .group_by(col(VisitCadre.cadre_id))
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
    today: dt.date | None = None,
    effective_from: dt.date | None = None,
    reason: str | None = None,
) -> CadreRelative:
    """Record that a cadre is related to a household or to a person (by ID number), from
    ``effective_from`` (default today): a new period of the cadre's relatives."""
    cadre, household_id, household_code = _relative_target(
        session, cadre_code, household_code, id_number
    )
    today = today or dt.date.today()
    on = effective_from or today
    _check_from(session, cadre.code, on, today, reason)
    if _find_relative(session, cadre.id, household_id, id_number) is not None:
        raise RuleViolation("CADRE", _("this relative is already recorded for the cadre"))
    assert cadre.id is not None  # read from the ledger
    relative = CadreRelative(
        cadre_id=cadre.id, household_id=household_id, id_number=id_number, relation=relation
    )
    session.add(relative)
    session.flush()
    _append_relatives(session, cadre, on, reason, today)
    record(
        session,
        action="relate",
        object_type="cadre",
        object_key=cadre.code,
        after={"household": household_code, "id_number": id_number, "relation": relation},
    )
    return relative


def unrelate(
    *,
    session: LedgerSession,
    cadre_code: str,
    household_code: str | None = None,
    id_number: str | None = None,
    today: dt.date | None = None,
    effective_from: dt.date | None = None,
    reason: str | None = None,
) -> Cadre:
    """End a cadre's relation to a household or person from ``effective_from`` (default
    today). The relation stays in the cadre's history; it is no longer in force after."""
    cadre, household_id, household_code = _relative_target(
        session, cadre_code, household_code, id_number
    )
    today = today or dt.date.today()
    on = effective_from or today
    _check_from(session, cadre.code, on, today, reason)
    found = _find_relative(session, cadre.id, household_id, id_number)
    if found is None:
        raise RuleViolation("CADRE", _("no such relative is recorded for the cadre"))
    before = {"household": household_code, "id_number": id_number, "relation": found.relation}
    session.delete(found)  # the current view; the history keeps the period
    session.flush()
    _append_relatives(session, cadre, on, reason, today)
    record(session, action="unrelate", object_type="cadre", object_key=cadre.code, before=before)
    return cadre


def _relative_target(
    session: LedgerSession, cadre_code: str, household_code: str | None, id_number: str | None
) -> tuple[Cadre, int | None, str | None]:
    if (household_code is None) == (id_number is None):
        raise InvalidInput("--household", _("give exactly one of --household or --id-number"))
    cadre = get_cadre(session=session, code=cadre_code, field="CADRE")
    household_id = None
    if household_code is not None:
        household = get_household(session=session, code=household_code, field="--household")
        household_id, household_code = household.id, household.code
    return cadre, household_id, household_code


def _find_relative(
    session: LedgerSession, cadre_id: int | None, household_id: int | None, id_number: str | None
) -> CadreRelative | None:
    return (
        session.execute(
            select(CadreRelative).where(
                CadreRelative.cadre_id == cadre_id,
                col(CadreRelative.household_id).is_(None)
                if household_id is None
                else CadreRelative.household_id == household_id,
                col(CadreRelative.id_number).is_(None)
                if id_number is None
                else CadreRelative.id_number == id_number,
            )
        )
        .scalars()
        .first()
    )


def _check_from(
    session: LedgerSession, cadre: str, on: dt.date, today: dt.date, reason: str | None
) -> None:
    fact_history.check_from(
        session,
        on=on,
        today=today,
        reason=reason,
        subject_kind=fact_history.CADRE,
        subject=cadre,
        fact=fact_history.RELATIVES,
    )


def _append_relatives(
    session: LedgerSession, cadre: Cadre, on: dt.date, reason: str | None, today: dt.date
) -> None:
    assert cadre.id is not None
    if fact_history.latest_change(session, fact_history.CADRE, cadre.code, RELATIVES) is None:
        # the cadre's first relation: before it, no relatives (the first period of a fact
        # otherwise holds for the days before it)
        fact_history.append(
            session,
            subject_kind=fact_history.CADRE,
            subject=cadre.code,
            fact=RELATIVES,
            value=[],
            effective_from=fact_history.EARLIEST,
            origin="opening",
        )
    fact_history.append(
        session,
        subject_kind=fact_history.CADRE,
        subject=cadre.code,
        fact=fact_history.RELATIVES,
        value=fact_history.relatives_value(relative_rows(session=session, cadre_id=cadre.id)),
        effective_from=on,
        reason=reason,
        today=today,
    )


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


def unassign(
    *, session: LedgerSession, household_code: str, cadre_code: str, reason: str | None = None
) -> None:
    """Take a cadre off a household; with ``reason`` (a correction, or why the cadre
    changed) it is kept in the correction table too."""
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
        after={"reason": reason} if reason else None,
    )
    if reason:
        from zoufang.services.record_corrections import record_unassignment

        assert household.id is not None  # read from the ledger
        session.flush()
        record_unassignment(
            session=session,
            household_id=household.id,
            household=household.code,
            cadre=cadre.code,
            reason=reason,
        )

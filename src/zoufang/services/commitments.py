"""Commitments (承诺事项): needs taken on at a visit or promised, each with a deadline.

"Every item recorded, every item answered": a commitment is open until it is resolved,
referred to another organisation, or closed as cannot-resolve; every step is a dated
response that stays on record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from zoufang import labels, parsing, tables
from zoufang.errors import InvalidInput, NotFound, RuleViolation
from zoufang.i18n import _
from zoufang.models import (
    COMMITMENT_CLOSED,
    COMMITMENT_STATUSES,
    HOUSEHOLD_EXITED,
    Cadre,
    Commitment,
    CommitmentResponse,
    Household,
)
from zoufang.services import figures
from zoufang.services.audit_log import record
from zoufang.services.figures import days_overdue
from zoufang.services.households import get_cadre, get_household

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from zoufang.db import LedgerSession


def add_commitment(
    *, session: LedgerSession, household: str, text: str, cadre: str, due: dt.date, today: dt.date
) -> Commitment:
    if due < today:
        raise InvalidInput(
            "--due", _("{due} is already past (today is {today})").format(due=due, today=today)
        )
    h = get_household(session=session, code=household, field="HOUSEHOLD")
    if h.status == HOUSEHOLD_EXITED:
        raise RuleViolation(
            "HOUSEHOLD", _("{code} exited on {date}").format(code=h.code, date=h.exited_on)
        )
    c = get_cadre(session=session, code=cadre, field="--cadre")
    assert h.id is not None and c.id is not None  # both read from the ledger
    commitment = Commitment(
        household_id=h.id, text=text, cadre_id=c.id, due_date=due, status="open", opened_on=today
    )
    session.add(commitment)
    session.flush()
    record(
        session,
        action="open",
        object_type="commitment",
        object_key=str(commitment.id),
        after=commitment,
    )
    return commitment


def get_commitment(*, session: LedgerSession, commitment_id: int) -> Commitment:
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("ID", _("no commitment {id}").format(id=commitment_id))
    return commitment


def _respond(
    *,
    session: LedgerSession,
    commitment_id: int,
    action: str,
    note: str,
    on: dt.date,
    new_status: str,
    referred_to: str | None = None,
) -> Commitment:
    commitment = get_commitment(session=session, commitment_id=commitment_id)
    if commitment.status in COMMITMENT_CLOSED:
        raise RuleViolation(
            "ID",
            _("commitment {id} is already {status} ({date})").format(
                id=commitment_id,
                status=labels.label_of(labels.COMMITMENT_STATUS, commitment.status),
                date=commitment.closed_on,
            ),
        )
    if on < commitment.opened_on:
        raise InvalidInput(
            "--date",
            _("{date} is before the commitment was opened ({opened})").format(
                date=on, opened=commitment.opened_on
            ),
        )
    before = commitment.model_dump()
    assert commitment.id is not None  # read from the ledger
    session.add(
        CommitmentResponse(
            commitment_id=commitment.id,
            response_date=on,
            action=action,
            note=note,
            operator=session.info.get("operator", "unknown"),
            recorded_at=session.recorded_at(),
        )
    )
    commitment.status = new_status
    if new_status in COMMITMENT_CLOSED:
        commitment.closed_on = on
        commitment.resolution = note
        commitment.referred_to = referred_to
    session.add(commitment)
    session.flush()
    record(
        session,
        action=action,
        object_type="commitment",
        object_key=str(commitment.id),
        before=before,
        after=commitment,
    )
    return commitment


def respond(*, session: LedgerSession, commitment_id: int, note: str, on: dt.date) -> Commitment:
    """A progress note: the commitment becomes in-progress."""
    return _respond(
        session=session,
        commitment_id=commitment_id,
        action="respond",
        note=note,
        on=on,
        new_status="in-progress",
    )


def resolve(
    *, session: LedgerSession, commitment_id: int, note: str, on: dt.date, cannot: bool = False
) -> Commitment:
    """Close as resolved, or as cannot-resolve (with the reason in the note)."""
    status = "cannot-resolve" if cannot else "resolved"
    return _respond(
        session=session,
        commitment_id=commitment_id,
        action=status,
        note=note,
        on=on,
        new_status=status,
    )


def refer(
    *, session: LedgerSession, commitment_id: int, to: str, note: str | None, on: dt.date
) -> Commitment:
    """Hand the matter to another organisation (civil affairs office, hospital, …)."""
    return _respond(
        session=session,
        commitment_id=commitment_id,
        action="refer",
        note=note or _("referred to {to}").format(to=to),
        on=on,
        new_status="referred",
        referred_to=to,
    )


@dataclass(frozen=True)
class CommitmentFilter:
    status: str | None = None
    overdue: bool = False
    cadre: str | None = None
    household: str | None = None
    open_only: bool = False
    id: int | None = None


def list_commitments(
    *, session: LedgerSession, today: dt.date, where: CommitmentFilter = CommitmentFilter()
) -> list[dict]:
    """Commitments by due date, each with its responses and days overdue (open ones), as of
    ``today`` (:mod:`zoufang.services.figures`): none opened after it, no response after it,
    open if not closed by then."""
    C = tables.commitment
    conditions: list[ColumnElement[bool]] = [col(Commitment.opened_on) <= today]
    if where.id is not None:
        conditions.append(col(Commitment.id) == where.id)
    if where.status:
        status = parsing.parse_choice(
            where.status, kind=labels.COMMITMENT_STATUS, codes=COMMITMENT_STATUSES, field="--status"
        )
        conditions.append(col(Commitment.status) == status)
    if where.open_only or where.overdue:
        conditions.append(figures.commitment_open_on(today, C))
    if where.overdue:
        conditions.append(figures.commitment_overdue(today, C))
    if where.cadre:
        cadre = get_cadre(session=session, code=where.cadre, field="--cadre")
        conditions.append(col(Commitment.cadre_id) == cadre.id)
    if where.household:
        household = get_household(session=session, code=where.household, field="--household")
        conditions.append(col(Commitment.household_id) == household.id)
    rows = session.execute(
        select(
            Commitment,
            col(Household.code),
            col(Household.head_name),
            col(Household.village),
            col(Cadre.code),
        )
        .join(Household, col(Household.id) == Commitment.household_id)
        .join(Cadre, col(Cadre.id) == Commitment.cadre_id)
        .where(*conditions)
        .order_by(col(Commitment.due_date), col(Commitment.id))
    ).all()
    ids = select(col(Commitment.id)).where(*conditions).scalar_subquery()
    responses: dict[int, list[dict]] = {}
    for r in session.execute(
        select(CommitmentResponse)
        .where(
            col(CommitmentResponse.commitment_id).in_(ids),
            col(CommitmentResponse.response_date) <= today,
        )
        .order_by(col(CommitmentResponse.response_date), col(CommitmentResponse.id))
    ).scalars():
        responses.setdefault(r.commitment_id, []).append(
            {"date": r.response_date, "action": r.action, "note": r.note, "operator": r.operator}
        )
    return [
        {
            "id": c.id,
            "household": hcode,
            "name": name,
            "village": village,
            "text": c.text,
            "cadre": ccode,
            "opened_on": c.opened_on,
            "due_date": c.due_date,
            "status": labels.Code(c.status, labels.COMMITMENT_STATUS),
            "days_overdue": None
            if c.status in COMMITMENT_CLOSED and c.closed_on is not None and c.closed_on <= today
            else days_overdue(c.due_date, today),
            "closed_on": c.closed_on,
            "referred_to": c.referred_to,
            "visit": c.visit_id,
            "responses": responses.get(c.id, []),
        }
        for c, hcode, name, village, ccode in rows
    ]

"""`audit visits`: is every household visited as often as its cadence asks, and heard?

Findings (:mod:`zoufang.services.audit_findings`): households never visited or long
overdue, and unanswered commitments (errors); check-in visits that recorded nothing heard,
cadres with households but no visits, and visits voided or amended more than 30 days after
they were recorded (warnings).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select
from sqlmodel import col

from zoufang.i18n import N_
from zoufang.labels import CORRECTION, Code, Message
from zoufang.models import (
    Assignment,
    Cadre,
    Category,
    Commitment,
    CommitmentResponse,
    Household,
    HouseholdCategory,
    Visit,
    VisitCadre,
    VisitItem,
)
from zoufang.services.audit_findings import Finding, audit_report, finding
from zoufang.services.corrections import late_corrections
from zoufang.services.counting import household_counts, visit_counts

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def audit_visits(*, session: LedgerSession, today: dt.date) -> dict:
    """Coverage: never-visited, long-overdue, check-in visits, unanswered commitments,
    cadres with households but no visits."""
    findings: list[Finding] = []
    H = Household
    cadence: dict[int, int] = dict(
        session.execute(
            select(col(HouseholdCategory.household_id), func.min(Category.cadence_days))
            .join(Category, col(Category.code) == HouseholdCategory.category_code)
            .group_by(col(HouseholdCategory.household_id))
        ).all()
    )
    for h in session.execute(
        select(
            col(H.id),
            col(H.code),
            col(H.head_name),
            col(H.enrolled_on),
            col(H.last_visit_on),
            col(H.due_date),
            col(H.cadence_days),
        )
        .where(col(H.status) == "active")
        .order_by(H.code)
    ).all():
        days = h.cadence_days or cadence.get(h.id) or 30
        late = (today - h.due_date).days if h.due_date else 0
        if h.last_visit_on is None:
            if (today - h.enrolled_on).days > days:
                findings.append(
                    finding(
                        "never-visited",
                        Message(
                            N_("{household} {name} enrolled {date}, never visited"),
                            household=h.code,
                            name=h.head_name,
                            date=h.enrolled_on,
                        ),
                        household=h.code,
                        severity="error",
                    )
                )
        elif late > days:
            findings.append(
                finding(
                    "overdue",
                    Message(
                        N_(
                            "{household} {name} last visited {date}, {late} days overdue "
                            "(cadence {cadence})"
                        ),
                        household=h.code,
                        name=h.head_name,
                        date=h.last_visit_on,
                        late=late,
                        cadence=days,
                    ),
                    household=h.code,
                    severity="error",
                )
            )
    has_items = exists().where(col(VisitItem.visit_id) == Visit.id, col(VisitItem.kind) != "gift")
    has_needs = exists().where(col(Commitment.visit_id) == Visit.id)
    for vid, code, day in session.execute(
        select(col(Visit.id), col(Household.code), col(Visit.visit_date))
        .join(Household, col(Household.id) == Visit.household_id)
        .where(
            visit_counts(),
            (col(Visit.notes).is_(None)) | (col(Visit.notes) == ""),
            ~has_items,
            ~has_needs,
        )
        .order_by(col(Visit.visit_date), col(Visit.id))
    ):
        findings.append(
            finding(
                "check-in",
                Message(
                    N_(
                        "visit {visit} to {household} on {date} recorded nothing heard "
                        "(no notes, needs, suggestions or wishes)"
                    ),
                    visit=vid,
                    household=code,
                    date=day,
                ),
                household=code,
                severity="warning",
            )
        )
    answered = exists().where(col(CommitmentResponse.commitment_id) == Commitment.id)
    for cid, code, text_, due in session.execute(
        select(
            col(Commitment.id), col(Household.code), col(Commitment.text), col(Commitment.due_date)
        )
        .join(Household, col(Household.id) == Commitment.household_id)
        .where(col(Commitment.due_date) < today, col(Commitment.status) == "open", ~answered)
        .order_by(col(Commitment.due_date))
    ):
        findings.append(
            finding(
                "unanswered",
                Message(
                    N_('commitment {commitment} "{text}" was due {date} and has no response'),
                    commitment=cid,
                    text=text_,
                    date=due,
                ),
                household=code,
                severity="error",
            )
        )
    visiting = (
        select(col(VisitCadre.cadre_id))
        .join(Visit, col(Visit.id) == VisitCadre.visit_id)
        .where(visit_counts())
    )
    for code, name, n in session.execute(
        select(col(Cadre.code), col(Cadre.name), func.count(col(Assignment.household_id)))
        .join(Assignment, col(Assignment.cadre_id) == Cadre.id)
        .where(col(Cadre.id).not_in(visiting))
        .group_by(Cadre.code, Cadre.name)
        .order_by(Cadre.code)
    ):
        findings.append(
            finding(
                "idle-cadre",
                Message(
                    N_("cadre {cadre} {name} has no visits yet, with {n} household(s) to visit"),
                    cadre=code,
                    name=name,
                    n=n,
                ),
                severity="warning",
            )
        )
    for late in late_corrections(session):
        findings.append(
            finding(
                "late-correction",
                Message(
                    N_(
                        "visit {visit} to {household}: {action} on {date}, {days} days after "
                        "it was recorded, by {operator} ({reason})"
                    ),
                    visit=late["visit"],
                    household=late["household"],
                    action=Code(late["action"], CORRECTION),
                    date=late["at"].date(),
                    days=late["days"],
                    operator=late["operator"],
                    reason=late["reason"],
                ),
                household=late["household"],
                severity="warning",
            )
        )
    checked = session.execute(
        select(func.count()).select_from(H).where(household_counts())
    ).scalar_one()
    return audit_report(findings, checked=checked, head=None)

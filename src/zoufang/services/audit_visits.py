"""`audit visits`: is every household visited as often as its cadence asks, and heard?

Findings (:mod:`zoufang.services.audit_findings`): households never visited or long
overdue, and unanswered commitments (errors); check-in visits that recorded nothing heard,
and cadres with households but no visits (warnings).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select

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

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def audit_visits(*, session: LedgerSession, today: dt.date) -> dict:
    """Coverage: never-visited, long-overdue, check-in visits, unanswered commitments,
    cadres with households but no visits."""
    findings: list[Finding] = []
    H = Household
    cadence = dict(
        session.execute(
            select(HouseholdCategory.household_id, func.min(Category.cadence_days))
            .join(Category, Category.code == HouseholdCategory.category_code)
            .group_by(HouseholdCategory.household_id)
        ).all()
    )
    for h in session.execute(
        select(
            H.id, H.code, H.head_name, H.enrolled_on, H.last_visit_on, H.due_date, H.cadence_days
        )
        .where(H.status == "active")
        .order_by(H.code)
    ).all():
        days = h.cadence_days or cadence.get(h.id) or 30
        late = (today - h.due_date).days if h.due_date else 0
        if h.last_visit_on is None:
            if (today - h.enrolled_on).days > days:
                findings.append(
                    finding(
                        "never-visited",
                        f"{h.code} {h.head_name} enrolled {h.enrolled_on}, never visited",
                        household=h.code,
                        severity="error",
                    )
                )
        elif late > days:
            findings.append(
                finding(
                    "overdue",
                    f"{h.code} {h.head_name} last visited "
                    f"{h.last_visit_on}, {late} days overdue (cadence {days})",
                    household=h.code,
                    severity="error",
                )
            )
    has_items = exists().where(VisitItem.visit_id == Visit.id, VisitItem.kind != "gift")
    has_needs = exists().where(Commitment.visit_id == Visit.id)
    for vid, code, day in session.execute(
        select(Visit.id, Household.code, Visit.visit_date)
        .join(Household, Household.id == Visit.household_id)
        .where((Visit.notes.is_(None)) | (Visit.notes == ""), ~has_items, ~has_needs)
        .order_by(Visit.visit_date, Visit.id)
    ):
        findings.append(
            finding(
                "check-in",
                f"visit {vid} to {code} on {day} recorded nothing "
                "heard (no notes, needs, suggestions or wishes)",
                household=code,
                severity="warning",
            )
        )
    answered = exists().where(CommitmentResponse.commitment_id == Commitment.id)
    for cid, code, text_, due in session.execute(
        select(Commitment.id, Household.code, Commitment.text, Commitment.due_date)
        .join(Household, Household.id == Commitment.household_id)
        .where(Commitment.due_date < today, Commitment.status == "open", ~answered)
        .order_by(Commitment.due_date)
    ):
        findings.append(
            finding(
                "unanswered",
                f'commitment {cid} "{text_}" was due {due} and has no response',
                household=code,
                severity="error",
            )
        )
    visiting = select(VisitCadre.cadre_id)
    for code, name, n in session.execute(
        select(Cadre.code, Cadre.name, func.count(Assignment.household_id))
        .join(Assignment, Assignment.cadre_id == Cadre.id)
        .where(Cadre.id.not_in(visiting))
        .group_by(Cadre.code, Cadre.name)
        .order_by(Cadre.code)
    ):
        findings.append(
            finding(
                "idle-cadre",
                f"cadre {code} {name} has {n} households and no visits",
                severity="warning",
            )
        )
    checked = session.execute(select(func.count()).select_from(H)).scalar_one()
    return audit_report(findings, checked=checked, head=None)

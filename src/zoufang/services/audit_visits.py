"""`audit visits`: is every household visited as often as its cadence asks, and heard?

Findings (:mod:`zoufang.services.audit_findings`), every one as of ``today`` with the
definitions of :mod:`zoufang.services.figures` (so the audit lists exactly the households
`due`, `remind` and `report` count): households never visited and households overdue
(errors once late by more than their cadence, warnings before), unanswered commitments
(errors); check-in visits that recorded nothing heard; wishes claimed and overdue or unclaimed
for 30 days, and suggestions unanswered for 30 days (只记不办, naming the responsible cadre); cadres with households but no
visits, and visits voided or amended more than 30 days after they were recorded (warnings).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, func, select

from zoufang.i18n import N_
from zoufang.labels import CORRECTION, Code, Message
from zoufang.services import counting, figures
from zoufang.services.audit_dates import DEFAULT_LATE_DAYS, visit_date_findings
from zoufang.services.audit_findings import Finding, audit_report, finding
from zoufang.services.corrections import late_corrections
from zoufang.services.follow_through import pending
from zoufang.tables import assignment as _assignment
from zoufang.tables import cadre as _cadre
from zoufang.tables import commitment as _commitment
from zoufang.tables import household as _household
from zoufang.tables import visit as _visit
from zoufang.tables import visit_cadre as _visit_cadre

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def audit_visits(
    *, session: LedgerSession, today: dt.date, late_days: int = DEFAULT_LATE_DAYS
) -> dict:
    """Coverage as of ``today``: never-visited and overdue households, check-in visits,
    unanswered commitments, cadres with households but no visits; visits and responses
    dated after, or long before, they were recorded (:mod:`zoufang.services.audit_dates`)."""
    findings: list[Finding] = []
    conn = session.connection()
    H, V, C = _household, _visit, _commitment
    for h in figures.household_due(conn, today, overdue_only=True):
        severity = "error" if h.long_overdue else "warning"
        if h.last_visit_on is None:
            message = Message(
                N_("{household} {name} enrolled {date}, never visited"),
                household=h.code,
                name=h.name,
                date=h.enrolled_on,
            )
            findings.append(finding("never-visited", message, household=h.code, severity=severity))
        else:
            message = Message(
                N_(
                    "{household} {name} last visited {date}, {late} days overdue (cadence {cadence})"
                ),
                household=h.code,
                name=h.name,
                date=h.last_visit_on,
                late=h.days_overdue,
                cadence=h.cadence,
            )
            findings.append(finding("overdue", message, household=h.code, severity=severity))
    for vid, code, day in conn.execute(
        select(V.c.id, H.c.code, V.c.visit_date)
        .join(H, H.c.id == V.c.household_id)
        .where(figures.check_in(today))
        .order_by(V.c.visit_date, V.c.id)
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
    for cid, code, text_, due in conn.execute(
        select(C.c.id, H.c.code, C.c.text, C.c.due_date)
        .join(H, H.c.id == C.c.household_id)
        .where(figures.commitment_unanswered(today))
        .order_by(C.c.due_date, C.c.id)
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
    A, VC = _assignment, _visit_cadre
    visited = exists().where(
        VC.c.cadre_id == _cadre.c.id,
        VC.c.visit_id.in_(select(V.c.id).where(figures.visits_by(today))),
    )
    for code, name, n in conn.execute(
        select(_cadre.c.code, _cadre.c.name, func.count(A.c.household_id))
        .join(A, A.c.cadre_id == _cadre.c.id)
        .join(H, and_(H.c.id == A.c.household_id, figures.active_on(today)))
        .where(A.c.assigned_on <= today, ~visited)
        .group_by(_cadre.c.code, _cadre.c.name)
        .order_by(_cadre.c.code)
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
    findings += follow_through_findings(conn, today)
    findings += visit_date_findings(conn, late_days)
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
    checked = conn.execute(
        select(func.count())
        .select_from(H)
        .where(counting.household_counts(H), H.c.enrolled_on <= today)
    ).scalar_one()
    return audit_report(findings, checked=checked, head=None)


#: The finding of each kind of item recorded and not acted on (只记不办).
FOLLOW_THROUGH = {
    "overdue": (
        "wish-overdue",
        N_(
            'wish {wish} of {household} "{text}", claimed by {claimed_by}, was due {date} '
            "and is {days} days overdue (responsible: {cadre})"
        ),
    ),
    "unclaimed": (
        "wish-unclaimed",
        N_(
            'wish {wish} of {household} "{text}", heard {heard}, has not been claimed for '
            "{days} days (responsible: {cadre})"
        ),
    ),
    "unanswered": (
        "suggestion-unanswered",
        N_(
            'suggestion {suggestion} of {household} "{text}", heard {heard}, has had no '
            "answer for {days} days (responsible: {cadre})"
        ),
    ),
}


def follow_through_findings(conn, today: dt.date) -> list[Finding]:
    """Warnings for wishes and suggestions recorded and not acted on, each naming the
    responsible cadre (:mod:`zoufang.services.follow_through`)."""
    out = []
    for p in pending(conn, today):
        check, template = FOLLOW_THROUGH[p.state]
        cadre = f"{p.cadre} {p.cadre_name}" if p.cadre else "-"
        message = Message(
            template,
            wish=p.id,
            suggestion=p.id,
            household=p.household,
            text=p.text,
            claimed_by=p.claimed_by or "-",
            date=p.due_date,
            heard=p.heard_on,
            days=p.days,
            cadre=cadre,
        )
        out.append(finding(check, message, household=p.household, severity="warning"))
    return out

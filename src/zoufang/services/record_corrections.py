"""Corrections of the other records (visits are :mod:`zoufang.services.corrections`):
`commitment void`, `member update/remove`, `household void`, and the reason for taking a
cadre off a household (`assign --remove --reason`).

Like a visit's, each keeps the record (marked) and appends one row to the ``correction``
table with who, when, why and what changed, plus the audit-log row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from zoufang import labels
from zoufang.codes import (
    COMMITMENT_VOID,
    HOUSEHOLD_VOID,
    MEMBER_CURRENT,
    MEMBER_REMOVED,
)
from zoufang.errors import InvalidInput, NotFound, RuleViolation, no_household
from zoufang.i18n import _
from zoufang.parsing import fold
from zoufang.services.audit_log import record
from zoufang.services.corrections import correct
from zoufang.services.counting import commitment_counts, visit_counts
from zoufang.tables import commitment as M
from zoufang.tables import commitment_response as R
from zoufang.tables import household as H
from zoufang.tables import ledger_entry as E
from zoufang.tables import member as P
from zoufang.tables import visit as V

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


# ---------------------------------------------------------------------------- commitments


def void_commitment(
    *, session: LedgerSession, commitment_id: int, reason: str, today: dt.date
) -> None:
    """Void a commitment recorded by mistake. Refused once it has a response (that is real
    work: resolve it, or close it as cannot-resolve, instead)."""
    conn = session.connection()
    c = conn.execute(
        select(M.c.id, M.c.household_id, M.c.status).where(M.c.id == commitment_id)
    ).first()
    if c is None:
        raise NotFound("ID", _("no commitment {id}").format(id=commitment_id))
    if c.status == COMMITMENT_VOID:
        raise RuleViolation("ID", _("commitment {id} is already void").format(id=commitment_id))
    responses = conn.execute(
        select(func.count()).select_from(R).where(R.c.commitment_id == commitment_id)
    ).scalar_one()
    if responses:
        raise RuleViolation(
            "ID",
            _(
                "commitment {id} has {n} response(s): they are real work; close it with "
                "`zoufang commitment resolve` (--cannot-resolve) instead"
            ).format(id=commitment_id, n=responses),
        )
    conn.execute(
        update(M)
        .where(M.c.id == commitment_id)
        .values(status=COMMITMENT_VOID, closed_on=today, resolution=reason)
    )
    correct(
        conn,
        object_type="commitment",
        key=commitment_id,
        action="void",
        household_id=c.household_id,
        reason=reason,
        operator=session.info.get("operator", "unknown"),
        changes={"status": [c.status, COMMITMENT_VOID]},
    )
    record(
        session,
        action="void",
        object_type="commitment",
        object_key=str(commitment_id),
        before={"status": c.status},
        after={"status": COMMITMENT_VOID, "reason": reason},
    )


# ---------------------------------------------------------------------------- members


@dataclass(frozen=True)
class MemberChanges:
    """What `member update` changes; None: unchanged."""

    name: str | None = None
    relation: str | None = None
    birth_year: int | None = None
    health: str | None = None
    id_number: str | None = None


MEMBER_FIELDS = ("name", "relation", "birth_year", "health", "id_number")


def update_member(
    *, session: LedgerSession, member_id: int, changes: MemberChanges, reason: str
) -> dict:
    """Correct a member's details; the values before are kept in the correction."""
    conn = session.connection()
    m = _current_member(conn, member_id)
    new = {f: getattr(changes, f) for f in MEMBER_FIELDS if getattr(changes, f) is not None}
    changed = {f: [getattr(m, f), v] for f, v in new.items() if getattr(m, f) != v}
    if not changed:
        raise InvalidInput(
            "ID",
            _(
                "nothing to change: give a new --name, --relation, --birth-year, --health "
                "or --id-number"
            ),
        )
    if "id_number" in changed:
        same = conn.execute(
            select(P.c.id).where(
                P.c.household_id == m.household_id,
                P.c.id_number == new["id_number"],
                P.c.status == MEMBER_CURRENT,
            )
        ).first()
        if same is not None or new["id_number"] == m.head_id_number:
            raise RuleViolation("--id-number", _("already a member of {code}").format(code=m.code))
    conn.execute(
        update(P).where(P.c.id == member_id).values(**{f: v[1] for f, v in changed.items()})
    )
    _member_correction(session, m, "update", reason, changed)
    return _member_row(conn, member_id)


def remove_member(*, session: LedgerSession, member_id: int, reason: str) -> dict:
    """Take a member off the household (entered by mistake, moved out, deceased): the row
    stays, marked removed, and is shown so."""
    conn = session.connection()
    m = _current_member(conn, member_id)
    conn.execute(update(P).where(P.c.id == member_id).values(status=MEMBER_REMOVED))
    _member_correction(session, m, "remove", reason, {"status": [MEMBER_CURRENT, MEMBER_REMOVED]})
    return _member_row(conn, member_id)


def _current_member(conn, member_id: int):
    m = conn.execute(
        select(P, H.c.code, H.c.id_number.label("head_id_number"))
        .join(H, H.c.id == P.c.household_id)
        .where(P.c.id == member_id)
    ).first()
    if m is None:
        raise NotFound("ID", _("no member {id}").format(id=member_id))
    if m.status != MEMBER_CURRENT:
        raise RuleViolation("ID", _("member {id} is already removed").format(id=member_id))
    return m


def _member_correction(session: LedgerSession, m, action: str, reason: str, changed) -> None:
    correct(
        session.connection(),
        object_type="member",
        key=m.id,
        action=action,
        household_id=m.household_id,
        reason=reason,
        operator=session.info.get("operator", "unknown"),
        changes=changed,
    )
    record(
        session,
        action=action,
        object_type="member",
        object_key=f"{m.code}/{m.id}",
        before={f: pair[0] for f, pair in changed.items()},
        after={**{f: pair[1] for f, pair in changed.items()}, "reason": reason},
    )


def _member_row(conn, member_id: int) -> dict:
    m = conn.execute(
        select(P, H.c.code).join(H, H.c.id == P.c.household_id).where(P.c.id == member_id)
    ).one()
    return {
        "id": m.id,
        "household": m.code,
        "name": m.name,
        "relation": m.relation,
        "birth_year": m.birth_year,
        "health": m.health,
        "id_number": m.id_number,
        "status": labels.Code(m.status, labels.MEMBER_STATUS),
    }


# ---------------------------------------------------------------------------- households


def void_household(*, session: LedgerSession, code: str, reason: str) -> dict:
    """Void a household enrolled by mistake, only while nothing hangs on it: no visit or
    commitment that counts, no money entry. Otherwise it was on the roster: `household exit`."""
    conn = session.connection()
    h = conn.execute(select(H.c.id, H.c.code, H.c.status).where(H.c.code == fold(code))).first()
    if h is None:
        raise no_household(code, "HOUSEHOLD")
    if h.status == HOUSEHOLD_VOID:
        raise RuleViolation("HOUSEHOLD", _("{code} is already void").format(code=h.code))
    hanging = []
    visits = conn.execute(
        select(func.count()).select_from(V).where(V.c.household_id == h.id, visit_counts())
    ).scalar_one()
    if visits:
        hanging.append(_("visits: {n}").format(n=visits))
    commitments = conn.execute(
        select(func.count()).select_from(M).where(M.c.household_id == h.id, commitment_counts())
    ).scalar_one()
    if commitments:
        hanging.append(_("commitments: {n}").format(n=commitments))
    entries = conn.execute(
        select(func.count()).select_from(E).where(E.c.household_code == h.code)
    ).scalar_one()
    if entries:
        hanging.append(_("ledger entries: {n}").format(n=entries))
    if hanging:
        raise RuleViolation(
            "HOUSEHOLD",
            _(
                "{code} has records ({records}): it was on the roster; use `zoufang household exit "
                "{code} --reason …` instead"
            ).format(code=h.code, records=", ".join(hanging)),
        )
    conn.execute(update(H).where(H.c.id == h.id).values(status=HOUSEHOLD_VOID, due_date=None))
    correct(
        conn,
        object_type="household",
        key=h.code,
        action="void",
        household_id=h.id,
        reason=reason,
        operator=session.info.get("operator", "unknown"),
        changes={"status": [h.status, HOUSEHOLD_VOID]},
    )
    record(
        session,
        action="void",
        object_type="household",
        object_key=h.code,
        before={"status": h.status},
        after={"status": HOUSEHOLD_VOID, "reason": reason},
    )
    return {
        "household": h.code,
        "status": labels.Code(HOUSEHOLD_VOID, labels.HOUSEHOLD_STATUS),
        "reason": reason,
    }


# ---------------------------------------------------------------------------- assignments


def record_unassignment(
    *, session: LedgerSession, household_id: int, household: str, cadre: str, reason: str
) -> None:
    """Why a cadre was taken off a household (`assign --remove --reason`): a correction row
    beside the audit log's, so the household's history says who, when and why."""
    correct(
        session.connection(),
        object_type="assignment",
        key=f"{household}/{cadre}",
        action="unassign",
        household_id=household_id,
        reason=reason,
        operator=session.info.get("operator", "unknown"),
        changes={"cadre": [cadre, None]},
    )

"""Corrections: a record made by mistake is voided or amended, never deleted.

The ledger is evidence, so a correction keeps the original where it was and marks it:

* ``visit void ID --reason R`` marks the visit ``void``; the needs it opened (commitments)
  are voided with it, unless one already has a response (then nothing is done: the
  commitment is real work, close it instead). A visit whose payment stands (a ledger entry
  naming it, not reversed) is not voided: the money chain names the visit; reverse first.
* ``visit amend ID [--household H] [--date D] [--kind K] [--notes T] [--by C…] --reason R``
  writes a new version of the visit (a new visit row, with the same suggestions, wishes and
  gifts, and the needs it opened moved to it) and marks the original ``superseded``. Its
  household or date cannot change while a payment made at it stands.

Each correction writes one row of the append-only ``correction`` table (who, when, why, what
changed, which version replaced which) and an audit-log row. Only the current version counts
(:mod:`zoufang.services.counting`); a household's due date is recomputed in the same
transaction. :func:`show_visit` gives a visit with every version and correction;
:func:`visit_corrections_of_household` a household's, for its history.

Written on SQLAlchemy Core, as `visit log` is (:mod:`zoufang.services.visit_record`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, insert, or_, select, update

from zoufang import labels, parsing
from zoufang.codes import (
    COMMITMENT_VOID,
    HOUSEHOLD_ACTIVE,
    SUGGESTION_UNANSWERED,
    SUGGESTION_VOID,
    VISIT_CURRENT,
    VISIT_KINDS,
    VISIT_SUPERSEDED,
    VISIT_VOID,
    WISH_OPEN,
    WISH_VOID,
)
from zoufang.errors import InvalidInput, NotFound, RuleViolation, no_household
from zoufang.i18n import _
from zoufang.parsing import fold
from zoufang.services.audit_log import record
from zoufang.services.due import refresh_due_dates
from zoufang.services.lookup import resolve_cadre
from zoufang.services.visit_record import _inserted_id
from zoufang.tables import cadre as CA
from zoufang.tables import commitment as M
from zoufang.tables import commitment_response as R
from zoufang.tables import correction as K
from zoufang.tables import household as H
from zoufang.tables import ledger_entry as E
from zoufang.tables import suggestion as S
from zoufang.tables import utcnow
from zoufang.tables import visit as V
from zoufang.tables import visit_cadre as VC
from zoufang.tables import visit_item as VI
from zoufang.tables import wish as W

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from zoufang.db import LedgerSession

#: The longest reason a correction keeps (the column's length).
REASON_LENGTH = 500


@dataclass(frozen=True)
class VisitAmendment:
    """What `visit amend` changes; None: unchanged."""

    household: str | None = None
    visit_date: dt.date | None = None
    kind: str | None = None
    notes: str | None = None
    cadres: list[str] | None = None


def parse_reason(text: str | None) -> str:
    """The reason a correction is made: required, at most 500 characters."""
    return parsing.parse_line(text, field="--reason", max_len=REASON_LENGTH)


# ---------------------------------------------------------------------------- void


def void_visit(*, session: LedgerSession, visit_id: int, reason: str, today: dt.date) -> dict:
    """Mark a visit void, with the needs it opened; refused while a payment made at it
    stands or one of its needs has a response."""
    conn = session.connection()
    visit = _current_visit(conn, visit_id)
    _refuse_standing_payments(conn, visit_id, moving=False)
    opened = conn.execute(
        select(M.c.id).where(M.c.visit_id == visit_id, M.c.status != COMMITMENT_VOID)
    ).scalars()
    commitments = sorted(opened)
    answered = sorted(
        conn.execute(
            select(R.c.commitment_id).where(R.c.commitment_id.in_(commitments)).distinct()
        ).scalars()
    )
    if answered:
        raise RuleViolation(
            "ID",
            _(
                "the needs opened at visit {id} already have responses (commitments "
                "{commitments}): they are real work; close them with `zoufang commitment "
                "resolve` and correct the visit with `zoufang visit amend` instead"
            ).format(id=visit_id, commitments=", ".join(map(str, answered))),
        )
    _refuse_acted_on_heard(conn, visit_id)
    operator = session.info.get("operator", "unknown")
    conn.execute(update(V).where(V.c.id == visit_id).values(status=VISIT_VOID))
    conn.execute(update(W).where(W.c.visit_id == visit_id).values(status=WISH_VOID))
    conn.execute(update(S).where(S.c.visit_id == visit_id).values(status=SUGGESTION_VOID))
    correct(
        conn,
        object_type="visit",
        key=visit_id,
        action="void",
        household_id=visit.household_id,
        reason=reason,
        operator=operator,
    )
    record(
        session,
        action="void",
        object_type="visit",
        object_key=str(visit_id),
        before={"status": VISIT_CURRENT},
        after={"status": VISIT_VOID, "reason": reason},
    )
    if commitments:
        conn.execute(
            update(M)
            .where(M.c.id.in_(commitments))
            .values(status=COMMITMENT_VOID, closed_on=today, resolution=reason)
        )
    for cid in commitments:
        correct(
            conn,
            object_type="commitment",
            key=cid,
            action="void",
            household_id=visit.household_id,
            reason=reason,
            operator=operator,
            changes={"visit": [visit_id, None]},
        )
        record(
            session,
            action="void",
            object_type="commitment",
            object_key=str(cid),
            after={"status": COMMITMENT_VOID, "visit": visit_id, "reason": reason},
        )
    refresh_due_dates(session=session, household_ids=[visit.household_id])
    return {
        "visit": visit_id,
        "status": labels.Code(VISIT_VOID, labels.VISIT_STATUS),
        "household": visit.code,
        "commitments": commitments,
        "due_date": _due_date(conn, visit.household_id),
    }


def _refuse_acted_on_heard(conn: Connection, visit_id: int) -> None:
    """A visit whose wishes were claimed or closed, or whose suggestions were answered, is
    real work: it is amended, not voided (as with needs that have a response)."""
    wishes = sorted(
        conn.execute(
            select(W.c.id).where(W.c.visit_id == visit_id, W.c.status != WISH_OPEN)
        ).scalars()
    )
    suggestions = sorted(
        conn.execute(
            select(S.c.id).where(S.c.visit_id == visit_id, S.c.status != SUGGESTION_UNANSWERED)
        ).scalars()
    )
    if wishes or suggestions:
        raise RuleViolation(
            "ID",
            _(
                "wishes or suggestions heard at visit {id} were already acted on (wishes "
                "{wishes}; suggestions {suggestions}): correct the visit with `zoufang visit "
                "amend` instead"
            ).format(
                id=visit_id,
                wishes=", ".join(map(str, wishes)) or "-",
                suggestions=", ".join(map(str, suggestions)) or "-",
            ),
        )


# ---------------------------------------------------------------------------- amend


def amend_visit(
    *,
    session: LedgerSession,
    visit_id: int,
    amendment: VisitAmendment,
    reason: str,
    today: dt.date,
) -> dict:
    """Write a new version of a visit with the amended fields; the original is kept,
    marked superseded. Refused while a payment made at it stands if its household or date
    would change."""
    conn = session.connection()
    old = _current_visit(conn, visit_id)
    new: dict[str, Any] = {
        "household_id": old.household_id,
        "visit_date": old.visit_date,
        "kind": old.kind,
        "notes": old.notes,
    }
    household_code = old.code
    if amendment.household is not None:
        household = conn.execute(
            select(H.c.id, H.c.code, H.c.status, H.c.exited_on).where(
                H.c.code == fold(amendment.household)
            )
        ).first()
        if household is None:
            raise no_household(amendment.household, "--household")
        if household.status != HOUSEHOLD_ACTIVE and (
            household.exited_on is None
            or (amendment.visit_date or old.visit_date) > household.exited_on
        ):
            raise RuleViolation(
                "--household",
                _("{code} is not on the roster ({status})").format(
                    code=household.code,
                    status=labels.Code(household.status, labels.HOUSEHOLD_STATUS).label(),
                ),
            )
        new["household_id"], household_code = household.id, household.code
    if amendment.visit_date is not None:
        if amendment.visit_date > today:
            raise InvalidInput(
                "--date",
                _("{date} is in the future (today is {today})").format(
                    date=amendment.visit_date, today=today
                ),
            )
        if old.next_date is not None and old.next_date <= amendment.visit_date:
            raise InvalidInput(
                "--date",
                _("{date} is not before the visit's next date {next}").format(
                    date=amendment.visit_date, next=old.next_date
                ),
            )
        new["visit_date"] = amendment.visit_date
    if amendment.kind is not None:
        new["kind"] = parsing.parse_choice(
            amendment.kind, kind=labels.VISIT_KIND, codes=VISIT_KINDS, field="--kind"
        )
    if amendment.notes is not None:
        new["notes"] = amendment.notes
    old_cadres = _cadre_codes(conn, visit_id)
    cadres = old_cadres
    cadre_ids: list[int]
    if amendment.cadres is not None:
        if not amendment.cadres:
            raise InvalidInput("--by", _("at least one visiting cadre is required"))
        refs = {
            c.code: c
            for c in (
                resolve_cadre(session=session, text=t, field="--by") for t in amendment.cadres
            )
        }
        cadres, cadre_ids = sorted(refs), [refs[c].id for c in sorted(refs)]
    else:
        cadre_ids = list(
            conn.execute(select(VC.c.cadre_id).where(VC.c.visit_id == visit_id)).scalars()
        )
    changes: dict[str, list] = {}
    if new["household_id"] != old.household_id:
        changes["household"] = [old.code, household_code]
    for field in ("visit_date", "kind", "notes"):
        if new[field] != getattr(old, field):
            changes[field] = [getattr(old, field), new[field]]
    if cadres != old_cadres:
        changes["cadres"] = [old_cadres, cadres]
    if not changes:
        raise InvalidInput(
            "ID",
            _("nothing to amend: give a new --household, --date, --kind, --notes or --by"),
        )
    if "household" in changes or "visit_date" in changes:
        _refuse_standing_payments(conn, visit_id, moving=True)
    operator = session.info.get("operator", "unknown")
    row = {
        **new,
        "next_date": old.next_date,
        "recorded_at": utcnow(),
        "operator": operator,
        "status": VISIT_CURRENT,
    }
    new_id = _inserted_id(conn, V, row)
    conn.execute(insert(VC), [{"visit_id": new_id, "cadre_id": c} for c in cadre_ids])
    items = [
        {"visit_id": new_id, "kind": kind, "text": text}
        for kind, text in conn.execute(
            select(VI.c.kind, VI.c.text).where(VI.c.visit_id == visit_id).order_by(VI.c.id)
        )
    ]
    if items:
        conn.execute(insert(VI), items)
    moved = {"visit_id": new_id, "household_id": new["household_id"]}
    if "visit_date" in changes:
        moved["opened_on"] = new["visit_date"]
    conn.execute(update(M).where(M.c.visit_id == visit_id).values(**moved))
    heard = {"visit_id": new_id, "household_id": new["household_id"]}
    if "visit_date" in changes:
        heard["heard_on"] = new["visit_date"]
    for table in (W, S):  # the wishes and suggestions it heard go with it
        conn.execute(update(table).where(table.c.visit_id == visit_id).values(**heard))
    conn.execute(update(V).where(V.c.id == visit_id).values(status=VISIT_SUPERSEDED))
    correct(
        conn,
        object_type="visit",
        key=visit_id,
        action="amend",
        replaced_by=new_id,
        household_id=old.household_id,
        reason=reason,
        operator=operator,
        changes=changes,
    )
    record(
        session,
        action="amend",
        object_type="visit",
        object_key=str(visit_id),
        before={"status": VISIT_CURRENT},
        after={"status": VISIT_SUPERSEDED, "replaced_by": new_id, "reason": reason},
    )
    record(
        session,
        action="log",
        object_type="visit",
        object_key=str(new_id),
        after={**row, "household": household_code, "cadres": cadres, "amends": visit_id},
    )
    refresh_due_dates(session=session, household_ids=[old.household_id, new["household_id"]])
    return {
        "visit": visit_id,
        "status": labels.Code(VISIT_SUPERSEDED, labels.VISIT_STATUS),
        "replaced_by": new_id,
        "household": household_code,
        "changes": _jsonable(changes),
        "due_date": _due_date(conn, new["household_id"]),
    }


# ---------------------------------------------------------------------------- reading


def show_visit(*, session: LedgerSession, visit_id: int) -> dict:
    """A visit with every version of it (the original, the amended ones), every correction
    (who, when, why, what changed), the needs it opened and the payments made at it."""
    conn = session.connection()
    if conn.execute(select(V.c.id).where(V.c.id == visit_id)).first() is None:
        raise _no_visit(visit_id)
    chain = _versions(conn, visit_id)
    versions = [_version(conn, vid) for vid in chain]
    keys = [str(v) for v in chain]
    corrections = [
        {k: v for k, v in _correction_row(c).items() if k not in ("object", "key")}
        | {"visit": int(c.object_key)}
        for c in conn.execute(
            select(K)
            .where(K.c.object_type == "visit", K.c.object_key.in_(keys))
            .order_by(K.c.at, K.c.id)
        )
    ]
    commitments = [
        {"id": c.id, "text": c.text, "status": labels.Code(c.status, labels.COMMITMENT_STATUS)}
        for c in conn.execute(
            select(M.c.id, M.c.text, M.c.status).where(M.c.visit_id.in_(chain)).order_by(M.c.id)
        )
    ]
    entries = list(
        conn.execute(select(E.c.seq).where(E.c.visit_id.in_(chain)).order_by(E.c.seq)).scalars()
    )
    tip = versions[-1]
    return {
        "id": visit_id,
        "status": next(v["status"] for v in versions if v["id"] == visit_id),
        "current": tip["id"] if tip["status"] == VISIT_CURRENT else None,
        "versions": versions,
        "corrections": corrections,
        "commitments": commitments,
        "entries": entries,
    }


def visit_corrections_of_household(session: LedgerSession, household: str) -> list[dict]:
    """Every correction of a visit to ``household`` (a code), oldest first: those made to
    its visits and those that moved a visit to it from another household. Each row: ``at``,
    ``operator``, ``action``, ``visit``, ``replaced_by``, ``reason``, ``changes`` — for
    ``household history``."""
    return [
        {k: v for k, v in row.items() if k not in ("object", "key")} | {"visit": int(row["key"])}
        for row in corrections_of_household(session, household)
        if row["object"] == "visit"
    ]


def corrections_of_household(session: LedgerSession, household: str) -> list[dict]:
    """Every correction touching ``household`` (a code), oldest first: of its visits (and
    of visits moved to it), commitments, members, assignments and of itself. Each row:
    ``at``, ``operator``, ``object`` (visit, commitment, member, assignment, household),
    ``key``, ``action``, ``replaced_by``, ``reason``, ``changes``."""
    conn = session.connection()
    hid = conn.execute(select(H.c.id).where(H.c.code == fold(household))).scalar()
    if hid is None:
        raise no_household(household, "HOUSEHOLD")
    keys = [str(v) for v in conn.execute(select(V.c.id).where(V.c.household_id == hid)).scalars()]
    moved_here = and_(
        K.c.object_type == "visit", or_(K.c.object_key.in_(keys), K.c.replaced_by.in_(keys))
    )
    rows = conn.execute(
        select(K).where(or_(K.c.household_id == hid, moved_here)).order_by(K.c.at, K.c.id)
    )
    return [_correction_row(r) for r in rows]


#: A visit corrected more than this many days after it was recorded is an `audit visits`
#: warning: corrections must not quietly rewrite a campaign.
LATE_CORRECTION_DAYS = 30


def late_corrections(session: LedgerSession, days: int = LATE_CORRECTION_DAYS) -> list[dict]:
    """Visits voided or amended more than ``days`` days after they were recorded, oldest
    correction first: ``visit``, ``household``, ``action``, ``recorded_at``, ``at``,
    ``days``, ``operator``, ``reason``. The corrections are few; compared here, not in SQL
    (date arithmetic differs between the backends)."""
    conn = session.connection()
    rows = conn.execute(
        select(K.c.object_key, K.c.action, K.c.at, K.c.operator, K.c.reason)
        .where(K.c.object_type == "visit")
        .order_by(K.c.at, K.c.id)
    ).all()
    if not rows:
        return []
    ids = [int(r.object_key) for r in rows]
    recorded = {
        vid: (at, code)
        for vid, at, code in conn.execute(
            select(V.c.id, V.c.recorded_at, H.c.code)
            .join(H, H.c.id == V.c.household_id)
            .where(V.c.id.in_(ids))
        )
    }
    late = []
    for r in rows:
        recorded_at, code = recorded[int(r.object_key)]
        elapsed = (r.at - recorded_at).days
        if elapsed > days:
            late.append(
                {
                    "visit": int(r.object_key),
                    "household": code,
                    "action": r.action,
                    "recorded_at": recorded_at,
                    "at": r.at,
                    "days": elapsed,
                    "operator": r.operator,
                    "reason": r.reason,
                }
            )
    return late


# ---------------------------------------------------------------------------- helpers


def _no_visit(visit_id: int) -> NotFound:
    return NotFound("ID", _("no visit {id}").format(id=visit_id))


def _current_visit(conn: Connection, visit_id: int):
    """The visit with its household's code; refused unless it is the current version."""
    visit = conn.execute(
        select(
            V.c.id,
            V.c.household_id,
            V.c.visit_date,
            V.c.kind,
            V.c.notes,
            V.c.next_date,
            V.c.status,
            H.c.code,
        )
        .join(H, H.c.id == V.c.household_id)
        .where(V.c.id == visit_id)
    ).first()
    if visit is None:
        raise _no_visit(visit_id)
    if visit.status == VISIT_VOID:
        raise RuleViolation("ID", _("visit {id} is already void").format(id=visit_id))
    if visit.status != VISIT_CURRENT:
        tip = _versions(conn, visit_id)[-1]
        raise RuleViolation(
            "ID",
            _("visit {id} was amended: its current version is visit {tip}").format(
                id=visit_id, tip=tip
            ),
        )
    return visit


def _refuse_standing_payments(conn: Connection, visit_id: int, *, moving: bool) -> None:
    """Refused while a payment made at this visit (any version of it) is not reversed:
    the ledger entry names the visit, its household and date."""
    chain = _versions(conn, visit_id)
    reversal = E.alias("reversal")
    standing = list(
        conn.execute(
            select(E.c.seq)
            .where(
                E.c.visit_id.in_(chain),
                E.c.kind == "disburse",
                ~exists().where(reversal.c.reverses_seq == E.c.seq),
            )
            .order_by(E.c.seq)
        ).scalars()
    )
    if not standing:
        return
    entries = ", ".join(map(str, standing))
    if moving:
        message = _(
            "cash was paid at visit {id} (ledger entry {entries}), which names its household "
            "and date: they cannot change until the entry is reversed (`zoufang fund reverse "
            "SEQ --reason …`)"
        )
    else:
        message = _(
            "cash was paid at visit {id} (ledger entry {entries}), which names the visit: "
            "reverse the entry first (`zoufang fund reverse SEQ --reason …`), then void the visit"
        )
    raise RuleViolation("ID", message.format(id=visit_id, entries=entries))


def _versions(conn: Connection, visit_id: int) -> list[int]:
    """Every version of the visit, the original first and the latest last."""
    first = visit_id
    while True:
        earlier = conn.execute(
            select(K.c.object_key).where(
                K.c.object_type == "visit", K.c.action == "amend", K.c.replaced_by == str(first)
            )
        ).scalar()
        if earlier is None:
            break
        first = int(earlier)
    chain = [first]
    while True:
        later = conn.execute(
            select(K.c.replaced_by).where(
                K.c.object_type == "visit",
                K.c.action == "amend",
                K.c.object_key == str(chain[-1]),
            )
        ).scalar()
        if later is None or int(later) in chain:
            return chain
        chain.append(int(later))


def _version(conn: Connection, visit_id: int) -> dict:
    v = conn.execute(
        select(V, H.c.code, H.c.head_name)
        .join(H, H.c.id == V.c.household_id)
        .where(V.c.id == visit_id)
    ).one()
    items: dict[str, list[str]] = {"suggestion": [], "wish": [], "gift": []}
    for kind, text in conn.execute(
        select(VI.c.kind, VI.c.text).where(VI.c.visit_id == visit_id).order_by(VI.c.id)
    ):
        items.setdefault(kind, []).append(text)
    return {
        "id": v.id,
        "status": labels.Code(v.status, labels.VISIT_STATUS),
        "household": v.code,
        "name": v.head_name,
        "date": v.visit_date,
        "kind": labels.Code(v.kind, labels.VISIT_KIND),
        "cadres": _cadre_codes(conn, visit_id),
        "notes": v.notes,
        "suggestions": items["suggestion"],
        "wishes": items["wish"],
        "gifts": items["gift"],
        "next": v.next_date,
        "recorded_at": v.recorded_at,
        "operator": v.operator,
    }


def _cadre_codes(conn: Connection, visit_id: int) -> list[str]:
    return sorted(
        conn.execute(
            select(CA.c.code).join(VC, VC.c.cadre_id == CA.c.id).where(VC.c.visit_id == visit_id)
        ).scalars()
    )


def _correction_row(c) -> dict:
    return {
        "at": c.at,
        "operator": c.operator,
        "object": c.object_type,
        "key": c.object_key,
        "action": labels.Code(c.action, labels.CORRECTION),
        "replaced_by": None if c.replaced_by is None else int(c.replaced_by),
        "reason": c.reason,
        "changes": json.loads(c.changes) if c.changes else {},
    }


def correct(
    conn: Connection,
    *,
    object_type: str,
    key: int | str,
    action: str,
    household_id: int | None,
    reason: str,
    operator: str,
    replaced_by: int | None = None,
    changes: dict | None = None,
) -> None:
    """Append one row to the correction table."""
    conn.execute(
        insert(K).values(
            object_type=object_type,
            object_key=str(key),
            action=action,
            replaced_by=None if replaced_by is None else str(replaced_by),
            household_id=household_id,
            reason=reason,
            changes=json.dumps(_jsonable(changes), ensure_ascii=False) if changes else None,
            operator=operator[:100],
            at=utcnow(),
        )
    )


def _jsonable(changes: dict) -> dict:
    return {
        k: [v.isoformat() if isinstance(v, dt.date) else v for v in pair]
        for k, pair in changes.items()
    }


def _due_date(conn: Connection, household_id: int) -> dt.date | None:
    return conn.execute(select(H.c.due_date).where(H.c.id == household_id)).scalar()

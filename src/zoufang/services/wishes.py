"""Small wishes (微心愿): heard at a visit, claimed, fulfilled or declined.

"Every item recorded, every item answered": a wish is open (待认领) until a cadre, a unit or a
volunteer claims it (已认领) with a due date (30 days unless given); a claimed wish past its
due date is overdue. It ends fulfilled (已圆梦; paid for from a fund through the money ledger,
if it cost money, with every fund rule) or declined (未能实现; the reason the household was
told). Each step is a row of the append-only ``wish_event``; the wish row carries the latest
state. A wish heard at a visit that is voided is void with it (:mod:`.corrections`).

What is open, overdue or long unclaimed on a day is defined once in
:mod:`zoufang.services.figures` (``wish_*``), which `report`, `audit visits`, `remind` and
`household show` share. Written on SQLAlchemy Core; a payment goes on to
:func:`zoufang.services.fund_payment.disburse` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, insert, or_, select, update

from zoufang import labels, parsing
from zoufang.codes import (
    HOUSEHOLD_EXITED,
    WISH_CLAIMED,
    WISH_DECLINED,
    WISH_FULFILLED,
    WISH_OPEN,
    WISH_STATUSES,
)
from zoufang.errors import InvalidInput, NotFound, RuleViolation, no_household
from zoufang.i18n import _
from zoufang.parsing import fold
from zoufang.services import counting, figures
from zoufang.services.audit_log import record
from zoufang.services.lookup import resolve_cadre
from zoufang.services.visit_record import _inserted_id
from zoufang.tables import assignment as A
from zoufang.tables import cadre as CA
from zoufang.tables import household as H
from zoufang.tables import wish as W
from zoufang.tables import wish_event as WE

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection, Table

    from zoufang.db import LedgerSession

#: A claim without --due must be fulfilled within this many days.
DEFAULT_CLAIM_DAYS = 30


def open_household(conn: Connection, code: str) -> tuple[int, str]:
    """The (id, code) of a household that can still be heard: refused if unknown or exited."""
    row = conn.execute(
        select(H.c.id, H.c.code, H.c.status, H.c.exited_on).where(
            H.c.code == fold(code), counting.household_counts(H)
        )
    ).first()
    if row is None:
        raise no_household(code, "HOUSEHOLD")
    if row.status == HOUSEHOLD_EXITED:
        raise RuleViolation(
            "HOUSEHOLD", _("{code} exited on {date}").format(code=row.code, date=row.exited_on)
        )
    return row.id, row.code


def responsible_cadre(
    *, session: LedgerSession, household_id: int, cadre: str | None
) -> int | None:
    """The cadre named by ``--by``, else the household's assigned cadre (None if neither)."""
    if cadre is not None:
        return resolve_cadre(session=session, text=cadre, field="--by").id
    return (
        session.connection()
        .execute(
            select(A.c.cadre_id)
            .where(A.c.household_id == household_id)
            .order_by(A.c.assigned_on.desc(), A.c.cadre_id)
            .limit(1)
        )
        .scalar()
    )


def check_heard_on(on: dt.date, today: dt.date, field: str = "--date") -> None:
    if on > today:
        raise InvalidInput(
            field, _("{date} is in the future (today is {today})").format(date=on, today=today)
        )


def add_wish(
    *,
    session: LedgerSession,
    household: str,
    text: str,
    on: dt.date,
    today: dt.date,
    cadre: str | None = None,
) -> int:
    """`wish add`: a wish heard outside a recorded visit; open."""
    check_heard_on(on, today)
    conn = session.connection()
    household_id, _code = open_household(conn, household)
    cadre_id = responsible_cadre(session=session, household_id=household_id, cadre=cadre)
    return insert_wishes(
        session, household_id=household_id, visit_id=None, texts=[text], on=on, cadre_id=cadre_id
    )[0]


def insert_wishes(
    session: LedgerSession,
    *,
    household_id: int,
    visit_id: int | None,
    texts: list[str],
    on: dt.date,
    cadre_id: int | None,
) -> list[int]:
    """Open wishes (`visit log --wish`, `wish add`), each recorded in the audit log."""
    return insert_heard(
        session,
        W,
        "wish",
        WISH_OPEN,
        household_id=household_id,
        visit_id=visit_id,
        texts=texts,
        on=on,
        cadre_id=cadre_id,
    )


def insert_heard(
    session: LedgerSession,
    table: Table,
    object_type: str,
    status: str,
    *,
    household_id: int,
    visit_id: int | None,
    texts: list[str],
    on: dt.date,
    cadre_id: int | None,
) -> list[int]:
    """Rows of what a household said (a wish, a suggestion) in ``table``, in their first
    ``status``, each recorded in the audit log as opened; their ids."""
    conn = session.connection()
    ids = []
    for text in texts:
        row = {
            "household_id": household_id,
            "visit_id": visit_id,
            "text": text,
            "heard_on": on,
            "cadre_id": cadre_id,
            "status": status,
        }
        new_id = _inserted_id(conn, table, row)
        row["id"] = new_id
        record(session, action="open", object_type=object_type, object_key=str(new_id), after=row)
        ids.append(new_id)
    return ids


def _wish(conn: Connection, wish_id: int):
    row = conn.execute(select(W).where(W.c.id == wish_id)).first()
    if row is None:
        raise NotFound("ID", _("no wish {id}").format(id=wish_id))
    return row


def _refuse_unless(row, allowed: tuple[str, ...], doing: str) -> None:
    if row.status not in allowed:
        raise RuleViolation(
            "ID",
            _("wish {id} is {status}: it cannot be {doing}").format(
                id=row.id, status=labels.label_of(labels.WISH_STATUS, row.status), doing=doing
            ),
        )


def _check_step_date(row, on: dt.date, today: dt.date) -> None:
    check_heard_on(on, today)
    if on < row.heard_on:
        raise InvalidInput(
            "--date",
            _("{date} is before the wish was heard ({heard})").format(date=on, heard=row.heard_on),
        )
    if row.claimed_on is not None and on < row.claimed_on:
        raise InvalidInput(
            "--date",
            _("{date} is before the wish was claimed ({claimed})").format(
                date=on, claimed=row.claimed_on
            ),
        )


def _step(
    session: LedgerSession, row, *, kind: str, on: dt.date, note: str | None, values: dict
) -> None:
    conn = session.connection()
    conn.execute(update(W).where(W.c.id == row.id).values(**values))
    conn.execute(
        insert(WE).values(
            wish_id=row.id,
            kind=kind,
            event_date=on,
            note=note,
            operator=session.info.get("operator", "unknown"),
            recorded_at=session.recorded_at(),
        )
    )
    record(
        session,
        action=kind,
        object_type="wish",
        object_key=str(row.id),
        before={"status": row.status},
        after=values,
    )


@dataclass(frozen=True)
class Claimant:
    """Who takes a wish on: a cadre (``cadre``), or a unit with a contact person."""

    cadre: str | None = None
    unit: str | None = None
    person: str | None = None
    phone: str | None = None


def claim(
    *,
    session: LedgerSession,
    wish_id: int,
    by: Claimant,
    on: dt.date,
    due: dt.date | None,
    today: dt.date,
) -> None:
    """`wish claim`: an open wish is taken on by a cadre or a unit, to be done by ``due``."""
    if (by.cadre is None) == (by.unit is None):
        raise InvalidInput("--by", _("give either --by CADRE or --unit NAME"))
    if by.cadre is not None and (by.person is not None or by.phone is not None):
        raise InvalidInput(
            "--person" if by.person is not None else "--phone",
            _("goes with --unit, not with --by"),
        )
    conn = session.connection()
    row = _wish(conn, wish_id)
    _refuse_unless(row, (WISH_OPEN,), _("claimed"))
    _check_step_date(row, on, today)
    due = due or on + dt.timedelta(days=DEFAULT_CLAIM_DAYS)
    if due < on:
        raise InvalidInput(
            "--due", _("{due} is before the claim ({date})").format(due=due, date=on)
        )
    cadre_id = resolve_cadre(session=session, text=by.cadre, field="--by").id if by.cadre else None
    values = {
        "status": WISH_CLAIMED,
        "claimed_on": on,
        "claimed_cadre_id": cadre_id,
        "claimed_unit": by.unit,
        "claimed_person": by.person,
        "claimed_phone": by.phone,
        "due_date": due,
    }
    who = by.cadre or by.unit
    _step(session, row, kind="claim", on=on, note=who, values=values)


def fulfil(
    *,
    session: LedgerSession,
    wish_id: int,
    on: dt.date,
    today: dt.date,
    note: str | None = None,
    cash_fen: int | None = None,
    fund: str | None = None,
    cadre: str | None = None,
    override: str | None = None,
) -> int | None:
    """`wish fulfil`: the wish came true (圆梦). With ``cash_fen`` and ``fund`` it was paid for
    from the fund, through :func:`zoufang.services.funds.disburse` and every fund rule; the
    ledger entry's seq is returned (and kept on the wish)."""
    if (cash_fen is None) != (fund is None):
        raise InvalidInput(
            "--fund" if fund is None else "--cash", _("--cash and --fund go together")
        )
    conn = session.connection()
    row = _wish(conn, wish_id)
    _refuse_unless(row, (WISH_OPEN, WISH_CLAIMED), _("fulfilled"))
    _check_step_date(row, on, today)
    seq = None
    if cash_fen is not None and fund is not None:
        from zoufang.services.fund_payment import disburse  # only with cash

        payer = cadre or _cadre_code(conn, row.claimed_cadre_id or row.cadre_id)
        if payer is None:
            raise InvalidInput("--by", _("the paying cadre is required"))
        household = conn.execute(select(H.c.code).where(H.c.id == row.household_id)).scalar_one()
        entry = disburse(
            session=session,
            fund=fund,
            household=household,
            amount_fen=cash_fen,
            cadres=[payer],
            on=on,
            memo=_("wish {id}: {text}").format(id=row.id, text=row.text)[:200],
            override=override,
        )
        seq = entry.seq
    values = {"status": WISH_FULFILLED, "closed_on": on, "outcome": note, "entry_seq": seq}
    _step(session, row, kind="fulfil", on=on, note=note, values=values)
    return seq


def decline(
    *, session: LedgerSession, wish_id: int, reason: str, on: dt.date, today: dt.date
) -> None:
    """`wish decline`: it cannot be done; ``reason`` is what the household was told."""
    conn = session.connection()
    row = _wish(conn, wish_id)
    _refuse_unless(row, (WISH_OPEN, WISH_CLAIMED), _("declined"))
    _check_step_date(row, on, today)
    values = {"status": WISH_DECLINED, "closed_on": on, "outcome": reason}
    _step(session, row, kind="decline", on=on, note=reason, values=values)


def _cadre_code(conn: Connection, cadre_id: int | None) -> str | None:
    if cadre_id is None:
        return None
    return conn.execute(select(CA.c.code).where(CA.c.id == cadre_id)).scalar()


@dataclass(frozen=True)
class WishFilter:
    status: str | None = None
    overdue: bool = False
    village: str | None = None
    cadre: str | None = None
    household: str | None = None
    id: int | None = None


def list_wishes(
    *, session: LedgerSession, today: dt.date, where: WishFilter = WishFilter()
) -> list[dict]:
    """Wishes heard on or before ``today`` (void ones only by ``--status void``), oldest first,
    each with who claimed it and its days overdue."""
    conn = session.connection()
    responsible, claimer = CA.alias("responsible"), CA.alias("claimer")
    conditions: list[ColumnElement[bool]] = [W.c.heard_on <= today]
    if where.id is not None:
        conditions.append(W.c.id == where.id)
    status = (
        parsing.parse_choice(
            where.status, kind=labels.WISH_STATUS, codes=WISH_STATUSES, field="--status"
        )
        if where.status
        else None
    )
    if status is not None:
        conditions.append(W.c.status == status)
    elif where.id is None:
        conditions.append(figures.wish_counts(W))
    if where.overdue:
        conditions.append(figures.wish_overdue(today, W))
    if where.village:
        conditions.append(H.c.village == where.village)
    if where.cadre:
        c = resolve_cadre(session=session, text=where.cadre, field="--cadre")
        conditions.append(or_(W.c.cadre_id == c.id, W.c.claimed_cadre_id == c.id))
    if where.household:
        conditions.append(H.c.code == fold(where.household))
    rows = conn.execute(
        select(
            W,
            H.c.code.label("household"),
            H.c.head_name,
            H.c.village,
            responsible.c.code.label("cadre"),
            responsible.c.name.label("cadre_name"),
            claimer.c.code.label("claimer"),
        )
        .join(H, H.c.id == W.c.household_id)
        .outerjoin(responsible, responsible.c.id == W.c.cadre_id)
        .outerjoin(claimer, claimer.c.id == W.c.claimed_cadre_id)
        .where(and_(*conditions))
        .order_by(W.c.heard_on, W.c.id)
    ).all()
    return [wish_row(r, today) for r in rows]


def wish_row(r, today: dt.date) -> dict:
    claimed_by = r.claimer or r.claimed_unit
    if r.claimed_unit and (r.claimed_person or r.claimed_phone):
        contact = " ".join(x for x in (r.claimed_person, r.claimed_phone) if x)
        claimed_by = f"{r.claimed_unit} ({contact})"
    overdue = (
        figures.days_overdue(r.due_date, today)
        if r.status == WISH_CLAIMED and r.due_date is not None
        else None
    )
    return {
        "id": r.id,
        "household": r.household,
        "name": r.head_name,
        "village": r.village,
        "text": r.text,
        "heard_on": r.heard_on,
        "cadre": r.cadre,
        "cadre_name": r.cadre_name,
        "status": labels.Code(r.status, labels.WISH_STATUS),
        "claimed_by": claimed_by,
        "claimed_cadre": r.claimer,
        "claimed_unit": r.claimed_unit,
        "claimed_person": r.claimed_person,
        "claimed_phone": r.claimed_phone,
        "claimed_on": r.claimed_on,
        "due_date": r.due_date,
        "days_overdue": overdue if overdue and overdue > 0 else None,
        "closed_on": r.closed_on,
        "outcome": r.outcome,
        "entry": r.entry_seq,
        "visit": r.visit_id,
    }

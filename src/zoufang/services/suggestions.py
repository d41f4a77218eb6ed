"""Suggestions (意见建议): heard at a visit, answered, adopted or not.

Every suggestion gets an answer: it is unanswered (未答复) until answered (已答复), adopted
(已采纳) or not adopted (未采纳). Answering again needs ``--amend``; every answer stays on
record in the append-only ``suggestion_answer`` and the suggestion row carries the latest.
The responsible cadre is the first visiting cadre (or ``--by`` / the household's assigned
cadre for `suggestion add`). Unanswered more than 30 days after it was heard is "recorded,
not acted on" (:mod:`zoufang.services.figures`), in `audit visits` and `remind`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, insert, select, update

from zoufang import labels
from zoufang.codes import SUGGESTION_UNANSWERED
from zoufang.errors import InvalidInput, NotFound, RuleViolation
from zoufang.i18n import _
from zoufang.parsing import fold
from zoufang.services import figures
from zoufang.services.audit_log import record
from zoufang.services.lookup import resolve_cadre
from zoufang.services.wishes import (
    check_heard_on,
    insert_heard,
    open_household,
    responsible_cadre,
)
from zoufang.tables import cadre as CA
from zoufang.tables import household as H
from zoufang.tables import suggestion as S
from zoufang.tables import suggestion_answer as SA

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection

    from zoufang.db import LedgerSession


def add_suggestion(
    *,
    session: LedgerSession,
    household: str,
    text: str,
    on: dt.date,
    today: dt.date,
    cadre: str | None = None,
) -> int:
    """`suggestion add`: a suggestion heard outside a recorded visit; unanswered."""
    check_heard_on(on, today)
    household_id, _code = open_household(session.connection(), household)
    cadre_id = responsible_cadre(session=session, household_id=household_id, cadre=cadre)
    return insert_suggestions(
        session, household_id=household_id, visit_id=None, texts=[text], on=on, cadre_id=cadre_id
    )[0]


def insert_suggestions(
    session: LedgerSession,
    *,
    household_id: int,
    visit_id: int | None,
    texts: list[str],
    on: dt.date,
    cadre_id: int | None,
) -> list[int]:
    """Unanswered suggestions (`visit log --suggestion`, `suggestion add`), each recorded in
    the audit log."""
    return insert_heard(
        session,
        S,
        "suggestion",
        SUGGESTION_UNANSWERED,
        household_id=household_id,
        visit_id=visit_id,
        texts=texts,
        on=on,
        cadre_id=cadre_id,
    )


def answer(
    *,
    session: LedgerSession,
    suggestion_id: int,
    note: str,
    adopted: bool | None,
    on: dt.date,
    today: dt.date,
    cadre: str | None = None,
    amend: bool = False,
) -> None:
    """`suggestion answer`: the answer given (``adopted`` True/False, or None for neither).
    A second answer is refused unless ``amend``; both stay on record."""
    conn = session.connection()
    row = conn.execute(select(S).where(S.c.id == suggestion_id)).first()
    if row is None:
        raise NotFound("ID", _("no suggestion {id}").format(id=suggestion_id))
    if row.status == "void":
        raise RuleViolation(
            "ID", _("suggestion {id} is void: it cannot be answered").format(id=suggestion_id)
        )
    answered = row.status != SUGGESTION_UNANSWERED
    if answered and not amend:
        raise RuleViolation(
            "ID",
            _(
                "suggestion {id} was already answered on {date}: give --amend to answer again"
            ).format(id=suggestion_id, date=row.answered_on),
        )
    if amend and not answered:
        raise RuleViolation(
            "--amend",
            _("suggestion {id} has no answer to amend").format(id=suggestion_id),
        )
    check_heard_on(on, today)
    if on < row.heard_on:
        raise InvalidInput(
            "--date",
            _("{date} is before the suggestion was heard ({heard})").format(
                date=on, heard=row.heard_on
            ),
        )
    if answered:
        latest = conn.execute(
            select(SA.c.answer_date)
            .where(SA.c.suggestion_id == suggestion_id)
            .order_by(SA.c.answer_date.desc())
        ).scalar()
        if latest is not None and on < latest:
            raise InvalidInput(
                "--date",
                _("{date} is before the answer it amends ({answered})").format(
                    date=on, answered=latest
                ),
            )
    cadre_id = (
        resolve_cadre(session=session, text=cadre, field="--by").id
        if cadre is not None
        else row.cadre_id
    )
    if adopted is None:  # an amendment that says nothing of adoption keeps the stance
        stance = row.status if answered else "answered"
    else:
        stance = "adopted" if adopted else "not-adopted"
    values = {
        "status": stance,
        "answered_on": row.answered_on if answered else on,
        "answer": note,
        "answered_by": cadre_id,
    }
    conn.execute(update(S).where(S.c.id == suggestion_id).values(**values))
    conn.execute(
        insert(SA).values(
            suggestion_id=suggestion_id,
            answer_date=on,
            stance=stance,
            note=note,
            cadre_id=cadre_id,
            amends=answered,
            operator=session.info.get("operator", "unknown"),
            recorded_at=session.recorded_at(),
        )
    )
    record(
        session,
        action="amend-answer" if answered else "answer",
        object_type="suggestion",
        object_key=str(suggestion_id),
        before={"status": row.status, "answer": row.answer},
        after=values,
    )


@dataclass(frozen=True)
class SuggestionFilter:
    unanswered: bool = False
    village: str | None = None
    cadre: str | None = None
    household: str | None = None
    id: int | None = None


def list_suggestions(
    *, session: LedgerSession, today: dt.date, where: SuggestionFilter = SuggestionFilter()
) -> list[dict]:
    """Suggestions heard on or before ``today`` (not void), oldest first, with their answer
    and how many days an unanswered one has waited."""
    conn: Connection = session.connection()
    responsible, answerer = CA.alias("responsible"), CA.alias("answerer")
    conditions: list[ColumnElement[bool]] = [figures.suggestion_heard_by(today, S)]
    if where.id is not None:
        conditions = [S.c.id == where.id]
    if where.unanswered:
        conditions.append(figures.suggestion_unanswered_on(today, S))
    if where.village:
        conditions.append(H.c.village == where.village)
    if where.cadre:
        c = resolve_cadre(session=session, text=where.cadre, field="--cadre")
        conditions.append(S.c.cadre_id == c.id)
    if where.household:
        conditions.append(H.c.code == fold(where.household))
    rows = conn.execute(
        select(
            S,
            H.c.code.label("household"),
            H.c.head_name,
            H.c.village,
            responsible.c.code.label("cadre"),
            responsible.c.name.label("cadre_name"),
            answerer.c.code.label("answerer"),
        )
        .join(H, H.c.id == S.c.household_id)
        .outerjoin(responsible, responsible.c.id == S.c.cadre_id)
        .outerjoin(answerer, answerer.c.id == S.c.answered_by)
        .where(and_(*conditions))
        .order_by(S.c.heard_on, S.c.id)
    ).all()
    ids = [r.id for r in rows]
    answers: dict[int, list[dict]] = {}
    if ids:
        for a in conn.execute(
            select(SA.c.suggestion_id, SA.c.answer_date, SA.c.stance, SA.c.note, SA.c.amends)
            .where(SA.c.suggestion_id.in_(ids), SA.c.answer_date <= today)
            .order_by(SA.c.id)
        ):
            answers.setdefault(a.suggestion_id, []).append(
                {
                    "date": a.answer_date,
                    "status": labels.Code(a.stance, labels.SUGGESTION_STATUS),
                    "note": a.note,
                    "amends": bool(a.amends),
                }
            )
    return [
        {
            "id": r.id,
            "household": r.household,
            "name": r.head_name,
            "village": r.village,
            "text": r.text,
            "heard_on": r.heard_on,
            "cadre": r.cadre,
            "cadre_name": r.cadre_name,
            "status": labels.Code(r.status, labels.SUGGESTION_STATUS),
            "adopted": None
            if r.status in ("unanswered", "answered", "void")
            else (r.status == "adopted"),
            "answered_on": r.answered_on,
            "answer": r.answer,
            "answered_by": r.answerer,
            "days_waiting": (today - r.heard_on).days if r.status == "unanswered" else None,
            "visit": r.visit_id,
            "answers": answers.get(r.id, []),
        }
        for r in rows
    ]

"""One definition per figure: what every count shown in more than one place means.

`report`, `audit visits`, `due`, `remind` and `household show` all take their figures from
here, so two commands can never disagree about the same thing (docs/glossary.md, "Figures",
says the same in words). Every definition is *as of a day* ``D`` — the command's today
(``--today``), or the end of a report's period if earlier: nothing dated after ``D`` exists
for it (no visit, response, closing, payment or enrolment).

* **a visit that counts** — :func:`visit_counts`; every figure over visits goes through it
  (the one place to leave out a voided or superseded visit).
* **active on D** — enrolled on or before ``D`` and not exited by ``D`` (a household that
  exits on ``D`` is no longer active that day).
* **due date as of D** — SPEC §4 over the visits that count dated on or before ``D``: the
  latest one's ``--next``, else its date + the cadence, else (never visited) the enrolment
  date. The household's stored ``due_date`` is this for any ``D`` on or after its latest
  visit; :func:`household_due` computes it when ``D`` is earlier.
* **overdue visit** — an active household whose due date as of ``D`` is before ``D``
  (``days_overdue`` > 0); due *today* is not overdue.
* **never visited** — an active household with no visit that counts on or before ``D``,
  counted from the day after its first due date (its enrolment date): a household enrolled
  on ``D`` is not yet "never visited". Every never-visited household is also overdue.
* **long overdue** (audit errors) — overdue by more than its cadence.
* **check-in visit** — a visit that counts, on or before ``D``, that recorded nothing heard:
  no notes, no need, suggestion or wish (a gift alone is still a check-in).
* **visits in a period** — visits that count dated within ``since..until`` (``until`` no
  later than ``D``), to households on the roster in the period.
* **coverage** — of the households on the roster in the period (enrolled by ``until``, not
  exited before ``since``), the share visited at least once in the period.
* **open commitment on D** — opened on or before ``D`` and not closed by ``D``.
* **overdue commitment** — open on ``D`` and its deadline before ``D``; **unanswered**
  (audit) also has no response dated on or before ``D``.
* **needs resolved** — commitments closed as resolved on or before ``D`` (likewise
  referred and cannot-resolve).
* **wish heard by D** — a wish that counts (not void) heard on or before ``D``; **claimed
  by D** — claimed on or before ``D`` (a fulfilled or declined wish that was claimed stays
  claimed); **fulfilled / declined by D** — closed so on or before ``D``; **open on D** — heard
  by ``D``, not claimed and not closed by ``D``.
* **overdue wish** — claimed by ``D``, not closed by ``D``, its due date before ``D``;
  **long unclaimed** — open on ``D`` and heard more than :data:`WISH_UNCLAIMED_DAYS` (remind's
  supervisor digest) or :data:`FOLLOW_THROUGH_DAYS` (audit) days before ``D``.
* **suggestion answered by D** — answered on or before ``D`` (``adopted`` if its answer
  adopted it); **unanswered long** (audit, remind) — heard more than
  :data:`FOLLOW_THROUGH_DAYS` days before ``D`` and not answered by ``D``.
* **wishes and suggestions in a period** — those heard within the period, of households in
  scope; of those, how many were claimed, fulfilled, declined, answered, adopted by ``until``.
* **money paid in a period** — payments to households dated within the period, less the
  reversals of payments dated within it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, distinct, exists, func, or_, select

from zoufang.codes import (
    COMMITMENT_CLOSED,
    HOUSEHOLD_ACTIVE,
    WISH_DECLINED,
    WISH_FULFILLED,
)
from zoufang.services import counting
from zoufang.tables import category as _category
from zoufang.tables import commitment as _commitment
from zoufang.tables import commitment_response as _response
from zoufang.tables import household as _household
from zoufang.tables import household_category as _household_category
from zoufang.tables import ledger_entry as _ledger_entry
from zoufang.tables import suggestion as _suggestion
from zoufang.tables import visit as _visit
from zoufang.tables import visit_item as _visit_item
from zoufang.tables import wish as _wish

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection

# ---------------------------------------------------------------------------- visits


def visit_counts(visit=_visit) -> ColumnElement[bool]:
    """A visit that counts in every figure: its current version, not void nor superseded by
    an amendment (:func:`zoufang.services.counting.visit_counts`, the one definition)."""
    return counting.visit_counts(visit)


def visits_by(day: dt.date, visit=_visit) -> ColumnElement[bool]:
    """Visits that count, dated on or before ``day``."""
    return and_(visit_counts(visit), visit.c.visit_date <= day)


def visits_within(since: dt.date | None, until: dt.date, visit=_visit, *, day=None):
    """Visits that count dated within the period (``day``: the visit date column to test,
    e.g. one wrapped so that SQLite uses no index on it)."""
    day = visit.c.visit_date if day is None else day
    conditions = [visit_counts(visit), day <= until]
    if since is not None:
        conditions.append(day >= since)
    return and_(*conditions)


def check_in(day: dt.date, visit=_visit) -> ColumnElement[bool]:
    """A visit that counts, on or before ``day``, that recorded nothing heard."""
    heard = exists().where(_visit_item.c.visit_id == visit.c.id, _visit_item.c.kind != "gift")
    need = exists().where(_commitment.c.visit_id == visit.c.id)
    return and_(
        visits_by(day, visit),
        or_(visit.c.notes.is_(None), visit.c.notes == ""),
        ~heard,
        ~need,
    )


# ---------------------------------------------------------------------------- households


def active_on(day: dt.date, household=_household) -> ColumnElement[bool]:
    """Enrolled on or before ``day`` and not exited by then."""
    H = household
    return and_(
        counting.household_counts(H),  # not enrolled by mistake (`household void`)
        H.c.enrolled_on <= day,
        or_(H.c.status == HOUSEHOLD_ACTIVE, H.c.exited_on.is_(None), H.c.exited_on > day),
    )


def on_roster(since: dt.date | None, until: dt.date, household=_household) -> list:
    """Households on the roster at some point of the period (coverage's denominator)."""
    H = household
    conditions: list = [counting.household_counts(H), H.c.enrolled_on <= until]
    if since is not None:
        conditions.append(or_(H.c.exited_on.is_(None), H.c.exited_on >= since))
    return conditions


def never_visited(day: dt.date, household=_household) -> ColumnElement[bool]:
    """Active on ``day``, its first due date (enrolment) before ``day``, and no visit that
    counts on or before ``day``."""
    H = household
    return and_(
        active_on(day, H),
        H.c.enrolled_on < day,
        ~exists().where(_visit.c.household_id == H.c.id, visits_by(day)),
    )


def stored_due_dates_hold(conn: Connection, day: dt.date) -> bool:
    """Whether the households' stored ``last_visit_on``/``due_date`` are their values as of
    ``day``: no visit is dated after it (the usual case: ``day`` is today)."""
    return (
        conn.execute(select(_visit.c.id).where(_visit.c.visit_date > day).limit(1)).first() is None
    )


def effective_cadence(own_days: int | None, category_days: Iterable[int]) -> int:
    """The household's own cadence if set, else the shortest among its categories."""
    if own_days:
        return own_days
    days = [d for d in category_days if d]
    if not days:
        raise ValueError("a household needs a cadence or at least one category")
    return min(days)


def compute_due_date(
    *,
    enrolled_on: dt.date,
    last_visit_on: dt.date | None,
    next_date: dt.date | None,
    cadence_days: int,
) -> dt.date:
    """SPEC §4: the latest visit's ``--next``, else latest visit + cadence, else enrolment."""
    if last_visit_on is None:
        return enrolled_on
    if next_date is not None:
        return next_date
    return last_visit_on + dt.timedelta(days=cadence_days)


def days_overdue(due_date: dt.date, today: dt.date) -> int:
    """today − due date: positive when late, negative while the visit is still ahead."""
    return (today - due_date).days


def cadences(conn: Connection, households) -> dict[int, int]:
    """The shortest category cadence of each household in the ``households`` id select."""
    HC, C = _household_category, _category
    return dict(
        conn.execute(
            select(HC.c.household_id, func.min(C.c.cadence_days))
            .join(C, C.c.code == HC.c.category_code)
            .where(HC.c.household_id.in_(households))
            .group_by(HC.c.household_id)
        ).all()
    )


def latest_visits(
    conn: Connection, households, day: dt.date | None = None
) -> dict[int, tuple[dt.date, dt.date | None]]:
    """Each household's latest visit that counts (on or before ``day``): (date, --next)."""
    V = _visit
    conditions = [V.c.household_id.in_(households), visit_counts(V)]
    if day is not None:
        conditions.append(V.c.visit_date <= day)
    ranked = (
        select(
            V.c.household_id,
            V.c.visit_date,
            V.c.next_date,
            func.row_number()
            .over(partition_by=V.c.household_id, order_by=(V.c.visit_date.desc(), V.c.id.desc()))
            .label("rn"),
        )
        .where(*conditions)
        .subquery()
    )
    return {
        hid: (_as_date(visit_date), _as_date(next_date))
        for hid, visit_date, next_date in conn.execute(
            select(ranked.c.household_id, ranked.c.visit_date, ranked.c.next_date).where(
                ranked.c.rn == 1
            )
        ).all()
    }


def _as_date(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class HouseholdDue:
    """A household's visit figures as of a day."""

    id: int
    code: str
    name: str
    village: str
    enrolled_on: dt.date
    last_visit_on: dt.date | None
    due_date: dt.date
    cadence: int
    day: dt.date

    @property
    def days_overdue(self) -> int:
        return days_overdue(self.due_date, self.day)

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def never_visited(self) -> bool:
        return self.last_visit_on is None and self.overdue

    @property
    def long_overdue(self) -> bool:
        return self.days_overdue > self.cadence


def household_due(
    conn: Connection, day: dt.date, conditions: Sequence = (), *, overdue_only: bool = False
) -> list[HouseholdDue]:
    """Active households on ``day`` (matching ``conditions`` on the household table) with
    their last visit, due date and cadence as of ``day``, in code order.

    Read from the stored columns when they hold for ``day``; otherwise recomputed from the
    visits on or before ``day`` (a past ``--today``)."""
    H = _household
    where = [active_on(day), *conditions]
    stored = stored_due_dates_hold(conn, day)
    if stored and overdue_only:
        where.append(H.c.due_date < day)
    ids = select(H.c.id).where(*where)
    cadence = cadences(conn, ids)
    latest = {} if stored else latest_visits(conn, ids, day)
    rows = []
    for hid, code, name, village, enrolled, own, last, due in conn.execute(
        select(
            H.c.id,
            H.c.code,
            H.c.head_name,
            H.c.village,
            H.c.enrolled_on,
            H.c.cadence_days,
            H.c.last_visit_on,
            H.c.due_date,
        )
        .where(*where)
        .order_by(H.c.code)
    ).all():
        enrolled = _as_date(enrolled)
        days = effective_cadence(own, [cadence.get(hid, 0)]) if (own or cadence.get(hid)) else 30
        if stored:
            last, due = _as_date(last), _as_date(due)
            if due is None:
                due = compute_due_date(
                    enrolled_on=enrolled, last_visit_on=last, next_date=None, cadence_days=days
                )
        else:
            last, next_date = latest.get(hid, (None, None))
            due = compute_due_date(
                enrolled_on=enrolled, last_visit_on=last, next_date=next_date, cadence_days=days
            )
        row = HouseholdDue(hid, code, name, village, enrolled, last, due, days, day)
        if overdue_only and not row.overdue:
            continue
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- commitments


def commitment_open_on(day: dt.date, commitment=_commitment) -> ColumnElement[bool]:
    """Opened on or before ``day`` and not closed by then."""
    C = commitment
    return and_(
        counting.commitment_counts(C),  # a voided commitment was never open
        C.c.opened_on <= day,
        or_(C.c.status.not_in(COMMITMENT_CLOSED), C.c.closed_on.is_(None), C.c.closed_on > day),
    )


def commitment_overdue(day: dt.date, commitment=_commitment) -> ColumnElement[bool]:
    """Open on ``day`` and its deadline before ``day``."""
    return and_(commitment_open_on(day, commitment), commitment.c.due_date < day)


def commitment_unanswered(day: dt.date, commitment=_commitment) -> ColumnElement[bool]:
    """Overdue on ``day`` with no response dated on or before ``day``."""
    answered = exists().where(
        _response.c.commitment_id == commitment.c.id, _response.c.response_date <= day
    )
    return and_(commitment_overdue(day, commitment), ~answered)


def commitment_closed_as(status: str, day: dt.date, commitment=_commitment):
    """Closed as ``status`` (resolved, referred, cannot-resolve) on or before ``day``."""
    C = commitment
    return and_(C.c.status == status, C.c.closed_on <= day)


def commitment_closed_by(day: dt.date, commitment=_commitment):
    C = commitment
    return and_(
        counting.commitment_counts(C), C.c.status.in_(COMMITMENT_CLOSED), C.c.closed_on <= day
    )


# ---------------------------------------------------------------------------- money


def paid_within(since: dt.date | None, until: dt.date, village: str | None = None):
    """Ledger entries to a household dated within the period (and to a household of the
    village): the payments and reversals that make "money paid in the period"."""
    E = _ledger_entry
    conditions = [E.c.entry_date <= until, E.c.household_code.is_not(None)]
    if since is not None:
        conditions.append(E.c.entry_date >= since)
    if village is not None:
        conditions.append(
            E.c.household_code.in_(select(_household.c.code).where(_household.c.village == village))
        )
    return and_(*conditions)


def net_paid(condition):
    """Payments less their reversals, for the entries matching ``condition``."""
    from sqlalchemy import case

    E = _ledger_entry
    return func.coalesce(
        func.sum(
            case(
                (and_(condition, E.c.kind == "disburse"), E.c.amount_fen),
                (
                    and_(condition, E.c.kind == "reverse", E.c.household_code.is_not(None)),
                    -E.c.amount_fen,
                ),
                else_=0,
            )
        ),
        0,
    )


# ---------------------------------------------------------------------------- wishes, suggestions

#: The supervisor digest lists wishes nobody has claimed for more than this many days.
WISH_UNCLAIMED_DAYS = 14
#: `audit visits` and `remind` call a wish unclaimed, or a suggestion unanswered, for more
#: than this many days "recorded, not acted on" (只记不办).
FOLLOW_THROUGH_DAYS = 30


def wish_counts(wish=_wish) -> ColumnElement[bool]:
    return counting.wish_counts(wish)


def wish_heard_by(day: dt.date, wish=_wish) -> ColumnElement[bool]:
    return and_(counting.wish_counts(wish), wish.c.heard_on <= day)


def wish_closed_by(day: dt.date, wish=_wish) -> ColumnElement[bool]:
    return and_(
        wish.c.status.in_((WISH_FULFILLED, WISH_DECLINED)),
        wish.c.closed_on.is_not(None),
        wish.c.closed_on <= day,
    )


def wish_closed_as(status: str, day: dt.date, wish=_wish) -> ColumnElement[bool]:
    return and_(wish.c.status == status, wish.c.closed_on <= day)


def wish_claimed_by(day: dt.date, wish=_wish) -> ColumnElement[bool]:
    return and_(wish.c.claimed_on.is_not(None), wish.c.claimed_on <= day)


def wish_open_on(day: dt.date, wish=_wish) -> ColumnElement[bool]:
    """Heard by ``day``, neither claimed nor closed by then (待认领)."""
    return and_(
        wish_heard_by(day, wish),
        or_(wish.c.claimed_on.is_(None), wish.c.claimed_on > day),
        ~wish_closed_by(day, wish),
    )


def wish_unfinished_on(day: dt.date, wish=_wish) -> ColumnElement[bool]:
    """Open or claimed on ``day``: heard by then and not closed by then."""
    return and_(wish_heard_by(day, wish), ~wish_closed_by(day, wish))


def wish_overdue(day: dt.date, wish=_wish) -> ColumnElement[bool]:
    """Claimed by ``day``, not closed by then, and its due date before ``day``."""
    return and_(
        wish_heard_by(day, wish),
        wish_claimed_by(day, wish),
        ~wish_closed_by(day, wish),
        wish.c.due_date < day,
    )


def wish_unclaimed_long(day: dt.date, days: int, wish=_wish) -> ColumnElement[bool]:
    """Open on ``day`` and heard more than ``days`` days before it."""
    return and_(
        wish_open_on(day, wish),
        wish.c.heard_on < day - dt.timedelta(days=days),
    )


def suggestion_heard_by(day: dt.date, suggestion=_suggestion) -> ColumnElement[bool]:
    return and_(counting.suggestion_counts(suggestion), suggestion.c.heard_on <= day)


def suggestion_answered_by(day: dt.date, suggestion=_suggestion) -> ColumnElement[bool]:
    return and_(suggestion.c.answered_on.is_not(None), suggestion.c.answered_on <= day)


def suggestion_unanswered_on(day: dt.date, suggestion=_suggestion) -> ColumnElement[bool]:
    return and_(suggestion_heard_by(day, suggestion), ~suggestion_answered_by(day, suggestion))


def suggestion_unanswered_long(
    day: dt.date, suggestion=_suggestion, days: int = FOLLOW_THROUGH_DAYS
) -> ColumnElement[bool]:
    """Heard more than ``days`` days before ``day`` and not answered by then (只记不办)."""
    return and_(
        suggestion_unanswered_on(day, suggestion),
        suggestion.c.heard_on < day - dt.timedelta(days=days),
    )


def heard_counts(
    conn: Connection, since: dt.date | None, until: dt.date, households: Any = None
) -> dict[str, int]:
    """The wishes and suggestions heard within the period (of ``households``, a subquery of
    household ids, if given) and, of those, how many were claimed, fulfilled, declined,
    answered and adopted by ``until``, and how many were claimed and still in hand then:
    the campaign's figures (`report`)."""
    W, S = _wish, _suggestion

    def within(t) -> list:
        conditions = [t.c.heard_on <= until]
        if since is not None:
            conditions.append(t.c.heard_on >= since)
        if households is not None:
            conditions.append(t.c.household_id.in_(households))
        return conditions

    def n(condition) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    wishes = conn.execute(
        select(
            func.count(),
            n(wish_claimed_by(until, W)),
            n(wish_closed_as(WISH_FULFILLED, until, W)),
            n(wish_closed_as(WISH_DECLINED, until, W)),
            func.count(distinct(W.c.household_id)),
            n(and_(wish_claimed_by(until, W), ~wish_closed_by(until, W))),
        ).where(wish_counts(W), *within(W))
    ).one()
    suggestions = conn.execute(
        select(
            func.count(),
            n(suggestion_answered_by(until, S)),
            n(and_(suggestion_answered_by(until, S), S.c.status == "adopted")),
        ).where(counting.suggestion_counts(S), *within(S))
    ).one()
    return {
        "wishes": int(wishes[0]),
        "wishes_claimed": int(wishes[1]),
        "wishes_fulfilled": int(wishes[2]),
        "wishes_declined": int(wishes[3]),
        "wish_households": int(wishes[4]),
        "wishes_in_hand": int(wishes[5]),
        "suggestions": int(suggestions[0]),
        "suggestions_answered": int(suggestions[1]),
        "suggestions_adopted": int(suggestions[2]),
    }

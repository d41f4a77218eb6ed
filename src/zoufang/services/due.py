"""When each household is next due for a visit (SPEC §4 "Due date") and the `due` list.

A household's next visit is due at the ``--next`` date of its latest visit (of the visits
that count: :func:`zoufang.services.counting.visit_counts`) if one was given,
otherwise at its latest visit date + its cadence; a household never visited is due from its
enrolment date. The cadence is the household's own if set, otherwise the shortest default
cadence among its categories.

The result is stored on the household (``last_visit_on``, ``due_date``) by
:func:`refresh_due_dates`, which every write that can change it calls in the same
transaction; so ``due`` is one range scan of a covering index (``ix_household_due``), not a
loop over households.

Both run on SQLAlchemy Core (the tables of :mod:`zoufang.tables`) rather than on the
SQLModel classes: `due` then starts without importing SQLModel and the models, and a
refresh after a visit or a bulk change never loads ORM objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, exists, func, select, update

from zoufang.labels import CATEGORY, Code
from zoufang.services import figures
from zoufang.services.figures import compute_due_date, effective_cadence
from zoufang.services.figures import days_overdue as days_overdue  # re-exported
from zoufang.services.lookup import category_labels, resolve_cadre, resolve_categories
from zoufang.tables import assignment as _assignment
from zoufang.tables import cadre as _cadre
from zoufang.tables import category as _category
from zoufang.tables import household as _household
from zoufang.tables import household_category as _household_category

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zoufang.db import LedgerSession


def refresh_due_dates(*, session: LedgerSession, household_ids: Iterable[int]) -> None:
    """Recompute ``last_visit_on`` and ``due_date`` from the visits, for these households.

    One UPDATE per 500 households; Household objects the session already holds get the new
    values too (as loaded, so they are not written again). After :func:`defer` (a bulk write
    such as `import`) the households are only noted, and :func:`refresh_deferred` does them
    all at once: the dates depend on the visits alone, so once at the end is the same as
    after each visit.
    """
    pending = session.info.get(DEFERRED)
    if pending is not None:
        pending.update(household_ids)
        return
    ids = sorted(set(household_ids))
    if not ids:
        return
    session.flush()  # rows the ORM holds back must be in the database first
    conn = session.connection()
    H, HC, C = _household, _household_category, _category
    changed: list[dict] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        cadences = dict(
            conn.execute(
                select(HC.c.household_id, func.min(C.c.cadence_days))
                .join(C, C.c.code == HC.c.category_code)
                .where(HC.c.household_id.in_(chunk))
                .group_by(HC.c.household_id)
            ).all()
        )
        latest = figures.latest_visits(conn, chunk)
        rows = []
        for hid, own_cadence, enrolled_on in conn.execute(
            select(H.c.id, H.c.cadence_days, H.c.enrolled_on).where(H.c.id.in_(chunk))
        ).all():
            last_visit_on, next_date = latest.get(hid, (None, None))
            cadence = effective_cadence(own_cadence, [cadences.get(hid, 0)])
            rows.append(
                {
                    "hid": hid,
                    "last_visit_on": last_visit_on,
                    "due_date": compute_due_date(
                        enrolled_on=enrolled_on,
                        last_visit_on=last_visit_on,
                        next_date=next_date,
                        cadence_days=cadence,
                    ),
                }
            )
        if rows:
            conn.execute(
                update(H)
                .where(H.c.id == bindparam("hid"))
                .values(last_visit_on=bindparam("last_visit_on"), due_date=bindparam("due_date")),
                rows,
            )
        changed += rows
    _update_loaded_households(session.orm_if_open, changed)


DEFERRED = "due_dates_deferred"


def defer(session: LedgerSession) -> None:
    """Note the households :func:`refresh_due_dates` is asked about, do them later."""
    session.info.setdefault(DEFERRED, set())


def refresh_deferred(session: LedgerSession) -> None:
    """Refresh the households noted since :func:`defer`, and stop deferring."""
    pending = session.info.pop(DEFERRED, None)
    if pending:
        refresh_due_dates(session=session, household_ids=pending)


def _update_loaded_households(session: Session | None, rows: list[dict]) -> None:
    """Give Household objects already in the ORM session the values just written."""
    if session is None or not session.identity_map:
        return
    from sqlalchemy.orm.attributes import set_committed_value

    from zoufang.models import Household

    for row in rows:
        household = session.identity_map.get(session.identity_key(Household, row["hid"]))
        if household is not None:
            set_committed_value(household, "last_visit_on", row["last_visit_on"])
            set_committed_value(household, "due_date", row["due_date"])


@dataclass(frozen=True)
class DueFilter:
    cadre: str | None = None
    village: str | None = None
    category: str | None = None


def due_households(
    *,
    session,
    today: dt.date,
    days: int,
    where: DueFilter = DueFilter(),
    for_people: bool = True,
) -> list[dict]:
    """Active households due on or before today + ``days``, most overdue first.

    The cadre and category filters name them as people do (a code, a cadre's unique name, a
    category's label or short form); one the ledger lacks is NotFound, not an empty list.
    ``for_people``: categories as :class:`~zoufang.labels.Code` (shown as their words);
    without it, the bare codes, which is all JSON writes (and a county's list is written
    much faster without a Code to convert in every row)."""
    from zoufang.db import bulk, driver_rows, read_by_mmap

    H, HC, A, C = _household, _household_category, _assignment, _cadre
    conn = session.connection()
    read_by_mmap(conn)  # each household's categories and cadres are looked up all over the file
    limit = today + dt.timedelta(days=days)
    # As of today (figures.household_due): active that day; the stored due dates unless a
    # visit is dated after today (a past --today), then recomputed from the visits before.
    stored = figures.stored_due_dates_hold(conn, today)
    conditions = [figures.active_on(today)]
    if stored:
        conditions.append(H.c.due_date <= limit)
    if where.village:
        conditions.append(H.c.village == where.village)
    if where.cadre:
        cadre = resolve_cadre(session=session, text=where.cadre, field="--cadre")
        conditions.append(
            exists().where(and_(A.c.household_id == H.c.id, A.c.cadre_id == cadre.id))
        )
    if where.category:
        (category,) = resolve_categories(session=session, texts=[where.category])
        conditions.append(
            exists().where(and_(HC.c.household_id == H.c.id, HC.c.category_code == category))
        )
    # One query: each household's categories and cadres come aggregated ("a,b"), which is
    # cheaper than fetching and grouping two more result sets of 60,000+ rows each.
    categories = (
        select(func.aggregate_strings(HC.c.category_code, ","))
        .where(HC.c.household_id == H.c.id)
        .scalar_subquery()
    )
    cadres = (
        select(func.aggregate_strings(C.c.code, ","))
        .select_from(A.join(C, C.c.id == A.c.cadre_id))
        .where(A.c.household_id == H.c.id)
        .scalar_subquery()
    )
    # Rows as the driver gives them (plain tuples; SQLite's dates are ISO text, PostgreSQL's
    # are dates), the dates turned into dates once per distinct value: a county's list holds
    # a few hundred distinct dates in 60,000 rows; SQLAlchemy's rows and conversions would
    # cost a good part of the query's time again.
    query = select(
        H.c.code,
        H.c.head_name,
        H.c.village,
        categories,
        cadres,
        H.c.last_visit_on,
        H.c.due_date,
    ).where(*conditions)
    labels = category_labels(session=session) if for_people else {}
    if not stored:
        due = {row.code: row for row in figures.household_due(conn, today, conditions[1:])}
        rows = sorted(
            (
                (*r[:5], due[r[0]].last_visit_on, due[r[0]].due_date)
                for r in conn.execute(query).all()
                if due[r[0]].due_date <= limit
            ),
            key=lambda r: (r[6], r[0]),
        )
        return _due_rows(rows, today, labels)
    with bulk():  # 60,000 rows and as many dicts: the cycle collector would only walk them
        return _due_rows(driver_rows(conn, query.order_by(H.c.due_date, H.c.code)), today, labels)


def _due_rows(rows: list[tuple], today: dt.date, known: dict[str, str]) -> list[dict]:
    """The query's rows as `due` lists them; ``known``: each category's label by its code."""
    # one Code per category, shared by every row that has it
    values = {code: Code(code, CATEGORY, word=label) for code, label in known.items()}
    dates: dict = {None: None}
    overdue: dict = {}
    result = []
    for code, name, village, category_codes, cadre_codes, last_visit_on, due_date in rows:
        last_visit = (
            dates.get(last_visit_on) if last_visit_on in dates else _date(dates, last_visit_on)
        )
        due = dates.get(due_date) if due_date in dates else _date(dates, due_date)
        late = overdue.get(due)
        if late is None:
            assert due is not None  # the query lists households with a due date only
            late = overdue[due] = (today - due).days
        result.append(
            {
                "household": code,
                "name": name,
                "village": village,
                "categories": [values.get(c) or c for c in _codes(category_codes)],
                "cadres": _codes(cadre_codes),
                "last_visit": last_visit,
                "due_date": due,
                "days_overdue": late,
            }
        )
    return result


def _date(dates: dict, value) -> dt.date:
    """``value`` (ISO text or a date) as a date, remembered in ``dates``."""
    date = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    dates[value] = date
    return date


def _codes(joined: str | None) -> list[str]:
    """``"b,a"`` → ``["a", "b"]`` (codes hold no commas; the database joins in any order)."""
    if not joined:
        return []
    codes = joined.split(",")
    if len(codes) > 1:
        codes.sort()
    return codes

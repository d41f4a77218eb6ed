"""When each household is next due for a visit (SPEC §4 "Due date") and the `due` list.

A household's next visit is due at the ``--next`` date of its latest visit if one was given,
otherwise at its latest visit date + its cadence; a household never visited is due from its
enrolment date. The cadence is the household's own if set, otherwise the shortest default
cadence among its categories.

The result is stored on the household (``last_visit_on``, ``due_date``) by
:func:`refresh_due_dates`, which every write that can change it calls in the same
transaction; so ``due`` is one indexed range query, not a loop over households.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlmodel import Session

from zoufang.models import (
    HOUSEHOLD_ACTIVE,
    Assignment,
    Cadre,
    Category,
    Household,
    HouseholdCategory,
    Visit,
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


def refresh_due_dates(*, session: Session, household_ids: Iterable[int]) -> None:
    """Recompute ``last_visit_on`` and ``due_date`` from the visits, for these households."""
    ids = sorted(set(household_ids))
    if not ids:
        return
    session.flush()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        cadences = dict(
            session.execute(
                select(HouseholdCategory.household_id, func.min(Category.cadence_days))
                .join(Category, Category.code == HouseholdCategory.category_code)
                .where(HouseholdCategory.household_id.in_(chunk))
                .group_by(HouseholdCategory.household_id)
            ).all()
        )
        ranked = (
            select(
                Visit.household_id,
                Visit.visit_date,
                Visit.next_date,
                func.row_number()
                .over(
                    partition_by=Visit.household_id,
                    order_by=(Visit.visit_date.desc(), Visit.id.desc()),
                )
                .label("rn"),
            )
            .where(Visit.household_id.in_(chunk))
            .subquery()
        )
        latest = {
            hid: (visit_date, next_date)
            for hid, visit_date, next_date in session.execute(
                select(ranked.c.household_id, ranked.c.visit_date, ranked.c.next_date).where(
                    ranked.c.rn == 1
                )
            ).all()
        }
        for household in session.execute(
            select(Household).where(Household.id.in_(chunk))
        ).scalars():
            last_visit_on, next_date = latest.get(household.id, (None, None))
            cadence = effective_cadence(household.cadence_days, [cadences.get(household.id, 0)])
            household.last_visit_on = last_visit_on
            household.due_date = compute_due_date(
                enrolled_on=household.enrolled_on,
                last_visit_on=last_visit_on,
                next_date=next_date,
                cadence_days=cadence,
            )
            session.add(household)
    session.flush()


@dataclass(frozen=True)
class DueFilter:
    cadre: str | None = None
    village: str | None = None
    category: str | None = None


def due_households(
    *, session: Session, today: dt.date, days: int, where: DueFilter = DueFilter()
) -> list[dict]:
    """Active households due on or before today + ``days``, most overdue first."""
    limit = today + dt.timedelta(days=days)
    conditions = [Household.status == HOUSEHOLD_ACTIVE, Household.due_date <= limit]
    if where.village:
        conditions.append(Household.village == where.village)
    if where.cadre:
        conditions.append(
            exists().where(
                and_(
                    Assignment.household_id == Household.id,
                    Assignment.cadre_id == Cadre.id,
                    Cadre.code == where.cadre,
                )
            )
        )
    if where.category:
        conditions.append(
            exists().where(
                and_(
                    HouseholdCategory.household_id == Household.id,
                    HouseholdCategory.category_code == where.category,
                )
            )
        )
    rows = session.execute(
        select(
            Household.id,
            Household.code,
            Household.head_name,
            Household.village,
            Household.last_visit_on,
            Household.due_date,
        )
        .where(*conditions)
        .order_by(Household.due_date, Household.code)
    ).all()
    ids_filter = select(Household.id).where(*conditions).scalar_subquery()
    categories: dict[int, list[str]] = {}
    for hid, code in session.execute(
        select(HouseholdCategory.household_id, HouseholdCategory.category_code)
        .where(HouseholdCategory.household_id.in_(ids_filter))
        .order_by(HouseholdCategory.household_id, HouseholdCategory.category_code)
    ):
        categories.setdefault(hid, []).append(code)
    cadres: dict[int, list[str]] = {}
    for hid, code in session.execute(
        select(Assignment.household_id, Cadre.code)
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .where(Assignment.household_id.in_(ids_filter))
        .order_by(Assignment.household_id, Cadre.code)
    ):
        cadres.setdefault(hid, []).append(code)
    return [
        {
            "household": r.code,
            "name": r.head_name,
            "village": r.village,
            "categories": categories.get(r.id, []),
            "cadres": cadres.get(r.id, []),
            "last_visit": r.last_visit_on,
            "due_date": r.due_date,
            "days_overdue": days_overdue(r.due_date, today),
        }
        for r in rows
    ]

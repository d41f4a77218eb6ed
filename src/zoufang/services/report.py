"""Campaign figures (`zoufang report`): what visiting work is judged by, as SQL aggregates.

Every figure is one GROUP BY over the ledger, never a loop over households, so a county's
report is as quick as a village's. Each function takes a :class:`Scope` and is usable on
its own (by `report`, and by anything else that needs the same number).

What the scope means:

* **households in scope** — enrolled on or before ``until`` and not exited before
  ``since`` (on the roster at some point of the period), in ``village`` if given. Coverage
  is the share of them visited at least once in the period.
* **visits, suggestions, wishes, gifts** — dated within the period, to households in scope.
* **needs** — commitments opened within the period; "resolved", "referred" and "cannot
  resolve" count those closed so by ``until``; "overdue" those still open at the report date
  (``until``, or today if earlier) and past their deadline.
* **money** — per fund, allocated and paid as of ``until`` (fund-wide: allocations belong to
  no village) and what was paid within the period to households in scope, net of
  reversals; per category, the period's payments to households of that category (a
  household in two categories counts in both).
* **cadres** — active households assigned (and how many of them are overdue today), visits
  made in the period, and commitments held that are past their deadline today.

Wishes (微心愿) are counted as collected; the ledger has no status for a wish, so "fulfilled"
is not reported (a wish taken on as a ``--need`` is a commitment and counts there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, exists, func, or_, select
from sqlmodel import Session

from zoufang.errors import NotFound
from zoufang.models import (
    COMMITMENT_CLOSED,
    HOUSEHOLD_ACTIVE,
    VISIT_KINDS,
    Assignment,
    Cadre,
    Category,
    Commitment,
    Fund,
    Household,
    HouseholdCategory,
    LedgerEntry,
    Visit,
    VisitCadre,
    VisitItem,
)

#: Households listed by name under "never visited" (the count is always complete).
NEVER_VISITED_LISTED = 100


@dataclass(frozen=True)
class Scope:
    until: dt.date
    since: dt.date | None = None
    village: str | None = None


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def household_conditions(scope: Scope) -> list:
    """Households on the roster during the period (and in the village)."""
    conditions = [Household.enrolled_on <= scope.until]
    if scope.since is not None:
        conditions.append(or_(Household.exited_on.is_(None), Household.exited_on >= scope.since))
    if scope.village is not None:
        conditions.append(Household.village == scope.village)
    return conditions


def _unindexed(column):
    """``column`` wrapped so that SQLite uses no index on it (to filter, group or order).

    Without statistics SQLite prefers an index that spares it a sort, and then looks up
    every row it stands for one at random: for a GROUP BY over most of a county ledger,
    reading the table in order and sorting is several times faster.
    """
    return func.coalesce(column, column)


def _visit_day():
    """The visit date, unindexed: without statistics SQLite takes any date range for a
    selective one and reads a campaign year's million visits through the date index, one
    random row at a time, then sorts them to group; scanning the table (or a covering
    index) in order is several times faster, and no slower for a short period.
    """
    return _unindexed(Visit.visit_date)


def visit_conditions(scope: Scope) -> list:
    """Visits within the period to households in scope (join Household)."""
    day = _visit_day()
    conditions = [day <= scope.until, *household_conditions(scope)]
    if scope.since is not None:
        conditions.append(day >= scope.since)
    return conditions


def every_visit_in_scope(*, session: Session, scope: Scope) -> bool:
    """Whether the scope leaves out no visit in the ledger: none dated outside the period,
    none to a household outside the scope (the usual report, the campaign to date).

    Figures over a visit's cadres or items then need not look up each visit and its
    household — a million lookups at county scale — to ask whether it counts.
    """
    V, H = Visit, Household
    first, last = session.execute(select(
        select(func.min(V.visit_date)).scalar_subquery(),
        select(func.max(V.visit_date)).scalar_subquery())).one()
    if first is None:
        return True
    if last > scope.until or (scope.since is not None and first < scope.since):
        return False
    return session.execute(
        select(H.id).where(~and_(*household_conditions(scope))).limit(1)).first() is None


def _visits_per_household(scope: Scope, *, kinds: bool = False):
    """Subquery: per household visited in the period, its visits (and with ``kinds``, its
    visits of each kind as ``kind_0``… in :data:`VISIT_KINDS` order).

    Grouped on the (household_id, visit_date) index, so the village and category figures
    join ~one row per household instead of every visit. The kinds are conditional sums in
    the same pass, not another GROUP BY over the million visits (which sorted them all).
    """
    # Through _visit_day(), SQLite walks the covering (household_id, visit_date) index in
    # household order: nothing is sorted, and without kinds no visit row is read.
    day = _visit_day()
    conditions = [day <= scope.until]
    if scope.since is not None:
        conditions.append(day >= scope.since)
    by_kind = [func.sum(case((Visit.kind == kind, 1), else_=0)).label(f"kind_{i}")
               for i, kind in enumerate(VISIT_KINDS)] if kinds else []
    return (select(Visit.household_id, func.count().label("visits"), *by_kind)
            .where(*conditions).group_by(Visit.household_id).subquery())


def _active_at_until(scope: Scope):
    return or_(Household.exited_on.is_(None), Household.exited_on > scope.until)


def _never_visited_condition(scope: Scope):
    return ~exists().where(Visit.household_id == Household.id, Visit.visit_date <= scope.until)


def visit_figures(*, session: Session, scope: Scope) -> dict:
    """Households in scope, visited in the period (coverage %) and never visited at all;
    visits and households visited per kind (every kind listed, zeros included); and per
    village, households, visited, coverage % and visits, lowest coverage first.

    One pass over the visits serves all three: per household, then per village, and the
    totals and kinds are the sums of the villages.
    """
    H = Household
    conditions = household_conditions(scope)
    village = _unindexed(H.village)
    households = dict(session.execute(
        select(village, func.count()).where(*conditions).group_by(village)
    ).all())
    per = _visits_per_household(scope, kinds=True)
    kinds = [per.c[f"kind_{i}"] for i in range(len(VISIT_KINDS))]
    columns = [func.count(), func.sum(per.c.visits)]
    for kind in kinds:
        columns += [func.sum(kind), func.sum(case((kind > 0, 1), else_=0))]
    visits = {
        village: [int(v) for v in figures]
        for village, *figures in session.execute(
            select(H.village, *columns).select_from(per).join(H, H.id == per.c.household_id)
            .where(*conditions).group_by(H.village))
    }
    by_village = []
    for village, total in households.items():
        visited, n = visits.get(village, (0, 0))[:2]
        by_village.append({"village": village, "households": total, "visited": visited,
                           "coverage": _percent(visited, total), "visits": n})
    by_village.sort(key=lambda r: (r["coverage"] if r["coverage"] is not None else 101,
                                   r["village"]))
    totals = [sum(column) for column in zip(*visits.values(), strict=True)] or [0] * len(columns)
    by_kind = [{"kind": kind, "visits": totals[2 + 2 * i], "households": totals[3 + 2 * i]}
               for i, kind in enumerate(VISIT_KINDS)]
    if totals[1] > sum(r["visits"] for r in by_kind):
        by_kind += _other_kinds(session=session, scope=scope)
    enrolled, visited = sum(households.values()), totals[0]
    never = session.execute(
        select(func.count()).select_from(H)
        .where(*conditions, _active_at_until(scope), _never_visited_condition(scope))
    ).scalar_one()
    return {
        "households": {"enrolled": enrolled, "visited": visited,
                       "coverage": _percent(visited, enrolled),
                       "not_visited": enrolled - visited, "never_visited": never},
        "by_kind": by_kind,
        "by_village": by_village,
    }


def _other_kinds(*, session: Session, scope: Scope) -> list[dict]:
    """Visits of kinds outside :data:`VISIT_KINDS` (a ledger written by other means), by
    kind name."""
    rows = session.execute(
        select(Visit.kind, func.count(), func.count(distinct(Visit.household_id)))
        .join(Household, Household.id == Visit.household_id)
        .where(*visit_conditions(scope), Visit.kind.not_in(VISIT_KINDS)).group_by(Visit.kind))
    return [{"kind": kind, "visits": n, "households": households}
            for kind, n, households in sorted(rows)]


def never_visited(*, session: Session, scope: Scope, limit: int = NEVER_VISITED_LISTED) -> list[dict]:
    """Active households in scope with no visit at all by ``until``, longest waiting first."""
    H = Household
    rows = session.execute(
        select(H.code, H.head_name, H.village, H.enrolled_on)
        .where(*household_conditions(scope), _active_at_until(scope),
               _never_visited_condition(scope))
        .order_by(H.enrolled_on, H.code).limit(limit)
    ).all()
    return [{"household": r.code, "name": r.head_name, "village": r.village,
             "enrolled_on": r.enrolled_on, "days_waiting": (scope.until - r.enrolled_on).days}
            for r in rows]


def visits_by_category(*, session: Session, scope: Scope) -> list[dict]:
    """Per category: households in scope, visited, coverage %, visits (a visit to a household
    in two categories counts under both)."""
    H, HC = Household, HouseholdCategory
    labels = dict(session.execute(select(Category.code, Category.label)).all())
    category = _unindexed(HC.category_code)
    households = dict(session.execute(
        select(category, func.count()).join(H, H.id == HC.household_id)
        .where(*household_conditions(scope)).group_by(category)
    ).all())
    per = _visits_per_household(scope)
    visits = {
        code: (int(n), visited)
        for code, n, visited in session.execute(
            select(HC.category_code, func.sum(per.c.visits), func.count())
            .select_from(per).join(H, H.id == per.c.household_id)
            .join(HC, HC.household_id == H.id)
            .where(*household_conditions(scope)).group_by(HC.category_code))
    }
    rows = []
    for code in sorted(households, key=lambda c: (-households[c], c)):
        n, visited = visits.get(code, (0, 0))
        rows.append({"category": code, "label": labels.get(code, code),
                     "households": households[code], "visited": visited,
                     "coverage": _percent(visited, households[code]), "visits": n})
    return rows


def need_figures(*, session: Session, scope: Scope, today: dt.date) -> dict:
    """Needs (commitments) opened in the period and what became of them by ``until``."""
    C = Commitment
    as_of = min(scope.until, today)
    closed_by = and_(C.status.in_(COMMITMENT_CLOSED), C.closed_on <= scope.until)

    def closed_as(status: str):
        return func.coalesce(func.sum(case((and_(closed_by, C.status == status), 1), else_=0)), 0)

    conditions = [C.opened_on <= scope.until]
    if scope.since is not None:
        conditions.append(C.opened_on >= scope.since)
    if scope.village is not None:
        conditions.append(Household.village == scope.village)
    row = session.execute(
        select(func.count(), closed_as("resolved"), closed_as("referred"),
               closed_as("cannot-resolve"),
               func.coalesce(func.sum(case((and_(~closed_by, C.due_date < as_of), 1), else_=0)), 0))
        .select_from(C).join(Household, Household.id == C.household_id).where(*conditions)
    ).one()
    raised, resolved, referred, cannot, overdue = (int(v) for v in row)
    return {"raised": raised, "resolved": resolved, "referred": referred,
            "cannot_resolve": cannot, "open": raised - resolved - referred - cannot,
            "overdue": overdue, "resolved_share": _percent(resolved, raised)}


def heard_figures(*, session: Session, scope: Scope, every_visit: bool = False) -> dict:
    """Suggestions heard, wishes collected (and from how many households), gifts handed over.

    ``every_visit``: the scope leaves out no visit (:func:`every_visit_in_scope`), so the
    items are counted without asking of each visit whether it is in scope."""
    query = (select(VisitItem.kind, func.count(), func.count(distinct(Visit.household_id)))
             .join(Visit, Visit.id == VisitItem.visit_id))
    if not every_visit:
        query = (query.join(Household, Household.id == Visit.household_id)
                 .where(*visit_conditions(scope)))
    counts = {kind: (n, households)
              for kind, n, households in session.execute(query.group_by(VisitItem.kind))}
    return {"suggestions": counts.get("suggestion", (0, 0))[0],
            "wishes": counts.get("wish", (0, 0))[0],
            "wish_households": counts.get("wish", (0, 0))[1],
            "gifts": counts.get("gift", (0, 0))[0]}


def _net_paid(condition):
    """Payments less their reversals, for the entries matching ``condition``."""
    E = LedgerEntry
    return func.coalesce(func.sum(case(
        (and_(condition, E.kind == "disburse"), E.amount_fen),
        (and_(condition, E.kind == "reverse", E.household_code.is_not(None)), -E.amount_fen),
        else_=0)), 0)


def _in_period(scope: Scope):
    E = LedgerEntry
    conditions = [E.entry_date <= scope.until, E.household_code.is_not(None)]
    if scope.since is not None:
        conditions.append(E.entry_date >= scope.since)
    if scope.village is not None:
        conditions.append(E.household_code.in_(
            select(Household.code).where(Household.village == scope.village)))
    return and_(*conditions)


def money_by_fund(*, session: Session, scope: Scope) -> list[dict]:
    """Per fund: allocated, paid and left as of ``until`` (fund-wide), and paid within the
    period to households in scope, with how many households received money."""
    E = LedgerEntry
    upto = E.entry_date <= scope.until
    allocated = func.coalesce(func.sum(case(
        (and_(upto, E.kind == "allocate"), E.amount_fen),
        (and_(upto, E.kind == "reverse", E.household_code.is_(None)), -E.amount_fen),
        else_=0)), 0)
    in_period = _in_period(scope)
    per_household = (
        select(E.fund_code, E.household_code, _net_paid(in_period).label("net"))
        .where(in_period).group_by(E.fund_code, E.household_code).subquery())
    paid_households = dict(session.execute(
        select(per_household.c.fund_code, func.count())
        .where(per_household.c.net > 0).group_by(per_household.c.fund_code)
    ).all())
    fund = _unindexed(E.fund_code).label("fund_code")
    totals = (select(fund, allocated.label("allocated"), _net_paid(upto).label("paid"),
                     _net_paid(in_period).label("period"))
              .group_by(fund).subquery())
    rows = []
    for code, name, a, p, period in session.execute(
        select(totals.c.fund_code, Fund.name, totals.c.allocated, totals.c.paid,
               totals.c.period)
        .join(Fund, Fund.code == totals.c.fund_code).order_by(totals.c.fund_code)
    ):
        rows.append({"fund": code, "name": name, "allocated_fen": int(a), "paid_fen": int(p),
                     "left_fen": int(a) - int(p), "paid_in_period_fen": int(period),
                     "households": paid_households.get(code, 0)})
    return rows


def money_by_category(*, session: Session, scope: Scope) -> list[dict]:
    """The period's net payments to households in scope, per category of the household."""
    E, HC = LedgerEntry, HouseholdCategory
    in_period = _in_period(scope)
    per_household = (
        select(E.household_code, _net_paid(in_period).label("net"))
        .where(in_period).group_by(E.household_code).subquery())
    labels = dict(session.execute(select(Category.code, Category.label)).all())
    rows = []
    for code, paid, households in session.execute(
        select(HC.category_code, func.sum(per_household.c.net),
               func.sum(case((per_household.c.net > 0, 1), else_=0)))
        .select_from(per_household)
        .join(Household, Household.code == per_household.c.household_code)
        .join(HC, HC.household_id == Household.id)
        .group_by(HC.category_code).order_by(func.sum(per_household.c.net).desc(), HC.category_code)
    ):
        rows.append({"category": code, "label": labels.get(code, code), "paid_fen": int(paid),
                     "households": int(households)})
    return rows


def cadre_workload(*, session: Session, scope: Scope, today: dt.date,
                   every_visit: bool = False) -> list[dict]:
    """Per cadre: active households assigned (and overdue today), visits in the period, and
    commitments held that are past their deadline today.

    ``every_visit``: the scope leaves out no visit (:func:`every_visit_in_scope`), so a
    cadre's visits are counted from the visit–cadre index alone."""
    H = Household
    village = [H.village == scope.village] if scope.village is not None else []
    assigned = {
        cid: (n, overdue)
        for cid, n, overdue in session.execute(
            select(Assignment.cadre_id, func.count(),
                   func.coalesce(func.sum(case((H.due_date < today, 1), else_=0)), 0))
            .join(H, H.id == Assignment.household_id)
            .where(H.status == HOUSEHOLD_ACTIVE, *village).group_by(Assignment.cadre_id))
    }
    if every_visit:
        visits = dict(session.execute(
            select(VisitCadre.cadre_id, func.count()).group_by(VisitCadre.cadre_id)).all())
    else:
        cadre = _unindexed(VisitCadre.cadre_id)
        visits = dict(session.execute(
            select(cadre, func.count())
            .join(Visit, Visit.id == VisitCadre.visit_id).join(H, H.id == Visit.household_id)
            .where(*visit_conditions(scope)).group_by(cadre)
        ).all())
    late = dict(session.execute(
        select(Commitment.cadre_id, func.count()).join(H, H.id == Commitment.household_id)
        .where(Commitment.status.not_in(COMMITMENT_CLOSED), Commitment.due_date < today,
               *village).group_by(Commitment.cadre_id)
    ).all())
    rows = []
    for cid, code, name in session.execute(select(Cadre.id, Cadre.code, Cadre.name).order_by(Cadre.code)):
        households, overdue = assigned.get(cid, (0, 0))
        if not (households or visits.get(cid) or late.get(cid)):
            continue
        rows.append({"cadre": code, "name": name, "households": households,
                     "visits": visits.get(cid, 0), "overdue_households": int(overdue),
                     "overdue_commitments": late.get(cid, 0)})
    return rows


def campaign_report(*, session: Session, scope: Scope, today: dt.date) -> dict:
    """Every figure of the campaign report, for one period and optionally one village."""
    if scope.village is not None and session.execute(
        select(Household.id).where(Household.village == scope.village).limit(1)
    ).first() is None:
        raise NotFound("--village", f"no household is enrolled in {scope.village!r}")
    visits = visit_figures(session=session, scope=scope)
    every_visit = every_visit_in_scope(session=session, scope=scope)
    funds = money_by_fund(session=session, scope=scope)
    return {
        "period": {"since": scope.since, "until": scope.until, "village": scope.village,
                   "generated": today},
        "households": visits["households"],
        "visits": {
            "total": sum(r["visits"] for r in visits["by_kind"]),
            "by_kind": visits["by_kind"],
            "by_village": visits["by_village"],
            "by_category": visits_by_category(session=session, scope=scope),
        },
        "never_visited": never_visited(session=session, scope=scope),
        "needs": need_figures(session=session, scope=scope, today=today),
        "heard": heard_figures(session=session, scope=scope, every_visit=every_visit),
        "money": {
            "paid_in_period_fen": sum(r["paid_in_period_fen"] for r in funds),
            "by_fund": funds,
            "by_category": money_by_category(session=session, scope=scope),
        },
        "cadres": cadre_workload(session=session, scope=scope, today=today,
                                 every_visit=every_visit),
    }

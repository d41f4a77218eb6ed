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
* **cadres** — households assigned that are active at ``until`` (and how many of them are
  overdue then), visits made in the period, and commitments held that are past their
  deadline at ``until``.

Every definition is :mod:`zoufang.services.figures`'s; ``until`` is never later than today.

Only what counts is counted (:mod:`zoufang.services.counting`): a visit's current version, a
commitment not voided, a household not voided; a visit's items count with their visit.

* **suggestions and wishes** — heard within the period by households in scope; of those,
  how many were answered and adopted, claimed, fulfilled and declined by ``until``
  (:func:`figures.heard_counts`, the definitions `audit visits` and `remind` share).
* **person-visits** (人次) — one per household per visit (``person_visits``, the visits) and
  one per cadre per visit (``cadre_visits``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import (
    and_,
    case,
    distinct,
    func,
    select,
)

from zoufang.codes import VISIT_KINDS
from zoufang.db import second_reader
from zoufang.errors import NotFound
from zoufang.i18n import _
from zoufang.services import figures
from zoufang.services.counting import (
    commitment_counts,
    every_visit_counts,
)
from zoufang.services.money_chain import chain_head

# The tables as SQLAlchemy Core declares them (zoufang.tables), not the SQLModel classes: the
# report runs without importing SQLModel, pydantic and the models.
from zoufang.tables import assignment as _assignment
from zoufang.tables import cadre as _cadre
from zoufang.tables import category as _category
from zoufang.tables import commitment as _commitment
from zoufang.tables import fund as _fund
from zoufang.tables import household as _household
from zoufang.tables import household_category as _household_category
from zoufang.tables import ledger_entry as _ledger_entry
from zoufang.tables import visit as _visit
from zoufang.tables import visit_cadre as _visit_cadre
from zoufang.tables import visit_item as _visit_item

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


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
    conditions = figures.on_roster(scope.since, scope.until)
    if scope.village is not None:
        conditions.append(_household.c.village == scope.village)
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
    return _unindexed(_visit.c.visit_date)


def visit_conditions(scope: Scope) -> list:
    """Visits within the period to households in scope (join household)."""
    return [
        figures.visits_within(scope.since, scope.until, day=_visit_day()),
        *household_conditions(scope),
    ]


def every_visit_in_scope(*, session: LedgerSession, scope: Scope) -> bool:
    """Whether the scope leaves out no visit in the ledger: none dated outside the period,
    none to a household outside the scope (the usual report, the campaign to date), none
    void or superseded (:mod:`~zoufang.services.counting`).

    Figures over a visit's cadres or items then need not look up each visit and its
    household — a million lookups at county scale — to ask whether it counts.
    """
    V, H = _visit, _household
    first, last = (
        session.connection()
        .execute(
            select(
                select(func.min(V.c.visit_date)).scalar_subquery(),
                select(func.max(V.c.visit_date)).scalar_subquery(),
            )
        )
        .one()
    )
    if first is None:
        return True
    if not every_visit_counts(session.connection()):
        return False
    if last > scope.until or (scope.since is not None and first < scope.since):
        return False
    return (
        session.connection()
        .execute(select(H.c.id).where(~and_(*household_conditions(scope))).limit(1))
        .first()
        is None
    )


def _visits_per_household(scope: Scope, *, kinds: bool = False):
    """Subquery: per household visited in the period, its visits (and with ``kinds``, its
    visits of each kind as ``kind_0``… in :data:`VISIT_KINDS` order).

    Grouped on the (household_id, visit_date, id, kind) index, so the village and category
    figures join ~one row per household instead of every visit. The kinds are conditional
    counts in the same pass, not another GROUP BY over the million visits (which sorted them
    all).
    """
    # Through _visit_day(), SQLite walks that index in household order: nothing is sorted,
    # and no visit row is read (the index holds the kind).
    conditions = [figures.visits_within(scope.since, scope.until, day=_visit_day())]
    by_kind = (
        [
            func.count(case((_visit.c.kind == kind, 1))).label(f"kind_{i}")
            for i, kind in enumerate(VISIT_KINDS)
        ]
        if kinds
        else []
    )
    return (
        select(_visit.c.household_id, func.count().label("visits"), *by_kind)
        .where(*conditions)
        .group_by(_visit.c.household_id)
        .subquery()
    )


def _never_visited_condition(scope: Scope):
    return figures.never_visited(scope.until)


def visit_figures(*, session: LedgerSession, scope: Scope) -> dict:
    """Households in scope, visited in the period (coverage %) and never visited at all;
    visits and households visited per kind (every kind listed, zeros included); and per
    village, households, visited, coverage % and visits, lowest coverage first.

    One pass over the visits serves all three: per household, then per village, and the
    totals and kinds are the sums of the villages.
    """
    H = _household
    conditions = household_conditions(scope)
    village = _unindexed(H.c.village)
    households: dict[str, int] = dict(
        session.connection()
        .execute(select(village, func.count()).where(*conditions).group_by(village))
        .all()
    )
    per = _visits_per_household(scope, kinds=True)
    kinds = [per.c[f"kind_{i}"] for i in range(len(VISIT_KINDS))]
    columns = [func.count(), func.sum(per.c.visits)]
    for kind in kinds:
        columns += [func.sum(kind), func.sum(case((kind > 0, 1), else_=0))]
    visits = {
        village: [int(v) for v in figures]
        for village, *figures in session.connection().execute(
            select(H.c.village, *columns)
            .select_from(per)
            .join(H, H.c.id == per.c.household_id)
            .where(*conditions)
            .group_by(H.c.village)
        )
    }
    by_village = []
    for village, total in households.items():
        visited, n = visits.get(village, (0, 0))[:2]
        by_village.append(
            {
                "village": village,
                "households": total,
                "visited": visited,
                "coverage": _percent(visited, total),
                "visits": n,
            }
        )
    by_village.sort(
        key=lambda r: (r["coverage"] if r["coverage"] is not None else 101, r["village"])
    )
    totals = [sum(column) for column in zip(*visits.values(), strict=True)] or [0] * len(columns)
    by_kind: list[dict] = [
        {"kind": kind, "visits": totals[2 + 2 * i], "households": totals[3 + 2 * i]}
        for i, kind in enumerate(VISIT_KINDS)
    ]
    if totals[1] > sum(r["visits"] for r in by_kind):
        by_kind += _other_kinds(session=session, scope=scope)
    enrolled, visited = sum(households.values()), totals[0]
    never = (
        session.connection()
        .execute(
            select(func.count()).select_from(H).where(*conditions, _never_visited_condition(scope))
        )
        .scalar_one()
    )
    village_only = [H.c.village == scope.village] if scope.village is not None else []
    overdue = len(
        figures.household_due(session.connection(), scope.until, village_only, overdue_only=True)
    )
    return {
        "households": {
            "enrolled": enrolled,
            "visited": visited,
            "coverage": _percent(visited, enrolled),
            "not_visited": enrolled - visited,
            "never_visited": never,
            "overdue": overdue,
        },
        "by_kind": by_kind,
        "by_village": by_village,
    }


def _other_kinds(*, session: LedgerSession, scope: Scope) -> list[dict]:
    """Visits of kinds outside :data:`VISIT_KINDS` (a ledger written by other means), by
    kind name."""
    rows = session.connection().execute(
        select(_visit.c.kind, func.count(), func.count(distinct(_visit.c.household_id)))
        .join(_household, _household.c.id == _visit.c.household_id)
        .where(*visit_conditions(scope), _visit.c.kind.not_in(VISIT_KINDS))
        .group_by(_visit.c.kind)
    )
    return [
        {"kind": kind, "visits": n, "households": households}
        for kind, n, households in sorted(rows)
    ]


def never_visited(
    *, session: LedgerSession, scope: Scope, limit: int = NEVER_VISITED_LISTED
) -> list[dict]:
    """Households never visited by ``until`` (:func:`figures.never_visited`), longest waiting
    first."""
    H = _household
    rows = (
        session.connection()
        .execute(
            select(H.c.code, H.c.head_name, H.c.village, H.c.enrolled_on)
            .where(
                *household_conditions(scope),
                _never_visited_condition(scope),
            )
            .order_by(H.c.enrolled_on, H.c.code)
            .limit(limit)
        )
        .all()
    )
    return [
        {
            "household": r.code,
            "name": r.head_name,
            "village": r.village,
            "enrolled_on": r.enrolled_on,
            "days_waiting": (scope.until - r.enrolled_on).days,
        }
        for r in rows
    ]


def visits_by_category(*, session: LedgerSession, scope: Scope) -> list[dict]:
    """Per category: households in scope, visited, coverage %, visits (a visit to a household
    in two categories counts under both)."""
    H, HC = _household, _household_category
    labels = dict(session.connection().execute(select(_category.c.code, _category.c.label)).all())
    category = _unindexed(HC.c.category_code)
    households: dict[str, int] = dict(
        session.connection()
        .execute(
            select(category, func.count())
            .join(H, H.c.id == HC.c.household_id)
            .where(*household_conditions(scope))
            .group_by(category)
        )
        .all()
    )
    per = _visits_per_household(scope)
    visits = {
        code: (int(n), visited)
        for code, n, visited in session.connection().execute(
            select(HC.c.category_code, func.sum(per.c.visits), func.count())
            .select_from(per)
            .join(H, H.c.id == per.c.household_id)
            .join(HC, HC.c.household_id == H.c.id)
            .where(*household_conditions(scope))
            .group_by(HC.c.category_code)
        )
    }
    rows = []
    for code in sorted(households, key=lambda c: (-households[c], c)):
        n, visited = visits.get(code, (0, 0))
        rows.append(
            {
                "category": code,
                "label": labels.get(code, code),
                "households": households[code],
                "visited": visited,
                "coverage": _percent(visited, households[code]),
                "visits": n,
            }
        )
    return rows


def need_figures(*, session: LedgerSession, scope: Scope, today: dt.date) -> dict:
    """Needs (commitments) opened in the period and what became of them by ``until``."""
    C = _commitment
    as_of = min(scope.until, today)

    def closed_as(status: str):
        closed = figures.commitment_closed_as(status, scope.until)
        return func.coalesce(func.sum(case((closed, 1), else_=0)), 0)

    conditions = [C.c.opened_on <= scope.until, commitment_counts(C)]
    if scope.since is not None:
        conditions.append(C.c.opened_on >= scope.since)
    if scope.village is not None:
        conditions.append(_household.c.village == scope.village)
    row = (
        session.connection()
        .execute(
            select(
                func.count(),
                closed_as("resolved"),
                closed_as("referred"),
                closed_as("cannot-resolve"),
                func.coalesce(func.sum(case((figures.commitment_overdue(as_of), 1), else_=0)), 0),
            )
            .select_from(C)
            .join(_household, _household.c.id == C.c.household_id)
            .where(*conditions)
        )
        .one()
    )
    raised, resolved, referred, cannot, overdue = (int(v) for v in row)
    return {
        "raised": raised,
        "resolved": resolved,
        "referred": referred,
        "cannot_resolve": cannot,
        "open": raised - resolved - referred - cannot,
        "overdue": overdue,
        "resolved_share": _percent(resolved, raised),
    }


def heard_figures(*, session: LedgerSession, scope: Scope, every_visit: bool = False) -> dict:
    """Suggestions heard (answered, adopted), wishes collected (claimed, fulfilled, declined;
    and from how many households), gifts handed over.

    Suggestions and wishes are :func:`figures.heard_counts` (heard within the period, by
    households in scope; what became of them by ``until``). Gifts are visit items:
    ``every_visit`` (the scope leaves out no visit, :func:`every_visit_in_scope`) counts
    them on their own; otherwise each one's visit and household are looked up.
    """
    VI, V = _visit_item, _visit
    conn = session.connection()
    gift = VI.c.kind == "gift"
    if every_visit:
        gifts = conn.execute(select(func.count()).where(gift)).scalar_one()
    else:
        gifts = conn.execute(
            select(func.count())
            .select_from(
                VI.join(V, V.c.id == VI.c.visit_id).join(
                    _household, _household.c.id == V.c.household_id
                )
            )
            .where(gift, *visit_conditions(scope))
        ).scalar_one()
    in_scope = select(_household.c.id).where(*household_conditions(scope))
    heard = figures.heard_counts(conn, scope.since, scope.until, in_scope)
    return {**heard, "gifts": gifts}


def cadre_visits(*, session: LedgerSession, scope: Scope, every_visit: bool = False) -> int:
    """Person-visits counted per cadre: one for each cadre on each visit in the period (a
    visit made by two cadres is two)."""
    VC = _visit_cadre
    if every_visit:
        return session.connection().execute(select(func.count()).select_from(VC)).scalar_one()
    return (
        session.connection()
        .execute(
            select(func.count())
            .select_from(
                VC.join(_visit, _visit.c.id == VC.c.visit_id).join(
                    _household, _household.c.id == _visit.c.household_id
                )
            )
            .where(*visit_conditions(scope))
        )
        .scalar_one()
    )


def _net_paid(condition):
    return figures.net_paid(condition)


def _net_paid_in_period():
    """:func:`_net_paid` of :func:`_in_period`, for a query whose WHERE already keeps only
    the entries in the period (to a household): the CASE then tests each entry's kind alone
    rather than every condition of the period again."""
    E = _ledger_entry
    return func.sum(
        case(
            (E.c.kind == "disburse", E.c.amount_fen),
            (E.c.kind == "reverse", -E.c.amount_fen),
            else_=0,
        )
    )


def _in_period(scope: Scope):
    return figures.paid_within(scope.since, scope.until, scope.village)


def money_by_fund(*, session: LedgerSession, scope: Scope) -> list[dict]:
    """Per fund: allocated, paid and left as of ``until`` (fund-wide), and paid within the
    period to households in scope, with how many households received money."""
    E = _ledger_entry
    upto = E.c.entry_date <= scope.until
    allocated = func.coalesce(
        func.sum(
            case(
                (and_(upto, E.c.kind == "allocate"), E.c.amount_fen),
                (and_(upto, E.c.kind == "reverse", E.c.household_code.is_(None)), -E.c.amount_fen),
                else_=0,
            )
        ),
        0,
    )
    in_period = _in_period(scope)
    per_household = (
        select(E.c.fund_code, E.c.household_code, _net_paid_in_period().label("net"))
        .where(in_period)
        .group_by(E.c.fund_code, E.c.household_code)
        .subquery()
    )
    paid_households: dict[str, int] = dict(
        session.connection()
        .execute(
            select(per_household.c.fund_code, func.count())
            .where(per_household.c.net > 0)
            .group_by(per_household.c.fund_code)
        )
        .all()
    )
    fund = _unindexed(E.c.fund_code).label("fund_code")
    totals = (
        select(
            fund,
            allocated.label("allocated"),
            _net_paid(upto).label("paid"),
            _net_paid(in_period).label("period"),
        )
        .group_by(fund)
        .subquery()
    )
    rows = []
    for code, name, a, p, period in session.connection().execute(
        select(totals.c.fund_code, _fund.c.name, totals.c.allocated, totals.c.paid, totals.c.period)
        .join(_fund, _fund.c.code == totals.c.fund_code)
        .order_by(totals.c.fund_code)
    ):
        rows.append(
            {
                "fund": code,
                "name": name,
                "allocated_fen": int(a),
                "paid_fen": int(p),
                "left_fen": int(a) - int(p),
                "paid_in_period_fen": int(period),
                "households": paid_households.get(code, 0),
            }
        )
    return rows


def money_by_category(*, session: LedgerSession, scope: Scope) -> list[dict]:
    """The period's net payments to households in scope, per category of the household."""
    E, HC = _ledger_entry, _household_category
    in_period = _in_period(scope)
    per_household = (
        select(E.c.household_code, _net_paid_in_period().label("net"))
        .where(in_period)
        .group_by(E.c.household_code)
        .subquery()
    )
    labels = dict(session.connection().execute(select(_category.c.code, _category.c.label)).all())
    rows = []
    for code, paid, households in session.connection().execute(
        select(
            HC.c.category_code,
            func.sum(per_household.c.net),
            func.sum(case((per_household.c.net > 0, 1), else_=0)),
        )
        .select_from(per_household)
        .join(_household, _household.c.code == per_household.c.household_code)
        .join(HC, HC.c.household_id == _household.c.id)
        .group_by(HC.c.category_code)
        .order_by(func.sum(per_household.c.net).desc(), HC.c.category_code)
    ):
        rows.append(
            {
                "category": code,
                "label": labels.get(code, code),
                "paid_fen": int(paid),
                "households": int(households),
            }
        )
    return rows


def cadre_workload(
    *, session: LedgerSession, scope: Scope, today: dt.date, every_visit: bool = False
) -> list[dict]:
    """Per cadre: active households assigned (and overdue today), visits in the period, and
    commitments held that are past their deadline today.

    ``every_visit``: the scope leaves out no visit (:func:`every_visit_in_scope`), so a
    cadre's visits are counted from the visit–cadre index alone."""
    H = _household
    as_of = min(scope.until, today)
    village = [H.c.village == scope.village] if scope.village is not None else []
    late_households = {
        h.id for h in figures.household_due(session.connection(), as_of, village, overdue_only=True)
    }
    assigned: dict[int, tuple[int, int]] = {}
    for cid, hid in session.connection().execute(
        select(_assignment.c.cadre_id, _assignment.c.household_id)
        .join(H, H.c.id == _assignment.c.household_id)
        .where(figures.active_on(as_of), *village)
    ):
        n, overdue = assigned.get(cid, (0, 0))
        assigned[cid] = (n + 1, overdue + (hid in late_households))
    visits: dict[int, int]
    if every_visit:
        visits = dict(
            session.connection()
            .execute(
                select(_visit_cadre.c.cadre_id, func.count()).group_by(_visit_cadre.c.cadre_id)
            )
            .all()
        )
    else:
        cadre = _unindexed(_visit_cadre.c.cadre_id)
        visits = dict(
            session.connection()
            .execute(
                select(cadre, func.count())
                .join(_visit, _visit.c.id == _visit_cadre.c.visit_id)
                .join(H, H.c.id == _visit.c.household_id)
                .where(*visit_conditions(scope))
                .group_by(cadre)
            )
            .all()
        )
    late: dict[int, int] = dict(
        session.connection()
        .execute(
            select(_commitment.c.cadre_id, func.count())
            .join(H, H.c.id == _commitment.c.household_id)
            .where(figures.commitment_overdue(as_of), *village)
            .group_by(_commitment.c.cadre_id)
        )
        .all()
    )
    rows = []
    for cid, code, name in session.connection().execute(
        select(_cadre.c.id, _cadre.c.code, _cadre.c.name).order_by(_cadre.c.code)
    ):
        households, overdue = assigned.get(cid, (0, 0))
        if not (households or visits.get(cid) or late.get(cid)):
            continue
        rows.append(
            {
                "cadre": code,
                "name": name,
                "households": households,
                "visits": visits.get(cid, 0),
                "overdue_households": int(overdue),
                "overdue_commitments": late.get(cid, 0),
            }
        )
    return rows


#: Ledgers with at least this many visits have their report read by two threads, on two
#: connections sharing one snapshot; below it, a second connection costs more than it saves.
PARALLEL_FROM_VISITS = 50_000


def campaign_report(*, session: LedgerSession, scope: Scope, today: dt.date) -> dict:
    """Every figure of the campaign report, for one period and optionally one village.

    On a county ledger the money and cadre figures are read by a second thread on a second
    connection that sees the same snapshot (:func:`zoufang.db.second_reader`) while this
    one reads the visit figures: the queries are the database's work, which runs on two
    cores at once. The figures are the same either way.

    Nothing dated after ``today`` exists for the report: a period that ends later ends
    today (:mod:`zoufang.services.figures`)."""
    if scope.until > today:
        scope = Scope(until=today, since=scope.since, village=scope.village)
    if (
        scope.village is not None
        and session.connection()
        .execute(select(_household.c.id).where(_household.c.village == scope.village).limit(1))
        .first()
        is None
    ):
        raise NotFound(
            "--village",
            _("no household is enrolled in {village!r}").format(village=scope.village),
        )
    every_visit = every_visit_in_scope(session=session, scope=scope)
    big = (
        session.connection().execute(select(func.max(_visit.c.id))).scalar() or 0
    ) >= PARALLEL_FROM_VISITS
    with second_reader(session) if big else contextlib.nullcontext() as other:
        if other is None:
            money = _money_and_cadres(session, scope, today, every_visit)
            report = _visits_and_needs(session, scope, today, every_visit)
        else:
            with ThreadPoolExecutor(1) as pool:
                reading = pool.submit(_money_and_cadres, other, scope, today, every_visit)
                report = _visits_and_needs(session, scope, today, every_visit)
                money = reading.result()
    report["money"], report["cadres"] = money
    # the ledger's head as this report saw it: a printed report witnesses it
    # (services.witness)
    report["chain_head"] = chain_head(session).as_dict()
    return report


def _visits_and_needs(
    session: LedgerSession, scope: Scope, today: dt.date, every_visit: bool
) -> dict:
    visits = visit_figures(session=session, scope=scope)
    total = sum(r["visits"] for r in visits["by_kind"])
    return {
        "period": {
            "since": scope.since,
            "until": scope.until,
            "village": scope.village,
            "generated": today,
        },
        "households": visits["households"],
        "visits": {
            "total": total,
            # 人次 counted two ways: one per household per visit, one per cadre per visit
            "person_visits": total,
            "cadre_visits": cadre_visits(session=session, scope=scope, every_visit=every_visit),
            "by_kind": visits["by_kind"],
            "by_village": visits["by_village"],
            "by_category": visits_by_category(session=session, scope=scope),
        },
        "never_visited": never_visited(session=session, scope=scope),
        "needs": need_figures(session=session, scope=scope, today=today),
        "heard": heard_figures(session=session, scope=scope, every_visit=every_visit),
    }


def _money_and_cadres(
    session, scope: Scope, today: dt.date, every_visit: bool
) -> tuple[dict, list[dict]]:
    funds = money_by_fund(session=session, scope=scope)
    money = {
        "paid_in_period_fen": sum(r["paid_in_period_fen"] for r in funds),
        "by_fund": funds,
        "by_category": money_by_category(session=session, scope=scope),
    }
    return money, cadre_workload(session=session, scope=scope, today=today, every_visit=every_visit)

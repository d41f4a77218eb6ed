"""`visit log`: record a home visit — what was heard, given, promised and paid.

Written with SQLAlchemy Core on the command's connection (:mod:`zoufang.tables`), not the
SQLModel classes: recording a visit is the command cadres run most, and importing SQLModel,
pydantic and the models would be a large part of its time. A visit with cash paid from a fund goes on
to :func:`zoufang.services.fund_payment.disburse` (Core too) in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, insert, select

from zoufang import labels, parsing
from zoufang.codes import HOUSEHOLD_EXITED, VISIT_KINDS
from zoufang.db.writing import insert_many
from zoufang.errors import InvalidInput, RuleViolation, ZoufangError, no_household
from zoufang.i18n import _
from zoufang.parsing import fold
from zoufang.services.audit_log import record
from zoufang.services.due import refresh_due_dates
from zoufang.services.lookup import resolve_cadre
from zoufang.tables import commitment as M
from zoufang.tables import household as H
from zoufang.tables import visit as V
from zoufang.tables import visit_cadre as VC
from zoufang.tables import visit_item as VI

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: A need raised at a visit without --need-due must be answered within this many days.
DEFAULT_NEED_DAYS = 30


@dataclass
class VisitIn:
    household: str
    cadres: list[str]
    visit_date: dt.date
    kind: str = "routine"
    notes: str | None = None
    needs: list[str] = field(default_factory=list)
    need_due: dt.date | None = None
    suggestions: list[str] = field(default_factory=list)
    wishes: list[str] = field(default_factory=list)
    gifts: list[str] = field(default_factory=list)
    next_date: dt.date | None = None


@dataclass(frozen=True)
class LoggedVisit:
    """What `visit log` wrote: the visit, the commitments its needs opened, the payment."""

    id: int
    visit_date: dt.date
    commitments: list[int]
    entries: list[int] = field(default_factory=list)  # ledger entries (seq) of the cash
    wishes: list[int] = field(default_factory=list)  # the wishes it heard (open)
    suggestions: list[int] = field(default_factory=list)  # the suggestions (unanswered)


def check_visit(data: VisitIn, today: dt.date) -> tuple[str, dt.date]:
    """A visit's own checks, before the ledger is asked anything: its kind's code and the
    day its needs are due. The one place these rules live (`visit log` and `import`)."""
    kind = parsing.parse_choice(
        data.kind, kind=labels.VISIT_KIND, codes=VISIT_KINDS, field="--kind"
    )
    if not data.cadres:
        raise InvalidInput("--by", _("at least one visiting cadre is required"))
    if data.visit_date > today:
        raise InvalidInput(
            "--date",
            _("{date} is in the future (today is {today})").format(
                date=data.visit_date, today=today
            ),
        )
    if data.next_date is not None and data.next_date <= data.visit_date:
        raise InvalidInput(
            "--next",
            _("{next} is not after the visit date {date}").format(
                next=data.next_date, date=data.visit_date
            ),
        )
    need_due = data.need_due or data.visit_date + dt.timedelta(days=DEFAULT_NEED_DAYS)
    if data.needs and need_due < data.visit_date:
        raise InvalidInput(
            "--need-due",
            _("{due} is before the visit date {date}").format(due=need_due, date=data.visit_date),
        )
    if data.need_due is not None and not data.needs:
        raise InvalidInput("--need-due", _("given without any --need"))
    return kind, need_due


def refuse_exited(household) -> None:
    """A household that has exited is visited no more (a row with ``code``, ``status``,
    ``exited_on`` and ``exit_reason``)."""
    if household.status == HOUSEHOLD_EXITED:
        raise RuleViolation(
            "HOUSEHOLD",
            _("{code} exited on {date} ({reason})").format(
                code=household.code, date=household.exited_on, reason=household.exit_reason
            ),
        )


def visit_cadres(session: LedgerSession, texts: list[str]) -> list:
    """The visiting cadres ``texts`` name, each once (a cadre named twice, by code and by
    name, visited once)."""
    return list(
        {
            c.code: c for c in (resolve_cadre(session=session, text=t, field="--by") for t in texts)
        }.values()
    )


def log_visit(*, session: LedgerSession, data: VisitIn, today: dt.date) -> LoggedVisit:
    """Record a visit; each need opens a commitment held by the first visiting cadre.

    ``data.kind`` may be the code or what people call it (节日慰问); cadres are named by code
    or by a name only one cadre has."""
    kind, need_due = check_visit(data, today)
    conn = session.connection()
    household = conn.execute(_household_query(), {"code": fold(data.household)}).first()
    if household is None:
        raise no_household(data.household, "HOUSEHOLD")
    refuse_exited(household)
    cadres = visit_cadres(session, data.cadres)
    visit = {
        "household_id": household.id,
        "visit_date": data.visit_date,
        "kind": kind,
        "notes": data.notes or None,
        "next_date": data.next_date,
        "recorded_at": session.recorded_at(),
        "operator": session.info.get("operator", "unknown"),
    }
    visit["id"] = _inserted_id(conn, V, visit)
    conn.execute(insert(VC), [{"visit_id": visit["id"], "cadre_id": c.id} for c in cadres])
    items = [
        {"visit_id": visit["id"], "kind": kind, "text": text}
        for kind, texts in (
            ("suggestion", data.suggestions),
            ("wish", data.wishes),
            ("gift", data.gifts),
        )
        for text in texts
    ]
    if items:
        conn.execute(insert(VI), items)
    commitments = []
    for need in data.needs:
        commitment = need_row(household.id, visit["id"], need, cadres[0].id, need_due, data)
        commitment["id"] = _inserted_id(conn, M, commitment)
        commitments.append(commitment)
    refresh_due_dates(session=session, household_ids=[household.id])
    record_visit(session, visit, household, cadres, data)
    for commitment in commitments:
        record(
            session,
            action="open",
            object_type="commitment",
            object_key=str(commitment["id"]),
            after=commitment,
        )
    # each wish and suggestion has a life of its own, held by the first visiting cadre
    from zoufang.services.suggestions import insert_suggestions
    from zoufang.services.wishes import insert_wishes

    heard = {
        "household_id": household.id,
        "visit_id": visit["id"],
        "on": data.visit_date,
        "cadre_id": cadres[0].id,
    }
    wish_ids = insert_wishes(session, texts=data.wishes, **heard)
    suggestion_ids = insert_suggestions(session, texts=data.suggestions, **heard)
    return LoggedVisit(
        visit["id"],
        data.visit_date,
        [c["id"] for c in commitments],
        wishes=wish_ids,
        suggestions=suggestion_ids,
    )


def need_row(household_id: int, visit_id: int, text: str, cadre_id: int, due, data) -> dict:
    """The open commitment a need raised at a visit becomes (visit log and the import alike)."""
    return {
        "household_id": household_id,
        "visit_id": visit_id,
        "text": text,
        "cadre_id": cadre_id,
        "due_date": due,
        "status": "open",
        "opened_on": data.visit_date,
        "closed_on": None,
        "resolution": None,
        "referred_to": None,
    }


def record_visit(session: LedgerSession, visit: dict, household, cadres, data: VisitIn) -> None:
    """The audit-log row of a visit logged (by `visit log` and by an import's batch alike)."""
    record(
        session,
        action="log",
        object_type="visit",
        object_key=str(visit["id"]),
        after={
            **visit,
            "household": household.code,
            "cadres": [c.code for c in cadres],
            "needs": data.needs,
            "suggestions": data.suggestions,
            "wishes": data.wishes,
            "gifts": data.gifts,
        },
    )


def _inserted_id(conn, table, values: dict) -> int:
    """Insert one row; its new id. RETURNING where the database has it (PostgreSQL, SQLite
    3.35 and later); SQLite's last row id otherwise (older SQLite, which some systems'
    Pythons still link)."""
    if conn.dialect.insert_returning:
        return conn.execute(_insert_returning_id(table), values).scalar_one()
    return conn.execute(_insert(table), values).lastrowid


@functools.cache
def _insert_returning_id(table):
    """One statement per table, built once: the values go in as parameters, so SQLAlchemy
    neither builds nor keys a new statement for every row (a third of a visit's time in a
    county import, docs/benchmarks.md)."""
    return insert(table).returning(table.c.id)


@functools.cache
def _household_query():
    return select(H.c.id, H.c.code, H.c.status, H.c.exited_on, H.c.exit_reason).where(
        H.c.code == bindparam("code")
    )


@functools.cache
def _insert(table):
    return insert(table)


def prepare_visit(*, cash: bool, plan: bool = False) -> None:
    """Import now what :func:`log_visit_with_cash` will need, before the command takes the
    write lock: an import is seconds on a busy machine, and every other writer would wait
    for it."""
    if cash:
        import zoufang.services.fund_payment  # noqa: F401
    if plan:  # a plan's line is paid through the ORM's plan rows
        import zoufang.services.plan_payments  # noqa: F401


def log_visit_with_cash(
    *,
    session: LedgerSession,
    data: VisitIn,
    today: dt.date,
    cash_fen: int | None,
    fund: str | None,
    override: str | None = None,
    plan: str | None = None,
) -> LoggedVisit:
    """`visit log … --cash Y --fund F`: the visit and its payment in one transaction.

    The payment is judged by every fund rule; if it is refused, the visit is not written
    either (the caller's transaction rolls back). With ``plan`` (`--plan FUND/N`) the
    household's line of that approved plan is paid, its planned amount
    (:func:`zoufang.services.plan_payments.pay_line`); ``fund``, if given, must be the plan's.
    """
    from zoufang.services.rights import require

    if plan is not None:
        require(session, "pay-plan")
        return _log_visit_paying_plan(session=session, data=data, today=today, plan=plan, fund=fund)
    if (cash_fen is None) != (fund is None):
        raise InvalidInput(
            "--fund" if fund is None else "--cash", _("--cash and --fund go together")
        )
    if fund is None or cash_fen is None:  # both are, or neither
        return log_visit(session=session, data=data, today=today)
    from zoufang.services.fund_payment import disburse, find_fund

    require(session, "pay")  # a cadre pays only the lines of an approved plan (--plan)

    find_fund(session=session, code=fund, field="--fund")  # named as the user typed it
    visit = log_visit(session=session, data=data, today=today)
    try:
        entry = disburse(
            session=session,
            fund=fund,
            household=data.household,
            amount_fen=cash_fen,
            cadres=data.cadres,
            on=data.visit_date,
            visit_id=visit.id,
            override=override,
        )
    except ZoufangError as refused:
        # the caller's transaction rolls the visit back too: say so, and how to record it
        refused.reason = _(
            "{reason}; the visit was not recorded either: record it without --cash and "
            "--fund, then pay with `zoufang fund disburse {fund} {household} AMOUNT --visit "
            "ID` if the payment is allowed"
        ).format(reason=refused.reason, fund=fund, household=data.household)
        refused.args = (refused.line(),)
        raise
    return dataclasses.replace(visit, entries=[entry.seq])


def _log_visit_paying_plan(
    *, session: LedgerSession, data: VisitIn, today: dt.date, plan: str, fund: str | None
) -> LoggedVisit:
    from zoufang.services.plan_payments import pay_line, payable_plan

    found, _state = payable_plan(session=session, code=plan, field="--plan")
    if fund is not None and parsing.fold(fund) != found.fund_code:
        raise InvalidInput(
            "--fund",
            _("plan {plan} pays from fund {fund}, not {given}").format(
                plan=found.code, fund=found.fund_code, given=fund
            ),
        )
    visit = log_visit(session=session, data=data, today=today)
    entry = pay_line(
        session=session,
        code=found.code,
        household=data.household,
        cadres=data.cadres,
        on=data.visit_date,
        visit_id=visit.id,
        field="--plan",
    )
    return dataclasses.replace(visit, entries=[entry.seq])


class VisitBatch:
    """Visits recorded in bulk (`import`): each judged as :func:`log_visit` judges it, by the
    same checks (:func:`check_visit`, :func:`refuse_exited`, :func:`visit_cadres`), and
    written with the same rows and audit rows in the same order, a batch at a time with one
    ``executemany`` per table instead of ~8 statements a visit.

    :meth:`add` checks a visit and keeps it (or raises as :func:`log_visit` would);
    :meth:`flush` writes the kept ones and hands each one's key and new id to ``done``. The
    households are read once, at the first visit (a bulk write adds none meanwhile, and
    exits none: `import` exits its households after every visit)."""

    def __init__(
        self,
        session: LedgerSession,
        today: dt.date,
        done,
        size: int = 2000,
    ) -> None:
        self.s, self.today, self.done, self.size = session, today, done, size
        self.households: dict | None = None
        self.pending: list[tuple] = []

    def add(self, data: VisitIn, key) -> None:
        kind, need_due = check_visit(data, self.today)
        if self.households is None:
            self.households = {
                row.code: row
                for row in self.s.connection().execute(
                    select(H.c.id, H.c.code, H.c.status, H.c.exited_on, H.c.exit_reason)
                )
            }
        household = self.households.get(fold(data.household))
        if household is None:
            raise no_household(data.household, "HOUSEHOLD")
        refuse_exited(household)
        cadres = visit_cadres(self.s, data.cadres)
        self.pending.append((key, data, kind, need_due, household, cadres))
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        from zoufang.codes import SUGGESTION_UNANSWERED, WISH_OPEN
        from zoufang.services.due import refresh_due_dates
        from zoufang.tables import suggestion as S
        from zoufang.tables import wish as W

        pending, self.pending = self.pending, []
        s = self.s
        conn = s.connection()
        recorded_at = s.recorded_at()
        operator = s.info.get("operator", "unknown")
        visits = [
            {
                "household_id": household.id,
                "visit_date": data.visit_date,
                "kind": kind,
                "notes": data.notes or None,
                "next_date": data.next_date,
                "recorded_at": recorded_at,
                "operator": operator,
            }
            for _key, data, kind, _due, household, _cadres in pending
        ]
        for visit, new_id in zip(visits, inserted_ids(conn, V, visits), strict=True):
            visit["id"] = new_id
        links: list[dict] = []
        items: list[dict] = []
        needs: list[dict] = []
        wishes: list[dict] = []
        suggestions: list[dict] = []
        for visit, (_key, data, _kind, need_due, household, cadres) in zip(
            visits, pending, strict=True
        ):
            links += [{"visit_id": visit["id"], "cadre_id": c.id} for c in cadres]
            items += [
                {"visit_id": visit["id"], "kind": kind, "text": text}
                for kind, texts in (
                    ("suggestion", data.suggestions),
                    ("wish", data.wishes),
                    ("gift", data.gifts),
                )
                for text in texts
            ]
            needs += [
                need_row(household.id, visit["id"], need, cadres[0].id, need_due, data)
                for need in data.needs
            ]
            for texts, rows, status in (
                (data.wishes, wishes, WISH_OPEN),
                (data.suggestions, suggestions, SUGGESTION_UNANSWERED),
            ):
                rows += [
                    {
                        "household_id": household.id,
                        "visit_id": visit["id"],
                        "text": text,
                        "heard_on": data.visit_date,
                        "cadre_id": cadres[0].id,
                        "status": status,
                    }
                    for text in texts
                ]
        insert_many(conn, VC, links)
        insert_many(conn, VI, items)
        for table, rows in ((M, needs), (W, wishes), (S, suggestions)):
            for row, new_id in zip(rows, inserted_ids(conn, table, rows), strict=True):
                row["id"] = new_id
        # each pending visit is (key, data, kind, due, household, cadres)
        refresh_due_dates(session=s, household_ids={p[4].id for p in pending})
        # the audit rows, visit by visit in the order log_visit records them
        opened: dict[int, list[tuple[str, dict]]] = {}
        for object_type, rows in (
            ("commitment", needs),
            ("wish", wishes),
            ("suggestion", suggestions),
        ):
            for row in rows:
                opened.setdefault(row["visit_id"], []).append((object_type, row))
        for visit, (key, data, _kind, _due, household, cadres) in zip(visits, pending, strict=True):
            record_visit(s, visit, household, cadres, data)
            for object_type, row in opened.get(visit["id"], ()):
                record(
                    s, action="open", object_type=object_type, object_key=str(row["id"]), after=row
                )
            self.done(key, visit["id"])


def inserted_ids(conn, table, rows: list[dict]) -> list[int]:
    """Insert rows (each gets its ``id``); their new ids, in the rows' order: on SQLite
    assigned up front, elsewhere one ``executemany`` with RETURNING where the database has
    it, one statement a row otherwise."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite" and not table.dialect_options["sqlite"]["autoincrement"]:
        # SQLite gives a new row the largest rowid + 1 (not so with AUTOINCREMENT), and
        # this writer holds the ledger's write lock (BEGIN IMMEDIATE): the same ids, assigned
        # up front, with a plain executemany (RETURNING cost ~60 % more, docs/benchmarks.md)
        start = conn.execute(_max_id(table)).scalar() or 0
        ids = list(range(start + 1, start + 1 + len(rows)))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        insert_many(conn, table, rows)
        return ids
    if conn.dialect.insert_returning and conn.dialect.use_insertmanyvalues:
        return list(conn.execute(_insert_many_returning_id(table), rows).scalars())
    return [_inserted_id(conn, table, row) for row in rows]


@functools.cache
def _max_id(table):
    return select(func.max(table.c.id))


@functools.cache
def _insert_many_returning_id(table):
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)

"""Distribution plans (慰问名单): draft a fund's list of households and amounts, check every
line by the fund's rules before anyone is paid, approve it, take objections.

A plan is ``FUND/N`` (the fund's N-th plan). Its state is read from its append-only events
(``plan_event``): a plan with no ``approve`` event is a **draft**, which may be edited
(``add``/``remove``); an approved plan is never edited — a new version is drafted from it
(``--from-plan``), and when that version is approved the old one is **superseded**. An
objection (``object``) blocks its line until it is resolved (``resolve``: keep or remove).

Each line is judged by :func:`zoufang.services.fund_rules.payment_violations`, the rule book
the write path (:func:`zoufang.services.funds.disburse`) and the audit use, with the facts
gathered by :func:`zoufang.services.funds.payment_facts` as of the planned date, the
household's assigned cadres standing for the paying cadre. The fund's balance is judged for
the plan as a whole (the unpaid lines' total), and can never be overridden.

Paying a plan is :mod:`zoufang.services.plan_payments`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from zoufang import labels
from zoufang.errors import InvalidInput, NotFound, RuleViolation
from zoufang.i18n import N_, _, pgettext
from zoufang.models import (
    Fund,
    Household,
    HouseholdCategory,
    LedgerEntry,
    Member,
    Plan,
    PlanEvent,
    PlanLine,
    PlanPayment,
)
from zoufang.parsing import fold, format_money
from zoufang.services.audit_log import record
from zoufang.services.fund_rules import Violation, payment_violations
from zoufang.services.funds import fund_categories, fund_totals, get_fund, payment_facts
from zoufang.services.households import cadre_codes, get_household
from zoufang.services.lookup import resolve_categories

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Resolving an objection: keep the line, or take it off the plan.
DECISIONS = ("keep", "remove")


@dataclass
class LineState:
    """What a plan's events say about one household's line."""

    override: str | None = None  # the reason, if overridden since it was last added
    objections: list[str] = field(default_factory=list)  # open objections' notes
    removed: bool = False  # removed by a resolved objection
    resolutions: list[str] = field(default_factory=list)


@dataclass
class PlanState:
    status: str  # draft / approved / superseded
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    minutes: str | None = None
    superseded_by: str | None = None
    lines: dict[str, LineState] = field(default_factory=dict)


# ---------------------------------------------------------------------------- reading


def get_plan(*, session: LedgerSession, code: str, field: str = "PLAN") -> Plan:
    plan = session.execute(select(Plan).where(Plan.code == fold(code))).scalar_one_or_none()
    if plan is None:
        raise NotFound(
            field, _("no plan {code!r} (see `zoufang fund plan list FUND`)").format(code=code)
        )
    return plan


def plan_state(*, session: LedgerSession, plan: Plan) -> PlanState:
    """The plan's status and each line's overrides, objections and removal, from its events."""
    assert plan.id is not None
    state = PlanState(status="draft")
    for e in session.execute(
        select(PlanEvent).where(PlanEvent.plan_id == plan.id).order_by(col(PlanEvent.id))
    ).scalars():
        line = state.lines.setdefault(e.household_code, LineState()) if e.household_code else None
        if e.kind == "approve":
            state.status = "approved"
            state.approved_by, state.approved_at, state.minutes = e.operator, e.at, e.note
        elif line is None:
            continue
        elif e.kind == "add":
            line.override, line.removed = None, False
        elif e.kind == "override":
            line.override = e.note
        elif e.kind == "object":
            line.objections.append(e.note or "")
        elif e.kind == "resolve":
            line.objections = []
            line.resolutions.append(e.note or "")
            line.removed = e.decision == "remove"
    if state.status == "approved":
        newer = (
            session.execute(
                select(Plan.code)
                .join(PlanEvent, col(PlanEvent.plan_id) == Plan.id)
                .where(Plan.from_plan_id == plan.id, PlanEvent.kind == "approve")
                .order_by(col(Plan.id))
            )
            .scalars()
            .first()
        )
        if newer is not None:
            state.status, state.superseded_by = "superseded", newer
    return state


def plan_lines(*, session: LedgerSession, plan: Plan) -> list[tuple[PlanLine, Household]]:
    """The plan's lines with their households, by village then household code."""
    return [
        (line, h)
        for line, h in session.execute(
            select(PlanLine, Household)
            .join(Household, col(Household.code) == PlanLine.household_code)
            .where(PlanLine.plan_id == plan.id)
            .order_by(col(Household.village), col(Household.code))
        ).all()
    ]


#: Plan line id → its payments not reversed since, as (entry seq, amount in fen).
Paid = dict[int | None, list[tuple[int, int]]]


def paid_entries(*, session: LedgerSession, plan: Plan) -> Paid:
    """Plan line id → its payments not reversed since, as (entry seq, amount in fen)."""
    E = LedgerEntry
    reversed_seqs = select(E.reverses_seq).where(col(E.reverses_seq).is_not(None))
    out: Paid = {}
    for line_id, seq, amount in session.execute(
        select(PlanPayment.plan_line_id, E.seq, E.amount_fen)
        .join(E, col(E.seq) == PlanPayment.entry_seq)
        .join(PlanLine, col(PlanLine.id) == PlanPayment.plan_line_id)
        .where(PlanLine.plan_id == plan.id, col(E.seq).not_in(reversed_seqs))
        .order_by(col(E.seq))
    ):
        out.setdefault(line_id, []).append((seq, amount))
    return out


def line_status(line: PlanLine, state: PlanState, paid: dict) -> str:
    """unpaid / paid / objected / removed: the code of a line's status."""
    own = state.lines.get(line.household_code, LineState())
    if line.id in paid:
        return "paid"
    if own.removed:
        return "removed"
    if own.objections:
        return "objected"
    return "unpaid"


def line_checks(
    *,
    session: LedgerSession,
    fund: Fund,
    plan: Plan,
    lines: list[tuple[PlanLine, Household]],
    today: dt.date,
) -> dict[str, list[Violation]]:
    """Household code → the rules its line would break if paid on the planned date (today
    if the plan has none), by the rule book the write path uses. The fund's balance is not
    judged here but for the plan as a whole (:func:`plan_problems`)."""
    on = plan.planned_on or today
    out: dict[str, list[Violation]] = {}
    persons: dict[str, set[str]] = {}
    for _line, h in lines:
        persons[h.code] = _persons(session, h)
    for line, h in lines:
        assert h.id is not None
        facts = payment_facts(
            session=session,
            fund=fund,
            household=h,
            amount_fen=line.amount_fen,
            on=on,
            cadre_codes=cadre_codes(session=session, household_id=h.id),
        )
        found = [v for v in payment_violations(facts) if v.check != "overspend"]
        sharing = sorted(o for o, ids in persons.items() if o != h.code and ids & persons[h.code])
        if sharing and not facts.also_paid_households:
            found.append(
                Violation(
                    "duplicate-person",
                    labels.Message(
                        N_("a person of {household} {name} also belongs to {others} on this plan"),
                        household=h.code,
                        name=h.head_name,
                        others=sharing,
                    ),
                )
            )
        out[h.code] = found
    return out


def _persons(session: LedgerSession, household: Household) -> set[str]:
    numbers = {household.id_number}
    numbers.update(
        n
        for n in session.execute(
            select(Member.id_number).where(
                Member.household_id == household.id, col(Member.id_number).is_not(None)
            )
        ).scalars()
        if n
    )
    return numbers


@dataclass
class Problem:
    """What stands between a plan and its approval (or a line and its payment)."""

    check: str
    household: str | None
    detail: str  # a labels.Message


def plan_problems(
    *,
    session: LedgerSession,
    fund: Fund,
    plan: Plan,
    state: PlanState,
    lines: list[tuple[PlanLine, Household]],
    checks: dict[str, list[Violation]],
    paid: dict,
) -> list[Problem]:
    """Every rule-breaking line not overridden, every open objection, and a total of unpaid
    lines above the fund's balance (which no override sets aside)."""
    problems: list[Problem] = []
    due = 0
    for line, h in lines:
        status = line_status(line, state, paid)
        if status in ("paid", "removed"):
            continue
        own = state.lines.get(h.code, LineState())
        if own.objections:
            problems.append(
                Problem(
                    "objection",
                    h.code,
                    labels.Message(
                        N_("{household} {name}: an objection is open ({note})"),
                        household=h.code,
                        name=h.head_name,
                        note=own.objections[-1],
                    ),
                )
            )
        if not own.override:
            problems += [Problem(v.check, h.code, v.detail) for v in checks.get(h.code, [])]
        due += line.amount_fen
    allocated, disbursed = fund_totals(session=session, code=fund.code)
    balance = allocated - disbursed
    if due > balance:
        problems.append(
            Problem(
                "overspend",
                None,
                labels.Message(
                    N_(
                        "the unpaid lines total {total} but fund {fund} has {balance}: "
                        "{short} short (allocate more or remove lines; this is never overridden)"
                    ),
                    total=format_money(due),
                    fund=fund.code,
                    balance=format_money(balance),
                    short=format_money(due - balance),
                ),
            )
        )
    return problems


def show_plan(*, session: LedgerSession, code: str, today: dt.date) -> dict:
    """A plan with its lines (status, amount, payments, rule checks), the totals against
    the fund's balance, and what stands in the way of approving or paying it."""
    plan = get_plan(session=session, code=code)
    fund = get_fund(session=session, code=plan.fund_code)
    state = plan_state(session=session, plan=plan)
    lines = plan_lines(session=session, plan=plan)
    paid = paid_entries(session=session, plan=plan)
    checks = line_checks(session=session, fund=fund, plan=plan, lines=lines, today=today)
    problems = plan_problems(
        session=session,
        fund=fund,
        plan=plan,
        state=state,
        lines=lines,
        checks=checks,
        paid=paid,
    )
    allocated, disbursed = fund_totals(session=session, code=fund.code)
    rows: list[dict] = []
    for line, h in lines:
        status = line_status(line, state, paid)
        own = state.lines.get(h.code, LineState())
        found = [] if status in ("paid", "removed") else checks.get(h.code, [])
        rows.append(
            {
                "household": h.code,
                "name": h.head_name,
                "village": h.village,
                "amount_fen": line.amount_fen,
                "status": labels.Code(status, labels.PLAN_LINE_STATUS),
                "paid_fen": sum(a for _s, a in paid.get(line.id, [])),
                "entries": [s for s, _a in paid.get(line.id, [])],
                "checks": [labels.Code(v.check, labels.CHECK) for v in found],
                "override": own.override,
                "objections": own.objections,
            }
        )
    counted = [r for r in rows if r["status"] != "removed"]
    total = sum(r["amount_fen"] for r in counted)
    paid_total = sum(r["paid_fen"] for r in counted)
    previous = session.get(Plan, plan.from_plan_id) if plan.from_plan_id else None
    return {
        "code": plan.code,
        "fund": fund.code,
        "fund_name": fund.name,
        "name": plan.name,
        "status": labels.Code(state.status, labels.PLAN_STATUS),
        "planned_on": plan.planned_on,
        "drafted_by": plan.drafted_by,
        "drafted_at": plan.created_at,
        "approved_by": state.approved_by,
        "approved_at": state.approved_at,
        "minutes": state.minutes,
        "from_plan": previous.code if previous else None,
        "superseded_by": state.superseded_by,
        "households": len(counted),
        "total_fen": total,
        "paid_fen": paid_total,
        "unpaid_fen": sum(r["amount_fen"] for r in counted if r["status"] != "paid"),
        "balance_fen": allocated - disbursed,
        "lines": rows,
        "problems": [
            {
                "check": labels.Code(p.check, labels.CHECK),
                "household": p.household,
                "detail": p.detail,
            }
            for p in problems
        ],
    }


def list_plans(*, session: LedgerSession, fund: str) -> list[dict]:
    """A fund's plans, oldest first, with their status and totals."""
    get_fund(session=session, code=fund)
    rows = []
    for plan in session.execute(
        select(Plan).where(Plan.fund_code == fund).order_by(col(Plan.number))
    ).scalars():
        state = plan_state(session=session, plan=plan)
        lines = session.execute(
            select(PlanLine.household_code, PlanLine.amount_fen).where(PlanLine.plan_id == plan.id)
        ).all()
        kept = [a for h, a in lines if not state.lines.get(h, LineState()).removed]
        rows.append(
            {
                "code": plan.code,
                "name": plan.name,
                "status": labels.Code(state.status, labels.PLAN_STATUS),
                "planned_on": plan.planned_on,
                "households": len(kept),
                "total_fen": sum(kept),
                "drafted_by": plan.drafted_by,
                "approved_by": state.approved_by,
            }
        )
    return rows


# ---------------------------------------------------------------------------- drafting


@dataclass
class PlanIn:
    fund: str
    name: str
    villages: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    amount_fen: int | None = None
    amounts: list[tuple[str, int]] | None = None  # (household code, fen) from a file
    planned_on: dt.date | None = None
    from_plan: str | None = None


def _event(session: LedgerSession, plan: Plan, kind: str, **values: object) -> PlanEvent:
    assert plan.id is not None
    event = PlanEvent(
        plan_id=plan.id,
        kind=kind,
        operator=session.info.get("operator", "unknown"),
        at=session.recorded_at(),  # the real clock, as for every evidence row
        **values,  # type: ignore[arg-type]
    )
    session.add(event)
    session.flush()
    return event


def create_plan(*, session: LedgerSession, data: PlanIn) -> Plan:
    """Draft a plan: the fund's eligible households (or those of ``categories``, in
    ``villages``) at ``amount_fen`` each, the households and amounts of a file, or the
    unpaid lines of an earlier plan (a new version of it)."""
    fund = get_fund(session=session, code=data.fund)
    if data.from_plan is not None:
        previous = get_plan(session=session, code=data.from_plan, field="--from-plan")
        if previous.fund_code != fund.code:
            raise InvalidInput(
                "--from-plan",
                _("plan {plan} is a plan of fund {other}, not of {fund}").format(
                    plan=previous.code, other=previous.fund_code, fund=fund.code
                ),
            )
        state = plan_state(session=session, plan=previous)
        paid = paid_entries(session=session, plan=previous)
        wanted = [
            (line.household_code, line.amount_fen)
            for line, _h in plan_lines(session=session, plan=previous)
            if line_status(line, state, paid) not in ("paid", "removed")
        ]
    elif data.amounts is not None:
        wanted = list(data.amounts)
        known = set(
            session.execute(
                select(Household.code).where(col(Household.code).in_([c for c, _f in wanted]))
            ).scalars()
        )
        unknown = [c for c, _f in wanted if c not in known]
        if unknown:
            raise InvalidInput(
                "--amounts",
                _("no such households: {codes}; nothing written").format(codes=", ".join(unknown)),
            )
    else:
        if data.amount_fen is None:
            raise InvalidInput("--amount", _("give --amount YUAN or --amounts FILE"))
        wanted = [(c, data.amount_fen) for c in _eligible(session, fund, data)]
    if not wanted:
        raise RuleViolation("FUND", _("no household matches: the plan would be empty"))
    number = (
        session.execute(
            select(func.max(Plan.number)).where(Plan.fund_code == fund.code)
        ).scalar_one()
        or 0
    ) + 1
    plan = Plan(
        code=f"{fund.code}/{number}",
        fund_code=fund.code,
        number=number,
        name=data.name,
        planned_on=data.planned_on,
        from_plan_id=previous.id if data.from_plan is not None else None,
        drafted_by=session.info.get("operator", "unknown"),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    _event(session, plan, "create", note=data.name)
    for code, fen in wanted:
        session.add(PlanLine(plan_id=plan.id, household_code=code, amount_fen=fen))
        _event(session, plan, "add", household_code=code, amount_fen=fen)
    record(
        session,
        action="create",
        object_type="plan",
        object_key=plan.code,
        after={
            **plan.model_dump(),
            "lines": [{"household": c, "amount_fen": f} for c, f in wanted],
        },
    )
    return plan


def _eligible(session: LedgerSession, fund: Fund, data: PlanIn) -> list[str]:
    """Active households of the given categories (the fund's by default), in the villages."""
    if data.categories:
        cats = resolve_categories(session=session, texts=data.categories, field="--category")
    else:
        cats = [str(c) for c in fund_categories(session=session, code=fund.code)]
    query = (
        select(Household.code)
        .join(HouseholdCategory, col(HouseholdCategory.household_id) == Household.id)
        .where(Household.status == "active", col(HouseholdCategory.category_code).in_(cats))
        .distinct()
        .order_by(col(Household.code))
    )
    if data.villages:
        query = query.where(col(Household.village).in_(data.villages))
    return list(session.execute(query).scalars())


def _draft(session: LedgerSession, code: str) -> tuple[Plan, PlanState]:
    plan = get_plan(session=session, code=code)
    state = plan_state(session=session, plan=plan)
    if state.status != "draft":
        raise RuleViolation(
            "PLAN",
            _(
                "plan {plan} is approved and cannot be edited; draft a new version with "
                "`zoufang fund plan create {fund} --name N --from-plan {plan}`"
            ).format(plan=plan.code, fund=plan.fund_code),
        )
    return plan, state


def _line(session: LedgerSession, plan: Plan, household: str) -> PlanLine:
    line = session.execute(
        select(PlanLine).where(PlanLine.plan_id == plan.id, PlanLine.household_code == household)
    ).scalar_one_or_none()
    if line is None:
        raise NotFound(
            "HOUSEHOLD",
            _("{household} is not on plan {plan}").format(household=household, plan=plan.code),
        )
    return line


def add_line(
    *, session: LedgerSession, code: str, household: str, amount_fen: int | None
) -> PlanLine:
    """Put a household on a draft (at the plan's first line's amount if none is given)."""
    plan, _state = _draft(session, code)
    h = get_household(session=session, code=household, field="HOUSEHOLD")
    exists = session.execute(
        select(PlanLine.id).where(PlanLine.plan_id == plan.id, PlanLine.household_code == h.code)
    ).first()
    if exists is not None:
        raise RuleViolation(
            "HOUSEHOLD",
            _("{household} is already on plan {plan}").format(household=h.code, plan=plan.code),
        )
    if amount_fen is None:
        amount_fen = (
            session.execute(
                select(PlanLine.amount_fen)
                .where(PlanLine.plan_id == plan.id)
                .order_by(col(PlanLine.id))
            )
            .scalars()
            .first()
        )
        if amount_fen is None:
            raise InvalidInput("AMOUNT", _("the plan has no line yet: give the amount"))
    assert plan.id is not None
    line = PlanLine(plan_id=plan.id, household_code=h.code, amount_fen=amount_fen)
    session.add(line)
    session.flush()
    _event(session, plan, "add", household_code=h.code, amount_fen=amount_fen)
    record(session, action="add", object_type="plan_line", object_key=plan.code, after=line)
    return line


def remove_line(*, session: LedgerSession, code: str, household: str) -> None:
    """Take a household off a draft (the plan's events keep that it was there)."""
    plan, _state = _draft(session, code)
    line = _line(session, plan, fold(household))
    before = line.model_dump()
    if session.execute(
        select(PlanPayment.entry_seq).where(PlanPayment.plan_line_id == line.id)
    ).first():
        raise RuleViolation(
            "HOUSEHOLD", _("{household} was paid on this plan").format(household=household)
        )
    session.delete(line)
    session.flush()
    _event(session, plan, "remove", household_code=before["household_code"])
    record(session, action="remove", object_type="plan_line", object_key=plan.code, before=before)


def override_line(
    *, session: LedgerSession, code: str, household: str, reason: str, today: dt.date
) -> None:
    """Let a draft's rule-breaking line be approved (and paid) anyway, with a reason that the
    payment carries into the ledger (and every audit lists)."""
    plan, _state = _draft(session, code)
    line = _line(session, plan, fold(household))
    fund = get_fund(session=session, code=plan.fund_code)
    h = get_household(session=session, code=line.household_code)
    broken = line_checks(
        session=session,
        fund=fund,
        plan=plan,
        lines=plan_lines(session=session, plan=plan),
        today=today,
    ).get(h.code, [])
    if not broken:
        raise RuleViolation(
            "HOUSEHOLD",
            _("{household}'s line breaks no rule: there is nothing to override").format(
                household=h.code
            ),
        )
    _event(session, plan, "override", household_code=h.code, note=reason)
    record(
        session,
        action="override",
        object_type="plan_line",
        object_key=plan.code,
        after={"household": h.code, "reason": reason, "checks": [v.check for v in broken]},
    )


def approve_plan(*, session: LedgerSession, code: str, minutes: str, today: dt.date) -> Plan:
    """Approve a draft: by another operator than its drafter, with every problem solved."""
    plan, state = _draft(session, code)
    operator = session.info.get("operator", "unknown")
    if operator == plan.drafted_by:
        raise RuleViolation(
            "--as",
            _(
                "{operator} drafted plan {plan} and cannot also approve it: another operator "
                "approves (zoufang --as NAME fund plan approve …)"
            ).format(operator=operator, plan=plan.code),
        )
    fund = get_fund(session=session, code=plan.fund_code)
    lines = plan_lines(session=session, plan=plan)
    paid = paid_entries(session=session, plan=plan)
    checks = line_checks(session=session, fund=fund, plan=plan, lines=lines, today=today)
    problems = plan_problems(
        session=session, fund=fund, plan=plan, state=state, lines=lines, checks=checks, paid=paid
    )
    if problems:
        raise RuleViolation("PLAN", refusal(problems, plan.code))
    _event(session, plan, "approve", note=minutes)
    record(
        session,
        action="approve",
        object_type="plan",
        object_key=plan.code,
        after={"minutes": minutes, "lines": len(lines)},
    )
    return plan


def refusal(problems: list[Problem], plan: str) -> str:
    """Every problem in one line: ``plan P cannot be approved: 2 problems: …``."""
    listed = pgettext("list", "; ").join(
        pgettext("list", "{check}: {detail}").format(
            check=labels.Code(p.check, labels.CHECK).label(), detail=_shown(p.detail)
        )
        for p in problems
    )
    return _(
        "plan {plan} cannot be approved ({n} problems; remove or override those lines): {problems}"
    ).format(plan=plan, n=len(problems), problems=listed)


def _shown(detail: object) -> str:
    label = getattr(detail, "label", None)
    return label() if callable(label) else str(detail)


# ---------------------------------------------------------------------------- objections


def object_to_line(*, session: LedgerSession, code: str, household: str, note: str) -> None:
    """Record an objection received about a line: the line cannot be paid until it is
    resolved."""
    plan = get_plan(session=session, code=code)
    line = _line(session, plan, fold(household))
    _event(session, plan, "object", household_code=line.household_code, note=note)
    record(
        session,
        action="object",
        object_type="plan_line",
        object_key=plan.code,
        after={"household": line.household_code, "note": note},
    )


def resolve_objection(
    *, session: LedgerSession, code: str, household: str, decision: str, note: str
) -> None:
    """Decide the open objections to a line: keep it, or remove it from the plan."""
    if decision not in DECISIONS:
        raise InvalidInput(
            "--decision",
            _("{decision!r} is not keep or remove").format(decision=decision),
        )
    plan = get_plan(session=session, code=code)
    line = _line(session, plan, fold(household))
    state = plan_state(session=session, plan=plan)
    if not state.lines.get(line.household_code, LineState()).objections:
        raise RuleViolation(
            "HOUSEHOLD",
            _("no objection to {household} is open on plan {plan}").format(
                household=line.household_code, plan=plan.code
            ),
        )
    if decision == "remove" and line.id in paid_entries(session=session, plan=plan):
        raise RuleViolation(
            "--decision",
            _("{household} was already paid: reverse the payment first (fund reverse)").format(
                household=line.household_code
            ),
        )
    _event(
        session,
        plan,
        "resolve",
        household_code=line.household_code,
        decision=decision,
        note=note,
    )
    record(
        session,
        action="resolve",
        object_type="plan_line",
        object_key=plan.code,
        after={"household": line.household_code, "decision": decision, "note": note},
    )

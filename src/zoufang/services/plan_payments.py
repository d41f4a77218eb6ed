"""Paying a distribution plan, and its lines ready to print.

A plan line is paid by an ordinary chained ledger entry, written by
:func:`zoufang.services.funds.disburse` with every rule of the fund (the planned amount, the
line's override reason if it was overridden, the plan's code as the memo), and linked to its
line by a ``plan_payment`` row beside the chain (the chain's canonical form is unchanged).

* :func:`pay_line` — one line, e.g. cash handed over at a visit (`visit log H --plan P`);
* :func:`pay_plan` — every payable line (optionally of one village) at a distribution
  meeting, in one transaction: if any line fails, nothing is paid and every problem is
  listed. Lines under objection or removed are not payable and are left out (listed as
  skipped); lines already paid are left out too.
* :func:`plan_sheet` — the plan's lines as a notice (公示) prints them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zoufang import labels
from zoufang.errors import RuleViolation, ZoufangError
from zoufang.i18n import _, pgettext
from zoufang.models import Household, Plan, PlanLine, PlanPayment
from zoufang.parsing import fold
from zoufang.services.audit_log import record
from zoufang.services.funds import disburse, get_fund
from zoufang.services.households import get_cadre, get_household
from zoufang.services.plans import (
    LineState,
    PlanState,
    get_plan,
    line_status,
    paid_entries,
    plan_lines,
    plan_state,
)

if TYPE_CHECKING:
    from zoufang.db import LedgerSession
    from zoufang.services.money_chain import Entry


def payable_plan(
    *, session: LedgerSession, code: str, field: str = "PLAN"
) -> tuple[Plan, PlanState]:
    """The plan, if it may be paid: approved and not superseded by a newer version."""
    plan = get_plan(session=session, code=code, field=field)
    state = plan_state(session=session, plan=plan)
    if state.status == "draft":
        raise RuleViolation(
            field,
            _("plan {plan} is not approved yet: nothing on it can be paid").format(plan=plan.code),
        )
    if state.status == "superseded":
        raise RuleViolation(
            field,
            _("plan {plan} was superseded by {newer}: pay from {newer}").format(
                plan=plan.code, newer=state.superseded_by
            ),
        )
    return plan, state


def _pay(
    session: LedgerSession,
    plan: Plan,
    state: PlanState,
    line: PlanLine,
    *,
    cadres: list[str],
    on: dt.date,
    visit_id: int | None,
) -> Entry:
    entry = disburse(
        session=session,
        fund=plan.fund_code,
        household=line.household_code,
        amount_fen=line.amount_fen,
        cadres=cadres,
        on=on,
        visit_id=visit_id,
        memo=plan.code,
        override=state.lines.get(line.household_code, LineState()).override,
        planned=True,
    )
    assert line.id is not None
    session.add(PlanPayment(entry_seq=entry.seq, plan_line_id=line.id))
    session.flush()
    record(
        session,
        action="pay",
        object_type="plan_line",
        object_key=plan.code,
        after={"household": line.household_code, "entry": entry.seq},
    )
    return entry


def _refuse_unpayable(plan: Plan, state: PlanState, line: PlanLine, paid: dict) -> None:
    status = line_status(line, state, paid)
    if status == "paid":
        raise RuleViolation(
            labels.Code("plan-paid-twice", labels.CHECK),
            _("{household} was already paid on plan {plan} (entry {entry})").format(
                household=line.household_code, plan=plan.code, entry=paid[line.id][0][0]
            ),
        )
    if status == "removed":
        raise RuleViolation(
            "HOUSEHOLD",
            _("{household} was removed from plan {plan} after an objection").format(
                household=line.household_code, plan=plan.code
            ),
        )
    if status == "objected":
        raise RuleViolation(
            labels.Code("objection", labels.CHECK),
            _("an objection to {household} on plan {plan} is open: resolve it first").format(
                household=line.household_code, plan=plan.code
            ),
        )


def pay_line(
    *,
    session: LedgerSession,
    code: str,
    household: str,
    cadres: list[str],
    on: dt.date,
    visit_id: int | None = None,
    field: str = "PLAN",
) -> Entry:
    """Pay one household its planned amount (at a visit, with ``visit_id``)."""
    plan, state = payable_plan(session=session, code=code, field=field)
    h = get_household(session=session, code=household, field="HOUSEHOLD")
    line = next(
        (ln for ln, hh in plan_lines(session=session, plan=plan) if hh.code == h.code), None
    )
    if line is None:
        raise RuleViolation(
            labels.Code("unplanned", labels.CHECK),
            _("{household} is not on plan {plan}").format(household=h.code, plan=plan.code),
        )
    _refuse_unpayable(plan, state, line, paid_entries(session=session, plan=plan))
    return _pay(session, plan, state, line, cadres=cadres, on=on, visit_id=visit_id)


@dataclass
class PlanPaid:
    """What `fund plan pay` did: the entries written, the lines it left out and why."""

    plan: str
    entries: list[dict] = field(default_factory=list)  # household, amount_fen, entry
    skipped: list[dict] = field(default_factory=list)  # household, status


def pay_plan(
    *,
    session: LedgerSession,
    code: str,
    cadres: list[str],
    on: dt.date,
    village: str | None = None,
) -> PlanPaid:
    """Pay every payable line (of ``village``) at a distribution meeting: all or nothing."""
    plan, state = payable_plan(session=session, code=code)
    for c in cadres:  # an unknown cadre is one problem, not one per line
        get_cadre(session=session, code=c, field="--by")
    paid = paid_entries(session=session, plan=plan)
    result = PlanPaid(plan.code)
    chosen = [
        (line, h)
        for line, h in plan_lines(session=session, plan=plan)
        if village is None or h.village == fold(village).strip()
    ]
    problems: list[str] = []
    for line, h in chosen:
        status = line_status(line, state, paid)
        if status != "unpaid":
            if status != "paid":
                result.skipped.append(
                    {"household": h.code, "status": labels.Code(status, labels.PLAN_LINE_STATUS)}
                )
            continue
        try:
            entry = _pay(session, plan, state, line, cadres=cadres, on=on, visit_id=None)
        except ZoufangError as refused:  # nothing of this line was written
            problems.append(
                pgettext("list", "{check}: {detail}").format(check=h.code, detail=refused.line())
            )
            continue
        result.entries.append(
            {"household": h.code, "amount_fen": entry.amount_fen, "entry": entry.seq}
        )
    if problems:
        raise RuleViolation(
            "PLAN",
            _("nothing was paid: {n} of {total} lines cannot be paid: {problems}").format(
                n=len(problems),
                total=len(problems) + len(result.entries),
                problems=pgettext("list", "; ").join(problems),
            ),
        )
    if not result.entries:
        raise RuleViolation(
            "PLAN",
            _("plan {plan} has no unpaid line to pay{where}").format(
                plan=plan.code,
                where=_(" in {village}").format(village=village) if village else "",
            ),
        )
    return result


def plan_sheet(*, session: LedgerSession, code: str) -> dict:
    """A plan's lines ready to print (for the notice, 公示): each line's household code,
    head's name, village, amount and status (``paid``/``unpaid``/``objected``/``removed``
    as :class:`~zoufang.labels.Code`), in village then household order; with the plan's
    fund (code, name, source), name, status, approval minutes and dates."""
    plan = get_plan(session=session, code=code)
    fund = get_fund(session=session, code=plan.fund_code)
    state = plan_state(session=session, plan=plan)
    paid = paid_entries(session=session, plan=plan)
    lines = []
    for line, h in plan_lines(session=session, plan=plan):
        lines.append(_sheet_line(line, h, line_status(line, state, paid), paid))
    return {
        "plan": plan.code,
        "name": plan.name,
        "status": labels.Code(state.status, labels.PLAN_STATUS),
        "fund": fund.code,
        "fund_name": fund.name,
        "source": fund.source,
        "planned_on": plan.planned_on,
        "drafted_at": plan.created_at,
        "approved_at": state.approved_at,
        "minutes": state.minutes,
        "lines": lines,
    }


def _sheet_line(line: PlanLine, h: Household, status: str, paid: dict) -> dict:
    return {
        "household": h.code,
        "household_id": h.id,
        "name": h.head_name,
        "id_number": h.id_number,
        "village": h.village,
        "amount_fen": line.amount_fen,
        "status": labels.Code(status, labels.PLAN_LINE_STATUS),
        "paid_fen": sum(a for _s, a in paid.get(line.id, [])),
    }

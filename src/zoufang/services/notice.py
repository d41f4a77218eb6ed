"""The public notice (公示) of a fund's recipients, as posted on a village notice board.

Names and ID numbers are masked (陈*爷, 110101********1237) so the list can withstand public
scrutiny without exposing anyone; amounts are net of reversals; households whose payments
were all reversed do not appear. The title is in the chosen language (the notice's text
is the document people read, in JSON too); categories are the ledger's labels.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import case, col

from zoufang.errors import RuleViolation
from zoufang.i18n import _
from zoufang.models import Household, HouseholdCategory, LedgerEntry
from zoufang.parsing import mask_id_number
from zoufang.services.funds import get_fund
from zoufang.services.money_chain import chain_head

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def mask_name(name: str) -> str:
    """陈大爷 → 陈*爷, 王五 → 王*, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def fund_notice(*, session: LedgerSession, code: str, today: dt.date, reveal: bool = False) -> dict:
    fund = get_fund(session=session, code=code)
    E = LedgerEntry
    net = func.sum(case((E.kind == "disburse", E.amount_fen), else_=-E.amount_fen))
    rows = session.execute(
        select(
            col(Household.id),
            col(Household.code),
            col(Household.village),
            col(Household.head_name),
            col(Household.id_number),
            net.label("amount"),
        )
        .join(Household, col(Household.code) == E.household_code)
        .where(col(E.fund_code) == code, col(E.household_code).is_not(None))
        .group_by(
            col(Household.id),
            col(Household.code),
            col(Household.village),
            col(Household.head_name),
            col(Household.id_number),
        )
        .having(net > 0)
        .order_by(Household.village, Household.code)
    ).all()
    categories: dict[int, list[str]] = {}
    if rows:
        from zoufang.models import Category

        for hid, label in session.execute(
            select(col(HouseholdCategory.household_id), col(Category.label))
            .join(Category, col(Category.code) == HouseholdCategory.category_code)
            .where(col(HouseholdCategory.household_id).in_([r.id for r in rows]))
            .order_by(Category.label)
        ):
            categories.setdefault(hid, []).append(label)
    recipients = [
        {
            "no": i,
            "village": r.village,
            "name": r.head_name if reveal else mask_name(r.head_name),
            "id_number": r.id_number if reveal else mask_id_number(r.id_number),
            "categories": categories.get(r.id, []),
            "amount_fen": int(r.amount),
        }
        for i, r in enumerate(rows, 1)
    ]
    return {
        "fund": fund.code,
        "title": _("{fund}: public notice of payments").format(fund=fund.name),
        "source": fund.source,
        "period": [fund.valid_from, fund.valid_to],
        "households": len(recipients),
        "total_fen": sum(r["amount_fen"] for r in recipients),
        "date": today,
        "recipients": recipients,
        # the ledger's head as this notice saw it: posted on a wall, a witness nobody can
        # recall (services.witness)
        "chain_head": chain_head(session).as_dict(),
    }


def plan_notice(
    *, session: LedgerSession, code: str, today: dt.date, before: bool, reveal: bool = False
) -> dict:
    """The notice of a distribution plan, in :func:`fund_notice`'s shape: before payment
    (``before``, 拟发放公示) every line still planned (not removed), with its planned
    amount; after payment the lines paid, with what was paid."""
    from zoufang.services.plan_payments import plan_sheet

    sheet = plan_sheet(session=session, code=code)
    if sheet["status"] == "draft":
        raise RuleViolation(
            "PLAN",
            _("plan {plan} is a draft: it is posted once approved").format(plan=sheet["plan"]),
        )
    wanted = ("unpaid", "paid", "objected") if before else ("paid",)
    chosen = [line for line in sheet["lines"] if line["status"] in wanted]
    categories: dict[int, list[str]] = {}
    if chosen:
        from zoufang.models import Category

        for hid, label in session.execute(
            select(col(HouseholdCategory.household_id), col(Category.label))
            .join(Category, col(Category.code) == HouseholdCategory.category_code)
            .where(col(HouseholdCategory.household_id).in_([x["household_id"] for x in chosen]))
            .order_by(Category.label)
        ):
            categories.setdefault(hid, []).append(label)
    recipients = [
        {
            "no": i,
            "village": x["village"],
            "name": x["name"] if reveal else mask_name(x["name"]),
            "id_number": x["id_number"] if reveal else mask_id_number(x["id_number"]),
            "categories": categories.get(x["household_id"], []),
            "amount_fen": x["amount_fen"] if before else x["paid_fen"],
        }
        for i, x in enumerate(chosen, 1)
    ]
    title = (
        _("{plan}: public notice of planned payments")
        if before
        else _("{plan}: public notice of payments")
    ).format(plan=sheet["name"])
    return {
        "fund": sheet["fund"],
        "plan": sheet["plan"],
        "title": title,
        "source": sheet["source"],
        "period": [sheet["planned_on"], None],
        "households": len(recipients),
        "total_fen": sum(r["amount_fen"] for r in recipients),
        "date": today,
        "minutes": sheet["minutes"],
        "recipients": recipients,
    }

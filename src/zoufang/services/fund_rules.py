"""The rules a payment must keep (SPEC §4), as one pure function used twice.

The write path (:func:`zoufang.services.funds.disburse`) gathers the facts about a payment
it is about to write and refuses it on any violation; the audit
(:func:`zoufang.services.audit_funds.audit_funds`) gathers the same facts from stored rows for
every payment ever written and reports the same violations. One rule book, two readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from zoufang import labels
from zoufang.i18n import N_
from zoufang.parsing import format_money

#: check name → severity in `audit funds`
SEVERITY = {
    "chain": "error",
    "storage": "error",
    "overspend": "error",
    "ineligible": "error",
    "over-cap": "error",
    "out-of-period": "error",
    "inactive-household": "error",
    "conflict-of-interest": "error",
    "duplicate": "error",
    "duplicate-person": "error",
    "override": "warning",
    "no-visit": "warning",
    "fact-chain": "error",
    "backdated": "warning",
    # distribution plans (services/plans.py, services/audit_plans.py)
    "unplanned": "error",
    "over-plan": "error",
    "plan-paid-twice": "error",
}


@dataclass(slots=True)
class PaymentFacts:
    """Everything the rules need to judge one payment, as of just before it."""

    fund_code: str
    household_code: str
    household_name: str
    amount_fen: int
    on: dt.date
    household_status: str
    household_exited_on: dt.date | None
    household_categories: AbstractSet[str]
    fund_categories: AbstractSet[str]
    valid_from: dt.date | None
    valid_to: dt.date | None
    cap_fen: int | None
    received_before_fen: int
    balance_before_fen: int
    related_cadres: list[str] = field(default_factory=list)
    same_day_payments: int = 0
    also_paid_households: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    check: str
    detail: labels.Message  # English for programs (the audit's JSON), translated when shown


def payment_violations(f: PaymentFacts) -> list[Violation]:
    """Every rule of SPEC §4 the payment breaks, each with the figures."""
    m = format_money
    who = {"household": f.household_code, "name": f.household_name}
    out: list[Violation] = []

    def broken(check: str, message: str, **params: object) -> None:
        out.append(Violation(check, labels.Message(message, **params)))

    exited = f.household_status != "active" and (
        f.household_exited_on is None or f.household_exited_on <= f.on
    )
    if exited:
        broken(
            "inactive-household",
            N_("{household} {name} exited on {date}"),
            **who,
            date=f.household_exited_on,
        )
    if not (f.household_categories & f.fund_categories):
        broken(
            "ineligible",
            N_("{household} {name} is {categories}; fund {fund} is for {eligible}"),
            **who,
            categories=_categories(f.household_categories) or labels.Message(N_("in no category")),
            fund=f.fund_code,
            eligible=_categories(f.fund_categories),
        )
    if (f.valid_from and f.on < f.valid_from) or (f.valid_to and f.on > f.valid_to):
        broken(
            "out-of-period",
            N_("{date} is outside fund {fund}'s period {start} to {end}"),
            date=f.on,
            fund=f.fund_code,
            start=f.valid_from or "…",
            end=f.valid_to or "…",
        )
    if f.cap_fen is not None and f.received_before_fen + f.amount_fen > f.cap_fen:
        broken(
            "over-cap",
            N_(
                "over the per-household cap: {name} has received {received} of {cap}; "
                "{amount} would exceed it"
            ),
            name=f.household_name,
            received=m(f.received_before_fen),
            cap=m(f.cap_fen),
            amount=m(f.amount_fen),
        )
    if f.balance_before_fen - f.amount_fen < 0:
        broken(
            "overspend",
            N_("fund {fund} has {balance} left; paying {amount} would leave {after}"),
            fund=f.fund_code,
            balance=m(f.balance_before_fen),
            amount=m(f.amount_fen),
            after=m(f.balance_before_fen - f.amount_fen),
        )
    if f.related_cadres:
        broken(
            "conflict-of-interest",
            N_("paying cadre {cadres} is a relative of {household} {name}"),
            **who,
            cadres=list(f.related_cadres),
        )
    if f.same_day_payments:
        broken(
            "duplicate",
            N_("{household} {name} was already paid from {fund} on {date}"),
            **who,
            fund=f.fund_code,
            date=f.on,
        )
    if f.also_paid_households:
        broken(
            "duplicate-person",
            N_("a person of {household} {name} also belongs to {others}, already paid from {fund}"),
            **who,
            others=list(f.also_paid_households),
            fund=f.fund_code,
        )
    return out


def _categories(codes: AbstractSet[str]) -> list[labels.Code]:
    """Categories in code order, each showing its word (a category read from the ledger
    carries its label)."""
    return [
        c if isinstance(c, labels.Code) else labels.Code(c, labels.CATEGORY) for c in sorted(codes)
    ]

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
    """Every rule of SPEC §4 the payment breaks, each with the figures. (Called for every
    payment the audit replays: what a kept rule costs is a few comparisons, nothing built.)"""
    m = format_money
    out: list[Violation] = []
    on = f.on
    exited_on = f.household_exited_on
    if f.household_status != "active" and (exited_on is None or exited_on <= on):
        _broken(
            out,
            "inactive-household",
            N_("{household} {name} exited on {date}"),
            household=f.household_code,
            name=f.household_name,
            date=exited_on,
        )
    if f.household_categories.isdisjoint(f.fund_categories):
        _broken(
            out,
            "ineligible",
            N_("{household} {name} is {categories}; fund {fund} is for {eligible}"),
            household=f.household_code,
            name=f.household_name,
            categories=_categories(f.household_categories) or labels.Message(N_("in no category")),
            fund=f.fund_code,
            eligible=_categories(f.fund_categories),
        )
    valid_from, valid_to = f.valid_from, f.valid_to
    if (valid_from and on < valid_from) or (valid_to and on > valid_to):
        _broken(
            out,
            "out-of-period",
            N_("{date} is outside fund {fund}'s period {start} to {end}"),
            date=on,
            fund=f.fund_code,
            start=valid_from or "…",
            end=valid_to or "…",
        )
    cap, received, amount = f.cap_fen, f.received_before_fen, f.amount_fen
    if cap is not None and received + amount > cap:
        _broken(
            out,
            "over-cap",
            N_(
                "over the per-household cap: {name} has received {received} of {cap}; "
                "{amount} would exceed it"
            ),
            name=f.household_name,
            received=m(received),
            cap=m(cap),
            amount=m(amount),
        )
    balance = f.balance_before_fen
    if balance - amount < 0:
        _broken(
            out,
            "overspend",
            N_("fund {fund} has {balance} left; paying {amount} would leave {after}"),
            fund=f.fund_code,
            balance=m(balance),
            amount=m(amount),
            after=m(balance - amount),
        )
    if f.related_cadres:
        _broken(
            out,
            "conflict-of-interest",
            N_("paying cadre {cadres} is a relative of {household} {name}"),
            household=f.household_code,
            name=f.household_name,
            cadres=list(f.related_cadres),
        )
    if f.same_day_payments:
        _broken(
            out,
            "duplicate",
            N_("{household} {name} was already paid from {fund} on {date}"),
            household=f.household_code,
            name=f.household_name,
            fund=f.fund_code,
            date=on,
        )
    if f.also_paid_households:
        _broken(
            out,
            "duplicate-person",
            N_("a person of {household} {name} also belongs to {others}, already paid from {fund}"),
            household=f.household_code,
            name=f.household_name,
            others=list(f.also_paid_households),
            fund=f.fund_code,
        )
    return out


def _broken(out: list[Violation], check: str, message: str, **params: object) -> None:
    out.append(Violation(check, labels.Message(message, **params)))


def _categories(codes: AbstractSet[str]) -> list[labels.Code]:
    """Categories in code order, each showing its word (a category read from the ledger
    carries its label)."""
    return [
        c if isinstance(c, labels.Code) else labels.Code(c, labels.CATEGORY) for c in sorted(codes)
    ]

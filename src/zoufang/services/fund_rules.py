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
    detail: str


def payment_violations(f: PaymentFacts) -> list[Violation]:
    """Every rule of SPEC §4 the payment breaks, each with the figures."""
    m = format_money
    out: list[Violation] = []
    exited = f.household_status != "active" and (
        f.household_exited_on is None or f.household_exited_on <= f.on
    )
    if exited:
        out.append(
            Violation(
                "inactive-household",
                f"{f.household_code} {f.household_name} exited on {f.household_exited_on}",
            )
        )
    if not (f.household_categories & f.fund_categories):
        out.append(
            Violation(
                "ineligible",
                f"{f.household_code} {f.household_name} is "
                f"{', '.join(sorted(f.household_categories)) or 'in no category'}; fund "
                f"{f.fund_code} is for {', '.join(sorted(f.fund_categories))}",
            )
        )
    if (f.valid_from and f.on < f.valid_from) or (f.valid_to and f.on > f.valid_to):
        out.append(
            Violation(
                "out-of-period",
                f"{f.on} is outside fund {f.fund_code}'s period "
                f"{f.valid_from or '…'} to {f.valid_to or '…'}",
            )
        )
    if f.cap_fen is not None and f.received_before_fen + f.amount_fen > f.cap_fen:
        out.append(
            Violation(
                "over-cap",
                f"over the per-household cap: {f.household_name} has received "
                f"{m(f.received_before_fen)} of {m(f.cap_fen)}; {m(f.amount_fen)} would exceed it",
            )
        )
    if f.balance_before_fen - f.amount_fen < 0:
        out.append(
            Violation(
                "overspend",
                f"fund {f.fund_code} has {m(f.balance_before_fen)} left; paying {m(f.amount_fen)} "
                f"would leave {m(f.balance_before_fen - f.amount_fen)}",
            )
        )
    if f.related_cadres:
        out.append(
            Violation(
                "conflict-of-interest",
                f"paying cadre {', '.join(f.related_cadres)} is a relative of {f.household_code} "
                f"{f.household_name}",
            )
        )
    if f.same_day_payments:
        out.append(
            Violation(
                "duplicate",
                f"{f.household_code} {f.household_name} was already paid from {f.fund_code} on "
                f"{f.on}",
            )
        )
    if f.also_paid_households:
        out.append(
            Violation(
                "duplicate-person",
                f"a person of {f.household_code} {f.household_name} also belongs to "
                f"{', '.join(f.also_paid_households)}, already paid from {f.fund_code}",
            )
        )
    return out

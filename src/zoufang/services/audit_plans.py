"""`audit funds`' findings about distribution plans (docs/funds.md, "Distribution plans").

From the stored rows, trusting nothing the write path checked:

* ``over-plan`` — a payment linked to a plan line paid more than the line plans;
* ``plan-paid-twice`` — a plan line paid by more than one payment (none reversed);
* ``unplanned`` — a payment from a fund created with ``--requires-plan`` that pays no line
  of an approved plan.

Payments later reversed are left out, as the rules' findings leave them out.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from zoufang.i18n import N_
from zoufang.labels import Message
from zoufang.parsing import format_money
from zoufang.services.audit_findings import Finding, finding
from zoufang.tables import fund as F
from zoufang.tables import ledger_entry as E
from zoufang.tables import plan as P
from zoufang.tables import plan_event as PE
from zoufang.tables import plan_line as PL
from zoufang.tables import plan_payment as PP


def plan_findings(conn, upto: int) -> list[Finding]:
    """Every plan finding about the entries up to ``upto``, in entry order."""
    reversed_seqs = select(E.c.reverses_seq).where(E.c.reverses_seq.is_not(None))
    approved = exists().where(PE.c.plan_id == P.c.id, PE.c.kind == "approve")
    any_link = conn.execute(select(PP.c.entry_seq).limit(1)).first() is not None
    links = (
        []
        if not any_link
        else conn.execute(
            select(
                E.c.seq,
                E.c.fund_code,
                E.c.household_code,
                E.c.amount_fen,
                PL.c.id,
                PL.c.household_code,
                PL.c.amount_fen,
                P.c.code,
                approved.label("approved"),
            )
            .join(PP, PP.c.entry_seq == E.c.seq)
            .join(PL, PL.c.id == PP.c.plan_line_id)
            .join(P, P.c.id == PL.c.plan_id)
            .where(E.c.seq <= upto, E.c.kind == "disburse", E.c.seq.not_in(reversed_seqs))
            .order_by(E.c.seq)
        ).all()
    )
    found: list[tuple[int, Finding]] = []
    first_payment: dict[int, int] = {}
    planned: set[int] = set()
    for seq, fund, household, amount, line_id, line_household, line_amount, plan, ok in links:
        if ok and line_household == household:  # a link to another's line plans nothing
            planned.add(seq)
        if amount > line_amount:
            found.append(
                (
                    seq,
                    finding(
                        "over-plan",
                        Message(
                            N_(
                                "entry {entry} paid {household} {amount} on plan {plan}, "
                                "which plans {planned}"
                            ),
                            entry=seq,
                            household=household,
                            amount=format_money(amount),
                            plan=plan,
                            planned=format_money(line_amount),
                        ),
                        fund=fund,
                        entry=seq,
                        household=household,
                    ),
                )
            )
        if line_id in first_payment:
            found.append(
                (
                    seq,
                    finding(
                        "plan-paid-twice",
                        Message(
                            N_(
                                "entry {entry} paid {household}'s line of plan {plan} again "
                                "(entry {first} paid it)"
                            ),
                            entry=seq,
                            household=household,
                            plan=plan,
                            first=first_payment[line_id],
                        ),
                        fund=fund,
                        entry=seq,
                        household=household,
                    ),
                )
            )
        else:
            first_payment[line_id] = seq
    # Most ledgers have no such fund: then nothing more is read (a county has 200,000 entries).
    strict = list(conn.execute(select(F.c.code).where(F.c.requires_plan.is_(True))).scalars())
    unplanned = (
        []
        if not strict
        else conn.execute(
            select(E.c.seq, E.c.fund_code, E.c.household_code, E.c.amount_fen)
            .where(
                E.c.fund_code.in_(strict),
                E.c.seq <= upto,
                E.c.kind == "disburse",
                E.c.seq.not_in(reversed_seqs),
            )
            .order_by(E.c.seq)
        ).all()
    )
    for seq, fund, household, amount in unplanned:
        if seq in planned:
            continue
        found.append(
            (
                seq,
                finding(
                    "unplanned",
                    Message(
                        N_(
                            "entry {entry} paid {household} {amount} from fund {fund}, which "
                            "pays only the lines of approved plans, and pays none"
                        ),
                        entry=seq,
                        household=household,
                        amount=format_money(amount),
                        fund=fund,
                    ),
                    fund=fund,
                    entry=seq,
                    household=household,
                ),
            )
        )
    return [f for _seq, f in sorted(found, key=lambda pair: pair[0])]

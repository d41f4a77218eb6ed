"""`audit funds`' replay: every fund's entries in sequence order, judged by the rule book.

Balances, per-household totals and same-day payments are rebuilt as each entry is read, and
every payment judged with them as they stood just before it, by the write path's own rules
(:func:`zoufang.services.fund_rules.payment_violations`). A payment written with
``--override`` is one ``override`` warning in place of the rules it broke. Entries are plain
tuples in :data:`zoufang.services.audit_funds.REPLAY_COLUMNS` order, dates already dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import attrgetter

from zoufang.i18n import N_
from zoufang.labels import CHECK, Code, Message
from zoufang.parsing import format_money
from zoufang.services.audit_findings import Finding, finding
from zoufang.services.audit_funds_facts import Facts
from zoufang.services.fact_history import payment_as_of
from zoufang.services.fund_rules import PaymentFacts, payment_violations


@dataclass
class Replay:
    """What replaying the funds found, before the visits are known (they come with the
    chain check, from the second process)."""

    malformed: list[Finding]  # entries no kind of entry can be
    events: list[Finding]  # payments naming a missing household or fund; overspent reversals
    judged: dict[int, tuple[list, str]]  # payment → (rules broken, household name) if any
    skipped: set[int]  # payments that could not be judged (see events)
    totals: dict[str, tuple[int, int, int]]  # fund → (allocated, disbursed, entries), net


def replay_funds(facts: Facts, rows: list[tuple], entry) -> Replay:
    """Every entry in sequence order, fund by fund (funds share no balance, total or
    same-day count): malformed entries, overspent balances, and every rule each payment
    breaks, judged with the balances and totals as they were just before it."""
    out = Replay([], [], {}, set(), {})
    by_fund: dict[str, list[tuple]] = {}
    for row in rows:
        entries = by_fund.get(row[1])
        if entries is None:
            entries = by_fund[row[1]] = []
        entries.append(row)
    for fcode, entries in by_fund.items():
        _replay_fund(facts, fcode, entries, entry, out)
    # stable: back in entry order (each of these findings names its entry)
    out.malformed.sort(key=attrgetter("entry"))
    out.events.sort(key=attrgetter("entry"))
    return out


def _replay_fund(facts: Facts, fcode: str, entries: list[tuple], entry, out: Replay) -> None:
    """One fund's entries, in sequence order, into ``out`` (``entry``: any entry by seq)."""
    households, sharing, history = facts.households, facts.sharing, facts.history
    suspects, visit_cadres = facts.suspects, facts.visit_cadres
    malformed, events, judged = out.malformed, out.events, out.judged
    fund = facts.funds.get(fcode)
    balance = allocated = disbursed = 0  # disbursed: payments less their reversals
    received: dict[str, int] = {}  # household → net amount received so far
    paid_on: dict[tuple[str, dt.date], int] = {}  # (household, day) → payments that day
    for row in entries:
        seq, _, kind, amount, hcode, visit_id, on, cadre, override, reverses = row
        if kind == "disburse":
            disbursed += amount
            if amount <= 0 or not hcode:
                malformed.append(_malformed(row))
            h = households.get(hcode)
            if h is None or fund is None:
                events.append(
                    finding(
                        "chain",
                        Message(
                            N_("payment {entry} names a missing household")
                            if h is None
                            else N_("payment {entry} names a missing fund"),
                            entry=seq,
                        ),
                        fund=fcode,
                        entry=seq,
                        household=hcode,
                    )
                )
                out.skipped.add(seq)
                continue
            name = h[0]
            payers: list | tuple = ()
            if suspects and hcode in suspects:
                present = {cadre} | visit_cadres.get(visit_id, set())
                present.discard(None)
                payers = sorted(present)
            # the facts in force on the payment's day, as known when it was written
            now = payment_as_of(
                history,
                fund=fcode,
                household=hcode,
                on=on,
                before=seq,
                cadres=payers,
                others=sharing.get(hcode, ()) if sharing else (),
            )
            # "paid" as the write path judges it: a net amount received (not all reversed)
            also = now.sharing
            if also:
                also = [o for o in also if received.get(o, 0) > 0]
            day = (hcode, on)
            before, same_day = received.get(hcode, 0), paid_on.get(day, 0)
            # PaymentFacts' fields in their order (positional: faster, once per payment)
            violations = payment_violations(
                PaymentFacts(
                    fcode,
                    hcode,
                    name,
                    amount,
                    on,
                    now.status,
                    now.exited_on,
                    now.categories,
                    now.fund_categories,
                    now.valid_from,
                    now.valid_to,
                    now.cap_fen,
                    before,
                    balance,
                    now.related_cadres,
                    same_day,
                    also,
                )
            )
            if violations or override:
                judged[seq] = (violations, name)
            balance -= amount
            received[hcode] = before + amount
            paid_on[day] = same_day + 1
        elif kind == "allocate":
            if amount <= 0 or hcode:
                malformed.append(_malformed(row))
            allocated += amount
            balance += amount
        elif kind == "reverse":
            if amount <= 0:
                malformed.append(_malformed(row))
            if hcode:
                disbursed -= amount
                balance += amount
                received[hcode] = received.get(hcode, 0) - amount
                target = entry(reverses)
                if target is not None:
                    day = (hcode, target[6])
                    paid_on[day] = paid_on.get(day, 0) - 1
            else:
                allocated -= amount
                balance -= amount
                if balance < 0:
                    events.append(
                        finding(
                            "overspend",
                            Message(
                                N_("reversing allocation {target} left fund {fund} at {balance}"),
                                target=reverses,
                                fund=fcode,
                                balance=format_money(balance),
                            ),
                            fund=fcode,
                            entry=seq,
                            household=hcode,
                        )
                    )
        else:
            malformed.append(_malformed(row))
            if hcode:  # the fund totals count an unknown kind as a reversal, as they always did
                disbursed -= amount
            else:
                allocated -= amount
    out.totals[fcode] = (allocated, disbursed, len(entries))


def replay_findings(
    replay: Replay, entry, unvisited: set[int], reversed_by: dict[int, int], facts: Facts
) -> list[Finding]:
    """The replay's findings in entry order, each payment's with the visit check added
    (``unvisited``: the payments with no visit to the household that day)."""
    findings = list(replay.events)
    no_visit = {seq for seq in unvisited if seq not in replay.skipped and seq not in replay.judged}
    for seq in replay.judged.keys() | no_visit:
        row = entry(seq)
        if row is None or row[2] != "disburse":  # not a payment the replay could read
            continue
        violations, name = replay.judged.get(seq) or ([], facts.households[row[4]][0])
        findings += _payment_findings(
            row, violations, seq in reversed_by, seq not in unvisited, name
        )
    # stable: a payment's own findings keep their order (each names its entry)
    findings.sort(key=attrgetter("entry"))
    return findings


def _malformed(row: tuple) -> Finding:
    seq, fcode, kind, amount, hcode = row[:5]
    return finding(
        "chain",
        Message(
            N_("entry {entry} is malformed ({kind}, {amount} fen)"),
            entry=seq,
            kind=kind,
            amount=amount,
        ),
        fund=fcode,
        entry=seq,
        household=hcode,
    )


def _payment_findings(
    row: tuple, violations: list, reversed_: bool, visited: bool, name: str
) -> list[Finding]:
    """What the audit reports about one payment: the rules it broke (only the balance if
    it was reversed since), or one override warning; and a payment made without a visit."""
    seq, fcode, _, _, hcode, _, on, _, override, _ = row
    if reversed_:
        # money that came back: only what it did to the balance at the time counts
        violations = [v for v in violations if v.check == "overspend"]
    where = {"fund": fcode, "entry": seq, "household": hcode}
    if override:
        # an override sets a rule aside, but never the balance: a ring-fenced fund is never
        # overdrawn, whatever reason the entry gives
        overdraft = [v for v in violations if v.check == "overspend"]
        violations = [v for v in violations if v.check != "overspend"]
        broke = [Code(v.check, CHECK) for v in violations] or Message(N_("no rule"))
        found = [finding(v.check, v.detail, **where) for v in overdraft] + [
            finding(
                "override",
                Message(
                    N_('written with --override "{reason}" (broke: {broke})'),
                    reason=override,
                    broke=broke,
                ),
                **where,
            )
        ]
    else:
        found = [finding(v.check, v.detail, **where) for v in violations]
    if not reversed_ and not visited:
        found.append(
            finding(
                "no-visit",
                Message(
                    N_("cash paid to {household} {name} on {date} with no visit recorded that day"),
                    household=hcode,
                    name=name,
                    date=on,
                ),
                **where,
            )
        )
    return found

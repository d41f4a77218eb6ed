"""`audit funds` and `audit visits`: re-check the ledger from stored rows.

The audit trusts nothing the write path checked. It recomputes the hash chain, replays every
fund's entries in sequence order (balances, per-household totals, same-day payments) and
judges every payment with the same rule book as the write path
(:func:`zoufang.services.fund_rules.payment_violations`). A payment written with
``--override`` is listed as one ``override`` warning in place of the rules it broke.

Findings have the shape ``{"check", "severity", "fund", "entry", "household", "detail"}``;
any finding of severity ``error`` makes the audit fail (exit 1).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import select, text
from sqlmodel import Session

from zoufang.models import (
    Assignment,
    Cadre,
    CadreRelative,
    Category,
    Commitment,
    CommitmentResponse,
    Fund,
    FundCategory,
    Household,
    HouseholdCategory,
    Member,
    Visit,
    VisitCadre,
    VisitItem,
)
from zoufang.parsing import format_money
from zoufang.services import ledger
from zoufang.services.fund_rules import SEVERITY, PaymentFacts, payment_violations


@dataclass
class Finding:
    check: str
    severity: str
    fund: str | None
    entry: int | None
    household: str | None
    detail: str


def _finding(check: str, detail: str, *, fund=None, entry=None, household=None,
             severity: str | None = None) -> Finding:
    return Finding(check, severity or SEVERITY.get(check, "error"), fund, entry, household, detail)


def storage_findings(session: Session) -> list[Finding]:
    """The database's own integrity and foreign-key checks (SQLite)."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    found = []
    for (line,) in session.execute(text("PRAGMA integrity_check")).all():
        if line != "ok":
            found.append(_finding("storage", f"integrity check: {line}"))
    for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check")).all():
        found.append(_finding("storage", f"{table} row {rowid} points to a missing {parent} row"))
    return found


def audit_funds(
    *, session: Session, fund: str | None = None, anchor: ledger.ChainHead | None = None,
) -> dict:
    findings = storage_findings(session)
    # Rows as stored, without the ORM's type conversion: a date or number a tamperer
    # replaced with nonsense must become a finding, not stop the audit.
    stored = [dict(r) for r in session.execute(
        text("SELECT * FROM ledger_entry ORDER BY seq")).mappings()]

    # 1. the chain
    count, head, problems = ledger.verify_chain(stored)
    findings += [_finding("chain", p.detail, entry=p.seq) for p in problems]
    rows: list[dict] = []
    for r in stored:
        typed, wrong = _typed(r)
        if typed is not None:
            rows.append(typed)
        elif r["seq"] not in {p.seq for p in problems}:  # hashed over nonsense: still wrong
            findings.append(_finding("chain", f"entry {r['seq']} holds {wrong}, which no "
                                              "entry can", fund=r.get("fund_code"),
                                     entry=r["seq"], household=r.get("household_code")))
    by_seq = {r["seq"]: r for r in rows}
    if anchor is not None:
        anchored = by_seq.get(anchor.seq)
        if anchored is None:
            findings.append(_finding("chain", f"anchor entry {anchor.seq} no longer exists "
                                              f"(the ledger has {count} entries)", entry=anchor.seq))
        elif anchored["hash"] != anchor.hash:
            findings.append(_finding("chain", f"history up to entry {anchor.seq} was rewritten: "
                                              f"its hash is now {anchored['hash'][:12]}…, "
                                              f"the anchor says {anchor.hash[:12]}…",
                                     entry=anchor.seq))

    # 2. reversals must name one earlier, non-reversal entry, once, and copy it
    reversed_by: dict[int, int] = {}
    for r in rows:
        if r["kind"] != "reverse":
            continue
        target = by_seq.get(r["reverses_seq"]) if r["reverses_seq"] is not None else None
        where = {"fund": r["fund_code"], "entry": r["seq"], "household": r["household_code"]}
        if target is None:
            findings.append(_finding("chain", f"reversal {r['seq']} names entry "
                                              f"{r['reverses_seq']}, which does not exist", **where))
            continue
        if target["kind"] == "reverse" or target["seq"] >= r["seq"]:
            findings.append(_finding("chain", f"reversal {r['seq']} undoes entry {target['seq']}, "
                                              "which is a reversal or comes later", **where))
        if target["seq"] in reversed_by:
            findings.append(_finding("chain", f"entry {target['seq']} is reversed twice (by "
                                              f"{reversed_by[target['seq']]} and {r['seq']})", **where))
            continue
        if (target["fund_code"], target["household_code"], target["amount_fen"]) != (
                r["fund_code"], r["household_code"], r["amount_fen"]):
            findings.append(_finding("chain", f"reversal {r['seq']} does not match entry "
                                              f"{target['seq']} (fund, household or amount)", **where))
        reversed_by[target["seq"]] = r["seq"]
    for r in rows:
        if r["kind"] not in ("allocate", "disburse", "reverse") or r["amount_fen"] <= 0 or (
                r["kind"] == "disburse" and not r["household_code"]) or (
                r["kind"] == "allocate" and r["household_code"]):
            findings.append(_finding("chain", f"entry {r['seq']} is malformed ({r['kind']}, "
                                              f"{r['amount_fen']} fen)", fund=r["fund_code"],
                                     entry=r["seq"], household=r["household_code"]))

    # 3. replay every fund and judge every payment
    findings += _replay(session, rows, reversed_by, fund)
    if fund is not None:
        findings = [f for f in findings if f.fund in (None, fund) or f.check in ("chain", "storage")]
    ok = not any(f.severity == "error" for f in findings)
    return {
        "ok": ok,
        "entries_checked": count,
        "head": head.as_dict(),
        "findings": [asdict(f) for f in findings],
        "funds": _fund_summaries(session, rows, fund),
    }


def _typed(row: dict) -> tuple[dict | None, str]:
    """A stored row with real dates and integers, or (None, what is wrong with it)."""
    out = dict(row)
    for key in ("seq", "amount_fen", "visit_id", "reverses_seq"):
        value = row[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return None, f"{key} {value!r}"
    if row["seq"] is None or row["amount_fen"] is None:
        return None, "no seq or amount"
    value = row["entry_date"]
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            return None, f"entry_date {value!r}"
    out["entry_date"] = value
    return out, ""


def _replay(session: Session, rows: list[dict], reversed_by: dict[int, int],
            only_fund: str | None) -> list[Finding]:
    funds = {f.code: f for f in session.execute(select(Fund)).scalars()}
    fund_cats: dict[str, set[str]] = defaultdict(set)
    for code, cat in session.execute(select(FundCategory.fund_code, FundCategory.category_code)):
        fund_cats[code].add(cat)
    paid_codes = {r["household_code"] for r in rows if r["household_code"]}
    H = Household
    households = {
        h.code: h for h in session.execute(
            select(H.id, H.code, H.head_name, H.status, H.exited_on, H.id_number)
            .where(H.code.in_(paid_codes))).all()
    } if paid_codes else {}
    id_to_code = {h.id: h.code for h in households.values()}
    cats: dict[str, set[str]] = defaultdict(set)
    persons: dict[str, set[str]] = defaultdict(set)
    for h in households.values():
        persons[h.code].add(h.id_number)
    if households:
        ids = list(id_to_code)
        for hid, cat in session.execute(select(HouseholdCategory.household_id,
                                               HouseholdCategory.category_code)
                                        .where(HouseholdCategory.household_id.in_(ids))):
            cats[id_to_code[hid]].add(cat)
        for hid, number in session.execute(select(Member.household_id, Member.id_number)
                                           .where(Member.household_id.in_(ids),
                                                  Member.id_number.is_not(None))):
            persons[id_to_code[hid]].add(number)
    # who holds each ID number among paid households (head or member)
    holders: dict[str, set[str]] = defaultdict(set)
    for code, numbers in persons.items():
        for number in numbers:
            holders[number].add(code)
    relatives_by_cadre: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for cadre_code, hcode, number in session.execute(
        select(Cadre.code, Household.code, CadreRelative.id_number)
        .join(CadreRelative, CadreRelative.cadre_id == Cadre.id)
        .outerjoin(Household, Household.id == CadreRelative.household_id)):
        if hcode:
            relatives_by_cadre[cadre_code][0].add(hcode)
        if number:
            relatives_by_cadre[cadre_code][1].add(number)
    visit_cadres: dict[int, set[str]] = defaultdict(set)
    visit_ids = {r["visit_id"] for r in rows if r["visit_id"]}
    if visit_ids:
        for vid, code in session.execute(select(VisitCadre.visit_id, Cadre.code)
                                         .join(Cadre, Cadre.id == VisitCadre.cadre_id)
                                         .where(VisitCadre.visit_id.in_(visit_ids))):
            visit_cadres[vid].add(code)
    visited: set[tuple[str, dt.date]] = set()
    if households:
        for code, day in session.execute(
            select(Household.code, Visit.visit_date).join(Household, Household.id == Visit.household_id)
            .where(Household.code.in_(list(households)))):
            visited.add((code, day))

    findings: list[Finding] = []
    balance: dict[str, int] = defaultdict(int)
    received: dict[tuple[str, str], int] = defaultdict(int)
    paid_on: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for r in rows:
        fcode, hcode, amount, kind = r["fund_code"], r["household_code"], r["amount_fen"], r["kind"]
        where = {"fund": fcode, "entry": r["seq"], "household": hcode}
        if kind == "allocate":
            balance[fcode] += amount
        elif kind == "reverse":
            if hcode:
                balance[fcode] += amount
                received[(fcode, hcode)] -= amount
                target = rows_by_seq_get(rows, r["reverses_seq"])
                if target is not None:
                    paid_on[(fcode, hcode, target["entry_date"])] -= 1
            else:
                balance[fcode] -= amount
                if balance[fcode] < 0:
                    findings.append(_finding("overspend", f"reversing allocation "
                                             f"{r['reverses_seq']} left fund {fcode} at "
                                             f"{format_money(balance[fcode])}", **where))
        elif kind == "disburse":
            h = households.get(hcode)
            fund = funds.get(fcode)
            if h is None or fund is None:
                findings.append(_finding("chain", f"payment {r['seq']} names a missing "
                                                  f"{'household' if h is None else 'fund'}", **where))
                continue
            payers = {r["cadre_code"]} | visit_cadres.get(r["visit_id"], set())
            payers.discard(None)
            related = sorted(c for c in payers if hcode in relatives_by_cadre[c][0]
                             or relatives_by_cadre[c][1] & persons[hcode])
            # "paid" as the write path judges it: a net amount received (not all reversed)
            also = sorted({other for number in persons[hcode] for other in holders[number]
                           if other != hcode and received[(fcode, other)] > 0})
            facts = PaymentFacts(
                fund_code=fcode, household_code=hcode, household_name=h.head_name,
                amount_fen=amount, on=r["entry_date"], household_status=h.status,
                household_exited_on=h.exited_on, household_categories=cats[hcode],
                fund_categories=fund_cats[fcode], valid_from=fund.valid_from,
                valid_to=fund.valid_to, cap_fen=fund.cap_fen,
                received_before_fen=received[(fcode, hcode)], balance_before_fen=balance[fcode],
                related_cadres=related, same_day_payments=paid_on[(fcode, hcode, r["entry_date"])],
                also_paid_households=also,
            )
            violations = payment_violations(facts)
            if r["seq"] in reversed_by:
                # money that came back: only what it did to the balance at the time counts
                violations = [v for v in violations if v.check == "overspend"]
            if r["override_reason"]:
                broke = ", ".join(v.check for v in violations) or "no rule"
                findings.append(_finding("override", f"written with --override "
                                         f"\"{r['override_reason']}\" (broke: {broke})", **where))
            else:
                findings += [_finding(v.check, v.detail, **where) for v in violations]
            if r["seq"] not in reversed_by and (hcode, r["entry_date"]) not in visited:
                findings.append(_finding("no-visit", f"cash paid to {hcode} {h.head_name} on "
                                         f"{r['entry_date']} with no visit recorded that day",
                                         **where))
            balance[fcode] -= amount
            received[(fcode, hcode)] += amount
            paid_on[(fcode, hcode, r["entry_date"])] += 1
    return findings


def rows_by_seq_get(rows: list[dict], seq: int | None) -> dict | None:
    """Entries are contiguous from 1 when the chain is intact; fall back to a search."""
    if seq is None or seq < 1:
        return None
    if seq <= len(rows) and rows[seq - 1]["seq"] == seq:
        return rows[seq - 1]
    return next((r for r in rows if r["seq"] == seq), None)


def _fund_summaries(session: Session, rows: list[dict], only: str | None) -> list[dict]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        t = totals[r["fund_code"]]
        t[2] += 1
        if r["kind"] == "allocate":
            t[0] += r["amount_fen"]
        elif r["kind"] == "disburse":
            t[1] += r["amount_fen"]
        elif r["household_code"]:
            t[1] -= r["amount_fen"]
        else:
            t[0] -= r["amount_fen"]
    out = []
    for f in session.execute(select(Fund.code, Fund.name).order_by(Fund.code)).all():
        if only and f.code != only:
            continue
        a, d, n = totals[f.code]
        out.append({"fund": f.code, "name": f.name, "entries": n, "allocated_fen": a,
                    "disbursed_fen": d, "balance_fen": a - d})
    return out


# ---------------------------------------------------------------------------- visits


def audit_visits(*, session: Session, today: dt.date) -> dict:
    """Coverage: never-visited, long-overdue, check-in visits, unanswered commitments,
    cadres with households but no visits."""
    from sqlalchemy import exists, func

    findings: list[Finding] = []
    H = Household
    cadence = dict(session.execute(
        select(HouseholdCategory.household_id, func.min(Category.cadence_days))
        .join(Category, Category.code == HouseholdCategory.category_code)
        .group_by(HouseholdCategory.household_id)).all())
    for h in session.execute(select(H.id, H.code, H.head_name, H.enrolled_on, H.last_visit_on,
                                    H.due_date, H.cadence_days).where(H.status == "active")
                             .order_by(H.code)).all():
        days = h.cadence_days or cadence.get(h.id) or 30
        late = (today - h.due_date).days if h.due_date else 0
        if h.last_visit_on is None:
            if (today - h.enrolled_on).days > days:
                findings.append(_finding("never-visited", f"{h.code} {h.head_name} enrolled "
                                         f"{h.enrolled_on}, never visited", household=h.code,
                                         severity="error"))
        elif late > days:
            findings.append(_finding("overdue", f"{h.code} {h.head_name} last visited "
                                     f"{h.last_visit_on}, {late} days overdue (cadence {days})",
                                     household=h.code, severity="error"))
    has_items = exists().where(VisitItem.visit_id == Visit.id, VisitItem.kind != "gift")
    has_needs = exists().where(Commitment.visit_id == Visit.id)
    for vid, code, day in session.execute(
        select(Visit.id, Household.code, Visit.visit_date)
        .join(Household, Household.id == Visit.household_id)
        .where((Visit.notes.is_(None)) | (Visit.notes == ""), ~has_items, ~has_needs)
        .order_by(Visit.visit_date, Visit.id)):
        findings.append(_finding("check-in", f"visit {vid} to {code} on {day} recorded nothing "
                                 "heard (no notes, needs, suggestions or wishes)",
                                 household=code, severity="warning"))
    answered = exists().where(CommitmentResponse.commitment_id == Commitment.id)
    for cid, code, text_, due in session.execute(
        select(Commitment.id, Household.code, Commitment.text, Commitment.due_date)
        .join(Household, Household.id == Commitment.household_id)
        .where(Commitment.due_date < today, Commitment.status == "open", ~answered)
        .order_by(Commitment.due_date)):
        findings.append(_finding("unanswered", f"commitment {cid} \"{text_}\" was due {due} and "
                                 "has no response", household=code, severity="error"))
    visiting = select(VisitCadre.cadre_id)
    for code, name, n in session.execute(
        select(Cadre.code, Cadre.name, func.count(Assignment.household_id))
        .join(Assignment, Assignment.cadre_id == Cadre.id)
        .where(Cadre.id.not_in(visiting)).group_by(Cadre.code, Cadre.name)
        .order_by(Cadre.code)):
        findings.append(_finding("idle-cadre", f"cadre {code} {name} has {n} households and no "
                                 "visits", severity="warning"))
    checked = session.execute(select(func.count()).select_from(H)).scalar_one()
    return {
        "ok": not any(f.severity == "error" for f in findings),
        "entries_checked": checked,
        "head": None,
        "findings": [asdict(f) for f in findings],
    }

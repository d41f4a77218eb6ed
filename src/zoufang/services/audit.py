"""`audit funds` and `audit visits`: re-check the ledger from stored rows.

The audit trusts nothing the write path checked. It recomputes the hash chain, replays every
fund's entries in sequence order (balances, per-household totals, same-day payments) and
judges every payment with the same rule book as the write path
(:func:`zoufang.services.fund_rules.payment_violations`). A payment written with
``--override`` is listed as one ``override`` warning in place of the rules it broke.

Findings have the shape ``{"check", "severity", "fund", "entry", "household", "detail"}``;
any finding of severity ``error`` makes the audit fail (exit 1).

At county scale (200,000+ entries) `audit funds` is a few seconds: it reads with SQLAlchemy
Core (the few columns below, not the SQLModel classes, which it never imports), takes the
ledger rows as plain tuples, lets the database find each payment's visit (one indexed
query), and loads only the facts the rules can need — households that were paid, and the
cadres present at a payment only for households that have a cadre's relative. SQLite's
own checks cover the tables the audit reads (:data:`AUDITED_TABLES`); the whole file's
``integrity_check`` (ten seconds for a county) is `zoufang db check`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import (
    String,
    exists,
    or_,
    select,
    type_coerce,
)

from zoufang.db import driver_rows, read_by_mmap
from zoufang.parsing import format_money
from zoufang.services import ledger
from zoufang.services.fund_rules import SEVERITY, PaymentFacts, payment_violations
from zoufang.tables import cadre as _cadre
from zoufang.tables import cadre_relative as _cadre_relative
from zoufang.tables import fund as _fund
from zoufang.tables import fund_category as _fund_category
from zoufang.tables import household as _household
from zoufang.tables import household_category as _household_category
from zoufang.tables import ledger_entry as _entry
from zoufang.tables import member as _member
from zoufang.tables import visit as _visit
from zoufang.tables import visit_cadre as _visit_cadre

#: The tables `audit funds` reads: SQLite's quick_check runs on each, and its
#: foreign_key_check on all but ledger_entry, whose references the replay checks itself from
#: the rows it loads anyway (a third of the audit's time at county scale otherwise).
AUDITED_TABLES = ("ledger_entry", "fund", "fund_category", "household_category", "member",
                  "cadre_relative")
FOREIGN_KEYS_CHECKED = tuple(t for t in AUDITED_TABLES if t != "ledger_entry")
#: Every column of ledger_entry, as stored (no type conversion: see audit_funds).
LEDGER_COLUMNS = ledger.STORED_COLUMNS



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


def storage_findings(session, tables: tuple[str, ...] | None = None,
                     foreign_keys: tuple[str, ...] | None = None) -> list[Finding]:
    """The database's own checks (SQLite): of the whole file (``integrity_check`` and every
    foreign key), or of ``tables`` (``quick_check``, which skips comparing every index with
    its table) and the foreign keys of ``foreign_keys``."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return []
    found = []
    checks = ["PRAGMA integrity_check"] if tables is None else [
        f'PRAGMA quick_check("{t}")' for t in tables]
    for pragma in checks:
        for (line,) in conn.exec_driver_sql(pragma).all():
            if line != "ok":
                found.append(_finding("storage", f"integrity check: {line}"))
    for pragma in (["PRAGMA foreign_key_check"] if tables is None else [
            f'PRAGMA foreign_key_check("{t}")' for t in foreign_keys or ()]):
        for table, rowid, parent, _ in conn.exec_driver_sql(pragma).all():
            found.append(_finding("storage",
                                  f"{table} row {rowid} points to a missing {parent} row"))
    return found


def audit_funds(
    *, session, fund: str | None = None, anchor: ledger.ChainHead | None = None,
) -> dict:
    conn = session.connection()
    read_by_mmap(conn)
    findings = storage_findings(session, AUDITED_TABLES, FOREIGN_KEYS_CHECKED)
    # Rows as stored, without type conversion: a date or number a tamperer replaced with
    # nonsense must become a finding, not stop the audit.
    result = conn.exec_driver_sql(
        f"SELECT {', '.join(LEDGER_COLUMNS)} FROM ledger_entry ORDER BY seq")
    raw = result.cursor.fetchall()
    result.close()

    # 1. the chain
    count, head, problems = ledger.verify_chain(raw)
    findings += [_finding("chain", p.detail, entry=p.seq) for p in problems]
    flagged = {p.seq for p in problems}
    stored = [dict(zip(LEDGER_COLUMNS, row, strict=True)) for row in raw]
    del raw
    rows: list[dict] = []
    dates: dict = {}  # entry dates as stored → dates (a few hundred distinct values)
    for r in stored:
        wrong = _typed(r, dates)
        if not wrong:
            rows.append(r)
        elif r["seq"] not in flagged:  # hashed over nonsense: still wrong
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
    facts = _load_facts(conn, rows)
    findings += _replay(facts, rows, reversed_by)
    if conn.dialect.name == "sqlite":  # PostgreSQL enforces foreign keys (see db check)
        findings += _dangling_references(facts, stored, by_seq)
    if fund is not None:
        findings = [f for f in findings if f.fund in (None, fund) or f.check in ("chain", "storage")]
    ok = not any(f.severity == "error" for f in findings)
    return {
        "ok": ok,
        "entries_checked": count,
        "head": head.as_dict(),
        "findings": [asdict(f) for f in findings],
        "funds": _fund_summaries(conn, rows, fund),
    }


def _typed(row: dict, dates: dict) -> str:
    """Give a stored row real dates (in place; ``dates`` remembers each one converted); or
    say what is wrong with it."""
    for key in ("seq", "amount_fen", "visit_id", "reverses_seq"):
        value = row[key]
        if value is not None and type(value) is not int and (
                isinstance(value, bool) or not isinstance(value, int)):
            return f"{key} {value!r}"
    if row["seq"] is None or row["amount_fen"] is None:
        return "no seq or amount"
    value = row["entry_date"]
    date = dates.get(value) if type(value) is str else None  # not 20260120 == 20260120.0
    if date is not None:
        row["entry_date"] = date
    elif not isinstance(value, dt.date):
        try:
            row["entry_date"] = dt.date.fromisoformat(str(value))
            if type(value) is str:
                dates[value] = row["entry_date"]
        except (ValueError, TypeError):
            return f"entry_date {value!r}"
    return ""


_NO_RELATIVES: tuple[frozenset, frozenset] = (frozenset(), frozenset())


@dataclass
class _Facts:
    """What the rules need besides the entries, loaded in a few whole-table reads."""

    funds: dict[str, tuple]  # code → (valid_from, valid_to, cap_fen)
    fund_cats: dict[str, set[str]]
    households: dict[str, tuple]  # code → (name, status, exited_on), every household
    cats: dict[str, set[str]]  # paid household → its categories
    persons: dict[str, set[str]]  # paid household → ID numbers of its head and members
    sharing: dict[str, set[str]]  # paid household → other paid households sharing a person
    relatives: dict[str, tuple[set[str], set[str]]]  # cadre → (households, ID numbers)
    suspects: set[str]  # paid households with some cadre's relative in them
    visit_cadres: dict[int, set[str]]  # visit → cadres present (for suspects only)
    visited: set[int]  # payments with a visit to that household on that day
    dangling_visits: set[int]  # entries naming a visit that does not exist
    cadres: set[str]


def _load_facts(conn, rows: list[dict]) -> _Facts:
    # Whole tables, fetched at once as plain tuples: cheaper than asking the database for
    # the paid households one by one, or reading result rows one at a time by name.
    F, FC, H, HC, M = _fund, _fund_category, _household, _household_category, _member
    funds = {code: (valid_from, valid_to, cap) for code, valid_from, valid_to, cap in
             conn.execute(select(F.c.code, F.c.valid_from, F.c.valid_to, F.c.cap_fen)).all()}
    fund_cats: dict[str, set[str]] = defaultdict(set)
    for code, cat in conn.execute(select(FC.c.fund_code, FC.c.category_code)).all():
        fund_cats[code].add(cat)
    paid_codes = {r["household_code"] for r in rows if r["household_code"]}
    households: dict[str, tuple] = {}
    ids: dict[int, str] = {}
    paid_ids: dict[int, str] = {}
    persons: dict[str, set[str]] = defaultdict(set)
    exits: dict = {None: None}
    for hid, code, name, status, exited_on, number in driver_rows(conn, (
            select(H.c.id, H.c.code, H.c.head_name, H.c.status, H.c.exited_on,
                   H.c.id_number))):
        households[code] = (name, status, exits[exited_on] if exited_on in exits
                            else exits.setdefault(exited_on, _as_date(exited_on)))
        ids[hid] = code
        if code in paid_codes:
            paid_ids[hid] = code
            persons[code].add(number)
    cats: dict[str, set[str]] = defaultdict(set)
    for hid, cat in driver_rows(conn, select(HC.c.household_id, HC.c.category_code)):
        if hid in paid_ids:
            cats[paid_ids[hid]].add(cat)
    for hid, number in driver_rows(conn, (
            select(M.c.household_id, M.c.id_number).where(M.c.id_number.is_not(None)))):
        if hid in paid_ids:
            persons[paid_ids[hid]].add(number)
    holder: dict[str, str] = {}  # ID number → the first paid household holding it
    shared: dict[str, set[str]] = {}  # ID number → every paid household, if more than one
    for code, numbers in persons.items():
        for number in numbers:
            first = holder.setdefault(number, code)
            if first != code:
                shared.setdefault(number, {first}).add(code)
    sharing: dict[str, set[str]] = {}
    for codes in shared.values():
        for code in codes:
            sharing.setdefault(code, set()).update(codes - {code})
    relatives, suspects = _relatives(conn, paid_codes, persons)
    # Cadres present at a payment matter only where a cadre has a relative in the household.
    visit_cadres: dict[int, set[str]] = defaultdict(set)
    visit_ids = sorted({r["visit_id"] for r in rows if r["visit_id"]
                        and r["household_code"] in suspects})
    VC, C = _visit_cadre, _cadre
    for start in range(0, len(visit_ids), 500):
        for vid, code in conn.execute(
                select(VC.c.visit_id, C.c.code).join(C, C.c.id == VC.c.cadre_id)
                .where(VC.c.visit_id.in_(visit_ids[start:start + 500]))).all():
            visit_cadres[vid].add(code)
    # Was the household visited on the day of each payment, and does each named visit
    # exist? The visit a payment names answers both with one key lookup; the visit index is
    # searched only for the payments it does not answer (usually none).
    E, V = _entry, _visit
    visited: set[int] = set()
    dangling: set[int] = set()
    unanswered: list[int] = []
    for seq, code, day, kind, visit_id, visit_household, visit_day in driver_rows(conn, (
            # dates as stored, compared as stored: a tampered date must not stop the audit
            select(E.c.seq, E.c.household_code, type_coerce(E.c.entry_date, String), E.c.kind,
                   E.c.visit_id, V.c.household_id, type_coerce(V.c.visit_date, String))
            .select_from(E.outerjoin(V, V.c.id == E.c.visit_id))
            .where(or_(E.c.kind == "disburse", E.c.visit_id.is_not(None))))):
        if visit_id is not None and visit_household is None:
            dangling.add(seq)
        if kind == "disburse":
            if visit_day == day and visit_household is not None and (
                    ids.get(visit_household) == code):
                visited.add(seq)
            else:
                unanswered.append(seq)
    W = _visit.alias("w")
    for start in range(0, len(unanswered), 500):
        visited.update(conn.execute(
            select(E.c.seq).select_from(E.join(H, H.c.code == E.c.household_code))
            .where(E.c.seq.in_(unanswered[start:start + 500]), exists().where(
                W.c.household_id == H.c.id, W.c.visit_date == E.c.entry_date))).scalars().all())
    return _Facts(funds, fund_cats, households, cats, persons, sharing, relatives, suspects,
                  visit_cadres, visited, dangling,
                  set(conn.execute(select(_cadre.c.code)).scalars().all()))


def _as_date(value) -> dt.date | None:
    """A stored date (ISO text from SQLite, a date from PostgreSQL); unreadable text, which
    only a hand edit can leave, counts as no date."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _replay(facts: _Facts, rows: list[dict], reversed_by: dict[int, int]) -> list[Finding]:
    funds, fund_cats, households, cats = facts.funds, facts.fund_cats, facts.households, facts.cats
    persons, sharing, relatives, suspects = (facts.persons, facts.sharing, facts.relatives,
                                             facts.suspects)
    visit_cadres, visited = facts.visit_cadres, facts.visited
    findings: list[Finding] = []
    balance: dict[str, int] = defaultdict(int)
    received: dict[tuple[str, str], int] = defaultdict(int)
    paid_on: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for r in rows:
        fcode, hcode, amount, kind = r["fund_code"], r["household_code"], r["amount_fen"], r["kind"]
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
                                             f"{format_money(balance[fcode])}",
                                             fund=fcode, entry=r["seq"], household=hcode))
        elif kind == "disburse":
            h = households.get(hcode)
            fund = funds.get(fcode)
            if h is None or fund is None:
                findings.append(_finding("chain", f"payment {r['seq']} names a missing "
                                                  f"{'household' if h is None else 'fund'}",
                                         fund=fcode, entry=r["seq"], household=hcode))
                continue
            name, status, exited_on = h
            valid_from, valid_to, cap_fen = fund
            related: list[str] = []
            if hcode in suspects:
                payers = {r["cadre_code"]} | visit_cadres.get(r["visit_id"], set())
                payers.discard(None)
                related = sorted(c for c in payers if hcode in relatives.get(c, _NO_RELATIVES)[0]
                                 or relatives.get(c, _NO_RELATIVES)[1] & persons[hcode])
            # "paid" as the write path judges it: a net amount received (not all reversed)
            others = sharing.get(hcode)
            also = sorted(o for o in others if received[(fcode, o)] > 0) if others else []
            on = r["entry_date"]
            seq = r["seq"]
            mine, today_key = (fcode, hcode), (fcode, hcode, on)
            violations = payment_violations(PaymentFacts(
                fund_code=fcode, household_code=hcode, household_name=name,
                amount_fen=amount, on=on, household_status=status,
                household_exited_on=exited_on, household_categories=cats[hcode],
                fund_categories=fund_cats[fcode], valid_from=valid_from,
                valid_to=valid_to, cap_fen=cap_fen, received_before_fen=received[mine],
                balance_before_fen=balance[fcode], related_cadres=related,
                same_day_payments=paid_on[today_key], also_paid_households=also))
            if violations or r["override_reason"] or seq not in visited:
                findings += _payment_findings(r, violations, seq in reversed_by,
                                              seq in visited, name)
            balance[fcode] -= amount
            received[mine] += amount
            paid_on[today_key] += 1
    return findings


def _payment_findings(r: dict, violations: list, reversed_: bool, visited: bool,
                      name: str) -> list[Finding]:
    """What the audit reports about one payment: the rules it broke (only the balance if
    it was reversed since), or one override warning; and a payment made without a visit."""
    if reversed_:
        # money that came back: only what it did to the balance at the time counts
        violations = [v for v in violations if v.check == "overspend"]
    where = {"fund": r["fund_code"], "entry": r["seq"], "household": r["household_code"]}
    if r["override_reason"]:
        broke = ", ".join(v.check for v in violations) or "no rule"
        found = [_finding("override", f"written with --override "
                          f"\"{r['override_reason']}\" (broke: {broke})", **where)]
    else:
        found = [_finding(v.check, v.detail, **where) for v in violations]
    if not reversed_ and not visited:
        found.append(_finding("no-visit", f"cash paid to {r['household_code']} {name} on "
                              f"{r['entry_date']} with no visit recorded that day", **where))
    return found


def _dangling_references(facts: _Facts, stored: list[dict],
                         by_seq: dict[int, dict]) -> list[Finding]:
    """SQLite's foreign_key_check of ledger_entry, from what the audit loaded anyway: each
    entry's fund, household, cadre, visit and reversed entry must exist (a shell writing
    with foreign keys off can break them)."""
    names = {"fund": facts.funds, "household": facts.households, "cadre": facts.cadres}
    # Usually nothing dangles: say so from three set differences before looking row by row.
    references = (("fund_code", "fund"), ("household_code", "household"),
                  ("cadre_code", "cadre"))
    if not facts.dangling_visits and not any(
            {r[key] for r in stored}.difference(names[parent], (None,))
            for key, parent in references) and all(
            r["reverses_seq"] is None or r["reverses_seq"] in by_seq for r in stored):
        return []
    found = []
    for r in stored:
        for key, parent in references:
            if r[key] is not None and r[key] not in names[parent]:
                found.append(_finding("storage", f"ledger_entry row {r['seq']} points to a "
                                                 f"missing {parent} row"))
        if r["seq"] in facts.dangling_visits:
            found.append(_finding("storage",
                                  f"ledger_entry row {r['seq']} points to a missing visit row"))
        if r["reverses_seq"] is not None and r["reverses_seq"] not in by_seq:
            found.append(_finding("storage", f"ledger_entry row {r['seq']} points to a "
                                             "missing ledger_entry row"))
    return found


def _relatives(conn, paid_codes: set[str], persons: dict[str, set[str]]):
    """Each cadre's relatives (household codes, ID numbers), and the paid households that
    have a cadre's relative in them: only their payments need the conflict check."""
    R, C = _cadre_relative, _cadre
    relatives: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for cadre_code, hcode, number in conn.execute(
        select(C.c.code, _household.c.code, R.c.id_number)
        .join(R, R.c.cadre_id == C.c.id)
        .outerjoin(_household, _household.c.id == R.c.household_id)):
        if hcode:
            relatives[cadre_code][0].add(hcode)
        if number:
            relatives[cadre_code][1].add(number)
    related_households = set().union(*(r[0] for r in relatives.values()))
    related_numbers = set().union(*(r[1] for r in relatives.values()))
    if not related_households and not related_numbers:
        return {}, set()
    suspects = {code for code in paid_codes
                if code in related_households or persons[code] & related_numbers}
    return dict(relatives), suspects


def rows_by_seq_get(rows: list[dict], seq: int | None) -> dict | None:
    """Entries are contiguous from 1 when the chain is intact; fall back to a search."""
    if seq is None or seq < 1:
        return None
    if seq <= len(rows) and rows[seq - 1]["seq"] == seq:
        return rows[seq - 1]
    return next((r for r in rows if r["seq"] == seq), None)


def _fund_summaries(conn, rows: list[dict], only: str | None) -> list[dict]:
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
    for f in conn.execute(select(_fund.c.code, _fund.c.name).order_by(_fund.c.code)).all():
        if only and f.code != only:
            continue
        a, d, n = totals[f.code]
        out.append({"fund": f.code, "name": f.name, "entries": n, "allocated_fen": a,
                    "disbursed_fen": d, "balance_fen": a - d})
    return out


# ---------------------------------------------------------------------------- visits


def audit_visits(*, session, today: dt.date) -> dict:
    """Coverage: never-visited, long-overdue, check-in visits, unanswered commitments,
    cadres with households but no visits."""
    from sqlalchemy import func

    from zoufang.models import (
        Assignment,
        Cadre,
        Category,
        Commitment,
        CommitmentResponse,
        Household,
        HouseholdCategory,
        Visit,
        VisitCadre,
        VisitItem,
    )

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

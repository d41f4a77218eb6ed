"""`audit funds` and `audit visits`: re-check the ledger from stored rows.

The audit trusts nothing the write path checked. It recomputes the hash chain, replays every
fund's entries in sequence order (balances, per-household totals, same-day payments) and
judges every payment with the same rule book as the write path
(:func:`zoufang.services.fund_rules.payment_violations`). A payment written with
``--override`` is listed as one ``override`` warning in place of the rules it broke.

Findings have the shape ``{"check", "severity", "fund", "entry", "household", "detail"}``;
any finding of severity ``error`` makes the audit fail (exit 1).

At county scale (200,000+ entries) `audit funds` takes a few seconds: the chain is rehashed
and each payment's visit found in a worker process while this one replays the rules and
checks the entries' references (:mod:`zoufang.services.audit_workers`). Each reads only the columns it needs, as plain
tuples (SQLAlchemy Core here, never the SQLModel classes); the database finds each
payment's visit (one indexed query), and only the facts the rules can need are loaded —
households that were paid, and the cadres present at a payment only for households that
have a cadre's relative. SQLite's
own checks cover the tables the audit reads (:data:`AUDITED_TABLES`); the whole file's
``integrity_check`` (ten seconds for a county) is `zoufang db check`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import (
    exists,
    func,
    select,
)

from zoufang.chain import seq_index
from zoufang.db import bulk, driver_rows, read_by_mmap
from zoufang.parsing import format_money
from zoufang.services import audit_workers as workers
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

#: The tables `audit funds` reads: SQLite's quick_check runs on each (ledger_entry's with
#: the chain check), and its foreign_key_check on all but ledger_entry, whose references
#: the replay checks itself from the rows it loads anyway (a third of the audit's time at
#: county scale otherwise).
AUDITED_TABLES = (
    "ledger_entry",
    "fund",
    "fund_category",
    "household_category",
    "member",
    "cadre_relative",
)
FOREIGN_KEYS_CHECKED = tuple(t for t in AUDITED_TABLES if t != "ledger_entry")
#: The columns of ledger_entry the replay reads, in this order (the chain check reads all).
REPLAY_COLUMNS = (
    "seq",
    "fund_code",
    "kind",
    "amount_fen",
    "household_code",
    "visit_id",
    "entry_date",
    "cadre_code",
    "override_reason",
    "reverses_seq",
)


@dataclass
class Finding:
    check: str
    severity: str
    fund: str | None
    entry: int | None
    household: str | None
    detail: str


def _finding(
    check: str, detail: str, *, fund=None, entry=None, household=None, severity: str | None = None
) -> Finding:
    return Finding(check, severity or SEVERITY.get(check, "error"), fund, entry, household, detail)


def audit_funds(
    *,
    session,
    fund: str | None = None,
    anchor=None,
) -> dict:
    """Every check of `audit funds`; ``anchor`` is a :class:`ledger.ChainHead` written
    down earlier. The chain and visit checks run beside the replay on a big ledger
    (:mod:`zoufang.services.audit_workers`), here otherwise or if a worker fails."""
    conn = session.connection()
    read_by_mmap(conn)
    E = _entry
    upto = conn.execute(select(func.max(E.c.seq))).scalar() or 0
    anchor_seq = anchor.seq if anchor is not None else None
    sql = workers.statements(conn, upto, AUDITED_TABLES, FOREIGN_KEYS_CHECKED)
    job = workers.start(conn, sql, anchor_seq)
    try:
        with bulk():
            # The county's rows live only inside _check, so they are freed before the
            # cycle collector is back (its first run would walk every one of them).
            chain, findings, summaries = _check(conn, sql, job, upto, fund, anchor, anchor_seq)
    finally:
        if job is not None:
            job.cancel()
    if fund is not None:
        findings = [
            f for f in findings if f.fund in (None, fund) or f.check in ("chain", "storage")
        ]
    ok = not any(f.severity == "error" for f in findings)
    return {
        "ok": ok,
        "entries_checked": chain.count,
        "head": {"seq": chain.head_seq, "hash": chain.head_hash},
        "findings": [asdict(f) for f in findings],
        "funds": summaries,
    }


def _check(conn, sql: dict, job, upto: int, fund: str | None, anchor, anchor_seq: int | None):
    """The audit's own half, with the worker's result when it comes: (the worker's
    LedgerCheck, every finding in report order, the fund summaries)."""
    E = _entry
    # Rows as stored, without type conversion: a date or number a tamperer replaced with
    # nonsense must become a finding, not stop the audit.
    stored = driver_rows(
        conn,
        select(*(E.c[name] for name in REPLAY_COLUMNS)).where(E.c.seq <= upto).order_by(E.c.seq),
    )
    rows, odd = _typed(stored)
    entry = seq_index(rows)
    reversed_by, reversal_findings = _reversals(rows, entry)
    facts = _load_facts(conn, rows)
    replay = _replay(facts, rows, entry)
    summaries = _fund_summaries(conn, replay.totals, fund)
    # PostgreSQL enforces foreign keys; a SQLite shell with them off can break them.
    sqlite = conn.dialect.name == "sqlite"
    may_dangle = sqlite and references_may_dangle(stored, facts)
    chain = workers.finish(job, conn, sql, anchor_seq)
    replayed = _replay_findings(
        replay, entry, _unvisited(conn, chain.unanswered), reversed_by, facts
    )
    references = (
        check_references(stored, facts, set(chain.dangling))
        if may_dangle or (sqlite and chain.dangling)
        else []
    )

    findings = [_finding("storage", line) for line in chain.storage]
    findings += [_finding("chain", detail, entry=seq) for seq, detail in chain.problems]
    flagged = {seq for seq, _ in chain.problems}
    for row, wrong in odd:
        if row[0] not in flagged:  # hashed over nonsense: still wrong
            findings.append(
                _finding(
                    "chain",
                    f"entry {row[0]} holds {wrong}, which no entry can",
                    fund=row[1],
                    entry=row[0],
                    household=row[4],
                )
            )
    if anchor is not None:
        if chain.anchor_hash is None:
            findings.append(
                _finding(
                    "chain",
                    f"anchor entry {anchor.seq} no longer exists "
                    f"(the ledger has {chain.count} entries)",
                    entry=anchor.seq,
                )
            )
        elif chain.anchor_hash != anchor.hash:
            findings.append(
                _finding(
                    "chain",
                    f"history up to entry {anchor.seq} was rewritten: "
                    f"its hash is now {chain.anchor_hash[:12]}…, "
                    f"the anchor says {anchor.hash[:12]}…",
                    entry=anchor.seq,
                )
            )
    findings += reversal_findings + replay.malformed + replayed
    findings += [
        _finding("storage", f"ledger_entry row {seq} points to a missing {table} row")
        for seq, table in references
    ]
    return chain, findings, summaries


def _typed(stored: list[tuple]) -> tuple[list[tuple], list[tuple[tuple, str]]]:
    """The stored rows (in :data:`REPLAY_COLUMNS` order) the replay can use, with real
    dates; and the others, each with what is wrong with it (only a hand edit makes one)."""
    rows: list[tuple] = []
    odd: list[tuple[tuple, str]] = []
    dates: dict = {}  # entry dates as stored → dates (a few hundred distinct values)
    for row in stored:
        seq, fcode, kind, amount, hcode, visit_id, day, cadre, override, reverses = row
        if (
            type(seq) is int
            and type(amount) is int
            and (visit_id is None or type(visit_id) is int)
            and (reverses is None or type(reverses) is int)
        ):
            # SQLite's ISO text (not 20260120 == 20260120.0), or PostgreSQL's dates
            on = dates.get(day) if type(day) is str else day if type(day) is dt.date else None
            if on is not None:
                rows.append(
                    (seq, fcode, kind, amount, hcode, visit_id, on, cadre, override, reverses)
                )
                continue
        wrong = _wrong(row)
        if wrong:
            odd.append((row, wrong))
            continue
        on = day
        if not isinstance(day, dt.date):
            on = dt.date.fromisoformat(str(day))
            if type(day) is str:
                dates[day] = on
        rows.append((seq, fcode, kind, amount, hcode, visit_id, on, cadre, override, reverses))
    return rows, odd


def _wrong(row: tuple) -> str:
    """What about a stored row no entry can hold, or ""."""
    for key, value in (
        ("seq", row[0]),
        ("amount_fen", row[3]),
        ("visit_id", row[5]),
        ("reverses_seq", row[9]),
    ):
        if (
            value is not None
            and type(value) is not int
            and (isinstance(value, bool) or not isinstance(value, int))
        ):
            return f"{key} {value!r}"
    if row[0] is None or row[3] is None:
        return "no seq or amount"
    value = row[6]
    if not isinstance(value, dt.date):
        try:
            dt.date.fromisoformat(str(value))
        except (ValueError, TypeError):
            return f"entry_date {value!r}"
    return ""


#: Columns of a stored row (REPLAY_COLUMNS order) that name another row, and that row.
_REFERENCES = ((1, "fund"), (4, "household"), (7, "cadre"))
_REVERSES = REPLAY_COLUMNS.index("reverses_seq")


def _names(facts: _Facts) -> dict:
    return {"fund": facts.funds.keys(), "household": facts.households.keys(), "cadre": facts.cadres}


def references_may_dangle(stored: list[tuple], facts: _Facts) -> bool:
    """Whether an entry of ``stored`` may name a fund, household, cadre or entry that is not
    there: usually not, which a few set differences tell faster than a look at each row."""
    names = _names(facts)
    return any(
        {r[i] for r in stored}.difference(names[table], (None,)) for i, table in _REFERENCES
    ) or bool(
        {r[_REVERSES] for r in stored if r[_REVERSES] is not None}.difference(
            {r[0] for r in stored}
        )
    )


def check_references(
    stored: list[tuple], facts: _Facts, dangling_visits: set[int]
) -> list[tuple[int, str]]:
    """SQLite's foreign_key_check of ledger_entry, done from the rows and codes the replay
    holds anyway (SQLite's own would take a third of the audit's time at county scale):
    each entry's fund, household and cadre must exist, its visit not be among
    ``dangling_visits``, and the entry it reverses be among ``stored`` (every stored row,
    in :data:`REPLAY_COLUMNS` order). (seq, missing table), in entry order."""
    names = _names(facts)
    entry = seq_index(stored)
    found = []
    for r in stored:
        for i, table in _REFERENCES:
            if r[i] is not None and r[i] not in names[table]:
                found.append((r[0], table))
        if r[0] in dangling_visits:
            found.append((r[0], "visit"))
        if r[_REVERSES] is not None and entry(r[_REVERSES]) is None:
            found.append((r[0], "ledger_entry"))
    return found


def _reversals(rows: list[tuple], entry) -> tuple[dict[int, int], list[Finding]]:
    """Reversals must name one earlier, non-reversal entry, once, and copy it. Returns
    the entries reversed (→ by which) and the findings."""
    reversed_by: dict[int, int] = {}
    findings: list[Finding] = []
    for seq, fcode, kind, amount, hcode, _, _, _, _, reverses in rows:
        if kind != "reverse":
            continue
        target = entry(reverses)
        where = {"fund": fcode, "entry": seq, "household": hcode}
        if target is None:
            findings.append(
                _finding(
                    "chain", f"reversal {seq} names entry {reverses}, which does not exist", **where
                )
            )
            continue
        if target[2] == "reverse" or target[0] >= seq:
            findings.append(
                _finding(
                    "chain",
                    f"reversal {seq} undoes entry {target[0]}, which is a reversal or comes later",
                    **where,
                )
            )
        if target[0] in reversed_by:
            findings.append(
                _finding(
                    "chain",
                    f"entry {target[0]} is reversed twice (by {reversed_by[target[0]]} and {seq})",
                    **where,
                )
            )
            continue
        if (target[1], target[4], target[3]) != (fcode, hcode, amount):
            findings.append(
                _finding(
                    "chain",
                    f"reversal {seq} does not match entry {target[0]} (fund, household or amount)",
                    **where,
                )
            )
        reversed_by[target[0]] = seq
    return reversed_by, findings


_NO_RELATIVES: tuple[frozenset, frozenset] = (frozenset(), frozenset())
_NONE: frozenset = frozenset()


@dataclass
class _Facts:
    """What the rules need besides the entries, loaded in a few whole-table reads."""

    funds: dict[str, tuple]  # code → (valid_from, valid_to, cap_fen)
    fund_cats: dict[str, set[str]]
    households: dict[str, tuple]  # code → (name, status, exited_on), every household
    cats: dict[str, set[str]]  # paid household → its categories
    persons: dict[str, set[str]]  # suspect → ID numbers of its people that relatives hold
    sharing: dict[str, set[str]]  # paid household → other paid households sharing a person
    relatives: dict[str, tuple[set[str], set[str]]]  # cadre → (households, ID numbers)
    suspects: set[str]  # paid households with some cadre's relative in them
    visit_cadres: dict[int, set[str]]  # visit → cadres present (for suspects only)
    cadres: set[str]


def _load_facts(conn, rows: list[tuple]) -> _Facts:
    # Whole tables, fetched at once as plain tuples: cheaper than asking the database for
    # the paid households one by one, or reading result rows one at a time by name.
    F, FC, H, HC = _fund, _fund_category, _household, _household_category
    funds = {
        code: (valid_from, valid_to, cap)
        for code, valid_from, valid_to, cap in conn.execute(
            select(F.c.code, F.c.valid_from, F.c.valid_to, F.c.cap_fen)
        ).all()
    }
    fund_cats: dict[str, set[str]] = defaultdict(set)
    for code, cat in conn.execute(select(FC.c.fund_code, FC.c.category_code)).all():
        fund_cats[code].add(cat)
    paid_codes = {r[4] for r in rows if r[4]}
    households: dict[str, tuple] = {}
    code_of: dict[int, str] = {}
    exits: dict = {None: None}
    for hid, code, name, status, exited_on in driver_rows(
        conn, (select(H.c.id, H.c.code, H.c.head_name, H.c.status, H.c.exited_on))
    ):
        households[code] = (
            name,
            status,
            exits[exited_on]
            if exited_on in exits
            else exits.setdefault(exited_on, _as_date(exited_on)),
        )
        code_of[hid] = code
    cats: dict[str, set[str]] = defaultdict(set)
    for hid, cat in driver_rows(conn, select(HC.c.household_id, HC.c.category_code)):
        code = code_of.get(hid)
        if code in paid_codes:
            cats[code].add(cat)
    holders: dict[str, set[str]] = defaultdict(set)  # ID number → paid households holding it
    for number, hid in _holders(conn, _shared_numbers(conn)):
        code = code_of.get(hid)
        if code in paid_codes:
            holders[number].add(code)
    sharing: dict[str, set[str]] = {}
    for codes in holders.values():
        if len(codes) > 1:
            for code in codes:
                sharing.setdefault(code, set()).update(codes - {code})
    relatives, suspects, related_persons = _relatives(conn, paid_codes, code_of)
    # Cadres present at a payment matter only where a cadre has a relative in the household.
    visit_cadres: dict[int, set[str]] = defaultdict(set)
    visit_ids = sorted({r[5] for r in rows if r[5] and r[4] in suspects}) if suspects else []
    VC, C = _visit_cadre, _cadre
    for start in range(0, len(visit_ids), 500):
        for vid, code in conn.execute(
            select(VC.c.visit_id, C.c.code)
            .join(C, C.c.id == VC.c.cadre_id)
            .where(VC.c.visit_id.in_(visit_ids[start : start + 500]))
        ).all():
            visit_cadres[vid].add(code)
    return _Facts(
        funds,
        fund_cats,
        households,
        cats,
        related_persons,
        sharing,
        relatives,
        suspects,
        visit_cadres,
        set(conn.execute(select(_cadre.c.code)).scalars().all()),
    )


def _shared_numbers(conn) -> list[str]:
    """The ID numbers that may be held in more than one household, found through the
    indexes on ID numbers (none, as a rule): a member's that is another household's head's,
    a member's held by another member, and a head's held by another head (only possible
    with the unique index dropped)."""
    from sqlalchemy import union

    H, M = _household, _member
    return [
        number
        for (number,) in conn.execute(
            union(
                select(M.c.id_number)
                .join(H, H.c.id_number == M.c.id_number)
                .where(H.c.id != M.c.household_id),
                select(M.c.id_number)
                .where(M.c.id_number.is_not(None))
                .group_by(M.c.id_number)
                .having(func.count() > 1),
                select(H.c.id_number)
                .where(H.c.id_number.is_not(None))
                .group_by(H.c.id_number)
                .having(func.count() > 1),
            )
        )
    ]


def _holders(conn, numbers) -> list[tuple[str, int]]:
    """(ID number, household id) of every head and member holding one of ``numbers``."""
    H, M = _household, _member
    found: list[tuple[str, int]] = []
    numbers = sorted(set(numbers))
    for start in range(0, len(numbers), 500):
        part = numbers[start : start + 500]
        found += driver_rows(conn, select(H.c.id_number, H.c.id).where(H.c.id_number.in_(part)))
        found += driver_rows(
            conn, select(M.c.id_number, M.c.household_id).where(M.c.id_number.in_(part))
        )
    return found


def _unvisited(conn, unanswered: list[int]) -> set[int]:
    """The payments among ``unanswered`` (whose named visit did not answer) with no visit to
    the household on the day at all: the visit index searched for each."""
    E, H, W = _entry, _household, _visit.alias("w")
    unvisited = set(unanswered)
    for start in range(0, len(unanswered), 500):
        unvisited.difference_update(
            conn.execute(
                select(E.c.seq)
                .select_from(E.join(H, H.c.code == E.c.household_code))
                .where(
                    E.c.seq.in_(unanswered[start : start + 500]),
                    exists().where(W.c.household_id == H.c.id, W.c.visit_date == E.c.entry_date),
                )
            )
            .scalars()
            .all()
        )
    return unvisited


def _as_date(value) -> dt.date | None:
    """A stored date (ISO text from SQLite, a date from PostgreSQL); unreadable text, which
    only a hand edit can leave, counts as no date."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass
class _Replay:
    """What replaying the funds found, before the visits are known (they come with the
    chain check, from the second process)."""

    malformed: list[Finding]  # entries no kind of entry can be
    events: list[Finding]  # payments naming a missing household or fund; overspent reversals
    judged: dict[int, tuple[list, str]]  # payment → (rules broken, household name) if any
    skipped: set[int]  # payments that could not be judged (see events)
    totals: dict[str, tuple[int, int, int]]  # fund → (allocated, disbursed, entries), net


def _replay(facts: _Facts, rows: list[tuple], entry) -> _Replay:
    """Every entry in sequence order, fund by fund (funds share no balance, total or
    same-day count): malformed entries, overspent balances, and every rule each payment
    breaks, judged with the balances and totals as they were just before it."""
    out = _Replay([], [], {}, set(), {})
    by_fund: dict[str, list[tuple]] = {}
    for row in rows:
        entries = by_fund.get(row[1])
        if entries is None:
            entries = by_fund[row[1]] = []
        entries.append(row)
    for fcode, entries in by_fund.items():
        _replay_fund(facts, fcode, entries, entry, out)
    out.malformed.sort(key=_entry_seq)  # stable: back in entry order
    out.events.sort(key=_entry_seq)
    return out


def _entry_seq(finding: Finding) -> int:
    return finding.entry


def _replay_fund(facts: _Facts, fcode: str, entries: list[tuple], entry, out: _Replay) -> None:
    """One fund's entries, in sequence order, into ``out`` (``entry``: any entry by seq)."""
    households, cats, persons, sharing = (
        facts.households,
        facts.cats,
        facts.persons,
        facts.sharing,
    )
    relatives, suspects, visit_cadres = facts.relatives, facts.suspects, facts.visit_cadres
    malformed, events, judged = out.malformed, out.events, out.judged
    fund = facts.funds.get(fcode)
    valid_from, valid_to, cap_fen = fund or (None, None, None)
    fund_categories = facts.fund_cats.get(fcode, _NONE)
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
                    _finding(
                        "chain",
                        f"payment {seq} names a missing {'household' if h is None else 'fund'}",
                        fund=fcode,
                        entry=seq,
                        household=hcode,
                    )
                )
                out.skipped.add(seq)
                continue
            name, status, exited_on = h
            related: list[str] = []
            if hcode in suspects:
                payers = {cadre} | visit_cadres.get(visit_id, set())
                payers.discard(None)
                related = sorted(
                    c
                    for c in payers
                    if hcode in relatives.get(c, _NO_RELATIVES)[0]
                    or relatives.get(c, _NO_RELATIVES)[1] & persons[hcode]
                )
            # "paid" as the write path judges it: a net amount received (not all reversed)
            others = sharing.get(hcode)
            also = sorted(o for o in others if received.get(o, 0) > 0) if others else []
            day = (hcode, on)
            before, same_day = received.get(hcode, 0), paid_on.get(day, 0)
            # PaymentFacts' fields in their order (positional: a third faster here)
            violations = payment_violations(
                PaymentFacts(
                    fcode,
                    hcode,
                    name,
                    amount,
                    on,
                    status,
                    exited_on,
                    cats.get(hcode, _NONE),
                    fund_categories,
                    valid_from,
                    valid_to,
                    cap_fen,
                    before,
                    balance,
                    related,
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
                        _finding(
                            "overspend",
                            f"reversing allocation "
                            f"{reverses} left fund {fcode} at "
                            f"{format_money(balance)}",
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


def _replay_findings(
    replay: _Replay, entry, unvisited: set[int], reversed_by: dict[int, int], facts: _Facts
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
    findings.sort(key=lambda f: f.entry)  # stable: a payment's own findings keep their order
    return findings


def _malformed(row: tuple) -> Finding:
    seq, fcode, kind, amount, hcode = row[:5]
    return _finding(
        "chain",
        f"entry {seq} is malformed ({kind}, {amount} fen)",
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
        broke = ", ".join(v.check for v in violations) or "no rule"
        found = [
            _finding("override", f'written with --override "{override}" (broke: {broke})', **where)
        ]
    else:
        found = [_finding(v.check, v.detail, **where) for v in violations]
    if not reversed_ and not visited:
        found.append(
            _finding(
                "no-visit",
                f"cash paid to {hcode} {name} on {on} with no visit recorded that day",
                **where,
            )
        )
    return found


def _relatives(conn, paid_codes: set[str], code_of: dict[int, str]):
    """Each cadre's relatives (household codes, ID numbers); the paid households that have a
    cadre's relative in them, whose payments alone need the conflict check; and, for those,
    the ID numbers of their people that some cadre's relative holds."""
    R, C = _cadre_relative, _cadre
    relatives: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for cadre_code, hcode, number in conn.execute(
        select(C.c.code, _household.c.code, R.c.id_number)
        .join(R, R.c.cadre_id == C.c.id)
        .outerjoin(_household, _household.c.id == R.c.household_id)
    ):
        if hcode:
            relatives[cadre_code][0].add(hcode)
        if number:
            relatives[cadre_code][1].add(number)
    related_households = set().union(*(r[0] for r in relatives.values()))
    related_numbers = set().union(*(r[1] for r in relatives.values()))
    related_persons: dict[str, set[str]] = defaultdict(set)
    if related_numbers:
        for number, hid in _holders(conn, related_numbers):
            code = code_of.get(hid)
            if code in paid_codes:
                related_persons[code].add(number)
    suspects = (paid_codes & related_households) | related_persons.keys()
    return dict(relatives), suspects, related_persons


def _fund_summaries(conn, totals: dict[str, tuple[int, int, int]], only: str | None) -> list[dict]:
    """Each fund's allocations, payments (less reversals), balance and entries."""
    out = []
    for code, name in conn.execute(select(_fund.c.code, _fund.c.name).order_by(_fund.c.code)):
        if only and code != only:
            continue
        allocated, disbursed, entries = totals.get(code, (0, 0, 0))
        out.append(
            {
                "fund": code,
                "name": name,
                "entries": entries,
                "allocated_fen": allocated,
                "disbursed_fen": disbursed,
                "balance_fen": allocated - disbursed,
            }
        )
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
    cadence = dict(
        session.execute(
            select(HouseholdCategory.household_id, func.min(Category.cadence_days))
            .join(Category, Category.code == HouseholdCategory.category_code)
            .group_by(HouseholdCategory.household_id)
        ).all()
    )
    for h in session.execute(
        select(
            H.id, H.code, H.head_name, H.enrolled_on, H.last_visit_on, H.due_date, H.cadence_days
        )
        .where(H.status == "active")
        .order_by(H.code)
    ).all():
        days = h.cadence_days or cadence.get(h.id) or 30
        late = (today - h.due_date).days if h.due_date else 0
        if h.last_visit_on is None:
            if (today - h.enrolled_on).days > days:
                findings.append(
                    _finding(
                        "never-visited",
                        f"{h.code} {h.head_name} enrolled {h.enrolled_on}, never visited",
                        household=h.code,
                        severity="error",
                    )
                )
        elif late > days:
            findings.append(
                _finding(
                    "overdue",
                    f"{h.code} {h.head_name} last visited "
                    f"{h.last_visit_on}, {late} days overdue (cadence {days})",
                    household=h.code,
                    severity="error",
                )
            )
    has_items = exists().where(VisitItem.visit_id == Visit.id, VisitItem.kind != "gift")
    has_needs = exists().where(Commitment.visit_id == Visit.id)
    for vid, code, day in session.execute(
        select(Visit.id, Household.code, Visit.visit_date)
        .join(Household, Household.id == Visit.household_id)
        .where((Visit.notes.is_(None)) | (Visit.notes == ""), ~has_items, ~has_needs)
        .order_by(Visit.visit_date, Visit.id)
    ):
        findings.append(
            _finding(
                "check-in",
                f"visit {vid} to {code} on {day} recorded nothing "
                "heard (no notes, needs, suggestions or wishes)",
                household=code,
                severity="warning",
            )
        )
    answered = exists().where(CommitmentResponse.commitment_id == Commitment.id)
    for cid, code, text_, due in session.execute(
        select(Commitment.id, Household.code, Commitment.text, Commitment.due_date)
        .join(Household, Household.id == Commitment.household_id)
        .where(Commitment.due_date < today, Commitment.status == "open", ~answered)
        .order_by(Commitment.due_date)
    ):
        findings.append(
            _finding(
                "unanswered",
                f'commitment {cid} "{text_}" was due {due} and has no response',
                household=code,
                severity="error",
            )
        )
    visiting = select(VisitCadre.cadre_id)
    for code, name, n in session.execute(
        select(Cadre.code, Cadre.name, func.count(Assignment.household_id))
        .join(Assignment, Assignment.cadre_id == Cadre.id)
        .where(Cadre.id.not_in(visiting))
        .group_by(Cadre.code, Cadre.name)
        .order_by(Cadre.code)
    ):
        findings.append(
            _finding(
                "idle-cadre",
                f"cadre {code} {name} has {n} households and no visits",
                severity="warning",
            )
        )
    checked = session.execute(select(func.count()).select_from(H)).scalar_one()
    return {
        "ok": not any(f.severity == "error" for f in findings),
        "entries_checked": checked,
        "head": None,
        "findings": [asdict(f) for f in findings],
    }

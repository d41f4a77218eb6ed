"""`audit funds`: re-check the money chain and every fund from the stored rows.

The audit trusts nothing the write path checked. It recomputes the hash chain, replays every
fund's entries in sequence order (:mod:`zoufang.services.audit_funds_replay`) and judges
every payment with the same rule book as the write path. Findings are
:class:`~zoufang.services.audit_findings.Finding`; any error makes the audit fail (exit 1).

On a county ledger the chain is rehashed and each payment's visit found in a worker process
while this one replays the rules and checks the entries' references
(:mod:`zoufang.services.audit_workers`). Each reads only the columns it needs, as plain
tuples (SQLAlchemy Core here, never the SQLModel classes); the database finds each payment's
visit (one indexed query), and only the facts the rules can need are loaded
(:mod:`zoufang.services.audit_funds_facts`). SQLite's own checks cover the tables the audit
reads (:data:`AUDITED_TABLES`); the whole file's ``integrity_check``, far slower on a
county, is `zoufang db check`.
"""

from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select

from zoufang.chain import ChainHead, seq_index
from zoufang.db import bulk, driver_rows, read_by_mmap
from zoufang.fact_chain import STORED_COLUMNS as FACT_COLUMNS
from zoufang.i18n import N_
from zoufang.labels import FACT, Code, Message
from zoufang.services import audit_workers as workers
from zoufang.services.audit_dates import DEFAULT_LATE_DAYS, entry_date_findings, late_entries
from zoufang.services.audit_findings import Finding, audit_report, finding
from zoufang.services.audit_funds_facts import Facts, load_facts, shared_numbers
from zoufang.services.audit_funds_replay import replay_findings, replay_funds
from zoufang.services.audit_funds_view import view_findings
from zoufang.services.audit_plans import plan_findings
from zoufang.services.audit_trail import unlogged_change_findings
from zoufang.services.counting import visit_counts
from zoufang.services.fact_history import HISTORY_COLUMNS, History
from zoufang.tables import fact_change as _fact
from zoufang.tables import fund as _fund
from zoufang.tables import household as _household
from zoufang.tables import ledger_entry as _entry
from zoufang.tables import visit as _visit

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: The tables `audit funds` reads, and those whose references SQLite checks (defined with
#: the worker, which may run SQLite's checks before this module is imported).
AUDITED_TABLES = workers.AUDITED_TABLES
FOREIGN_KEYS_CHECKED = workers.FOREIGN_KEYS_CHECKED
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


def audit_funds(
    *,
    session: LedgerSession,
    fund: str | None = None,
    anchor: ChainHead | None = None,
    fact_anchor: ChainHead | None = None,
    late_days: int = DEFAULT_LATE_DAYS,
    early: workers.Job | None = None,
) -> dict:
    """Every check of `audit funds`; ``anchor`` is a :class:`zoufang.chain.ChainHead` written
    down earlier, ``fact_anchor`` the fact history's. The chain and visit checks run beside the replay on a big ledger
    (:mod:`zoufang.services.audit_workers`), here otherwise or if a worker fails;
    ``early``: a worker :func:`~zoufang.services.audit_workers.start_early` started for
    this ledger (used if it reads the same file, else stopped)."""
    conn = session.connection()
    read_by_mmap(conn)
    E = _entry
    upto = conn.execute(select(func.max(E.c.seq))).scalar() or 0
    anchor_seq = anchor.seq if anchor is not None else None
    sql = workers.statements(conn, upto, AUDITED_TABLES, FOREIGN_KEYS_CHECKED)
    sql["fact_anchor"] = fact_anchor.seq if fact_anchor is not None else None
    # Scans in SQL whose few rows the audit's half needs, read first by the worker: its half
    # is the shorter one (docs/benchmarks.md, issue 13)
    sql["for_audit"] = {
        "shared_numbers": workers.compiled(conn, shared_numbers()),
        "backdated": workers.compiled(conn, _backdated()),
    }
    if conn.dialect.name == "sqlite":  # PostgreSQL's interval would not be written in
        sql["for_audit"]["late_entries"] = workers.compiled(conn, late_entries(conn, late_days))
    job = workers.start(conn, sql, anchor_seq, early)
    try:
        with bulk():
            # The county's rows live only inside _check, so they are freed before the
            # cycle collector is back (its first run would walk every one of them).
            chain, findings, summaries, (facts_checked, facts_head) = _check(
                conn, sql, job, upto, fund, anchor, anchor_seq, fact_anchor
            )
        answers = (job.answers() if job is not None else None) or {}
    finally:
        if job is not None:
            job.cancel()
    findings += entry_date_findings(conn, late_days, answers.get("late_entries"))
    findings += unlogged_change_findings(conn)
    if fund is not None:
        findings = [
            f
            for f in findings
            if f.fund in (None, fund) or f.check in ("chain", "storage", "fact-chain")
        ]
    head = {"seq": chain.head_seq, "hash": chain.head_hash}
    return {
        **audit_report(findings, checked=chain.count, head=head),
        "facts_checked": facts_checked,
        "facts_head": facts_head.as_dict(),
        "funds": summaries,
    }


def _check(
    conn,
    sql: dict,
    job,
    upto: int,
    fund: str | None,
    anchor,
    anchor_seq: int | None,
    fact_anchor: ChainHead | None = None,
):
    """The audit's own half, with the worker's result when it comes: (the worker's
    LedgerCheck, every finding in report order, the fund summaries, (fact changes checked,
    the fact history's head))."""
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
    # Only the columns the as-of rule reads (the worker rehashes the whole rows): the
    # hashes alone are two thirds of a county history's text.
    history = History(
        driver_rows(
            conn, select(*(_fact.c[name] for name in HISTORY_COLUMNS)).order_by(_fact.c.seq)
        )
    )
    answers = (job.answers() if job is not None else None) or {}
    # The rest of a row only for the rare backdated changes.
    backdated_rows = answers.get("backdated")
    if backdated_rows is None:
        backdated_rows = driver_rows(conn, _backdated())
    shared = answers.get("shared_numbers")
    facts = load_facts(conn, rows, history, None if shared is None else [n for (n,) in shared])
    replay = replay_funds(facts, rows, entry)
    summaries = _fund_summaries(conn, replay.totals, fund)
    # PostgreSQL enforces foreign keys; a SQLite shell with them off can break them.
    sqlite = conn.dialect.name == "sqlite"
    may_dangle = sqlite and references_may_dangle(stored, facts)
    # What needs nothing from the worker is done while it still runs (reported below, in
    # the same order as ever).
    backdated = backdated_findings(backdated_rows, rows)
    view = view_findings(conn, history, facts.heads)
    chain = workers.finish(job, conn, sql, anchor_seq)
    replayed = replay_findings(
        replay, entry, _unvisited(conn, chain.unanswered), reversed_by, facts
    )
    references = (
        check_references(stored, facts, set(chain.dangling))
        if may_dangle or (sqlite and chain.dangling)
        else []
    )

    findings = [finding("storage", line) for line in chain.storage]
    findings += [finding("chain", detail, entry=seq) for seq, detail in chain.problems]
    flagged = {seq for seq, _ in chain.problems}
    for row, wrong in odd:
        if row[0] not in flagged:  # hashed over nonsense: still wrong
            findings.append(
                finding(
                    "chain",
                    Message(
                        N_("entry {entry} holds {wrong}, which no entry can"),
                        entry=row[0],
                        wrong=wrong,
                    ),
                    fund=row[1],
                    entry=row[0],
                    household=row[4],
                )
            )
    if anchor is not None:
        if chain.anchor_hash is None:
            findings.append(
                finding(
                    "chain",
                    Message(
                        N_("anchor entry {entry} no longer exists (the ledger has {n} entries)"),
                        entry=anchor.seq,
                        n=chain.count,
                    ),
                    entry=anchor.seq,
                )
            )
        elif not chain.anchor_hash.startswith(anchor.hash):
            findings.append(
                finding(
                    "chain",
                    Message(
                        N_(
                            "history up to entry {entry} was rewritten: its hash is now "
                            "{now}…, the anchor says {then}…"
                        ),
                        entry=anchor.seq,
                        now=chain.anchor_hash[:12],
                        then=anchor.hash[:12],
                    ),
                    entry=anchor.seq,
                )
            )
    findings += _fact_chain_findings(chain, chain.facts_count, fact_anchor)
    findings += reversal_findings + replay.malformed + replayed + plan_findings(conn, upto)
    findings += backdated
    findings += view
    findings += [
        finding(
            "storage",
            Message(
                N_("{table} row {row} points to a missing {parent} row"),
                table="ledger_entry",
                row=seq,
                parent=table,
            ),
        )
        for seq, table in references
    ]
    return chain, findings, summaries, (chain.facts_count, ChainHead(*chain.facts_head))


def _backdated():
    """Every stored column of the fact changes recorded as backdated (a scan of the
    history: few rows)."""
    return (
        select(*(_fact.c[name] for name in FACT_COLUMNS))
        .where(_fact.c.origin == "backdated")
        .order_by(_fact.c.seq)
    )


def _fact_chain_findings(chain, changes: int, anchor: ChainHead | None) -> list[Finding]:
    """The fact history's chain (checked with the money chain), and its anchor if given."""
    found = [finding("fact-chain", detail) for _seq, detail in chain.fact_problems]
    if anchor is not None:
        now = chain.fact_anchor_hash
        if now is None:
            found.append(
                finding(
                    "fact-chain",
                    Message(
                        N_("anchor fact change {seq} no longer exists (the history has {n})"),
                        seq=anchor.seq,
                        n=changes,
                    ),
                )
            )
        elif anchor.hash != now:
            found.append(
                finding(
                    "fact-chain",
                    Message(
                        N_(
                            "fact history up to change {seq} was rewritten: the anchor says "
                            "{then}…, it is now {now}…"
                        ),
                        seq=anchor.seq,
                        then=anchor.hash[:12],
                        now=str(now)[:12],
                    ),
                )
            )
    return found


def backdated_findings(fact_rows: list[tuple], rows: list[tuple]) -> list[Finding]:
    """A ``backdated`` warning for every change that took effect before the day it was
    recorded (``origin`` backdated: its --from was before the program's today), naming who made it, why, and the payments already written that it touches
    (dated on or after its effective day, to its subject)."""
    found: list[Finding] = []
    payments: dict[tuple[str, str], list[tuple]] | None = None
    for r in fact_rows:
        seq, kind, subject, fact, _value, day, ledger_seq, origin, recorded_at = r[:9]
        operator, reason = r[9], r[10]
        if origin != "backdated":
            continue
        day, recorded = _as_day(day), _as_day(recorded_at)
        if day is None or recorded is None:
            continue
        if payments is None:
            payments = {}
            for e in rows:
                if e[2] == "disburse":
                    for key in (("household", e[4]), ("fund", e[1]), ("cadre", e[7])):
                        payments.setdefault(key, []).append(e)
        touched = [
            e[0]
            for e in payments.get((kind, subject), ())
            if e[6] >= day and type(ledger_seq) is int and e[0] <= ledger_seq
        ]
        found.append(
            finding(
                "backdated",
                Message(
                    N_(
                        "{subject}'s {fact} changed from {day}, recorded {recorded} by "
                        "{operator} ({reason}); payments written before it that it touches: "
                        "{payments}"
                    ),
                    subject=subject,
                    fact=Code(fact, FACT),
                    day=day,
                    recorded=recorded,
                    operator=operator,
                    reason=reason or "",
                    payments=touched or Message(N_("none")),
                ),
                household=subject if kind == "household" else None,
                fund=subject if kind == "fund" else None,
                entry=touched[0] if touched else None,
            )
        )
    return found


def _as_day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


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
        return Message(N_("no seq or amount"))
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


def _names(facts: Facts) -> dict:
    return {"fund": facts.funds.keys(), "household": facts.households.keys(), "cadre": facts.cadres}


def references_may_dangle(stored: list[tuple], facts: Facts) -> bool:
    """Whether an entry of ``stored`` may name a fund, household, cadre or entry that is not
    there: usually not, which a few set differences tell faster than a look at each row."""
    names = _names(facts)
    # set(map(itemgetter)): the columns gathered in C, not a Python loop per row
    return any(
        set(map(itemgetter(i), stored)).difference(names[table], (None,))
        for i, table in _REFERENCES
    ) or bool(
        set(map(itemgetter(_REVERSES), stored)).difference(map(itemgetter(0), stored), (None,))
    )


def check_references(
    stored: list[tuple], facts: Facts, dangling_visits: set[int]
) -> list[tuple[int, str]]:
    """SQLite's foreign_key_check of ledger_entry, done from the rows and codes the replay
    holds anyway (SQLite's own is slow on a county's entries):
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
                finding(
                    "chain",
                    Message(
                        N_("reversal {entry} names entry {target}, which does not exist"),
                        entry=seq,
                        target=reverses,
                    ),
                    **where,
                )
            )
            continue
        if target[2] == "reverse" or target[0] >= seq:
            findings.append(
                finding(
                    "chain",
                    Message(
                        N_(
                            "reversal {entry} undoes entry {target}, which is a reversal or comes later"
                        ),
                        entry=seq,
                        target=target[0],
                    ),
                    **where,
                )
            )
        if target[0] in reversed_by:
            findings.append(
                finding(
                    "chain",
                    Message(
                        N_("entry {target} is reversed twice (by {first} and {entry})"),
                        target=target[0],
                        first=reversed_by[target[0]],
                        entry=seq,
                    ),
                    **where,
                )
            )
            continue
        if (target[1], target[4], target[3]) != (fcode, hcode, amount):
            findings.append(
                finding(
                    "chain",
                    Message(
                        N_(
                            "reversal {entry} does not match entry {target} (fund, household or amount)"
                        ),
                        entry=seq,
                        target=target[0],
                    ),
                    **where,
                )
            )
        reversed_by[target[0]] = seq
    return reversed_by, findings


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
                    exists().where(
                        W.c.household_id == H.c.id,
                        W.c.visit_date == E.c.entry_date,
                        visit_counts(W),  # a void visit is no visit
                    ),
                )
            )
            .scalars()
            .all()
        )
    return unvisited


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

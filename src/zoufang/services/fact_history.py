"""The dated history of every fact a payment rule reads, and the facts as of a day.

Writing: :func:`append` adds one change (the whole value after it, the day it takes effect)
at the head of the fact chain (:mod:`zoufang.fact_chain`), inside the caller's transaction
and under the money chain's lock, so that ``ledger_seq`` (the ledger entries already
written) orders every change exactly against every payment.

Reading: :class:`History` holds loaded rows; the as-of rule (:func:`as_of`) is what both
the write path (:func:`zoufang.services.funds.payment_facts`) and `audit funds` judge a
payment with: **the value in force on the payment's entry date, among the changes recorded
before the payment was written** (``ledger_seq`` below the payment's seq). A change recorded
later, even one backdated to before the payment, never changes how that payment is judged; the
audit lists it as ``backdated`` with the payments it touches. Before a fact's first period
(a payment dated before the household's enrolment, say) its first known value holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select, text

from zoufang.db.writing import insert_many
from zoufang.fact_chain import row_hash, value_text
from zoufang.tables import fact_change as _fact
from zoufang.tables import ledger_entry as _entry
from zoufang.tables import utcnow

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

HOUSEHOLD, CADRE, FUND = "household", "cadre", "fund"
CATEGORIES, STATUS, MEMBER_IDS, RELATIVES, RULES = (
    "categories",
    "status",
    "member_ids",
    "relatives",
    "rules",
)
#: The earliest day a fact can take effect (the People's Republic's founding).
EARLIEST = dt.date(1949, 10, 1)
#: The reason carried-over periods give (migration 0006).
CARRIED_OVER = "carried over at upgrade"
#: ``session.info`` key: the (subject_kind, subject, fact) whose whole history an import
#: brings from its file (:mod:`zoufang.services.history_import`); the everyday writers leave
#: them alone (:func:`append`, :func:`append_many`) while the import runs.
FROM_FILE = "fact_history.from_file"

#: Columns :class:`History` reads, in this order.
HISTORY_COLUMNS = (
    "seq",
    "subject_kind",
    "subject",
    "fact",
    "value",
    "effective_from",
    "ledger_seq",
)


def _head(conn) -> tuple[int, str]:
    pg = conn.dialect.name == "postgresql"
    row = conn.execute(_heads()[2 if pg else 0]).first()
    return (0, "0" * 64) if row is None else (row[0], row[1])


def _ledger_head(conn) -> int:
    pg = conn.dialect.name == "postgresql"
    return conn.execute(_heads()[3 if pg else 1]).scalar() or 0


@functools.cache
def _heads() -> tuple:
    """The fact chain's head and the money chain's newest seq (plain, and on PostgreSQL),
    built once (asked for every fact change appended one by one: an import's members)."""
    return (
        select(_fact.c.seq, _fact.c.hash).order_by(_fact.c.seq.desc()).limit(1),
        select(func.max(_entry.c.seq)),
        # PostgreSQL: the same, through the SECURITY DEFINER functions of migration 0015 (a
        # cadre login reads only its villages' fact changes and ledger entries)
        text("SELECT seq, hash FROM zoufang_fact_head()"),
        text("SELECT seq FROM zoufang_chain_head()"),
    )


def append(
    session: LedgerSession,
    *,
    subject_kind: str,
    subject: str,
    fact: str,
    value: Any,
    effective_from: dt.date,
    reason: str | None = None,
    origin: str = "change",
    today: dt.date | None = None,
) -> dict:
    """Append one change at the head of the fact chain, in the caller's transaction. A
    change taking effect before ``today`` (the day the program takes as today) is recorded
    as ``backdated``: the audit lists it."""
    from zoufang.services import money_chain

    if origin == "change" and today is not None and effective_from < today:
        origin = "backdated"
    if not _not_from_file(session, [(subject_kind, subject, fact)]):
        return {}
    money_chain.lock_for_append(session)
    conn = session.connection()
    rows = build_rows(
        [(subject_kind, subject, fact, value, effective_from, reason)],
        head=_head(conn),
        ledger_seq=_ledger_head(conn),
        operator=session.info.get("operator", "unknown"),
        origin=origin,
        recorded_at=session.recorded_at(),
    )
    conn.execute(insert(_fact), rows)
    return rows[0]


def append_many(
    session: LedgerSession, changes: Sequence[tuple], *, origin: str = "opening"
) -> None:
    """Append many changes at once ((subject_kind, subject, fact, value, effective_from,
    reason) each): enrolment from a roster, a demo ledger."""
    changes = _not_from_file(session, changes)
    if not changes:
        return
    from zoufang.services import money_chain

    money_chain.lock_for_append(session)
    conn = session.connection()
    rows = build_rows(
        changes,
        head=_head(conn),
        ledger_seq=_ledger_head(conn),
        operator=session.info.get("operator", "unknown"),
        origin=origin,
        recorded_at=session.recorded_at(),
    )
    for start in range(0, len(rows), 5000):
        insert_many(conn, _fact, rows[start : start + 5000])


def _not_from_file(session: LedgerSession, changes: Sequence[tuple]) -> Sequence[tuple]:
    """``changes`` but those of facts whose history an import is bringing from its file."""
    covered = session.info.get(FROM_FILE)
    if not covered:
        return changes
    return [c for c in changes if (c[0], c[1], c[2]) not in covered]


def build_rows(
    changes: Iterable[tuple],
    *,
    head: tuple[int, str],
    ledger_seq: int,
    operator: str,
    origin: str,
    recorded_at: dt.datetime | None = None,
    stored: bool = False,
) -> list[dict]:
    """The stored rows of ``changes``, chained after ``head`` (seq, hash); ``stored``: the
    values are given as the text the chain stores (:func:`~zoufang.fact_chain.value_text`)."""
    seq, prev = head
    at = recorded_at or utcnow()
    rows = []
    for kind, subject, fact, value, day, reason in changes:
        seq += 1
        row = {
            "seq": seq,
            "subject_kind": kind,
            "subject": subject,
            "fact": fact,
            "value": value if stored else value_text(value),
            "effective_from": day,
            "ledger_seq": ledger_seq,
            "origin": origin,
            "recorded_at": at,
            "operator": operator,
            "reason": reason,
            "prev_hash": prev,
        }
        # the stored row's hash, by the fast form where the row has the usual shape (an
        # import writes a county's ~300,000 changes; fact_chain's tests compare the forms)
        row["hash"] = prev = row_hash(
            (seq, kind, subject, fact, row["value"], day, ledger_seq, origin, at, operator)
            + (reason, prev, None)
        )
        rows.append(row)
    return rows


def household_opening(
    code: str, categories: Iterable[str], id_numbers: Iterable[str], on: dt.date
) -> list[tuple]:
    """The opening periods of a newly enrolled household (for :func:`append_many`)."""
    return [
        (HOUSEHOLD, code, CATEGORIES, sorted(set(categories)), on, None),
        (HOUSEHOLD, code, STATUS, "active", on, None),
        (HOUSEHOLD, code, MEMBER_IDS, sorted(set(id_numbers)), on, None),
    ]


def fund_rules_value(
    categories: Iterable[str],
    cap_fen: int | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> dict:
    return {
        "cap_fen": cap_fen,
        "categories": sorted(set(categories)),
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_to": valid_to.isoformat() if valid_to else None,
    }


def relatives_value(relatives: Iterable[dict]) -> list[dict]:
    return sorted(
        (
            {
                "household": r.get("household"),
                "id_number": r.get("id_number"),
                "relation": r.get("relation"),
            }
            for r in relatives
        ),
        key=lambda r: (r["household"] or "", r["id_number"] or ""),
    )


# --- reading -----------------------------------------------------------------------------


#: One period: (effective_from, seq, ledger_seq, value as canonical JSON text). Plain
#: tuples: a county's history is hundreds of thousands of them.
Period = tuple[dt.date, int, int, str]


class History:
    """Loaded fact changes, by (subject_kind, subject, fact), each in (effective_from, seq)
    order; values parsed on first use."""

    def __init__(self, rows: Iterable[Sequence[Any]]):
        periods: dict[tuple[str, str, str], list[Period]] = {}
        days: dict[Any, dt.date | None] = {}
        # each kind, subject, fact and short value one object (a county's history is 300,000
        # rows of a few kinds, facts and category lists: held once, not once a row)
        shared: dict[str, str] = {}
        share = shared.setdefault
        for row in rows:
            # HISTORY_COLUMNS first (a caller may pass longer rows); no starred unpacking,
            # which builds a list per row (~35 ms for a county's history)
            seq, kind, subject, fact, value, day, ledger_seq = row if len(row) == 7 else row[:7]
            if type(ledger_seq) is not int or type(value) is not str:
                continue  # a hand edit: the chain check reports the row
            if type(day) is not dt.date:
                known = days.get(day, _MISSING)
                if known is _MISSING:
                    known = days[day] = _date(day)
                if known is None:
                    continue  # unreadable: the chain check reports the row
                day = known
            if len(value) <= 40:
                value = share(value, value)
            key = (kind, subject, fact)
            found = periods.get(key)
            if found is None:
                key = (share(kind, kind), share(subject, subject), share(fact, fact))
                periods[key] = [(day, seq, ledger_seq, value)]
            else:
                found.append((day, seq, ledger_seq, value))
        for found in periods.values():
            if len(found) > 1:
                found.sort()
        self.periods = periods
        self._parsed: dict[Any, Any] = {}
        # payment_as_of's shortcut (_settle), for subjects with one period of each fact
        # counted: household → (low, high, status, exited_on, categories), fund → (low,
        # high, categories, valid_from, valid_to, cap_fen)
        self._settled_households: dict[str, tuple] = {}
        self._settled_funds: dict[str, tuple] = {}
        self._subjects: dict[str, set[str]] = {}

    def subjects(self, kind: str) -> set[str]:
        """Every subject of ``kind`` with some period (one pass over the keys, remembered)."""
        found = self._subjects.get(kind)
        if found is None:
            found = self._subjects[kind] = {k[1] for k in self.periods if k[0] == kind}
        return found

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Fact changes written after this history was loaded (``HISTORY_COLUMNS`` order):
        each period in its place, and payment_as_of's remembered shortcuts forgotten, so
        the next payment is judged by them (an import writing a file's history between its
        payments, with the payments' facts kept: fund_payment.keep_facts)."""
        for key, found in History(rows).periods.items():
            mine = self.periods.get(key)
            if mine is None:
                self.periods[key] = found
            else:
                mine += found
                mine.sort()
        self._settled_households.clear()
        self._settled_funds.clear()
        self._subjects.clear()

    def parse(self, text: str) -> Any:
        value = self._parsed.get(text, _MISSING)
        if value is _MISSING:
            try:
                value = json.loads(text)
            except (ValueError, TypeError):
                value = None
            self._parsed[text] = value
        return value

    def period(
        self, kind: str, subject: str, fact: str, day: dt.date, before: int | None = None
    ) -> Period | None:
        """The period in force on ``day`` among the changes recorded before ledger entry
        ``before`` (None: all of them)."""
        return as_of(self.periods.get((kind, subject, fact)), day, before)

    def value(
        self, kind: str, subject: str, fact: str, day: dt.date, before: int | None = None
    ) -> Any:
        p = self.period(kind, subject, fact, day, before)
        return None if p is None else self.parse(p[3])


_MISSING: Any = object()


def as_of(periods: list[Period] | None, day: dt.date, before: int | None) -> Period | None:
    """The as-of rule: the last period (by effective_from, then seq) starting on or before
    ``day`` among those recorded before ledger entry ``before``; before the first such
    period, the first one."""
    if not periods:
        return None
    if len(periods) == 1:
        p = periods[0]
        return p if before is None or p[2] < before else None
    found = first = None
    for p in periods:
        if before is not None and p[2] >= before:
            continue
        if first is None:
            first = p
        if p[0] <= day:
            found = p
        else:
            break
    return found or first


@functools.cache
def _of_subjects():
    return (
        select(*(_fact.c[c] for c in HISTORY_COLUMNS))
        .where(
            _fact.c.subject_kind == bindparam("kind"),
            _fact.c.subject.in_(bindparam("names", expanding=True)),
        )
        .order_by(_fact.c.seq)
    )


def load_history(conn, subjects: Iterable[tuple[str, str]] | None = None) -> History:
    """Every fact change (or those of ``subjects``: (subject_kind, subject) pairs)."""
    from zoufang.db import driver_rows, driver_rows_streamed

    query = select(*(_fact.c[c] for c in HISTORY_COLUMNS)).order_by(_fact.c.seq)
    if subjects is None:
        return History(driver_rows_streamed(conn, query, 10_000))
    # One kind at a time, ``subject_kind = ? AND subject IN (…)``: the subject index answers
    # it (SQLite does not use an index for a row-value ``(kind, subject) IN (…)`` and read
    # every fact change of the county for one payment).
    by_kind: dict[str, list[str]] = {}
    for kind, subject in sorted(set(subjects)):
        by_kind.setdefault(kind, []).append(subject)
    rows: list = []
    of_subjects = _of_subjects()  # built once: a payment in an import asks this every time
    for kind, names in by_kind.items():
        for start in range(0, len(names), 400):
            rows += driver_rows(
                conn, of_subjects, {"kind": kind, "names": names[start : start + 400]}
            )
    rows.sort(key=lambda r: r[0])
    return History(rows)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# --- the facts a payment is judged by -----------------------------------------------------


@dataclass(slots=True)
class PaymentAsOf:
    """The facts in force for one payment (see :func:`payment_as_of`)."""

    status: str
    exited_on: dt.date | None
    categories: frozenset[str]
    fund_categories: frozenset[str]
    valid_from: dt.date | None
    valid_to: dt.date | None
    cap_fen: int | None
    related_cadres: list[str]
    sharing: list[str]  # other households holding one of this household's people


_EMPTY: frozenset[str] = frozenset()


def payment_as_of(
    history: History,
    *,
    fund: str,
    household: str,
    on: dt.date,
    before: int | None,
    cadres: Iterable[str] = (),
    others: Iterable[str] = (),
) -> PaymentAsOf:
    """The facts a payment of ``fund`` to ``household`` on ``on`` is judged by, as the
    ledger knew them before entry ``before`` (the write path: None, everything so far):
    the household's status and categories, the fund's rules, which of ``cadres`` (those
    present) had a relative in the household, and which of ``others`` (households that may
    share a person with it) held one of its people. The one reading of the history that both
    the write path and `audit funds` judge by."""
    h = HOUSEHOLD
    periods = history.periods
    # A subject whose facts here have one counted period each (or none) has the same facts
    # on every day (the as-of rule picks the only period): they are worked out once and
    # remembered for every payment that counts the same periods (_settle), by household and
    # by fund (the audit asks this for every payment of a county).
    known = history._settled_households.get(household)
    if known is not None and (
        known[0] < before <= known[1] if before is not None else known[1] == _UNBOUNDED
    ):
        _, _, status, exited_on, categories = known
    else:
        status_list = periods.get((h, household, STATUS))
        categories_list = periods.get((h, household, CATEGORIES))
        status_period = as_of(status_list, on, before)
        status = history.parse(status_period[3]) if status_period else "active"
        exited_on = status_period[0] if status_period and status != "active" else None
        categories = _frozen(history, as_of(categories_list, on, before))
        _settle(history._settled_households, household, (status_list, categories_list), before,
                (status, exited_on, categories))  # fmt: skip
    known = history._settled_funds.get(fund)
    if known is not None and (
        known[0] < before <= known[1] if before is not None else known[1] == _UNBOUNDED
    ):
        _, _, fund_categories, valid_from, valid_to, cap_fen = known
    else:
        rules_list = periods.get((FUND, fund, RULES))
        fund_categories, valid_from, valid_to, cap_fen = rules = _rules(
            history, as_of(rules_list, on, before)
        )
        _settle(history._settled_funds, fund, (rules_list,), before, rules)
    if not cadres and not others:  # the common case: no cadre's relative, no one shared
        return PaymentAsOf(
            status, exited_on, categories, fund_categories, valid_from, valid_to, cap_fen, [], []
        )
    persons = None
    related: list[str] = []
    for cadre in cadres:
        relatives = history.value(CADRE, cadre, RELATIVES, on, before) or ()
        for r in relatives:
            if not isinstance(r, dict):
                continue
            if r.get("household") == household:
                related.append(cadre)
                break
            number = r.get("id_number")
            if number:
                if persons is None:
                    persons = _frozen(
                        history, as_of(periods.get((h, household, MEMBER_IDS)), on, before)
                    )
                if number in persons:
                    related.append(cadre)
                    break
    sharing: list[str] = []
    for other in others:
        if other == household:
            continue
        if persons is None:
            persons = _frozen(history, history.period(h, household, MEMBER_IDS, on, before))
        theirs = _frozen(history, history.period(h, other, MEMBER_IDS, on, before))
        if persons & theirs:
            sharing.append(other)
    return PaymentAsOf(
        status,
        exited_on,
        categories,
        fund_categories,
        valid_from,
        valid_to,
        cap_fen,
        sorted(set(related)) if related else related,
        sorted(sharing) if sharing else sharing,
    )


#: No period recorded after the remembered ones (see _settle).
_UNBOUNDED = sys.maxsize


def _settle(settled: dict, key: str, lists: tuple, before: int | None, facts: tuple) -> None:
    """Remember ``facts`` (read from the period ``lists`` for a payment written before
    ledger entry ``before``) for ``key`` as (low, high, *facts) if no list has more than one
    period that counted for this payment (recorded before ``before``): low is the newest
    counted period's ledger_seq, high the oldest uncounted one's (or :data:`_UNBOUNDED`).
    Any payment written before an entry in (low, high] counts exactly the same periods, so
    the as-of rule picks the same facts for it, whatever its day; a payment of the write
    path (``before`` None) counts them all, so only if high is unbounded."""
    low, high = -1, _UNBOUNDED
    for periods in lists:
        if periods is None:
            continue
        counted = 0
        for period in periods:
            recorded = period[2]
            if before is None or recorded < before:
                counted += 1
                if counted > 1:
                    return
                if recorded > low:
                    low = recorded
            elif recorded < high:
                high = recorded
    settled[key] = (low, high, *facts)


_NO_RULES: tuple = (frozenset(), None, None, None)


def _rules(history: History, period: Period | None) -> tuple:
    """A fund's rules period as (categories, valid_from, valid_to, cap_fen), parsed once."""
    if period is None:
        return _NO_RULES
    key = ("rules", period[3])
    cached = history._parsed.get(key)
    if cached is None:
        rules = history.parse(period[3])
        if not isinstance(rules, dict):
            rules = {}
        cap = rules.get("cap_fen")
        cached = history._parsed[key] = (
            frozenset(c for c in rules.get("categories") or () if isinstance(c, str)),
            _date(rules["valid_from"]) if rules.get("valid_from") else None,
            _date(rules["valid_to"]) if rules.get("valid_to") else None,
            cap if type(cap) is int else None,
        )
    return cached


def _frozen(history: History, period: Period | None) -> frozenset[str]:
    if period is None:
        return _EMPTY
    cached = history._parsed.get(("frozen", period[3]))
    if cached is None:
        value = history.parse(period[3])
        cached = (
            frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else _EMPTY
        )
        history._parsed[("frozen", period[3])] = cached
    return cached


# --- writing a change ----------------------------------------------------------------------


def check_from(
    session: LedgerSession,
    *,
    on: dt.date,
    today: dt.date,
    reason: str | None,
    subject_kind: str,
    subject: str,
    fact: str,
    enrolled_on: dt.date | None = None,
) -> None:
    """Refuse an effective date no change can have (exit 2), or one before the period in
    force began (exit 1: the history is only ever extended forwards)."""
    from zoufang.errors import InvalidInput, RuleViolation
    from zoufang.i18n import _
    from zoufang.labels import FACT, label_of

    if on > today:
        raise InvalidInput("--from", _("{date} is in the future").format(date=on))
    if on < EARLIEST:
        raise InvalidInput(
            "--from", _("{date} is before {earliest}").format(date=on, earliest=EARLIEST)
        )
    if enrolled_on is not None and on < enrolled_on:
        raise InvalidInput(
            "--from",
            _("{date} is before the household was enrolled ({enrolled})").format(
                date=on, enrolled=enrolled_on
            ),
        )
    if on < today and not (reason and reason.strip()):
        raise InvalidInput(
            "--reason",
            _("a backdated change (--from {date}, before today) needs a reason").format(date=on),
        )
    latest = session.execute(
        select(func.max(_fact.c.effective_from)).where(
            _fact.c.subject_kind == subject_kind, _fact.c.subject == subject, _fact.c.fact == fact
        )
    ).scalar()
    latest = latest if latest is None or isinstance(latest, dt.date) else _date(latest)
    if latest is not None and on < latest:
        raise RuleViolation(
            "--from",
            _(
                "{subject}'s {fact} has a period from {latest}; a change cannot take effect "
                "before it"
            ).format(subject=subject, fact=label_of(FACT, fact), latest=latest),
        )


def subject_history(session: LedgerSession, subject_kind: str, subject: str) -> list[dict]:
    """Every change of one subject's facts, in the order recorded, each with the value it
    replaced (``before``: the value recorded last before it for the same fact)."""
    rows = session.execute(
        select(_fact)
        .where(_fact.c.subject_kind == subject_kind, _fact.c.subject == subject)
        .order_by(_fact.c.seq)
    ).all()
    last: dict[str, Any] = {}
    out = []
    for r in rows:
        value = json.loads(r.value)
        out.append(
            {
                "seq": r.seq,
                "fact": r.fact,
                "effective_from": r.effective_from,
                "recorded_at": r.recorded_at,
                "operator": r.operator,
                "origin": r.origin,
                "before": last.get(r.fact),
                "after": value,
                "reason": r.reason,
            }
        )
        last[r.fact] = value
    return out


def latest_change(
    session: LedgerSession, subject_kind: str, subject: str, fact: str
) -> tuple[dt.date, dt.datetime] | None:
    """(effective_from, recorded_at) of the last change recorded for one fact."""
    row = session.execute(
        select(_fact.c.effective_from, _fact.c.recorded_at)
        .where(
            _fact.c.subject_kind == subject_kind, _fact.c.subject == subject, _fact.c.fact == fact
        )
        .order_by(_fact.c.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def current_facts(conn, *, household_ids: Iterable[int] | None = None) -> list[tuple]:
    """The facts the current-state tables hold, as opening changes (for
    :func:`append_many`): each household's categories, status (active from its enrolment;
    exited from its exit day) and people, from its enrolment date (bulk-written households:
    `demo`)."""
    from zoufang.tables import household as H
    from zoufang.tables import household_category as HC
    from zoufang.tables import member as M

    cats: dict = {}
    for hid, cat in conn.execute(select(HC.c.household_id, HC.c.category_code)):
        cats.setdefault(hid, []).append(cat)
    people: dict = {}
    for hid, number in conn.execute(
        select(M.c.household_id, M.c.id_number).where(M.c.id_number.is_not(None))
    ):
        people.setdefault(hid, set()).add(number)
    query = select(H.c.id, H.c.code, H.c.id_number, H.c.status, H.c.exited_on, H.c.enrolled_on)
    changes: list[tuple] = []
    for hid, code, number, status, exited_on, enrolled_on in conn.execute(query.order_by(H.c.id)):
        if household_ids is not None and hid not in household_ids:
            continue
        changes += household_opening(
            code, cats.get(hid, []), people.get(hid, set()) | {number}, enrolled_on
        )
        if status != "active":
            changes.append(
                (HOUSEHOLD, code, STATUS, status, max(exited_on or enrolled_on, enrolled_on), None)
            )
    return changes


def household_history(session: LedgerSession, code: str) -> list[dict]:
    """Every change of a household's facts (`household history`), oldest first: the day it
    took effect, when and by whom it was recorded, the value before and after, the reason.
    ID numbers are masked."""
    from zoufang.parsing import mask_id_number
    from zoufang.services.households import get_household

    household = get_household(session=session, code=code)
    rows = subject_history(session, HOUSEHOLD, household.code)
    for row in rows:
        if row["fact"] == MEMBER_IDS:
            for key in ("before", "after"):
                if isinstance(row[key], list):
                    row[key] = [mask_id_number(n) for n in row[key]]
    return rows

"""The money chain's storage: append-only fund entries (``ledger_entry``) in one SHA-256
hash chain.

Appending lives here; the canonical form of an entry, the chain's format and its check are
in :mod:`zoufang.chain`.

Appending is serialised: on SQLite every write transaction starts with ``BEGIN IMMEDIATE``
(one writer at a time); on PostgreSQL the appender takes a transaction-scoped advisory lock
before reading the head. Either way two cadres paying at once produce one chain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, text

from zoufang.chain import GENESIS_HASH, ChainHead, _nfc, entry_hash

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Any constant: the key of the PostgreSQL advisory lock that serialises appends.
PG_APPEND_LOCK = 0x7A6F7566  # "zouf"


@dataclass(frozen=True, slots=True)
class Entry:
    """One appended ledger entry, as written (the columns of :data:`zoufang.tables.ledger_entry`)."""

    seq: int
    fund_code: str
    kind: str
    amount_fen: int
    household_code: str | None
    visit_id: int | None
    entry_date: dt.date
    cadre_code: str | None
    operator: str
    memo: str | None
    reverses_seq: int | None
    override_reason: str | None
    recorded_at: dt.datetime
    prev_hash: str
    hash: str

    def model_dump(self) -> dict[str, Any]:
        """Its fields by name, as the ORM's ``LedgerEntry.model_dump()`` gives them (the
        audit log records this)."""
        return {name: getattr(self, name) for name in _ENTRY_FIELDS}


#: :class:`Entry`'s fields in order, found once (a payment dumps its entry twice).
_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))


def chain_head(session: LedgerSession) -> ChainHead:
    """The newest entry's seq and hash (0 and the genesis hash for an empty chain), with
    SQLAlchemy Core: `report` and `remind` print it without loading the ORM."""
    conn = session.connection()
    # PostgreSQL: through the SECURITY DEFINER function of migration 0015, which reads the
    # whole chain for a login that sees only its villages' entries (the same query)
    head = _statements()[2] if conn.dialect.name == "postgresql" else _statements()[0]
    row = conn.execute(head).first()
    return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row.seq, row.hash)


@functools.cache
def _statements() -> tuple:
    """The chain head's read, an entry's insert and the head's read on PostgreSQL, built once (an import appends thousands
    of entries; building a statement again each time was most of an append's time)."""
    from zoufang.tables import ledger_entry as E

    return (
        select(E.c.seq, E.c.hash).order_by(E.c.seq.desc()).limit(1),
        insert(E),
        text("SELECT seq, hash FROM zoufang_chain_head()"),
    )


def lock_for_append(session: LedgerSession) -> None:
    """Serialise appenders (SQLite already holds the write lock from BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    options = session.connection().get_execution_options()
    if options.get("zoufang_write") == "function":
        return  # the ledger's write lock, taken by its function at BEGIN, serialises appends
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_APPEND_LOCK}
        )


def append(
    session: LedgerSession,
    *,
    fund_code: str,
    kind: str,
    amount_fen: int,
    entry_date: dt.date,
    household_code: str | None = None,
    visit_id: int | None = None,
    cadre_code: str | None = None,
    memo: str | None = None,
    reverses_seq: int | None = None,
    override_reason: str | None = None,
) -> Entry:
    """Append one entry at the head of the chain, inside the caller's transaction (with
    SQLAlchemy Core: a payment imports no ORM)."""

    lock_for_append(session)
    session.flush()  # what the ORM holds back goes before the entry that may refer to it
    # fund_payment.keep_facts (a bulk write holding the lock): the head it appended last
    facts = session.info.get("payment_facts_kept")
    head = facts.head if facts is not None and facts.head is not None else chain_head(session)
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "fund_code": _nfc(fund_code),
        "kind": kind,
        "amount_fen": amount_fen,
        "household_code": _nfc(household_code),
        "visit_id": visit_id,
        "entry_date": entry_date,
        "cadre_code": _nfc(cadre_code),
        "operator": _nfc(session.info.get("operator", "unknown")),
        "memo": _nfc(memo),
        "reverses_seq": reverses_seq,
        "override_reason": _nfc(override_reason),
        "recorded_at": session.recorded_at(),
        "prev_hash": head.hash,
    }
    entry = Entry(**fields, hash=entry_hash(fields))
    held = facts.held if facts is not None else None
    if held is not None:
        held.add(entry.model_dump())  # written with its batch, before anything reads entries
    else:
        session.connection().execute(_statements()[1], entry.model_dump())
    if facts is not None:
        facts.appended(session.connection(), fields)
        facts.head = ChainHead(entry.seq, entry.hash)
    kept = session.info.get(TOTALS)
    if kept is not None and fields["fund_code"] in kept:  # as fund_payment.fund_totals sums
        totals = kept[fields["fund_code"]]
        if kind == "allocate":
            totals[0] += amount_fen
        elif kind == "disburse":
            totals[1] += amount_fen
        elif kind == "reverse":
            totals[0 if household_code is None else 1] -= amount_fen
    return entry


class HeldEntries:
    """Entries a bulk write (`import`'s money sheet, :func:`fund_payment.keep_facts`) has
    appended, written :data:`HELD_AT_MOST` at a time with one ``executemany`` instead of one
    statement each (a third of a payment's time at the county, docs/benchmarks.md).

    Nothing can read the chain without them: before any statement on the connection that
    names ``ledger_entry`` (or calls one of the ledger's own ``zoufang_…`` functions, which
    read it on PostgreSQL, or writes a row that refers to an entry), the held entries are
    written first. :meth:`close` writes the
    rest; a caller that rolls back has written nothing."""

    def __init__(self, conn: Any) -> None:
        from sqlalchemy import event

        self.conn = conn
        self.rows: list[dict[str, Any]] = []
        event.listen(conn, "before_cursor_execute", self._before)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= HELD_AT_MOST:
            self.write()

    def write(self) -> None:
        rows, self.rows = self.rows, []  # emptied first: the insert below names the table
        if rows:
            from zoufang.db.writing import insert_many
            from zoufang.tables import ledger_entry

            insert_many(self.conn, ledger_entry, rows)

    def close(self, *, write: bool = True) -> None:
        """Stop holding: the held entries written (``write``), or dropped (the transaction
        is being rolled back after an error)."""
        from sqlalchemy import event

        try:
            if write:
                self.write()
        finally:
            self.rows = []
            event.remove(self.conn, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.rows and any(mark in statement for mark in _READS_ENTRIES):
            self.write()


#: What in a statement's SQL means it may read the chain: the table; the ledger's own
#: PostgreSQL functions; the columns that refer to an entry (a row naming a held entry
#: would fail its foreign key check: a wish's or a plan payment's ``entry_seq``).
_READS_ENTRIES = ("ledger_entry", "zoufang_", "entry_seq")

#: Entries held by :class:`HeldEntries` are written once there are this many.
HELD_AT_MOST = 2000


#: ``session.info`` key of each fund's [allocated, disbursed] kept during a bulk write.
TOTALS = "fund_totals_kept"


def keep_totals(session: LedgerSession) -> None:
    """From now on in this session, :func:`zoufang.services.funds.fund_totals` sums a fund
    once and :func:`append` keeps the sums up to date (a bulk write: `import`)."""
    session.info.setdefault(TOTALS, {})

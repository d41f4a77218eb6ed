"""The money chain's storage: append-only fund entries (``ledger_entry``) in one SHA-256
hash chain.

Appending lives here; the canonical form of an entry, the chain's format and its check are
in :mod:`zoufang.chain`.

Appending is serialised: on SQLite every write transaction starts with ``BEGIN IMMEDIATE``
(one writer at a time); on PostgreSQL the appender takes a transaction-scoped advisory lock
before reading the head. Either way two cadres paying at once produce one chain.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from zoufang.chain import GENESIS_HASH, ChainHead, _nfc, entry_hash

if TYPE_CHECKING:  # the models load only where entries are written: `audit funds` never needs them
    from zoufang.db import LedgerSession
    from zoufang.models import LedgerEntry

#: Any constant: the key of the PostgreSQL advisory lock that serialises appends.
PG_APPEND_LOCK = 0x7A6F7566  # "zouf"


def chain_head(session: LedgerSession) -> ChainHead:
    """The newest entry's seq and hash (0 and the genesis hash for an empty chain), with
    SQLAlchemy Core: `report` and `remind` print it without loading the ORM."""
    from zoufang.tables import ledger_entry as E

    row = (
        session.connection()
        .execute(select(E.c.seq, E.c.hash).order_by(E.c.seq.desc()).limit(1))
        .first()
    )
    return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row.seq, row.hash)


def lock_for_append(session: LedgerSession) -> None:
    """Serialise appenders (SQLite already holds the write lock from BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    options = session.connection().get_execution_options()
    if options.get("zoufang_write") == "function":
        return  # the ledger's write lock, taken by its function at BEGIN, serialises appends
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_APPEND_LOCK})


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
) -> LedgerEntry:
    """Append one entry at the head of the chain, inside the caller's transaction."""
    from zoufang.models import LedgerEntry

    lock_for_append(session)
    head = chain_head(session)
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
    entry = LedgerEntry(**fields, hash=entry_hash(fields))
    session.add(entry)
    session.flush()
    return entry

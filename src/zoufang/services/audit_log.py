"""The append-only audit log: who changed what and when, for every write.

Services call :func:`record` for each object they create or change, inside the command's
transaction, so the log and the change land together or not at all. The operator and the
command come from ``session.info`` (set by :meth:`zoufang.db.Ledger.session`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from zoufang.tables import audit_log

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def record(
    session: LedgerSession,
    *,
    action: str,
    object_type: str,
    object_key: str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one audit row for a change made in this transaction (on the session's
    connection with SQLAlchemy Core: a command that writes with Core, such as `visit log`,
    needs no ORM for its audit rows either). Inside :func:`bulk` the row is held and
    written with the others, in order, when the bulk ends."""
    from sqlalchemy import insert

    row = {
        "at": session.recorded_at(),
        "operator": _fit(session.info.get("operator", "unknown"), 100),
        "command": _fit(session.info.get("command", "unknown"), 100),
        "action": _fit(action, 40),
        "object_type": _fit(object_type, 40),
        "object_key": _fit(object_key, 100),
        "before": _dump(before),
        "after": _dump(after),
    }
    held = session.info.get(HELD)
    if held is not None:
        held.append(row)
        if len(held) >= HELD_AT_MOST:  # written as they come, a batch at a time, in order
            _write(session, held)
            held.clear()
        return
    session.connection().execute(insert(audit_log).values(**row))


HELD = "audit_rows_held"
#: Held rows are written once there are this many: a county's import records ~2 million,
#: which held to the end would be ~1 GB.
HELD_AT_MOST = 5000


def hold(session: LedgerSession) -> None:
    """From now on, :func:`record` keeps the rows (a bulk write such as `import`: one
    INSERT for many of them instead of one each), writing them :data:`HELD_AT_MOST` at a
    time; :func:`write_held` writes the rest. A caller that rolls back writes nothing."""
    session.info.setdefault(HELD, [])


def write_held(session: LedgerSession) -> None:
    """Write the rows :func:`record` kept since :func:`hold`, in their order, and stop
    keeping them."""
    _write(session, session.info.pop(HELD, None) or [])


def _write(session: LedgerSession, rows: list[dict]) -> None:

    from zoufang.db.writing import insert_many

    for start in range(0, len(rows), 5000):
        insert_many(session.connection(), audit_log, rows[start : start + 5000])


def _fit(text: str, limit: int) -> str:
    """Shortened to the column's length: PostgreSQL refuses a longer value (SQLite would
    keep it), and an audit row must never be the reason a command fails."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dump(value: Any) -> str | None:
    """A row's fields (a dict, or a model object's ``model_dump()``) as compact JSON text:
    keys sorted, no white space, CJK as is, dates as ISO text, without a copy of the row
    first (an import records ~2 million). orjson writes it (~1 µs a row against the
    standard library's ~8); what orjson refuses (an integer beyond 64 bits, a lone
    surrogate) the standard library writes in the same form, non-ASCII escaped."""
    if value is None:
        return None
    fields = value if isinstance(value, dict) else value.model_dump()
    try:
        return _orjson_dumps(fields, option=_ORJSON_OPTIONS, default=_refuse).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _encode(fields)


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):  # and datetime
        return value.isoformat()
    return _refuse(value)


def _orjson():
    import orjson

    return orjson.dumps, orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


_orjson_dumps, _ORJSON_OPTIONS = _orjson()
#: The standard library's encoder, in orjson's form, for what orjson refuses (one encoder
#: for every row: ``json.dumps`` with options builds a new one each call); non-ASCII as
#: ``\u`` escapes there, so that even a lone surrogate can be stored.
_encode = json.JSONEncoder(
    ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=_iso
).encode


def record_backfill(session: LedgerSession, *, today: dt.date, reason: str) -> None:
    """A command run with --backfill: the day it wrote as of and why, in the audit log at
    the same real time as the rows it records (``at`` is the transaction's
    :meth:`~zoufang.db.LedgerSession.recorded_at`), which is how the audits tie its rows to
    it."""
    record(
        session,
        action="backfill",
        object_type="command",
        object_key=session.info.get("command", "unknown"),
        after={"today": today.isoformat(), "reason": reason},
    )

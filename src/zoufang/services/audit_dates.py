"""The audits' date checks: each evidence row's own date against the day it was recorded.

Every evidence row stores ``recorded_at`` from the real clock (:mod:`zoufang.clock`). A row
dated after the day it was recorded is ``future-dated`` (an error: a visit or a payment
cannot have happened later than it was written down); "the day" is the latest calendar date
anywhere at that UTC time (UTC+14), so no time zone makes an honest row future-dated. A row
dated more than ``late_days`` days before the day it was recorded is a ``late-entry``
warning naming who wrote it (``[audit] late_days`` in the config file, default 30): paper
diaries entered late are allowed, and seen. A command run with ``--backfill`` is listed
(``backfill``, a warning) with its reason, and the late entries it made say so.

Rows recorded before migration 0007 without a ``recorded_at`` (commitment responses) are
skipped. The database picks the few suspicious rows (the comparison is in the query), so an
honest county ledger costs one indexed scan, not a row-by-row look in Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, func, or_, select, type_coerce

from zoufang.clock import MAX_UTC_OFFSET
from zoufang.i18n import N_
from zoufang.labels import Message
from zoufang.services.audit_findings import Finding, finding
from zoufang.tables import audit_log as _log
from zoufang.tables import commitment as _commitment
from zoufang.tables import commitment_response as _response
from zoufang.tables import household as _household
from zoufang.tables import ledger_entry as _entry
from zoufang.tables import visit as _visit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: Days a row may be dated before the day it was recorded without a warning.
DEFAULT_LATE_DAYS = 30


@dataclass(frozen=True)
class Backfill:
    at: dt.datetime
    operator: str
    command: str
    today: str
    reason: str


def _date_of(conn: Connection, column: Any, shift: dt.timedelta) -> Any:
    """The calendar date of a timestamp column moved by ``shift``, in SQL."""
    if conn.dialect.name == "sqlite":
        return func.date(column, f"{int(shift.total_seconds()):+d} seconds")
    return func.date(column + shift)


def _suspicious(conn: Connection, day: Any, recorded_at: Any, late_days: int) -> Any:
    return or_(
        day > _date_of(conn, recorded_at, MAX_UTC_OFFSET),
        day < _date_of(conn, recorded_at, -dt.timedelta(days=late_days)),
    )


def _raw(column: Any) -> Any:
    """A date or time column as stored: a value a tamperer made unreadable must be judged
    here (it is no date), not stop the audit in the driver's conversion."""
    return type_coerce(column, String)


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    try:
        return dt.datetime.fromisoformat(str(value)[:19])
    except (ValueError, TypeError):
        return None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (ValueError, TypeError):
        return None


def backfills(conn: Connection) -> dict[tuple[str, dt.datetime], list[Backfill]]:
    """Every command run with --backfill, by (operator, real time): the key its rows carry
    (two commands of one operator in the same second share it)."""
    found: dict[tuple[str, dt.datetime], list[Backfill]] = {}
    for at, operator, command, action, after in conn.execute(
        select(_log.c.at, _log.c.operator, _log.c.command, _log.c.action, _log.c.after)
        .where(
            (_log.c.action == "backfill")
            | ((_log.c.action == "import") & (_log.c.object_type == "workbook"))
        )
        .order_by(_log.c.at, _log.c.id)
    ):
        when = _as_datetime(at)
        if when is None:
            continue
        try:
            said = json.loads(after or "{}")
        except ValueError:
            said = {}
        # a whole-workbook import (`zoufang import`) carries the office's past into the ledger:
        # it is listed once, like a backfill, naming the file, and its rows are not late
        # entries one by one
        reason = (
            str(said.get("reason", ""))
            if action == "backfill"
            else f"import {said.get('file', '')}"
        )
        found.setdefault((operator, when), []).append(
            Backfill(when, operator, command, str(said.get("today", "")), reason)
        )
    return found


def _judge(
    what: Message,
    day: Any,
    recorded: Any,
    operator: str,
    late_days: int,
    filled: dict[tuple[str, dt.datetime], list[Backfill]],
    **where: Any,
) -> Finding | None:
    """The finding for one row the query picked (or None if, read in Python, it is fine)."""
    on, at = _as_date(day), _as_datetime(recorded)
    if on is None or at is None:
        return None
    backfill = filled.get((operator, at))
    reasons = "; ".join(dict.fromkeys(b.reason for b in backfill or ()))
    imported = backfill is not None and all(b.command == "import" for b in backfill)
    if on > (at + MAX_UTC_OFFSET).date():
        return finding(
            "future-dated",
            Message(
                N_(
                    "{what} is dated {date}, after the day it was recorded ({recorded} UTC, by {operator})"
                ),
                what=what,
                date=on,
                recorded=at,
                operator=operator,
            ),
            severity="error",
            **where,
        )
    days = (at.date() - on).days
    if days <= late_days or imported:
        return None
    if backfill is not None:
        message = Message(
            N_(
                "{what} is dated {date}, {days} days before it was recorded ({recorded} UTC, "
                "by {operator}, backfill: {reason})"
            ),
            what=what,
            date=on,
            days=days,
            recorded=at,
            operator=operator,
            reason=reasons,
        )
    else:
        message = Message(
            N_(
                "{what} is dated {date}, {days} days before it was recorded ({recorded} UTC, by {operator})"
            ),
            what=what,
            date=on,
            days=days,
            recorded=at,
            operator=operator,
        )
    return finding("late-entry", message, severity="warning", **where)


def backfill_findings(
    filled: dict[tuple[str, dt.datetime], list[Backfill]], keys: set[tuple[str, dt.datetime]] | None
) -> list[Finding]:
    """The commands run with --backfill (those of ``keys``, or all), as warnings: one for
    each operator and reason (a stack of diaries entered in one sitting is one finding)."""
    groups: dict[tuple[str, str], list[Backfill]] = {}
    for key, found in filled.items():
        if keys is None or key in keys:
            for b in found:
                groups.setdefault((b.operator, b.reason), []).append(b)
    out = []
    for (operator, reason), group in groups.items():
        days = sorted({b.today for b in group})
        out.append(
            finding(
                "backfill",
                Message(
                    N_(
                        "{operator} ran {count} command(s) with --backfill between {first} and "
                        "{last} UTC, dated {days}: {reason}"
                    ),
                    operator=operator,
                    count=len(group),
                    first=group[0].at,
                    last=group[-1].at,
                    days=days[0] if len(days) == 1 else f"{days[0]} … {days[-1]}",
                    reason=reason,
                ),
                severity="warning",
            )
        )
    return out


def late_entries(conn: Connection, late_days: int) -> Any:
    """The ledger entries :func:`entry_date_findings` looks at: dated after, or more than
    ``late_days`` before, the day they were recorded (a scan of every entry, in SQL)."""
    E = _entry
    return (
        select(
            E.c.seq, E.c.fund_code, E.c.household_code, _raw(E.c.entry_date), _raw(E.c.recorded_at)
        )
        .add_columns(E.c.operator)
        .where(_suspicious(conn, E.c.entry_date, E.c.recorded_at, late_days))
        .order_by(E.c.seq)
    )


def entry_date_findings(
    conn: Connection, late_days: int, rows: Iterable[Sequence[Any]] | None = None
) -> list[Finding]:
    """`audit funds`: ledger entries dated after, or long before, they were recorded; and the
    backfills that wrote entries. ``rows``: those of :func:`late_entries`, if read already
    (by the audit's worker)."""
    filled = backfills(conn)
    out: list[Finding] = []
    if rows is None:
        rows = conn.execute(late_entries(conn, late_days))
    for seq, fund, household, day, recorded, operator in rows:
        what = Message(N_("entry {entry}"), entry=seq)
        found = _judge(
            what, day, recorded, operator, late_days, filled,
            fund=fund, entry=seq, household=household,
        )  # fmt: skip
        if found is not None:
            out.append(found)
    mine = {key for key in filled if key in _entry_writers(conn, filled)}
    return backfill_findings(filled, mine) + out


def visit_date_findings(conn: Connection, late_days: int) -> list[Finding]:
    """`audit visits`: visits and commitment responses dated after, or long before, they
    were recorded; and the backfills (all of them but those that wrote ledger entries,
    which `audit funds` lists)."""
    V, R, M, H = _visit, _response, _commitment, _household
    filled = backfills(conn)
    out: list[Finding] = []
    for vid, code, day, recorded, operator in conn.execute(
        select(V.c.id, H.c.code, _raw(V.c.visit_date), _raw(V.c.recorded_at), V.c.operator)
        .join(H, H.c.id == V.c.household_id)
        .where(_suspicious(conn, V.c.visit_date, V.c.recorded_at, late_days))
        .order_by(V.c.id)
    ):
        what = Message(N_("visit {visit} to {household}"), visit=vid, household=code)
        found = _judge(what, day, recorded, operator, late_days, filled, household=code)
        if found is not None:
            out.append(found)
    for rid, cid, code, day, recorded, operator in conn.execute(
        select(
            R.c.id, M.c.id, H.c.code, _raw(R.c.response_date), _raw(R.c.recorded_at), R.c.operator
        )
        .join(M, M.c.id == R.c.commitment_id)
        .join(H, H.c.id == M.c.household_id)
        .where(
            R.c.recorded_at.is_not(None),
            _suspicious(conn, R.c.response_date, R.c.recorded_at, late_days),
        )
        .order_by(R.c.id)
    ):
        what = Message(
            N_("response {response} to commitment {commitment}"), response=rid, commitment=cid
        )
        found = _judge(what, day, recorded, operator, late_days, filled, household=code)
        if found is not None:
            out.append(found)
    wrote_entries = _entry_writers(conn, filled)
    mine = {key for key in filled if key not in wrote_entries}
    return backfill_findings(filled, mine) + out


def _entry_writers(conn: Connection, filled: dict) -> set[tuple[str, dt.datetime | None]]:
    """(operator, recorded_at) of the ledger entries written by the backfills of ``filled``."""
    if not filled:
        return set()
    E = _entry
    times = sorted({at for _operator, at in filled})
    return {
        (o, _as_datetime(a))
        for o, a in conn.execute(
            select(E.c.operator, E.c.recorded_at)
            .where(E.c.recorded_at.between(times[0], times[-1]))
            .distinct()
        ).all()
    }

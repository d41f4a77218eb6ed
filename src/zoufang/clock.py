"""The real clock: when a row was really recorded, whatever ``--today`` says.

``--today`` / ``ZOUFANG_TODAY`` moves the day that *reading* commands look at the ledger as
of. It never moves when evidence is recorded: every evidence row (ledger entries, visits,
commitment responses) stores ``recorded_at`` from the real clock — on PostgreSQL the
server's ``now()`` (:meth:`zoufang.db.LedgerSession.recorded_at`), on SQLite this machine's
clock, which is the machine that holds the file — and a write under a ``--today`` that is
not the real date is refused unless ``--backfill REASON`` says why (docs/guarantees.md).

Tests need a fixed real clock: ``ZOUFANG_REAL_CLOCK_FOR_TESTS`` (``YYYY-MM-DD``, meaning
noon UTC that day, or ``YYYY-MM-DDTHH:MM:SS`` in UTC) replaces the real clock on both
backends. Nothing else sets it; it is not an option, and it is not ``--today``.
"""

from __future__ import annotations

import datetime as dt
import os

#: The test seam (see the module docstring): only the test suite sets it.
TEST_CLOCK_VARIABLE = "ZOUFANG_REAL_CLOCK_FOR_TESTS"
#: The most a local date can be ahead of UTC (UTC+14, Kiribati): a row dated D recorded at
#: UTC time T is future-dated only when D is after T's date in every time zone.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


def fixed_clock() -> dt.datetime | None:
    """The fixed real clock of the test suite (naive UTC), or None."""
    raw = os.environ.get(TEST_CLOCK_VARIABLE, "").strip()
    if not raw:
        return None
    if len(raw) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time(12))
    return dt.datetime.fromisoformat(raw).replace(tzinfo=None, microsecond=0)


def real_utcnow() -> dt.datetime:
    """Now, naive UTC, to the second, from this machine's clock (or the test seam)."""
    fixed = fixed_clock()
    if fixed is not None:
        return fixed
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def real_today() -> dt.date:
    """The real date here (the local calendar day; the test seam's day in tests)."""
    fixed = fixed_clock()
    if fixed is not None:
        return fixed.date()
    return dt.date.today()


def latest_local_date(recorded_at: dt.datetime) -> dt.date:
    """The latest calendar date anywhere on Earth at the UTC time ``recorded_at``: a row dated
    after it was dated after the day it was recorded (``future-dated``)."""
    return (recorded_at + MAX_UTC_OFFSET).date()

"""The ledger's schema, declared once: every table, column, key and index (SQLAlchemy Core).

Everything that talks to the database starts from these declarations:

* the ORM classes in :mod:`zoufang.models` are mapped onto these very ``Table`` objects
  (each field's column *is* the column below), so the models cannot drift from them;
* the county-wide services (`due`, `audit funds`, `report`, `visit log`) query them with
  Core, without importing SQLModel, pydantic and the models;
* Alembic compares the migrations with :data:`metadata` (``migrations/env.py``), and
  ``tests/test_migrations.py`` checks that a blank ledger migrated to head has exactly this
  schema on SQLite and PostgreSQL;
* :func:`max_length` reads a text column's length: every text option's limit comes from it
  (:func:`zoufang.services.limits.column_limit`), and `db copy` checks every row against it
  before writing.

What a declaration cannot hold lives in the migrations and is checked by the same tests: the
triggers that make ``ledger_entry`` append-only.

Money is always an integer number of fen (``*_fen`` columns, 64-bit). Dates are ``date``
columns; timestamps are naive UTC, to the second (:func:`utcnow`). Codes (``H000001``,
``C0001``, category and fund codes) are what people type; integer ids are what rows join on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TableClause,
    Text,
    column,
)
from sqlalchemy import table as table_clause

metadata = MetaData()


def utcnow() -> dt.datetime:
    """Now, UTC, to the second: how the ledger stores timestamps."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def max_length(table: Table, column: str) -> int | None:
    """The length a text column holds (None for unbounded ``Text``): where input limits
    should come from, so that what the program accepts is what every backend stores."""
    return getattr(table.c[column].type, "length", None)


def without_types(table: Table) -> TableClause:
    """The table as a bare Core table clause, the same columns and no type processing: for
    bulk inserts of values already in the database's own form (`demo`, roster import)."""
    return table_clause(table.name, *(column(c.name) for c in table.columns))


category = Table(
    "category",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("label", String(100), nullable=False),
    Column("cadence_days", Integer, nullable=False),
    Column("builtin", Boolean, nullable=False, default=False),
)

household = Table(
    "household",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("head_name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False, unique=True),
    Column("phone", String(40)),
    Column("village", String(100), nullable=False, index=True),
    Column("grid", String(100)),
    Column("address", String(300)),
    Column("members_count", Integer),
    Column("income_fen", BigInteger),
    Column("housing", String(300)),
    Column("health", String(300)),
    Column("employment", String(300)),
    Column("hardship", String(500)),
    Column("cadence_days", Integer),
    Column("status", String(10), nullable=False, default="active"),
    Column("exit_reason", String(500)),
    Column("exited_on", Date),
    Column("enrolled_on", Date, nullable=False),
    # Derived from the visits (kept in step by services.due.refresh_due_dates in the same
    # transaction as every write that changes them) so that `due` is one indexed query.
    Column("last_visit_on", Date),
    Column("due_date", Date),
    # `due` reads this index alone, in order (migration 0004).
    Index(
        "ix_household_due", "status", "due_date", "code", "head_name", "village", "last_visit_on"
    ),
)

household_category = Table(
    "household_category",
    metadata,
    Column(
        "household_id",
        Integer,
        ForeignKey("household.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("category_code", String(40), ForeignKey("category.code"), primary_key=True, index=True),
)

member = Table(
    "member",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("relation", String(40), nullable=False),
    Column("birth_year", Integer),
    Column("health", String(300)),
    Column("id_number", String(18), index=True),
)

cadre = Table(
    "cadre",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("unit", String(200)),
    Column("phone", String(40)),
    Column("email", String(200)),
)

assignment = Table(
    "assignment",
    metadata,
    Column("household_id", Integer, ForeignKey("household.id"), primary_key=True),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), primary_key=True, index=True),
    Column("assigned_on", Date, nullable=False),
)

#: A relative of a cadre: a household or a person's ID number (conflict of interest).
cadre_relative = Table(
    "cadre_relative",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), nullable=False, index=True),
    Column("household_id", Integer, ForeignKey("household.id"), index=True),
    Column("id_number", String(18), index=True),
    Column("relation", String(40)),
)

visit = Table(
    "visit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False),
    Column("visit_date", Date, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("notes", Text),
    Column("next_date", Date),
    Column("recorded_at", DateTime, nullable=False, default=utcnow),
    Column("operator", String(100), nullable=False),
    # `report` counts kinds per household from this index alone (migration 0005).
    Index("ix_visit_household_date_kind", "household_id", "visit_date", "id", "kind"),
)

visit_cadre = Table(
    "visit_cadre",
    metadata,
    Column("visit_id", Integer, ForeignKey("visit.id"), primary_key=True),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), primary_key=True, index=True),
)

#: What a visit heard or gave that is not a commitment: suggestions, wishes, gifts.
visit_item = Table(
    "visit_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visit.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("text", String(2000), nullable=False),
)

commitment = Table(
    "commitment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False, index=True),
    Column("visit_id", Integer, ForeignKey("visit.id"), index=True),
    Column("text", String(2000), nullable=False),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), nullable=False, index=True),
    Column("due_date", Date, nullable=False),
    Column("status", String(20), nullable=False, default="open"),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("resolution", String(2000)),
    Column("referred_to", String(200)),
    Index("ix_commitment_status_due", "status", "due_date"),
)

commitment_response = Table(
    "commitment_response",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("commitment_id", Integer, ForeignKey("commitment.id"), nullable=False, index=True),
    Column("response_date", Date, nullable=False),
    Column("action", String(20), nullable=False),  # respond / resolve / refer / cannot-resolve
    Column("note", String(2000), nullable=False),
    Column("operator", String(100), nullable=False),
)

#: Who changed what and when: one row per object written, never updated.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True, default=utcnow),
    Column("operator", String(100), nullable=False),
    Column("command", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_key", String(100), nullable=False, index=True),
    Column("before", Text),
    Column("after", Text),
)

#: A ring-fenced pot of money (专款): who may receive it, how much, and when.
fund = Table(
    "fund",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("source", String(200)),
    Column("cap_fen", BigInteger),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("created_on", Date, nullable=False),
)

fund_category = Table(
    "fund_category",
    metadata,
    Column("fund_code", String(40), ForeignKey("fund.code"), primary_key=True),
    Column("category_code", String(40), ForeignKey("category.code"), primary_key=True),
)

#: One append-only money movement in the hash chain (:mod:`zoufang.chain` describes the
#: canonical form; :mod:`zoufang.services.money_chain` appends). Never updated or deleted:
#: triggers made by migration 0002 refuse it. ``seq`` is contiguous from 1, assigned inside
#: the writing transaction.
ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("fund_code", String(40), ForeignKey("fund.code"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("household_code", String(20), ForeignKey("household.code")),
    Column("visit_id", Integer, ForeignKey("visit.id")),
    Column("entry_date", Date, nullable=False),
    Column("cadre_code", String(40), ForeignKey("cadre.code")),
    Column("operator", String(100), nullable=False),
    Column("memo", String(500)),
    Column("reverses_seq", Integer, ForeignKey("ledger_entry.seq"), index=True),
    Column("override_reason", String(500)),
    Column("recorded_at", DateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_ledger_entry_fund_household", "fund_code", "household_code"),
    Index("ix_ledger_entry_household_date", "household_code", "entry_date"),
)

#: One item told to one recipient by one channel on one day (``zoufang remind``), so that
#: `remind` stays quiet about what a recipient was already told: an item is not sent again
#: by the same channel within ``--every`` days unless its ``level`` (whole weeks overdue)
#: has risen. ``recipient`` is a cadre code or ``supervisor``; ``item_key`` is
#: ``visit:H000001`` or ``commitment:12``.
reminder_log = Table(
    "reminder_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(200), nullable=False),
    Column("item_key", String(60), nullable=False),
    Column("level", Integer, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("sent_at", DateTime, nullable=False, default=utcnow),
    Index("ix_reminder_log_channel_sent_on", "channel", "sent_on"),
)
